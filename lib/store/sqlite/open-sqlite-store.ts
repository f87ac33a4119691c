// The SQLite DataStore: one better-sqlite3 connection in WAL mode with foreign keys enforced,
// migrated from drizzle/sqlite at open. better-sqlite3 is synchronous, so a transaction spanning
// awaits is made safe by a process-wide lock plus BEGIN IMMEDIATE (see decisions/0002).
import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import { type Column, type SQL, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

import { AppError } from '../../errors';
import type { DataStore } from '../data-store';
import { AsyncLock } from '../sql/async-lock';
import { createSqlDataStore } from '../sql/sql-data-store';
import type { DriverErrorKind, Row, SqlDialect, SqlDriver, SqlExecutor } from '../sql/sql-driver';
import * as schema from './schema';

export interface SqliteStoreOptions {
  /** The database file; ':memory:' is not supported because migrations and WAL need a file. */
  file: string;
  migrationsDir: string;
  /** How long a writer waits for another process's lock before failing with UNAVAILABLE. */
  busyTimeoutMs?: number;
}

const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  levels: {
    ecosystem: { table: schema.ecosystems, ...schema.ecosystems, ancestors: {} },
    domain: { table: schema.domains, ...schema.domains, ancestors: { ecosystem: schema.domains.ecosystemId } },
    app: {
      table: schema.apps,
      ...schema.apps,
      ancestors: { ecosystem: schema.apps.ecosystemId, domain: schema.apps.domainId },
    },
    workspace: {
      table: schema.workspaces,
      ...schema.workspaces,
      ancestors: {
        ecosystem: schema.workspaces.ecosystemId,
        domain: schema.workspaces.domainId,
        app: schema.workspaces.appId,
      },
    },
  },
  contexts: { table: schema.userContexts, ...schema.userContexts },
  encodeTime: (date) => date.getTime(),
  decodeTime: (value) => new Date(Number(value)),
  jsonFieldEquals: (column: Column, key: string, value: string): SQL =>
    sql`json_extract(${column}, ${jsonPath(key)}) = ${value}`,
  classifyError,
};

/** A JSON path selecting one key, quoted so label keys with dots and slashes work. */
function jsonPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}

function classifyError(error: unknown): DriverErrorKind | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_READONLY') return 'connection';
  return undefined;
}

class SqliteDriver implements SqlDriver {
  readonly dialect = sqliteDialect;
  private readonly lock = new AsyncLock();
  private readonly direct: SqlExecutor;

  constructor(
    private readonly connection: Database.Database,
    private readonly db: BetterSQLite3Database,
  ) {
    this.direct = {
      all: async (query) => this.db.all<Row>(query),
      run: async (query) => this.db.run(query).changes,
    };
  }

  all(query: SQL): Promise<Row[]> {
    return this.lock.run(() => this.direct.all(query));
  }

  run(query: SQL): Promise<number> {
    return this.lock.run(() => this.direct.run(query));
  }

  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read.
      this.connection.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.connection.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.lock.run(() => this.connection.close());
  }
}

export function openSqliteStore(options: SqliteStoreOptions): DataStore {
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  let connection: Database.Database;
  try {
    connection = new Database(options.file);
  } catch (error) {
    throw new AppError('UNAVAILABLE', `Cannot open the SQLite database at ${options.file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  connection.pragma('synchronous = NORMAL');
  const db = drizzle(connection);
  migrate(db, { migrationsFolder: options.migrationsDir });
  return createSqlDataStore(new SqliteDriver(connection, db));
}
