// Terminal sessions through the whole agent path — GrpcTerminalHost → the agent's Terminals
// service (agent/terminal) → DockerRuntime → the real private engine: typing, lossless resume
// across drops, snapshots instead of raw replays (full-screen programs, queries in history),
// read-only viewers, the owner's size, a stalled viewer, exits, idle timeouts, UTF-8, refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type * as HeadlessModule from '@xterm/headless';
import Docker from 'dockerode';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashCredential, KEEPALIVE_OPTIONS } from '../../agent/grpc/agent-service';
import { DockerRuntime, dockerConnectionFor } from '../../agent/runtime/docker-runtime';
import {
  addTerminalService,
  bearerCredentialCheck,
  type TerminalService,
} from '../../agent/terminal/terminal-service';
import type { TerminalManagerOptions } from '../../agent/terminal/session-manager';
import { hasErrorCode } from '../errors';
import { rejection } from '../testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../testing/test-env';
import { GrpcTerminalHost } from './grpc-terminal-host';
import type {
  AttachTerminalOptions,
  TerminalAttachment,
  TerminalEvent,
  TerminalHost,
} from './terminal-host';

const { Terminal } = createRequire(import.meta.url)('@xterm/headless') as typeof HeadlessModule;

const run = `dvmt-${process.pid}-${Date.now().toString(36)}`;
const secret = `dvm_agent_${run}`;
const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];
const SMALL_WINDOW = 64 * 1024;
const STALL_WINDOW = 1024 * 1024;
const STALL_BUDGET = 512 * 1024;

interface Agent {
  server: grpc.Server;
  service: TerminalService;
  unixAddress: string;
  tcpPort: number;
  host: GrpcTerminalHost;
}

let dir: string;
let image: string;
let docker: Docker;
let runtime: DockerRuntime;
let container: string;
let agent: Agent;
let small: Agent;
let stall: Agent;
const names: string[] = [];
const hosts: GrpcTerminalHost[] = [];

async function startAgent(name: string, options: Partial<TerminalManagerOptions>): Promise<Agent> {
  const server = new grpc.Server(KEEPALIVE_OPTIONS);
  const service = addTerminalService(server, {
    runtime,
    authorize: bearerCredentialCheck(hashCredential(secret)),
    exitedRetentionMs: 1_500,
    ...options,
  });
  const unixAddress = `unix://${path.join(dir, `${name}.sock`)}`;
  const bind = (address: string) =>
    new Promise<number>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
  await bind(unixAddress);
  const tcpPort = await bind('127.0.0.1:0');
  const host = new GrpcTerminalHost({ address: unixAddress, credential: secret });
  hosts.push(host);
  return { server, service, unixAddress, tcpPort, host };
}

async function stopAgent(a: Agent | undefined): Promise<void> {
  if (!a) return;
  await a.service.shutdown();
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => a.server.forceShutdown(), 2_000);
    a.server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A viewer as a browser would be: it applies events in order and acks what it consumed. */
function viewer(attachment: TerminalAttachment, options: { ack?: boolean } = {}) {
  const decoder = new TextDecoder('utf-8');
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const state = {
    events: [] as TerminalEvent[],
    chunks: [] as Buffer[],
    /** Output decoded as a stream, as a terminal would. */
    decoded: '',
    /** Its last 8 KiB, kept apart so that checks while output floods in stay cheap. */
    tail: '',
    /** The end offset of what this viewer has (resume from here). */
    end: undefined as number | undefined,
    gaps: [] as string[],
    snapshots: [] as Extract<TerminalEvent, { type: 'snapshot' }>[],
    sizes: [] as [number, number][],
    errors: [] as Extract<TerminalEvent, { type: 'error' }>[],
    exit: undefined as Extract<TerminalEvent, { type: 'exit' }>['exit'] | undefined,
    text: () => state.decoded,
    /** The last few KiB of output, for cheap checks while output floods in. */
    recent: (chars = 4096) => state.tail.slice(-chars),
    outputBytes: () => state.chunks.reduce((n, c) => n + c.length, 0),
    /** Whether `pattern` showed up in recent output or in the last snapshot. */
    seen: (pattern: RegExp) =>
      pattern.test(state.recent()) || pattern.test(state.snapshots.at(-1)?.data ?? ''),
    /** Resolves as soon as `test` holds after an event (checked now, then on every event). */
    when: (test: () => boolean, what: string, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (test()) return resolve();
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
        waiters.push({
          test,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
  attachment.onEvent((event) => {
    state.events.push(event);
    if (event.type === 'output') {
      if (state.end !== undefined && event.offset !== state.end) {
        state.gaps.push(`expected ${state.end}, got ${event.offset}`);
      }
      state.chunks.push(event.data);
      const piece = decoder.decode(event.data, { stream: true });
      state.decoded += piece;
      state.tail = (state.tail + piece).slice(-8192);
      state.end = event.offset + event.data.length;
      if (options.ack !== false) attachment.ack(state.end);
    } else if (event.type === 'snapshot') {
      state.snapshots.push(event);
      state.end = event.offset;
    } else if (event.type === 'size') state.sizes.push([event.cols, event.rows]);
    else if (event.type === 'error') state.errors.push(event);
    else if (event.type === 'exit') state.exit = event.exit;
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      if (waiters[i]!.test()) waiters.splice(i, 1)[0]!.resolve();
    }
  });
  return state;
}

function attach(
  host: TerminalHost,
  id: string,
  options: Partial<AttachTerminalOptions> & { ack?: boolean } = {},
) {
  const { ack, ...rest } = options;
  const attachment = host.attach(id, {
    viewerId: `v-${Math.random().toString(36).slice(2)}`,
    cols: 80,
    rows: 24,
    ...rest,
  });
  return { attachment, view: viewer(attachment, { ack }) };
}

/** Writes a snapshot into a fresh emulator, as a browser would. */
async function render(snapshot: { data: string; cols: number; rows: number }) {
  const term = new Terminal({ cols: snapshot.cols, rows: snapshot.rows, allowProposedApi: true });
  const answers: string[] = [];
  term.onData((d) => answers.push(d));
  await new Promise<void>((resolve) => term.write(snapshot.data, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i += 1) lines.push(buffer.getLine(i)!.translateToString(true));
  const result = { lines, type: buffer.type, answers };
  term.dispose();
  return result;
}

/** Processes in the container whose command line contains `text`. */
async function processesLike(text: string): Promise<string[]> {
  const exec = await docker.getContainer(container).exec({
    Cmd: ['ps', '-o', 'pid,args'],
    AttachStdout: true,
    Tty: true,
  });
  const stream = await exec.start({ Detach: false, Tty: true });
  const output = await new Promise<string>((resolve) => {
    let out = '';
    stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
    stream.on('end', () => resolve(out));
  });
  return output.split('\n').filter((line) => line.includes(text) && !line.includes('ps -o'));
}

const ms = (value: number) => value.toFixed(1);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

beforeAll(async () => {
  const dockerHost = requireService('docker');
  image = requireBaseImage();
  docker = new Docker(dockerConnection());
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-term-'));
  runtime = new DockerRuntime({
    connection: dockerConnectionFor(dockerHost),
    allowedMountRoots: [],
  });
  container = `${run}-ws`;
  names.push(container);
  await runtime.ensure({
    name: container,
    image,
    command: KEEP_ALIVE,
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: 'ws' },
  });
  await runtime.start(container);
  agent = await startAgent('agent', {});
  small = await startAgent('small', { windowBytes: SMALL_WINDOW, maxSessions: 3 });
  stall = await startAgent('stall', { windowBytes: STALL_WINDOW, ackBudgetBytes: STALL_BUDGET });
});

afterAll(async () => {
  try {
    for (const host of hosts) host.disconnect();
    await Promise.all([agent, small, stall].map(stopAgent));
  } finally {
    await cleanUp();
  }
});

async function cleanUp(): Promise<void> {
  for (const name of names) {
    await docker
      ?.getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}

describe('terminal sessions on the agent', () => {
  it('runs the container shell, echoes typing, and is listed with its viewers', async () => {
    const started = Date.now();
    const info = await agent.host.create({ container, ownerId: 'alice', title: 'first' });
    const createMs = Date.now() - started;
    expect(info.command).toEqual(['/bin/sh', '-l']);
    expect(info).toMatchObject({ container, ownerId: 'alice', title: 'first', state: 'running' });
    expect(info.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect([info.cols, info.rows]).toEqual([80, 24]);

    const { attachment, view } = attach(agent.host, info.id, { userId: 'alice' });
    const typed = Date.now();
    attachment.write('echo hello\r');
    await view.when(() => /\r\nhello\r\n/.test(view.recent()), 'hello');
    console.log(`create ${createMs} ms (shell probe + exec), first echo ${Date.now() - typed} ms`);
    expect(view.events[0]).toMatchObject({ type: 'attached', driver: true, readOnly: false });
    expect(view.gaps).toEqual([]);

    const listed = await agent.host.list({ container });
    const mine = listed.find((t) => t.id === info.id)!;
    expect(mine.viewers).toHaveLength(1);
    expect(mine.viewers[0]).toMatchObject({ userId: 'alice', driver: true, readOnly: false });
    expect(mine.outputOffset).toBeGreaterThan(0);
    expect(await agent.host.list({ container: 'someone-else' })).toEqual([]);

    attachment.detach();
    expect(await attachment.ended).toEqual({ reason: 'detached' });
    const after = await agent.host.get(info.id);
    expect(after.state).toBe('running');
    expect(after.viewers).toEqual([]);
    await agent.host.close(info.id);
  });

  it('resumes exactly after the last byte received, across repeated drops mid-stream', async () => {
    const info = await agent.host.create({ container, command: ['/bin/sh'] });
    let current = attach(agent.host, info.id);
    const received: Buffer[] = [];
    let end = 0;
    let base: number | undefined;
    let drops = 0;
    const take = () => {
      const first = current.view.events.find((e) => e.type === 'output' || e.type === 'snapshot');
      if (base === undefined && first && 'offset' in first) base = first.offset;
      received.push(...current.view.chunks);
      end = current.view.end ?? end;
    };
    await until(() => current.view.sizes.length > 0, 'attached');
    current.attachment.write(
      'i=0; while [ $i -lt 5000 ]; do echo $i; i=$((i+1)); ' +
        '[ $((i % 250)) -eq 0 ] && sleep 0.05; done; echo DONE\r',
    );
    const done = () =>
      /\nDONE\r\n/.test(Buffer.concat([...received, ...current.view.chunks]).toString());
    while (!done()) {
      const before = current.view.outputBytes();
      await until(
        () => current.view.outputBytes() >= before + 1500 || done(),
        'more output',
        15_000,
      );
      if (done()) break;
      // Drop: whatever is in flight now is lost to this viewer; resume from what it has.
      current.attachment.detach();
      take();
      drops += 1;
      current = attach(agent.host, info.id, { resumeOffset: end });
    }
    take();
    expect(drops).toBeGreaterThanOrEqual(5);
    const text = Buffer.concat(received).toString('utf8');
    const numbers = text
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
    expect(numbers).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    // Byte for byte what the agent has: a fresh replay from offset 0 (all inside the window).
    const replay = attach(agent.host, info.id, { resumeOffset: 0 });
    const total = (await agent.host.get(info.id)).outputOffset;
    await until(() => (replay.view.end ?? 0) >= total, 'the replay');
    expect(replay.view.snapshots).toEqual([]);
    expect(
      Buffer.concat(received).equals(Buffer.concat(replay.view.chunks).subarray(base, end)),
    ).toBe(true);
    expect(current.view.gaps).toEqual([]);
    console.log(`lossless resume: ${drops} drops, ${end} bytes`);
    replay.attachment.detach();
    current.attachment.detach();
    await agent.host.close(info.id);
  });

  it('answers an offset older than the window with a snapshot, never old raw bytes', async () => {
    const info = await small.host.create({ container, command: ['/bin/sh'] });
    const first = attach(small.host, info.id);
    await until(() => first.view.sizes.length > 0, 'attached');
    // A device-attributes query early in history, then more output than the window holds.
    first.attachment.write("printf '\\033[c'; seq 1 20000; echo DONE\r");
    await first.view.when(() => first.view.seen(/\nDONE\r\n/), 'seq', 20_000);
    expect(first.view.text()).toContain('\x1b[c');
    const now = await small.host.get(info.id);
    expect(now.windowStart).toBeGreaterThan(0);

    for (const resumeOffset of [undefined, 0, 5, now.outputOffset + 1000]) {
      const started = Date.now();
      const late = attach(small.host, info.id, {
        ...(resumeOffset === undefined ? {} : { resumeOffset }),
      });
      await until(() => late.view.snapshots.length === 1, 'a snapshot');
      const ms = Date.now() - started;
      const snapshot = late.view.snapshots[0]!;
      const kinds = late.view.events.map((e) => e.type);
      expect(kinds.indexOf('snapshot')).toBeLessThan(
        kinds.includes('output') ? kinds.indexOf('output') : Infinity,
      );
      expect(snapshot.offset).toBeGreaterThanOrEqual(now.outputOffset);
      expect(snapshot.data).not.toContain('\x1b[c');
      const screen = await render(snapshot);
      expect(screen.answers).toEqual([]);
      expect(screen.lines.join('\n')).toMatch(/20000\nDONE\n/);
      if (resumeOffset === undefined) {
        console.log(
          `snapshot after ${now.outputOffset} bytes: ${Buffer.byteLength(snapshot.data)} bytes, ${ms} ms to attach`,
        );
      }
      late.attachment.detach();
    }
    first.attachment.detach();
    await small.host.close(info.id);
  });

  it('snapshots a full-screen program as the screen it shows', async () => {
    const info = await agent.host.create({ container, command: ['/bin/sh'], cols: 70, rows: 20 });
    const first = attach(agent.host, info.id, { cols: 70, rows: 20 });
    await until(() => first.view.sizes.length > 0, 'attached');
    first.attachment.write(
      // Octal escapes, so that the echo of the command line does not contain the words.
      "seq 1 50; printf '\\033[?1049h\\033[2J\\033[HFULL\\123CREEN\\033[5;3Hline \\146ive'; sleep 1000\r",
    );
    await until(() => first.view.text().includes('line five'), 'the full-screen program');
    const late = attach(agent.host, info.id, { cols: 70, rows: 20 });
    await until(() => late.view.snapshots.length === 1, 'a snapshot');
    const snapshot = late.view.snapshots[0]!;
    expect([snapshot.cols, snapshot.rows]).toEqual([70, 20]);
    const screen = await render(snapshot);
    expect(screen.type).toBe('alternate');
    expect(screen.lines[0]).toBe('FULLSCREEN');
    expect(screen.lines[4]).toBe('  line five');
    console.log(`full-screen snapshot: ${Buffer.byteLength(snapshot.data)} bytes`);
    late.attachment.detach();
    first.attachment.detach();
    await agent.host.close(info.id);
  });

  it("refuses a read-only viewer's input, follows the owner's size, letterboxes the others", async () => {
    const info = await agent.host.create({ container, command: ['/bin/sh'], ownerId: 'alice' });
    const owner = attach(agent.host, info.id, { userId: 'alice' });
    const watcher = attach(agent.host, info.id, { userId: 'bob', readOnly: true, cols: 50 });
    const guest = attach(agent.host, info.id, { userId: 'carol', cols: 60, rows: 20 });
    await until(() => owner.view.sizes.length > 0, 'attached');
    expect(watcher.view.events[0]).toMatchObject({ driver: false, readOnly: true });
    expect(guest.view.events[0]).toMatchObject({ driver: false, readOnly: false });

    watcher.attachment.write('touch /tmp/ro-was-here\r');
    await until(() => watcher.view.errors.length === 1, 'the refusal');
    expect(watcher.view.errors[0]).toMatchObject({ code: 'FORBIDDEN' });
    owner.attachment.write('[ -e /tmp/ro-was-here ] && echo PRESENT || echo ABSENT\r');
    await until(() => /\nABSENT\r\n/.test(owner.view.text()), 'the check');
    expect(owner.view.text()).not.toContain('touch');

    owner.attachment.resize(100, 30);
    await until(
      () => [watcher, guest].every((v) => v.view.sizes.some(([c, r]) => c === 100 && r === 30)),
      'the new size at every viewer',
    );
    watcher.attachment.resize(50, 10);
    guest.attachment.resize(60, 20);
    await until(() => guest.view.sizes.filter(([c]) => c === 100).length >= 2, 'the answer');
    owner.attachment.write('stty size\r');
    await until(() => /\n30 100\r\n/.test(owner.view.text()), 'stty size');
    // The guest (writable, not the owner) may type, but not resize.
    guest.attachment.write('stty size; echo GUEST\r');
    await until(() => /\n30 100\r\nGUEST\r\n/.test(owner.view.text()), 'the guest command');
    expect((await agent.host.get(info.id)).viewers.map((v) => [v.userId, v.driver])).toEqual([
      ['alice', true],
      ['bob', false],
      ['carol', false],
    ]);
    for (const v of [owner, watcher, guest]) v.attachment.detach();
    await agent.host.close(info.id);
  });

  it('does not let a stalled viewer slow the process or another viewer', async () => {
    const measureEcho = async (a: ReturnType<typeof attach>, n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const marker = `e${i}x${Math.random().toString(36).slice(2, 6)}`;
        const started = performance.now();
        a.attachment.write(marker);
        await a.view.when(() => a.view.recent(64).endsWith(marker), 'the echo');
        times.push(performance.now() - started);
        a.attachment.write('\x15'); // erase the line
        await sleep(5);
      }
      return times;
    };
    const flood = async (a: ReturnType<typeof attach>, tag: string) => {
      const started = Date.now();
      a.attachment.write(`seq 1 300000; echo ${tag}\r`);
      await a.view.when(() => a.view.seen(new RegExp(`\n${tag}\r\n`)), 'the flood', 60_000);
      return Date.now() - started;
    };

    const info = await stall.host.create({ container, command: ['/bin/sh'] });
    const active = attach(stall.host, info.id);
    await until(() => active.view.sizes.length > 0, 'attached');
    const alone = await flood(active, 'ALONE');
    const echoAlone = await measureEcho(active, 20);

    // One viewer that reads but never acks, and one raw stream that never reads at all.
    const stalled = attach(stall.host, info.id, { viewerId: 'stalled', ack: false });
    const definition = protoLoader.loadSync(
      path.join(process.cwd(), 'proto', 'agent', 'v1', 'terminal.proto'),
      { keepCase: false, longs: Number, defaults: true, oneofs: true },
    );
    const Terminals = (
      grpc.loadPackageDefinition(definition) as unknown as {
        devopsmaestro: { agent: { v1: { Terminals: grpc.ServiceClientConstructor } } };
      }
    ).devopsmaestro.agent.v1.Terminals;
    const raw = new Terminals(stall.unixAddress, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${secret}`);
    const deaf = (
      raw as unknown as { Attach: (m: grpc.Metadata) => grpc.ClientDuplexStream<object, unknown> }
    ).Attach(metadata);
    deaf.on('error', () => undefined);
    deaf.write({ open: { sessionId: info.id, viewerId: 'deaf', cols: 80, rows: 24 } });
    await until(() => stalled.view.events.length > 0, 'the stalled viewer attached');

    const withStalled = await flood(active, 'STALLED');
    const echoStalled = await measureEcho(active, 20);
    console.log(
      `flood of 300000 lines (2 MB): alone ${alone} ms, with stalled viewers ${withStalled} ms; ` +
        `echo p50/max alone ${ms(percentile(echoAlone, 50))}/${ms(Math.max(...echoAlone))} ms, ` +
        `with stalled ${ms(percentile(echoStalled, 50))}/${ms(Math.max(...echoStalled))} ms`,
    );
    expect(withStalled).toBeLessThan(alone * 2 + 2_000);
    expect(percentile(echoStalled, 50)).toBeLessThan(percentile(echoAlone, 50) * 3 + 5);
    expect(active.view.gaps).toEqual([]);
    expect(active.view.snapshots.map((x) => x.offset)).toEqual([]);
    // The stalled viewer got at most its budget, then nothing more.
    expect(stalled.view.outputBytes()).toBeLessThanOrEqual(STALL_BUDGET);
    const viewers = (await stall.host.get(info.id)).viewers.map((v) => v.viewerId);
    expect(viewers).toEqual(expect.arrayContaining(['stalled', 'deaf']));

    // Once it acks, it has fallen out of the window: a snapshot, then live output again.
    const stalledAttachment = stalled.attachment;
    expect(stalled.view.snapshots).toHaveLength(1); // on attach
    stalledAttachment.ack(stalled.view.end!);
    await stalled.view.when(() => stalled.view.snapshots.length === 2, 'a snapshot');
    expect((await render(stalled.view.snapshots[1]!)).lines.join('\n')).toContain('STALLED');

    deaf.cancel();
    grpc.Client.prototype.close.call(raw); // `close` is also the service's Close RPC
    stalledAttachment.detach();
    active.attachment.detach();
    await stall.host.close(info.id);
  });

  it('sends the exit code to every viewer, keeps the session listable for a grace, then forgets it', async () => {
    const info = await agent.host.create({ container, command: ['/bin/sh'] });
    const a = attach(agent.host, info.id);
    const b = attach(agent.host, info.id, { readOnly: true });
    await until(() => a.view.sizes.length > 0 && b.view.sizes.length > 0, 'attached');
    a.attachment.write('echo bye; exit 7\r');
    const [endA, endB] = await Promise.all([a.attachment.ended, b.attachment.ended]);
    expect(endA).toMatchObject({ reason: 'exited', exit: { code: 7, reason: 'exited' } });
    expect(endB).toMatchObject({ reason: 'exited', exit: { code: 7, reason: 'exited' } });
    expect(b.view.text()).toContain('bye');
    const exited = await agent.host.get(info.id);
    expect(exited).toMatchObject({ state: 'exited', exit: { code: 7, reason: 'exited' } });
    // A viewer reconnecting within the grace gets the screen and the exit.
    const late = attach(agent.host, info.id, { resumeOffset: a.view.end! });
    expect(await late.attachment.ended).toMatchObject({ reason: 'exited', exit: { code: 7 } });
    await sleep(1_700);
    expect(hasErrorCode(await rejection(agent.host.get(info.id)), 'NOT_FOUND')).toBe(true);
    const gone = attach(agent.host, info.id);
    const end = await gone.attachment.ended;
    expect(end.reason === 'failed' && hasErrorCode(end.error, 'NOT_FOUND')).toBe(true);
  });

  it('closes a session without viewers after its idle timeout, and kills the process', async () => {
    const quiet = await agent.host.create({
      container,
      command: ['sleep', '1234'],
      idleTimeoutSeconds: 1,
    });
    const watched = await agent.host.create({
      container,
      command: ['sleep', '1235'],
      idleTimeoutSeconds: 1,
    });
    const v = attach(agent.host, watched.id);
    await sleep(1_600);
    expect(await agent.host.get(quiet.id)).toMatchObject({
      state: 'exited',
      exit: { reason: 'idle_timeout', signal: 'SIGHUP' },
    });
    expect(await processesLike('sleep 1234')).toEqual([]);
    // A viewer keeps it alive; its timer starts when the last viewer leaves.
    expect((await agent.host.get(watched.id)).state).toBe('running');
    v.attachment.detach();
    await sleep(600);
    expect((await agent.host.get(watched.id)).state).toBe('running');
    await sleep(1_000);
    expect((await agent.host.get(watched.id)).exit?.reason).toBe('idle_timeout');
    expect(await processesLike('sleep 1235')).toEqual([]);
  });

  it('delivers multi-byte UTF-8 intact to a client that concatenates the bytes', async () => {
    const info = await agent.host.create({ container, command: ['/bin/sh'] });
    const v = attach(agent.host, info.id);
    await until(() => v.view.sizes.length > 0, 'attached');
    v.attachment.write(
      "i=0; while [ $i -lt 3000 ]; do printf '\\303\\251\\342\\202\\254\\360\\237\\230\\200'; " +
        'i=$((i+1)); done; echo; echo DONE\r',
    );
    await v.view.when(() => /\nDONE\r\n/.test(v.view.recent()), 'the characters');
    // The bytes as received, concatenated and decoded in one go.
    expect(Buffer.concat(v.view.chunks).toString('utf8')).toContain('é€😀'.repeat(3000));
    const split = v.view.chunks.filter((c) => c.toString('utf8').includes('\ufffd')).length;
    console.log(`UTF-8: ${v.view.chunks.length} output events, ${split} of them split a character`);
    // Resuming in the middle of characters (as after a drop there): output restarts mid-character,
    // and what the viewer had plus what it gets decodes whole.
    const all = Buffer.concat(v.view.chunks);
    const base = (v.view.events.find((e) => e.type === 'output') as { offset: number }).offset;
    const emoji = all.indexOf(Buffer.from('😀'));
    for (const inside of [1, 2, 3]) {
      const cut = emoji + 9 * 100 + inside; // within the 101st 😀
      const resumed = attach(agent.host, info.id, { resumeOffset: base + cut });
      await resumed.view.when(() => (resumed.view.end ?? 0) >= base + all.length, 'the rest');
      const first = resumed.view.chunks[0]!;
      expect(first[0]! & 0xc0).toBe(0x80); // starts with a continuation byte
      const joined = Buffer.concat([all.subarray(0, cut), ...resumed.view.chunks]);
      expect(joined.subarray(0, all.length).equals(all)).toBe(true);
      expect(joined.toString('utf8')).toContain('é€😀'.repeat(3000));
      expect(resumed.view.gaps).toEqual([]);
      resumed.attachment.detach();
    }
    const late = attach(agent.host, info.id);
    await until(() => late.view.snapshots.length === 1, 'a snapshot');
    expect(late.view.snapshots[0]!.data).toContain('é€😀é€😀');
    late.attachment.detach();
    v.attachment.detach();
    await agent.host.close(info.id);
  });

  it('replaces an older attachment of the same viewer, and detaches a viewer whose connection dies', async () => {
    const info = await agent.host.create({ container, command: ['/bin/sh'] });
    const first = attach(agent.host, info.id, { viewerId: 'tab-1' });
    await until(() => first.view.events.length > 0, 'attached');
    const second = attach(agent.host, info.id, { viewerId: 'tab-1' });
    expect(await first.attachment.ended).toEqual({ reason: 'replaced' });
    await until(() => second.view.events.length > 0, 'attached');

    // A viewer behind a connection that breaks (no goodbye): only it goes.
    const sockets: Socket[] = [];
    const proxy: Server = createServer((inbound) => {
      const outbound = connect(agent.tcpPort, '127.0.0.1');
      sockets.push(inbound, outbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => undefined);
      outbound.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const remote = new GrpcTerminalHost({
      address: `127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      credential: secret,
    });
    try {
      const lost = attach(remote, info.id, { viewerId: 'far-away' });
      await until(() => lost.view.events.length > 0, 'attached');
      expect((await agent.host.get(info.id)).viewers.map((v) => v.viewerId).sort()).toEqual([
        'far-away',
        'tab-1',
      ]);
      for (const socket of sockets) socket.destroy();
      const end = await lost.attachment.ended;
      expect(end.reason === 'failed' && hasErrorCode(end.error, 'UNAVAILABLE')).toBe(true);
      await until(
        () => second.view.events.some((e) => e.type === 'viewers' && e.viewers.length === 1),
        'the viewer list',
      );
      const now = await agent.host.get(info.id);
      expect(now.state).toBe('running');
      expect(now.viewers.map((v) => v.viewerId)).toEqual(['tab-1']);
    } finally {
      remote.disconnect();
      await new Promise((resolve) => proxy.close(resolve));
    }
    second.attachment.detach();
    await agent.host.close(info.id);
  });

  it('refuses bad requests, missing and foreign containers, the session limit and a wrong credential', async () => {
    const invalid = await rejection(agent.host.create({ container, cols: 0, rows: 20_000 }));
    expect(hasErrorCode(invalid, 'INVALID')).toBe(true);
    expect((invalid as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['rows']);
    expect(
      hasErrorCode(await rejection(agent.host.create({ container: `${run}-ghost` })), 'NOT_FOUND'),
    ).toBe(true);
    const foreign = `${run}-foreign`;
    names.push(foreign);
    const other = await docker.createContainer({
      name: foreign,
      Image: image,
      Cmd: KEEP_ALIVE,
      HostConfig: { NetworkMode: 'none' },
    });
    await other.start();
    expect(
      hasErrorCode(await rejection(agent.host.create({ container: foreign })), 'NOT_FOUND'),
    ).toBe(true);

    const open = await Promise.all(
      [1, 2, 3].map(() => small.host.create({ container, command: ['/bin/sh'] })),
    );
    const limit = await rejection(small.host.create({ container, command: ['/bin/sh'] }));
    expect(hasErrorCode(limit, 'CONFLICT')).toBe(true);
    expect((limit as Error).message).toContain('3 terminal sessions');
    await Promise.all(open.map((t) => small.host.close(t.id)));

    const intruder = new GrpcTerminalHost({ address: agent.unixAddress, credential: 'nope' });
    hosts.push(intruder);
    expect(hasErrorCode(await rejection(intruder.list()), 'UNAUTHENTICATED')).toBe(true);
    expect(hasErrorCode(await rejection(intruder.create({ container })), 'UNAUTHENTICATED')).toBe(
      true,
    );
    const info = await agent.host.create({ container, command: ['/bin/sh'] });
    const sneaky = intruder.attach(info.id, { viewerId: 'x' });
    const end = await sneaky.ended;
    expect(end.reason === 'failed' && hasErrorCode(end.error, 'UNAUTHENTICATED')).toBe(true);
    expect((await agent.host.get(info.id)).viewers).toEqual([]);
    await agent.host.close(info.id);
  });
});
