// The agent's own rendering of a session's terminal: a headless xterm.js fed with every output
// byte, in order, so the current screen (alternate screen, modes, cursor and recent scrollback)
// can be serialized at any time. A snapshot is what a viewer gets instead of a raw replay of old
// output: raw history may hold terminal queries (device attributes, cursor position, OSC colour
// requests) that a fresh browser terminal would answer again, typing the answers into the shell;
// the serialized screen holds none.
//
// The emulator parses asynchronously, in slices, so it may lag behind the bytes written to it.
// Every write's callback advances `parsed`; a snapshot is taken in the callback of an empty write
// queued behind everything written so far, so it renders exactly the bytes up to its `offset`.
// Answers the emulator generates for queries are dropped (its onData is never subscribed).
import { createRequire } from 'node:module';
import type * as SerializeModule from '@xterm/addon-serialize';
import type * as HeadlessModule from '@xterm/headless';

// Both packages are CommonJS without named ESM exports; require() loads them the same way under
// Node, tsx and vitest.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof HeadlessModule;
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof SerializeModule;

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
  private readonly terminal: HeadlessModule.Terminal;
  private readonly serializer: SerializeModule.SerializeAddon;
  private readonly scrollback: number;
  private queued = 0;
  private parsed = 0;
  /** Bumped by every resize, so a cached snapshot is never served across one. */
  private generation = 0;
  private sizeSeq = 0;
  private cached: { parsed: number; generation: number; snapshot: ScreenSnapshot } | undefined;
  private pending: Promise<ScreenSnapshot> | undefined;
  private rejectPending: ((error: Error) => void) | undefined;
  private drainWaiter: { below: number; resolve: () => void } | undefined;
  private disposed = false;

  constructor(options: TerminalScreenOptions) {
    this.scrollback = options.scrollback ?? 1000;
    this.terminal = new Terminal({
      cols: options.cols,
      rows: options.rows,
      scrollback: this.scrollback,
      allowProposedApi: true,
      logLevel: 'off',
    });
    this.serializer = new SerializeAddon();
    // The addon's typings name the browser Terminal; the headless one has the same addon API.
    this.terminal.loadAddon(this.serializer as unknown as HeadlessModule.ITerminalAddon);
  }

  /** Bytes written but not parsed yet. */
  get backlog(): number {
    return this.queued - this.parsed;
  }

  get cols(): number {
    return this.terminal.cols;
  }

  get rows(): number {
    return this.terminal.rows;
  }

  write(data: Uint8Array): void {
    if (this.disposed || data.length === 0) return;
    const length = data.length;
    this.queued += length;
    this.terminal.write(data, () => {
      this.parsed += length;
      const waiter = this.drainWaiter;
      if (waiter && this.backlog <= waiter.below) {
        this.drainWaiter = undefined;
        waiter.resolve();
      }
    });
  }

  /**
   * Resizes at the current point of the stream: after every byte written so far is parsed.
   * Snapshots taken after it report `seq`.
   */
  resize(cols: number, rows: number, seq: number): void {
    if (this.disposed) return;
    this.generation += 1;
    this.terminal.write('', () => {
      if (this.disposed) return;
      this.terminal.resize(cols, rows);
      this.sizeSeq = seq;
    });
  }

  /** Resolves once at most `below` bytes are left to parse (one waiter at a time). */
  drained(below: number): Promise<void> {
    if (this.backlog <= below || this.disposed) return Promise.resolve();
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
    const generation = this.generation;
    const cached = this.cached;
    if (cached && cached.parsed === this.queued && cached.generation === generation) {
      return Promise.resolve(cached.snapshot);
    }
    if (this.pending) return this.pending;
    const pending = new Promise<ScreenSnapshot>((resolve, reject) => {
      this.rejectPending = reject;
      this.terminal.write('', () => {
        this.pending = undefined;
        this.rejectPending = undefined;
        if (this.disposed) {
          reject(new Error('The terminal screen is closed.'));
          return;
        }
        const data = this.serializer.serialize({ scrollback: this.scrollback });
        const snapshot: ScreenSnapshot = {
          offset: this.parsed,
          data,
          cols: this.terminal.cols,
          rows: this.terminal.rows,
          sizeSeq: this.sizeSeq,
        };
        this.cached = { parsed: this.parsed, generation: this.generation, snapshot };
        resolve(snapshot);
      });
    });
    this.pending = pending;
    return pending;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.drainWaiter?.resolve();
    this.drainWaiter = undefined;
    this.rejectPending?.(new Error('The terminal screen is closed.'));
    this.pending = undefined;
    this.terminal.dispose();
  }
}
