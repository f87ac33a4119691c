// The two dialects' migrated databases must describe the same schema: same tables, columns,
// nullability, indexes and foreign keys. A migration added to one dialect only fails here (the
// compile-time half of this guard is schema-parity.ts).
import path from 'node:path';

import Database from 'better-sqlite3';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestStore, openTestStore } from '../testing/test-stores';
import { SQLITE_FILE_NAME } from './open-data-store';

interface SchemaShape {
  columns: string[]; // "table.column NOT NULL"
  indexes: string[]; // "table.index_name"
  foreignKeys: string[]; // "table.column -> other ON DELETE action"
}

const DELETE_ACTION: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

function sqliteShape(file: string): SchemaShape {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
      )
      .pluck()
      .all() as string[];
    const shape: SchemaShape = { columns: [], indexes: [], foreignKeys: [] };
    for (const table of tables) {
      for (const c of db
        .prepare('select name, "notnull" as nn, pk from pragma_table_info(?)')
        .all(table) as {
        name: string;
        nn: number;
        pk: number;
      }[]) {
        shape.columns.push(`${table}.${c.name}${c.nn || c.pk ? ' NOT NULL' : ''}`);
      }
      for (const i of db
        .prepare("select name from pragma_index_list(?) where origin = 'c'")
        .pluck()
        .all(table) as string[]) {
        shape.indexes.push(`${table}.${i}`);
      }
      for (const f of db
        .prepare('select "from", "table" as target, on_delete from pragma_foreign_key_list(?)')
        .all(table) as {
        from: string;
        target: string;
        on_delete: string;
      }[]) {
        shape.foreignKeys.push(`${table}.${f.from} -> ${f.target} ON DELETE ${f.on_delete}`);
      }
    }
    return sortShape(shape);
  } finally {
    db.close();
  }
}

async function postgresShape(url: string): Promise<SchemaShape> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const columns = await sql<{ table_name: string; column_name: string; is_nullable: string }[]>`
      select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public'`;
    const indexes = await sql<{ tablename: string; indexname: string }[]>`
      select tablename, indexname from pg_indexes where schemaname = 'public'
        and indexname not in (select conname from pg_constraint where contype = 'p')`;
    const foreignKeys = await sql<
      { source: string; column_name: string; target: string; action: string }[]
    >`
      select c.conrelid::regclass::text as source, a.attname as column_name,
             c.confrelid::regclass::text as target, c.confdeltype as action
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
      where c.contype = 'f' and c.connamespace = 'public'::regnamespace`;
    return sortShape({
      columns: columns.map(
        (c) => `${c.table_name}.${c.column_name}${c.is_nullable === 'NO' ? ' NOT NULL' : ''}`,
      ),
      indexes: indexes.map((i) => `${i.tablename}.${i.indexname}`),
      foreignKeys: foreignKeys.map(
        (f) => `${f.source}.${f.column_name} -> ${f.target} ON DELETE ${DELETE_ACTION[f.action]}`,
      ),
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function sortShape(shape: SchemaShape): SchemaShape {
  return {
    columns: shape.columns.sort(),
    indexes: shape.indexes.sort(),
    foreignKeys: shape.foreignKeys.sort(),
  };
}

describe('schema parity between the SQLite and PostgreSQL migrations', () => {
  let lite: TestStore;
  let pg: TestStore;

  beforeAll(async () => {
    lite = await openTestStore('sqlite');
    pg = await openTestStore('postgres');
  });

  afterAll(async () => {
    await lite?.cleanup();
    await pg?.cleanup();
  });

  it('migrates both dialects to the same tables, columns, indexes and foreign keys', async () => {
    const fromSqlite = sqliteShape(path.join(lite.config.dataDir, SQLITE_FILE_NAME));
    const fromPostgres = await postgresShape(pg.config.databaseUrl!);
    expect(fromSqlite.columns.length).toBeGreaterThan(40);
    expect(fromSqlite.foreignKeys).toContain('workspaces.app_id -> apps ON DELETE RESTRICT');
    expect(fromPostgres).toEqual(fromSqlite);
  });
});
