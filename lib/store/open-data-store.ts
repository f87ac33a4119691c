// The one factory for the DataStore, called by the composition root. An empty DATABASE_URL means
// the embedded default: SQLite in the data directory.
import path from 'node:path';

import { invalid } from '../errors';
import type { DataStore } from './data-store';
import { openPostgresStore } from './postgres/open-postgres-store';
import { openSqliteStore } from './sqlite/open-sqlite-store';

export interface StoreConfig {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; absent selects SQLite. */
  databaseUrl?: string;
  /** Holds `devopsmaestro.db` for SQLite. */
  dataDir: string;
  /** Where `drizzle/` lives; the current directory by default (the server runs from the checkout). */
  projectRoot?: string;
}

export const SQLITE_FILE_NAME = 'devopsmaestro.db';

export async function openDataStore(config: StoreConfig): Promise<DataStore> {
  const root = config.projectRoot ?? process.cwd();
  const url = config.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw invalid(
        'DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/db), or unset for SQLite.',
        [{ path: 'DATABASE_URL', message: 'must start with postgres:// or postgresql://' }],
      );
    }
    return openPostgresStore({ url, migrationsDir: path.join(root, 'drizzle', 'postgres') });
  }
  return openSqliteStore({
    file: path.join(path.resolve(config.dataDir), SQLITE_FILE_NAME),
    migrationsDir: path.join(root, 'drizzle', 'sqlite'),
  });
}
