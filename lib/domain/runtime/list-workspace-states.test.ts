// The workspace list reads a constant number of queries whatever the number of workspaces (no N+1):
// counted on the real SQLite and PostgreSQL stores through their drivers' own statement hooks
// (better-sqlite3's `verbose`, postgres.js's `debug`), for an administrator and for a viewer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DataStore } from '@/lib/store/data-store';
import { openPostgresStore } from '@/lib/store/postgres/open-postgres-store';
import { openSqliteStore } from '@/lib/store/sqlite/open-sqlite-store';
import type { UserRecord } from '@/lib/store/identity-store';
import { createPostgresDatabase, DIALECTS, type Dialect } from '@/lib/testing/test-stores';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { sessionPrincipal } from '../test-fixtures';
import { countBelowEach } from '../count-below';
import { listWorkspaceStates } from './list-workspace-states';

interface CountingStore {
  store: DataStore;
  /** Statements run since the last reset. */
  queries: string[];
  cleanup(): Promise<void>;
}

async function openCountingStore(dialect: Dialect): Promise<CountingStore> {
  const queries: string[] = [];
  const onQuery = (text: string) => queries.push(text);
  if (dialect === 'postgres') {
    const database = await createPostgresDatabase();
    const store = await openPostgresStore({
      url: database.url,
      migrationsDir: path.join(PROJECT_ROOT, 'drizzle', 'postgres'),
      onQuery,
    });
    return {
      store,
      queries,
      async cleanup() {
        await store.close();
        await database.drop();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvm-count-'));
  const store = openSqliteStore({
    file: path.join(dir, 'count.db'),
    migrationsDir: path.join(PROJECT_ROOT, 'drizzle', 'sqlite'),
    onQuery,
  });
  return {
    store,
    queries,
    async cleanup() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** App `app-<n>` with n workspaces, every other one placed on host `one` and observed running. */
async function seedApp(store: DataStore, n: number): Promise<void> {
  const app = { ecosystem: 'eco', domain: 'dom', app: `app-${n}` };
  await store.apps.create(
    { ecosystem: 'eco', domain: 'dom' },
    { name: app.app, spec: { path: '/src' } },
  );
  for (let i = 0; i < n; i++) {
    const ws = await store.workspaces.create(app, { name: `ws-${String(i).padStart(2, '0')}` });
    if (i % 2 === 1) continue;
    await store.placements.set({
      workspaceId: ws.id,
      host: 'one',
      containerName: `dvm_${ws.id}`,
      image: 'dvm/dev:1',
      desired: 'running',
    });
    await store.placements.observe(ws.id, { observed: 'running', at: new Date() });
  }
}

describe.each(DIALECTS)('the workspace list [%s]', (dialect) => {
  let counting: CountingStore;
  let admin: UserRecord;
  let viewer: UserRecord;

  beforeAll(async () => {
    counting = await openCountingStore(dialect);
    const { store } = counting;
    admin = await store.users.create({
      email: 'a@x.test',
      name: 'A',
      passwordHash: 'x',
      isAdmin: true,
    });
    viewer = await store.users.create({
      email: 'v@x.test',
      name: 'V',
      passwordHash: 'x',
      isAdmin: false,
    });
    await store.ecosystems.create({}, { name: 'eco' });
    await store.domains.create({ ecosystem: 'eco' }, { name: 'dom' });
    await store.memberships.set('eco', viewer.id, 'viewer');
    await store.hosts.create({ name: 'one' });
    await seedApp(store, 3);
    await seedApp(store, 30);
  }, 60_000);

  afterAll(async () => {
    await counting?.cleanup();
  });

  async function queriesToList(user: UserRecord, n: number): Promise<number> {
    const ctx = { store: counting.store, principal: sessionPrincipal(user) };
    counting.queries.length = 0;
    const page = await listWorkspaceStates(ctx, {
      ecosystem: 'eco',
      domain: 'dom',
      app: `app-${n}`,
    });
    const count = counting.queries.length;
    // The page is complete and carries the states, so the count is of real work.
    expect(page.items).toHaveLength(n);
    expect(page.items.filter((item) => item.placement?.observed === 'running')).toHaveLength(
      Math.ceil(n / 2),
    );
    expect(page.items[0]!.placement?.host).toBe('one');
    expect(page.items[1]!.placement).toBeUndefined();
    return count;
  }

  it('counts what lies below a page of apps with the same queries for one app as for two', async () => {
    const ctx = { store: counting.store, principal: sessionPrincipal(viewer) };
    const apps = (await counting.store.apps.list({ ecosystem: 'eco', domain: 'dom' })).items;
    counting.queries.length = 0;
    const one = await countBelowEach(ctx, 'app', apps.slice(0, 1));
    const forOne = counting.queries.length;
    counting.queries.length = 0;
    const both = await countBelowEach(ctx, 'app', apps);
    expect(counting.queries.length).toBe(forOne);
    // The membership check and one grouped count per level below.
    expect(forOne).toBe(2);
    const byName = Object.fromEntries(apps.map((a) => [a.name, both[a.id]]));
    expect(byName).toEqual({ 'app-3': { workspace: 3 }, 'app-30': { workspace: 30 } });
    expect(Object.values(one)).toEqual([{ workspace: apps[0]!.name === 'app-3' ? 3 : 30 }]);
  });

  it('makes as many queries for 30 workspaces as for 3', async () => {
    for (const user of [admin, viewer]) {
      const few = await queriesToList(user, 3);
      const many = await queriesToList(user, 30);
      expect(few).toBeGreaterThan(0);
      expect(many).toBe(few);
      // Listing and the batched placement read, plus the viewer's membership check.
      expect(many).toBeLessThanOrEqual(user.isAdmin ? 3 : 4);
    }
  });
});
