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
  /** Parse what is held now (the agent waits for the emulator to catch up). */
  | { op: 'release'; id: number }
  | { op: 'dispose'; id: number };

export type FromWorker =
  /** `skipped`: bytes fast-forwarded so far (counted in `parsed`, never parsed). */
  | { op: 'parsed'; id: number; parsed: number; skipped: number }
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
const HOLD_BYTES = workerData.holdBytes;
const HOLD_MS = workerData.holdMs;
const screens = new Map();
// Parse progress is reported once per turn for all screens (one message, not one per write).
const progress = new Map();
let reporting = false;
function report(s) {
  progress.set(s.id, s);
  if (reporting) return;
  reporting = true;
  setImmediate(() => {
    reporting = false;
    const batch = [];
    for (const [id, s] of progress) batch.push({ op: 'parsed', id, parsed: s.parsed, skipped: s.skipped });
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
  if (s) clearTimeout(s.timer);
  try { if (s) s.terminal.dispose(); } catch {}
  parentPort.postMessage([{ op: 'failed', id, message: String((error && error.message) || error) }]);
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
    screens.set(m.id, {
      id: m.id, terminal, serializer, scrollback: m.scrollback, parsed: 0, skipped: 0, sizeSeq: 0,
      // Work not handed to the emulator yet, in order; 'busy' while it parses one write of ours.
      ops: [], heldBytes: 0, busy: false, timer: undefined, releasing: false,
    });
    return;
  }
  const s = screens.get(m.id);
  if (!s) return;
  if (m.op === 'dispose') {
    screens.delete(m.id);
    progress.delete(m.id);
    clearTimeout(s.timer);
    s.terminal.dispose();
    return;
  }
  if (m.op === 'release') {
    s.releasing = true;
    run(s, true);
    return;
  }
  s.ops.push(m);
  if (m.op === 'write') s.heldBytes += m.data.length;
  run(s, m.op !== 'write');
}
// Hands the screen's work to its emulator in order. Output is held (up to HOLD_BYTES or HOLD_MS)
// and given as one write, so a flood's held bytes can be fast-forwarded (see skippable); a resize
// or snapshot releases what is held before it at once.
function run(s, urgent) {
  if (s.busy || !screens.has(s.id)) return;
  urgent = urgent || s.releasing;
  while (s.ops.length > 0) {
    const head = s.ops[0];
    if (head.op === 'write') {
      const more = s.ops.some((op) => op.op !== 'write');
      if (!urgent && !more && s.heldBytes < HOLD_BYTES) {
        if (!s.timer) s.timer = setTimeout(() => { s.timer = undefined; guard(s, () => run(s, true)); }, HOLD_MS);
        return;
      }
      feed(s);
      return;
    }
    s.ops.shift();
    if (head.op === 'resize') {
      s.terminal.resize(head.cols, head.rows);
      s.sizeSeq = head.seq;
    } else if (head.op === 'snapshot') {
      // Behind everything written before it: renders exactly the bytes up to 'parsed'.
      parentPort.postMessage([{
        op: 'snapshot', id: s.id, parsed: s.parsed,
        data: s.serializer.serialize({ scrollback: s.scrollback }),
        cols: s.terminal.cols, rows: s.terminal.rows, sizeSeq: s.sizeSeq,
      }]);
    }
  }
  s.releasing = false; // all caught up
}
function guard(s, fn) {
  try { fn(); } catch (error) { failed(s.id, error); }
}
/** Writes the held output (the writes at the head of the queue) to the emulator as one. */
function feed(s) {
  clearTimeout(s.timer);
  s.timer = undefined;
  let length = 0;
  let count = 0;
  while (count < s.ops.length && s.ops[count].op === 'write') length += s.ops[count++].data.length;
  const writes = s.ops.splice(0, count);
  const data = writes.length === 1 ? writes[0].data : new Uint8Array(length);
  if (writes.length > 1) {
    let at = 0;
    for (const w of writes) { data.set(w.data, at); at += w.data.length; }
  }
  s.heldBytes -= length;
  const skip = skippable(s.terminal, data);
  s.skipped += skip;
  s.busy = true;
  s.terminal.write(skip > 0 ? data.subarray(skip) : data, () => guard(s, () => {
    s.busy = false;
    s.parsed += length;
    report(s);
    run(s, false);
  }));
}
// Fast-forward: how many leading bytes of 'data' can be left out without changing the screen,
// the scrollback or any mode the emulator ends in. A flood prints far more lines than the
// emulator keeps; parsing all of them made the emulator the agent's largest cost. Leaving out
// a prefix is exact when
//   - the emulator is idle in its ground state (no sequence or UTF-8 character begun), on the
//     normal screen with the scroll region the whole screen;
//   - the prefix is plain: printable ASCII, CR and LF only, which change nothing but the cursor
//     and the text of lines (no mode, attribute, charset, tab stop or title);
//   - the prefix is followed by a CR (from there the cursor's column no longer depends on the
//     prefix) and more plain bytes holding at least 2 x rows + scrollback line feeds: within
//     'rows' of them the cursor reaches the bottom row either way, and the rows + scrollback
//     after that scroll every line the prefix (or its absence) touched out of the buffer.
// Anything else keeps every byte. The emulator's internals used here are checked by
// screen.test.ts; if they change, nothing is left out.
function skippable(terminal, data) {
  if (data.length < HOLD_BYTES / 4) return 0;
  const core = terminal._core;
  const input = core && core._inputHandler;
  const parser = input && input._parser;
  const decoder = input && input._utf8Decoder;
  const buffers = core && core.buffers;
  if (!parser || !decoder || !decoder.interim || !buffers || !buffers.normal) return 0;
  if (parser.currentState !== 0 || decoder.interim[0] !== 0) return 0;
  const buffer = buffers.active;
  if (buffer !== buffers.normal) return 0;
  if (buffer.scrollTop !== 0 || buffer.scrollBottom !== terminal.rows - 1) return 0;
  // The plain run at the start; in it, the (2 x rows + scrollback)-th LF from its end, and the
  // last CR before that: the prefix ends there.
  let plain = 0;
  while (plain < data.length) {
    const b = data[plain];
    if ((b < 32 || b > 126) && b !== 10 && b !== 13) break;
    plain += 1;
  }
  let needed = 2 * terminal.rows + terminal.options.scrollback;
  let at = plain - 1;
  for (; at >= 0; at -= 1) if (data[at] === 10 && --needed === 0) break;
  while (at >= 0 && data[at] !== 13) at -= 1;
  if (at <= 0) return 0;
  return at;
}
`;

export interface WorkerScreen {
  onMessage(message: FromWorker): void;
  /** The worker died: pending work is lost. */
  onLost(error: Error): void;
}

const require = createRequire(import.meta.url);
/**
 * Output is held this long, or until this much is held, before the emulator parses it: one write
 * instead of many, and a flood's excess fast-forwarded (see `skippable` in the worker).
 */
const HOLD_MS = 30;
const HOLD_BYTES = 1024 * 1024;
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
      holdBytes: HOLD_BYTES,
      holdMs: HOLD_MS,
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

/** Ends the worker thread as a crash would (every screen is lost); for tests of that failure. */
export async function crashScreenWorkerForTests(): Promise<void> {
  const current = worker;
  if (!current) return;
  await current.terminate();
}
