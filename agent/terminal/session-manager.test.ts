// The session manager and sessions on the real engine, without gRPC: the shell probe and the
// process's environment, request checks, a viewer's transport backpressure, the exit reaching a
// viewer that never acknowledges, the snapshot reaching one that acks in batches, and shutdown.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../lib/errors';
import { rejection } from '../../lib/testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../../lib/testing/test-env';
import { DockerRuntime, dockerConnectionFor } from '../runtime/docker-runtime';
import type { SessionEvent, ViewerSink } from './session';
import { crashScreenWorkerForTests } from './screen-worker';
import { TerminalSessionManager } from './session-manager';

const run = `dvmts-${process.pid}-${Date.now().toString(36)}`;
let docker: Docker;
let runtime: DockerRuntime;
let container: string;
const managers: TerminalSessionManager[] = [];

function manager(options: Partial<ConstructorParameters<typeof TerminalSessionManager>[0]> = {}) {
  const m = new TerminalSessionManager({ runtime, exitedRetentionMs: 500, ...options });
  managers.push(m);
  return m;
}

interface TestSink {
  events: SessionEvent[];
  ended: boolean;
  full: boolean;
  drain: (() => void) | undefined;
  output(): string;
  sink: ViewerSink;
}

/** An in-process viewer transport; `full` makes it report backpressure. */
function sink(): TestSink {
  const state: TestSink = {
    events: [],
    ended: false,
    full: false,
    drain: undefined,
    output: () =>
      Buffer.concat(
        state.events.flatMap((e: SessionEvent) => (e.type === 'output' ? [e.data] : [])),
      ).toString('utf8'),
    sink: {
      send(event) {
        state.events.push(event);
        return !state.full;
      },
      onDrain(listener) {
        state.drain = listener;
      },
      end() {
        state.ended = true;
      },
    },
  };
  return state;
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  const dockerHost = requireService('docker');
  const image = requireBaseImage();
  docker = new Docker(dockerConnection());
  runtime = new DockerRuntime({
    connection: dockerConnectionFor(dockerHost),
    allowedMountRoots: [],
  });
  container = `${run}-ws`;
  await runtime.ensure({
    name: container,
    image,
    command: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: 'ws' },
  });
  await runtime.start(container);
});

afterAll(async () => {
  try {
    await Promise.all(managers.map((m) => m.shutdown()));
  } finally {
    await docker
      ?.getContainer(container)
      .remove({ force: true })
      .catch(() => undefined);
  }
});

describe('TerminalSessionManager', () => {
  it('finds the shell, names the session after it, and gives the process TERM, env, user and directory', async () => {
    const m = manager();
    const shell = await m.create({ container });
    expect(shell).toMatchObject({ command: ['/bin/sh', '-l'], title: 'sh', cols: 80, rows: 24 });

    const info = await m.create({
      container,
      command: ['/bin/sh', '-c', 'echo "[$TERM $COLORTERM $(id -u) $(pwd) $GREETING]"; exit 3'],
      env: { GREETING: 'hi' },
      user: '1000:1000',
      workingDir: '/tmp',
    });
    const viewer = sink();
    m.session(info.id).attach({ viewerId: 'v', readOnly: false, resumeOffset: 0 }, viewer.sink);
    await until(() => viewer.ended, 'the exit');
    expect(viewer.output()).toContain('[xterm-256color truecolor 1000 /tmp hi]');
    expect(viewer.events.at(-1)).toMatchObject({
      type: 'exit',
      exit: { code: 3, reason: 'exited' },
    });
  });

  it('names every bad field of a request', async () => {
    const m = manager();
    const error = await rejection(
      m.create({ container, title: 'a\u0007b', cols: 5.5, idleTimeoutSeconds: 10 ** 9 }),
    );
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    expect((error as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual([
      'cols',
      'idleTimeoutSeconds',
      'title',
    ]);
    const noContainer = await rejection(m.create({ container: '' }));
    expect(hasErrorCode(noContainer, 'INVALID')).toBe(true);
  });

  it('sends a viewer nothing while its transport is full, then carries on without a gap', async () => {
    const m = manager();
    const info = await m.create({ container, command: ['/bin/sh'] });
    const slow = sink();
    const session = m.session(info.id);
    const handle = session.attach(
      { viewerId: 'slow', readOnly: false, resumeOffset: 0 },
      slow.sink,
    );
    slow.full = true;
    handle.write(Buffer.from('seq 1 20000; echo END\r'));
    await until(() => /\nEND\r\n/.test(slow.output()) || slow.drain !== undefined, 'backpressure');
    const frozen = slow.events.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slow.events.length).toBe(frozen);
    expect(session.info().outputOffset).toBeGreaterThan(100_000); // the process did not wait
    slow.full = false;
    // Ack as it goes, like a real viewer.
    const ackAll = () => {
      const last = slow.events.findLast((e: SessionEvent) => e.type === 'output');
      if (last?.type === 'output') handle.ack(last.offset + last.data.length);
    };
    slow.drain?.();
    await until(() => {
      ackAll();
      return /\nEND\r\n/.test(slow.output());
    }, 'the rest');
    const outputs = slow.events.flatMap((e: SessionEvent) => (e.type === 'output' ? [e] : []));
    for (let i = 1; i < outputs.length; i += 1) {
      expect(outputs[i]!.offset).toBe(outputs[i - 1]!.offset + outputs[i - 1]!.data.length);
    }
    handle.detach();
    await m.close(info.id);
  });

  it('resyncs a viewer that fell out of the window while holding back a partial ack batch', async () => {
    // Clients ack in batches (the browser every 64 KiB): one that has processed everything it was
    // sent may still owe an ack for the last partial batch, and must get its snapshot anyway.
    const m = manager({ windowBytes: 64 * 1024, ackBudgetBytes: 32 * 1024 });
    const info = await m.create({ container, command: ['/bin/sh'] });
    const viewer = sink();
    const session = m.session(info.id);
    const handle = session.attach(
      { viewerId: 'batching', readOnly: false, resumeOffset: 0 },
      viewer.sink,
    );
    viewer.full = true;
    handle.write(Buffer.from('seq 1 50000; echo END\r'));
    await until(() => viewer.drain !== undefined, 'backpressure');
    await until(() => session.info().windowStart > 0, 'output beyond the window');
    const last = viewer.events.findLast((e: SessionEvent) => e.type === 'output');
    if (last?.type !== 'output') throw new Error('no output before the backpressure');
    const sent = last.offset + last.data.length;
    handle.ack(Math.max(0, sent - 100)); // all but a partial batch
    viewer.full = false;
    viewer.drain!();
    await until(() => viewer.events.some((e) => e.type === 'snapshot'), 'the snapshot');
    const snapshot = viewer.events.find((e: SessionEvent) => e.type === 'snapshot')!;
    if (snapshot.type !== 'snapshot') throw new Error('unreachable');
    expect(snapshot.offset).toBeGreaterThan(sent);
    handle.detach();
    await m.close(info.id);
  });

  it('paces the process by a driver that keeps up: a flood beyond the window arrives whole', async () => {
    const m = manager({ windowBytes: 256 * 1024, ackBudgetBytes: 64 * 1024 });
    const info = await m.create({ container, command: ['/bin/sh', '-c', 'read go; seq 1 200000'] });
    const viewer = sink();
    const session = m.session(info.id);
    const handle = session.attach(
      { viewerId: 'slow-driver', readOnly: false, resumeOffset: 0 },
      {
        ...viewer.sink,
        send(event) {
          viewer.sink.send(event);
          // A driver slower than the process: it acks each output 20 ms after getting it.
          if (event.type === 'output') {
            setTimeout(() => handle.ack(event.offset + event.data.length), 20);
          }
          return true;
        },
      },
    );
    expect(handle.driver).toBe(true);
    handle.write(Buffer.from('\r'));
    await until(() => viewer.ended, 'the exit', 60_000);
    expect(session.info().outputOffset).toBeGreaterThan(4 * 256 * 1024);
    expect(viewer.events.some((e) => e.type === 'snapshot')).toBe(false);
    let next: number | undefined;
    for (const event of viewer.events) {
      if (event.type !== 'output') continue;
      if (next !== undefined) expect(event.offset).toBe(next);
      next = event.offset + event.data.length;
    }
    expect(viewer.output()).toMatch(/\r\n1\r\n2\r\n[\s\S]*\r\n200000\r\n$/);
  });

  it('stops waiting for a driver that reads nothing after the pace limit; it gets a snapshot', async () => {
    const m = manager({ windowBytes: 256 * 1024, ackBudgetBytes: 64 * 1024, paceLimitMs: 300 });
    const info = await m.create({
      container,
      command: ['/bin/sh', '-c', 'read go; seq 1 200000; echo DONE; sleep 30'],
    });
    const stalled = sink();
    const session = m.session(info.id);
    const handle = session.attach(
      { viewerId: 'stalled-driver', readOnly: false, resumeOffset: 0 },
      stalled.sink,
    );
    const started = Date.now();
    handle.write(Buffer.from('\r'));
    // Without the limit the process would wait for this viewer for good.
    await until(() => session.info().outputOffset > 1_200_000, 'the flood past the stalled driver');
    const took = Date.now() - started;
    expect(took).toBeLessThan(10_000);
    handle.ack(
      stalled.events.reduce((n, e) => (e.type === 'output' ? e.offset + e.data.length : n), 0),
    );
    await until(() => stalled.events.some((e) => e.type === 'snapshot'), 'the snapshot');
    handle.detach();
    await m.close(info.id);
  });

  it('ends a viewer that never acknowledges when the exited session is forgotten', async () => {
    const m = manager({ ackBudgetBytes: 4096 });
    const info = await m.create({ container, command: ['/bin/sh', '-c', 'seq 1 5000; exit 4'] });
    const lazy = sink();
    const eager = sink();
    const session = m.session(info.id);
    session.attach({ viewerId: 'lazy', readOnly: true, resumeOffset: 0 }, lazy.sink);
    const handle = session.attach(
      { viewerId: 'eager', readOnly: true, resumeOffset: 0 },
      {
        ...eager.sink,
        send(event) {
          eager.sink.send(event);
          if (event.type === 'output')
            queueMicrotask(() => handle.ack(event.offset + event.data.length));
          return true;
        },
      },
    );
    await until(() => eager.ended, "the eager viewer's exit");
    expect(eager.events.at(-1)).toMatchObject({ type: 'exit', exit: { code: 4 } });
    expect(eager.output()).toContain('\n5000\r\n');
    expect(lazy.ended).toBe(false); // still owed output
    await until(() => lazy.ended, "the lazy viewer's exit", 3_000);
    expect(lazy.events.at(-1)).toMatchObject({ type: 'exit', exit: { code: 4 } });
    expect(
      hasErrorCode(await rejection(Promise.resolve().then(() => m.get(info.id))), 'NOT_FOUND'),
    ).toBe(true);
  });

  it('tells a viewer when the emulator is lost and goes on live, never replaying old output', async () => {
    const m = manager();
    const info = await m.create({ container, command: ['/bin/sh'] });
    const session = m.session(info.id);
    const first = sink();
    const writer = session.attach(
      { viewerId: 'first', readOnly: false, resumeOffset: 0 },
      first.sink,
    );
    writer.write(Buffer.from('echo be""fore\r'));
    await until(() => first.output().includes('before\r\n'), 'the first output');
    await crashScreenWorkerForTests();
    // A fresh viewer needs a snapshot, which can no longer be rendered.
    const late = sink();
    const handle = session.attach({ viewerId: 'late', readOnly: false }, late.sink);
    await until(() => late.events.some((e) => e.type === 'error'), 'the error event');
    expect(late.events.find((e) => e.type === 'error')).toMatchObject({ code: 'UNAVAILABLE' });
    handle.write(Buffer.from('echo af""ter\r'));
    await until(() => late.output().includes('after\r\n'), 'live output');
    expect(late.events.some((e) => e.type === 'snapshot')).toBe(false);
    expect(late.output()).not.toContain('before');
    expect(late.ended).toBe(false);
    await m.close(info.id);
  });

  it('ends every session on shutdown and refuses new ones', async () => {
    const m = manager({ exitedRetentionMs: 30_000 });
    const a = await m.create({ container, command: ['sleep', '2001'] });
    const b = await m.create({ container, command: ['sleep', '2002'] });
    await m.shutdown();
    for (const id of [a.id, b.id]) {
      expect(m.get(id)).toMatchObject({ state: 'exited', exit: { reason: 'agent_shutdown' } });
    }
    expect(hasErrorCode(await rejection(m.create({ container })), 'UNAVAILABLE')).toBe(true);
  });
});
