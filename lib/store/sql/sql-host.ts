// What the identity stores need from the DataStore they belong to: where statements go (the
// driver or the open transaction), a way to run several atomically, and hierarchy lookups.
import type { Level } from '../data-store';
import type { Row, SqlDriver, SqlExecutor } from './sql-driver';

export interface SqlHost {
  readonly driver: SqlDriver;
  readonly executor: SqlExecutor;
  /** Runs a multi-statement change atomically, joining the caller's transaction if there is one. */
  atomically<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** The row of an object that must exist; NOT_FOUND names the first missing level. */
  resolveObject(executor: SqlExecutor, level: Level, names: string[]): Promise<Row>;
}
