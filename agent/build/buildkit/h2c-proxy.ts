// A private unix socket in front of a Docker engine's embedded BuildKit. The engine serves BuildKit
// only after an HTTP/1.1 upgrade (`POST /grpc`, `Upgrade: h2c`), which grpc-js cannot perform, so
// every connection accepted here opens its own engine connection, performs the upgrade, and from
// then on pipes raw bytes both ways: grpc-js sees a plain h2c gRPC server on the socket.
import net from 'node:net';

/** A Docker engine's API: its unix socket, or plain TCP (TLS is not supported here). */
export type EngineAddress =
  { socketPath: string } | { host: string; port: number; protocol?: 'http' | 'https' };

export interface H2cProxy {
  /** The socket to dial (`unix://` + this). */
  readonly socketPath: string;
  /** Why the last upgrade failed (the engine's answer, or the connection error), if one did. */
  lastError(): string | undefined;
  /**
   * Stops accepting connections and removes the socket file; connections already made stay up
   * (a kept-alive channel keeps its upgraded connection, and nothing can reach it any more).
   */
  stopListening(): void;
  close(): Promise<void>;
}

const MAX_HEADER_BYTES = 64 * 1024;
const UPGRADE_TIMEOUT_MS = 10_000;

export function describeEngine(engine: EngineAddress): string {
  return 'socketPath' in engine
    ? `unix://${engine.socketPath}`
    : `tcp://${engine.host}:${engine.port}`;
}

/**
 * Opens an engine connection and upgrades it to h2c on `path`. Resolves with the socket and any
 * bytes the engine sent after the 101 (the start of its HTTP/2 stream); rejects with the engine's
 * answer when it does not switch protocols (e.g. an engine without BuildKit answers 404).
 */
export function upgradeEngineConnection(
  engine: EngineAddress,
  path: string,
  headers: Record<string, string | string[]> = {},
): Promise<{ socket: net.Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket =
      'socketPath' in engine
        ? net.connect({ path: engine.socketPath })
        : net.connect({ host: engine.host, port: engine.port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(
      () =>
        fail(new Error(`the engine did not answer the upgrade within ${UPGRADE_TIMEOUT_MS} ms`)),
      UPGRADE_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_HEADER_BYTES)
          fail(new Error('the engine sent an oversized answer'));
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.pause();
      const head = received.subarray(0, end).toString('latin1');
      const statusLine = head.split('\r\n', 1)[0] ?? '';
      if (!/^HTTP\/1\.[01] 101\b/.test(statusLine)) {
        const raw = received.subarray(end + 4).toString('utf8');
        const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
        const body = (chunked ? unchunk(raw) : raw).trim();
        fail(new Error(`${statusLine}${body ? `: ${body.slice(0, 300)}` : ''}`));
        return;
      }
      resolve({ socket, head: received.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('connect', () => {
      const lines = [
        `POST ${path} HTTP/1.1`,
        'Host: docker',
        'Connection: Upgrade',
        'Upgrade: h2c',
        'Content-Length: 0',
      ];
      for (const [name, value] of Object.entries(headers)) {
        for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
      }
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  });
}

/** The text of a (possibly partial) chunked HTTP body, for error messages. */
function unchunk(raw: string): string {
  let out = '';
  let rest = raw;
  for (;;) {
    const match = /^([0-9a-fA-F]+)[^\r\n]*\r\n/.exec(rest);
    if (!match) return out;
    const size = parseInt(match[1] as string, 16);
    if (size === 0) return out;
    out += rest.slice(match[0].length, match[0].length + size);
    rest = rest.slice(match[0].length + size + 2);
  }
}

/** Listens on `socketPath` (inside a private directory the caller made) until closed. */
export async function startH2cProxy(engine: EngineAddress, socketPath: string): Promise<H2cProxy> {
  const open = new Set<net.Socket>();
  let lastError: string | undefined;

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    upgradeEngineConnection(engine, '/grpc').then(
      ({ socket, head }) => {
        if (client.destroyed) {
          socket.destroy();
          return;
        }
        lastError = undefined;
        open.add(socket);
        socket.once('close', () => {
          open.delete(socket);
          client.destroy();
        });
        socket.on('error', () => socket.destroy());
        client.once('close', () => socket.destroy());
        // An idle kept-alive connection must not keep the agent alive; grpc-js holds a reference
        // on its own socket while calls are running.
        socket.unref();
        client.unref();
        if (head.length > 0) client.write(head);
        socket.pipe(client);
        client.pipe(socket);
        socket.resume();
        client.resume();
      },
      (error: Error) => {
        lastError = `the engine refused the BuildKit upgrade (POST /grpc): ${error.message}`;
        client.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Never keep the agent alive on its own; the builder closes it after each build.
  server.unref();

  return {
    socketPath,
    lastError: () => lastError,
    // net.Server.close() stops accepting at once and leaves accepted connections alone (its
    // callback would wait for them to end); the caller removes the socket's directory.
    stopListening: () => {
      if (server.listening) server.close();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        if (!server.listening) resolve();
        else server.close(() => resolve());
      }),
  };
}
