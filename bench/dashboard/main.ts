// bench dashboard: with 1,000 apps stored (10 ecosystems × 10 domains × 10 apps, one workspace
// each), the server time of the ecosystems page — GET /ecosystems with an administrator's session
// cookie against the real server (server.ts, production build), sequential requests so the time
// is the server's and not a queue's; the page lists the ecosystems with what each holds — and in
// the same run the same DataStore reads run bare in this process. On SQLite and PostgreSQL. Target: p95 ≤ 200 ms on this machine.
import { hashNewPassword } from '../../lib/domain/new-password';
import type { DataStore } from '../../lib/store/data-store';
import { signInCookie, startServer } from '../../lib/testing/server-process';
import { type Dialect, openTestStore } from '../../lib/testing/test-stores';
import { loadHierarchy } from '../lib/hierarchy';
import { ensureProductionBuild } from '../lib/production-build';
import { percentile, summaryLine, timed } from '../lib/measure';

const SHAPE = { ecosystems: 10, domainsPerEcosystem: 10, appsPerDomain: 10, workspacesPerApp: 1 };
const APPS = SHAPE.ecosystems * SHAPE.domainsPerEcosystem * SHAPE.appsPerDomain;
const WARMUP = 30;
const SAMPLES = Number(process.env.DVM_BENCH_SAMPLES ?? 200);
const TARGET_P95_MS = 200;
const ADMIN = { email: 'bench@example.com', password: 'bench password 1234' };

/**
 * The DataStore reads the page makes for an administrator: the first page of ecosystems, then
 * the domains, apps and workspaces under each, one grouped count per level.
 */
async function pageReads(store: DataStore): Promise<void> {
  const page = await store.objects('ecosystem').list({}, { limit: 50 });
  if (page.items.length !== SHAPE.ecosystems) throw new Error('bare read saw the wrong page');
  const ids = page.items.map((o) => o.id);
  for (const level of ['domain', 'app', 'workspace'] as const) {
    await store.objects(level).countUnder('ecosystem', ids);
  }
}

async function sample(n: number, fn: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await timed(fn));
  return samples;
}

async function benchDialect(dialect: Dialect) {
  const t = await openTestStore(dialect);
  try {
    await loadHierarchy(t.store, SHAPE);
    if ((await t.store.objects('app').count({})) !== APPS) throw new Error('load incomplete');
    await t.store.users.createFirstAdmin({
      email: ADMIN.email,
      name: 'Bench',
      passwordHash: await hashNewPassword(ADMIN.password, 'password'),
    });
    const server = await startServer({
      name: 'bench-dashboard',
      dataDir: t.config.dataDir,
      env: { DATABASE_URL: t.config.databaseUrl ?? '', DVM_LOCAL_AGENT: 'off' },
    });
    try {
      const cookie = await signInCookie(server.baseUrl, ADMIN.email, ADMIN.password);
      const url = `${server.baseUrl}/ecosystems`;
      const get = async () => {
        const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
        const html = await response.text();
        if (response.status !== 200 || !html.includes('eco-9')) {
          throw new Error(`GET /ecosystems answered ${response.status}:\n${server.tail()}`);
        }
      };
      await sample(WARMUP, get);
      await sample(WARMUP, () => pageReads(t.store));
      const ours = await sample(SAMPLES, get);
      const bare = await sample(SAMPLES, () => pageReads(t.store));
      return {
        dialect,
        p50: percentile(ours, 0.5),
        p95: percentile(ours, 0.95),
        bareP50: percentile(bare, 0.5),
        bareP95: percentile(bare, 0.95),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await t.cleanup();
  }
}

ensureProductionBuild();
const results = [];
for (const dialect of ['sqlite', 'postgres'] as const) {
  const r = await benchDialect(dialect);
  results.push(r);
  console.log(
    `${dialect.padEnd(8)} ${APPS} apps, ${SAMPLES} sequential GET /ecosystems | page p50 ${r.p50.toFixed(1)} ms p95 ${r.p95.toFixed(1)} ms` +
      ` | bare DataStore reads p50 ${r.bareP50.toFixed(2)} ms p95 ${r.bareP95.toFixed(2)} ms | ratio ${(r.p95 / r.bareP95).toFixed(1)}`,
  );
}

const worst = results.reduce((a, b) => (b.p95 > a.p95 ? b : a));
const metrics: Record<string, string> = {};
for (const r of results) {
  metrics[`${r.dialect}_p95`] = `${r.p95.toFixed(1)}ms`;
  metrics[`${r.dialect}_bare_p95`] = `${r.bareP95.toFixed(2)}ms`;
}
console.log(
  summaryLine(
    'dashboard',
    metrics,
    worst.p95 / worst.bareP95,
    `p95<=${TARGET_P95_MS}ms`,
    results.every((r) => r.p95 <= TARGET_P95_MS),
  ),
);
