// The control plane's process: serves the Next app and owns WebSocket upgrades (DESIGN.md §2, §6).
//
//   tsx server.ts          production; needs a prior `next build` (`npm start` does both)
//   tsx server.ts --dev    development, with Next's compiler and hot reload
//
// Opening the DataStore here runs the migrations before the first request is accepted. The Next
// bundle loads its own copy of lib/server/runtime, which finds the same store on globalThis.

import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ensureHeadlessAdmin } from './lib/domain/ensure-headless-admin';
import { isAppError } from './lib/errors';
import { matchApiRoute } from './lib/http/api-route-match';
import { authorizeUpgrade, rejectUpgrade } from './lib/http/socket-auth';
import { startBackground } from './lib/server/background';
import { closeRuntime, getRuntime } from './lib/server/runtime';
import { terminalSockets } from './lib/server/terminal-socket';

const dev = process.argv.includes('--dev');
const dir = fileURLToPath(new URL('.', import.meta.url));

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

/** Answers before Next sees the request, in the API's problem+json form. */
function answerProblem(
  res: http.ServerResponse,
  status: number,
  code: string,
  detail: string,
  {
    errors = [],
    headers = {},
  }: { errors?: { path: string; message: string }[]; headers?: Record<string, string> } = {},
) {
  const body = JSON.stringify({
    type: 'about:blank',
    title: TITLES[status],
    status,
    detail,
    code,
    errors,
  });
  res.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers }).end(body);
}

/** Whether every segment of the request path percent-decodes to valid UTF-8. */
function decodablePath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? `${error.name}: ${error.message}`)
    : String(error);
}

async function main() {
  // React and Next pick their builds from NODE_ENV when first loaded, hence the late import.
  const env = process.env as Record<string, string | undefined>;
  env.NODE_ENV ??= dev ? 'development' : 'production';
  // A self-hosted control plane does not report usage to a third party.
  env.NEXT_TELEMETRY_DISABLED ??= '1';

  let runtime;
  try {
    runtime = await getRuntime();
  } catch (error) {
    if (isAppError(error) && error.code === 'INVALID') {
      // Configuration errors are for the operator: the message names the variables.
      log('error', error.message, { errors: error.errors });
    } else if (isAppError(error)) {
      // The store's errors are written for the operator already; the stack adds nothing.
      const cause = error.cause instanceof Error ? error.cause.message : undefined;
      log('error', error.message, { code: error.code, ...(cause && { cause }) });
    } else {
      log('error', 'cannot open the database', { error: describe(error) });
    }
    process.exit(1);
  }
  const { config, store } = runtime;

  // DVM_ADMIN_EMAIL / DVM_ADMIN_PASSWORD: the first administrator, before any request is served.
  // Idempotent: once any account exists it changes nothing.
  if (config.admin) {
    try {
      const { created } = await ensureHeadlessAdmin({ store }, config.admin);
      if (created) log('info', 'created the first administrator', { email: config.admin.email });
    } catch (error) {
      log('error', 'cannot create the first administrator from DVM_ADMIN_EMAIL', {
        ...(isAppError(error)
          ? { code: error.code, detail: error.message }
          : { error: describe(error) }),
      });
      await closeRuntime();
      process.exit(1);
    }
  }

  // The embedded agent (unless DVM_LOCAL_AGENT=off) and the host monitor; a local agent that
  // cannot start is logged and leaves host `local` unhealthy, it does not stop the server.
  const background = await startBackground(runtime, { projectRoot: dir, log });

  const { default: next } = await import('next');
  const app = next({ dev, dir, hostname: 'localhost', port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();

  // Without a trusted proxy in front, the peer address is the client: any X-Forwarded-For the
  // client sent is replaced, so the sign-in throttle and the audit log see the real address.
  const pinClientAddress = (req: http.IncomingMessage) => {
    if (!config.trustProxy) req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  };

  const server = http.createServer((req, res) => {
    pinClientAddress(req);
    // Next's router throws on a path it cannot percent-decode and answers a bare 500; this is the
    // client's mistake, so it gets a 400 problem like every other bad input.
    if (!decodablePath(req.url)) {
      answerProblem(res, 400, 'INVALID', 'The URL path is not valid percent-encoded UTF-8.', {
        errors: [{ path: 'url', message: 'is not valid percent-encoded UTF-8' }],
      });
      return;
    }
    const route = matchApiRoute(
      req.method ?? 'GET',
      new URL(req.url ?? '/', 'http://localhost').pathname,
    );
    if (route.kind === 'not-found') {
      answerProblem(
        res,
        404,
        'NOT_FOUND',
        'No API route has this path; GET /api/v1/openapi.json lists them all.',
      );
      return;
    }
    if (route.kind === 'method-not-allowed') {
      const allow = route.allow.join(', ');
      answerProblem(
        res,
        405,
        'METHOD_NOT_ALLOWED',
        `${req.method} is not supported here; use ${allow}.`,
        {
          headers: { Allow: allow },
        },
      );
      return;
    }
    handle(req, res).catch((error: unknown) => {
      log('error', 'request failed', { method: req.method, url: req.url, error: describe(error) });
      if (res.headersSent) res.destroy();
      else answerProblem(res, 500, 'INTERNAL', 'The server failed to handle this request.');
    });
  });
  // Next attaches its own upgrade listener on the first request: it serves its dev hot-reload
  // socket under /_next/ and ignores paths no app/ route matches, which is why our socket paths
  // live under /ws/ and never in app/.
  const terminals = terminalSockets(runtime, log);
  server.on('upgrade', (req, socket, head) => {
    pinClientAddress(req);
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname.startsWith('/_next/')) return;
    if (!pathname.startsWith('/ws/')) {
      rejectUpgrade(socket, 404, 'NOT_FOUND', 'No WebSocket is served at this path.');
      return;
    }
    socket.on('error', () => socket.destroy());
    // Origin, then ticket / Bearer token / session cookie (lib/http/socket-auth.ts); the URL is
    // never logged, since it may carry a ticket.
    void authorizeUpgrade(
      { url: req.url ?? '/', headers: req.headers, remoteAddress: req.socket.remoteAddress },
      runtime,
    ).then((decision) => {
      if (!decision.ok) {
        rejectUpgrade(socket, decision.status, decision.code, decision.detail, decision.headers);
        return;
      }
      // Authenticated: what the caller may do with the session is decided after the upgrade and
      // told with close codes and reasons (lib/server/terminal-socket.ts), which browsers can read.
      const terminal = /^\/ws\/terminals\/([^/]+)\/?$/.exec(pathname);
      if (terminal) {
        let sessionId: string;
        try {
          sessionId = decodeURIComponent(terminal[1]!);
        } catch {
          rejectUpgrade(socket, 404, 'NOT_FOUND', 'No terminal session has this id.');
          return;
        }
        terminals.handle(req, socket, head, sessionId, decision.principal);
        return;
      }
      rejectUpgrade(socket, 404, 'NOT_FOUND', 'No WebSocket is served at this path.');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    log('error', `cannot listen on port ${config.port}`, { error: describe(error) });
    await closeRuntime();
    process.exit(1);
  });

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log('info', 'listening', {
    url: `http://localhost:${port}`,
    dialect: store.dialect,
    dataDir: config.dataDir,
    mode: dev ? 'development' : 'production',
  });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log('warn', `${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log('info', 'shutting down', { signal });
    // Open keep-alive connections and slow requests must not hold the process forever.
    setTimeout(() => {
      log('warn', 'shutdown timed out: exiting');
      process.exit(1);
    }, 10_000).unref();
    // Terminal sockets are long-lived: close them first (their sessions keep running on agents).
    terminals.close();
    try {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      background.stop();
      await app.close();
      await closeRuntime();
      process.exit(0);
    } catch (error) {
      log('error', 'shutdown failed', { error: describe(error) });
      process.exit(1);
    }
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  log('error', 'start-up failed', { error: describe(error) });
  process.exit(1);
});
