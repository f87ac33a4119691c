// A fingerprint of everything a resource request may write, read straight from the database a
// running server uses (its SQLite file, or its PostgreSQL database), so a test can prove that a
// refused request wrote nothing: not a row, not a version bump, not an audit entry.
//
// Every row of the object tables, the memberships and the active contexts is hashed in full (a
// write that forgot to bump the version is still seen); the append-only audit log counts by its
// size and newest id. Tokens, sessions and throttling change on every authenticated request
// (last use) and are left out on purpose.
//
//   const fp = await openFingerprint({ dataDir: server.dataDir });
//   const before = await fp.read();
//   … a request that must be refused …
//   expect(await fp.read()).toBe(before);
//   await fp.close();

import { createHash } from 'node:crypto';
import path from 'node:path';

import Database from 'better-sqlite3';
import postgres from 'postgres';

const HASHED_TABLES = [
  'ecosystems',
  'domains',
  'apps',
  'workspaces',
  'memberships',
  'user_contexts',
] as const;

export interface Fingerprint {
  /** One line per table: `<table> <rows> <sha256 of the rows>`, then the audit log's size and head. */
  read(): Promise<string>;
  /** Object counts per level, for messages. */
  counts(): Promise<Record<'ecosystems' | 'domains' | 'apps' | 'workspaces', number>>;
  close(): Promise<void>;
}

function digest(rows: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16);
}

/** The same ORDER BY on both dialects: every column, so no row order depends on the plan. */
const ORDER_BY: Record<(typeof HASHED_TABLES)[number], string> = {
  ecosystems: 'id',
  domains: 'id',
  apps: 'id',
  workspaces: 'id',
  memberships: 'user_id, ecosystem_id',
  user_contexts: 'user_id',
};

export async function openFingerprint(config: {
  dataDir: string;
  databaseUrl?: string;
}): Promise<Fingerprint> {
  if (config.databaseUrl) {
    const sql = postgres(config.databaseUrl, { max: 1, onnotice: () => {} });
    const read = async () => {
      const lines: string[] = [];
      for (const table of HASHED_TABLES) {
        const rows = await sql.unsafe(`select * from ${table} order by ${ORDER_BY[table]}`);
        lines.push(`${table} ${rows.length} ${digest([...rows])}`);
      }
      const [audit] = await sql.unsafe(
        "select count(*)::int as n, coalesce(max(id), '') as head from audit_events",
      );
      lines.push(`audit_events ${audit!.n} ${audit!.head}`);
      return lines.join('\n');
    };
    return {
      read,
      async counts() {
        const [row] = await sql.unsafe(
          `select (select count(*)::int from ecosystems) as ecosystems,
                  (select count(*)::int from domains) as domains,
                  (select count(*)::int from apps) as apps,
                  (select count(*)::int from workspaces) as workspaces`,
        );
        return row as unknown as Record<'ecosystems' | 'domains' | 'apps' | 'workspaces', number>;
      },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const db = new Database(path.join(config.dataDir, 'devopsmaestro.db'), {
    readonly: true,
    fileMustExist: true,
  });
  const statements = HASHED_TABLES.map((table) => ({
    table,
    all: db.prepare(`select * from ${table} order by ${ORDER_BY[table]}`),
  }));
  const audit = db.prepare("select count(*) as n, coalesce(max(id), '') as head from audit_events");
  const counts = db.prepare(
    `select (select count(*) from ecosystems) as ecosystems, (select count(*) from domains) as domains,
            (select count(*) from apps) as apps, (select count(*) from workspaces) as workspaces`,
  );
  return {
    async read() {
      // One read transaction, so the lines are one snapshot.
      return db.transaction(() => {
        const lines = statements.map(({ table, all }) => {
          const rows = all.all();
          return `${table} ${rows.length} ${digest(rows)}`;
        });
        const { n, head } = audit.get() as { n: number; head: string };
        lines.push(`audit_events ${n} ${head}`);
        return lines.join('\n');
      })();
    },
    async counts() {
      return counts.get() as Record<'ecosystems' | 'domains' | 'apps' | 'workspaces', number>;
    },
    async close() {
      db.close();
    },
  };
}
