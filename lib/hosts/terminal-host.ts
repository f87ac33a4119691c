// TerminalHost — the control plane's view of the terminal sessions on one host's agent, reached
// only over proto/agent/v1/terminal.proto. Sessions live on the agent: `create` starts one in a
// workspace container, `list`/`get`/`close` manage it, and `attach` connects one viewer, which
// resumes by byte offset, gets a snapshot of the screen when it has no usable offset, and must
// acknowledge the output it has consumed (flow control). Unary calls have a deadline; attachments
// have none and end with `failed` (UNAVAILABLE) when keepalive finds the agent gone. Failures are
// AppErrors: INVALID (fields named), NOT_FOUND (no such container or session), CONFLICT (container
// stopped, or the host's session limit), UNAUTHENTICATED, UNAVAILABLE, INTERNAL.
// The model is described in docs/terminal-protocol.md.
import type { AppError } from '../errors';

export type TerminalState = 'running' | 'exited';

export type TerminalExitReason =
  'exited' | 'closed' | 'idle_timeout' | 'engine_lost' | 'agent_shutdown' | 'unknown';

export interface TerminalViewer {
  viewerId: string;
  userId: string;
  readOnly: boolean;
  /** Its resizes set the terminal's size. */
  driver: boolean;
  attachedAt: Date;
}

export interface TerminalExit {
  /** The exit code (128+N after signal N); unset when the agent could not learn it. */
  code?: number;
  /** SIGHUP or SIGKILL when the agent ended the process. */
  signal?: string;
  reason: TerminalExitReason;
  at: Date;
}

export interface TerminalInfo {
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
  viewers: TerminalViewer[];
  state: TerminalState;
  exit?: TerminalExit;
  idleTimeoutSeconds: number;
  /** Bytes of output so far (the offset of the next byte). */
  outputOffset: number;
  /** The oldest offset the agent can still resume from. */
  windowStart: number;
}

export interface CreateTerminalOptions {
  /** The workspace container's name. */
  container: string;
  /** Default: the first of /bin/zsh, /bin/bash, /bin/sh in the container, as a login shell. */
  command?: string[];
  /** Default 80×24. */
  cols?: number;
  rows?: number;
  /** Default: the command's program name. */
  title?: string;
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  /** The control plane's user id: viewers attaching as this user drive the size. */
  ownerId?: string;
  /** Closed after this long without viewers; default: the agent's (30 minutes). */
  idleTimeoutSeconds?: number;
}

export interface AttachTerminalOptions {
  /** Unique per connection (e.g. a browser tab); re-attaching with it replaces the older one. */
  viewerId: string;
  /** The user behind the viewer; default: viewerId. */
  userId?: string;
  readOnly?: boolean;
  /** The end offset of the output this viewer has processed; unset: start with a snapshot. */
  resumeOffset?: number;
  /** The viewer's size (applied to the TTY when the viewer is a driver). */
  cols?: number;
  rows?: number;
}

/** Events of one attachment, in the agent's order. */
export type TerminalEvent =
  | {
      type: 'attached';
      session: TerminalInfo;
      viewerId: string;
      readOnly: boolean;
      driver: boolean;
      /** Unacknowledged output bytes allowed before output to this viewer pauses. */
      ackBudgetBytes: number;
    }
  /** Raw output bytes from `offset`; decode UTF-8 as a stream (a character may be split). */
  | { type: 'output'; offset: number; data: Buffer }
  /** Reset the terminal, resize it to cols×rows, write `data`; output continues from `offset`. */
  | { type: 'snapshot'; offset: number; data: string; cols: number; rows: number }
  /** The authoritative size, before the output produced at it. */
  | { type: 'size'; cols: number; rows: number }
  | { type: 'viewers'; viewers: TerminalViewer[] }
  /** The process ended; the attachment ends after it. */
  | { type: 'exit'; exit: TerminalExit }
  /** A refused request (e.g. input from a read-only viewer); the attachment goes on. */
  | { type: 'error'; code: string; message: string }
  /** The agent detached this viewer (asked for, or replaced by a newer attachment). */
  | { type: 'detached'; reason: 'requested' | 'replaced' };

export type TerminalAttachmentEnd =
  | { reason: 'exited'; exit: TerminalExit }
  | { reason: 'detached' }
  | { reason: 'replaced' }
  | { reason: 'failed'; error: AppError };

export interface TerminalAttachment {
  /**
   * Calls `listener` with every event from now on. Events that arrived before the first listener
   * are delivered to it; later listeners first get the latest `attached`, `size`, `viewers` and
   * `exit` (state, not output).
   */
  onEvent(listener: (event: TerminalEvent) => void): void;
  /** Input for the process (refused by the agent for read-only viewers). */
  write(data: Uint8Array | string): void;
  resize(cols: number, rows: number): void;
  /** All output before `offset` has been consumed: lets the agent send more. */
  ack(offset: number): void;
  /** Leaves the session (it keeps running); `ended` then resolves with `detached`. */
  detach(): void;
  /** Settles once: exited, detached, replaced, or failed (never rejects). */
  readonly ended: Promise<TerminalAttachmentEnd>;
}

export interface TerminalHost {
  create(options: CreateTerminalOptions): Promise<TerminalInfo>;
  /** Running sessions and recently exited ones, oldest first. */
  list(filter?: { container?: string; ownerId?: string }): Promise<TerminalInfo[]>;
  get(id: string): Promise<TerminalInfo>;
  /** Ends the session's process; resolves with the session as it ended. */
  close(id: string): Promise<TerminalInfo>;
  attach(sessionId: string, options: AttachTerminalOptions): TerminalAttachment;
}
