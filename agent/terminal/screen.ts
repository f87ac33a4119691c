// The agent's own rendering of a session's terminal: a headless xterm.js fed with every output
// byte, in order, so the current screen (alternate screen, modes, cursor and recent scrollback)
// can be serialized at any time. A snapshot is what a viewer gets instead of a raw replay of old
// output: raw history may hold terminal queries (device attributes, cursor position, OSC colour
// requests) that a fresh browser terminal would answer again, typing the answers into the shell;
// the serialized screen holds none.
//
// The emulator runs in a worker thread shared by all sessions (screen-worker.ts), so parsing never
// holds up the agent's I/O; it may lag behind the bytes written to it. Writes go to the worker in
// batches (a turn's worth of a flood at once, a few keystrokes' echo after POST_DELAY_MS); every
// parsed batch advances `parsed`; a snapshot or resize sends what is batched first, and a snapshot
// is rendered behind everything written before it, so it shows exactly the bytes up to its
// `offset`. Answers the emulator generates for queries are dropped.
import {
  closeWorkerScreen,
  type FromWorker,
  openWorkerScreen,
  type ToWorker,
} from './screen-worker';

/** A batch this big is posted to the worker at the end of the turn; smaller ones wait a little. */
const POST_NOW_BYTES = 64 * 1024;
const POST_DELAY_MS = 20;

export interface ScreenSnapshot {
  /** The output offset the screen corresponds to: output continues from here. */
  offset: number;
  /** Escape sequences that redraw the screen and scrollback on a reset terminal of this size. */
  data: string;
  cols: number;
  rows: number;
  /** The tag of the last resize applied before it (0: none). */
  sizeSeq: number;
}

export interface TerminalScreenOptions {
  cols: number;
  rows: number;
  /** Lines of scrollback the emulator keeps and snapshots carry; default 1000. */
  scrollback?: number;
}

export class TerminalScreen {
  private readonly id: number;
  private readonly post: (message: ToWorker, transfer?: ArrayBuffer[]) => void;
  private currentCols: number;
  private currentRows: number;
  private queued = 0;
  private parsed = 0;
  /** Written this turn, not yet posted to the worker. */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private skipped = 0;
  /** Bumped by every resize, so a cached snapshot is never served across one. */
  private generation = 0;
  private cached: { parsed: number; generation: number; snapshot: ScreenSnapshot } | undefined;
  private pending:
    | {
        promise: Promise<ScreenSnapshot>;
        generation: number;
        resolve: (s: ScreenSnapshot) => void;
        reject: (e: Error) => void;
      }
    | undefined;
  private drainWaiter: { below: number; resolve: () => void } | undefined;
  private disposed = false;
  private lost: Error | undefined;

  constructor(options: TerminalScreenOptions) {
    this.currentCols = options.cols;
    this.currentRows = options.rows;
    const opened = openWorkerScreen(
      {
        onMessage: (message) => this.onMessage(message),
        onLost: (error) => this.onLost(error),
      },
      { cols: options.cols, rows: options.rows, scrollback: options.scrollback ?? 1000 },
    );
    this.id = opened.id;
    this.post = opened.post;
  }

  /** Bytes written but not parsed yet. */
  get backlog(): number {
    // A lost screen parses nothing more: the output must not wait for it.
    return this.lost ? 0 : this.queued - this.parsed;
  }

  /** Bytes the emulator fast-forwarded (a flood's lines that scrolled out unseen). */
  get skippedBytes(): number {
    return this.skipped;
  }

  get cols(): number {
    return this.currentCols;
  }

  get rows(): number {
    return this.currentRows;
  }

  write(data: Uint8Array): void {
    if (this.disposed || this.lost || data.length === 0) return;
    this.queued += data.length;
    // Kept until the flush, which copies the turn's chunks into one buffer of its own and hands
    // that over (a chunk may be a view into a larger, pooled buffer, which must not be moved).
    this.batch.push(data);
    this.batchBytes += data.length;
    // A turn's worth of a flood goes at once; a few keystrokes' echo waits a little, so typing
    // does not wake the worker (and the agent, with its progress) for every key.
    if (this.batchBytes >= POST_NOW_BYTES) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    } else if (!this.flushScheduled && !this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), POST_DELAY_MS);
    }
  }

  /**
   * Resizes at the current point of the stream: after every byte written so far is parsed.
   * Snapshots taken after it report `seq`.
   */
  resize(cols: number, rows: number, seq: number): void {
    if (this.disposed) return;
    this.generation += 1;
    this.currentCols = cols;
    this.currentRows = rows;
    this.flush();
    this.post({ op: 'resize', id: this.id, cols, rows, seq });
  }

  /** Resolves once at most `below` bytes are left to parse (one waiter at a time). */
  drained(below: number): Promise<void> {
    if (this.backlog <= below || this.disposed || this.lost) return Promise.resolve();
    // Nothing is held back for batching while someone waits for the emulator.
    this.flush();
    this.post({ op: 'release', id: this.id });
    return new Promise((resolve) => {
      const previous = this.drainWaiter;
      this.drainWaiter = {
        below,
        resolve: () => {
          previous?.resolve();
          resolve();
        },
      };
    });
  }

  /** The screen after every byte written so far. Concurrent calls share one rendering. */
  snapshot(): Promise<ScreenSnapshot> {
    if (this.disposed) return Promise.reject(new Error('The terminal screen is closed.'));
    if (this.lost) return Promise.reject(this.lost);
    const cached = this.cached;
    if (cached && cached.parsed === this.queued && cached.generation === this.generation) {
      return Promise.resolve(cached.snapshot);
    }
    if (this.pending) return this.pending.promise;
    let resolve!: (s: ScreenSnapshot) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<ScreenSnapshot>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    this.pending = { promise, generation: this.generation, resolve, reject };
    this.flush();
    this.post({ op: 'snapshot', id: this.id });
    return promise;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.flushTimer);
    this.batch = [];
    this.drainWaiter?.resolve();
    this.drainWaiter = undefined;
    this.pending?.reject(new Error('The terminal screen is closed.'));
    this.pending = undefined;
    closeWorkerScreen(this.id);
  }

  /** Posts this turn's writes to the worker as one transferred buffer. */
  private flush(): void {
    this.flushScheduled = false;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batchBytes === 0 || this.disposed) return;
    const joined = new Uint8Array(this.batchBytes);
    let at = 0;
    for (const chunk of this.batch) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    this.batch = [];
    this.batchBytes = 0;
    this.post({ op: 'write', id: this.id, data: joined }, [joined.buffer]);
  }

  private onMessage(message: FromWorker): void {
    if (this.disposed) return;
    if (message.op === 'parsed') {
      this.parsed = message.parsed;
      this.skipped = message.skipped;
      const waiter = this.drainWaiter;
      if (waiter && this.backlog <= waiter.below) {
        this.drainWaiter = undefined;
        waiter.resolve();
      }
      return;
    }
    if (message.op !== 'snapshot') return;
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    const snapshot: ScreenSnapshot = {
      offset: message.parsed,
      data: message.data,
      cols: message.cols,
      rows: message.rows,
      sizeSeq: message.sizeSeq,
    };
    this.cached = { parsed: message.parsed, generation: pending.generation, snapshot };
    pending.resolve(snapshot);
  }

  /** The worker died: snapshots fail from now on, and the output never waits for parsing. */
  private onLost(error: Error): void {
    this.lost = new Error(`The terminal screen is lost: ${error.message}`);
    this.batch = [];
    this.batchBytes = 0;
    this.drainWaiter?.resolve();
    this.drainWaiter = undefined;
    this.pending?.reject(this.lost);
    this.pending = undefined;
  }
}
