// Build through the whole path — GrpcHostAgent → agent server (agent/grpc) → BuildService →
// the builders → the real private engine: the prepared event with the generated Dockerfile and
// the tag, reuse of an unchanged workspace's image, shared runs, cancellation that stops the build
// on the engine, failures in words, refused requests, git sources, and an agent lost mid-build.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildService } from '../../agent/build/build-service';
import { hashCredential, startAgentServer, type AgentServer } from '../../agent/grpc/agent-service';
import { DockerRuntime, dockerConnectionFor } from '../../agent/runtime/docker-runtime';
import type { EffectiveBuildSettings } from '../build/build-types';
import { hasErrorCode, isAppError } from '../errors';
import { rejection } from '../testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../testing/test-env';
import { GrpcHostAgent } from './grpc-host-agent';
import type { BuildRequest, BuildStreamEvent } from './host-agent';

const run = `dvmg-${process.pid}-${Date.now().toString(36)}`;
const secret = `dvm_agent_${run}`;
const agentLog: { msg: string; fields: Record<string, unknown> }[] = [];
let dir: string;
let root: string;
let src: string;
let base: string;
let dockerHost: string;
let docker: Docker;
let server: AgentServer;
let agent: GrpcHostAgent;
let counter = 0;

function settings(extra: Partial<EffectiveBuildSettings> = {}): EffectiveBuildSettings {
  return {
    baseImage: { value: base, source: 'workspace' },
    // busybox has no package manager: install nothing.
    packages: { value: [], source: 'workspace' },
    args: {},
    ...extra,
  };
}

function request(extra: Partial<BuildRequest> = {}): BuildRequest {
  counter += 1;
  return {
    buildId: `${run}-${counter}`,
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: `w${counter}` },
    source: { path: src },
    settings: settings(),
    repository: `dvm-test-build/${run}-${counter}`,
    builder: 'docker-api',
    ...extra,
  };
}

async function collect(req: BuildRequest, client = agent) {
  const handle = client.build(req);
  const events: BuildStreamEvent[] = [];
  handle.onEvent((event) => events.push(event));
  const outcome = await handle.done;
  return { handle, events, outcome };
}

function service(allowedRoots: string[]): BuildService {
  return new BuildService({
    connection: dockerConnectionFor(dockerHost),
    allowedRoots,
    log: (_level, msg, fields) => agentLog.push({ msg, fields }),
  });
}

/** Processes on this machine whose command line contains `marker` (the engine runs here). */
async function processesWith(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  dockerHost = requireService('docker');
  base = requireBaseImage();
  docker = new Docker(dockerConnection());
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-grpc-build-'));
  root = path.join(dir, 'roots');
  src = path.join(root, 'app');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'go.mod'), 'module example.com/app\n\ngo 1.22.3\n');
  writeFileSync(path.join(src, 'main.go'), 'package main\n');
  server = await startAgentServer({
    address: `unix://${path.join(dir, 'agent.sock')}`,
    credentialHash: hashCredential(secret),
    runtime: new DockerRuntime({
      connection: dockerConnectionFor(dockerHost),
      allowedMountRoots: [root],
    }),
    builds: service([root]),
    env: { DOCKER_HOST: dockerHost },
    fileExists: () => false,
  });
  agent = new GrpcHostAgent({ address: server.address, credential: secret });
});

afterAll(async () => {
  agent?.close();
  await server?.stop();
  if (docker) {
    const images = await docker.listImages();
    for (const image of images) {
      if (!(image.RepoTags ?? []).some((t) => t.startsWith(`dvm-test-build/${run}`))) continue;
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GrpcHostAgent.build', () => {
  it('reports the builders the host offers', async () => {
    expect((await agent.info()).builders).toEqual(['docker-api', 'buildkit']);
  });

  it('prepares (generated Dockerfile, tag), builds, then reuses the image for the same inputs', async () => {
    const req = request();
    const first = await collect(req);
    expect(first.outcome).toMatchObject({ status: 'succeeded' });
    const [prepared] = first.events;
    expect(prepared).toMatchObject({
      type: 'prepared',
      builder: 'docker-api',
      baseImage: { value: base, source: 'workspace' },
      language: { value: { name: 'go', version: '1.22' }, source: 'detected' },
      reused: false,
    });
    if (prepared?.type !== 'prepared') throw new Error('no prepared event');
    expect(prepared.dockerfile).toContain(`FROM ${base}`);
    expect(prepared.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(prepared.tag).toBe(`${req.repository}:${prepared.inputsHash.slice(0, 12)}`);
    expect(first.events.some((e) => e.type === 'step' && e.state === 'completed')).toBe(true);
    expect(first.events.at(-1)).toEqual({ type: 'finished', outcome: first.outcome });
    if (first.outcome.status !== 'succeeded') throw new Error('not built');
    expect(first.outcome.tags).toEqual([prepared.tag]);

    const image = await docker.getImage(prepared.tag).inspect();
    expect(image.Id).toBe(first.outcome.imageId);
    expect(image.Config.Labels).toMatchObject({
      'io.devopsmaestro.managed': 'true',
      'io.devopsmaestro.workspace': `eco/dom/${run}/${req.workspace.workspace}`,
    });
    expect(image.Config.WorkingDir).toBe('/workspace');

    // Events sent before a listener was added are replayed to it.
    const late: BuildStreamEvent[] = [];
    first.handle.onEvent((event) => late.push(event));
    expect(late).toEqual(first.events);

    const second = await collect({ ...req, buildId: `${req.buildId}-again` });
    expect(second.events).toEqual([
      { ...prepared, reused: true },
      { type: 'finished', outcome: first.outcome },
    ]);
  });

  it('builds with the host default, BuildKit over gRPC, when the request names no builder', async () => {
    const { builder: _, ...req } = request({
      settings: settings({
        customCommands: { value: [`echo default-${run}`], source: 'workspace' },
      }),
    });
    const { outcome, events } = await collect(req);
    expect(events[0]).toMatchObject({ type: 'prepared', builder: 'buildkit', reused: false });
    expect(outcome.status).toBe('succeeded');
    expect(events.some((e) => e.type === 'log' && e.text.includes(`default-${run}`))).toBe(true);
  });

  it('shares one run between concurrent requests for the same tag', async () => {
    const req = request({
      settings: settings({
        customCommands: { value: [`echo shared-${run}`], source: 'workspace' },
      }),
    });
    const [a, b] = await Promise.all([
      collect(req),
      collect({ ...req, buildId: `${req.buildId}-twin` }),
    ]);
    expect(a.outcome.status).toBe('succeeded');
    expect(b.outcome).toEqual(a.outcome);
    expect(b.events).toEqual(a.events);
    expect(a.events.filter((e) => e.type === 'prepared')).toHaveLength(1);
    // Whichever request arrived second joined the first one's run.
    const joins = agentLog.filter((l) => l.msg === 'build joins the one running for the same tag');
    expect(joins.map((l) => l.fields.buildId)).toEqual([
      expect.stringMatching(new RegExp(`^${req.buildId}(-twin)?$`)),
    ]);
  });

  it('reports a failed step with its exit code', async () => {
    const { outcome, events } = await collect(
      request({
        settings: settings({
          customCommands: { value: ['echo failing >&2; exit 3'], source: 'app' },
        }),
      }),
    );
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 3 });
    if (outcome.status !== 'failed') throw new Error('not failed');
    expect(outcome.failedStep).toContain('exit 3');
    expect(
      events.some((e) => e.type === 'log' && e.stream === 'stderr' && e.text.includes('failing')),
    ).toBe(true);
  });

  it('cancels: done resolves cancelled and the agent stops the build on the engine', async () => {
    const marker = `marker-${run}-cancel`;
    const handle = agent.build(
      request({
        noCache: true,
        settings: settings({
          customCommands: { value: [`sleep 30; echo ${marker}`], source: 'workspace' },
        }),
      }),
    );
    await until(async () => (await processesWith(marker)).length > 0, 'the build process');
    handle.cancel();
    expect(await handle.done).toEqual({ status: 'cancelled' });
    const cancelledAt = Date.now();
    await until(
      async () => (await processesWith(marker)).length === 0,
      'the build process to end',
      5_000,
    );
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
  });

  it('builds from a git repository (file:// under the allowed roots) and removes the clone', async () => {
    const repo = path.join(root, 'repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'package.json'), '{"engines":{"node":">=20"}}\n');
    const git = (...args: string[]) =>
      execFileSync('git', [
        '-C',
        repo,
        '-c',
        'user.email=t@example.com',
        '-c',
        'user.name=t',
        ...args,
      ]);
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    const clones = () => readdirSync(tmpdir()).filter((n) => n.startsWith('dvm-build-src-')).length;
    const before = clones();
    const { outcome, events } = await collect(
      request({ source: { git: { url: `file://${repo}`, ref: 'main' } } }),
    );
    expect(outcome.status).toBe('succeeded');
    expect(events[0]).toMatchObject({
      type: 'prepared',
      language: { value: { name: 'node', version: '20' } },
    });
    expect(clones()).toBe(before);
  });

  it('refuses what it must not build, with field paths', async () => {
    const outside = await rejection(
      collect(request({ source: { path: '/etc' } })).then((r) => r.outcome),
    );
    expect(hasErrorCode(outside, 'INVALID')).toBe(true);
    expect((outside as { errors: unknown[] }).errors).toEqual([
      { path: 'source.path', message: expect.stringContaining('outside') },
    ]);

    const escape = await rejection(
      agent.build(
        request({
          settings: settings({ dockerfile: { value: '../../../etc/passwd', source: 'app' } }),
        }),
      ).done,
    );
    expect(hasErrorCode(escape, 'INVALID')).toBe(true);
    expect((escape as { errors: { path: string }[] }).errors[0]?.path).toBe('settings.dockerfile');

    const badSettings = await rejection(
      agent.build(
        request({
          settings: {
            args: {},
            packages: { value: 'git', source: 'app' },
          } as unknown as EffectiveBuildSettings,
        }),
      ).done,
    );
    expect(hasErrorCode(badSettings, 'INVALID')).toBe(true);
    expect((badSettings as { errors: { path: string }[] }).errors[0]?.path).toBe(
      'settings.packages.value',
    );

    const fileRepo = await rejection(
      agent.build(request({ source: { git: { url: 'file:///etc/some.git' } } })).done,
    );
    expect(hasErrorCode(fileRepo, 'INVALID')).toBe(true);

    const secrets = await rejection(agent.build(request({ secrets: { token: 's3cret' } })).done);
    expect(hasErrorCode(secrets, 'NOT_IMPLEMENTED')).toBe(true);
    expect((secrets as Error).message).toContain('build secrets need the BuildKit builder');

    const unknownBuilder = await rejection(agent.build(request({ builder: 'kaniko' })).done);
    expect(hasErrorCode(unknownBuilder, 'INVALID')).toBe(true);

    const intruder = new GrpcHostAgent({ address: server.address, credential: 'wrong' });
    try {
      expect(hasErrorCode(await rejection(intruder.build(request()).done), 'UNAUTHENTICATED')).toBe(
        true,
      );
    } finally {
      intruder.close();
    }
  });

  it('rejects UNAVAILABLE ("agent lost") when keepalive finds the agent gone mid-build, and the agent then stops the build', async () => {
    const tcpAgent = await startAgentServer({
      address: '127.0.0.1:0',
      credentialHash: hashCredential(secret),
      runtime: new DockerRuntime({
        connection: dockerConnectionFor(dockerHost),
        allowedMountRoots: [root],
      }),
      builds: service([root]),
      env: {},
      fileExists: () => false,
    });
    const [, port] = tcpAgent.address.split(':');
    let frozen = false;
    const sockets: Socket[] = [];
    const proxy: Server = createServer((inbound) => {
      const outbound = connect(Number(port), '127.0.0.1');
      sockets.push(inbound, outbound);
      inbound.on('data', (chunk) => frozen || outbound.write(chunk));
      outbound.on('data', (chunk) => frozen || inbound.write(chunk));
      inbound.on('error', () => undefined);
      outbound.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const client = new GrpcHostAgent({
      address: `127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      credential: secret,
      keepaliveTimeMs: 500,
      keepaliveTimeoutMs: 500,
    });
    const marker = `marker-${run}-lost`;
    try {
      const handle = client.build(
        request({
          noCache: true,
          settings: settings({
            customCommands: { value: [`sleep 30; echo ${marker}`], source: 'workspace' },
          }),
        }),
      );
      await until(async () => (await processesWith(marker)).length > 0, 'the build process');
      frozen = true;
      const lostAt = Date.now();
      const error = await rejection(handle.done);
      expect(isAppError(error) && error.code).toBe('UNAVAILABLE');
      expect((error as Error).message).toMatch(/^agent lost: /);
      expect(Date.now() - lostAt).toBeLessThan(5_000);
      // The connection goes: the agent's stream is cancelled and it stops the build.
      for (const socket of sockets) socket.destroy();
      await until(
        async () => (await processesWith(marker)).length === 0,
        'the build to stop',
        10_000,
      );
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
      await tcpAgent.stop();
    }
  });
});
