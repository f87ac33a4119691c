// The thread the agent's headless terminals run in. xterm.js parses in slices of up to 12 ms; on
// the agent's main thread every slice held up gRPC, acks and keystrokes for every session (a
// flood's acks queued behind the parser, so viewers fell out of the window; echo p99 grew with
// any busy session). One worker holds the emulators of all sessions; the main thread only posts
// bytes to it and receives parse progress and snapshots (screen.ts). Both directions batch per
// turn of the event loop: one message carries every session's writes, one every session's
// progress, so many quiet sessions typing cost one message each way, not one per keystroke.
//
// The worker runs from source text (`eval`), so it needs no loader for TypeScript under tsx,
// vitest or a bundle; it requires the two xterm packages by the paths resolved here.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export type ToWorker =
  | { op: 'create'; id: number; cols: number; rows: number; scrollback: number }
  | { op: 'write'; id: number; data: Uint8Array }
  | { op: 'resize'; id: number; cols: number; rows: number; seq: number }
  | { op: 'snapshot'; id: number }
  | { op: 'dispose'; id: number };

export type FromWorker =
  | { op: 'parsed'; id: number; parsed: number }
  | {
      op: 'snapshot';
      id: number;
      parsed: number;
      data: string;
      cols: number;
      rows: number;
      sizeSeq: number;
    }
  /** This screen's emulator threw: it is gone, the others carry on. */
  | { op: 'failed'; id: number; message: string };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Terminal } = require(workerData.headless);
const { SerializeAddon } = require(workerData.serialize);
const screens = new Map();
// Parse progress is reported once per turn for all screens (one message, not one per write).
const progress = new Map();
let reporting = false;
function report(id, parsed) {
  progress.set(id, parsed);
  if (reporting) return;
  reporting = true;
  setImmediate(() => {
    reporting = false;
    const batch = [];
    for (const [id, parsed] of progress) batch.push({ op: 'parsed', id, parsed });
    progress.clear();
    parentPort.postMessage(batch);
  });
}
// An emulator that throws (in a message or in one of its write callbacks) takes down only its
// own screen: the worker, and every other session's screen, carry on.
function failed(id, error) {
  const s = screens.get(id);
  screens.delete(id);
  progress.delete(id);
  try { if (s) s.terminal.dispose(); } catch {}
  parentPort.postMessage([{ op: 'failed', id, message: String((error && error.message) || error) }]);
}
function guarded(id, fn) {
  return () => { try { fn(); } catch (error) { failed(id, error); } };
}
parentPort.on('message', (batch) => {
  for (const m of batch) {
    try { handle(m); } catch (error) { failed(m.id, error); }
  }
});
function handle(m) {
  if (m.op === 'create') {
    // The emulator's answers to queries are dropped: onData is never subscribed.
    const terminal = new Terminal({
      cols: m.cols, rows: m.rows, scrollback: m.scrollback, allowProposedApi: true, logLevel: 'off',
    });
    const serializer = new SerializeAddon();
    terminal.loadAddon(serializer);
    screens.set(m.id, { terminal, serializer, scrollback: m.scrollback, parsed: 0, sizeSeq: 0 });
    return;
  }
  const s = screens.get(m.id);
  if (!s) return;
  switch (m.op) {
    case 'write': {
      const length = m.data.length;
      s.terminal.write(m.data, guarded(m.id, () => {
        s.parsed += length;
        report(m.id, s.parsed);
      }));
      return;
    }
    case 'resize':
      s.terminal.write('', guarded(m.id, () => {
        s.terminal.resize(m.cols, m.rows);
        s.sizeSeq = m.seq;
      }));
      return;
    case 'snapshot':
      // Behind everything written before it: renders exactly the bytes up to 'parsed'.
      s.terminal.write('', guarded(m.id, () => {
        if (!screens.has(m.id)) return;
        parentPort.postMessage([{
          op: 'snapshot', id: m.id, parsed: s.parsed,
          data: s.serializer.serialize({ scrollback: s.scrollback }),
          cols: s.terminal.cols, rows: s.terminal.rows, sizeSeq: s.sizeSeq,
        }]);
      }));
      return;
    case 'dispose':
      screens.delete(m.id);
      progress.delete(m.id);
      s.terminal.dispose();
      return;
  }
}
`;

export interface WorkerScreen {
  onMessage(message: FromWorker): void;
  /** The worker died: pending work is lost. */
  onLost(error: Error): void;
}

const require = createRequire(import.meta.url);
/** An idle worker is ended after this long without screens (it costs ~20 MB). */
const IDLE_MS = 30_000;

let worker: Worker | undefined;
/** Messages of this turn, posted together (one postMessage per turn for all sessions). */
let outbox: ToWorker[] = [];
let transfers: ArrayBuffer[] = [];
let flushing = false;
let idleTimer: NodeJS.Timeout | undefined;
let nextId = 1;
const screens = new Map<number, WorkerScreen>();

function flushOutbox(): void {
  flushing = false;
  if (outbox.length === 0) return;
  const messages = outbox;
  const moved = transfers;
  outbox = [];
  transfers = [];
  worker?.postMessage(messages, moved);
}

function enqueue(message: ToWorker, transfer?: ArrayBuffer[]): void {
  outbox.push(message);
  if (transfer) transfers.push(...transfer);
  if (!flushing) {
    flushing = true;
    setImmediate(flushOutbox);
  }
}

function lose(error: Error): void {
  worker = undefined;
  outbox = [];
  transfers = [];
  const lost = [...screens.values()];
  screens.clear();
  for (const screen of lost) screen.onLost(error);
}

function started(): Worker {
  if (worker) return worker;
  const created = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      headless: require.resolve('@xterm/headless'),
      serialize: require.resolve('@xterm/addon-serialize'),
    },
  });
  created.unref(); // never keeps the agent (or a test) running
  created.on('message', (messages: FromWorker[]) => {
    for (const message of messages) {
      const screen = screens.get(message.id);
      if (message.op !== 'failed') {
        screen?.onMessage(message);
        continue;
      }
      screens.delete(message.id);
      screen?.onLost(new Error(`The terminal emulator failed: ${message.message}`));
    }
  });
  created.on('error', (error) => {
    if (worker === created) lose(error);
  });
  created.on('exit', (code) => {
    if (worker === created) lose(new Error(`The terminal screen worker exited with ${code}.`));
  });
  worker = created;
  return created;
}

/** Registers a screen; returns its id and how to post to the worker. */
export function openWorkerScreen(
  screen: WorkerScreen,
  size: { cols: number; rows: number; scrollback: number },
): { id: number; post: (message: ToWorker, transfer?: ArrayBuffer[]) => void } {
  clearTimeout(idleTimer);
  idleTimer = undefined;
  const id = nextId++;
  const thread = started();
  screens.set(id, screen);
  const post = (message: ToWorker, transfer?: ArrayBuffer[]) => {
    if (worker === thread) enqueue(message, transfer);
  };
  post({ op: 'create', id, ...size });
  return { id, post };
}

export function closeWorkerScreen(id: number): void {
  if (!screens.delete(id)) return;
  if (worker) enqueue({ op: 'dispose', id });
  if (screens.size === 0 && worker) {
    const idle = worker;
    idleTimer = setTimeout(() => {
      if (screens.size > 0 || worker !== idle) return;
      flushOutbox();
      worker = undefined;
      void idle.terminate();
    }, IDLE_MS);
    idleTimer.unref();
  }
}
