// bench api: with 10,000 workspaces stored, GET …/workspaces?limit=100 with a bearer token at 50
// concurrent connections against the real server (server.ts, production build), and in the same
// run against a bare Node http server making the same DataStore call (bare-server.ts). On SQLite
// and PostgreSQL. Targets: ≥ 0.5× the bare server's req/s and p99 ≤ 25 ms.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

import autocannon from 'autocannon';

import { newApiToken } from '../../lib/auth/secrets';
import { PROJECT_ROOT, freePort, startServer } from '../../lib/testing/server-process';
import { type Dialect, openTestStore } from '../../lib/testing/test-stores';
import {
  appName,
  domainName,
  ecosystemName,
  loadHierarchy,
  workspaceCount,
} from '../lib/hierarchy';
import { ensureProductionBuild } from '../lib/production-build';
import { summaryLine } from '../lib/measure';

const SHAPE = { ecosystems: 5, domainsPerEcosystem: 4, appsPerDomain: 5, workspacesPerApp: 100 }; // 10,000
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.DVM_BENCH_SECONDS ?? 10);
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 25;

interface Load {
  rps: number;
  p99: number;
  errors: number;
}

async function drive(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  const failures = result.errors + result.timeouts + result.non2xx;
  return { rps: result.requests.average, p99: result.latency.p99, errors: failures };
}

async function startBare(config: object): Promise<{ baseUrl: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join('bench', 'api', 'bare-server.ts')],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PORT: String(port), DVM_BENCH_STORE: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, child };
}

async function benchDialect(dialect: Dialect) {
  const t = await openTestStore(dialect);
  try {
    const loadMs = await loadHierarchy(t.store, SHAPE);
    if ((await t.store.workspaces.count({})) !== workspaceCount(SHAPE))
      throw new Error('load incomplete');
    const admin = await t.store.users.createFirstAdmin({
      email: 'bench@example.com',
      name: 'Bench',
    });
    const token = newApiToken();
    await t.store.tokens.create({
      userId: admin!.id,
      name: 'bench',
      prefix: token.prefix,
      secretHash: token.secretHash,
      scope: 'read',
    });
    await t.store.close();

    const [ecosystem, domain, app] = [ecosystemName(2), domainName(1), appName(3)];
    const server = await startServer({
      name: 'bench-api',
      dataDir: t.config.dataDir,
      env: { DATABASE_URL: t.config.databaseUrl ?? '' },
    });
    const bare = await startBare(t.config);
    try {
      const oursUrl = `${server.baseUrl}/api/v1/ecosystems/${ecosystem}/domains/${domain}/apps/${app}/workspaces?limit=100`;
      const bareUrl = `${bare.baseUrl}/?ecosystem=${ecosystem}&domain=${domain}&app=${app}&limit=100`;
      const auth = { Authorization: `Bearer ${token.secret}` };
      const probe = await fetch(oursUrl, { headers: auth });
      const body = (await probe.json()) as { items?: unknown[] };
      if (probe.status !== 200 || body.items?.length !== 100) {
        throw new Error(
          `the API answered ${probe.status} with ${body.items?.length} items:\n${server.tail()}`,
        );
      }
      // Warm both paths (JIT, statement caches, connection pools) before measuring.
      await drive(oursUrl, auth, 2);
      await drive(bareUrl, {}, 2);
      const ours = await drive(oursUrl, auth, DURATION_S);
      const raw = await drive(bareUrl, {}, DURATION_S);
      return { dialect, loadMs, ours, raw };
    } finally {
      bare.child.kill('SIGTERM');
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
    `${dialect.padEnd(8)} ${CONNECTIONS} connections, ${DURATION_S}s, pages of 100 | ours ${r.ours.rps.toFixed(0)} req/s p99 ${r.ours.p99} ms` +
      ` (${r.ours.errors} errors) | bare ${r.raw.rps.toFixed(0)} req/s p99 ${r.raw.p99} ms | ratio ${(r.ours.rps / r.raw.rps).toFixed(2)}`,
  );
}

const worst = Math.min(...results.map((r) => r.ours.rps / r.raw.rps));
const met = results.every(
  (r) =>
    r.ours.rps / r.raw.rps >= TARGET_RATIO && r.ours.p99 <= TARGET_P99_MS && r.ours.errors === 0,
);
const metrics: Record<string, string> = {};
for (const r of results) {
  metrics[`${r.dialect}_rps`] = r.ours.rps.toFixed(0);
  metrics[`${r.dialect}_bare_rps`] = r.raw.rps.toFixed(0);
  metrics[`${r.dialect}_p99`] = `${r.ours.p99}ms`;
}
console.log(
  summaryLine('api', metrics, worst, `ratio>=${TARGET_RATIO},p99<=${TARGET_P99_MS}ms`, met),
);
