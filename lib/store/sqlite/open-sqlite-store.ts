// The SQLite DataStore: one better-sqlite3 connection per file and process, in WAL mode with
// foreign keys enforced, migrated from drizzle/sqlite at open. better-sqlite3 is synchronous, so a
// transaction spanning awaits is made safe by a per-connection lock plus BEGIN IMMEDIATE, and
// another process's write lock is waited for asynchronously (see docs/decisions/0002).
import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import { type Column, type SQL, sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

import { AppError } from '../../errors';
import type { DataStore } from '../data-store';
import { AsyncLock } from '../sql/async-lock';
import { refuseNulCharacters } from '../sql/text-params';
import { tablesOf } from '../sql/level-tables';
import { createSqlDataStore } from '../sql/sql-data-store';
import type { DriverErrorKind, Row, SqlDialect, SqlDriver, SqlExecutor } from '../sql/sql-driver';
import * as schema from './schema';

export interface SqliteStoreOptions {
  /** The database file; ':memory:' is not supported because migrations and WAL need a file. */
  file: string;
  migrationsDir: string;
  /** How long a writer waits for another process's lock before failing with UNAVAILABLE. */
  busyTimeoutMs?: number;
  /**
   * Called with the text of every statement the connection runs (better-sqlite3's `verbose`),
   * for tests that count queries. Only the first store opened on a file installs it: later
   * stores share that connection.
   */
  onQuery?: (sql: string) => void;
}

/**
 * SQLite's own busy handler sleeps synchronously and would freeze the event loop (and with it the
 * transaction that holds the lock, if it is ours); so it only gets a short slice, and longer waits
 * are retried here with timers.
 */
const SYNC_BUSY_SLICE_MS = 20;

async function retryWhileBusy<T>(timeoutMs: number, fn: () => T): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (classifyError(error) !== 'busy' || Date.now() >= deadline) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(5 * 2 ** attempt, 100) * (0.5 + Math.random())),
      );
    }
  }
}

const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  ...tablesOf(schema),
  rowLock: sql``,
  encodeBool: (value) => (value ? 1 : 0),
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
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_READONLY') return 'connection';
  return undefined;
}

const queryBuilder = new SQLiteSyncDialect();
const STATEMENT_CACHE_SIZE = 256;

class SqliteDriver implements SqlDriver {
  readonly dialect = sqliteDialect;
  private readonly lock = new AsyncLock();
  private readonly direct: SqlExecutor;
  /** drizzle builds the SQL; prepared statements are kept, since preparing costs more than a lookup. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly connection: Database.Database,
    private readonly busyTimeoutMs: number,
    private readonly onClose: () => boolean,
  ) {
    // Inside a transaction the write lock is already ours: statements run directly.
    this.direct = {
      all: async (query) => this.allNow(query),
      run: async (query) => this.runNow(query),
    };
  }

  all(query: SQL): Promise<Row[]> {
    return this.lock.run(() => retryWhileBusy(this.busyTimeoutMs, () => this.allNow(query)));
  }

  run(query: SQL): Promise<number> {
    return this.lock.run(() => retryWhileBusy(this.busyTimeoutMs, () => this.runNow(query)));
  }

  private prepare(query: SQL): { statement: Database.Statement; params: unknown[] } {
    const { sql: text, params } = queryBuilder.sqlToQuery(query);
    refuseNulCharacters(params);
    let statement = this.statements.get(text);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      statement = this.connection.prepare(text);
      this.statements.set(text, statement);
    }
    return { statement, params };
  }

  private allNow(query: SQL): Row[] {
    const { statement, params } = this.prepare(query);
    return statement.reader ? (statement.all(...params) as Row[]) : (statement.run(...params), []);
  }

  private runNow(query: SQL): number {
    const { statement, params } = this.prepare(query);
    return statement.run(...params).changes;
  }

  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read.
      await retryWhileBusy(this.busyTimeoutMs, () => this.connection.exec('BEGIN IMMEDIATE'));
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
    await this.lock.run(() => {
      if (this.onClose()) this.connection.close();
    });
  }
}

/**
 * Stores opened on the same file in one process share one connection (and so one lock): two
 * connections in one process would wait on each other's locks with no way to yield.
 */
const openDrivers = new Map<string, { driver: SqliteDriver; users: number }>();

export function openSqliteStore(options: SqliteStoreOptions): DataStore {
  const file = path.resolve(options.file);
  const shared = openDrivers.get(file);
  if (shared) {
    shared.users += 1;
    return createSqlDataStore(shared.driver);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let connection: Database.Database | undefined;
  try {
    connection = new Database(
      file,
      options.onQuery ? { verbose: (text) => options.onQuery!(String(text)) } : {},
    );
    connection.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma('synchronous = NORMAL');
    // Migrations run once at open, before the event loop matters, so the long busy wait is fine.
    migrate(drizzle(connection), { migrationsFolder: options.migrationsDir });
    connection.pragma(`busy_timeout = ${SYNC_BUSY_SLICE_MS}`);
  } catch (error) {
    connection?.close();
    throw new AppError(
      'UNAVAILABLE',
      `Cannot open the SQLite database at ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const entry = {
    users: 1,
    driver: new SqliteDriver(connection, options.busyTimeoutMs ?? 10_000, () => {
      entry.users -= 1;
      if (entry.users > 0) return false;
      openDrivers.delete(file);
      return true;
    }),
  };
  openDrivers.set(file, entry);
  return createSqlDataStore(entry.driver);
}
