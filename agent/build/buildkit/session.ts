// A BuildKit session: the gRPC server BuildKit calls back into during a build, for the build
// context (FileSync/DiffCopy), build secrets (Secrets/GetSecret) and liveness (Health/Check).
//
// Transport: `Control/Session`, a bidi stream of BytesMessage whose payloads are the raw HTTP/2
// bytes of that server's connection (BuildKit is the HTTP/2 client). It works the same on a
// standalone buildkitd and on a Docker engine's embedded BuildKit, unlike the engine-only
// `POST /session`. The stream is handed to a grpc-js server as an injected connection, so no
// second socket is needed: grpc-js runs HTTP/2 over any duplex stream.
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { diffCopyHandler, type SyncLog, type SyncSource } from './file-sync';
import { SESSION_METHODS, sessionServices, type BytesMessage, type ControlClient } from './protos';

export interface SessionOptions {
  /** The session id the Solve names. */
  id: string;
  /** Shown by BuildKit in its logs. */
  name: string;
  /**
   * BuildKit keeps the last copy of each synced directory per shared key and name and only asks
   * for files whose stat changed: a key that is stable for one context directory makes the second
   * transfer of an unchanged context nearly free.
   */
  sharedKey: string;
  dirs: Record<string, SyncSource>;
  secrets: Record<string, string>;
  log?: SyncLog;
}

export interface Session {
  /** Ends the stream and the server; safe to call more than once. */
  close(): void;
}

/** Turns the Control/Session call into a byte stream for the HTTP/2 server. */
class SessionStream extends Duplex {
  constructor(private readonly call: grpc.ClientDuplexStream<BytesMessage, BytesMessage>) {
    super();
    call.on('data', (message: BytesMessage) => {
      if (message.data.length > 0 && !this.push(message.data)) call.pause();
    });
    call.on('end', () => this.push(null));
    call.on('error', (error) => this.destroy(error));
  }

  override _read() {
    this.call.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    if (this.call.write({ data: chunk })) callback();
    else this.call.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void) {
    this.call.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    this.call.cancel();
    callback(error);
  }
}

export function startSession(control: ControlClient, options: SessionOptions): Session {
  const services = sessionServices();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });
  server.addService(services.health, {
    Check: (_call: unknown, callback: grpc.sendUnaryData<{ status: string }>) =>
      callback(null, { status: 'SERVING' }),
  });
  server.addService(services.fileSync, { DiffCopy: diffCopyHandler(options.dirs, options.log) });
  server.addService(services.secrets, {
    GetSecret: (
      call: grpc.ServerUnaryCall<{ ID: string }, { data: Buffer }>,
      callback: grpc.sendUnaryData<{ data: Buffer }>,
    ) => {
      const id = call.request.ID;
      // BuildKit turns NOT_FOUND into "secret … not found" (or skips an optional mount).
      if (!Object.hasOwn(options.secrets, id)) {
        callback({ code: grpc.status.NOT_FOUND, details: `secret ${id} not found` });
        return;
      }
      options.log?.('session: secret read', { id });
      callback(null, { data: Buffer.from(options.secrets[id] ?? '', 'utf8') });
    },
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());

  const metadata = new grpc.Metadata();
  metadata.set('x-docker-expose-session-uuid', options.id);
  metadata.set('x-docker-expose-session-name', options.name);
  metadata.set('x-docker-expose-session-sharedkey', options.sharedKey);
  for (const method of SESSION_METHODS) metadata.add('x-docker-expose-session-grpc-method', method);

  const call = control.Session(metadata);
  const stream = new SessionStream(call);
  // The end of a session is reported by the Solve; stream errors (cancellation) need no handler.
  stream.on('error', () => undefined);
  injector.injectConnection(stream);

  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      stream.destroy();
      injector.destroy();
      server.forceShutdown();
    },
  };
}
