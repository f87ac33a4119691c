// Accounts, memberships, tokens and the audit log through the use cases, on both dialects.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '@/lib/auth/password';
import { systemPrincipal } from '@/lib/auth/principal';
import { DIALECTS } from '@/lib/testing/test-stores';
import { changePassword } from './change-password';
import { createToken } from './create-token';
import { createUser } from './create-user';
import { ensureHeadlessAdmin } from './ensure-headless-admin';
import { getUser } from './get-user';
import { setUserAdmin } from './set-user-admin';
import { listAudit } from './list-audit';
import { listMemberships } from './list-memberships';
import { listTokens } from './list-tokens';
import { needsSetup } from './needs-setup';
import { removeMembership } from './remove-membership';
import { resetUserPassword } from './reset-user-password';
import { revokeToken } from './revoke-token';
import { setMembership } from './set-membership';
import { setUserDisabled } from './set-user-disabled';
import { setupFirstAdmin } from './setup-first-admin';
import { signIn } from './sign-in';
import { openWorld, outcome, type World } from './test-fixtures';
import { openTestStore, type TestStore } from '@/lib/testing/test-stores';
import { createObject } from './create-object';
import { updateObject } from './update-object';
import { deleteObject } from './delete-object';

describe.each(DIALECTS)('first administrator on %s', (dialect) => {
  let test: TestStore;
  beforeAll(async () => {
    test = await openTestStore(dialect);
  });
  afterAll(async () => {
    await test?.cleanup();
  });

  it('is created once by the setup page, then setup refuses', async () => {
    const ctx = { store: test.store };
    expect(await needsSetup(ctx)).toBe(true);
    await expect(
      setupFirstAdmin(ctx, { email: 'root@example.com', password: 'short' }),
    ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'password' }] });
    const results = await Promise.all(
      ['a', 'b', 'c'].map((n) =>
        outcome(
          setupFirstAdmin(ctx, {
            email: `${n}@example.com`,
            password: 'a good long password',
            address: '192.0.2.1',
          }),
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'CONFLICT')).toHaveLength(2);
    expect(await test.store.users.count()).toBe(1);
    expect(await needsSetup(ctx)).toBe(false);
    const [admin] = (await test.store.users.list()).items;
    expect(admin).toMatchObject({ isAdmin: true, mustChangePassword: false });
    const events = (await test.store.audit.list({ action: 'user.create' })).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'ui', address: '192.0.2.1' });
    expect(
      await ensureHeadlessAdmin(ctx, { email: 'env@example.com', password: 'another password' }),
    ).toEqual({ created: false });
  });

  it('is created headlessly from DVM_ADMIN_EMAIL at start-up, once', async () => {
    const fresh = await openTestStore(dialect);
    try {
      const ctx = { store: fresh.store };
      const input = { email: 'Ops@Example.com', password: 'from the environment' };
      expect(await ensureHeadlessAdmin(ctx, input)).toEqual({ created: true });
      expect(await ensureHeadlessAdmin(ctx, input)).toEqual({ created: false });
      const user = await fresh.store.users.findByEmail('ops@example.com');
      expect(user).toMatchObject({ isAdmin: true });
      expect(await verifyPassword(user!.passwordHash!, input.password)).toBe(true);
      const [event] = (await fresh.store.audit.list()).items;
      expect(event).toMatchObject({ action: 'user.create', actor: 'system', source: 'system' });
      expect(JSON.stringify(event)).not.toContain(input.password);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe.each(DIALECTS)('identity use cases on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await openWorld(dialect);
    await world.hierarchy('platform');
    await world.hierarchy('payments');
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  describe('users', () => {
    it('are created by admins with an initial password that must be changed', async () => {
      const created = await createUser(world.ctx('admin'), {
        email: 'New@Example.com',
        name: ' New Person ',
        password: 'initial password',
      });
      expect(created).toMatchObject({
        email: 'new@example.com',
        name: 'New Person',
        mustChangePassword: true,
        hasPassword: true,
        isAdmin: false,
      });
      expect(created).not.toHaveProperty('passwordHash');
      const [event] = (await world.store.audit.list({ action: 'user.create' })).items;
      expect(event).toMatchObject({ actor: 'admin@example.com', target: 'user new@example.com' });
      expect(JSON.stringify(event)).not.toContain('initial password');
      await expect(
        createUser(world.ctx('admin'), { email: 'new@example.com' }),
      ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await expect(
        createUser(world.ctx('admin'), { email: 'x@example.com', password: 'aaaaaaaaaaaa' }),
      ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'password' }] });
    });

    it('change their password with the current one; other sessions end', async () => {
      const user = await createUser(world.ctx('admin'), {
        email: 'changer@example.com',
        password: 'initial password',
      });
      const store = world.store;
      const first = await signIn({ store }, { email: user.email, password: 'initial password' });
      const second = await signIn({ store }, { email: user.email, password: 'initial password' });
      const record = await store.users.get(user.id);
      const ctx = {
        store,
        principal: {
          user: record,
          via: 'session' as const,
          scope: 'admin' as const,
          sessionId: first.sessionId,
          source: 'ui' as const,
        },
      };
      await expect(
        changePassword(ctx, { currentPassword: 'wrong password', newPassword: 'brand new secret' }),
      ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'currentPassword' }] });
      await expect(
        changePassword(ctx, { currentPassword: 'initial password', newPassword: 'short' }),
      ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'newPassword' }] });
      const changed = await changePassword(ctx, {
        currentPassword: 'initial password',
        newPassword: 'brand new secret',
      });
      expect(changed.user.mustChangePassword).toBe(false);
      expect(changed.sessionId).toBeDefined();
      expect((await store.sessions.find(first.sessionId))?.revokedAt).toBeDefined();
      expect((await store.sessions.find(second.sessionId))?.revokedAt).toBeDefined();
      expect((await store.sessions.find(changed.sessionId!))?.revokedAt).toBeUndefined();
      await signIn({ store }, { email: user.email, password: 'brand new secret' });
    });

    it('get a new initial password from an admin', async () => {
      const user = await createUser(world.ctx('admin'), {
        email: 'forgetful@example.com',
        password: 'initial password',
      });
      const session = await signIn(
        { store: world.store },
        { email: user.email, password: 'initial password' },
      );
      const reset = await resetUserPassword(world.ctx('admin'), {
        userId: user.id,
        password: 'second initial one',
      });
      expect(reset.mustChangePassword).toBe(true);
      expect((await world.store.sessions.find(session.sessionId))?.revokedAt).toBeDefined();
      await expect(
        resetUserPassword(world.ctx('owner'), { userId: user.id, password: 'owner tries this' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('are disabled by admins, never themselves or the last admin', async () => {
      const admin = world.ctx('admin');
      await expect(
        setUserDisabled(admin, { userId: world.users.admin.id, disabled: true }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'You cannot disable your own account.',
      });
      const second = await createUser(admin, { email: 'admin2@example.com', isAdmin: true });
      const disabled = await setUserDisabled(admin, { userId: second.id, disabled: true });
      expect(disabled.disabled).toBe(true);
      // The control plane itself (a start-up job) must not leave the server without an admin.
      await expect(
        setUserDisabled(
          { store: world.store, principal: systemPrincipal },
          { userId: world.users.admin.id, disabled: true },
        ),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message:
          'admin@example.com is the last enabled administrator; make someone else an administrator first.',
      });
      const events = (await world.store.audit.list({ action: 'user.disable' })).items;
      expect(events[0]).toMatchObject({
        before: expect.objectContaining({ disabled: false }),
        after: expect.objectContaining({ disabled: true }),
      });
      await expect(
        setUserDisabled(world.ctx('owner'), { userId: world.users.viewer.id, disabled: true }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('are read by themselves or an admin, and promoted by admins', async () => {
      const viewer = world.ctx('viewer');
      expect((await getUser(viewer, { userId: world.users.viewer.id })).email).toBe(
        'viewer@example.com',
      );
      await expect(getUser(viewer, { userId: world.users.owner.id })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(getUser(world.ctx('admin'), { userId: 'no-such-user' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const promoted = await createUser(world.ctx('admin'), { email: 'promoted@example.com' });
      expect(
        (await setUserAdmin(world.ctx('admin'), { userId: promoted.id, isAdmin: true })).isAdmin,
      ).toBe(true);
      const [event] = (await world.store.audit.list({ action: 'user.grant_admin' })).items;
      expect(event).toMatchObject({
        before: expect.objectContaining({ isAdmin: false }),
        after: expect.objectContaining({ isAdmin: true }),
      });
      await expect(
        setUserAdmin(world.ctx('admin'), { userId: world.users.admin.id, isAdmin: false }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        setUserAdmin(world.ctx('owner'), { userId: world.users.owner.id, isAdmin: true }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await setUserAdmin(world.ctx('admin'), { userId: promoted.id, isAdmin: false });
    });
  });

  describe('memberships', () => {
    it('are managed by owners and admins, by email or id', async () => {
      const target = await createUser(world.ctx('admin'), { email: 'member@example.com' });
      const owner = world.ctx('owner');
      const set = await setMembership(owner, {
        ecosystem: 'platform',
        email: 'MEMBER@example.com',
        role: 'developer',
      });
      expect(set).toMatchObject({ userId: target.id, ecosystem: 'platform', role: 'developer' });
      await setMembership(owner, { ecosystem: 'platform', userId: target.id, role: 'viewer' });
      const [event] = (await world.store.audit.list({ action: 'membership.set' })).items;
      expect(event).toMatchObject({
        ecosystem: 'platform',
        before: { role: 'developer' },
        after: { role: 'viewer' },
      });
      expect(
        (await listMemberships(world.ctx('viewer'), { ecosystem: 'platform' })).map((m) => m.email),
      ).toContain('member@example.com');
      await expect(
        setMembership(world.ctx('developer'), {
          ecosystem: 'platform',
          userId: target.id,
          role: 'owner',
        }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        setMembership(owner, { ecosystem: 'platform', email: 'ghost@example.com', role: 'viewer' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        setMembership(owner, { ecosystem: 'platform', userId: target.id, role: 'king' as never }),
      ).rejects.toMatchObject({ code: 'INVALID' });
      await removeMembership(owner, { ecosystem: 'platform', userId: target.id });
      await expect(
        removeMembership(owner, { ecosystem: 'platform', userId: target.id }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(
        await listMemberships(world.ctx(target.id as never), { userId: target.id }).catch(() => []),
      ).toEqual([]);
    });

    it('keep at least one owner unless an admin decides otherwise', async () => {
      const owner = world.ctx('owner');
      await expect(
        setMembership(owner, {
          ecosystem: 'payments',
          userId: world.users.owner.id,
          role: 'viewer',
        }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(
        removeMembership(owner, { ecosystem: 'payments', userId: world.users.owner.id }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await world.store.memberships.roleOf(world.users.owner.id, 'payments')).toBe('owner');
    });

    it("list one user's ecosystems for themselves or an admin", async () => {
      const own = await listMemberships(world.ctx('developer'), {
        userId: world.users.developer.id,
      });
      expect(own.map((m) => [m.ecosystem, m.role]).sort()).toEqual([
        ['payments', 'developer'],
        ['platform', 'developer'],
      ]);
      await expect(
        listMemberships(world.ctx('developer'), { userId: world.users.viewer.id }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(
        await listMemberships(world.ctx('admin'), { userId: world.users.viewer.id }),
      ).toHaveLength(2);
    });
  });

  describe('tokens', () => {
    it('cannot exceed what their creator may do', async () => {
      await expect(
        createToken(world.ctx('owner'), { name: 'x', scope: 'admin' }),
      ).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: 'Only administrators can create tokens with the admin scope.',
      });
      const readToken = await world.tokenCtx('admin', 'read');
      await expect(createToken(readToken, { name: 'x', scope: 'write' })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      expect((await createToken(readToken, { name: 'x', scope: 'read' })).token.scope).toBe('read');
      await expect(
        createToken(world.ctx('viewer'), { name: ' ', scope: 'read' }),
      ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'name' }] });
      await expect(
        createToken(world.ctx('viewer'), {
          name: 'old',
          scope: 'read',
          expiresAt: new Date(Date.now() - 1000),
        }),
      ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'expiresAt' }] });
    });

    it('minted by an expiring token expire no later than it', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      const parent = await createToken(world.ctx('developer'), {
        name: 'parent',
        scope: 'write',
        expiresAt,
      });
      const ctx = {
        store: world.store,
        principal: {
          user: world.users.developer,
          via: 'token' as const,
          scope: 'write' as const,
          tokenId: parent.token.id,
          source: 'api' as const,
        },
      };
      expect((await createToken(ctx, { name: 'child', scope: 'read' })).token.expiresAt).toEqual(
        expiresAt,
      );
      await expect(
        createToken(ctx, {
          name: 'longer',
          scope: 'read',
          expiresAt: new Date(expiresAt.getTime() + 1000),
        }),
      ).rejects.toMatchObject({ code: 'INVALID' });
    });

    it('are listed for their owner, and by admins for anyone', async () => {
      const viewer = world.ctx('viewer');
      const { token } = await createToken(viewer, { name: 'mine', scope: 'read' });
      const mine = await listTokens(viewer);
      expect(mine.map((t) => t.id)).toContain(token.id);
      expect(JSON.stringify(mine)).not.toMatch(/secret/i);
      expect((await listTokens(world.ctx('admin'), { userId: world.users.viewer.id })).length).toBe(
        mine.length,
      );
      await expect(
        listTokens(world.ctx('owner'), { userId: world.users.viewer.id }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it("are revoked by their owner or an admin; other people's are not found", async () => {
      const viewer = world.ctx('viewer');
      const { token } = await createToken(viewer, { name: 'to revoke', scope: 'read' });
      await expect(revokeToken(world.ctx('owner'), { tokenId: token.id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const revoked = await revokeToken(viewer, { tokenId: token.id });
      expect(revoked.revokedAt).toBeDefined();
      expect((await revokeToken(viewer, { tokenId: token.id })).revokedAt).toEqual(
        revoked.revokedAt,
      );
      const other = await createToken(viewer, { name: 'admin revokes', scope: 'read' });
      await revokeToken(world.ctx('admin'), { tokenId: other.token.id });
      const events = (await world.store.audit.list({ action: 'token.revoke' })).items;
      expect(events.map((e) => e.actor)).toEqual(['admin@example.com', 'viewer@example.com']);
      // A read-scoped token may revoke itself (log out) but not its siblings.
      const self = await world.tokenCtx('viewer', 'read');
      const sibling = await createToken(viewer, { name: 'sibling', scope: 'read' });
      await expect(revokeToken(self, { tokenId: sibling.token.id })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await revokeToken(self, { tokenId: self.principal.tokenId! });
    });
  });

  describe('audit log', () => {
    beforeAll(async () => {
      const admin = world.ctx('admin');
      await createObject(admin, { level: 'ecosystem', parent: {}, input: { name: 'audited' } });
      await world.store.memberships.set('audited', world.users.owner.id, 'owner');
      await createObject(world.ctx('owner'), {
        level: 'domain',
        parent: { ecosystem: 'audited' },
        input: { name: 'd1', spec: {} },
      });
      await updateObject(world.ctx('owner'), {
        level: 'domain',
        key: { ecosystem: 'audited', name: 'd1' },
        input: { name: 'd1', annotations: { description: 'first' } },
      });
      await createObject(admin, {
        level: 'domain',
        parent: { ecosystem: 'platform' },
        input: { name: 'd9' },
      });
      await deleteObject(admin, {
        level: 'domain',
        key: { ecosystem: 'platform', name: 'd9' },
      });
    });

    it('records mutations with before and after', async () => {
      const [update] = (await world.store.audit.list({ action: 'domain.update' })).items;
      expect(update).toMatchObject({
        actor: 'owner@example.com',
        source: 'ui',
        target: 'domain audited/d1',
        ecosystem: 'audited',
        before: { labels: {}, annotations: {}, spec: {} },
        after: { labels: {}, annotations: { description: 'first' }, spec: {} },
      });
      const [deleted] = (await world.store.audit.list({ action: 'domain.delete' })).items;
      expect(deleted).toMatchObject({ target: 'domain platform/d9', after: null });
    });

    it('shows admins everything and owners their ecosystems only', async () => {
      const all = await listAudit(world.ctx('admin'), { limit: 500 });
      expect(
        all.items.some((e) => e.action === 'auth.sign_in_failed' || e.ecosystem === undefined),
      ).toBe(true);
      const owned = await listAudit(world.ctx('owner'), { limit: 500 });
      const ecosystems = new Set(owned.items.map((e) => e.ecosystem));
      // Events of the ecosystems they own (no sign-ins, no other users' tokens), nothing else.
      expect([...ecosystems].sort()).toEqual(['audited', 'platform']);
      expect(all.items.filter((e) => e.ecosystem === 'audited').length).toBe(
        owned.items.filter((e) => e.ecosystem === 'audited').length,
      );
      await expect(listAudit(world.ctx('developer'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        listAudit(world.ctx('developer'), { ecosystem: 'platform' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        listAudit(world.ctx('outsider'), { ecosystem: 'platform' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('filters and pages with a cursor', async () => {
      const owner = world.ctx('owner');
      const first = await listAudit(owner, { ecosystem: 'audited', limit: 1 });
      expect(first.items).toHaveLength(1);
      expect(first.nextCursor).toBeDefined();
      const second = await listAudit(owner, {
        ecosystem: 'audited',
        limit: 1,
        cursor: first.nextCursor!,
      });
      expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
      expect(first.items[0]!.time.getTime()).toBeGreaterThanOrEqual(
        second.items[0]!.time.getTime(),
      );
      const byAction = await listAudit(world.ctx('admin'), {
        action: 'domain.create',
        actorId: world.users.owner.id,
      });
      expect(byAction.items.map((e) => e.target)).toEqual(['domain audited/d1']);
    });

    it("filters by the actor's email and by the start of the target", async () => {
      const admin = world.ctx('admin');
      const byEmail = await listAudit(admin, {
        actorEmail: 'owner@example.com',
        target: 'domain audited/',
        limit: 500,
      });
      expect(byEmail.items.length).toBeGreaterThan(0);
      expect(byEmail.items.every((e) => e.actor === 'owner@example.com')).toBe(true);
      expect(byEmail.items.every((e) => e.target?.startsWith('domain audited/'))).toBe(true);
      expect(byEmail.items.map((e) => e.action)).toContain('domain.update');
      // Exact text, no wildcards: `%` and `_` match only themselves; case counts.
      expect((await listAudit(admin, { target: 'domain %' })).items).toEqual([]);
      expect((await listAudit(admin, { target: 'DOMAIN audited/' })).items).toEqual([]);
      expect((await listAudit(admin, { actorEmail: 'nobody@example.com' })).items).toEqual([]);
      // An owner's view stays within their ecosystems whatever the filters say.
      const owned = await listAudit(world.ctx('owner'), { target: 'domain', limit: 500 });
      expect(owned.items.every((e) => ['audited', 'platform'].includes(e.ecosystem ?? ''))).toBe(
        true,
      );
    });
  });
});
