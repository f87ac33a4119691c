// The build use cases on both dialects: who may build, cancel and read; what a queued build
// records (effective settings with their sources, the source, the repository, the host); the
// queue/cancel transitions; and the view users see. Running builds on a real engine is proven end
// to end in e2e/builds.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DIALECTS } from '@/lib/testing/test-stores';
import type { ObjectKey } from '@/lib/store/data-store';
import type { ActionContext } from '../action-context';
import { auditCount, openWorld, outcome, type World } from '../test-fixtures';
import { buildView } from './build-view';
import { cancelBuild } from './cancel-build';
import { getBuild } from './get-build';
import { listBuilds } from './list-builds';
import { openBuildLog } from './open-build-log';
import { type QueuedBuildRequest, repositoryOf, requestBuild } from './request-build';

const ECO = 'builds';
const KEY: ObjectKey = { ecosystem: ECO, domain: 'dom', app: 'api', name: 'dev' };
const OTHER: ObjectKey = { ...KEY, name: 'other' };

describe.each(DIALECTS)('builds on %s', (dialect) => {
  let world: World;
  let developer: ActionContext;

  beforeAll(async () => {
    world = await openWorld(dialect);
    developer = world.ctx('developer');
    const { store } = world;
    await world.hierarchy(ECO);
    await store.ecosystems.update(
      { name: ECO },
      { name: ECO, spec: { build: { args: { FROM_ECO: 'e', SHARED: 'eco' } } } },
    );
    await store.apps.create(
      { ecosystem: ECO, domain: 'dom' },
      {
        name: 'api',
        spec: { path: '/srv/code/api', build: { args: { SHARED: 'app' } } },
      },
    );
    for (const name of ['dev', 'other']) {
      await store.workspaces.create(
        { ecosystem: ECO, domain: 'dom', app: 'api' },
        {
          name,
          spec: {
            image: { baseImage: 'busybox:stable', packages: [] },
            build: { devStage: { customCommands: ['echo hi'] } },
          },
        },
      );
    }
    await store.hosts.create({ name: 'local', credentialCiphertext: 'v1:x' });
    await store.hosts.recordHeartbeat('local', {
      at: new Date(),
      status: 'healthy',
      info: { allowedRoots: ['/srv/code'], builders: ['docker-api', 'buildkit'] },
    });
    await store.hosts.create({ name: 'edge', credentialCiphertext: 'v1:y' });
    await store.hosts.recordHeartbeat('edge', {
      at: new Date(),
      status: 'unhealthy',
      statusReason: 'no heartbeat for 9s',
      info: { allowedRoots: ['/srv'], builders: ['docker-api'] },
    });
  });

  afterAll(async () => {
    await world?.test.cleanup();
  });

  it('lets developers and owners build, never viewers, outsiders or read-only tokens', async () => {
    const before = await auditCount(world.store);
    expect(await outcome(requestBuild(world.ctx('viewer'), KEY))).toBe('FORBIDDEN');
    // Authorisation comes before the body is even looked at.
    expect(await outcome(requestBuild(world.ctx('viewer'), KEY, { builder: 'nope' }))).toBe(
      'FORBIDDEN',
    );
    expect(await outcome(requestBuild(world.ctx('outsider'), KEY))).toBe('NOT_FOUND');
    expect(await outcome(requestBuild(await world.tokenCtx('developer', 'read'), KEY))).toBe(
      'FORBIDDEN',
    );
    expect(await auditCount(world.store)).toBe(before);
    expect((await listBuilds(developer, KEY)).items).toEqual([]);

    for (const persona of ['owner', 'admin'] as const) {
      expect((await requestBuild(world.ctx(persona), KEY)).status).toBe('queued');
    }
  });

  it('queues a build with the effective settings, the source, the repository and the host', async () => {
    const build = await requestBuild(developer, KEY, { builder: 'buildkit', noCache: true });
    expect(build).toMatchObject({
      status: 'queued',
      host: 'local',
      requestedBuilder: 'buildkit',
      noCache: true,
      requestedBy: 'developer@example.com',
      requestedById: world.users.developer.id,
      ecosystem: ECO,
      workspace: 'dev',
    });
    const request = build.request as unknown as QueuedBuildRequest;
    expect(request.repository).toBe(`dvm/${ECO}-dom-api-dev`);
    expect(request.source).toEqual({ path: '/srv/code/api' });
    expect(request.settings).toMatchObject({
      baseImage: { value: 'busybox:stable', source: 'workspace' },
      packages: { value: [], source: 'workspace' },
      customCommands: { value: ['echo hi'], source: 'workspace' },
      args: {
        FROM_ECO: { value: 'e', source: 'ecosystem' },
        SHARED: { value: 'app', source: 'app' },
      },
    });
    const { items } = await world.store.audit.list({ action: 'workspace.build' }, { limit: 1 });
    expect(items[0]).toMatchObject({
      actor: 'developer@example.com',
      target: `workspace ${ECO}/dom/api/dev`,
      ecosystem: ECO,
      detail: { build: build.id, host: 'local', builder: 'buildkit', noCache: true },
    });
  });

  it('refuses bad requests with the field named, writing nothing', async () => {
    const before = await auditCount(world.store);
    for (const body of [{ builder: 'kaniko' }, { noCache: 'yes' }, { extra: 1 }, []]) {
      const error = await requestBuild(developer, KEY, body).catch((e: unknown) => e);
      expect((error as { code: string }).code).toBe('INVALID');
    }
    const error = (await requestBuild(developer, KEY, { builder: 'kaniko' }).catch(
      (e: unknown) => e,
    )) as { errors: { path: string }[] };
    expect(error.errors.map((e) => e.path)).toEqual(['builder']);
    expect(await auditCount(world.store)).toBe(before);
  });

  it('builds where the workspace is placed, and says why when that host cannot build', async () => {
    const { store } = world;
    const other = await store.workspaces.get(OTHER);
    await store.placements.set({
      workspaceId: other.id,
      host: 'edge',
      containerName: 'dvm_x',
      image: 'img',
      desired: 'stopped',
    });
    const unhealthy = await requestBuild(developer, OTHER).catch((e: unknown) => e);
    expect(unhealthy).toMatchObject({ code: 'UNAVAILABLE' });
    expect((unhealthy as Error).message).toMatch(/Host "edge" is unhealthy: no heartbeat for 9s/);

    await store.hosts.recordHeartbeat('edge', {
      at: new Date(),
      status: 'healthy',
      info: { allowedRoots: ['/srv'], builders: ['docker-api'] },
    });
    expect((await requestBuild(developer, OTHER)).host).toBe('edge');
    const refused = await requestBuild(developer, OTHER, { builder: 'buildkit' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'INVALID' });
    expect((refused as Error).message).toMatch(/offers the docker-api builder, not buildkit/);
  });

  it('cancels a queued build at once and asks the runner to stop a running one', async () => {
    const { store } = world;
    const queued = await requestBuild(developer, KEY);
    expect(await outcome(cancelBuild(world.ctx('viewer'), KEY, queued.id))).toBe('FORBIDDEN');
    const cancelled = await cancelBuild(developer, KEY, queued.id);
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    const again = await cancelBuild(developer, KEY, queued.id).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'CONFLICT' });
    expect((again as Error).message).toMatch(/already finished \(cancelled\)/);

    // A runner claims everything queued on local; one of those is then cancelled while running.
    await store.builds.claimQueued('local', 100, 'test-runner');
    const running = await requestBuild(developer, KEY);
    await store.builds.claimQueued('local', 100, 'test-runner');
    const asked = await cancelBuild(developer, KEY, running.id);
    expect(asked.status).toBe('running');
    expect(asked.cancelRequestedAt).toBeInstanceOf(Date);
    expect(buildView(asked).cancelRequestedAt).toBeDefined();
    const { items } = await store.audit.list({ action: 'workspace.build.cancel' }, { limit: 10 });
    expect(items.map((e) => e.detail?.was)).toEqual(['running', 'queued']);

    await store.builds.finish(running.id, { status: 'cancelled' });
    expect(await outcome(cancelBuild(developer, KEY, running.id))).toBe('CONFLICT');
  });

  it('lets every member read builds, newest first, and hides other workspaces’ builds', async () => {
    const viewer = world.ctx('viewer');
    const page = await listBuilds(viewer, KEY, { limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBeDefined();
    const all = (await listBuilds(viewer, KEY, { limit: 100 })).items;
    expect(all.map((b) => b.id)).toEqual([...all.map((b) => b.id)].sort().reverse());
    expect(all.every((b) => b.workspace === 'dev')).toBe(true);

    const first = all[0]!;
    expect((await getBuild(viewer, KEY, first.id)).id).toBe(first.id);
    expect(await outcome(getBuild(viewer, OTHER, first.id))).toBe('NOT_FOUND');
    expect(await outcome(getBuild(world.ctx('outsider'), KEY, first.id))).toBe('NOT_FOUND');
    expect(await outcome(getBuild(viewer, KEY, 'no-such-build'))).toBe('NOT_FOUND');
    expect(await outcome(listBuilds(viewer, { ...KEY, name: 'missing' }))).toBe('NOT_FOUND');
  });

  it('reads the log of a build page by page for followers', async () => {
    const { store } = world;
    const build = await requestBuild(developer, KEY);
    await store.builds.appendEvents(build.id, {
      events: [
        { type: 'status', data: { status: 'running', host: 'local' } },
        { type: 'log', data: { stream: 'stdout', text: 'one\n' } },
        { type: 'step', data: { id: 's', name: 'RUN x', state: 'started', cached: false } },
        { type: 'log', data: { stream: 'stderr', text: 'two\n' } },
      ],
    });
    const reader = await openBuildLog(world.ctx('viewer'), KEY, build.id);
    expect((await reader.events(0)).map((e) => e.type)).toEqual(['status', 'log', 'step', 'log']);
    expect(await reader.logText(0)).toEqual({ text: 'one\ntwo\n', lastSeq: 4 });
    expect(await reader.logText(4)).toBeUndefined();
    expect(await outcome(openBuildLog(world.ctx('outsider'), KEY, build.id))).toBe('NOT_FOUND');
  });

  it('shows a build in plain words: steps, durations, the image, the failure', () => {
    const created = new Date('2026-11-27T12:00:00.000Z');
    const view = buildView({
      id: 'b1',
      workspaceId: 'w1',
      ecosystem: 'e',
      domain: 'd',
      app: 'a',
      workspace: 'w',
      host: 'local',
      status: 'failed',
      builder: 'buildkit',
      noCache: false,
      requestedBy: 'dev@example.com',
      request: {},
      tag: 'dvm/e-d-a-w:abc',
      dockerfile: 'FROM busybox\n',
      baseImage: { value: 'busybox', source: 'workspace' },
      language: { value: { name: 'go', version: '1.22' }, source: 'detected' },
      steps: [
        { id: '1', name: '[1/2] FROM busybox', state: 'cached', cached: true },
        { id: '2', name: '[2/2] RUN exit 3', state: 'failed', cached: false, durationMs: 40 },
      ],
      failure: {
        message: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
        failedStep: '[2/2] RUN exit 3',
        exitCode: 3,
        lastLines: ['#5 [2/2] RUN exit 3'],
      },
      lastSeq: 9,
      logBytes: 120,
      logTruncated: false,
      createdAt: created,
      startedAt: new Date(created.getTime() + 1000),
      finishedAt: new Date(created.getTime() + 3500),
      updatedAt: created,
    });
    expect(view).toEqual({
      id: 'b1',
      workspace: 'e/d/a/w',
      status: 'failed',
      host: 'local',
      builder: 'buildkit',
      noCache: false,
      requestedBy: 'dev@example.com',
      createdAt: '2026-11-27T12:00:00.000Z',
      startedAt: '2026-11-27T12:00:01.000Z',
      finishedAt: '2026-11-27T12:00:03.500Z',
      durationMs: 2500,
      tag: 'dvm/e-d-a-w:abc',
      dockerfile: 'FROM busybox\n',
      baseImage: { image: 'busybox', source: 'workspace' },
      language: { name: 'go', version: '1.22', source: 'detected' },
      steps: [
        { name: '[1/2] FROM busybox', state: 'cached', cached: true },
        { name: '[2/2] RUN exit 3', state: 'failed', cached: false, durationMs: 40 },
      ],
      failure: {
        message: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
        failedStep: '[2/2] RUN exit 3',
        exitCode: 3,
        lastLines: ['#5 [2/2] RUN exit 3'],
      },
      log: { bytes: 120, truncated: false },
    });
  });

  it('names images after the workspace, within the engine’s limits', async () => {
    const ws = await world.store.workspaces.get(KEY);
    expect(repositoryOf(ws)).toBe(`dvm/${ECO}-dom-api-dev`);
    const long = 'x'.repeat(63);
    const name = repositoryOf({ ...ws, ecosystem: long, domain: long, app: long, name: long });
    expect(name.length).toBeLessThanOrEqual(200);
    expect(name).toMatch(/^dvm\/[x-]+-[0-9a-f]{12}$/);
  });
});
