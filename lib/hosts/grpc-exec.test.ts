// Exec through the whole path — GrpcHostAgent → agent server (agent/grpc) → DockerRuntime → the
// real private engine — with a TTY (size, resize, exit code, stdin), without one (stdout and
// stderr apart), refusals, cancellation and a dead or frozen agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashCredential, startAgentServer, type AgentServer } from '../../agent/grpc/agent-service';
import { DockerRuntime, dockerConnectionFor } from '../../agent/runtime/docker-runtime';
import { hasErrorCode } from '../errors';
import { rejection } from '../testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../testing/test-env';
import { GrpcHostAgent } from './grpc-host-agent';
import type { ExecSession } from './host-agent';

const run = `dvmx-${process.pid}-${Date.now().toString(36)}`;
const secret = `dvm_agent_${run}`;
const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];
const names: string[] = [];
let dir: string;
let image: string;
let docker: Docker;
let runtime: DockerRuntime;
let server: AgentServer;
let agent: GrpcHostAgent;
let running: string;

function collect(session: ExecSession) {
  const out = { stdout: '', stderr: '' };
  session.onOutput((data, stream) => (out[stream] += data.toString('utf8')));
  return out;
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function workspace(suffix: string, start: boolean): Promise<string> {
  const name = `${run}-${suffix}`;
  names.push(name);
  await agent.ensure({
    name,
    image,
    command: KEEP_ALIVE,
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: suffix },
  });
  if (start) await agent.start(name);
  return name;
}

/** Processes in the container whose command line contains `text` (seen through a plain exec). */
async function processesLike(container: string, text: string): Promise<string[]> {
  const exec = await docker.getContainer(container).exec({
    Cmd: ['ps', '-o', 'pid,args'],
    AttachStdout: true,
    Tty: true,
  });
  const stream = await exec.start({ Detach: false, Tty: true });
  const output = await new Promise<string>((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.on('end', () => resolve(text));
  });
  return output.split('\n').filter((line) => line.includes(text) && !line.includes('ps -o'));
}

beforeAll(async () => {
  const host = requireService('docker');
  image = requireBaseImage();
  docker = new Docker(dockerConnection());
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-exec-'));
  runtime = new DockerRuntime({ connection: dockerConnectionFor(host), allowedMountRoots: [] });
  server = await startAgentServer({
    address: `unix://${path.join(dir, 'agent.sock')}`,
    credentialHash: hashCredential(secret),
    runtime,
    env: { DOCKER_HOST: host },
    fileExists: () => false,
  });
  agent = new GrpcHostAgent({ address: server.address, credential: secret });
  running = await workspace('run', true);
});

afterAll(async () => {
  agent?.close();
  await server?.stop();
  for (const name of names) {
    await docker
      ?.getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Exec over the agent stream', () => {
  it('gives a TTY its initial size at once, then follows resizes', async () => {
    const session = agent.exec(running, {
      command: ['sh', '-c', 'stty size; read line; stty size'],
      tty: true,
      cols: 111,
      rows: 33,
    });
    const out = collect(session);
    await until(() => out.stdout.includes('33 111'), 'the initial size');
    session.resize(20, 10);
    // The resize travels on the same ordered stream as the keystroke, so it lands first.
    session.write('\n');
    expect(await session.exited).toEqual({ exitCode: 0 });
    expect(out.stdout.replace(/\r/g, '').trim().split('\n')).toEqual(['33 111', '', '10 20']);
  });

  it('reports the exit code, and EOF on stdin ends a TTY cat', async () => {
    const exit3 = agent.exec(running, { command: ['sh', '-c', 'exit 3'], tty: true });
    expect(await exit3.exited).toEqual({ exitCode: 3 });

    const cat = agent.exec(running, { command: ['cat'], tty: true, cols: 80, rows: 24 });
    const out = collect(cat);
    cat.write('hello\n');
    await until(() => (out.stdout.match(/hello/g) ?? []).length >= 2, 'the echo and cat');
    cat.closeStdin();
    expect(await cat.exited).toEqual({ exitCode: 0 });
    expect(out.stderr).toBe('');
  });

  it('keeps stdout and stderr apart without a TTY, with env, user and working directory', async () => {
    const session = agent.exec(running, {
      command: ['sh', '-c', 'cat; echo "$GREETING from $(pwd) as $(id -u)"; echo oops >&2; exit 7'],
      tty: false,
      env: { GREETING: 'hi' },
      user: '1000:1000',
      workingDir: '/tmp',
    });
    const out = collect(session);
    session.write(Buffer.from('from stdin\n'));
    session.closeStdin();
    expect(await session.exited).toEqual({ exitCode: 7 });
    expect(out.stdout).toBe('from stdin\nhi from /tmp as 1000\n');
    expect(out.stderr).toBe('oops\n');
  });

  it('keeps output sent before anyone listened, in order', async () => {
    const session = agent.exec(running, { command: ['sh', '-c', 'seq 1 2000'], tty: false });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const out = collect(session);
    expect(await session.exited).toEqual({ exitCode: 0 });
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(2000);
    expect(lines.at(-1)).toBe('2000');
  });

  it('refuses a missing, a stopped or a foreign container', async () => {
    const missing = agent.exec(`${run}-ghost`, { command: ['true'], tty: false });
    expect(hasErrorCode(await rejection(missing.exited), 'NOT_FOUND')).toBe(true);

    const stopped = await workspace('stopped', false);
    const error = await rejection(agent.exec(stopped, { command: ['true'], tty: false }).exited);
    expect(hasErrorCode(error, 'CONFLICT')).toBe(true);
    expect((error as Error).message).toContain('not running');

    const foreign = `${run}-foreign`;
    names.push(foreign);
    const other = await docker.createContainer({
      name: foreign,
      Image: image,
      Cmd: KEEP_ALIVE,
      HostConfig: { NetworkMode: 'none' },
    });
    await other.start();
    const refused = agent.exec(foreign, { command: ['true'], tty: false });
    expect(hasErrorCode(await rejection(refused.exited), 'NOT_FOUND')).toBe(true);

    const empty = agent.exec(running, { command: [], tty: false });
    expect(hasErrorCode(await rejection(empty.exited), 'INVALID')).toBe(true);
  });

  it('refuses a wrong credential before touching the engine', async () => {
    const intruder = new GrpcHostAgent({ address: server.address, credential: 'nope' });
    try {
      const session = intruder.exec(running, { command: ['touch', '/tmp/intruder'], tty: false });
      expect(hasErrorCode(await rejection(session.exited), 'UNAUTHENTICATED')).toBe(true);
      expect(await processesLike(running, 'intruder')).toEqual([]);
    } finally {
      intruder.close();
    }
  });

  it('kills the process when the client cancels', async () => {
    const session = agent.exec(running, {
      command: ['sleep', '1001'],
      tty: true,
      cols: 80,
      rows: 24,
    });
    const deadline = Date.now() + 5000;
    while ((await processesLike(running, 'sleep 1001')).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await processesLike(running, 'sleep 1001')).toHaveLength(1);
    session.cancel();
    expect(hasErrorCode(await rejection(session.exited), 'UNAVAILABLE')).toBe(true);
    const gone = Date.now() + 5000;
    while ((await processesLike(running, 'sleep 1001')).length > 0 && Date.now() < gone) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await processesLike(running, 'sleep 1001')).toEqual([]);
  });

  it('ends with UNAVAILABLE when the agent goes away mid-exec', async () => {
    const address = `unix://${path.join(dir, 'short-lived.sock')}`;
    const shortLived = await startAgentServer({
      address,
      credentialHash: hashCredential(secret),
      runtime,
      env: {},
      fileExists: () => false,
    });
    const client = new GrpcHostAgent({ address, credential: secret });
    const stopped = { done: false };
    try {
      const session = client.exec(running, { command: ['sleep', '1002'], tty: false });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await shortLived.stop();
      stopped.done = true;
      const error = await rejection(session.exited);
      expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain(address);
    } finally {
      client.close();
      if (!stopped.done) await shortLived.stop();
    }
  });

  it('notices a frozen agent through keepalive pings, without a deadline', async () => {
    // A TCP agent behind a proxy that can stop forwarding without closing anything, as a
    // network partition would: only keepalive can tell the client the agent is gone.
    const tcpAgent = await startAgentServer({
      address: '127.0.0.1:0',
      credentialHash: hashCredential(secret),
      runtime,
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
    const address = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const client = new GrpcHostAgent({
      address,
      credential: secret,
      keepaliveTimeMs: 500,
      keepaliveTimeoutMs: 500,
    });
    try {
      const session = client.exec(running, { command: ['sleep', '1003'], tty: false });
      await new Promise((resolve) => setTimeout(resolve, 500));
      frozen = true;
      const started = Date.now();
      const error = await rejection(session.exited);
      expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
      await tcpAgent.stop();
    }
  });
});
