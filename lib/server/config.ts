// Server-only: reads the process environment. The control plane's configuration comes from here
// and nowhere else (DESIGN.md §8); every variable is documented in the README. All problems are
// reported at once, as one INVALID error whose field paths are the variable names.

import path from 'node:path';
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
  } else if (adminPassword !== undefined && adminPassword.length < 8) {
    fail('DVM_ADMIN_PASSWORD', 'DVM_ADMIN_PASSWORD must be at least 8 characters long.');
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
  };
}
