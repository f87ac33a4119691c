// proto/agent/v1/terminal.proto's messages as @grpc/proto-loader hands them over (camelCase,
// defaults filled in, enums as strings, 64-bit numbers as JS numbers; unset oneof members and
// proto3 `optional` fields are absent), and their translation to and from the session types.
import type { CreateTerminalRequest } from './session-manager';
import type { ExitReason, SessionEvent, SessionExit, SessionInfo, ViewerInfo } from './session';

export interface WireCreateRequest {
  container: string;
  command: string[];
  cols: number;
  rows: number;
  title: string;
  env: Record<string, string>;
  user: string;
  workingDir: string;
  ownerId: string;
  idleTimeoutSeconds: number;
}

export interface WireAttachOpen {
  sessionId: string;
  viewerId: string;
  userId: string;
  readOnly: boolean;
  resumeOffset?: number | null;
  cols: number;
  rows: number;
}

export interface WireAttachRequest {
  open?: WireAttachOpen | null;
  input?: Buffer | null;
  resize?: { cols: number; rows: number } | null;
  ack?: number | null;
  detach?: object | null;
  /** Which member of the oneof is set. */
  message?: 'open' | 'input' | 'resize' | 'ack' | 'detach';
}

interface WireViewer {
  viewerId: string;
  userId: string;
  readOnly: boolean;
  driver: boolean;
  attachedAtUnixMs: number;
}

interface WireExit {
  code?: number;
  signal: string;
  reason: string;
  atUnixMs: number;
}

export interface WireInfo {
  id: string;
  title: string;
  command: string[];
  container: string;
  ownerId: string;
  user: string;
  workingDir: string;
  createdAtUnixMs: number;
  lastActivityAtUnixMs: number;
  cols: number;
  rows: number;
  viewers: WireViewer[];
  state: string;
  exit?: WireExit;
  idleTimeoutSeconds: number;
  outputOffset: number;
  windowStart: number;
}

export type WireAttachEvent = Record<string, unknown>;

const EXIT_REASON: Record<ExitReason, string> = {
  exited: 'TERMINAL_EXIT_REASON_EXITED',
  closed: 'TERMINAL_EXIT_REASON_CLOSED',
  idle_timeout: 'TERMINAL_EXIT_REASON_IDLE_TIMEOUT',
  engine_lost: 'TERMINAL_EXIT_REASON_ENGINE_LOST',
  agent_shutdown: 'TERMINAL_EXIT_REASON_AGENT_SHUTDOWN',
};

export function fromWireCreate(wire: WireCreateRequest): CreateTerminalRequest {
  return {
    container: wire.container,
    command: wire.command,
    cols: wire.cols,
    rows: wire.rows,
    title: wire.title,
    env: wire.env,
    user: wire.user,
    workingDir: wire.workingDir,
    ownerId: wire.ownerId,
    idleTimeoutSeconds: wire.idleTimeoutSeconds,
  };
}

function toWireViewer(viewer: ViewerInfo): WireViewer {
  return {
    viewerId: viewer.viewerId,
    userId: viewer.userId,
    readOnly: viewer.readOnly,
    driver: viewer.driver,
    attachedAtUnixMs: viewer.attachedAt.getTime(),
  };
}

function toWireExit(exit: SessionExit): WireExit {
  return {
    ...(exit.code === undefined ? {} : { code: exit.code }),
    signal: exit.signal ?? '',
    reason: EXIT_REASON[exit.reason],
    atUnixMs: exit.at.getTime(),
  };
}

export function toWireInfo(info: SessionInfo): WireInfo {
  return {
    id: info.id,
    title: info.title,
    command: info.command,
    container: info.container,
    ownerId: info.ownerId,
    user: info.user,
    workingDir: info.workingDir,
    createdAtUnixMs: info.createdAt.getTime(),
    lastActivityAtUnixMs: info.lastActivityAt.getTime(),
    cols: info.cols,
    rows: info.rows,
    viewers: info.viewers.map(toWireViewer),
    state: info.state === 'running' ? 'TERMINAL_STATE_RUNNING' : 'TERMINAL_STATE_EXITED',
    ...(info.exit ? { exit: toWireExit(info.exit) } : {}),
    idleTimeoutSeconds: info.idleTimeoutSeconds,
    outputOffset: info.outputOffset,
    windowStart: info.windowStart,
  };
}

export function toWireEvent(event: SessionEvent): WireAttachEvent {
  switch (event.type) {
    case 'attached':
      return {
        attached: {
          session: toWireInfo(event.session),
          viewerId: event.viewerId,
          readOnly: event.readOnly,
          driver: event.driver,
          ackBudgetBytes: event.ackBudgetBytes,
        },
      };
    case 'output':
      return { output: { offset: event.offset, data: event.data } };
    case 'snapshot':
      return {
        snapshot: { offset: event.offset, data: event.data, cols: event.cols, rows: event.rows },
      };
    case 'size':
      return { size: { cols: event.cols, rows: event.rows } };
    case 'viewers':
      return {
        viewers: { count: event.viewers.length, viewers: event.viewers.map(toWireViewer) },
      };
    case 'exit':
      return { exit: toWireExit(event.exit) };
    case 'error':
      return { error: { code: event.code, message: event.message } };
    case 'detached':
      return {
        detached: {
          reason:
            event.reason === 'replaced'
              ? 'TERMINAL_DETACH_REASON_REPLACED'
              : 'TERMINAL_DETACH_REASON_REQUESTED',
        },
      };
  }
}
