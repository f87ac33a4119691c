// Server-only: reads the process environment. The control plane's configuration comes from here
// and nowhere else (DESIGN.md §8); every variable is documented in the README. All problems are
// reported at once, as one INVALID error whose field paths are the variable names.

import path from 'node:path';
import { normalizeOrigin } from '@/lib/auth/origin';
import { passwordProblem } from '@/lib/auth/password';
import { secretKeyProblem } from '@/lib/auth/sealed-secret';
import { AppError, type FieldError } from '@/lib/errors';

export interface Config {
  /** `PORT`: where server.ts listens. 0 picks a free port (the start-up log line shows it). */
  port: number;
  /** `DVM_DATA_DIR`, absolute: the SQLite file and keys live here. */
  dataDir: string;
  /** `DATABASE_URL`: set only for PostgreSQL; unset means SQLite in `dataDir`. */
  databaseUrl?: string;
  /** `DOCKER_HOST`: passed to the local agent. */
  dockerHost?: string;
  /** `DVM_ADMIN_EMAIL` / `DVM_ADMIN_PASSWORD`: the first admin, created headlessly. */
  admin?: { email: string; password: string };
  /** `DVM_ALLOWED_PATHS`: absolute host path roots that apps may mount. */
  allowedPaths: string[];
  /** `DVM_LOCAL_AGENT`: start the embedded agent (default on). */
  localAgent: boolean;
  /**
   * `DVM_AGENT_CA_FILE`: PEM file of the CA that signed the certificates of agents serving TLS
   * (hosts whose address is `tls://host:port`); unset: the system's trusted roots.
   */
  agentCaFile?: string;
  /** `DVM_HEARTBEAT_INTERVAL_MS`: how often agents beat (default 2000); unhealthy after two missed. */
  heartbeatMs: number;
  /** `DVM_RECONCILE_INTERVAL_MS`: how often workspace state is read back from hosts (default 5000). */
  reconcileMs: number;
  /** `DVM_BUILD_CONCURRENCY`: image builds running at once per host (default 2); more wait queued. */
  buildConcurrency: number;
  /**
   * `DVM_TRUST_PROXY`: believe the client address in `X-Forwarded-For` (on only behind a reverse
   * proxy that sets it). Off by default: anyone could otherwise pick the address that the
   * per-address sign-in throttle and the audit log see.
   */
  trustProxy: boolean;
  /** `DVM_PUBLIC_URL`: the origin users reach the server at (`https://dvm.example.com`). */
  publicUrl?: string;
  /**
   * Origins allowed to open WebSockets: `DVM_ALLOWED_ORIGINS` (comma list) or, when unset,
   * `http://localhost:<port>` and `http://127.0.0.1:<port>`; `publicUrl` always.
   */
  allowedOrigins: string[];
  /**
   * `DVM_SESSION_SECRET` (or next-auth's own `NEXTAUTH_SECRET`): the key for session cookies.
   * Unset: one is generated and kept in the database (lib/auth/session-secret.ts).
   */
  sessionSecret?: string;
  /**
   * `DVM_SECRET_KEY`: base64 of the 32-byte key that seals host agent credentials at rest
   * (lib/auth/sealed-secret.ts). Unset: a key file in `dataDir/keys` is created on first use.
   */
  secretKey?: string;
  /** Single sign-on providers, each switched on by its variables. */
  sso: SsoConfig;
}

export interface SsoConfig {
  /** `DVM_OIDC_ISSUER`, `DVM_OIDC_CLIENT_ID`, `DVM_OIDC_CLIENT_SECRET`, `DVM_OIDC_NAME`. */
  oidc?: { issuer: string; clientId: string; clientSecret: string; name: string };
  /** `DVM_GITHUB_CLIENT_ID`, `DVM_GITHUB_CLIENT_SECRET`. */
  github?: { clientId: string; clientSecret: string };
}

type Env = Record<string, string | undefined>;

/** Empty and blank values count as unset, as they do in most shells' `VAR= cmd`. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const errors: FieldError[] = [];
  const fail = (variable: string, message: string) => errors.push({ path: variable, message });

  let port = 3000;
  const rawPort = read(env, 'PORT');
  if (rawPort !== undefined) {
    port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
    if (!(port >= 0 && port <= 65535)) {
      fail('PORT', `PORT must be a port number from 0 to 65535, got "${rawPort}".`);
    }
  }

  const dataDir = path.resolve(cwd, read(env, 'DVM_DATA_DIR') ?? './data');

  const databaseUrl = read(env, 'DATABASE_URL');
  if (databaseUrl !== undefined) {
    // The value may hold a password: name the scheme in messages, never the URL.
    let scheme: string | undefined;
    try {
      scheme = new URL(databaseUrl).protocol;
    } catch {
      fail(
        'DATABASE_URL',
        'DATABASE_URL is not a valid URL; use postgres://user:password@host:5432/database, or leave it unset to use SQLite in DVM_DATA_DIR.',
      );
    }
    if (scheme !== undefined && scheme !== 'postgres:' && scheme !== 'postgresql:') {
      fail(
        'DATABASE_URL',
        `DATABASE_URL must start with postgres:// (PostgreSQL), got "${scheme}//". For SQLite, leave DATABASE_URL unset and set DVM_DATA_DIR.`,
      );
    }
  }

  const adminEmail = read(env, 'DVM_ADMIN_EMAIL');
  const adminPassword = env.DVM_ADMIN_PASSWORD || undefined; // passwords are taken verbatim
  let admin: Config['admin'];
  if (adminEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) {
    fail('DVM_ADMIN_EMAIL', `DVM_ADMIN_EMAIL must be an email address, got "${adminEmail}".`);
  }
  if (adminEmail !== undefined && adminPassword === undefined) {
    fail('DVM_ADMIN_PASSWORD', 'DVM_ADMIN_PASSWORD must be set when DVM_ADMIN_EMAIL is.');
  } else if (adminEmail === undefined && adminPassword !== undefined) {
    fail('DVM_ADMIN_EMAIL', 'DVM_ADMIN_EMAIL must be set when DVM_ADMIN_PASSWORD is.');
  } else if (adminPassword !== undefined && passwordProblem(adminPassword) !== undefined) {
    fail('DVM_ADMIN_PASSWORD', `DVM_ADMIN_PASSWORD ${passwordProblem(adminPassword)}.`);
  } else if (adminEmail !== undefined && adminPassword !== undefined) {
    admin = { email: adminEmail, password: adminPassword };
  }

  const allowedPaths: string[] = [];
  for (const entry of (read(env, 'DVM_ALLOWED_PATHS') ?? '').split(':')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    if (!path.isAbsolute(trimmed)) {
      fail(
        'DVM_ALLOWED_PATHS',
        `DVM_ALLOWED_PATHS takes absolute paths separated by ":", got "${trimmed}".`,
      );
      continue;
    }
    const normalised = path.resolve(trimmed);
    if (!allowedPaths.includes(normalised)) allowedPaths.push(normalised);
  }

  let localAgent = true;
  const rawAgent = read(env, 'DVM_LOCAL_AGENT');
  if (rawAgent !== undefined) {
    const value = rawAgent.toLowerCase();
    if (value === 'on' || value === 'off') localAgent = value === 'on';
    else fail('DVM_LOCAL_AGENT', `DVM_LOCAL_AGENT must be "on" or "off", got "${rawAgent}".`);
  }

  const interval = (variable: string, fallback: number): number => {
    const raw = read(env, variable);
    if (raw === undefined) return fallback;
    const value = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= 100 && value <= 600_000)) {
      fail(variable, `${variable} must be milliseconds from 100 to 600000, got "${raw}".`);
      return fallback;
    }
    return value;
  };
  const agentCaFile = read(env, 'DVM_AGENT_CA_FILE');
  if (agentCaFile !== undefined && !path.isAbsolute(agentCaFile)) {
    fail('DVM_AGENT_CA_FILE', `DVM_AGENT_CA_FILE must be an absolute path, got "${agentCaFile}".`);
  }
  const heartbeatMs = interval('DVM_HEARTBEAT_INTERVAL_MS', 2000);
  const reconcileMs = interval('DVM_RECONCILE_INTERVAL_MS', 5000);

  let buildConcurrency = 2;
  const rawConcurrency = read(env, 'DVM_BUILD_CONCURRENCY');
  if (rawConcurrency !== undefined) {
    buildConcurrency = /^\d{1,3}$/.test(rawConcurrency) ? Number(rawConcurrency) : NaN;
    if (!(buildConcurrency >= 1 && buildConcurrency <= 64)) {
      fail(
        'DVM_BUILD_CONCURRENCY',
        `DVM_BUILD_CONCURRENCY must be a whole number from 1 to 64 (builds at once per host), got "${rawConcurrency}".`,
      );
      buildConcurrency = 2;
    }
  }

  let trustProxy = false;
  const rawTrustProxy = read(env, 'DVM_TRUST_PROXY');
  if (rawTrustProxy !== undefined) {
    const value = rawTrustProxy.toLowerCase();
    if (value === 'on' || value === 'off') trustProxy = value === 'on';
    else fail('DVM_TRUST_PROXY', `DVM_TRUST_PROXY must be "on" or "off", got "${rawTrustProxy}".`);
  }

  let publicUrl: string | undefined;
  const rawPublicUrl = read(env, 'DVM_PUBLIC_URL');
  if (rawPublicUrl !== undefined) {
    publicUrl = originOf(rawPublicUrl);
    if (publicUrl === undefined) {
      fail(
        'DVM_PUBLIC_URL',
        `DVM_PUBLIC_URL must be the http:// or https:// address users open, without a path, e.g. https://dvm.example.com; got "${rawPublicUrl}".`,
      );
    }
  }

  const allowedOrigins: string[] = [];
  const rawOrigins = read(env, 'DVM_ALLOWED_ORIGINS');
  if (rawOrigins !== undefined) {
    for (const entry of rawOrigins.split(',')) {
      const trimmed = entry.trim();
      if (!trimmed) continue;
      const origin = originOf(trimmed);
      if (origin === undefined) {
        fail(
          'DVM_ALLOWED_ORIGINS',
          `DVM_ALLOWED_ORIGINS takes origins such as https://dvm.example.com separated by ",", got "${trimmed}".`,
        );
      } else if (!allowedOrigins.includes(origin)) {
        allowedOrigins.push(origin);
      }
    }
  } else if (port !== 0 && Number.isInteger(port)) {
    allowedOrigins.push(`http://localhost:${port}`, `http://127.0.0.1:${port}`);
  }
  if (publicUrl !== undefined && !allowedOrigins.includes(publicUrl)) {
    allowedOrigins.unshift(publicUrl);
  }

  // Secrets are taken verbatim and never echoed.
  let sessionSecret: string | undefined;
  for (const variable of ['DVM_SESSION_SECRET', 'NEXTAUTH_SECRET']) {
    const value = env[variable] || undefined;
    if (value === undefined) continue;
    if (value.length < 32) {
      fail(
        variable,
        `${variable} must be at least 32 characters long (e.g. openssl rand -base64 32).`,
      );
    } else if (sessionSecret !== undefined && value !== sessionSecret) {
      fail(variable, `DVM_SESSION_SECRET and NEXTAUTH_SECRET are both set but differ; set one.`);
    } else {
      sessionSecret = value;
    }
  }

  // Taken verbatim and never echoed, like the session secret.
  const secretKey = env.DVM_SECRET_KEY?.trim() || undefined;
  const secretKeyIssue = secretKey === undefined ? undefined : secretKeyProblem(secretKey);
  if (secretKeyIssue) fail('DVM_SECRET_KEY', secretKeyIssue);

  const sso: SsoConfig = {};
  const oidc = readGroup(env, fail, 'OIDC single sign-on', [
    'DVM_OIDC_ISSUER',
    'DVM_OIDC_CLIENT_ID',
    'DVM_OIDC_CLIENT_SECRET',
  ]);
  if (oidc) {
    const [rawIssuer, clientId, clientSecret] = oidc as [string, string, string];
    const issuer = issuerOf(rawIssuer);
    if (issuer === undefined) {
      fail(
        'DVM_OIDC_ISSUER',
        `DVM_OIDC_ISSUER must be the provider's https:// issuer URL (its /.well-known/openid-configuration is read), got "${rawIssuer}".`,
      );
    } else {
      sso.oidc = { issuer, clientId, clientSecret, name: read(env, 'DVM_OIDC_NAME') ?? 'SSO' };
    }
  }
  const github = readGroup(env, fail, 'GitHub sign-in', [
    'DVM_GITHUB_CLIENT_ID',
    'DVM_GITHUB_CLIENT_SECRET',
  ]);
  if (github) {
    const [clientId, clientSecret] = github as [string, string];
    sso.github = { clientId, clientSecret };
  }

  if (errors.length > 0) {
    throw new AppError(
      'INVALID',
      `Invalid configuration: ${errors.map((e) => e.message).join(' ')}`,
      {
        errors,
      },
    );
  }

  const dockerHost = read(env, 'DOCKER_HOST');
  return {
    port,
    dataDir,
    ...(databaseUrl !== undefined && { databaseUrl }),
    ...(dockerHost !== undefined && { dockerHost }),
    ...(admin && { admin }),
    allowedPaths,
    localAgent,
    ...(agentCaFile !== undefined && { agentCaFile }),
    heartbeatMs,
    reconcileMs,
    buildConcurrency,
    trustProxy,
    ...(publicUrl !== undefined && { publicUrl }),
    allowedOrigins,
    ...(sessionSecret !== undefined && { sessionSecret }),
    ...(secretKey !== undefined && { secretKey }),
    sso,
  };
}

/** The origin of an http(s) URL without a path, query or credentials; undefined otherwise. */
function originOf(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash) return undefined;
  if (url.pathname !== '/' && url.pathname !== '') return undefined;
  return normalizeOrigin(value);
}

/** An OIDC issuer: https, or http only on the loopback interface (a provider in a test). */
function issuerOf(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return undefined;
  if (url.username || url.password || url.search || url.hash) return undefined;
  return url.toString().replace(/\/$/, '');
}

/**
 * Variables that only make sense together: all of them (returned in order), none (undefined), or
 * an error naming each missing one.
 */
function readGroup(
  env: Env,
  fail: (variable: string, message: string) => void,
  feature: string,
  names: string[],
): string[] | undefined {
  const values = names.map((name) => read(env, name));
  if (values.every((value) => value === undefined)) return undefined;
  const given = names.filter((_, i) => values[i] !== undefined);
  names.forEach((name, i) => {
    if (values[i] === undefined) {
      fail(
        name,
        `${name} must be set for ${feature} (${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set).`,
      );
    }
  });
  return values.every((value) => value !== undefined) ? (values as string[]) : undefined;
}
