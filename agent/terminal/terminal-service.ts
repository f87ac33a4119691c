// The `Terminals` gRPC service (proto/agent/v1/terminal.proto) over a TerminalSessionManager, added
// to the agent's server beside `Agent`. Every call — unary or Attach — is authenticated by the
// caller-supplied check (the agent's bearer credential) before any session is touched. Failures
// are AppErrors mapped to gRPC status codes as the rest of the agent does (service-errors.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { toServiceError, unauthenticated, type ErrorLog } from '../grpc/service-errors';
import { PROTO_LOADER_OPTIONS } from '../grpc/wire';
import { serveAttach, type AttachCall } from './attach-call';
import { TerminalSessionManager, type TerminalManagerOptions } from './session-manager';
import { fromWireCreate, toWireInfo, type WireCreateRequest, type WireInfo } from './terminal-wire';

export { bearerCredentialCheck } from '../grpc/credential';

/** The contract's path in this checkout (agent/terminal/ → ../..). */
export const TERMINAL_PROTO_PATH = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'proto',
  'agent',
  'v1',
  'terminal.proto',
);

export interface TerminalServiceOptions extends TerminalManagerOptions {
  /** True when the call's metadata carries the host's credential (see bearerCredentialCheck). */
  authorize: (metadata: grpc.Metadata) => boolean;
  protoPath?: string;
  /** Where unexpected errors are reported; default stderr. */
  log?: ErrorLog;
}

export interface TerminalService {
  readonly manager: TerminalSessionManager;
  /** Ends every session (SIGHUP, then SIGKILL); call before stopping the server. */
  shutdown(): Promise<void>;
}

function loadTerminalService(protoPath: string): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(protoPath, PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    devopsmaestro: { agent: { v1: { Terminals: grpc.ServiceClientConstructor } } };
  };
  return loaded.devopsmaestro.agent.v1.Terminals.service;
}

/** Adds `Terminals` to `server` (before it is bound) and returns the sessions' manager. */
export function addTerminalService(
  server: grpc.Server,
  options: TerminalServiceOptions,
): TerminalService {
  const { authorize, log } = options;
  const manager = new TerminalSessionManager(options);

  function unary<Req, Res>(
    handle: (request: Req) => Promise<Res> | Res,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      if (!authorize(call.metadata)) {
        callback(unauthenticated());
        return;
      }
      Promise.resolve()
        .then(() => handle(call.request))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(toServiceError(error, log)),
        );
    };
  }

  server.addService(loadTerminalService(options.protoPath ?? TERMINAL_PROTO_PATH), {
    Create: unary(async (request: WireCreateRequest): Promise<WireInfo> =>
      toWireInfo(await manager.create(fromWireCreate(request))),
    ),
    List: unary((request: { container: string; ownerId: string }) => ({
      terminals: manager
        .list({ container: request.container, ownerId: request.ownerId })
        .map(toWireInfo),
    })),
    Get: unary((request: { id: string }) => toWireInfo(manager.get(request.id))),
    Close: unary(async (request: { id: string }) => toWireInfo(await manager.close(request.id))),
    Attach: (call: AttachCall) => {
      if (!authorize(call.metadata)) {
        call.emit('error', unauthenticated());
        return;
      }
      serveAttach(call, manager, log);
    },
  });

  return { manager, shutdown: () => manager.shutdown() };
}
