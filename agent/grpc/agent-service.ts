// The agent's gRPC server: serves proto/agent/v1/agent.proto over a ContainerRuntime. Every call
// is authenticated by the host's own credential (`authorization: Bearer <secret>`), checked in
// constant time against the SHA-256 hash the agent is configured with; the agent never holds the
// secret itself. Failures are AppErrors mapped to gRPC status codes, with the AppError code in
// the `dvm-error-code` metadata key (and field errors in `dvm-field-errors-bin`) so the control
// plane gets back exactly what the runtime said; unexpected errors become a generic INTERNAL.
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AppError, invalid, isAppError, type ErrorCode } from '../../lib/errors';
import type {
  ContainerInfo,
  ContainerRuntime,
  ContainerState,
  WorkspaceContainerSpec,
} from '../runtime/container-runtime';
import { detectPlatforms, type Env, type FileExists } from '../runtime/platform';

export const AGENT_VERSION = '0.1.0';
export const ERROR_CODE_KEY = 'dvm-error-code';
export const FIELD_ERRORS_KEY = 'dvm-field-errors-bin';

/** The contract's path, from the repository root (the agent runs from there). */
export const DEFAULT_PROTO_PATH = path.join(process.cwd(), 'proto', 'agent', 'v1', 'agent.proto');

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

export interface AgentServerOptions {
  /** `unix:///absolute/path.sock` or `host:port` (port 0 picks a free one). */
  address: string;
  /** Hex SHA-256 of the host's credential. */
  credentialHash: string;
  runtime: ContainerRuntime;
  /** The environment platforms are detected from. */
  env: Env;
  /** Reported by Info; default "docker". */
  runtimeName?: string;
  fileExists?: FileExists;
  protoPath?: string;
}

export interface AgentServer {
  /** The bound address (with the real port when 0 was asked for). */
  address: string;
  stop(): Promise<void>;
}

/** The hex SHA-256 an agent is configured with for a credential. */
export function hashCredential(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const STATUS_FOR: Record<ErrorCode, grpc.status> = {
  INVALID: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  CONFLICT: grpc.status.FAILED_PRECONDITION,
  HAS_CHILDREN: grpc.status.FAILED_PRECONDITION,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  FORBIDDEN: grpc.status.PERMISSION_DENIED,
  NOT_IMPLEMENTED: grpc.status.UNIMPLEMENTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

/** An AppError as a gRPC error; anything else as a generic INTERNAL (detail to the log only). */
export function toServiceError(error: unknown): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  if (isAppError(error) && error.code !== 'INTERNAL') {
    metadata.set(ERROR_CODE_KEY, error.code);
    if (error.errors.length > 0) {
      metadata.set(FIELD_ERRORS_KEY, Buffer.from(JSON.stringify(error.errors), 'utf8'));
    }
    return { code: STATUS_FOR[error.code], details: error.message, metadata };
  }
  console.error('dvm-agent: internal error', error);
  metadata.set(ERROR_CODE_KEY, 'INTERNAL');
  return { code: grpc.status.INTERNAL, details: 'The agent failed unexpectedly.', metadata };
}

function credentialCheck(credentialHash: string): (metadata: grpc.Metadata) => boolean {
  if (!/^[0-9a-f]{64}$/i.test(credentialHash)) {
    throw invalid('The agent credential hash must be a hex SHA-256 (64 hex digits).', [
      { path: 'credentialHash', message: 'Expected 64 hex digits.' },
    ]);
  }
  const expected = Buffer.from(credentialHash, 'hex');
  return (metadata) => {
    const [value] = metadata.get('authorization');
    const match = typeof value === 'string' ? /^Bearer (\S+)$/.exec(value) : null;
    // Hash whatever was presented so the comparison is always 32 bytes against 32 bytes.
    const presented = createHash('sha256')
      .update(match?.[1] ?? '', 'utf8')
      .digest();
    return timingSafeEqual(presented, expected) && match !== null;
  };
}

// Wire shapes (camelCase, as proto-loader yields them with keepCase false and defaults on).
interface WireSpec {
  name: string;
  image: string;
  workspace: { ecosystem: string; domain: string; app: string; workspace: string } | null;
  labels: Record<string, string>;
  command: string[];
  env: Record<string, string>;
  workingDir: string;
  mounts: { source: string; target: string; readOnly: boolean }[];
  networkMode: string;
}

const WIRE_STATE: Record<ContainerState, string> = {
  running: 'STATE_RUNNING',
  stopped: 'STATE_STOPPED',
  missing: 'STATE_MISSING',
};

function toWireState(info: ContainerInfo) {
  return { ...info, state: WIRE_STATE[info.state] };
}

function fromWireSpec(wire: WireSpec | null | undefined): WorkspaceContainerSpec {
  if (!wire) throw invalid('The request has no spec.', [{ path: 'spec', message: 'Required.' }]);
  if (!wire.workspace) {
    throw invalid('The spec names no workspace.', [
      { path: 'spec.workspace', message: 'Required.' },
    ]);
  }
  return {
    name: wire.name,
    image: wire.image,
    workspace: { ...wire.workspace },
    labels: wire.labels,
    ...(wire.command.length > 0 ? { command: wire.command } : {}),
    env: wire.env,
    ...(wire.workingDir ? { workingDir: wire.workingDir } : {}),
    mounts: wire.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly })),
    ...(wire.networkMode ? { networkMode: wire.networkMode } : {}),
  };
}

function loadAgentService(protoPath: string): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(protoPath, PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    devopsmaestro: { agent: { v1: { Agent: grpc.ServiceClientConstructor } } };
  };
  return loaded.devopsmaestro.agent.v1.Agent.service;
}

export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const authorized = credentialCheck(options.credentialHash);
  const { runtime } = options;
  const fileExists = options.fileExists ?? existsSync;

  function unary<Req, Res>(handle: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      if (!authorized(call.metadata)) {
        const metadata = new grpc.Metadata();
        metadata.set(ERROR_CODE_KEY, 'UNAUTHENTICATED');
        callback({
          code: grpc.status.UNAUTHENTICATED,
          details: 'The agent credential is missing or wrong.',
          metadata,
        });
        return;
      }
      handle(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
    };
  }

  const server = new grpc.Server();
  server.addService(loadAgentService(options.protoPath ?? DEFAULT_PROTO_PATH), {
    Info: unary(async () => ({
      agentVersion: AGENT_VERSION,
      hostName: hostname(),
      platforms: detectPlatforms(options.env, fileExists),
      runtime: options.runtimeName ?? 'docker',
    })),
    Ensure: unary(async (request: { spec?: WireSpec | null }) =>
      toWireState(await runtime.ensure(fromWireSpec(request.spec))),
    ),
    Start: unary(async (request: { name: string }) => {
      await runtime.start(request.name);
      return {};
    }),
    Stop: unary(async (request: { name: string; timeoutSeconds?: number | null }) => {
      await runtime.stop(
        request.name,
        typeof request.timeoutSeconds === 'number'
          ? { timeoutSeconds: request.timeoutSeconds }
          : undefined,
      );
      return {};
    }),
    Remove: unary(async (request: { name: string }) => {
      await runtime.remove(request.name);
      return {};
    }),
    Inspect: unary(async (request: { name: string }) =>
      toWireState(await runtime.inspect(request.name)),
    ),
    List: unary(async (request: { labelFilter: Record<string, string> }) => ({
      workspaces: (await runtime.list(request.labelFilter)).map(toWireState),
    })),
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error
        ? reject(
            new AppError('UNAVAILABLE', `The agent cannot listen on ${options.address}.`, {
              cause: error,
            }),
          )
        : resolve(bound),
    );
  });
  const address = options.address.startsWith('unix:')
    ? options.address
    : options.address.replace(/:0$/, `:${port}`);

  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
