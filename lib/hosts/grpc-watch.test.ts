// Watch through the whole path — GrpcHostAgent → agent server → DockerRuntime → the real engine:
// heartbeats at the asked interval, managed containers' events (also for changes made behind the
// agent's back), an engine that goes down and comes back (through a socket proxy the test can cut)
// while the stream keeps beating, cancellation, a refused credential and an agent that goes away.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashCredential, startAgentServer, type AgentServer } from '../../agent/grpc/agent-service';
import { LABELS } from '../../agent/runtime/container-runtime';
import { DockerRuntime, dockerConnectionFor } from '../../agent/runtime/docker-runtime';
import { dockerConnection, requireBaseImage, requireService } from '../testing/test-env';
import { GrpcHostAgent } from './grpc-host-agent';
import type { AgentEvent, WatchHandle } from './host-agent';

const run = `dvmw-${process.pid}-${Date.now().toString(36)}`;
const secret = `dvm_agent_${run}`;
const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];
const names: string[] = [];
const servers: AgentServer[] = [];
const clients: GrpcHostAgent[] = [];
const handles: WatchHandle[] = [];
let dir: string;
let image: string;
let dockerHost: string;
let docker: Docker;
let agent: GrpcHostAgent;

type Heartbeat = Extract<AgentEvent, { type: 'heartbeat' }>;
type ContainerChange = Extract<AgentEvent, { type: 'container' }>;

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function agentOn(
  socketName: string,
  runtime: DockerRuntime,
): Promise<[AgentServer, GrpcHostAgent]> {
  const server = await startAgentServer({
    address: `unix://${path.join(dir, socketName)}`,
    credentialHash: hashCredential(secret),
    runtime,
    env: { DOCKER_HOST: dockerHost },
    fileExists: () => false,
  });
  servers.push(server);
  const client = new GrpcHostAgent({ address: server.address, credential: secret });
  clients.push(client);
  return [server, client];
}

function watch(client: GrpcHostAgent, intervalMs: number) {
  const handle = client.watch({ intervalMs });
  handles.push(handle);
  const events: AgentEvent[] = [];
  handle.onEvent((event) => events.push(event));
  const beats = () => events.filter((e): e is Heartbeat => e.type === 'heartbeat');
  const changes = () => events.filter((e): e is ContainerChange => e.type === 'container');
  return { handle, events, beats, changes };
}

/** A unix socket in front of the engine that the test can take down and bring back. */
function engineProxy(at: string, target: string) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    up: () =>
      new Promise<void>((resolve, reject) => {
        rmSync(at, { force: true });
        server = createServer((inbound) => {
          const outbound = connect(target);
          for (const socket of [inbound, outbound]) {
            sockets.add(socket);
            socket.on('error', () => undefined);
            socket.on('close', () => {
              sockets.delete(socket);
              inbound.destroy();
              outbound.destroy();
            });
          }
          inbound.pipe(outbound);
          outbound.pipe(inbound);
        });
        server.once('error', reject);
        server.listen(at, resolve);
      }),
    down: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
}

beforeAll(async () => {
  dockerHost = requireService('docker');
  image = requireBaseImage();
  docker = new Docker(dockerConnection());
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-watch-'));
  [, agent] = await agentOn(
    'agent.sock',
    new DockerRuntime({ connection: dockerConnectionFor(dockerHost), allowedMountRoots: [] }),
  );
});

afterAll(async () => {
  for (const handle of handles) handle.cancel();
  for (const client of clients) client.close();
  for (const server of servers) await server.stop();
  for (const name of names) {
    await docker
      ?.getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Watch over the agent stream', () => {
  it('beats at the asked interval (never below 200 ms) while the engine answers', async () => {
    const fast = watch(agent, 300);
    const floor = watch(agent, 50);
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    for (const [watched, min, max] of [
      [fast, 4, 8],
      [floor, 6, 10],
    ] as const) {
      const beats = watched.beats();
      expect(beats.length).toBeGreaterThanOrEqual(min);
      expect(beats.length).toBeLessThanOrEqual(max);
      expect(beats.every((b) => b.engineReachable && b.engineError === undefined)).toBe(true);
    }
    const gaps = (beats: Heartbeat[]) =>
      beats.slice(1).map((b, i) => b.at.getTime() - beats[i]!.at.getTime());
    for (const gap of gaps(fast.beats())) {
      expect(gap).toBeGreaterThan(200);
      expect(gap).toBeLessThan(600);
    }
    for (const gap of gaps(floor.beats())) expect(gap).toBeGreaterThan(150);

    fast.handle.cancel();
    floor.handle.cancel();
    expect(await fast.handle.ended).toEqual({ reason: 'cancelled' });
    const count = fast.events.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fast.events.length).toBe(count);
  });

  it('reports managed containers starting and being removed behind its back', async () => {
    const watched = watch(agent, 1000);
    await until(() => watched.beats().length > 0, 'the first beat');
    const name = `${run}-ev`;
    names.push(name);
    await agent.ensure({
      name,
      image,
      command: KEEP_ALIVE,
      workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: 'ev' },
    });
    await agent.start(name);
    await until(
      () =>
        watched.changes().some((c) => c.workspace.name === name && c.workspace.state === 'running'),
      'the start event',
    );
    const started = watched.changes().find((c) => c.workspace.name === name)!;
    expect(started.workspace.labels[LABELS.managed]).toBe('true');

    // `docker rm -f`, straight at the engine: the agent learns it from the engine's events.
    await docker.getContainer(name).remove({ force: true });
    await until(
      () =>
        watched.changes().some((c) => c.workspace.name === name && c.workspace.state === 'missing'),
      'the destroy event',
    );
    const after = watched
      .changes()
      .filter((c) => c.workspace.name === name && c.workspace.state !== 'running');
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(
      after.every((c) => c.workspace.state === 'stopped' || c.workspace.state === 'missing'),
    ).toBe(true);

    // Unmanaged containers are none of the agent's business.
    const foreign = `${run}-foreign`;
    names.push(foreign);
    const other = await docker.createContainer({
      name: foreign,
      Image: image,
      Cmd: KEEP_ALIVE,
      HostConfig: { NetworkMode: 'none' },
    });
    await other.start();
    await other.remove({ force: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(watched.changes().some((c) => c.workspace.name === foreign)).toBe(false);
  });

  it('keeps beating while the engine is down, then follows its events again', async () => {
    const socketPath = dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : '';
    expect(socketPath, 'this test proxies a unix-socket engine').not.toBe('');
    const proxyPath = path.join(dir, 'engine.sock');
    const proxy = engineProxy(proxyPath, socketPath);
    await proxy.up();
    try {
      const [, client] = await agentOn(
        'agent-proxied.sock',
        new DockerRuntime({ connection: { socketPath: proxyPath }, allowedMountRoots: [] }),
      );
      const watched = watch(client, 200);
      await until(
        () => watched.beats().some((b) => b.engineReachable),
        'a beat with the engine up',
      );

      await proxy.down();
      await until(
        () => watched.beats().at(-1)?.engineReachable === false,
        'a beat with the engine down',
      );
      const down = watched.beats().at(-1)!;
      expect(down.engineError).toContain(proxyPath);
      const info = await client.info();
      expect(info).toMatchObject({
        engineReachable: false,
        capacity: { cpus: 0, memoryBytes: 0, runningWorkspaces: 0 },
      });
      expect(info.engineError).toContain(proxyPath);
      const beatsWhileDown = watched.beats().length;
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(watched.beats().length - beatsWhileDown).toBeGreaterThanOrEqual(3);

      await proxy.up();
      await until(
        () => watched.beats().at(-1)?.engineReachable === true,
        'a beat with the engine back',
      );
      // The event subscription reconnects with backoff (up to 5 s): start and kill a managed
      // container until a start shows up, rather than guessing how long that takes.
      const name = `${run}-back`;
      names.push(name);
      const container = await docker.createContainer({
        name,
        Image: image,
        Cmd: KEEP_ALIVE,
        Labels: { [LABELS.managed]: 'true' },
        HostConfig: { NetworkMode: 'none' },
      });
      const seen = () =>
        watched.changes().some((c) => c.workspace.name === name && c.workspace.state === 'running');
      const deadline = Date.now() + 15_000;
      while (!seen() && Date.now() < deadline) {
        await container.start();
        await new Promise((resolve) => setTimeout(resolve, 300));
        await container.kill().catch(() => undefined);
        await container.wait();
      }
      expect(seen()).toBe(true);
    } finally {
      await proxy.down();
    }
  });

  it('ends saying why: a refused credential, an agent that went away', async () => {
    const [server] = servers;
    const intruder = new GrpcHostAgent({ address: server!.address, credential: 'nope' });
    clients.push(intruder);
    const refused = watch(intruder, 200);
    const { reason } = await refused.handle.ended;
    expect(reason).toMatch(/^agent refused the watch: .*credential/);
    expect(refused.events).toEqual([]);

    const [shortLived, client] = await agentOn(
      'agent-short.sock',
      new DockerRuntime({ connection: dockerConnectionFor(dockerHost), allowedMountRoots: [] }),
    );
    const watched = watch(client, 200);
    await until(() => watched.beats().length > 0, 'the first beat');
    await shortLived.stop();
    expect((await watched.handle.ended).reason).toMatch(/^agent unreachable: /);
  });
});
