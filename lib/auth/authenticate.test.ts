// authenticate() against real stores: API tokens (hashed at rest, revoked, expired, disabled
// users, lastUsedAt) and next-auth session cookies (a real JWT, revoked and expired sessions).

import { encode } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObject } from '@/lib/domain/create-object';
import { createToken } from '@/lib/domain/create-token';
import { revokeToken } from '@/lib/domain/revoke-token';
import { setUserDisabled } from '@/lib/domain/set-user-disabled';
import { signIn } from '@/lib/domain/sign-in';
import { signOut } from '@/lib/domain/sign-out';
import { openWorld, PASSWORD, type World } from '@/lib/domain/test-fixtures';
import { DIALECTS } from '@/lib/testing/test-stores';
import { authenticate, authenticateOptional, basicCredentials } from './authenticate';
import { rawRows } from './raw-rows';
import { hashSecret, looksLikeApiToken } from './secrets';
import { encodeSessionJwt, SESSION_MAX_AGE_SECONDS } from './session-jwt';
import { loadSessionSecret } from './session-secret';

function request(headers: Record<string, string>) {
  return new Request('http://localhost:3000/api/v1/ecosystems', { headers });
}

const HOUR = 3_600_000;

describe.each(DIALECTS)('authenticate on %s', (dialect) => {
  let world: World;
  let sessionSecret: string;
  beforeAll(async () => {
    world = await openWorld(dialect);
    sessionSecret = await loadSessionSecret(world.store, {});
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  const deps = (now?: Date) => ({
    store: world.store,
    sessionSecret,
    ...(now && { now: () => now }),
  });

  describe('API tokens', () => {
    it('stores only a hash of the secret and shows the secret once', async () => {
      const { token, secret } = await createToken(world.ctx('developer'), {
        name: 'ci',
        scope: 'write',
      });
      expect(looksLikeApiToken(secret)).toBe(true);
      expect(secret.startsWith('dvm_')).toBe(true);
      expect(token.prefix).toBe(secret.slice(0, 12));
      expect(JSON.stringify(token)).not.toContain(secret);
      const rows = await rawRows(world.test, 'api_tokens');
      const row = rows.find((r) => r.id === token.id)!;
      expect(Object.values(row)).toContain(hashSecret(secret));
      const everything = JSON.stringify(rows);
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.slice(12));
      const audit = JSON.stringify(await world.store.audit.list({ action: 'token.create' }));
      expect(audit).not.toContain(secret.slice(12));
    });

    it('accepts `Authorization: Bearer` and says who, how, from where', async () => {
      const { token, secret } = await createToken(world.ctx('developer'), {
        name: 'laptop',
        scope: 'read',
      });
      const principal = await authenticate(
        request({
          authorization: `Bearer ${secret}`,
          'x-forwarded-for': '203.0.113.9, 10.0.0.1',
        }),
        deps(),
      );
      expect(principal).toMatchObject({
        via: 'token',
        scope: 'read',
        tokenId: token.id,
        tokenPrefix: token.prefix,
        source: 'api',
        address: '203.0.113.9',
      });
      expect(principal.user.id).toBe(world.users.developer.id);
      const cli = await authenticate(
        request({ authorization: `bearer ${secret}`, 'x-dvm-client': 'cli' }),
        deps(),
      );
      expect(cli.source).toBe('cli');
    });

    it('enforces the scope in the domain', async () => {
      await world.hierarchy('scoped');
      const { secret } = await createToken(world.ctx('owner'), { name: 'ro', scope: 'read' });
      const principal = await authenticate(request({ authorization: `Bearer ${secret}` }), deps());
      await expect(
        createObject(
          { store: world.store, principal },
          { level: 'domain', parent: { ecosystem: 'scoped' }, input: { name: 'x' } },
        ),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('records the last use at most once a minute', async () => {
      const { token, secret } = await createToken(world.ctx('viewer'), {
        name: 'touch',
        scope: 'read',
      });
      const t0 = new Date(Date.now() + 1000);
      const headers = { authorization: `Bearer ${secret}` };
      await authenticate(request(headers), deps(t0));
      expect((await world.store.tokens.get(token.id)).lastUsedAt).toEqual(t0);
      await authenticate(request(headers), deps(new Date(t0.getTime() + 30_000)));
      expect((await world.store.tokens.get(token.id)).lastUsedAt).toEqual(t0);
      const t2 = new Date(t0.getTime() + 61_000);
      await authenticate(request(headers), deps(t2));
      expect((await world.store.tokens.get(token.id)).lastUsedAt).toEqual(t2);
    });

    it('rejects revoked tokens', async () => {
      const developer = world.ctx('developer');
      const { token, secret } = await createToken(developer, { name: 'gone', scope: 'read' });
      await revokeToken(developer, { tokenId: token.id });
      await expect(
        authenticate(request({ authorization: `Bearer ${secret}` }), deps()),
      ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'This API token was revoked.' });
    });

    it('rejects expired tokens', async () => {
      const expiresAt = new Date(Date.now() + HOUR);
      const { secret } = await createToken(world.ctx('developer'), {
        name: 'short',
        scope: 'read',
        expiresAt,
      });
      const headers = { authorization: `Bearer ${secret}` };
      await authenticate(request(headers), deps());
      await expect(
        authenticate(request(headers), deps(new Date(expiresAt.getTime() + 1))),
      ).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: `This API token expired at ${expiresAt.toISOString()}.`,
      });
    });

    it("stops a disabled user's tokens, and starts them again when re-enabled", async () => {
      const user = await world.store.users.create({ email: 'leaver@example.com' });
      const { secret } = await createToken(world.ctx(user), { name: 'x', scope: 'read' });
      const headers = { authorization: `Bearer ${secret}` };
      await setUserDisabled(world.ctx('admin'), { userId: user.id, disabled: true });
      await expect(authenticate(request(headers), deps())).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: 'This account is disabled.',
      });
      await setUserDisabled(world.ctx('admin'), { userId: user.id, disabled: false });
      expect((await authenticate(request(headers), deps())).user.id).toBe(user.id);
    });

    it('says what is wrong with other credentials', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ authorization: `Bearer dvm_${'A'.repeat(43)}` }, 'This API token is not valid.'],
        [{ authorization: 'Bearer abc' }, 'must carry a DevOpsMaestro API token'],
        [{ authorization: 'Basic YTpi' }, 'Use "Authorization: Bearer dvm_…"'],
        [{}, 'Sign in, or send an API token'],
      ];
      for (const [headers, message] of cases) {
        await expect(authenticate(request(headers), deps())).rejects.toMatchObject({
          code: 'UNAUTHENTICATED',
          message: expect.stringContaining(message),
        });
      }
    });

    it('reads HTTP Basic credentials for the token route', () => {
      const encoded = Buffer.from('a@example.com:pa:ss word').toString('base64');
      expect(basicCredentials(new Headers({ authorization: `Basic ${encoded}` }))).toEqual({
        email: 'a@example.com',
        password: 'pa:ss word',
      });
      expect(basicCredentials(new Headers({ authorization: 'Bearer x' }))).toBeUndefined();
    });
  });

  describe('session cookies', () => {
    async function session(email = 'owner@example.com') {
      const signedIn = await signIn({ store: world.store }, { email, password: PASSWORD });
      // A JWT exactly as next-auth issues it (its own `encode`, our claims).
      const jwt = await encode({
        token: { uid: signedIn.user.id, sid: signedIn.sessionId, email },
        secret: sessionSecret,
        maxAge: SESSION_MAX_AGE_SECONDS,
      });
      return { ...signedIn, jwt };
    }

    it('accepts a next-auth JWT that points at a live session', async () => {
      const { jwt, sessionId, user } = await session();
      const principal = await authenticate(
        request({ cookie: `theme=dark; next-auth.session-token=${jwt}` }),
        deps(),
      );
      expect(principal).toMatchObject({ via: 'session', scope: 'admin', sessionId, source: 'ui' });
      expect(principal.user.id).toBe(user.id);
      const secure = await authenticate(
        request({ cookie: `__Secure-next-auth.session-token=${jwt}` }),
        deps(),
      );
      expect(secure.sessionId).toBe(sessionId);
      const half = Math.floor(jwt.length / 2);
      const chunked = await authenticate(
        request({
          cookie: `next-auth.session-token.0=${jwt.slice(0, half)}; next-auth.session-token.1=${jwt.slice(half)}`,
        }),
        deps(),
      );
      expect(chunked.sessionId).toBe(sessionId);
    });

    it('rejects a session after sign-out, and pages see a signed-out visitor', async () => {
      const { jwt, sessionId } = await session();
      const cookie = { cookie: `next-auth.session-token=${jwt}` };
      await signOut({ store: world.store }, { sessionId });
      await expect(authenticate(request(cookie), deps())).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: 'You were signed out; sign in again.',
      });
      expect(await authenticateOptional(request(cookie), deps())).toBeUndefined();
    });

    it('rejects expired sessions, forged JWTs and disabled users', async () => {
      const { jwt } = await session();
      const cookie = { cookie: `next-auth.session-token=${jwt}` };
      const later = new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000 + 1000);
      await expect(authenticate(request(cookie), deps(later))).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: 'Your session expired; sign in again.',
      });
      const forged = await encodeSessionJwt(
        { uid: world.users.admin.id, sid: 'guessed' },
        'another secret that is at least 32 chars',
      );
      await expect(
        authenticate(request({ cookie: `next-auth.session-token=${forged}` }), deps()),
      ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      // A real session id under someone else's user id.
      const { sessionId } = await session();
      const mismatched = await encodeSessionJwt(
        { uid: world.users.admin.id, sid: sessionId },
        sessionSecret,
      );
      await expect(
        authenticate(request({ cookie: `next-auth.session-token=${mismatched}` }), deps()),
      ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

      const user = await world.store.users.create({
        email: 'soon-disabled@example.com',
        passwordHash: (await world.store.users.get(world.users.owner.id)).passwordHash!,
      });
      const own = await session(user.email);
      await setUserDisabled(world.ctx('admin'), { userId: user.id, disabled: true });
      await expect(
        authenticate(request({ cookie: `next-auth.session-token=${own.jwt}` }), deps()),
      ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('never falls back from a bad Bearer token to the cookie', async () => {
      const { jwt } = await session();
      const headers = {
        authorization: `Bearer dvm_${'B'.repeat(43)}`,
        cookie: `next-auth.session-token=${jwt}`,
      };
      await expect(authenticate(request(headers), deps())).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      await expect(authenticateOptional(request(headers), deps())).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      expect(await authenticateOptional(request({}), deps())).toBeUndefined();
    });
  });

  it('keeps one generated session secret per database, shared by every replica', async () => {
    const replica = await world.test.reopen();
    expect(await loadSessionSecret(replica, {})).toBe(sessionSecret);
    expect(sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(await loadSessionSecret(replica, { sessionSecret: 'configured' })).toBe('configured');
  });
});
