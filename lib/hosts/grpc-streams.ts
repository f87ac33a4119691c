// The agent's long-lived streams as the HostAgent interface shapes them: an Exec bidirectional
// stream as an ExecSession, a Watch server stream as a WatchHandle. They have no deadline; the
// channel's keepalive pings notice a dead agent, which ends them with UNAVAILABLE. A stream's end
// is settled only once both its final status and its last message have arrived, so the exit code
// (the last message) is never lost to ordering between the two.
import * as grpc from '@grpc/grpc-js';
import { AppError } from '../errors';
import { toAppError } from './grpc-errors';
import type {
  AgentEvent,
  ExecOptions,
  ExecSession,
  WatchHandle,
  WorkspaceContainerState,
} from './host-agent';

interface WireExecResponse {
  output?: { stream: string; data: Buffer } | null;
  exit?: { exitCode: number } | null;
}

interface WireWatchEvent {
  atUnixMs: number;
  heartbeat?: { engineReachable: boolean; engineError: string } | null;
  container?: {
    action: string;
    workspace: {
      name: string;
      id: string;
      state: string;
      labels: Record<string, string>;
      image: string;
    } | null;
  } | null;
}

const STATE_FROM_WIRE: Record<string, WorkspaceContainerState> = {
  STATE_RUNNING: 'running',
  STATE_STOPPED: 'stopped',
  STATE_MISSING: 'missing',
};

type Stream<T> = grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>;

/** Calls `settle(status)` once the stream has both ended and reported its status. */
function onFinished<T>(call: Stream<T>, settle: (status: grpc.StatusObject) => void): void {
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

export interface StreamTarget {
  client: grpc.Client;
  metadata: grpc.Metadata;
  address: string;
}

export function openExecSession(
  target: StreamTarget,
  name: string,
  options: ExecOptions,
): ExecSession {
  const { client, metadata, address } = target;
  const method = (client as unknown as Record<string, (...args: unknown[]) => unknown>).Exec!;
  const call = method.call(client, metadata, {}) as grpc.ClientDuplexStream<
    object,
    WireExecResponse
  >;
  const listeners: ((data: Buffer, stream: 'stdout' | 'stderr') => void)[] = [];
  // Output that arrives before anyone listens is kept for the first listener.
  const early: [Buffer, 'stdout' | 'stderr'][] = [];
  let exitCode: number | undefined;
  let done = false;
  let cancelled = false;

  const send = (message: object) => {
    if (!done) call.write(message);
  };

  const exited = new Promise<{ exitCode: number }>((resolve, reject) => {
    call.on('data', (message: WireExecResponse) => {
      if (message.output) {
        const data = Buffer.from(message.output.data);
        const stream = message.output.stream === 'OUTPUT_STREAM_STDERR' ? 'stderr' : 'stdout';
        if (listeners.length === 0) early.push([data, stream]);
        for (const listener of listeners) listener(data, stream);
      } else if (message.exit) {
        exitCode = message.exit.exitCode;
      }
    });
    onFinished(call, (status) => {
      done = true;
      if (exitCode !== undefined) resolve({ exitCode });
      else if (cancelled) {
        reject(new AppError('UNAVAILABLE', `The exec in "${name}" was cancelled before it ended.`));
      } else if (status.code === grpc.status.OK) {
        reject(
          new AppError(
            'UNAVAILABLE',
            `The host agent at ${address} ended the exec in "${name}" without an exit code.`,
          ),
        );
      } else reject(toAppError(status, { address, method: 'Exec' }));
    });
  });
  exited.catch(() => undefined); // nobody may ask; an unhandled rejection would kill the process

  send({
    open: {
      name,
      command: options.command,
      tty: options.tty,
      cols: options.cols ?? 0,
      rows: options.rows ?? 0,
      env: options.env ?? {},
      user: options.user ?? '',
      workingDir: options.workingDir ?? '',
    },
  });

  return {
    write(data) {
      send({ stdin: typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data) });
    },
    resize(cols, rows) {
      send({ resize: { cols, rows } });
    },
    closeStdin() {
      send({ closeStdin: {} });
    },
    onOutput(listener) {
      listeners.push(listener);
      if (listeners.length === 1) {
        for (const [data, stream] of early.splice(0)) listener(data, stream);
      }
    },
    exited,
    cancel() {
      if (done) return;
      cancelled = true;
      call.cancel();
    },
  };
}

export function openWatch(target: StreamTarget, intervalMs: number | undefined): WatchHandle {
  const { client, metadata, address } = target;
  const method = (client as unknown as Record<string, (...args: unknown[]) => unknown>).Watch!;
  const call = method.call(
    client,
    { intervalMs: intervalMs ?? 0 },
    metadata,
    {},
  ) as grpc.ClientReadableStream<WireWatchEvent>;
  const listeners: ((event: AgentEvent) => void)[] = [];
  let cancelled = false;

  call.on('data', (wire: WireWatchEvent) => {
    const at = new Date(wire.atUnixMs);
    let event: AgentEvent | undefined;
    if (wire.heartbeat) {
      event = {
        type: 'heartbeat',
        at,
        engineReachable: wire.heartbeat.engineReachable,
        ...(wire.heartbeat.engineError ? { engineError: wire.heartbeat.engineError } : {}),
      };
    } else if (wire.container?.workspace) {
      const w = wire.container.workspace;
      event = {
        type: 'container',
        at,
        workspace: {
          name: w.name,
          id: w.id,
          state: STATE_FROM_WIRE[w.state] ?? 'missing',
          labels: w.labels,
          image: w.image,
        },
      };
    }
    if (event) for (const listener of listeners) listener(event);
  });

  const ended = new Promise<{ reason: string }>((resolve) => {
    onFinished(call, (status) => {
      if (cancelled) return resolve({ reason: 'cancelled' });
      if (status.code === grpc.status.OK) {
        return resolve({ reason: `the agent at ${address} ended the watch` });
      }
      const error = toAppError(status, { address, method: 'Watch' });
      resolve({
        reason:
          error.code === 'UNAVAILABLE'
            ? `agent unreachable: ${status.details || 'connection lost'}`
            : `agent refused the watch: ${error.message}`,
      });
    });
  });

  return {
    onEvent(listener) {
      listeners.push(listener);
    },
    ended,
    cancel() {
      cancelled = true;
      call.cancel();
    },
  };
}
