// Several hosts (issue P1.4): two dvm-agent processes on their own sockets join one control plane
// with one-time tokens, each in front of its own real Docker engine. Workspaces are placed by the
// app's host, by host selector labels and by load, and each host's state is its own: stopping one
// engine makes that host unhealthy with the engine's error and its workspaces unknown, while the
// other host and its workspaces stay healthy and running.
//
// Needs a prior `next build`, the Docker engine from scripts/with-test-env.sh, and root (a second
// private engine is started here with scripts/docker-engine.sh).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '@/lib/testing/api-client';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { dockerConnection, requireBaseImage, requireService } from '@/lib/testing/test-env';

const run = `mh${process.pid.toString(36)}${Date.now().toString(36)}`;
const APPS = `/api/v1/ecosystems/${run}/domains/dom/apps`;

interface HostAnswer {
  metadata: { name: string; labels: Record<string, string> };
  status: {
    status: string;
    reason?: string;
    platforms?: { socket: string; active: boolean }[];
  };
}

interface WorkspaceAnswer {
  status: { state: string; host?: string; container?: string; reason?: string };
}

let api: ApiServer;
let root: string;
let engine2Dir: string;
let engine2Host: string;
let engine2Running = false;
let image: string;
let repo: string;
const agents: ChildProcess[] = [];

function dockerFor(host: string): Docker {
  return new Docker({ socketPath: host.replace(/^unix:\/\//, '') });
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await probe();
  }
  return last;
}

const getHost = async (name: string) =>
  (await api.must('GET', `/api/v1/hosts/${name}`, 200)).json<HostAnswer>();

/** The agent finds its engine from DOCKER_HOST, as a real host's agent would. */
function agentEnv(dockerHost: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: dockerHost };
  delete env.DVM_PLATFORM;
  return env;
}

/** Registers a host and starts its agent as a separate process that joins with the token. */
async function joinAgent(name: string, labels: Record<string, string>, dockerHost: string) {
  const created = await api.must('POST', '/api/v1/hosts', 201, { json: { name, labels } });
  const { joinToken } = created.json<{ joinToken: string }>();
  const stateDir = path.join(root, name);
  mkdirSync(stateDir, { mode: 0o700 });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'agent', 'main.ts'),
      '--listen',
      `unix://${path.join(stateDir, 'agent.sock')}`,
      '--state-dir',
      stateDir,
      '--join-token',
      joinToken,
      '--control-plane',
      api.baseUrl,
      '--allowed-roots',
      path.join(root, 'src'),
    ],
    {
      cwd: PROJECT_ROOT,
      env: agentEnv(dockerHost),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  agents.push(child);
  await eventually(
    `host ${name} healthy (agent output: ${output})`,
    () => getHost(name),
    (h) => h.status.status === 'healthy',
    30_000,
  );
}

function manifests(app: string, appSpec: string, workspaces: { name: string; labels?: string }[]) {
  return [
    `apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: ${app}, ecosystem: ${run}, domain: dom}\nspec: ${appSpec}\n`,
    ...workspaces.map(
      (ws) =>
        `apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: ${ws.name}, ecosystem: ${run}, domain: dom, app: ${app}${ws.labels ? `, labels: ${ws.labels}` : ''}}\nspec: {image: {name: "${image}"}}\n`,
    ),
  ].join('---\n');
}

beforeAll(async () => {
  const engine1 = requireService('docker');
  image = requireBaseImage();
  root = mkdtempSync(path.join(tmpdir(), 'dvm-mh-'));
  mkdirSync(path.join(root, 'src', 'api'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'api', 'README'), 'hi\n');

  // A second private engine of our own, so that it can be stopped without hurting other tests.
  engine2Dir = mkdtempSync('/tmp/dvm-e2-');
  const env = { ...process.env };
  delete env.DOCKER_HOST;
  engine2Host = execFileSync(
    'bash',
    [path.join(PROJECT_ROOT, 'scripts', 'docker-engine.sh'), 'start', engine2Dir],
    {
      env,
      encoding: 'utf8',
    },
  ).trim();
  engine2Running = true;
  execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'base-image.sh')], {
    env: { ...process.env, DOCKER_HOST: engine2Host },
    stdio: 'pipe',
  });

  repo = path.join(root, 'src', 'repo.git'); // under the agents' allowed roots
  const work = path.join(root, 'work');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], {
      cwd,
      stdio: 'pipe',
    });
  git(root, 'init', '--bare', '--initial-branch=main', repo);
  git(root, 'clone', repo, work);
  writeFileSync(path.join(work, 'main.go'), 'package main\n');
  git(work, 'add', '.');
  git(work, 'commit', '-m', 'first');
  git(work, 'push', 'origin', 'HEAD:main');

  api = await startApiServer({
    name: 'hosts-multi',
    env: { DVM_HEARTBEAT_INTERVAL_MS: '300', DVM_RECONCILE_INTERVAL_MS: '500' },
  });
  await joinAgent('h1', { zone: 'a' }, engine1);
  await joinAgent('h2', { zone: 'b' }, engine2Host);
  await api.must('POST', '/api/v1/apply', 200, {
    yaml: `apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: ${run}}\n---\napiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: dom, ecosystem: ${run}}\n`,
  });
}, 180_000);

afterAll(async () => {
  for (const agent of agents) agent.kill('SIGTERM');
  await api?.stop();
  const engine1 = new Docker(dockerConnection());
  const leftovers = await engine1.listContainers({
    all: true,
    filters: { label: [`io.devopsmaestro.ecosystem=${run}`] },
  });
  for (const c of leftovers) await engine1.getContainer(c.Id).remove({ force: true, v: true });
  if (engine2Running) {
    execFileSync(
      'bash',
      [path.join(PROJECT_ROOT, 'scripts', 'docker-engine.sh'), 'stop', engine2Dir],
      {
        stdio: 'pipe',
      },
    );
  }
  rmSync(root, { recursive: true, force: true });
}, 120_000);

describe('two agents on one control plane', () => {
  it('shows each host healthy with the engine it found', async () => {
    const h1 = await getHost('h1');
    const h2 = await getHost('h2');
    expect(h1.status.platforms?.find((p) => p.active)?.socket).toBe(requireService('docker'));
    expect(h2.status.platforms?.find((p) => p.active)?.socket).toBe(engine2Host);
    expect(h2.metadata.labels).toEqual({ zone: 'b' });
  });

  it('places workspaces by selector labels and by the app host, on the right engine', async () => {
    await api.must('POST', '/api/v1/apply', 200, {
      yaml: [
        manifests('gitapp', `{git: {url: "file://${repo}", ref: main}}`, [
          { name: 'onb', labels: '{host.devopsmaestro.io/zone: b}' },
          { name: 'ona', labels: '{host.devopsmaestro.io/zone: a}' },
        ]),
        manifests('pathapp', `{path: ${path.join(root, 'src', 'api')}, host: h2}`, [
          { name: 'dev' },
        ]),
      ].join('---\n'),
    });
    const start = async (app: string, ws: string) =>
      (
        await api.must('POST', `${APPS}/${app}/workspaces/${ws}/start`, 200, { timeoutMs: 60_000 })
      ).json<WorkspaceAnswer>();

    const onb = await start('gitapp', 'onb');
    const ona = await start('gitapp', 'ona');
    const pathDev = await start('pathapp', 'dev');
    expect([onb.status.host, ona.status.host, pathDev.status.host]).toEqual(['h2', 'h1', 'h2']);

    const engine1 = new Docker(dockerConnection());
    const engine2 = dockerFor(engine2Host);
    expect((await engine2.getContainer(onb.status.container!).inspect()).State.Running).toBe(true);
    expect((await engine1.getContainer(ona.status.container!).inspect()).State.Running).toBe(true);
    await expect(engine1.getContainer(onb.status.container!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });

    // With no selector, the least loaded host (h1 runs one workspace, h2 two).
    await api.must('POST', '/api/v1/apply', 200, {
      yaml: manifests('gitapp', `{git: {url: "file://${repo}", ref: main}}`, [{ name: 'any' }]),
    });
    expect((await start('gitapp', 'any')).status.host).toBe('h1');
  }, 120_000);

  it("keeps each host's state its own when one engine stops", async () => {
    execFileSync(
      'bash',
      [path.join(PROJECT_ROOT, 'scripts', 'docker-engine.sh'), 'stop', engine2Dir],
      {
        stdio: 'pipe',
      },
    );
    engine2Running = false;

    const h2 = await eventually(
      'h2 unhealthy',
      () => getHost('h2'),
      (h) => h.status.status === 'unhealthy',
    );
    expect(h2.status.reason).toMatch(/container engine/);
    const onb = await eventually(
      'workspace on h2 unknown',
      async () =>
        (await api.must('GET', `${APPS}/gitapp/workspaces/onb`, 200)).json<WorkspaceAnswer>(),
      (w) => w.status.state === 'unknown',
    );
    expect(onb.status.reason).toMatch(/host "h2"/);

    expect((await getHost('h1')).status.status).toBe('healthy');
    const ona = (
      await api.must('GET', `${APPS}/gitapp/workspaces/ona`, 200)
    ).json<WorkspaceAnswer>();
    expect(ona.status.state).toBe('running');
  }, 60_000);
});
