// Image builds end to end (issue P1.5, items 3 and 4): the production server with its embedded
// local agent and the real Docker engine, driven only through the REST API. A build is queued
// (202), followed live over Server-Sent Events until `finished`, recorded with its steps, tag and
// Dockerfile; the same inputs build again fully reused under the same tag; the workspace starts
// from the built image; a failing RUN reports its step, exit code and last lines; a cancel stops
// the build on the host within seconds; late followers get the whole replay (and resume after
// Last-Event-ID); a control-plane restart fails the build it interrupted and runs what was
// queued; a killed agent fails its build with that reason.
//
// Needs a prior `next build` and the Docker engine from scripts/with-test-env.sh.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAgentFiles, stopLocalAgent } from '@/lib/hosts/local-agent-process';
import { type ApiServer, startApiServer } from '@/lib/testing/api-client';
import { dockerConnection, requireBaseImage, requireService } from '@/lib/testing/test-env';

const run = `bd${process.pid.toString(36)}${Date.now().toString(36)}`;
const APPS = `/api/v1/ecosystems/${run}/domains/dom/apps`;
const wsPath = (app: string) => `${APPS}/${app}/workspaces/dev`;

let docker: Docker;
let baseImage: string;
let root: string;
let dataDir: string;
let api: ApiServer;

interface BuildAnswer {
  id: string;
  workspace: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  host: string;
  builder?: string;
  requestedBy: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  tag?: string;
  imageId?: string;
  reused?: boolean;
  dockerfile?: string;
  baseImage?: { image: string; source: string };
  steps: { name: string; state: string; cached: boolean; durationMs?: number }[];
  failure?: { message: string; failedStep?: string; exitCode?: number; lastLines: string[] };
  cancelRequestedAt?: string;
  log: { bytes: number; truncated: boolean };
  links: { self: string; log: string; follow: string; cancel: string; workspace: string };
}

interface SseEvent {
  id?: number;
  event: string;
  data: Record<string, unknown>;
  /** ms since the stream was opened. */
  at: number;
}

async function startBuildServer(): Promise<ApiServer> {
  return startApiServer({
    name: 'builds',
    env: {
      DVM_LOCAL_AGENT: 'on',
      DVM_ALLOWED_PATHS: path.join(root, 'allowed'),
      DVM_DATA_DIR: dataDir,
      DVM_HEARTBEAT_INTERVAL_MS: '300',
      DVM_RECONCILE_INTERVAL_MS: '500',
      // One at a time per host: the restart test leaves one build running and one queued.
      DVM_BUILD_CONCURRENCY: '1',
    },
  });
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: still ${JSON.stringify(last).slice(0, 1500)} after ${timeoutMs} ms\n${api.server.tail(40)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    last = await probe();
  }
  return last;
}

/** Adds app `name` with the tiny source and its workspace `dev` with this build spec. */
async function workspace(name: string, build: Record<string, unknown> = {}) {
  await api.must('POST', '/api/v1/apply', 200, {
    json: [
      {
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'App',
        metadata: { name, ecosystem: run, domain: 'dom' },
        spec: { path: path.join(root, 'allowed', 'src') },
      },
      {
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'Workspace',
        metadata: { name: 'dev', ecosystem: run, domain: 'dom', app: name },
        spec: { image: { baseImage, packages: [] }, ...build },
      },
    ],
  });
}

async function requestBuild(app: string): Promise<BuildAnswer> {
  const answer = await api.must('POST', `${wsPath(app)}/build`, 202, { json: {} });
  const build = answer.json<BuildAnswer>();
  expect(answer.headers.get('location')).toBe(build.links.self);
  return build;
}

const getBuild = async (build: BuildAnswer) =>
  (await api.must('GET', build.links.self, 200)).json<BuildAnswer>();

const finished = (build: BuildAnswer) =>
  eventually(
    `build ${build.id} finished`,
    () => getBuild(build),
    (b) => !['queued', 'running'].includes(b.status),
  );

/** Follows a build's event stream until the server closes it. */
async function follow(
  build: BuildAnswer,
  options: { lastEventId?: number; onEvent?: (event: SseEvent) => void | Promise<void> } = {},
): Promise<{ events: SseEvent[]; type: string | null }> {
  const opened = performance.now();
  const response = await fetch(`${api.baseUrl}${build.links.follow}`, {
    headers: {
      Authorization: `Bearer ${api.token}`,
      Accept: 'text/event-stream',
      ...(options.lastEventId !== undefined && { 'Last-Event-ID': String(options.lastEventId) }),
    },
    signal: AbortSignal.timeout(120_000),
  });
  expect(response.status).toBe(200);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: Partial<SseEvent> & { lines: string[] } = { lines: [] };
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) event.id = Number(line.slice(4));
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) event.lines.push(line.slice(6));
      }
      if (!event.event) continue; // comments and `retry:`
      const parsed: SseEvent = {
        event: event.event,
        data: JSON.parse(event.lines.join('\n')) as Record<string, unknown>,
        at: performance.now() - opened,
        ...(event.id !== undefined && { id: event.id }),
      };
      events.push(parsed);
      await options.onEvent?.(parsed);
    }
  }
  return { events, type: response.headers.get('content-type') };
}

/** Processes whose command line contains `marker` (a RUN step's shell keeps it). */
function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

beforeAll(async () => {
  requireService('docker');
  baseImage = requireBaseImage();
  docker = new Docker(dockerConnection());
  root = mkdtempSync(path.join(tmpdir(), 'dvm-builds-'));
  mkdirSync(path.join(root, 'allowed', 'src'), { recursive: true });
  writeFileSync(path.join(root, 'allowed', 'src', 'hello.sh'), 'echo "hello from the app"\n');
  writeFileSync(path.join(root, 'allowed', 'src', 'README'), 'a tiny app\n');
  dataDir = path.join(root, 'data');
  mkdirSync(dataDir);
  api = await startBuildServer();
  await api.must('POST', '/api/v1/apply', 200, {
    json: [
      { apiVersion: 'devopsmaestro.io/v1', kind: 'Ecosystem', metadata: { name: run } },
      {
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'Domain',
        metadata: { name: 'dom', ecosystem: run },
      },
    ],
  });
  await eventually(
    'host local healthy',
    async () =>
      (await api.must('GET', '/api/v1/hosts/local', 200)).json<{ status: { status: string } }>(),
    (h) => h.status.status === 'healthy',
  );
}, 180_000);

afterAll(async () => {
  await api?.stop();
  if (dataDir) await stopLocalAgent(localAgentFiles(dataDir));
  if (docker) {
    const leftovers = await docker.listContainers({
      all: true,
      filters: { label: [`io.devopsmaestro.ecosystem=${run}`] },
    });
    for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true });
    const images = await docker.listImages({ filters: { reference: [`dvm/${run}-*`] } });
    for (const image of images)
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('a build from the API', () => {
  let first: BuildAnswer;

  it('is queued (202), followed live over SSE until finished, and recorded with steps, tag and Dockerfile', async () => {
    // A second of work, so that the build is seen running while its steps stream in; the run id
    // keeps the engine's cache (from earlier runs) from answering it at once.
    await workspace('api', {
      build: { devStage: { customCommands: [`sleep 1 && echo first-${run}`] } },
    });
    const queued = await requestBuild('api');
    expect(queued).toMatchObject({
      status: 'queued',
      workspace: `${run}/dom/api/dev`,
      host: 'local',
      requestedBy: 'root@api.test',
      steps: [],
    });

    let statusAtFirstStep: string | undefined;
    const { events, type } = await follow(queued, {
      async onEvent(event) {
        if (event.event === 'step' && statusAtFirstStep === undefined)
          statusAtFirstStep = (await getBuild(queued)).status;
      },
    });
    expect(type).toMatch(/^text\/event-stream/);
    // Live: when the first step arrived the build was still running.
    expect(statusAtFirstStep).toBe('running');
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('status');
    expect(kinds).toContain('prepared');
    expect(kinds).toContain('step');
    expect(kinds[kinds.length - 1]).toBe('finished');
    const ids = events.filter((e) => e.id !== undefined).map((e) => e.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    const done = events[events.length - 1]!.data as unknown as BuildAnswer;
    expect(done.status).toBe('succeeded');

    first = await getBuild(queued);
    expect(first).toMatchObject({ status: 'succeeded', reused: false });
    expect(first.tag).toMatch(new RegExp(`^dvm/${run}-dom-api-dev:[0-9a-f]{12}$`));
    expect(first.builder).toMatch(/^(docker-api|buildkit)$/);
    expect(first.dockerfile).toMatch(/^FROM /m);
    expect(first.dockerfile).toContain('sleep 1');
    expect(first.baseImage).toEqual({ image: baseImage, source: 'workspace' });
    expect(first.durationMs).toBeGreaterThan(900);
    expect(first.imageId).toMatch(/^sha256:/);
    expect(first.steps.length).toBeGreaterThan(1);
    for (const step of first.steps) expect(typeof step.cached).toBe('boolean');
    expect(first.steps.some((s) => /sleep 1/.test(s.name) && !s.cached)).toBe(true);
    const image = await docker.getImage(first.tag!).inspect();
    expect(image.Id).toBe(first.imageId);
  }, 180_000);

  it('replays everything to a late joiner, resumes after Last-Event-ID, and serves the plain log', async () => {
    const live = await follow(first);
    const replay = live.events.filter((e) => e.id !== undefined);
    expect(replay.length).toBeGreaterThan(3);
    expect(replay.map((e) => e.id)).toEqual(replay.map((_, i) => i + 1));
    expect(live.events[live.events.length - 1]!.event).toBe('finished');

    const resumed = await follow(first, { lastEventId: 3 });
    expect(resumed.events.filter((e) => e.id !== undefined).map((e) => e.id)).toEqual(
      replay.slice(3).map((e) => e.id),
    );
    expect(resumed.events[resumed.events.length - 1]!.event).toBe('finished');

    const text = await api.must('GET', first.links.log, 200);
    expect(text.type).toBe('text/plain');
    const logged = replay
      .filter((e) => e.event === 'log')
      .map((e) => String(e.data.text))
      .join('');
    expect(text.text).toBe(logged);
    expect(first.log.bytes).toBe(Buffer.byteLength(logged));
  }, 60_000);

  it('reuses the image when nothing changed: same tag, quickly', async () => {
    const again = await finished(await requestBuild('api'));
    expect(again.status).toBe('succeeded');
    expect(again.tag).toBe(first.tag);
    expect(again.reused === true || again.steps.every((s) => s.cached)).toBe(true);
    expect(again.durationMs!).toBeLessThan(first.durationMs!);
    const builds = (await api.must('GET', `${wsPath('api')}/builds`, 200)).json<{
      items: BuildAnswer[];
    }>();
    expect(builds.items.map((b) => b.id)).toEqual([again.id, first.id]);
  }, 120_000);

  it('starts the workspace from the built image', async () => {
    const started = (await api.must('POST', `${wsPath('api')}/start`, 200)).json<{
      status: { state: string; image?: string; container?: string };
    }>();
    expect(started.status).toMatchObject({ state: 'running', image: first.tag });
    const container = await docker.getContainer(started.status.container!).inspect();
    expect(container.Config.Image).toBe(first.tag);
    expect(container.State.Running).toBe(true);
  }, 60_000);
});

describe('build secrets', () => {
  it('mounts a secret for a RUN step, never storing it or putting it in the image', async () => {
    const secret = `s3cr3t-${run}-value`;
    const digest = createHash('sha256').update(secret).digest('hex');
    // The Dockerfile names only the secret's digest: the value reaches the build only through the
    // request, and the step proves it was mounted by hashing it.
    await workspace('secret', {
      build: {
        devStage: {
          customCommands: [
            `RUN --mount=type=secret,id=token test "$(sha256sum /run/secrets/token | cut -d' ' -f1)" = "${digest}" && echo token-was-mounted`,
          ],
        },
      },
    });
    const answer = await api.must('POST', `${wsPath('secret')}/build`, 202, {
      json: { builder: 'buildkit', secrets: { token: secret } },
    });
    const build = await finished(answer.json<BuildAnswer>());
    expect(build.status, JSON.stringify(build.failure)).toBe('succeeded');
    const log = (await api.must('GET', `${build.links.self}/log`, 200)).text;
    expect(log).toContain('token-was-mounted');

    const history = await docker.getImage(build.tag!).history();
    expect(JSON.stringify(history)).not.toContain(secret);
    expect(JSON.stringify(await docker.getImage(build.tag!).inspect())).not.toContain(secret);
    expect(JSON.stringify(await getBuild(build))).not.toContain(secret);
    expect(log).not.toContain(secret);
    const audit = await api.must('GET', '/api/v1/audit?limit=50', 200);
    expect(audit.text).not.toContain(secret);
    expect(api.server.output()).not.toContain(secret);
  }, 120_000);

  it('refuses secrets with the docker-api builder, saying why', async () => {
    const answer = await api.request('POST', `${wsPath('secret')}/build`, {
      json: { builder: 'docker-api', secrets: { token: 'x' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.json<{ detail: string }>().detail).toMatch(/need the buildkit builder/);
  });
});

describe('when a build does not succeed', () => {
  it('says which step failed, with its exit code and the last lines of the log', async () => {
    await workspace('broken', {
      build: { devStage: { customCommands: [`echo "about to fail ${run}" && exit 3`] } },
    });
    const build = await finished(await requestBuild('broken'));
    expect(build.status).toBe('failed');
    expect(build.failure).toBeDefined();
    expect(build.failure!.exitCode).toBe(3);
    expect(build.failure!.failedStep).toMatch(/exit 3/);
    expect(build.failure!.message).toMatch(/exit 3|exit code/);
    expect(build.failure!.lastLines.join('\n')).toContain(`about to fail ${run}`);
    expect(build.tag).toBeDefined();
    await expect(docker.getImage(build.tag!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    // The workspace still has nothing to start.
    const start = await api.request('POST', `${wsPath('broken')}/start`);
    expect(start.status).toBe(409);
  }, 120_000);

  it('cancels a running build within seconds and leaves nothing running', async () => {
    const marker = `cancel-${run}`;
    await workspace('slow', {
      build: { devStage: { customCommands: [`sleep 30; echo ${marker}`] } },
    });
    const build = await requestBuild('slow');
    await eventually(
      'the sleep step running',
      () => getBuild(build),
      (b) => b.status === 'running' && b.steps.some((s) => /sleep 30/.test(s.name)),
    );
    await eventually(
      'the sleep running on the host',
      async () => processesWith(marker),
      (p) => p.length > 0,
    );
    const asked = Date.now();
    const answer = (await api.must('POST', build.links.cancel, 200)).json<BuildAnswer>();
    expect(['running', 'cancelled']).toContain(answer.status);
    const cancelled = await eventually(
      'cancelled',
      () => getBuild(build),
      (b) => b.status === 'cancelled',
      10_000,
    );
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(cancelled.finishedAt).toBeDefined();
    await eventually(
      'no build process left',
      async () => processesWith(marker),
      (p) => p.length === 0,
      10_000,
    );
    const containers = await docker.listContainers();
    expect(containers.filter((c) => c.Command.includes(marker))).toEqual([]);
    // Finished builds cannot be cancelled again.
    expect((await api.request('DELETE', build.links.self)).status).toBe(409);
  }, 120_000);

  it('fails the build a control-plane restart interrupted, and runs the one left queued', async () => {
    const marker = `restart-${run}`;
    await workspace('restart', {
      build: { devStage: { customCommands: [`sleep 30; echo ${marker}`] } },
    });
    const interrupted = await requestBuild('restart');
    await eventually(
      'the first build running',
      () => getBuild(interrupted),
      (b) => b.status === 'running' && b.steps.some((s) => /sleep 30/.test(s.name)),
    );
    // DVM_BUILD_CONCURRENCY=1: this one waits in the queue.
    const waiting = await requestBuild('restart');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await getBuild(waiting)).status).toBe('queued');

    // A follower does not hold up the shutdown: its stream ends (without `finished`) at once.
    const following = follow(interrupted);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = Date.now();
    await api.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    const cut = await following;
    expect(cut.events.map((e) => e.event)).not.toContain('finished');
    api = await startBuildServer();
    const failed = await eventually(
      'the interrupted build failed',
      () => getBuild(interrupted),
      (b) => b.status === 'failed',
      30_000,
    );
    expect(failed.failure?.message).toBe('the control plane restarted during the build');
    await eventually(
      'the queued build running',
      () => getBuild(waiting),
      (b) => b.status === 'running',
      30_000,
    );
    await api.must('DELETE', waiting.links.self, 200);
    await eventually(
      'cancelled',
      () => getBuild(waiting),
      (b) => b.status === 'cancelled',
      10_000,
    );
  }, 180_000);

  it('fails a build whose agent is killed, with that reason', async () => {
    const marker = `lost-${run}`;
    await workspace('lost', {
      build: { devStage: { customCommands: [`sleep 30; echo ${marker}`] } },
    });
    const build = await requestBuild('lost');
    await eventually(
      'the sleep step running',
      () => getBuild(build),
      (b) => b.status === 'running' && b.steps.some((s) => /sleep 30/.test(s.name)),
    );
    const pid = Number(readFileSync(localAgentFiles(dataDir).pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const failed = await eventually(
      'the build failed',
      () => getBuild(build),
      (b) => b.status === 'failed',
      30_000,
    );
    expect(failed.failure?.message).toMatch(/^the agent on host local was lost: /);
  }, 120_000);
});
