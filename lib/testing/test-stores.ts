// Fresh, fully migrated DataStores for tests: a new SQLite file, or a new database in the test
// PostgreSQL. Each call gets its own, so suites never see each other's rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import postgres from 'postgres';

import type { DataStore } from '../store/data-store';
import { openDataStore } from '../store/open-data-store';
import { requireService } from './test-env';

export type Dialect = DataStore['dialect'];
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export interface TestStore {
  store: DataStore;
  /** What openDataStore needs to open the same database again (e.g. from another process). */
  config: { dataDir: string; databaseUrl?: string };
  /** Opens a second, independent connection to the same database. */
  reopen(): Promise<DataStore>;
  cleanup(): Promise<void>;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates an empty database in the test PostgreSQL and returns its URL and a dropper. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = requireService('postgres');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = uniqueName('dvm_test');
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvm-store-'));
  const database = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
  const config = { dataDir, databaseUrl: database?.url };
  const opened: DataStore[] = [];
  const open = async () => {
    const store = await openDataStore(config);
    opened.push(store);
    return store;
  };
  const store = await open();
  return {
    store,
    config,
    reopen: open,
    async cleanup() {
      for (const s of opened) await s.close().catch(() => {});
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
