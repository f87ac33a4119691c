// The PostgreSQL DataStore over postgres.js, migrated from drizzle/postgres at open. Several
// control-plane replicas may start at once: migrations run under an advisory lock.
// drizzle builds every query; postgres.js runs it as a named prepared statement, which drizzle's
// own executor does not do and which halves the cost of a small query (docs/decisions/0002).
import { type Column, type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

import { AppError } from '../../errors';
import type { DataStore } from '../data-store';
import { tablesOf } from '../sql/level-tables';
import { createSqlDataStore } from '../sql/sql-data-store';
import { refuseNulCharacters } from '../sql/text-params';
import type { DriverErrorKind, Row, SqlDialect, SqlDriver, SqlExecutor } from '../sql/sql-driver';
import * as schema from './schema';

export interface PostgresStoreOptions {
  url: string;
  migrationsDir: string;
  /** Connections in the pool; default 10. */
  maxConnections?: number;
  /** Called with the text of every query sent (postgres.js's `debug`), for tests that count queries. */
  onQuery?: (sql: string) => void;
}

/** Any fixed 64-bit number shared by all replicas: "dvm migrate" in ASCII. */
const MIGRATION_LOCK_ID = 0x64766d6d696772n;

const postgresDialect: SqlDialect = {
  name: 'postgres',
  ...tablesOf(schema),
  rowLock: sql`for update`,
  encodeBool: (value) => value,
  encodeTime: (date) => date.toISOString(),
  decodeTime: (value) => (value instanceof Date ? value : new Date(String(value))),
  jsonFieldEquals: (column: Column, key: string, value: string): SQL =>
    sql`(cast(${column} as jsonb) ->> ${key}) = ${value}`,
  classifyError,
};

function classifyError(error: unknown): DriverErrorKind | undefined {
  // drizzle wraps driver errors; the SQLSTATE lives on the error or on its cause.
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '23505') return 'unique';
    if (code === '23503') return 'foreign-key';
    if (code === '40001' || code === '40P01' || code === '55P03') return 'busy';
    if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'CONNECTION_CLOSED' ||
      code === 'CONNECT_TIMEOUT' ||
      code === '57P01' ||
      code === '3D000' ||
      code === '28P01' ||
      code === '28000'
    ) {
      return 'connection';
    }
  }
  return undefined;
}

const queryBuilder = new PgDialect();

type Parameter = postgres.ParameterOrJSON<never>;

function executorOf(client: postgres.Sql | postgres.TransactionSql): SqlExecutor {
  const execute = (query: SQL) => {
    const { sql: text, params } = queryBuilder.sqlToQuery(query);
    refuseNulCharacters(params);
    return client.unsafe<Row[]>(text, params as Parameter[], { prepare: true });
  };
  return {
    all: async (query) => execute(query),
    run: async (query) => (await execute(query)).count,
  };
}

class PostgresDriver implements SqlDriver {
  readonly dialect = postgresDialect;
  private readonly direct: SqlExecutor;

  constructor(private readonly client: postgres.Sql) {
    this.direct = executorOf(client);
  }

  all(query: SQL): Promise<Row[]> {
    return this.direct.all(query);
  }

  run(query: SQL): Promise<number> {
    return this.direct.run(query);
  }

  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return this.client.begin((tx) => fn(executorOf(tx))) as Promise<T>;
  }

  async close(): Promise<void> {
    await this.client.end({ timeout: 5 });
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<DataStore> {
  const client = postgres(options.url, {
    max: options.maxConnections ?? 10,
    connection: { application_name: 'devopsmaestro' },
    onnotice: () => {},
    ...(options.onQuery && { debug: (_connection, query) => options.onQuery!(query) }),
  });
  const safeUrl = options.url.replace(/\/\/[^@/]*@/, '//***@');
  try {
    const lockConnection = await client.reserve();
    try {
      await lockConnection`select pg_advisory_lock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
      await migrate(drizzle(client), { migrationsFolder: options.migrationsDir });
    } finally {
      await lockConnection`select pg_advisory_unlock(${MIGRATION_LOCK_ID.toString()}::bigint)`.catch(
        () => {},
      );
      lockConnection.release();
    }
  } catch (error) {
    await client.end({ timeout: 1 }).catch(() => {});
    if (classifyError(error) === 'connection') {
      throw new AppError(
        'UNAVAILABLE',
        `Cannot connect to PostgreSQL at ${safeUrl}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    throw new AppError(
      'INTERNAL',
      `Migrating PostgreSQL at ${safeUrl} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return createSqlDataStore(new PostgresDriver(client));
}
