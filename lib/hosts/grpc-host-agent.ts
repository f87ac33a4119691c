// HostAgent over gRPC (@grpc/grpc-js): loads proto/agent/v1/agent.proto, sends the host's
// credential as `authorization: Bearer …` on every call, gives every call a deadline, and maps the
// agent's status back to AppErrors — from the `dvm-error-code` metadata when the agent set it,
// from the gRPC status otherwise. Transport only: TLS and the channel options come later.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AppError, type ErrorCode, type FieldError } from '../errors';
import type {
  AgentInfo,
  HostAgent,
  WorkspaceContainerState,
  WorkspaceSpec,
  WorkspaceState,
} from './host-agent';

const ERROR_CODE_KEY = 'dvm-error-code';
const FIELD_ERRORS_KEY = 'dvm-field-errors-bin';
const DEFAULT_DEADLINE_MS = 10_000;

export interface GrpcHostAgentOptions {
  /** The agent's address: `unix:///path.sock` or `host:port`. */
  address: string;
  /** The host's credential (the secret, not its hash). */
  credential: string;
  /** Per-call deadline; default 10 s. */
  deadlineMs?: number;
  protoPath?: string;
}

const ERROR_CODES = new Set<string>([
  'INVALID',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'HAS_CHILDREN',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_IMPLEMENTED',
  'UNAVAILABLE',
  'INTERNAL',
]);

const CODE_FOR_STATUS: Partial<Record<grpc.status, ErrorCode>> = {
  [grpc.status.INVALID_ARGUMENT]: 'INVALID',
  [grpc.status.NOT_FOUND]: 'NOT_FOUND',
  [grpc.status.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [grpc.status.FAILED_PRECONDITION]: 'CONFLICT',
  [grpc.status.UNAUTHENTICATED]: 'UNAUTHENTICATED',
  [grpc.status.PERMISSION_DENIED]: 'FORBIDDEN',
  [grpc.status.UNIMPLEMENTED]: 'NOT_IMPLEMENTED',
  [grpc.status.UNAVAILABLE]: 'UNAVAILABLE',
  [grpc.status.DEADLINE_EXCEEDED]: 'UNAVAILABLE',
  [grpc.status.CANCELLED]: 'UNAVAILABLE',
};

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

function fieldErrors(metadata: grpc.Metadata | undefined): FieldError[] {
  const [raw] = metadata?.get(FIELD_ERRORS_KEY) ?? [];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
    return Array.isArray(parsed)
      ? parsed.filter(
          (e): e is FieldError =>
            typeof e === 'object' &&
            e !== null &&
            typeof (e as FieldError).path === 'string' &&
            typeof (e as FieldError).message === 'string',
        )
      : [];
  } catch {
    return [];
  }
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
    this.client = new Client(options.address, grpc.credentials.createInsecure());
    this.address = options.address;
    this.credential = options.credential;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  }

  private toAppError(method: string, error: grpc.ServiceError): AppError {
    const [sent] = error.metadata?.get(ERROR_CODE_KEY) ?? [];
    const fromAgent =
      typeof sent === 'string' && ERROR_CODES.has(sent) ? (sent as ErrorCode) : null;
    const code = fromAgent ?? CODE_FOR_STATUS[error.code as grpc.status] ?? 'INTERNAL';
    if (!fromAgent && code === 'UNAVAILABLE') {
      return new AppError(
        'UNAVAILABLE',
        error.code === grpc.status.DEADLINE_EXCEEDED
          ? `The host agent at ${this.address} did not answer ${method} within ${this.deadlineMs} ms.`
          : `The host agent at ${this.address} cannot be reached.`,
        { cause: error },
      );
    }
    if (code === 'INTERNAL') {
      return new AppError('INTERNAL', `The host agent at ${this.address} failed on ${method}.`, {
        cause: error,
      });
    }
    return new AppError(code, error.details || `${method} failed on ${this.address}.`, {
      errors: fieldErrors(error.metadata),
      cause: error,
    });
  }

  private call<T>(method: string, request: object): Promise<T> {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${this.credential}`);
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new AppError('INTERNAL', `The agent contract has no ${method}.`);
    return new Promise<T>((resolve, reject) => {
      fn.call(
        this.client,
        request,
        metadata,
        { deadline: Date.now() + this.deadlineMs },
        (error, response) => {
          if (error) reject(this.toAppError(method, error));
          else resolve(response as T);
        },
      );
    });
  }

  async info(): Promise<AgentInfo> {
    const wire = await this.call<AgentInfo>('Info', {});
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

  async remove(name: string): Promise<void> {
    await this.call('Remove', { name });
  }

  async inspect(name: string): Promise<WorkspaceState> {
    return fromWireState(await this.call<WireState>('Inspect', { name }));
  }

  async list(labelFilter: Record<string, string> = {}): Promise<WorkspaceState[]> {
    const wire = await this.call<{ workspaces: WireState[] }>('List', { labelFilter });
    return wire.workspaces.map(fromWireState);
  }

  close(): void {
    this.client.close();
  }
}
