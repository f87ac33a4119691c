// Workspaces as real containers (issue P1.4), end to end: the production server with its embedded
// local agent (a separate process on a private socket, reused across restarts), a real Docker
// engine, and the REST API. Start, stop and delete with cleanup; a container removed behind our
// back shows up as missing; an agent killed shows the host unhealthy and is recovered on restart;
// a path outside the allowed roots is refused; the container is never privileged and never gets
// the engine socket; a git source is cloned into a volume.
//
// Needs a prior `next build` and the Docker engine from scripts/with-test-env.sh.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, problemShape, startApiServer } from '@/lib/testing/api-client';
import { dockerConnection, requireBaseImage, requireService } from '@/lib/testing/test-env';
import { localAgentFiles } from '@/lib/hosts/local-agent-process';

const run = `lc${process.pid.toString(36)}${Date.now().toString(36)}`;
const ECO = `/api/v1/ecosystems/${run}`;
const APP = `${ECO}/domains/dom/apps`;

let docker: Docker;
let baseImage: string;
let image: string;
let root: string;
let dataDir: string;
let api: ApiServer;

interface WorkspaceAnswer {
  metadata: { name: string };
  status: {
    state: string;
    desiredState?: string;
    host?: string;
    container?: string;
    image?: string;
    reason?: string;
  };
}

const wsPath = (app: string, ws: string) => `${APP}/${app}/workspaces/${ws}`;

async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms\n${api.server.tail(30)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await probe();
  }
  return last;
}

async function startLifecycleServer(): Promise<ApiServer> {
  return startApiServer({
    name: 'lifecycle',
    env: {
      DVM_LOCAL_AGENT: 'on',
      DVM_ALLOWED_PATHS: path.join(root, 'allowed'),
      DVM_DATA_DIR: dataDir,
      DVM_HEARTBEAT_INTERVAL_MS: '300',
      DVM_RECONCILE_INTERVAL_MS: '500',
    },
  });
}

function apply(yaml: string) {
  return api.must('POST', '/api/v1/apply', 200, { yaml });
}

function manifests(app: string, appSpec: string, workspaceSpec: string, labels = ''): string {
  return `apiVersion: devopsmaestro.io/v1
kind: App
metadata: {name: ${app}, ecosystem: ${run}, domain: dom}
spec: ${appSpec}
---
apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata: {name: dev, ecosystem: ${run}, domain: dom, app: ${app}${labels}}
spec: ${workspaceSpec}
`;
}

beforeAll(async () => {
  requireService('docker');
  baseImage = requireBaseImage();
  docker = new Docker(dockerConnection());
  // An image of our own (a commit of the base image: a new image id), so that deleting with
  // removeImage=true removes it even while other tests run containers of the base image.
  image = `dvm-test/lifecycle:${run}`;
  const seed = await docker.createContainer({
    Image: baseImage,
    Cmd: ['true'],
    Labels: { seed: run },
  });
  await seed.commit({ repo: 'dvm-test/lifecycle', tag: run, changes: `LABEL lifecycle=${run}` });
  await seed.remove({ force: true });

  root = mkdtempSync(path.join(tmpdir(), 'dvm-lc-'));
  mkdirSync(path.join(root, 'allowed', 'api'), { recursive: true });
  writeFileSync(path.join(root, 'allowed', 'api', 'README'), 'hello from the host\n');
  mkdirSync(path.join(root, 'outside'));
  dataDir = path.join(root, 'data');
  mkdirSync(dataDir);

  api = await startLifecycleServer();
  await apply(`apiVersion: devopsmaestro.io/v1
kind: Ecosystem
metadata: {name: ${run}}
---
apiVersion: devopsmaestro.io/v1
kind: Domain
metadata: {name: dom, ecosystem: ${run}}
`);
}, 120_000);

afterAll(async () => {
  await api?.stop();
  // The data dir is ours (kept across the restart below), so the agent is ours to stop too.
  if (dataDir) {
    const { stopLocalAgent } = await import('@/lib/hosts/local-agent-process');
    await stopLocalAgent(localAgentFiles(dataDir));
  }
  const leftovers = await docker.listContainers({
    all: true,
    filters: { label: [`io.devopsmaestro.ecosystem=${run}`] },
  });
  for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true });
  await docker
    .getImage(image)
    .remove()
    .catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the embedded local agent', () => {
  it('is registered as host local, healthy, with the platforms it found', async () => {
    const host = await eventually(
      'host local healthy',
      async () =>
        (await api.must('GET', '/api/v1/hosts/local', 200)).json<{
          status: { status: string; platforms?: { active: boolean; socket: string }[] };
        }>(),
      (h) => h.status.status === 'healthy',
    );
    const active = host.status.platforms?.find((p) => p.active);
    expect(active?.socket).toBe(requireService('docker'));
    expect(readFileSync(localAgentFiles(dataDir).credentialHashFile, 'utf8')).toMatch(
      /^[0-9a-f]{64}\n$/,
    );
  });
});

describe('workspace lifecycle on the local host', () => {
  it('starts a container with our labels, the source at /workspace, and nothing dangerous', async () => {
    await apply(
      manifests(
        'api',
        `{path: ${path.join(root, 'allowed', 'api')}}`,
        `{image: {name: "${image}"}, env: {GREETING: hi}, container: {resources: {cpus: 0.5, memory: 64m}}}`,
      ),
    );
    const started = (
      await api.must('POST', `${wsPath('api', 'dev')}/start`, 200)
    ).json<WorkspaceAnswer>();
    expect(started.status).toMatchObject({
      state: 'running',
      desiredState: 'running',
      host: 'local',
      image,
    });

    const info = await docker.getContainer(started.status.container!).inspect();
    expect(info.Config.Labels).toMatchObject({
      'io.devopsmaestro.managed': 'true',
      'io.devopsmaestro.ecosystem': run,
      'io.devopsmaestro.domain': 'dom',
      'io.devopsmaestro.app': 'api',
      'io.devopsmaestro.workspace-id': expect.any(String),
    });
    expect(info.Config.Labels['io.devopsmaestro.workspace']).toBeDefined();
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Env).toContain('GREETING=hi');
    expect(info.Config.WorkingDir).toBe('/workspace');
    expect(info.HostConfig.NanoCpus).toBe(0.5e9);
    expect(info.HostConfig.Memory).toBe(64 * 2 ** 20);
    const sources = info.Mounts.map((m) => m.Source);
    expect(sources).toEqual([path.join(root, 'allowed', 'api')]);
    expect(sources.join(' ')).not.toMatch(/docker\.sock/);

    // Started twice is still one running container.
    const again = (
      await api.must('POST', `${wsPath('api', 'dev')}/start`, 200)
    ).json<WorkspaceAnswer>();
    expect(again.status.container).toBe(started.status.container);
  });

  it('stops, and GET shows the state read back from the host', async () => {
    const stopped = (
      await api.must('POST', `${wsPath('api', 'dev')}/stop`, 200)
    ).json<WorkspaceAnswer>();
    expect(stopped.status).toMatchObject({ state: 'stopped', desiredState: 'stopped' });
    const info = await docker.getContainer(stopped.status.container!).inspect();
    expect(info.State.Running).toBe(false);
    const got = (await api.must('GET', wsPath('api', 'dev'), 200)).json<WorkspaceAnswer>();
    expect(got.status.state).toBe('stopped');
  });

  it('shows a container removed behind our back as missing, with the reason', async () => {
    const started = (
      await api.must('POST', `${wsPath('api', 'dev')}/start`, 200)
    ).json<WorkspaceAnswer>();
    await docker.getContainer(started.status.container!).remove({ force: true });
    const got = await eventually(
      'missing after docker rm -f',
      async () => (await api.must('GET', wsPath('api', 'dev'), 200)).json<WorkspaceAnswer>(),
      (w) => w.status.state === 'missing',
    );
    expect(got.status.reason).toMatch(/removed outside DevOpsMaestro/);
    // Starting again recreates it.
    const restarted = (
      await api.must('POST', `${wsPath('api', 'dev')}/start`, 200)
    ).json<WorkspaceAnswer>();
    expect(restarted.status.state).toBe('running');
  });

  it('refuses a path outside the allowed roots with a clear error, creating nothing', async () => {
    await apply(
      manifests('outside', `{path: ${path.join(root, 'outside')}}`, `{image: {name: "${image}"}}`),
    );
    const answer = await api.request('POST', `${wsPath('outside', 'dev')}/start`);
    expect(answer.status).toBe(400);
    expect(problemShape(answer)).toEqual([]);
    expect(answer.json<{ detail: string }>().detail).toMatch(/allowed roots|allows/);
    const created = await docker.listContainers({
      all: true,
      filters: { label: [`io.devopsmaestro.app=outside`, `io.devopsmaestro.ecosystem=${run}`] },
    });
    expect(created).toEqual([]);
  });

  it('asks for a build when the workspace has no image', async () => {
    await apply(manifests('noimage', `{path: ${path.join(root, 'allowed', 'api')}}`, '{}'));
    const answer = await api.request('POST', `${wsPath('noimage', 'dev')}/start`);
    expect(answer.status).toBe(409);
    expect(answer.json<{ detail: string }>().detail).toMatch(/build it first/);
  });

  it('clones a git source into a volume the workspace user can write, removed on request', async () => {
    // Under the allowed roots: the agent reads file:// repositories only there.
    const repo = path.join(root, 'allowed', 'repo.git');
    const work = path.join(root, 'repo-work');
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], {
        cwd,
        stdio: 'pipe',
      });
    git(root, 'init', '--bare', '--initial-branch=main', repo);
    git(root, 'clone', repo, work);
    writeFileSync(path.join(work, 'hello.txt'), 'cloned\n');
    git(work, 'add', '.');
    git(work, 'commit', '-m', 'first');
    git(work, 'push', 'origin', 'HEAD:main');

    await apply(
      manifests(
        'gitapp',
        `{git: {url: "file://${repo}", ref: main}}`,
        `{image: {name: "${baseImage}"}}`,
      ),
    );
    const started = (
      await api.must('POST', `${wsPath('gitapp', 'dev')}/start`, 200)
    ).json<WorkspaceAnswer>();
    const info = await docker.getContainer(started.status.container!).inspect();
    const volume = info.Mounts.find((m) => m.Destination === '/workspace');
    expect(volume?.Type).toBe('volume');

    const exec = await docker.getContainer(started.status.container!).exec({
      Cmd: ['sh', '-c', 'cat /workspace/hello.txt && touch /workspace/written && id -u'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve());
    });
    const output = Buffer.concat(chunks).toString('latin1');
    expect(output).toContain('cloned');
    expect(output).toContain('1000');
    expect((await exec.inspect()).ExitCode).toBe(0);

    const deleted = await api.must('DELETE', `${wsPath('gitapp', 'dev')}?removeVolume=true`, 200);
    expect(deleted.json()).toMatchObject({ containers: { removed: 1, left: [] } });
    await expect(docker.getContainer(started.status.container!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(docker.getVolume(volume!.Name!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe('agent loss and control-plane restarts', () => {
  it('shows the host unhealthy when the agent dies, and recovers state when it comes back', async () => {
    const files = localAgentFiles(dataDir);
    const pid = Number(readFileSync(files.pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');

    const host = await eventually(
      'host local unhealthy',
      async () =>
        (await api.must('GET', '/api/v1/hosts/local', 200)).json<{
          status: { status: string; reason?: string };
        }>(),
      (h) => h.status.status === 'unhealthy',
    );
    expect(host.status.reason).toMatch(/heartbeat|unreachable/);
    const unknown = await eventually(
      'workspace unknown while its host is down',
      async () => (await api.must('GET', wsPath('api', 'dev'), 200)).json<WorkspaceAnswer>(),
      (w) => w.status.state === 'unknown',
    );
    expect(unknown.status.reason).toMatch(/host "local"/);

    // A control-plane restart starts a new agent; the container kept running all along.
    await api.stop();
    api = await startLifecycleServer();
    const back = await eventually(
      'workspace running again',
      async () => (await api.must('GET', wsPath('api', 'dev'), 200)).json<WorkspaceAnswer>(),
      (w) => w.status.state === 'running',
    );
    expect(back.status.reason).toBeUndefined();
    expect(Number(readFileSync(files.pidFile, 'utf8'))).not.toBe(pid);
  }, 90_000);

  it('reuses the running agent across a control-plane restart', async () => {
    const files = localAgentFiles(dataDir);
    const pid = Number(readFileSync(files.pidFile, 'utf8'));
    await api.stop();
    api = await startLifecycleServer();
    await api.server.waitForOutput('reusing the local agent', 5000);
    expect(Number(readFileSync(files.pidFile, 'utf8'))).toBe(pid);
    const got = (await api.must('GET', wsPath('api', 'dev'), 200)).json<WorkspaceAnswer>();
    expect(got.status.state, `${got.status.reason}\n${api.server.tail(40)}`).toBe('running');
  }, 90_000);

  it('deletes a workspace with its container and, when asked, its image', async () => {
    const got = (await api.must('GET', wsPath('api', 'dev'), 200)).json<WorkspaceAnswer>();
    const deleted = await api.must('DELETE', `${wsPath('api', 'dev')}?removeImage=true`, 200);
    expect(deleted.json()).toMatchObject({ removed: { workspace: 1 }, containers: { removed: 1 } });
    await expect(docker.getContainer(got.status.container!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(docker.getImage(image).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
