// Contract suite for the identity half of the DataStore, on SQLite and a real PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type ErrorCode, isAppError } from '../errors';
import { DIALECTS, type TestStore, openTestStore } from '../testing/test-stores';
import type { DataStore } from './data-store';

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw error ?? new Error(`expected ${code}, got success`);
  expect(error.code).toBe(code);
}

const HOUR = 3_600_000;

describe.each(DIALECTS)('identity stores [%s]', (dialect) => {
  let t: TestStore;
  let store: DataStore;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    store = t.store;
  });

  afterEach(async () => {
    await t.cleanup();
  });

  describe('users', () => {
    it('creates, finds by email case-insensitively, lists, updates', async () => {
      const alice = await store.users.create({
        email: ' Alice@Example.com ',
        name: 'Alice',
        passwordHash: 'h1',
      });
      expect(alice).toMatchObject({
        email: 'alice@example.com',
        isAdmin: false,
        disabled: false,
        passwordHash: 'h1',
      });
      expect((await store.users.findByEmail('ALICE@example.COM'))?.id).toBe(alice.id);
      await expectCode(store.users.create({ email: 'alice@EXAMPLE.com' }), 'ALREADY_EXISTS');
      await expectCode(store.users.create({ email: 'not an email' }), 'INVALID');

      await store.users.create({ email: 'bob@example.com' });
      const first = await store.users.list({ limit: 1 });
      expect(first.items.map((u) => u.email)).toEqual(['alice@example.com']);
      const second = await store.users.list({ limit: 1, cursor: first.nextCursor });
      expect(second.items.map((u) => u.email)).toEqual(['bob@example.com']);
      expect(second.nextCursor).toBeUndefined();

      const signedIn = new Date();
      const updated = await store.users.update(alice.id, {
        disabled: true,
        isAdmin: true,
        lastSignInAt: signedIn,
      });
      expect(updated).toMatchObject({ disabled: true, isAdmin: true, mustChangePassword: false });
      expect(updated.lastSignInAt?.getTime()).toBe(signedIn.getTime());
      expect(await store.users.count()).toBe(2);
      await expectCode(store.users.update('missing', { name: 'x' }), 'NOT_FOUND');
    });

    it('refuses NUL characters in text the same way on both dialects', async () => {
      await expectCode(
        store.users.create({ email: 'nul@example.com', name: 'a\u0000b' }),
        'INVALID',
      );
      await expectCode(store.users.findByEmail('a\u0000@example.com'), 'INVALID');
      expect(await store.users.count()).toBe(0);
      // JSON columns escape it, so a spec may still carry one.
      const eco = await store.ecosystems.create({}, { name: 'eco', spec: { note: 'a\u0000b' } });
      expect((await store.ecosystems.get({ name: eco.name })).spec.note).toBe('a\u0000b');
    });

    it('lets exactly one of many concurrent first-run setups create the first admin', async () => {
      const second = await t.reopen();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? store : second).users.createFirstAdmin({
            email: `admin${i}@example.com`,
            passwordHash: 'h',
          }),
        ),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.isAdmin).toBe(true);
      expect(await store.users.count()).toBe(1);
      expect(await store.users.createFirstAdmin({ email: 'late@example.com' })).toBeUndefined();
    });
  });

  describe('memberships', () => {
    it('sets, changes, lists and removes roles; cascades with the ecosystem', async () => {
      await store.ecosystems.create({}, { name: 'eco' });
      await store.ecosystems.create({}, { name: 'other' });
      const alice = await store.users.create({ email: 'alice@example.com' });
      const bob = await store.users.create({ email: 'bob@example.com' });

      expect(await store.memberships.set('eco', alice.id, 'viewer')).toMatchObject({
        ecosystem: 'eco',
        email: 'alice@example.com',
        role: 'viewer',
      });
      await store.memberships.set('eco', alice.id, 'owner');
      await store.memberships.set('eco', bob.id, 'developer');
      await store.memberships.set('other', alice.id, 'viewer');
      expect(await store.memberships.roleOf(alice.id, 'eco')).toBe('owner');
      expect(await store.memberships.roleOf(bob.id, 'other')).toBeUndefined();
      expect(
        (await store.memberships.listForEcosystem('eco')).map((m) => `${m.email}:${m.role}`),
      ).toEqual(['alice@example.com:owner', 'bob@example.com:developer']);
      expect((await store.memberships.listForUser(alice.id)).map((m) => m.ecosystem)).toEqual([
        'eco',
        'other',
      ]);

      await expectCode(store.memberships.set('eco', bob.id, 'emperor' as 'owner'), 'INVALID');
      await expectCode(store.memberships.set('nope', bob.id, 'owner'), 'NOT_FOUND');
      await expectCode(store.memberships.set('eco', 'no-such-user', 'owner'), 'NOT_FOUND');

      expect(await store.memberships.remove('eco', bob.id)).toBe(true);
      expect(await store.memberships.remove('eco', bob.id)).toBe(false);
      await store.ecosystems.delete({ name: 'other' });
      expect((await store.memberships.listForUser(alice.id)).map((m) => m.ecosystem)).toEqual([
        'eco',
      ]);
    });
  });

  describe('tokens', () => {
    it('stores the hash, finds by it, revokes idempotently, records use', async () => {
      const alice = await store.users.create({ email: 'alice@example.com' });
      const expiresAt = new Date(Date.now() + HOUR);
      const token = await store.tokens.create({
        userId: alice.id,
        name: 'laptop',
        prefix: 'dvm_abcdefgh',
        secretHash: 'a'.repeat(64),
        scope: 'write',
        expiresAt,
      });
      expect(token).toMatchObject({ name: 'laptop', scope: 'write', prefix: 'dvm_abcdefgh' });
      expect(token.expiresAt?.getTime()).toBe(expiresAt.getTime());
      expect(token).not.toHaveProperty('secretHash');
      expect((await store.tokens.findBySecretHash('a'.repeat(64)))?.id).toBe(token.id);
      expect(await store.tokens.findBySecretHash('b'.repeat(64))).toBeUndefined();

      const used = new Date();
      await store.tokens.touch(token.id, used);
      expect((await store.tokens.get(token.id)).lastUsedAt?.getTime()).toBe(used.getTime());

      const first = await store.tokens.revoke(token.id, new Date(1_000_000));
      const again = await store.tokens.revoke(token.id, new Date(2_000_000));
      expect(again.revokedAt?.getTime()).toBe(first.revokedAt?.getTime());

      await store.tokens.create({
        userId: alice.id,
        name: 'ci',
        prefix: 'dvm_x',
        secretHash: 'c'.repeat(64),
        scope: 'read',
      });
      expect((await store.tokens.listForUser(alice.id)).map((x) => x.name)).toEqual([
        'ci',
        'laptop',
      ]);
      await expectCode(
        store.tokens.create({
          userId: alice.id,
          name: 'x',
          prefix: 'p',
          secretHash: 'd',
          scope: 'root' as 'read',
        }),
        'INVALID',
      );
      await expectCode(store.tokens.revoke('missing', new Date()), 'NOT_FOUND');
    });
  });

  describe('sessions and tickets', () => {
    it('revokes one session or all of a user', async () => {
      const alice = await store.users.create({ email: 'alice@example.com' });
      const expiresAt = new Date(Date.now() + HOUR);
      await store.sessions.create({ id: 's1', userId: alice.id, expiresAt });
      await store.sessions.create({ id: 's2', userId: alice.id, expiresAt });
      await store.sessions.create({ id: 's3', userId: alice.id, expiresAt });
      await store.sessions.revoke('s1', new Date());
      expect((await store.sessions.find('s1'))?.revokedAt).toBeInstanceOf(Date);
      expect(await store.sessions.revokeAllForUser(alice.id, new Date())).toBe(2);
      expect((await store.sessions.find('s3'))?.revokedAt).toBeInstanceOf(Date);
      expect(await store.sessions.find('missing')).toBeUndefined();
    });

    it('opens a ticket at most once, and never after it expires', async () => {
      const alice = await store.users.create({ email: 'alice@example.com' });
      const now = new Date();
      await store.tickets.create({
        secretHash: 'live',
        userId: alice.id,
        purpose: 'terminal:x',
        expiresAt: new Date(now.getTime() + 30_000),
      });
      await store.tickets.create({
        secretHash: 'old',
        userId: alice.id,
        purpose: 'terminal:x',
        expiresAt: new Date(now.getTime() - 1),
      });
      const second = await t.reopen();
      const attempts = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? store : second).tickets.consume('live', now)),
      );
      expect(attempts.filter(Boolean)).toEqual([
        { userId: alice.id, purpose: 'terminal:x', expiresAt: expect.any(Date) },
      ]);
      expect(await store.tickets.consume('old', now)).toBeUndefined();
      expect(await store.tickets.consume('unknown', now)).toBeUndefined();
    });
  });

  describe('sign-in throttle', () => {
    it('counts every concurrent failure and restarts after the window', async () => {
      const now = new Date();
      await Promise.all(
        Array.from({ length: 7 }, () => store.throttle.recordFailure('account:a', now, HOUR)),
      );
      expect((await store.throttle.get('account:a'))?.failures).toBe(7);
      const later = new Date(now.getTime() + 2 * HOUR);
      const restarted = await store.throttle.recordFailure('account:a', later, HOUR);
      expect(restarted.failures).toBe(1);
      expect(restarted.firstFailureAt.getTime()).toBe(later.getTime());
      await store.throttle.clear('account:a');
      expect(await store.throttle.get('account:a')).toBeUndefined();
    });
  });

  describe('audit log', () => {
    it('appends and lists newest first with filters and keyset pages', async () => {
      const base = Date.now();
      for (let i = 0; i < 7; i++) {
        await store.audit.append({
          actor: i % 2 ? 'alice@example.com' : 'system',
          actorId: i % 2 ? 'u-alice' : undefined,
          source: i % 2 ? 'api' : 'system',
          action: i < 4 ? 'ecosystem.create' : 'auth.sign_in',
          target: `ecosystem e${i}`,
          ecosystem: i < 4 ? `e${i % 2}` : undefined,
          before: i === 3 ? { spec: { a: 1 } } : undefined,
          after: i === 3 ? { spec: { a: 2, ünï: 'cödé' } } : undefined,
          detail: { attempt: i },
          address: '127.0.0.1',
          time: new Date(base + i),
        });
      }
      const page1 = await store.audit.list({}, { limit: 3 });
      expect(page1.items.map((e) => e.detail?.attempt)).toEqual([6, 5, 4]);
      const page2 = await store.audit.list({}, { limit: 3, cursor: page1.nextCursor });
      expect(page2.items.map((e) => e.detail?.attempt)).toEqual([3, 2, 1]);
      expect(page2.items[0]).toMatchObject({
        before: { spec: { a: 1 } },
        after: { spec: { a: 2, ünï: 'cödé' } },
      });

      expect(
        (await store.audit.list({ ecosystems: ['e1'] })).items.map((e) => e.detail?.attempt),
      ).toEqual([3, 1]);
      expect((await store.audit.list({ ecosystems: [] })).items).toEqual([]);
      expect(
        (await store.audit.list({ actorId: 'u-alice', action: 'auth.sign_in' })).items,
      ).toHaveLength(1);
      expect((await store.audit.list({ source: 'system' })).items).toHaveLength(4);
      const window = await store.audit.list({
        since: new Date(base + 2),
        until: new Date(base + 4),
      });
      expect(window.items.map((e) => e.detail?.attempt)).toEqual([3, 2]);
      await expectCode(
        store.audit.append({ actor: 'x', source: 'telepathy' as 'ui', action: 'a' }),
        'INVALID',
      );
    });
  });

  describe('settings', () => {
    it('keeps the first value written for a key', async () => {
      expect(await store.settings.getOrCreate('session-secret', 'first')).toBe('first');
      const second = await t.reopen();
      expect(await second.settings.getOrCreate('session-secret', 'second')).toBe('first');
    });
  });
});
