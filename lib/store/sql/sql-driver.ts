// The seam between the shared SQL implementation of the DataStore and one database driver.
// A driver runs drizzle `sql` queries and knows its dialect's encodings; the shared code never
// branches on the dialect itself.
import type { Column, SQL } from 'drizzle-orm';

import type { Level } from '../data-store';
import type {
  BuildTables,
  ContextTable,
  HostTables,
  IdentityTables,
  LevelTable,
} from './level-tables';

export type Row = Record<string, unknown>;

export interface SqlExecutor {
  all(query: SQL): Promise<Row[]>;
  /** Runs a statement and returns the number of rows it changed. */
  run(query: SQL): Promise<number>;
}

export type DriverErrorKind = 'unique' | 'foreign-key' | 'busy' | 'connection';

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly levels: Record<Level, LevelTable>;
  readonly contexts: ContextTable;
  readonly identity: IdentityTables;
  readonly hosts: HostTables;
  readonly builds: BuildTables;
  /** A timestamp as a query parameter for this dialect's column type. */
  encodeTime(date: Date): unknown;
  /** Appended to a SELECT to lock its rows until the transaction ends ('' where writes serialise anyway). */
  readonly rowLock: SQL;
  /** A boolean as a query parameter (SQLite has no boolean type: 0/1). */
  encodeBool(value: boolean): unknown;
  decodeTime(value: unknown): Date;
  /** A boolean SQL condition: the JSON object in `column` has `key` equal to `value`. */
  jsonFieldEquals(column: Column, key: string, value: string): SQL;
  /** Recognises the driver's error for the cases the store maps to its own codes. */
  classifyError(error: unknown): DriverErrorKind | undefined;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: SqlDialect;
  /** Runs `fn` inside one database transaction: commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
