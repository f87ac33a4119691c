// The one contract suite every DataStore implementation passes, run unchanged against SQLite and a
// real PostgreSQL. Each test gets a freshly migrated, empty database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type ErrorCode, isAppError } from '../errors';
import { incrementCounter } from '../testing/counter';
import { DIALECTS, type TestStore, openTestStore } from '../testing/test-stores';
import type { DataStore, JsonObject, StoredObject } from './data-store';

const ECO = { ecosystem: 'platform' };
const DOM = { ecosystem: 'platform', domain: 'backend' };
const APP = { ecosystem: 'platform', domain: 'backend', app: 'api' };

async function expectCode(
  promise: Promise<unknown>,
  code: ErrorCode,
  messagePart?: RegExp,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected an AppError ${code}`).toBeDefined();
  if (!isAppError(error)) throw error;
  expect(error.code).toBe(code);
  if (messagePart) expect(error.message).toMatch(messagePart);
}

async function seedHierarchy(store: DataStore): Promise<void> {
  await store.ecosystems.create(
    {},
    { name: 'platform', annotations: { description: 'Main platform' } },
  );
  await store.domains.create(ECO, { name: 'backend' });
  await store.apps.create(DOM, { name: 'api', spec: { path: '/srv/api' } });
  await store.workspaces.create(APP, {
    name: 'dev',
    spec: { image: { name: 'dvm-dev-api:pending' } },
  });
}

async function countAll(store: DataStore): Promise<number[]> {
  return Promise.all([
    store.ecosystems.count({}),
    store.domains.count({}),
    store.apps.count({}),
    store.workspaces.count({}),
  ]);
}

describe.each(DIALECTS)('DataStore contract [%s]', (dialect) => {
  let t: TestStore;
  let store: DataStore;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    store = t.store;
  });

  afterEach(async () => {
    await t.cleanup();
  });

  describe('migrations', () => {
    it('migrates an empty database and re-opening it is a no-op', async () => {
      expect(store.dialect).toBe(dialect);
      expect(await countAll(store)).toEqual([0, 0, 0, 0]);
      await store.ecosystems.create({}, { name: 'kept' });
      const again = await t.reopen();
      expect((await again.ecosystems.get({ name: 'kept' })).name).toBe('kept');
      await again.ping();
    });
  });

  describe('CRUD at all four levels', () => {
    it('creates, reads, lists, updates and deletes each level', async () => {
      await seedHierarchy(store);

      const eco = await store.ecosystems.get({ name: 'platform' });
      expect(eco).toMatchObject({ level: 'ecosystem', name: 'platform', version: 1 });
      expect(eco.annotations).toEqual({ description: 'Main platform' });
      const ws = await store.workspaces.get({ ...APP, name: 'dev' });
      expect(ws).toMatchObject({
        level: 'workspace',
        ecosystem: 'platform',
        domain: 'backend',
        app: 'api',
      });
      expect(ws.spec).toEqual({ image: { name: 'dvm-dev-api:pending' } });

      expect((await store.domains.list(ECO)).items.map((d) => d.name)).toEqual(['backend']);
      expect((await store.apps.list(DOM)).items.map((a) => a.name)).toEqual(['api']);
      expect((await store.workspaces.list(APP)).items.map((w) => w.name)).toEqual(['dev']);

      const updated = await store.apps.update(
        { ...DOM, name: 'api' },
        { name: 'api', labels: { team: 'core' }, spec: { path: '/srv/api2' } },
      );
      expect(updated).toMatchObject({
        version: 2,
        labels: { team: 'core' },
        spec: { path: '/srv/api2' },
      });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(updated.createdAt.getTime());
      expect(updated.id).toBe((await store.apps.get({ ...DOM, name: 'api' })).id);

      expect(await store.workspaces.delete({ ...APP, name: 'dev' })).toEqual({
        removed: { ecosystem: 0, domain: 0, app: 0, workspace: 1 },
      });
      expect(await store.workspaces.find({ ...APP, name: 'dev' })).toBeUndefined();
      await expectCode(
        store.workspaces.get({ ...APP, name: 'dev' }),
        'NOT_FOUND',
        /workspace "dev" in platform\/backend\/api not found/,
      );
    });

    it('gives stable time-ordered UUIDv7 ids and UTC timestamps', async () => {
      const before = Date.now();
      const a = await store.ecosystems.create({}, { name: 'a' });
      const b = await store.ecosystems.create({}, { name: 'b' });
      expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(b.id > a.id).toBe(true);
      expect(a.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(a.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1);
      expect((await store.ecosystems.get({ name: 'a' })).createdAt.toISOString()).toBe(
        a.createdAt.toISOString(),
      );
    });

    it('refuses renames through update', async () => {
      await store.ecosystems.create({}, { name: 'a' });
      await expectCode(
        store.ecosystems.update({ name: 'a' }, { name: 'b' }),
        'INVALID',
        /cannot be renamed/,
      );
    });
  });

  describe('counts under many objects', () => {
    it('counts each level below a page of objects in one call, zero for the empty ones', async () => {
      const [a, b, empty] = await Promise.all(
        ['a', 'b', 'empty'].map((name) => store.ecosystems.create({}, { name })),
      );
      await store.domains.create({ ecosystem: 'a' }, { name: 'd1' });
      await store.domains.create({ ecosystem: 'a' }, { name: 'd2' });
      await store.domains.create({ ecosystem: 'b' }, { name: 'd1' });
      await store.apps.create({ ecosystem: 'a', domain: 'd1' }, { name: 'x' });
      await store.apps.create({ ecosystem: 'a', domain: 'd2' }, { name: 'y' });
      const app = await store.apps.create({ ecosystem: 'b', domain: 'd1' }, { name: 'x' });
      await store.workspaces.create({ ecosystem: 'b', domain: 'd1', app: 'x' }, { name: 'dev' });

      const ids = [a!.id, b!.id, empty!.id, 'no-such-id'];
      expect(await store.domains.countUnder('ecosystem', ids)).toEqual({
        [a!.id]: 2,
        [b!.id]: 1,
        [empty!.id]: 0,
        'no-such-id': 0,
      });
      expect(await store.apps.countUnder('ecosystem', ids)).toMatchObject({
        [a!.id]: 2,
        [b!.id]: 1,
      });
      expect(await store.workspaces.countUnder('ecosystem', ids)).toMatchObject({
        [a!.id]: 0,
        [b!.id]: 1,
      });
      expect(await store.workspaces.countUnder('app', [app.id])).toEqual({ [app.id]: 1 });
      expect(await store.domains.countUnder('ecosystem', [])).toEqual({});
      await expectCode(store.ecosystems.countUnder('domain', [a!.id]), 'INVALID');
      await expectCode(
        store.domains.countUnder(
          'ecosystem',
          Array.from({ length: 501 }, (_, i) => `id-${i}`),
        ),
        'INVALID',
      );
    });
  });

  describe('bad input', () => {
    it.each([
      ['Uppercase', /lowercase DNS label/],
      ['under_score', /lowercase DNS label/],
      ['-leading', /lowercase DNS label/],
      ['trailing-', /lowercase DNS label/],
      ['x'.repeat(64), /at most 63/],
      ['', /required/],
    ])('rejects the name %j naming metadata.name', async (name, message) => {
      const error = await store.ecosystems.create({}, { name }).catch((e: unknown) => e);
      expect(isAppError(error) && error.code).toBe('INVALID');
      if (!isAppError(error)) return;
      expect(error.errors).toEqual([
        { path: 'metadata.name', message: expect.stringMatching(message) },
      ]);
      expect(await store.ecosystems.count({})).toBe(0);
    });

    it('accepts a 63-character name', async () => {
      const name = `a${'b'.repeat(61)}c`;
      expect((await store.ecosystems.create({}, { name })).name).toBe(name);
    });

    it('names a missing parent and writes nothing', async () => {
      await expectCode(
        store.domains.create(ECO, { name: 'backend' }),
        'NOT_FOUND',
        /ecosystem "platform" not found/,
      );
      await store.ecosystems.create({}, { name: 'platform' });
      await expectCode(
        store.workspaces.create(APP, { name: 'dev' }),
        'NOT_FOUND',
        /domain "backend" in platform not found/,
      );
      await store.domains.create(ECO, { name: 'backend' });
      await expectCode(
        store.workspaces.create(APP, { name: 'dev' }),
        'NOT_FOUND',
        /app "api" in platform\/backend not found/,
      );
      expect(await countAll(store)).toEqual([1, 1, 0, 0]);
    });

    it('requires every parent by field', async () => {
      const error = await store.workspaces
        .create({ ecosystem: 'platform' }, { name: 'dev' })
        .catch((e: unknown) => e);
      expect(isAppError(error) && error.errors.map((e) => e.path)).toEqual([
        'metadata.domain',
        'metadata.app',
      ]);
    });

    it('rejects non-string labels and a non-object spec with field paths', async () => {
      const error = await store.ecosystems
        .create(
          {},
          {
            name: 'a',
            labels: { team: 7 as unknown as string },
            spec: [] as unknown as JsonObject,
          },
        )
        .catch((e: unknown) => e);
      expect(isAppError(error) && error.errors.map((e) => e.path)).toEqual([
        'metadata.labels.team',
        'spec',
      ]);
      expect(await store.ecosystems.count({})).toBe(0);
    });

    it('rejects a forged cursor and an out-of-range page size', async () => {
      await expectCode(store.ecosystems.list({}, { cursor: 'not-a-cursor' }), 'INVALID', /cursor/);
      await expectCode(store.ecosystems.list({}, { limit: 0 }), 'INVALID', /page size/);
      await expectCode(store.ecosystems.list({}, { limit: 501 }), 'INVALID', /page size/);
    });
  });

  describe('uniqueness', () => {
    it('refuses a duplicate name under the same parent, allows it under another', async () => {
      await seedHierarchy(store);
      await expectCode(
        store.ecosystems.create({}, { name: 'platform' }),
        'ALREADY_EXISTS',
        /ecosystem "platform" already exists/,
      );
      await expectCode(store.domains.create(ECO, { name: 'backend' }), 'ALREADY_EXISTS');
      await expectCode(
        store.apps.create(DOM, { name: 'api' }),
        'ALREADY_EXISTS',
        /app "api" in platform\/backend/,
      );
      await expectCode(store.workspaces.create(APP, { name: 'dev' }), 'ALREADY_EXISTS');

      await store.domains.create(ECO, { name: 'frontend' });
      const twin = await store.apps.create({ ...ECO, domain: 'frontend' }, { name: 'api' });
      expect(twin.domain).toBe('frontend');
      expect(await store.apps.count({})).toBe(2);
    });
  });

  describe('delete with children', () => {
    it('refuses without cascade, naming what is below, and changes nothing', async () => {
      await seedHierarchy(store);
      await expectCode(
        store.ecosystems.delete({ name: 'platform' }),
        'HAS_CHILDREN',
        /still has 1 domain, 1 app, 1 workspace.*cascade/,
      );
      await expectCode(store.apps.delete({ ...DOM, name: 'api' }), 'HAS_CHILDREN', /1 workspace/);
      expect(await countAll(store)).toEqual([1, 1, 1, 1]);
    });

    it('cascades everything below in one go and reports the counts', async () => {
      await seedHierarchy(store);
      await store.workspaces.create(APP, { name: 'debug' });
      await store.ecosystems.create({}, { name: 'other' });
      await store.domains.create({ ecosystem: 'other' }, { name: 'backend' });

      expect(await store.ecosystems.delete({ name: 'platform' }, { cascade: true })).toEqual({
        removed: { ecosystem: 1, domain: 1, app: 1, workspace: 2 },
      });
      expect(await countAll(store)).toEqual([1, 1, 0, 0]);
      expect((await store.domains.get({ ecosystem: 'other', name: 'backend' })).name).toBe(
        'backend',
      );
    });
  });

  describe('transactions', () => {
    it('leaves nothing behind when a multi-statement change fails half-way', async () => {
      const failure = store.transaction(async (tx) => {
        await tx.ecosystems.create({}, { name: 'platform' });
        await tx.domains.create(ECO, { name: 'backend' });
        await tx.apps.create(DOM, { name: 'api' });
        await tx.apps.create(DOM, { name: 'api' }); // duplicate: fails half-way
      });
      await expectCode(failure, 'ALREADY_EXISTS');
      expect(await countAll(store)).toEqual([0, 0, 0, 0]);
    });

    it('rolls back on an error thrown by the caller, and commits on success', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.ecosystems.create({}, { name: 'doomed' });
          throw new Error('caller gave up');
        }),
      ).rejects.toThrow('caller gave up');
      expect(await store.ecosystems.find({ name: 'doomed' })).toBeUndefined();

      const created = await store.transaction(async (tx) => {
        await tx.ecosystems.create({}, { name: 'platform' });
        return tx.domains.create(ECO, { name: 'backend' });
      });
      expect(created.ecosystem).toBe('platform');
      expect(await countAll(store)).toEqual([1, 1, 0, 0]);
    });

    it('keeps writes made outside a transaction out of it while it is open', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tx = store.transaction(async (inner) => {
        await inner.ecosystems.create({}, { name: 'inside' });
        await gate;
        throw new Error('roll back');
      });
      const outside = store.ecosystems.create({}, { name: 'outside' });
      setTimeout(release, 50);
      await expect(tx).rejects.toThrow('roll back');
      await outside;
      expect((await store.ecosystems.list({})).items.map((e) => e.name)).toEqual(['outside']);
    });

    it('joins a nested transaction to the outer one', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.transaction(async (nested) => nested.ecosystems.create({}, { name: 'nested' }));
          throw new Error('outer fails');
        }),
      ).rejects.toThrow('outer fails');
      expect(await store.ecosystems.count({})).toBe(0);
    });
  });

  describe('concurrent writers', () => {
    it('loses no update: read-modify-write with expectedVersion and retry', async () => {
      await store.ecosystems.create({}, { name: 'counter', spec: { hits: 0 } });
      const writers = 12;
      // Half the writers on a second, independent connection to the same database.
      const second = await t.reopen();
      await Promise.all(
        Array.from({ length: writers }, (_, i) => incrementCounter(i % 2 === 0 ? store : second)),
      );
      const final = await store.ecosystems.get({ name: 'counter' });
      expect(final.spec.hits).toBe(writers);
      expect(final.version).toBe(writers + 1);
    });

    it('serialises read-modify-write transactions that read forUpdate: none conflicts', async () => {
      await store.ecosystems.create({}, { name: 'counter', spec: { hits: 0 } });
      const second = await t.reopen();
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? store : second).transaction(async (tx) => {
            const current = await tx.ecosystems.get({ name: 'counter' }, { forUpdate: true });
            await tx.ecosystems.update(
              { name: 'counter' },
              { name: 'counter', spec: { hits: Number(current.spec.hits) + 1 } },
              { expectedVersion: current.version },
            );
          }),
        ),
      );
      expect((await store.ecosystems.get({ name: 'counter' })).spec.hits).toBe(10);
    });

    it('lets exactly one of many concurrent creates of a name win', async () => {
      const second = await t.reopen();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? store : second).ecosystems.create({}, { name: 'race' }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          expect(isAppError(r.reason) && r.reason.code).toBe('ALREADY_EXISTS');
      }
    });

    it('runs concurrent transactions and plain writes without leaking busy errors', async () => {
      await store.ecosystems.create({}, { name: 'platform' });
      const second = await t.reopen();
      const jobs = Array.from({ length: 20 }, (_, i) => {
        const s = i % 2 ? store : second;
        return i % 3 === 0
          ? s.domains.create(ECO, { name: `plain-${i}` })
          : s.transaction(async (tx) => {
              await tx.domains.create(ECO, { name: `tx-${i}` });
              await tx.apps.create({ ...ECO, domain: `tx-${i}` }, { name: 'app' });
            });
      });
      await Promise.all(jobs);
      expect(await store.domains.count(ECO)).toBe(20);
      expect(await store.apps.count({})).toBe(13);
    });

    it('serialises writers in other processes with this one, without busy errors or lost updates', async () => {
      await store.ecosystems.create({}, { name: 'counter', spec: { hits: 0 } });
      const perProcess = 15;
      const child = (tag: string) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'lib/testing/store-writer.ts'], {
          env: {
            ...process.env,
            DVM_TEST_STORE: JSON.stringify(t.config),
            COUNT: String(perProcess),
            TAG: tag,
          },
        });
      const children = Promise.all([child('p1'), child('p2')]);
      // This process writes too, while the children do.
      for (let i = 0; i < perProcess; i++) await incrementCounter(store);
      const outputs = await children;
      expect(outputs.map((o) => o.stdout.trim())).toEqual([
        `done ${perProcess}`,
        `done ${perProcess}`,
      ]);
      expect((await store.ecosystems.get({ name: 'counter' })).spec.hits).toBe(3 * perProcess);
      expect(await store.domains.count({ ecosystem: 'counter' })).toBe(2 * perProcess);
    }, 120_000);
  });

  describe('keyset pagination', () => {
    it('pages in hierarchy order and stays stable under inserts', async () => {
      await store.ecosystems.create({}, { name: 'platform' });
      const names = Array.from({ length: 30 }, (_, i) => `d${String(i * 2).padStart(3, '0')}`);
      for (const name of names) await store.domains.create(ECO, { name });

      const seen: string[] = [];
      let page = await store.domains.list(ECO, { limit: 7 });
      seen.push(...page.items.map((d) => d.name));
      // Inserts before and after the cursor position while paging.
      await store.domains.create(ECO, { name: 'd001' });
      await store.domains.create(ECO, { name: 'd999' });
      while (page.nextCursor) {
        page = await store.domains.list(ECO, { limit: 7, cursor: page.nextCursor });
        seen.push(...page.items.map((d) => d.name));
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((n) => names.includes(n))).toEqual(names);
      expect(seen).toContain('d999');
      expect(seen).not.toContain('d001');
    });

    it('lists across parents with every parent’s children together', async () => {
      for (const eco of ['a', 'a-b']) {
        await store.ecosystems.create({}, { name: eco });
        for (const dom of ['x', 'y']) await store.domains.create({ ecosystem: eco }, { name: dom });
      }
      const all = await store.domains.list({});
      expect(all.items.map((d) => `${d.ecosystem}/${d.name}`)).toEqual([
        'a/x',
        'a/y',
        'a-b/x',
        'a-b/y',
      ]);
      expect(all.nextCursor).toBeUndefined();
      const underA = await store.domains.list({ ecosystem: 'a' });
      expect(underA.items.map((d) => d.name)).toEqual(['x', 'y']);
    });

    it('lists descendants of any ancestor and filters by labels', async () => {
      await seedHierarchy(store);
      await store.workspaces.create(APP, {
        name: 'debug',
        labels: { purpose: 'debugging', 'example.com/tier': 'gold' },
      });
      expect((await store.workspaces.list(ECO)).items.map((w) => w.name)).toEqual(['debug', 'dev']);
      expect((await store.workspaces.list(DOM)).items).toHaveLength(2);
      const labelled = await store.workspaces.list({}, { labels: { 'example.com/tier': 'gold' } });
      expect(labelled.items.map((w) => w.name)).toEqual(['debug']);
      expect((await store.workspaces.list({}, { labels: { purpose: 'nope' } })).items).toEqual([]);
      await expectCode(
        store.workspaces.list({ ecosystem: 'platform', app: 'api' }),
        'INVALID',
        /name its domain/,
      );
      await expectCode(
        store.workspaces.list({ ecosystem: 'nope' }),
        'NOT_FOUND',
        /ecosystem "nope"/,
      );
    });
  });

  describe('spec round-trip', () => {
    it('returns exactly the spec, labels and annotations that were written', async () => {
      const spec: JsonObject = {
        zeta: 'last key first',
        image: {
          name: 'dvm-main-my-api:latest',
          buildFrom: './Dockerfile',
          baseImage: 'my-api:prod',
        },
        build: {
          args: { GITHUB_USERNAME: '${GITHUB_USERNAME}' },
          devStage: { packages: ['git', 'curl'], devTools: [] },
        },
        container: {
          uid: 1000,
          gid: 0,
          command: ['/bin/zsh', '-l'],
          resources: { cpus: '2.0', memory: '2G' },
        },
        numbers: [0, -1, 1.5, 1e21, 9007199254740991],
        flags: [true, false, null],
        unicode: 'żółć 日本語 🚀 "quotes" \\ back\nslash',
        empty: {},
        nested: [[[{ deep: [[]] }]]],
      };
      const annotations = {
        description: 'multi\nline',
        'example.com/very-long': 'x'.repeat(10_000),
      };
      await store.ecosystems.create(
        {},
        { name: 'platform', labels: { team: 'core' }, annotations, spec },
      );
      const read: StoredObject = await store.ecosystems.get({ name: 'platform' });
      expect(read.spec).toEqual(spec);
      expect(JSON.stringify(read.spec)).toBe(JSON.stringify(spec));
      expect(read.annotations).toEqual(annotations);
      expect(read.labels).toEqual({ team: 'core' });
    });
  });

  describe('active context', () => {
    it('keeps one context per user, clearing levels below a change', async () => {
      await seedHierarchy(store);
      expect(await store.getContext('alice')).toEqual({});
      expect(await store.setContext('alice', { ...APP, workspace: 'dev' })).toEqual({
        ...APP,
        workspace: 'dev',
      });
      expect(await store.getContext('bob')).toEqual({});

      await store.domains.create(ECO, { name: 'frontend' });
      expect(await store.setContext('alice', { domain: 'frontend' })).toEqual({
        ecosystem: 'platform',
        domain: 'frontend',
      });
      expect(await store.setContext('alice', {})).toEqual({});
    });

    it('refuses unknown names and gaps, and forgets deleted objects', async () => {
      await seedHierarchy(store);
      await expectCode(
        store.setContext('alice', { ecosystem: 'nope' }),
        'NOT_FOUND',
        /ecosystem "nope"/,
      );
      await expectCode(store.setContext('alice', { app: 'api' }), 'INVALID', /context.ecosystem/);
      await expectCode(
        store.setContext('alice', { ecosystem: 'platform', app: 'api' }),
        'INVALID',
        /context.domain/,
      );
      expect(await store.getContext('alice')).toEqual({});

      await store.setContext('alice', { ...APP, workspace: 'dev' });
      await store.workspaces.delete({ ...APP, name: 'dev' });
      expect(await store.getContext('alice')).toEqual(APP);
      await store.ecosystems.delete({ name: 'platform' }, { cascade: true });
      expect(await store.getContext('alice')).toEqual({});
    });
  });
});
