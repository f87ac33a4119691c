// next-auth wiring against a real store: the credentials provider signs in through the domain,
// the JWT carries uid + sid, the session callback re-reads the user, sign-out revokes the record,
// SSO users are matched or created by verified email and never made admins.

import type { Account, NextAuthOptions, Session, User } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld, PASSWORD, type World } from '@/lib/domain/test-fixtures';
import { DIALECTS } from '@/lib/testing/test-stores';
import { buildAuthOptions, describeSignInError } from './auth-options';

type Authorize = (
  credentials: Record<string, string> | undefined,
  req: { headers: Record<string, string> },
) => Promise<User | null>;

function authorizeOf(options: NextAuthOptions): Authorize {
  const provider = options.providers.find((p) => p.id === 'credentials') as unknown as {
    options: { authorize: Authorize };
  };
  return provider.options.authorize;
}

const SSO = {
  oidc: {
    issuer: 'https://id.example.com',
    clientId: 'dvm',
    clientSecret: 'oidc-secret',
    name: 'Example ID',
  },
  github: { clientId: 'gh', clientSecret: 'gh-secret' },
};

describe.each(DIALECTS)('next-auth options on %s', (dialect) => {
  let world: World;
  let options: NextAuthOptions;
  beforeAll(async () => {
    world = await openWorld(dialect);
    options = buildAuthOptions({
      store: world.store,
      sessionSecret: 'a session secret of at least thirty-two chars',
      config: { sso: SSO },
    });
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  it('offers the password form and each configured SSO provider', () => {
    expect(options.providers.map((p) => p.id)).toEqual(['credentials', 'oidc', 'github']);
    const oidc = options.providers[1] as unknown as Record<string, unknown>;
    expect(oidc).toMatchObject({
      name: 'Example ID',
      wellKnown: 'https://id.example.com/.well-known/openid-configuration',
      checks: ['pkce', 'state'],
    });
    const bare = buildAuthOptions({ store: world.store, sessionSecret: 'x', config: { sso: {} } });
    expect(bare.providers.map((p) => p.id)).toEqual(['credentials']);
    expect(options.session).toMatchObject({ strategy: 'jwt', maxAge: 12 * 60 * 60 });
    expect(options.pages).toMatchObject({ signIn: '/signin' });
  });

  it('signs in with a password and puts uid + sid in the JWT, nothing else of note', async () => {
    const authorize = authorizeOf(options);
    const user = (await authorize(
      { email: 'owner@example.com', password: PASSWORD },
      { headers: { 'x-forwarded-for': '192.0.2.44' } },
    )) as User & { sid: string };
    expect(user).toMatchObject({ id: world.users.owner.id, email: 'owner@example.com' });
    expect(await world.store.sessions.find(user.sid)).toBeDefined();
    const [event] = (await world.store.audit.list({ action: 'auth.sign_in' })).items;
    expect(event?.address).toBe('192.0.2.44');

    const token = await options.callbacks!.jwt!({
      token: { sub: user.id, picture: 'x' },
      user,
      account: { provider: 'credentials', type: 'credentials', providerAccountId: user.id },
      trigger: 'signIn',
    } as Parameters<NonNullable<NonNullable<NextAuthOptions['callbacks']>['jwt']>>[0]);
    expect(token).toEqual({
      uid: user.id,
      sid: user.sid,
      email: 'owner@example.com',
      name: 'owner',
    });
    const again = await options.callbacks!.jwt!({ token } as never);
    expect(again).toBe(token);

    const session = (await options.callbacks!.session!({
      session: { expires: '2099-01-01T00:00:00.000Z' } as Session,
      token,
    } as never)) as Session & { user?: Record<string, unknown> };
    expect(session.user).toEqual({
      id: user.id,
      email: 'owner@example.com',
      name: 'owner',
      isAdmin: false,
      mustChangePassword: false,
    });

    await options.events!.signOut!({ token: token as JWT, session: session as Session });
    expect((await world.store.sessions.find(user.sid))?.revokedAt).toBeDefined();
    const after = (await options.callbacks!.session!({
      session: { expires: '2099-01-01T00:00:00.000Z' } as Session,
      token,
    } as never)) as Session;
    expect(after.user).toBeUndefined();
  });

  it('turns failures into short messages the sign-in page may show', async () => {
    const authorize = authorizeOf(options);
    const attempt = (password: string) =>
      authorize(
        { email: 'viewer@example.com', password },
        { headers: { 'x-forwarded-for': '192.0.2.45' } },
      ).then(
        () => 'ok',
        (error: Error) => error.message,
      );
    for (let i = 0; i < 5; i++)
      expect(await attempt('wrong password!')).toBe('The email or password is wrong.');
    const throttled = await attempt(PASSWORD);
    expect(throttled).toBe('Too many failed sign-ins; try again in 1 second.');
    expect(describeSignInError(throttled)).toBe(throttled);
    expect(describeSignInError('The email or password is wrong.')).toBe(
      'The email or password is wrong.',
    );
    expect(describeSignInError('CredentialsSignin')).toBe('The email or password is wrong.');
    expect(describeSignInError('Call +1 555 0100 to unlock your account')).toBe(
      'Sign-in failed; try again.',
    );
    expect(describeSignInError(undefined)).toBeUndefined();
  });

  it('matches or creates SSO users by verified email, never as admins', async () => {
    const signIn = options.callbacks!.signIn!;
    const account = {
      provider: 'oidc',
      type: 'oauth',
      providerAccountId: 'sub-1',
    } as Account;
    const newcomer: User = { id: 'sub-1', email: 'sso.person@example.com', name: 'SSO Person' };
    expect(
      await signIn({
        user: newcomer,
        account,
        profile: { email: 'SSO.Person@example.com', email_verified: true } as never,
      }),
    ).toBe(true);
    const created = await world.store.users.findByEmail('sso.person@example.com');
    expect(created).toMatchObject({ isAdmin: false, name: 'SSO Person' });
    expect(created?.passwordHash).toBeUndefined();
    expect(newcomer.id).toBe(created!.id);
    const sid = (newcomer as User & { sid: string }).sid;
    expect(await world.store.sessions.find(sid)).toBeDefined();

    const existing: User = { id: 'gh-7', email: 'admin@example.com' };
    expect(
      await signIn({
        user: existing,
        account: { ...account, provider: 'github' },
        profile: { email: 'admin@example.com', email_verified: true } as never,
      }),
    ).toBe(true);
    expect(existing.id).toBe(world.users.admin.id);

    const unverified = await signIn({
      user: { id: 'sub-2', email: 'viewer@example.com' },
      account,
      profile: { email: 'viewer@example.com', email_verified: false } as never,
    });
    expect(typeof unverified).toBe('string');
    const message = new URL(unverified as string, 'http://x').searchParams.get('error')!;
    expect(message).toBe(
      'Sign-in with Example ID needs a verified email address; verify one with Example ID and try again.',
    );
    expect(describeSignInError(message)).toBe(message);
  });
});
