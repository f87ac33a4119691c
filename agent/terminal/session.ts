// One terminal session on the agent: a process with a TTY in a workspace container (through the
// ContainerRuntime's exec), the last `windowBytes` of its output addressed by absolute byte offset
// (OutputRing), and a headless emulator fed with the same bytes (TerminalScreen) for snapshots.
// Output goes into the window and the emulator, and each viewer is fed from the window at its own
// pace — by the transport's backpressure and by its budget of unacknowledged bytes. A viewer whose
// next byte has left the window gets a snapshot of the screen and continues from the snapshot's
// offset.
//
// Pacing: like a terminal over ssh, the process writes no faster than its owner reads — output
// from the process waits while the most advanced driving viewer is about to fall out of the window,
// so a flood reaches a driver whole instead of as snapshots. Only drivers pace, only the fastest of
// them counts, and only while it keeps up: a driver that, while the process waits for it, does not
// read a quarter of the window within `paceLimitMs` stops pacing (until it has caught up again,
// e.g. after its snapshot). So a slow or stalled viewer costs the process at most one such wait,
// read-only viewers never hold it up, and no viewer holds up another. The process also waits
// while the emulator lags a quarter window behind (snapshots must stay within the window).
//
// Viewers: drivers (writable, and the owner's user — or anyone writable when the session has no
// owner) set the TTY's size; others get the authoritative size and letterbox. Read-only viewers'
// input is refused with an `error` event and never written. Size changes are recorded at the
// offset where they happened and delivered to each viewer in stream order, before the output
// produced at the new size.
//
// Lifetime: the session ends when its process exits, when it is closed, or when no viewer has
// been attached for the idle timeout; it then stays (state `exited`, with the exit) for
// `exitedRetentionMs`, so a reconnecting viewer learns how it ended, and is removed.
import { AppError, type ErrorCode } from '../../lib/errors';
import type { ContainerRuntime, ExecProcess } from '../runtime/container-runtime';
import { OutputRing } from './output-ring';
import { TerminalScreen } from './screen';

export type SessionState = 'running' | 'exited';

export type ExitReason = 'exited' | 'closed' | 'idle_timeout' | 'engine_lost' | 'agent_shutdown';

export interface SessionExit {
  /** As the engine reports it (128+N after signal N); unset when it could not be learnt. */
  code?: number;
  /** SIGHUP or SIGKILL when the agent ended the process. */
  signal?: string;
  reason: ExitReason;
  at: Date;
}

export interface ViewerInfo {
  viewerId: string;
  userId: string;
  readOnly: boolean;
  driver: boolean;
  attachedAt: Date;
}

export interface SessionInfo {
  id: string;
  title: string;
  command: string[];
  container: string;
  ownerId: string;
  user: string;
  workingDir: string;
  createdAt: Date;
  lastActivityAt: Date;
  cols: number;
  rows: number;
  viewers: ViewerInfo[];
  state: SessionState;
  exit?: SessionExit;
  idleTimeoutSeconds: number;
  /** Bytes of output so far (the offset of the next byte). */
  outputOffset: number;
  /** The oldest offset still in the window. */
  windowStart: number;
}

export type DetachReason = 'requested' | 'replaced';

/** What a viewer receives, in order. */
export type SessionEvent =
  | {
      type: 'attached';
      session: SessionInfo;
      viewerId: string;
      readOnly: boolean;
      driver: boolean;
      ackBudgetBytes: number;
    }
  | { type: 'output'; offset: number; data: Buffer }
  | { type: 'snapshot'; offset: number; data: string; cols: number; rows: number }
  | { type: 'size'; cols: number; rows: number }
  | { type: 'viewers'; viewers: ViewerInfo[] }
  | { type: 'exit'; exit: SessionExit }
  | { type: 'error'; code: ErrorCode; message: string }
  | { type: 'detached'; reason: DetachReason };

/** Where one viewer's events go (its Attach stream). */
export interface ViewerSink {
  /** Sends one event; false when the transport is full (more waits for `onDrain`). */
  send(event: SessionEvent): boolean;
  /** Calls `listener` once when the transport can take more. */
  onDrain(listener: () => void): void;
  /** The last event has been sent: finish the transport. */
  end(): void;
}

export interface AttachOptions {
  viewerId: string;
  /** Compared with the session's owner; default: the viewer id. */
  userId?: string;
  readOnly: boolean;
  /** The offset the viewer has output up to; unset: a fresh viewer (snapshot when any history). */
  resumeOffset?: number;
  /** The viewer's size; a driver's is applied to the TTY. */
  cols?: number;
  rows?: number;
}

/** A viewer's requests to its session. */
export interface ViewerHandle {
  readonly driver: boolean;
  write(data: Buffer): void;
  resize(cols: number, rows: number): void;
  ack(offset: number): void;
  /** Leaves with a `detached` event and ends the sink. */
  detach(): void;
  /** The transport is gone: forget the viewer without sending anything. */
  drop(): void;
}

export interface SessionConfig {
  id: string;
  container: string;
  command: string[];
  title: string;
  ownerId: string;
  user: string;
  workingDir: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  idleTimeoutMs: number;
  windowBytes: number;
  ackBudgetBytes: number;
  scrollback: number;
  exitedRetentionMs: number;
  maxViewers: number;
  /** How long the process waits for its pacing drivers to catch up before going on without them. */
  paceLimitMs: number;
}

export interface SessionHooks {
  /** The session has been removed (after its retention, or closed while exited). */
  onRemoved(session: TerminalSession): void;
}

/** The most bytes in one output event. */
const MAX_CHUNK = 64 * 1024;
/** Size changes remembered per session beyond the window's (pathological resize storms). */
const MAX_SIZE_CHANGES = 1024;

interface SizeChange {
  seq: number;
  offset: number;
  cols: number;
  rows: number;
}

interface Viewer {
  key: number;
  viewerId: string;
  userId: string;
  readOnly: boolean;
  driver: boolean;
  attachedAt: Date;
  sink: ViewerSink;
  /** The offset of the next byte to send. */
  sent: number;
  /** Everything before this offset is acknowledged. */
  acked: number;
  /** The last size change delivered. */
  sizeSeq: number;
  waitingDrain: boolean;
  snapshotting: boolean;
  ended: boolean;
  /** A driver that kept up: the process waits for it (see Pacing above). */
  pacing: boolean;
}

let nextViewerKey = 1;

export class TerminalSession {
  readonly id: string;
  readonly config: SessionConfig;
  private readonly ring: OutputRing;
  private readonly screen: TerminalScreen;
  private readonly viewers = new Map<number, Viewer>();
  private readonly sizes: SizeChange[];
  private readonly createdAt = new Date();
  private lastActivity = Date.now();
  private process: ExecProcess | undefined;
  private state: SessionState = 'running';
  private exit: SessionExit | undefined;
  private closing: ExitReason | undefined;
  /** Why the process's output is paused: the emulator lags, or the pacing viewers do. */
  private readonly pausedFor = { screen: false, viewers: false };
  private paceTimer: NodeJS.Timeout | undefined;
  private feedScheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private removeTimer: NodeJS.Timeout | undefined;
  private removed = false;
  private readonly hooks: SessionHooks;
  private readonly exited: Promise<SessionExit>;
  private settleExit!: (exit: SessionExit) => void;

  private constructor(config: SessionConfig, hooks: SessionHooks) {
    this.id = config.id;
    this.config = config;
    this.hooks = hooks;
    this.ring = new OutputRing(config.windowBytes);
    this.screen = new TerminalScreen({
      cols: config.cols,
      rows: config.rows,
      scrollback: config.scrollback,
    });
    this.sizes = [{ seq: 0, offset: 0, cols: config.cols, rows: config.rows }];
    this.exited = new Promise((resolve) => (this.settleExit = resolve));
  }

  /** Starts the process; the session exists only once it runs. */
  static async start(
    runtime: ContainerRuntime,
    config: SessionConfig,
    hooks: SessionHooks,
  ): Promise<TerminalSession> {
    const session = new TerminalSession(config, hooks);
    let exec: ExecProcess;
    try {
      exec = await runtime.exec(
        config.container,
        {
          command: config.command,
          tty: true,
          cols: config.cols,
          rows: config.rows,
          env: config.env,
          ...(config.user ? { user: config.user } : {}),
          ...(config.workingDir ? { workingDir: config.workingDir } : {}),
        },
        (data) => session.onOutput(data),
      );
    } catch (error) {
      session.screen.dispose();
      throw error;
    }
    session.process = exec;
    if (session.pausedFor.screen || session.pausedFor.viewers) exec.pauseOutput();
    exec.exited.then(
      ({ exitCode }) => session.finish(exitCode),
      () => session.finish(undefined),
    );
    session.armIdleTimer();
    return session;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  info(): SessionInfo {
    const size = this.currentSize();
    return {
      id: this.id,
      title: this.config.title,
      command: [...this.config.command],
      container: this.config.container,
      ownerId: this.config.ownerId,
      user: this.config.user,
      workingDir: this.config.workingDir,
      createdAt: this.createdAt,
      lastActivityAt: new Date(this.lastActivity),
      cols: size.cols,
      rows: size.rows,
      viewers: this.viewerList(),
      state: this.state,
      ...(this.exit ? { exit: this.exit } : {}),
      idleTimeoutSeconds: Math.round(this.config.idleTimeoutMs / 1000),
      outputOffset: this.ring.end,
      windowStart: this.ring.start,
    };
  }

  /**
   * Ends the process (SIGHUP, then SIGKILL) and resolves with the exit once known, or after
   * `waitMs` with the session as it is. An exited session is removed at once.
   */
  async close(reason: ExitReason, waitMs = 3_000): Promise<SessionInfo> {
    if (this.state === 'exited') {
      const info = this.info();
      this.remove();
      return info;
    }
    this.closing ??= reason;
    this.process?.kill();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    return this.info();
  }

  attach(options: AttachOptions, sink: ViewerSink): ViewerHandle {
    if (this.removed) throw new AppError('NOT_FOUND', `No terminal session "${this.id}".`);
    for (const other of this.viewers.values()) {
      if (other.viewerId === options.viewerId) this.endViewer(other, 'replaced');
    }
    if (this.viewers.size >= this.config.maxViewers) {
      throw new AppError(
        'CONFLICT',
        `The terminal session already has ${this.config.maxViewers} viewers, its limit.`,
      );
    }
    const userId = options.userId || options.viewerId;
    const driver =
      !options.readOnly && (this.config.ownerId === '' || this.config.ownerId === userId);
    const viewer: Viewer = {
      key: nextViewerKey++,
      viewerId: options.viewerId,
      userId,
      readOnly: options.readOnly,
      driver,
      attachedAt: new Date(),
      sink,
      sent: 0,
      acked: 0,
      sizeSeq: -1,
      waitingDrain: false,
      snapshotting: false,
      ended: false,
      pacing: driver,
    };
    this.viewers.set(viewer.key, viewer);
    this.touch();
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;

    this.send(viewer, {
      type: 'attached',
      session: this.info(),
      viewerId: viewer.viewerId,
      readOnly: viewer.readOnly,
      driver,
      ackBudgetBytes: this.config.ackBudgetBytes,
    });
    const resume = options.resumeOffset;
    if (resume !== undefined && resume >= this.ring.start && resume <= this.ring.end) {
      this.position(viewer, resume);
    } else if (resume === undefined && this.ring.end === 0) {
      this.position(viewer, 0);
    } else {
      this.resync(viewer);
    }
    // After positioning: the new size applies from here on, for this viewer as for the others.
    if (driver && this.state === 'running' && validSize(options.cols, options.rows)) {
      this.applySize(options.cols!, options.rows!);
    }
    this.broadcastViewers();
    this.pump(viewer);
    return {
      driver,
      write: (data) => this.input(viewer, data),
      resize: (cols, rows) => this.resize(viewer, cols, rows),
      ack: (offset) => {
        if (viewer.ended || !(offset > viewer.acked)) return;
        viewer.acked = Math.min(offset, viewer.sent);
        this.pump(viewer);
        this.pace();
      },
      detach: () => this.endViewer(viewer, 'requested'),
      drop: () => this.endViewer(viewer, undefined),
    };
  }

  // --- output ---------------------------------------------------------------------------------

  private onOutput(data: Buffer): void {
    if (this.removed) return;
    this.ring.write(data);
    this.screen.write(data);
    this.touch();
    // The emulator must not fall a window behind (a snapshot's offset must stay in the window),
    // nor buffer without bound: when it lags, the process waits for it — for every viewer alike.
    const high = Math.max(MAX_CHUNK, this.config.windowBytes / 4);
    if (!this.pausedFor.screen && this.screen.backlog > high) {
      this.setPaused('screen', true);
      void this.screen.drained(high / 4).then(() => this.setPaused('screen', false));
    }
    // Viewers are fed once per turn: the engine hands a TTY's output over in pieces of a few
    // KiB, and those read in one turn go to each viewer together (in events of up to 64 KiB).
    if (!this.feedScheduled) {
      this.feedScheduled = true;
      setImmediate(() => {
        this.feedScheduled = false;
        for (const viewer of this.viewers.values()) this.pump(viewer);
        this.pace();
      });
    }
  }

  /**
   * Pauses the process's output while the most advanced pacing viewer has less than a quarter
   * window left before its next byte would leave the window; resumes once it has half a window.
   * A wait longer than `paceLimitMs` without that viewer getting there ends its pacing.
   */
  private pace(): void {
    let lag = Infinity;
    for (const viewer of this.viewers.values()) {
      if (viewer.ended) continue;
      if (!viewer.pacing && !viewer.snapshotting && viewer.sent >= this.ring.end) {
        viewer.pacing = viewer.driver; // caught up again
      }
      if (viewer.pacing && !viewer.snapshotting) lag = Math.min(lag, this.ring.end - viewer.sent);
    }
    const window = this.config.windowBytes;
    if (!this.pausedFor.viewers && lag !== Infinity && lag > window - window / 4) {
      this.setPaused('viewers', true);
      this.paceTimer = setTimeout(() => {
        this.paceTimer = undefined;
        for (const viewer of this.viewers.values()) viewer.pacing = false;
        this.setPaused('viewers', false);
      }, this.config.paceLimitMs);
      this.paceTimer.unref();
    } else if (this.pausedFor.viewers && (lag === Infinity || lag < window / 2)) {
      clearTimeout(this.paceTimer);
      this.paceTimer = undefined;
      this.setPaused('viewers', false);
    }
  }

  private setPaused(reason: keyof TerminalSession['pausedFor'], paused: boolean): void {
    const before = this.pausedFor.screen || this.pausedFor.viewers;
    this.pausedFor[reason] = paused;
    const after = this.pausedFor.screen || this.pausedFor.viewers;
    if (before && !after) this.process?.resumeOutput();
    if (!before && after) this.process?.pauseOutput();
  }

  /** Places a viewer at `offset` (its size as of there); the pump sends what follows. */
  private position(viewer: Viewer, offset: number): void {
    viewer.sent = offset;
    viewer.acked = offset;
    const size = this.sizeAt(offset);
    viewer.sizeSeq = size.seq;
    this.send(viewer, { type: 'size', cols: size.cols, rows: size.rows });
  }

  /** The viewer gets the screen as a snapshot, then output from the snapshot's offset. */
  private resync(viewer: Viewer): void {
    viewer.snapshotting = true;
    this.screen.snapshot().then(
      (snapshot) => {
        viewer.snapshotting = false;
        if (viewer.ended) return;
        viewer.sent = snapshot.offset;
        viewer.acked = snapshot.offset;
        viewer.sizeSeq = snapshot.sizeSeq;
        this.send(viewer, { type: 'size', cols: snapshot.cols, rows: snapshot.rows });
        this.send(viewer, {
          type: 'snapshot',
          offset: snapshot.offset,
          data: snapshot.data,
          cols: snapshot.cols,
          rows: snapshot.rows,
        });
        this.pump(viewer);
      },
      () => {
        viewer.snapshotting = false;
        if (viewer.ended) return;
        // The session was removed meanwhile: the viewer gets the exit.
        if (this.removed) {
          this.endViewer(viewer, undefined, true);
          return;
        }
        // The emulator is gone (it failed, or its thread died): there is no screen to give, and
        // old raw output is never replayed — the viewer is told and goes on live from here.
        this.send(viewer, {
          type: 'error',
          code: 'UNAVAILABLE',
          message:
            'The agent could not render this terminal’s screen; output continues from here (Ctrl-L redraws most programs).',
        });
        this.position(viewer, this.ring.end);
        this.pump(viewer);
      },
    );
  }

  /** Sends the viewer what it may have now: size changes, output within its budget, the exit. */
  private pump(viewer: Viewer): void {
    while (!viewer.ended && !viewer.snapshotting && !viewer.waitingDrain) {
      if (viewer.sent < this.ring.start) {
        // Fallen out of the window: a snapshot, but only once the viewer has acknowledged what it
        // was sent, so a viewer that never acks gets one budget of output and nothing more. All
        // but less than an eighth of the budget (64 KiB by default) counts as all: clients ack in
        // batches of that size (docs/terminal-protocol.md), and one that has processed everything
        // may be holding back a last partial batch until more output comes — which would never
        // come, so the viewer would stall for good.
        if (viewer.sent - viewer.acked < this.config.ackBudgetBytes / 8) {
          this.resync(viewer);
        }
        return;
      }
      const due = this.sizeDue(viewer);
      if (due) {
        viewer.sizeSeq = due.seq;
        this.send(viewer, { type: 'size', cols: due.cols, rows: due.rows });
        continue;
      }
      if (viewer.sent >= this.ring.end) {
        if (this.state === 'exited') this.endViewer(viewer, undefined, true);
        return;
      }
      const unacked = viewer.sent - viewer.acked;
      if (unacked >= this.config.ackBudgetBytes) return; // an ack carries on
      let to = Math.min(
        this.ring.end,
        viewer.sent + Math.min(MAX_CHUNK, this.config.ackBudgetBytes - unacked),
      );
      const next = this.sizes.find((s) => s.seq > viewer.sizeSeq && s.offset > viewer.sent);
      if (next) to = Math.min(to, next.offset);
      const offset = viewer.sent;
      const data = this.ring.read(offset, to);
      viewer.sent = to;
      this.send(viewer, { type: 'output', offset, data });
    }
  }

  private send(viewer: Viewer, event: SessionEvent): void {
    if (viewer.ended) return;
    if (!viewer.sink.send(event) && !viewer.waitingDrain) {
      viewer.waitingDrain = true;
      viewer.sink.onDrain(() => {
        viewer.waitingDrain = false;
        this.pump(viewer);
        if (this.pausedFor.viewers) this.pace();
      });
    }
  }

  // --- input and size -------------------------------------------------------------------------

  private input(viewer: Viewer, data: Buffer): void {
    if (viewer.ended || data.length === 0) return;
    if (viewer.readOnly) {
      this.send(viewer, {
        type: 'error',
        code: 'FORBIDDEN',
        message: 'This viewer is read-only: the input was not sent to the terminal.',
      });
      return;
    }
    if (this.state !== 'running' || !this.process) {
      this.send(viewer, {
        type: 'error',
        code: 'CONFLICT',
        message: 'The terminal session has ended: the input was not sent.',
      });
      return;
    }
    this.touch();
    this.process.write(data);
  }

  private resize(viewer: Viewer, cols: number, rows: number): void {
    if (viewer.ended) return;
    if (!validSize(cols, rows)) {
      this.send(viewer, {
        type: 'error',
        code: 'INVALID',
        message: 'A terminal size is a whole number of columns and rows from 1 to 10000.',
      });
      return;
    }
    if (viewer.driver && this.state === 'running' && this.applySize(cols, rows)) return;
    // Not a driver (or no change): the viewer learns the size it must letterbox to.
    const size = this.currentSize();
    this.send(viewer, { type: 'size', cols: size.cols, rows: size.rows });
  }

  /** Resizes the TTY and the emulator at the current offset; false when nothing changed. */
  private applySize(cols: number, rows: number): boolean {
    const current = this.currentSize();
    if (current.cols === cols && current.rows === rows) return false;
    this.sizes.push({ seq: current.seq + 1, offset: this.ring.end, cols, rows });
    this.pruneSizes();
    this.process?.resize(cols, rows);
    this.screen.resize(cols, rows, current.seq + 1);
    this.touch();
    for (const viewer of this.viewers.values()) this.pump(viewer);
    return true;
  }

  private currentSize(): SizeChange {
    return this.sizes[this.sizes.length - 1]!;
  }

  /** The size in effect at `offset`. */
  private sizeAt(offset: number): SizeChange {
    let at = this.sizes[0]!;
    for (const size of this.sizes) {
      if (size.offset <= offset) at = size;
      else break;
    }
    return at;
  }

  /** The latest size change the viewer has not had and that applies at its position. */
  private sizeDue(viewer: Viewer): SizeChange | undefined {
    const at = this.sizeAt(viewer.sent);
    return at.seq > viewer.sizeSeq ? at : undefined;
  }

  /** Keeps the last change at or before the window's start, and everything after it. */
  private pruneSizes(): void {
    const start = this.ring.start;
    let keepFrom = 0;
    for (let i = 0; i < this.sizes.length; i += 1) {
      if (this.sizes[i]!.offset <= start) keepFrom = i;
    }
    keepFrom = Math.max(keepFrom, this.sizes.length - MAX_SIZE_CHANGES);
    if (keepFrom > 0) this.sizes.splice(0, keepFrom);
  }

  // --- viewers and lifetime -------------------------------------------------------------------

  private viewerList(): ViewerInfo[] {
    return [...this.viewers.values()].map((v) => ({
      viewerId: v.viewerId,
      userId: v.userId,
      readOnly: v.readOnly,
      driver: v.driver,
      attachedAt: v.attachedAt,
    }));
  }

  private broadcastViewers(): void {
    const viewers = this.viewerList();
    for (const viewer of this.viewers.values()) this.send(viewer, { type: 'viewers', viewers });
  }

  /** Ends one viewer: with `detached` (asked, replaced), after `exit`, or silently (gone). */
  private endViewer(viewer: Viewer, reason: DetachReason | undefined, exit = false): void {
    if (viewer.ended) return;
    if (exit && this.exit) this.send(viewer, { type: 'exit', exit: this.exit });
    else if (reason) this.send(viewer, { type: 'detached', reason });
    viewer.ended = true;
    this.viewers.delete(viewer.key);
    if (exit || reason) viewer.sink.end();
    this.touch();
    this.broadcastViewers();
    this.armIdleTimer();
    if (this.pausedFor.viewers) this.pace();
  }

  private armIdleTimer(): void {
    if (this.state !== 'running' || this.viewers.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.viewers.size === 0) void this.close('idle_timeout');
    }, this.config.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private finish(code: number | undefined): void {
    if (this.state === 'exited') return;
    const reason: ExitReason = this.closing ?? (code === undefined ? 'engine_lost' : 'exited');
    const signal = this.closing && code !== undefined ? (code === 137 ? 'SIGKILL' : 'SIGHUP') : '';
    this.state = 'exited';
    this.exit = {
      ...(code === undefined ? {} : { code }),
      ...(signal ? { signal } : {}),
      reason,
      at: new Date(),
    };
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.settleExit(this.exit);
    // Each viewer gets the exit once it has been sent all output (see pump).
    for (const viewer of this.viewers.values()) this.pump(viewer);
    this.removeTimer = setTimeout(() => this.remove(), this.config.exitedRetentionMs);
    this.removeTimer.unref();
  }

  /** Forgets the session: viewers still behind get the exit now. */
  private remove(): void {
    if (this.removed) return;
    this.removed = true;
    clearTimeout(this.removeTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.paceTimer);
    for (const viewer of [...this.viewers.values()]) this.endViewer(viewer, undefined, true);
    this.screen.dispose();
    this.hooks.onRemoved(this);
  }

  private touch(): void {
    this.lastActivity = Date.now();
  }
}

function validSize(cols: number | undefined, rows: number | undefined): boolean {
  const ok = (n: number | undefined) => Number.isInteger(n) && n! >= 1 && n! <= 10_000;
  return ok(cols) && ok(rows);
}
