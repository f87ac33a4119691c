// The raw baseline for bench api: a bare Node http server that makes the same DataStore call as
// GET …/workspaces?limit=100 and writes the same JSON — no Next, no authentication, no
// authorisation. Configured by DVM_BENCH_STORE (openDataStore's config as JSON) and PORT.
import http from 'node:http';

import { toManifest } from '../../lib/contracts/resource';
import { openDataStore } from '../../lib/store/open-data-store';

const store = await openDataStore(
  JSON.parse(process.env.DVM_BENCH_STORE ?? '{}') as { dataDir: string; databaseUrl?: string },
);

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [ecosystem, domain, app] = ['ecosystem', 'domain', 'app'].map(
    (k) => url.searchParams.get(k) ?? undefined,
  );
  store.workspaces
    .list({ ecosystem, domain, app }, { limit: Number(url.searchParams.get('limit') ?? 50) })
    .then((page) => {
      const items = page.items.map((o) => ({
        ...toManifest('Workspace', o),
        status: { id: o.id, version: o.version, createdAt: o.createdAt, updatedAt: o.updatedAt },
      }));
      const body = JSON.stringify({ items, nextCursor: page.nextCursor ?? null });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    })
    .catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('bare server listening'));
process.on('SIGTERM', () => server.close(() => void store.close().then(() => process.exit(0))));
