// Plumbing shared by the stores that hang off the SQL DataStore (identity, hosts): statements go
// to the host store's executor, so they join its transaction when there is one.
import { type Column, type SQL, type Table, sql } from 'drizzle-orm';

import { AppError, invalid } from '../../errors';
import type { ListOptions } from '../data-store';
import type { Row } from './sql-driver';
import type { SqlHost } from './sql-host';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

export const identifier = (column: Column) => sql.identifier(column.name);

export function insertInto(table: Table, pairs: [Column, unknown][]): SQL {
  return sql`insert into ${table} (${sql.join(
    pairs.map(([column]) => identifier(column)),
    sql`, `,
  )}) values (${sql.join(
    pairs.map(([, value]) => sql`${value}`),
    sql`, `,
  )})`;
}

export function assignments(pairs: [Column, unknown][]): SQL {
  return sql.join(
    pairs.map(([column, value]) => sql`${identifier(column)} = ${value}`),
    sql`, `,
  );
}

export function pageLimit(options: ListOptions): number {
  const limit = options.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw invalid(`The page size must be a whole number from 1 to ${MAX_PAGE}.`, [
      { path: 'limit', message: `must be 1..${MAX_PAGE} (got ${limit})` },
    ]);
  }
  return limit;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], path: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalid(`${path} must be one of ${allowed.join(', ')}.`, [
      { path, message: `must be one of ${allowed.join(', ')} (got "${value}")` },
    ]);
  }
  return value as T;
}

/** Shared plumbing: the host store's executor, dialect and error mapping. */
export abstract class SqlPart {
  constructor(protected readonly host: SqlHost) {}

  protected get dialect() {
    return this.host.driver.dialect;
  }

  protected get tables() {
    return this.host.driver.dialect.identity;
  }

  protected all(query: SQL): Promise<Row[]> {
    return this.host.executor.all(query);
  }

  protected run(query: SQL): Promise<number> {
    return this.host.executor.run(query);
  }

  protected time(date: Date): unknown {
    return this.dialect.encodeTime(date);
  }

  protected optionalTime(value: unknown): Date | undefined {
    return value === null || value === undefined ? undefined : this.dialect.decodeTime(value);
  }

  /** Maps a unique violation to ALREADY_EXISTS with `message`; other driver errors as usual. */
  protected async unique<T>(message: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (this.dialect.classifyError(error) === 'unique')
        throw new AppError('ALREADY_EXISTS', message, { cause: error });
      throw error;
    }
  }
}
