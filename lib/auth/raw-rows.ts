// Tests only: every row of a table read with the raw driver, bypassing the DataStore, to prove
// what is (and is not) stored at rest.

import path from 'node:path';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import type { TestStore } from '@/lib/testing/test-stores';

export async function rawRows(test: TestStore, table: string): Promise<Record<string, unknown>[]> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
  if (test.config.databaseUrl) {
    const sql = postgres(test.config.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      return [...(await sql.unsafe(`select * from ${table}`))];
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  const db = new Database(path.join(test.config.dataDir, 'devopsmaestro.db'), { readonly: true });
  try {
    return db.prepare(`select * from ${table}`).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
