// TerminalHost over gRPC (@grpc/grpc-js), with GrpcHostAgent's conventions: loads
// proto/agent/v1/terminal.proto, sends the host's credential as `authorization: Bearer …` on every
// call, gives unary calls a deadline, maps the agent's status to AppErrors (grpc-errors.ts), and
// runs keepalive pings (every 10 s, 5 s to answer, also while idle) so an attachment to an agent
// that vanished ends with UNAVAILABLE. Its channel has a larger HTTP/2 receive window than
// GrpcHostAgent's, so terminals get their own connection to the agent (exec and watch streams do
// not queue behind terminal output); all TerminalHosts for one address share it (grpc-js's
// subchannel pool).
import * as grpc from '@grpc/grpc-js';
import { AgentConnection, type AgentConnectionOptions } from './grpc-service-client';
import { AppError } from '../errors';
import { toAppError } from './grpc-errors';
import type {
  AttachTerminalOptions,
  CreateTerminalOptions,
  TerminalAttachment,
  TerminalAttachmentEnd,
  TerminalEvent,
  TerminalExit,
  TerminalExitReason,
  TerminalHost,
  TerminalInfo,
  TerminalViewer,
} from './terminal-host';

/** After detach(), how long the agent has to end the stream before the call is cancelled. */
const DETACH_GRACE_MS = 2_000;
const FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

export type GrpcTerminalHostOptions = AgentConnectionOptions;

interface WireViewer {
  viewerId: string;
  userId: string;
  readOnly: boolean;
  driver: boolean;
  attachedAtUnixMs: number;
}

interface WireExit {
  code?: number | null;
  signal: string;
  reason: string;
  atUnixMs: number;
}

interface WireInfo {
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
  exit?: WireExit | null;
  idleTimeoutSeconds: number;
  outputOffset: number;
  windowStart: number;
}

interface WireEvent {
  attached?: {
    session: WireInfo | null;
    viewerId: string;
    readOnly: boolean;
    driver: boolean;
    ackBudgetBytes: number;
  } | null;
  output?: { offset: number; data: Buffer } | null;
  snapshot?: { offset: number; data: string; cols: number; rows: number } | null;
  size?: { cols: number; rows: number } | null;
  viewers?: { count: number; viewers: WireViewer[] } | null;
  exit?: WireExit | null;
  error?: { code: string; message: string } | null;
  detached?: { reason: string } | null;
}

const EXIT_REASONS: Record<string, TerminalExitReason> = {
  TERMINAL_EXIT_REASON_EXITED: 'exited',
  TERMINAL_EXIT_REASON_CLOSED: 'closed',
  TERMINAL_EXIT_REASON_IDLE_TIMEOUT: 'idle_timeout',
  TERMINAL_EXIT_REASON_ENGINE_LOST: 'engine_lost',
  TERMINAL_EXIT_REASON_AGENT_SHUTDOWN: 'agent_shutdown',
};

function fromWireViewer(wire: WireViewer): TerminalViewer {
  return {
    viewerId: wire.viewerId,
    userId: wire.userId,
    readOnly: wire.readOnly,
    driver: wire.driver,
    attachedAt: new Date(wire.attachedAtUnixMs),
  };
}

function fromWireExit(wire: WireExit): TerminalExit {
  return {
    ...(typeof wire.code === 'number' ? { code: wire.code } : {}),
    ...(wire.signal ? { signal: wire.signal } : {}),
    reason: EXIT_REASONS[wire.reason] ?? 'unknown',
    at: new Date(wire.atUnixMs),
  };
}

function fromWireInfo(wire: WireInfo): TerminalInfo {
  return {
    id: wire.id,
    title: wire.title,
    command: [...wire.command],
    container: wire.container,
    ownerId: wire.ownerId,
    user: wire.user,
    workingDir: wire.workingDir,
    createdAt: new Date(wire.createdAtUnixMs),
    lastActivityAt: new Date(wire.lastActivityAtUnixMs),
    cols: wire.cols,
    rows: wire.rows,
    viewers: wire.viewers.map(fromWireViewer),
    state: wire.state === 'TERMINAL_STATE_EXITED' ? 'exited' : 'running',
    ...(wire.exit ? { exit: fromWireExit(wire.exit) } : {}),
    idleTimeoutSeconds: wire.idleTimeoutSeconds,
    outputOffset: wire.outputOffset,
    windowStart: wire.windowStart,
  };
}

function fromWireEvent(wire: WireEvent): TerminalEvent | undefined {
  if (wire.output) {
    // No copy: the decoder hands each message's bytes over as a view of that message alone.
    return { type: 'output', offset: wire.output.offset, data: wire.output.data };
  }
  if (wire.snapshot) return { type: 'snapshot', ...wire.snapshot };
  if (wire.size) return { type: 'size', cols: wire.size.cols, rows: wire.size.rows };
  if (wire.attached?.session) {
    const a = wire.attached;
    return {
      type: 'attached',
      session: fromWireInfo(a.session!),
      viewerId: a.viewerId,
      readOnly: a.readOnly,
      driver: a.driver,
      ackBudgetBytes: a.ackBudgetBytes,
    };
  }
  if (wire.viewers) return { type: 'viewers', viewers: wire.viewers.viewers.map(fromWireViewer) };
  if (wire.exit) return { type: 'exit', exit: fromWireExit(wire.exit) };
  if (wire.error) return { type: 'error', code: wire.error.code, message: wire.error.message };
  if (wire.detached) {
    return {
      type: 'detached',
      reason: wire.detached.reason === 'TERMINAL_DETACH_REASON_REPLACED' ? 'replaced' : 'requested',
    };
  }
  return undefined;
}

/** Calls `settle(status)` once the stream has both ended and reported its status. */
function onFinished(
  call: grpc.ClientDuplexStream<object, WireEvent>,
  settle: (status: grpc.StatusObject) => void,
): void {
  let status: grpc.StatusObject | undefined;
  let ended = false;
  const maybe = () => {
    if (status && ended) settle(status);
  };
  call.on('error', () => undefined); // the same failure arrives as 'status'
  call.on('status', (s: grpc.StatusObject) => {
    status = s;
    maybe();
  });
  call.on('end', () => {
    ended = true;
    maybe();
  });
}

export class GrpcTerminalHost implements TerminalHost {
  private readonly agent: AgentConnection;

  constructor(options: GrpcTerminalHostOptions) {
    this.agent = new AgentConnection('Terminals', options, {
      // HTTP/2's default 64 KiB receive window caps output at 64 KiB per round trip, below what a
      // TTY streams when the agent's event loop is busy; the agent's ack budget bounds what each
      // attachment may have in flight anyway (this client always reads).
      'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
      // Attach streams are never retried, and every keystroke crosses this channel twice: no
      // retry buffering or channelz accounting on its path.
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
    });
  }

  async create(options: CreateTerminalOptions): Promise<TerminalInfo> {
    const wire = await this.agent.unary<WireInfo>('Create', {
      container: options.container,
      command: options.command ?? [],
      cols: options.cols ?? 0,
      rows: options.rows ?? 0,
      title: options.title ?? '',
      env: options.env ?? {},
      user: options.user ?? '',
      workingDir: options.workingDir ?? '',
      ownerId: options.ownerId ?? '',
      idleTimeoutSeconds: options.idleTimeoutSeconds ?? 0,
    });
    return fromWireInfo(wire);
  }

  async list(filter: { container?: string; ownerId?: string } = {}): Promise<TerminalInfo[]> {
    const wire = await this.agent.unary<{ terminals: WireInfo[] }>('List', {
      container: filter.container ?? '',
      ownerId: filter.ownerId ?? '',
    });
    return wire.terminals.map(fromWireInfo);
  }

  async get(id: string): Promise<TerminalInfo> {
    return fromWireInfo(await this.agent.unary<WireInfo>('Get', { id }));
  }

  async close(id: string): Promise<TerminalInfo> {
    return fromWireInfo(await this.agent.unary<WireInfo>('Close', { id }));
  }

  attach(sessionId: string, options: AttachTerminalOptions): TerminalAttachment {
    const method = (this.agent.client as unknown as Record<string, (...args: unknown[]) => unknown>)
      .Attach!;
    const call = method.call(
      this.agent.client,
      this.agent.metadata(),
      {},
    ) as grpc.ClientDuplexStream<object, WireEvent>;
    const address = this.agent.address;
    const listeners: ((event: TerminalEvent) => void)[] = [];
    // Everything before the first listener; afterwards only the latest state, for late listeners.
    const early: TerminalEvent[] = [];
    const state = new Map<TerminalEvent['type'], TerminalEvent>();
    let exit: TerminalExit | undefined;
    let detachedBy: 'requested' | 'replaced' | undefined;
    let leaving = false;
    let done = false;

    const send = (message: object) => {
      if (!done && !leaving) call.write(message);
    };

    call.on('data', (wire: WireEvent) => {
      const event = fromWireEvent(wire);
      if (!event || leaving) return;
      if (event.type === 'exit') exit = event.exit;
      if (event.type === 'detached') detachedBy = event.reason;
      if (['attached', 'size', 'viewers', 'exit'].includes(event.type))
        state.set(event.type, event);
      if (listeners.length === 0) early.push(event);
      for (const listener of listeners) listener(event);
    });

    let graceTimer: NodeJS.Timeout | undefined;
    const ended = new Promise<TerminalAttachmentEnd>((resolve) => {
      onFinished(call, (status) => {
        done = true;
        clearTimeout(graceTimer);
        if (exit) resolve({ reason: 'exited', exit });
        else if (leaving || detachedBy === 'requested') resolve({ reason: 'detached' });
        else if (detachedBy === 'replaced') resolve({ reason: 'replaced' });
        else if (status.code === grpc.status.OK) {
          resolve({
            reason: 'failed',
            error: new AppError(
              'UNAVAILABLE',
              `The host agent at ${address} ended the terminal attachment without a reason.`,
            ),
          });
        } else {
          resolve({
            reason: 'failed',
            error: toAppError(status, { address, method: 'Terminals/Attach' }),
          });
        }
      });
    });

    send({
      open: {
        sessionId,
        viewerId: options.viewerId,
        userId: options.userId ?? '',
        readOnly: options.readOnly ?? false,
        ...(options.resumeOffset === undefined ? {} : { resumeOffset: options.resumeOffset }),
        cols: options.cols ?? 0,
        rows: options.rows ?? 0,
      },
    });

    return {
      onEvent(listener) {
        if (listeners.length === 0) {
          listeners.push(listener);
          for (const event of early.splice(0)) listener(event);
          return;
        }
        listeners.push(listener);
        for (const type of ['attached', 'size', 'viewers', 'exit'] as const) {
          const event = state.get(type);
          if (event) listener(event);
        }
      },
      write(data) {
        send({ input: typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data) });
      },
      resize(cols, rows) {
        send({ resize: { cols, rows } });
      },
      ack(offset) {
        send({ ack: offset });
      },
      detach() {
        if (done || leaving) return;
        call.write({ detach: {} });
        call.end();
        leaving = true;
        graceTimer = setTimeout(() => call.cancel(), DETACH_GRACE_MS);
        graceTimer.unref();
      },
      ended,
    };
  }

  /** Closes the channel (the connection stays while another client shares it). */
  disconnect(): void {
    // The service's own `Close` RPC is also generated as `close`, shadowing Client#close.
    grpc.Client.prototype.close.call(this.agent.client);
  }
}
