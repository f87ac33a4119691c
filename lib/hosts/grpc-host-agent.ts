// HostAgent over gRPC (@grpc/grpc-js): loads proto/agent/v1/agent.proto, sends the host's
// credential as `authorization: Bearer …` on every call, gives every unary call a deadline, and
// maps the agent's status back to AppErrors (grpc-errors.ts). Streams (exec, watch: see
// grpc-streams.ts) have no deadline; the channel's keepalive pings (every 10 s, 5 s to answer,
// also while idle) notice an agent that has gone away without closing the connection.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AppError } from '../errors';
import { toAppError } from './grpc-errors';
import { openExecSession, openWatch } from './grpc-streams';
import type {
  AgentInfo,
  ExecOptions,
  ExecSession,
  HostAgent,
  RemoveOptions,
  WatchHandle,
  WorkspaceContainerState,
  WorkspaceSpec,
  WorkspaceState,
} from './host-agent';

const DEFAULT_DEADLINE_MS = 10_000;

export interface GrpcHostAgentOptions {
  /** The agent's address: `unix:///path.sock` or `host:port`. */
  address: string;
  /** The host's credential (the secret, not its hash). */
  credential: string;
  /** Per-call deadline for unary calls; default 10 s. */
  deadlineMs?: number;
  protoPath?: string;
  /** Dial with TLS, trusting `ca` (PEM) or, without it, the system's roots. */
  tls?: { ca?: Buffer };
  /** Keepalive ping interval; default 10 s. */
  keepaliveTimeMs?: number;
  /** How long a keepalive ping may go unanswered before the connection is dropped; default 5 s. */
  keepaliveTimeoutMs?: number;
}

const STATE_FROM_WIRE: Record<string, WorkspaceContainerState> = {
  STATE_RUNNING: 'running',
  STATE_STOPPED: 'stopped',
  STATE_MISSING: 'missing',
};

interface WireState {
  name: string;
  id: string;
  state: string;
  labels: Record<string, string>;
  image: string;
}

interface WireInfo {
  agentVersion: string;
  hostName: string;
  platforms: { type: string; name: string; socket: string; active: boolean }[];
  runtime: string;
  builders: string[];
  allowedRoots: string[];
  capacity: { cpus: number; memoryBytes: number; runningWorkspaces: number } | null;
  engineReachable: boolean;
  engineError: string;
}

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

let agentClient: grpc.ServiceClientConstructor | undefined;
let agentClientPath: string | undefined;

function agentClientFor(protoPath: string): grpc.ServiceClientConstructor {
  if (!agentClient || agentClientPath !== protoPath) {
    const definition = protoLoader.loadSync(protoPath, {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      arrays: true,
      objects: true,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      devopsmaestro: { agent: { v1: { Agent: grpc.ServiceClientConstructor } } };
    };
    agentClient = loaded.devopsmaestro.agent.v1.Agent;
    agentClientPath = protoPath;
  }
  return agentClient;
}

function fromWireState(wire: WireState): WorkspaceState {
  return {
    name: wire.name,
    id: wire.id,
    state: STATE_FROM_WIRE[wire.state] ?? 'missing',
    labels: wire.labels,
    image: wire.image,
  };
}

export class GrpcHostAgent implements HostAgent {
  private readonly client: grpc.Client;
  private readonly address: string;
  private readonly credential: string;
  private readonly deadlineMs: number;

  constructor(options: GrpcHostAgentOptions) {
    const Client = agentClientFor(
      options.protoPath ?? path.join(process.cwd(), 'proto', 'agent', 'v1', 'agent.proto'),
    );
    const credentials = options.tls
      ? grpc.credentials.createSsl(options.tls.ca ?? null)
      : grpc.credentials.createInsecure();
    this.client = new Client(options.address, credentials, {
      'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 10_000,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 5_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    this.address = options.address;
    this.credential = options.credential;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${this.credential}`);
    return metadata;
  }

  private call<T>(method: string, request: object): Promise<T> {
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new AppError('INTERNAL', `The agent contract has no ${method}.`);
    return new Promise<T>((resolve, reject) => {
      fn.call(
        this.client,
        request,
        this.metadata(),
        { deadline: Date.now() + this.deadlineMs },
        (error, response) => {
          if (error) {
            reject(
              toAppError(error, { address: this.address, method, deadlineMs: this.deadlineMs }),
            );
          } else resolve(response as T);
        },
      );
    });
  }

  async info(): Promise<AgentInfo> {
    const wire = await this.call<WireInfo>('Info', {});
    return {
      agentVersion: wire.agentVersion,
      hostName: wire.hostName,
      platforms: wire.platforms.map(({ type, name, socket, active }) => ({
        type,
        name,
        socket,
        active,
      })),
      runtime: wire.runtime,
      builders: [...wire.builders],
      allowedRoots: [...wire.allowedRoots],
      capacity: {
        cpus: wire.capacity?.cpus ?? 0,
        memoryBytes: wire.capacity?.memoryBytes ?? 0,
        runningWorkspaces: wire.capacity?.runningWorkspaces ?? 0,
      },
      engineReachable: wire.engineReachable,
      ...(wire.engineError ? { engineError: wire.engineError } : {}),
    };
  }

  async ensure(spec: WorkspaceSpec): Promise<WorkspaceState> {
    const wire = {
      name: spec.name,
      image: spec.image,
      workspace: spec.workspace,
      labels: spec.labels ?? {},
      command: spec.command ?? [],
      env: spec.env ?? {},
      workingDir: spec.workingDir ?? '',
      mounts: (spec.mounts ?? []).map((m) => ({
        source: m.source,
        target: m.target,
        readOnly: m.readOnly ?? false,
      })),
      networkMode: spec.networkMode ?? '',
      user: spec.user ?? '',
      ...(spec.cpus !== undefined && { cpus: spec.cpus }),
      ...(spec.memoryBytes !== undefined && { memoryBytes: spec.memoryBytes }),
      ...(spec.gitSource && {
        gitSource: {
          url: spec.gitSource.url,
          ref: spec.gitSource.ref ?? '',
          volume: spec.gitSource.volume,
          target: spec.gitSource.target,
        },
      }),
    };
    return fromWireState(await this.call<WireState>('Ensure', { spec: wire }));
  }

  async start(name: string): Promise<void> {
    await this.call('Start', { name });
  }

  async stop(name: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.call('Stop', {
      name,
      ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    });
  }

  async remove(name: string, options: RemoveOptions = {}): Promise<void> {
    await this.call('Remove', {
      name,
      volumes: options.volumes ?? [],
      image: options.image ?? '',
    });
  }

  async inspect(name: string): Promise<WorkspaceState> {
    return fromWireState(await this.call<WireState>('Inspect', { name }));
  }

  async list(labelFilter: Record<string, string> = {}): Promise<WorkspaceState[]> {
    const wire = await this.call<{ workspaces: WireState[] }>('List', { labelFilter });
    return wire.workspaces.map(fromWireState);
  }

  exec(name: string, options: ExecOptions): ExecSession {
    return openExecSession(
      { client: this.client, metadata: this.metadata(), address: this.address },
      name,
      options,
    );
  }

  watch(options: { intervalMs?: number } = {}): WatchHandle {
    return openWatch(
      { client: this.client, metadata: this.metadata(), address: this.address },
      options.intervalMs,
    );
  }

  close(): void {
    this.client.close();
  }
}
