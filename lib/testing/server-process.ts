// The real production control plane for tests: `server.ts` on the `next build` output, in its own
// process, on a free port and (by default) a fresh SQLite data directory. Every byte it writes to
// stdout/stderr is kept, so tests can read the log (and prove what is NOT in it).
//
//   const server = await startServer({ env: { DVM_ADMIN_EMAIL: 'a@x.io', DVM_ADMIN_PASSWORD: '…' } });
//   await fetch(`${server.baseUrl}/api/healthz`);
//   await server.stop();            // SIGTERM, then SIGKILL after 10 s; removes the data dir it made
//
// Needs a prior `next build` (`npm run e2e` and scripts/test.sh run it); without one it fails with
// a message saying so rather than serving stale pages.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { localAgentFiles, stopLocalAgent } from '../hosts/local-agent-process';
import { fileURLToPath } from 'node:url';

/** The checkout's root (where server.ts, .next/ and drizzle/ are). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StartServerOptions {
  /**
   * Extra environment for the server; wins over the defaults below. A value of `undefined`
   * removes the variable. Defaults: NODE_ENV=production, PORT=<free>, DVM_DATA_DIR=<fresh temp
   * dir>, DATABASE_URL='' (SQLite), DVM_LOCAL_AGENT=off, NEXTAUTH_URL=<baseUrl>.
   */
  env?: Record<string, string | undefined>;
  /** Use this data directory (kept on stop) instead of a fresh temporary one (removed on stop). */
  dataDir?: string;
  /** How long to wait for `/api/healthz` to answer 200; default 60 s. */
  timeoutMs?: number;
  /** Prefix of the temporary data directory's name, to tell test runs apart in /tmp. */
  name?: string;
}

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** The environment the server was started with (as passed to the child). */
  readonly env: Record<string, string>;
  readonly child: ChildProcess;
  /** Everything the server wrote to stdout and stderr so far, interleaved as received. */
  output(): string;
  /** The last `lines` lines of output, for error messages. */
  tail(lines?: number): string;
  /** Resolves once the output contains `pattern` (or rejects after `timeoutMs`). */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /**
   * Stops the server (SIGTERM, SIGKILL after 10 s) and removes a data dir it created, stopping
   * the embedded agent living there first.
   */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Throws a clear error when there is no production build to serve. */
export function requireProductionBuild(): void {
  if (!existsSync(path.join(PROJECT_ROOT, '.next', 'BUILD_ID'))) {
    throw new Error(
      'No production build: run `npx next build` first (`npm run e2e` and `npm test` do).',
    );
  }
}

export async function startServer(options: StartServerOptions = {}): Promise<ServerProcess> {
  requireProductionBuild();
  const ownDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), `dvm-${options.name ?? 'e2e'}-`)));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  const env: Record<string, string> = {};
  const merged: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'production', // vitest sets 'test'
    PORT: String(port),
    DVM_DATA_DIR: dataDir,
    DATABASE_URL: '',
    DVM_LOCAL_AGENT: 'off',
    NEXTAUTH_URL: baseUrl,
    ...options.env,
  };
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;

  let output = '';
  const listeners = new Set<() => void>();
  // node --import tsx rather than the tsx binary: one process, so the signals below reach it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: PROJECT_ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const tail = (lines = 40) => output.split('\n').slice(-lines).join('\n');

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode == null && child.signalCode == null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // The embedded agent outlives the server by design; a test that made the data dir ends it.
    if (ownDataDir) {
      await stopLocalAgent(localAgentFiles(dataDir));
      await rm(dataDir, { recursive: true, force: true });
    }
  };

  const waitForOutput = (pattern: string | RegExp, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const matches = () =>
        typeof pattern === 'string' ? output.includes(pattern) : pattern.test(output);
      if (matches()) return resolve();
      const check = () => {
        if (!matches()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`server output did not show ${String(pattern)} in ${timeoutMs} ms`));
      }, timeoutMs);
      listeners.add(check);
    });

  try {
    await waitForHealthy(baseUrl, options.timeoutMs ?? 60_000, child, tail);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    baseUrl,
    port,
    dataDir,
    env,
    child,
    output: () => output,
    tail,
    waitForOutput,
    stop,
  };
}

async function waitForHealthy(
  baseUrl: string,
  timeoutMs: number,
  child: ChildProcess,
  tail: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode != null) {
      throw new Error(`server.ts exited with ${child.exitCode} before it was healthy:\n${tail()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/healthz`);
      if (response.ok) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server.ts not healthy after ${timeoutMs} ms (${last}):\n${tail()}`);
}

/**
 * Signs in like a browser, through next-auth's credentials endpoint (GET /api/auth/csrf, then
 * POST /api/auth/callback/credentials). Returns the session cookie as `name=value` (joined with
 * `; ` when next-auth split it into chunks), ready for a `Cookie` header.
 */
export async function signInCookie(
  baseUrl: string,
  email: string,
  password: string,
): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookies = csrf.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Cookie: csrfCookies.join('; '),
    },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseUrl}/` }),
  });
  await response.arrayBuffer();
  const session = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => /^(__Secure-)?next-auth\.session-token(\.\d+)?=./.test(c));
  if (session.length === 0) {
    throw new Error(
      `signing in as ${email} set no session cookie (HTTP ${response.status}, Location: ${response.headers.get('location')})`,
    );
  }
  return session.join('; ');
}
