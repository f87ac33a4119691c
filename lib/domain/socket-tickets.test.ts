// Socket tickets (single use, 30 s, tied to the credential that minted them) and the live-socket
// registry closing sockets on sign-out, token revocation, disabling and losing access.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { liveSocketCount, registerSocket } from '@/lib/auth/live-sockets';
import { DIALECTS } from '@/lib/testing/test-stores';
import { createToken } from './create-token';
import { mintSocketTicket, TICKET_TTL_SECONDS } from './mint-socket-ticket';
import { redeemSocketTicket } from './redeem-socket-ticket';
import { removeMembership } from './remove-membership';
import { revokeToken } from './revoke-token';
import { setUserDisabled } from './set-user-disabled';
import { signIn } from './sign-in';
import { signOut } from './sign-out';
import { openWorld, PASSWORD, type World } from './test-fixtures';

interface Closed {
  code: number;
  reason: string;
}

const unregister: (() => void)[] = [];

/** A stand-in for a WebSocket: records how it was closed. */
function fakeSocket(owner: Parameters<typeof registerSocket>[0]) {
  const closed: Closed[] = [];
  unregister.push(registerSocket(owner, (code, reason) => closed.push({ code, reason })));
  return closed;
}

afterEach(() => {
  // Leave no sockets behind for the next test.
  for (const done of unregister.splice(0)) done();
  expect(liveSocketCount()).toBe(0);
});

describe.each(DIALECTS)('socket tickets on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await openWorld(dialect);
    await world.hierarchy('platform');
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  async function session(email = 'developer@example.com') {
    const signedIn = await signIn({ store: world.store }, { email, password: PASSWORD });
    const user = await world.store.users.get(signedIn.user.id);
    return {
      store: world.store,
      principal: {
        user,
        via: 'session' as const,
        scope: 'admin' as const,
        sessionId: signedIn.sessionId,
        source: 'ui' as const,
      },
    };
  }

  it('open one socket, once, as the user and credential that asked', async () => {
    const ctx = await session();
    const { ticket, expiresAt } = await mintSocketTicket(ctx, { purpose: 'terminal:abc' });
    expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(TICKET_TTL_SECONDS * 1000);
    const principal = await redeemSocketTicket(
      { store: world.store },
      { ticket, purpose: 'terminal:abc', address: '192.0.2.1' },
    );
    expect(principal).toMatchObject({
      via: 'session',
      sessionId: ctx.principal.sessionId,
      scope: 'admin',
      address: '192.0.2.1',
    });
    expect(principal.user.id).toBe(world.users.developer.id);
    await expect(
      redeemSocketTicket({ store: world.store }, { ticket, purpose: 'terminal:abc' }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('keep a token’s scope and fail once the token is revoked', async () => {
    const { token } = await createToken(world.ctx('developer'), { name: 'ws', scope: 'read' });
    const ctx = {
      store: world.store,
      principal: {
        user: world.users.developer,
        via: 'token' as const,
        scope: 'read' as const,
        tokenId: token.id,
        tokenPrefix: token.prefix,
        source: 'cli' as const,
      },
    };
    const first = await mintSocketTicket(ctx, { purpose: 'events' });
    const redeemed = await redeemSocketTicket(
      { store: world.store },
      { ticket: first.ticket, purpose: 'events' },
    );
    expect(redeemed).toMatchObject({
      via: 'token',
      scope: 'read',
      tokenId: token.id,
      source: 'cli',
    });
    const second = await mintSocketTicket(ctx, { purpose: 'events' });
    await revokeToken(world.ctx('developer'), { tokenId: token.id });
    await expect(
      redeemSocketTicket({ store: world.store }, { ticket: second.ticket, purpose: 'events' }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'This API token was revoked.' });
  });

  it('expire after 30 seconds and open only what they were minted for', async () => {
    const ctx = await session();
    const late = await mintSocketTicket(ctx, { purpose: 'terminal:1' });
    const later = new Date(Date.now() + (TICKET_TTL_SECONDS + 1) * 1000);
    await expect(
      redeemSocketTicket(
        { store: world.store, now: () => later },
        { ticket: late.ticket, purpose: 'terminal:1' },
      ),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const other = await mintSocketTicket(ctx, { purpose: 'terminal:1' });
    await expect(
      redeemSocketTicket({ store: world.store }, { ticket: other.ticket, purpose: 'terminal:2' }),
    ).rejects.toMatchObject({ message: 'The ticket was issued for something else.' });
    await expect(
      redeemSocketTicket({ store: world.store }, { ticket: 'made-up', purpose: 'terminal:1' }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(mintSocketTicket(ctx, { purpose: ' ' })).rejects.toMatchObject({
      code: 'INVALID',
    });
  });

  it('fail when the session ended or the user was disabled in the meantime', async () => {
    const ctx = await session('viewer@example.com');
    const afterSignOut = await mintSocketTicket(ctx, { purpose: 'p' });
    await signOut({ store: world.store }, { sessionId: ctx.principal.sessionId });
    await expect(
      redeemSocketTicket({ store: world.store }, { ticket: afterSignOut.ticket, purpose: 'p' }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

    const user = await world.store.users.create({
      email: 'temp@example.com',
      passwordHash: (await world.store.users.get(world.users.viewer.id)).passwordHash!,
    });
    const other = await session(user.email);
    const ticket = await mintSocketTicket(other, { purpose: 'p' });
    await setUserDisabled(world.ctx('admin'), { userId: user.id, disabled: true });
    await expect(
      redeemSocketTicket({ store: world.store }, { ticket: ticket.ticket, purpose: 'p' }),
    ).rejects.toMatchObject({ message: 'This account is disabled.' });
  });

  describe('live sockets', () => {
    it('close on sign-out, for that session only', async () => {
      const a = await session();
      const b = await session();
      const userId = world.users.developer.id;
      const onA = fakeSocket({ userId, sessionId: a.principal.sessionId });
      const onB = fakeSocket({ userId, sessionId: b.principal.sessionId });
      await signOut({ store: world.store }, { sessionId: a.principal.sessionId });
      expect(onA).toEqual([{ code: 4401, reason: 'signed out' }]);
      expect(onB).toEqual([]);
      expect(liveSocketCount({ userId })).toBe(1);
    });

    it('close on token revocation', async () => {
      const { token } = await createToken(world.ctx('developer'), { name: 'x', scope: 'write' });
      const socket = fakeSocket({ userId: world.users.developer.id, tokenId: token.id });
      await revokeToken(world.ctx('developer'), { tokenId: token.id });
      expect(socket).toEqual([{ code: 4401, reason: 'token revoked' }]);
    });

    it('close when the user is disabled, all of them', async () => {
      const user = await world.store.users.create({ email: 'many@example.com' });
      const sockets = [
        fakeSocket({ userId: user.id, sessionId: 's1' }),
        fakeSocket({ userId: user.id, tokenId: 't1' }),
      ];
      const bystander = fakeSocket({ userId: world.users.viewer.id, sessionId: 's2' });
      await setUserDisabled(world.ctx('admin'), { userId: user.id, disabled: true });
      expect(sockets.map((s) => s.length)).toEqual([1, 1]);
      expect(bystander).toEqual([]);
    });

    it('close in an ecosystem when the user loses access to it', async () => {
      const userId = world.users.developer.id;
      const inPlatform = fakeSocket({ userId, sessionId: 's', ecosystem: 'platform' });
      const elsewhere = fakeSocket({ userId, sessionId: 's', ecosystem: 'payments' });
      await removeMembership(world.ctx('owner'), { ecosystem: 'platform', userId });
      expect(inPlatform).toEqual([{ code: 4403, reason: 'access removed' }]);
      expect(elsewhere).toEqual([]);
    });
  });
});
