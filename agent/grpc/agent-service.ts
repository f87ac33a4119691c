// The agent's gRPC server: serves proto/agent/v1/agent.proto over a ContainerRuntime. Every call —
// unary or stream — is authenticated by the host's own credential (`authorization: Bearer
// <secret>`) before the runtime is touched, checked in constant time against the SHA-256 hash the
// agent is configured with; the agent never holds the secret itself. Failures are AppErrors mapped
// to gRPC status codes (service-errors.ts). Both ends send keepalive pings, so a vanished client
// ends its streams (and kills its exec) instead of holding them open.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AppError, isAppError } from '../../lib/errors';
import type { BuildService } from '../build/build-service';
import type { ContainerRuntime } from '../runtime/container-runtime';
import { detectPlatforms, type Env, type FileExists } from '../runtime/platform';
import { addTerminalService } from '../terminal/terminal-service';
import { serveBuild, type BuildCall } from './build-call';
import { serveExec, type ExecCall } from './exec-call';
import { toServiceError, unauthenticated, type ErrorLog } from './service-errors';
import { serveWatch, type WatchCall } from './watch-call';
import { bearerCredentialCheck } from './credential';
import { fromWireSpec, PROTO_LOADER_OPTIONS, toWireState, type WireSpec } from './wire';

/** The checkout the agent runs from (agent/grpc/ → ../..). */
// What callers of the agent's server also need (tests, dvm-agent's start-up).
export { hashCredential } from './credential';
export { PROTO_LOADER_OPTIONS } from './wire';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The product's version (package.json): the control plane compares it to its own to tell whether
 * a running local agent is the current code.
 */
export const AGENT_VERSION = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** The contract's path in this checkout (not the working directory, which may be anywhere). */
export const DEFAULT_PROTO_PATH = path.join(PROJECT_ROOT, 'proto', 'agent', 'v1', 'agent.proto');

/** Pings on idle connections: a peer that stops answering is dropped within ~15 s. */
export const KEEPALIVE_OPTIONS = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
} as const;

/** How long Info waits for the engine when the caller set no deadline. */
const ENGINE_TIMEOUT_MS = 5_000;

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
  /** Serve TLS with this certificate chain and key (PEM); plaintext when unset. */
  tls?: { cert: Buffer; key: Buffer };
  /** Where unexpected errors are reported; default stderr. */
  log?: ErrorLog;
  /** Serves Build and reports Info.builders; without it Build answers UNIMPLEMENTED. */
  builds?: BuildService;
  /** Terminal sessions' window and ack budget; unset: the defaults. */
  terminals?: { windowBytes?: number; ackBudgetBytes?: number };
}

export interface AgentServer {
  /** The bound address (with the real port when 0 was asked for). */
  address: string;
  stop(): Promise<void>;
}

function loadAgentService(protoPath: string): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(protoPath, PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    devopsmaestro: { agent: { v1: { Agent: grpc.ServiceClientConstructor } } };
  };
  return loaded.devopsmaestro.agent.v1.Agent.service;
}

/** What is left of the caller's deadline for asking the engine, keeping 150 ms to answer. */
function engineTimeout(call: grpc.ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  if (!Number.isFinite(at) || at <= 0) return ENGINE_TIMEOUT_MS;
  return Math.min(Math.max(at - Date.now() - 150, 100), ENGINE_TIMEOUT_MS);
}

export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const authorized = bearerCredentialCheck(options.credentialHash);
  const { runtime } = options;
  const fileExists = options.fileExists ?? existsSync;
  const log = options.log;

  function unary<Req, Res>(
    handle: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      if (!authorized(call.metadata)) {
        callback(unauthenticated());
        return;
      }
      handle(call.request, call).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error, log)),
      );
    };
  }

  const server = new grpc.Server(KEEPALIVE_OPTIONS);
  server.addService(loadAgentService(options.protoPath ?? DEFAULT_PROTO_PATH), {
    Info: unary(async (_request, call) => {
      let capacity = { cpus: 0, memoryBytes: 0, runningWorkspaces: 0 };
      let builders: string[] = [];
      let engineError = '';
      try {
        const timeout = engineTimeout(call);
        [capacity, builders] = await Promise.all([
          runtime.capacity(timeout),
          options.builds?.builders(timeout) ?? [],
        ]);
      } catch (error) {
        // Info answers whatever the engine does: "engine down" is part of the answer.
        engineError = isAppError(error) ? error.message : 'The container engine cannot be reached.';
      }
      return {
        agentVersion: AGENT_VERSION,
        hostName: hostname(),
        platforms: detectPlatforms(options.env, fileExists),
        runtime: options.runtimeName ?? 'docker',
        builders,
        allowedRoots: runtime.allowedRoots(),
        capacity,
        engineReachable: engineError === '',
        engineError,
      };
    }),
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
    Remove: unary(async (request: { name: string; volumes: string[]; image: string }) => {
      await runtime.remove(request.name, {
        volumes: request.volumes,
        ...(request.image ? { image: request.image } : {}),
      });
      return {};
    }),
    Inspect: unary(async (request: { name: string }) =>
      toWireState(await runtime.inspect(request.name)),
    ),
    List: unary(async (request: { labelFilter: Record<string, string> }) => ({
      workspaces: (await runtime.list(request.labelFilter)).map(toWireState),
    })),
    Exec: (call: ExecCall) => {
      if (!authorized(call.metadata)) {
        call.emit('error', unauthenticated());
        return;
      }
      serveExec(call, runtime, log ?? ((msg, fields) => console.error(msg, fields)));
    },
    Watch: (call: WatchCall) => {
      if (!authorized(call.metadata)) {
        call.emit('error', unauthenticated());
        return;
      }
      serveWatch(call, runtime);
    },
    Build: (call: BuildCall) => {
      if (!authorized(call.metadata)) {
        call.emit('error', unauthenticated());
        return;
      }
      if (!options.builds) {
        call.emit(
          'error',
          toServiceError(
            new AppError('NOT_IMPLEMENTED', 'This agent was started without an image builder.'),
          ),
        );
        return;
      }
      serveBuild(call, options.builds, log);
    },
  });

  const terminals = addTerminalService(server, {
    runtime,
    authorize: authorized,
    log,
    ...options.terminals,
  });

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(
        null,
        [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
        false,
      )
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, credentials, (error, bound) =>
      error
        ? reject(
            new AppError(
              'UNAVAILABLE',
              `The agent cannot listen on ${options.address}: ${error.message}`,
              { cause: error },
            ),
          )
        : resolve(bound),
    );
  });
  const address = options.address.startsWith('unix:')
    ? options.address
    : options.address.replace(/:0$/, `:${port}`);

  let stopping: Promise<void> | undefined;
  return {
    address,
    // Idempotent: the CLI's signal handler and a test's cleanup may both ask.
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        // Streams (watch, exec) never finish by themselves: give unary calls a moment, then cut.
        void terminals.shutdown().finally(() => {
          const force = setTimeout(() => server.forceShutdown(), 2_000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
      })),
  };
}
