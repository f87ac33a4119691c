// bench store: 10,000 workspaces in a realistic hierarchy, listed in keyset pages of 100, on
// SQLite and PostgreSQL; each page timed through the DataStore and through the raw driver running
// the same query, in the same run. Targets: p99 ≤ 5 ms (SQLite), ≤ 10 ms (PostgreSQL), and the
// store at most 1.3× the raw driver.
import path from 'node:path';

import Database from 'better-sqlite3';
import postgres from 'postgres';

import { SQLITE_FILE_NAME } from '../../lib/store/open-data-store';
import { type Dialect, openTestStore } from '../../lib/testing/test-stores';
import { loadHierarchy } from '../lib/hierarchy';
import { ms, stats, summaryLine, timed } from '../lib/measure';

const SHAPE = { ecosystems: 5, domainsPerEcosystem: 4, appsPerDomain: 25, workspacesPerApp: 20 }; // 10,000
const PAGE = 100;
const PASSES = 5;
const TARGET_P99_MS: Record<Dialect, number> = { sqlite: 5, postgres: 10 };
const TARGET_RATIO = 1.3;

/** Pages through every workspace; returns one duration per page. */
async function pageThrough(
  fetchPage: (cursor: string | undefined) => Promise<string | undefined>,
): Promise<number[]> {
  const samples: number[] = [];
  let cursor: string | undefined;
  do {
    let next: string | undefined;
    samples.push(await timed(async () => (next = await fetchPage(cursor))));
    cursor = next;
  } while (cursor !== undefined);
  return samples;
}

const RAW_SQL_SQLITE = 'select * from workspaces where sort_key > ? order by sort_key limit ?';

async function benchDialect(dialect: Dialect) {
  const t = await openTestStore(dialect);
  try {
    const loadMs = await loadHierarchy(t.store, SHAPE);
    const total = await t.store.workspaces.count({});
    if (total !== 10_000) throw new Error(`expected 10,000 workspaces, loaded ${total}`);

    // The raw driver runs the same keyset query and returns the rows with the JSON columns parsed,
    // which is the least any caller needs from them.
    let rawPage: (after: string) => Promise<Record<string, unknown>[]>;
    let closeRaw: () => Promise<void>;
    if (dialect === 'sqlite') {
      const db = new Database(path.join(t.config.dataDir, SQLITE_FILE_NAME));
      const statement = db.prepare(RAW_SQL_SQLITE);
      rawPage = async (after) => statement.all(after, PAGE + 1) as Record<string, unknown>[];
      closeRaw = async () => {
        db.close();
      };
    } else {
      const sql = postgres(t.config.databaseUrl!, { max: 1, onnotice: () => {} });
      rawPage = (after) =>
        sql<
          Record<string, unknown>[]
        >`select * from workspaces where sort_key > ${after} order by sort_key limit ${PAGE + 1}`;
      closeRaw = () => sql.end({ timeout: 5 });
    }

    const ours: number[] = [];
    const raw: number[] = [];
    for (let pass = 0; pass < PASSES + 1; pass++) {
      const oursPass = await pageThrough(async (cursor) => {
        const page = await t.store.workspaces.list({}, { limit: PAGE, cursor });
        if (page.items.length === 0) throw new Error('empty page');
        return page.nextCursor;
      });
      const rawPass = await pageThrough(async (after) => {
        const rows = await rawPage(after ?? '');
        for (const row of rows) {
          row.labels = JSON.parse(String(row.labels));
          row.annotations = JSON.parse(String(row.annotations));
          row.spec = JSON.parse(String(row.spec));
        }
        return rows.length > PAGE ? String(rows[PAGE - 1]!.sort_key) : undefined;
      });
      if (oursPass.length !== rawPass.length)
        throw new Error('the two paths saw different page counts');
      // The first pass warms caches and the JIT for both paths; it is not counted.
      if (pass > 0) {
        ours.push(...oursPass);
        raw.push(...rawPass);
      }
    }
    await closeRaw();
    return { dialect, loadMs, ours: stats(ours), raw: stats(raw) };
  } finally {
    await t.cleanup();
  }
}

const results = [];
for (const dialect of ['sqlite', 'postgres'] as const) {
  const r = await benchDialect(dialect);
  results.push(r);
  console.log(
    `${dialect.padEnd(8)} load 10,000 workspaces ${(r.loadMs / 1000).toFixed(2)}s | ` +
      `page of ${PAGE}: store p50 ${ms(r.ours.p50)} p99 ${ms(r.ours.p99)} | raw p50 ${ms(r.raw.p50)} p99 ${ms(r.raw.p99)} | ` +
      `ratio p50 ${(r.ours.p50 / r.raw.p50).toFixed(2)} (${r.ours.count} pages each)`,
  );
}

const worstRatio = Math.max(...results.map((r) => r.ours.p50 / r.raw.p50));
const met =
  results.every((r) => r.ours.p99 <= TARGET_P99_MS[r.dialect]) && worstRatio <= TARGET_RATIO;
const metrics: Record<string, string> = {};
for (const r of results) {
  metrics[`${r.dialect}_p50`] = ms(r.ours.p50);
  metrics[`${r.dialect}_p99`] = ms(r.ours.p99);
  metrics[`${r.dialect}_ratio`] = (r.ours.p50 / r.raw.p50).toFixed(2);
}
console.log(
  summaryLine(
    'store',
    metrics,
    worstRatio,
    `sqlite_p99<=5ms,postgres_p99<=10ms,ratio<=${TARGET_RATIO}`,
    met,
  ),
);
