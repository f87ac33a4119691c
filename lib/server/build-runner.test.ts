// The build runner on both dialects, against a scripted agent (the HostAgent edge: what the gRPC
// client would hand over) so that every ending can be forced: success, a failed step, a lost
// agent, a cancel the agent confirms or never answers, a control-plane restart, a host that is
// unhealthy or gone, and the per-host concurrency limit. The real agent and engine are exercised
// end to end in e2e/builds.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { BuildOutcome } from '@/lib/build/build-types';
import type { HostConnector } from '@/lib/domain/runtime/host-connector';
import { AppError } from '@/lib/errors';
import type {
  BuildHandle,
  BuildRequest,
  BuildStreamEvent,
  HostAgent,
} from '@/lib/hosts/host-agent';
import type { DataStore } from '@/lib/store/data-store';
import { DIALECTS, type TestStore, openTestStore } from '@/lib/testing/test-stores';
import { buildEventHub } from './build-events';
import { RESTART_REASON, type BuildRunner, startBuildRunner } from './build-runner';

const APP = { ecosystem: 'eco', domain: 'dom', app: 'api' };

interface Scripted {
  request: BuildRequest;
  emit(event: BuildStreamEvent): void;
  resolve(outcome: BuildOutcome): void;
  reject(error: unknown): void;
  cancelled: boolean;
  /** Settle `cancelled` when asked to cancel (default true). */
  confirmCancel: boolean;
}

function scriptedAgent(): { agent: HostAgent; builds: Scripted[] } {
  const builds: Scripted[] = [];
  const agent = {
    build(request: BuildRequest): BuildHandle {
      const listeners: ((event: BuildStreamEvent) => void)[] = [];
      let settle!: { resolve(o: BuildOutcome): void; reject(e: unknown): void };
      const done = new Promise<BuildOutcome>((resolve, reject) => {
        settle = { resolve, reject };
      });
      const scripted: Scripted = {
        request,
        emit: (event) => listeners.forEach((l) => l(event)),
        resolve: (outcome) => settle.resolve(outcome),
        reject: (error) => settle.reject(error),
        cancelled: false,
        confirmCancel: true,
      };
      builds.push(scripted);
      return {
        onEvent: (listener) => listeners.push(listener),
        done,
        cancel() {
          scripted.cancelled = true;
          if (scripted.confirmCancel) settle.resolve({ status: 'cancelled' });
        },
      };
    },
  } as unknown as HostAgent;
  return { agent, builds };
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(DIALECTS)('build runner [%s]', (dialect) => {
  let t: TestStore;
  let store: DataStore;
  let ws: string;
  let runner: BuildRunner | undefined;
  let scripted: ReturnType<typeof scriptedAgent>;
  const logs: string[] = [];

  const hosts: HostConnector = { agentFor: async () => scripted.agent };
  const start = (extra: Partial<Parameters<typeof startBuildRunner>[0]> = {}) =>
    (runner = startBuildRunner({
      store,
      hosts,
      hub: buildEventHub(),
      concurrency: 2,
      log: (level, msg) => logs.push(`${level}: ${msg}`),
      pollMs: 30,
      flushMs: 20,
      ...extra,
    }));
  const queue = (host = 'local') =>
    store.builds.create({
      workspaceId: ws,
      host,
      requestedBy: 'dev@example.com',
      request: {
        repository: 'dvm/eco-dom-api-dev',
        source: { path: '/srv/api' },
        settings: { args: {} },
      },
    });
  const status = (id: string) => store.builds.get(id).then((b) => b.status);

  beforeEach(async () => {
    t = await openTestStore(dialect);
    store = t.store;
    scripted = scriptedAgent();
    await store.ecosystems.create({}, { name: 'eco' });
    await store.domains.create({ ecosystem: 'eco' }, { name: 'dom' });
    await store.apps.create({ ecosystem: 'eco', domain: 'dom' }, { name: 'api' });
    ws = (await store.workspaces.create(APP, { name: 'dev' })).id;
    await store.hosts.create({ name: 'local', credentialCiphertext: 'v1:x' });
    await store.hosts.recordHeartbeat('local', { at: new Date(), status: 'healthy' });
  });

  afterEach(async () => {
    runner?.stop();
    runner = undefined;
    await t.cleanup();
  });

  it('runs a queued build, recording what was prepared, steps, merged log output and the image', async () => {
    const build = await queue();
    const changes: number[] = [];
    const off = buildEventHub().onChanged(build.id, () => changes.push(Date.now()));
    start();
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 1,
    );
    const agentBuild = scripted.builds[0]!;
    expect(agentBuild.request).toMatchObject({
      buildId: build.id,
      repository: 'dvm/eco-dom-api-dev',
      source: { path: '/srv/api' },
      workspace: { ecosystem: 'eco', domain: 'dom', app: 'api', workspace: 'dev', workspaceId: ws },
    });
    expect(await status(build.id)).toBe('running');

    const t0 = new Date('2026-11-27T12:00:00.000Z');
    agentBuild.emit({
      type: 'prepared',
      builder: 'buildkit',
      dockerfile: 'FROM busybox\n',
      tag: 'dvm/eco-dom-api-dev:abc',
      inputsHash: 'abc',
      baseImage: { value: 'busybox', source: 'workspace' },
      reused: false,
    });
    agentBuild.emit({ type: 'step', id: 'v1', name: '[1/2] FROM busybox', state: 'cached' });
    agentBuild.emit({
      type: 'step',
      id: 'v2',
      name: '[2/2] RUN echo',
      state: 'started',
      startedAt: t0,
    });
    agentBuild.emit({ type: 'log', stepId: 'v2', stream: 'stdout', text: 'hel' });
    agentBuild.emit({ type: 'log', stepId: 'v2', stream: 'stdout', text: 'lo\n' });
    agentBuild.emit({
      type: 'step',
      id: 'v2',
      name: '[2/2] RUN echo',
      state: 'completed',
      completedAt: new Date(t0.getTime() + 1500),
    });
    // Live: the progress is stored while the build still runs.
    const live = await eventually(
      () => store.builds.get(build.id),
      (b) => b.steps.length === 2 && b.steps[1]!.state === 'completed',
    );
    expect(live.status).toBe('running');
    expect(live.steps).toEqual([
      { id: 'v1', name: '[1/2] FROM busybox', state: 'cached', cached: true },
      {
        id: 'v2',
        name: '[2/2] RUN echo',
        state: 'completed',
        cached: false,
        startedAt: t0.toISOString(),
        completedAt: '2026-11-27T12:00:01.500Z',
        durationMs: 1500,
      },
    ]);
    agentBuild.resolve({
      status: 'succeeded',
      imageId: 'sha256:feed',
      tags: ['dvm/eco-dom-api-dev:abc'],
    });
    const done = await eventually(
      () => store.builds.get(build.id),
      (b) => b.status === 'succeeded',
    );
    expect(done).toMatchObject({
      builder: 'buildkit',
      tag: 'dvm/eco-dom-api-dev:abc',
      imageId: 'sha256:feed',
      digest: 'sha256:feed',
      dockerfile: 'FROM busybox\n',
      reused: false,
    });
    const events = await store.builds.readEvents(build.id);
    expect(events.map((e) => e.type)).toEqual([
      'status',
      'prepared',
      'step',
      'step',
      'log',
      'step',
    ]);
    expect(events.find((e) => e.type === 'log')!.data).toEqual({
      stream: 'stdout',
      stepId: 'v2',
      text: 'hello\n',
    });
    expect(changes.length).toBeGreaterThan(1);
    off();
    expect(runner!.active()).toEqual([]);
  });

  it('runs at most the concurrency per host; the rest wait queued', async () => {
    const builds = [await queue(), await queue(), await queue()];
    start({ concurrency: 2 });
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 2,
    );
    await new Promise((r) => setTimeout(r, 150));
    expect(scripted.builds).toHaveLength(2);
    expect(await status(builds[2]!.id)).toBe('queued');
    scripted.builds[0]!.resolve({ status: 'succeeded', imageId: 'sha256:1', tags: ['x:1'] });
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 3,
    );
    expect(scripted.builds[2]!.request.buildId).toBe(builds[2]!.id);
  });

  it('reports a failed step in plain words: the step, its exit code, the last lines', async () => {
    const build = await queue();
    start();
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 1,
    );
    const agentBuild = scripted.builds[0]!;
    agentBuild.emit({ type: 'step', id: 'v9', name: '[2/2] RUN exit 3', state: 'started' });
    agentBuild.emit({ type: 'log', stepId: 'v9', stream: 'stderr', text: 'about to fail\r\n' });
    agentBuild.emit({ type: 'log', stepId: 'v9', stream: 'stderr', text: 'failing now' });
    agentBuild.emit({ type: 'step', id: 'v9', name: '[2/2] RUN exit 3', state: 'failed' });
    agentBuild.resolve({
      status: 'failed',
      message: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      failedStep: 'v9',
      exitCode: 3,
    });
    const failed = await eventually(
      () => store.builds.get(build.id),
      (b) => b.status === 'failed',
    );
    expect(failed.failure).toEqual({
      message: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      failedStep: '[2/2] RUN exit 3',
      exitCode: 3,
      lastLines: ['about to fail', 'failing now'],
    });
  });

  it('fails a build whose agent is lost, with that reason', async () => {
    const build = await queue();
    start();
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 1,
    );
    scripted.builds[0]!.emit({ type: 'log', stream: 'stdout', text: 'step 1 of 3\n' });
    scripted.builds[0]!.reject(
      new AppError('UNAVAILABLE', 'The agent at unix:///x.sock stopped answering.'),
    );
    const failed = await eventually(
      () => store.builds.get(build.id),
      (b) => b.status === 'failed',
    );
    expect(failed.failure).toEqual({
      message: 'the agent on host local was lost: The agent at unix:///x.sock stopped answering.',
      lastLines: ['step 1 of 3'],
    });
  });

  it('passes a cancel to the agent, and records it even when the agent never confirms', async () => {
    const first = await queue();
    const second = await queue();
    start({ cancelGraceMs: 200 });
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 2,
    );
    scripted.builds[1]!.confirmCancel = false;

    await store.builds.requestCancel(first.id);
    buildEventHub().cancelRequested(first.id);
    expect(
      await eventually(
        () => status(first.id),
        (s) => s === 'cancelled',
      ),
    ).toBe('cancelled');
    expect(scripted.builds[0]!.cancelled).toBe(true);

    // No signal this time: the runner notices the request on its next pass.
    await store.builds.requestCancel(second.id);
    await eventually(
      async () => scripted.builds[1]!.cancelled,
      (c) => c,
    );
    expect(await status(second.id)).toBe('running');
    expect(
      await eventually(
        () => status(second.id),
        (s) => s === 'cancelled',
      ),
    ).toBe('cancelled');
    expect(logs.join('\n')).toMatch(/did not confirm a cancelled build/);
  });

  it('fails builds left running by a previous control plane, and runs those left queued', async () => {
    const running = await queue();
    await store.builds.claimQueued('local', 1, 'previous-process', new Date(Date.now() - 60_000));
    await store.builds.appendEvents(running.id, {
      events: [{ type: 'log', data: { stream: 'stdout', text: 'compiling…\n' } }],
    });
    const queued = await queue();
    start();
    const failed = await eventually(
      () => store.builds.get(running.id),
      (b) => b.status === 'failed',
    );
    expect(failed.failure).toEqual({ message: RESTART_REASON, lastLines: ['compiling…'] });
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 1,
    );
    expect(scripted.builds[0]!.request.buildId).toBe(queued.id);
  });

  it('stops the build on the agent when its workspace is deleted', async () => {
    const build = await queue();
    start();
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 1,
    );
    scripted.builds[0]!.confirmCancel = false;
    await store.workspaces.delete({ ...APP, name: 'dev' });
    scripted.builds[0]!.emit({ type: 'log', stream: 'stdout', text: 'still going\n' });
    await eventually(
      async () => scripted.builds[0]!.cancelled,
      (c) => c,
    );
    expect(await store.builds.find(build.id)).toBeUndefined();
    expect(runner!.active()).toEqual([]);
  });

  it('keeps builds queued while their host is unhealthy, and fails them when it is removed', async () => {
    await store.hosts.create({ name: 'edge', credentialCiphertext: 'v1:y' });
    await store.hosts.recordHeartbeat('edge', { at: new Date(), status: 'unhealthy' });
    const waiting = await queue('edge');
    const orphan = await queue('gone');
    start();
    const failed = await eventually(
      () => store.builds.get(orphan.id),
      (b) => b.status === 'failed',
    );
    expect(failed.failure?.message).toBe('host "gone" is no longer registered');
    expect(await status(waiting.id)).toBe('queued');
    await store.hosts.recordHeartbeat('edge', { at: new Date(), status: 'healthy' });
    await eventually(
      async () => scripted.builds.length,
      (n) => n === 1,
    );
    expect(scripted.builds[0]!.request.buildId).toBe(waiting.id);
  });
});
