// Password sign-in and the HTTP Basic token route on real stores: throttling per account and per
// address with a retry-after, disabled users, and audit entries that never hold the password.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '@/lib/auth/throttle';
import { DIALECTS } from '@/lib/testing/test-stores';
import { createTokenWithPassword } from './create-token-with-password';
import { setUserDisabled } from './set-user-disabled';
import { signIn } from './sign-in';
import { openWorld, PASSWORD, type World } from './test-fixtures';

const WRONG = 'definitely not it';

describe.each(DIALECTS)('sign-in on %s', (dialect) => {
  let world: World;
  let clock: Date;
  const ctx = () => ({ store: world.store, now: () => clock });
  const advance = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };
  beforeAll(async () => {
    world = await openWorld(dialect);
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  async function attempt(email: string, password: string, address = '198.51.100.1') {
    try {
      await signIn(ctx(), { email, password, address });
      return 'ok';
    } catch (error) {
      const wait = retryAfterSeconds(error);
      return wait !== undefined ? `wait ${wait}` : (error as Error).message;
    }
  }

  it('signs in with the right password and opens a session record', async () => {
    clock = new Date();
    const result = await signIn(ctx(), {
      email: ' Viewer@Example.com ',
      password: PASSWORD,
      address: '198.51.100.7',
    });
    expect(result.user.email).toBe('viewer@example.com');
    expect(result.user).not.toHaveProperty('passwordHash');
    const session = await world.store.sessions.find(result.sessionId);
    expect(session).toMatchObject({ userId: result.user.id, expiresAt: result.expiresAt });
    expect((await world.store.users.get(result.user.id)).lastSignInAt).toEqual(clock);
    const [event] = (await world.store.audit.list({ action: 'auth.sign_in' })).items;
    expect(event).toMatchObject({
      actor: 'viewer@example.com',
      actorId: result.user.id,
      source: 'ui',
      address: '198.51.100.7',
    });
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    clock = new Date();
    expect(await attempt('viewer@example.com', WRONG, '198.51.100.2')).toBe(
      'The email or password is wrong.',
    );
    expect(await attempt('nobody@example.com', WRONG, '198.51.100.2')).toBe(
      'The email or password is wrong.',
    );
  });

  it('slows down one account after five failures, from any address, and says how long', async () => {
    clock = new Date();
    const email = 'developer@example.com';
    for (let i = 1; i <= 5; i++)
      expect(await attempt(email, WRONG, `192.0.2.${i}`)).not.toMatch(/^wait/);
    // The right password does not help while the account must wait.
    expect(await attempt(email, PASSWORD, '192.0.2.99')).toBe('wait 1');
    advance(1);
    expect(await attempt(email, WRONG, '192.0.2.6')).toBe('The email or password is wrong.');
    expect(await attempt(email, WRONG, '192.0.2.7')).toBe('wait 2');
    advance(2);
    expect(await attempt(email, WRONG, '192.0.2.8')).toBe('The email or password is wrong.');
    expect(await attempt(email, PASSWORD, '192.0.2.9')).toBe('wait 4');
    advance(4);
    expect(await attempt(email, PASSWORD, '192.0.2.10')).toBe('ok');
    // Success starts the account afresh.
    expect(await attempt(email, WRONG, '192.0.2.11')).toBe('The email or password is wrong.');
    expect(await attempt(email, PASSWORD, '192.0.2.12')).toBe('ok');
  });

  it('tells the user in words, too', async () => {
    clock = new Date();
    const email = 'owner@example.com';
    for (let i = 0; i < 5; i++) await attempt(email, WRONG, `192.0.2.${50 + i}`);
    await expect(signIn(ctx(), { email, password: WRONG })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Too many failed sign-ins; try again in 1 second.',
    });
    advance(60 * 15); // a new window
    expect(await attempt(email, PASSWORD)).toBe('ok');
  });

  it('slows down one address trying many accounts, and a success does not reset it', async () => {
    clock = new Date();
    const address = '203.0.113.66';
    for (let i = 0; i < 20; i++) {
      expect(await attempt(`guess${i}@example.com`, WRONG, address)).toBe(
        'The email or password is wrong.',
      );
    }
    expect(await attempt('viewer@example.com', PASSWORD, address)).toBe('wait 1');
    expect(await attempt('viewer@example.com', PASSWORD, '203.0.113.67')).toBe('ok');
    advance(1);
    expect(await attempt('viewer@example.com', PASSWORD, address)).toBe('ok');
    expect(await attempt('guess99@example.com', WRONG, address)).toBe(
      'The email or password is wrong.',
    );
    expect(await attempt('viewer@example.com', PASSWORD, address)).toBe('wait 2');
  });

  it('refuses disabled users with a clear message (after checking the password)', async () => {
    clock = new Date();
    const user = await world.store.users.create({
      email: 'disabled@example.com',
      passwordHash: (await world.store.users.get(world.users.viewer.id)).passwordHash!,
    });
    await setUserDisabled(world.ctx('admin'), { userId: user.id, disabled: true });
    expect(await attempt(user.email, PASSWORD, '192.0.2.200')).toBe('This account is disabled.');
    expect(await attempt(user.email, WRONG, '192.0.2.200')).toBe('The email or password is wrong.');
  });

  it('audits failures with the reason and never the password', async () => {
    clock = new Date();
    const secretish = 'hunter2-hunter2-hunter2';
    await attempt('viewer@example.com', secretish, '192.0.2.201');
    // Someone pasting their password into the email field.
    await attempt(secretish, secretish, '192.0.2.201');
    const events = await world.store.audit.list({ action: 'auth.sign_in_failed' }, { limit: 500 });
    const recent = events.items.filter((e) => e.address === '192.0.2.201');
    expect(recent.map((e) => [e.actor, e.detail?.reason])).toEqual([
      ['(not an email)', 'unknown email'],
      ['viewer@example.com', 'wrong password'],
    ]);
    const everything = JSON.stringify(await world.store.audit.list({}, { limit: 500 }));
    expect(everything).not.toContain(secretish);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(WRONG);
  });

  it('throttles HTTP Basic token creation exactly like sign-in, sharing the count', async () => {
    clock = new Date();
    const email = 'admin@example.com';
    const basic = async (password: string) => {
      try {
        const { secret } = await createTokenWithPassword(ctx(), {
          email,
          password,
          name: 'dvm login',
          scope: 'write',
          address: '192.0.2.230',
          source: 'cli',
        });
        return secret.startsWith('dvm_') ? 'ok' : 'no secret';
      } catch (error) {
        const wait = retryAfterSeconds(error);
        return wait !== undefined ? `wait ${wait}` : (error as Error).message;
      }
    };
    for (let i = 0; i < 3; i++) expect(await basic(WRONG)).toBe('The email or password is wrong.');
    for (let i = 0; i < 2; i++) {
      expect(await attempt(email, WRONG, '192.0.2.231')).toBe('The email or password is wrong.');
    }
    expect(await basic(PASSWORD)).toBe('wait 1');
    advance(1);
    expect(await basic(PASSWORD)).toBe('ok');
    const failures = await world.store.audit.list({ action: 'auth.sign_in_failed', source: 'cli' });
    expect(failures.items[0]?.detail).toMatchObject({ method: 'basic' });
    const [created] = (await world.store.audit.list({ action: 'token.create', source: 'cli' }))
      .items;
    expect(created).toMatchObject({ actor: email, address: '192.0.2.230' });
  });

  it('makes users with an initial password change it before creating tokens', async () => {
    clock = new Date();
    await world.store.users.create({
      email: 'fresh@example.com',
      passwordHash: (await world.store.users.get(world.users.viewer.id)).passwordHash!,
      mustChangePassword: true,
    });
    // They may sign in (changing the password needs a session)…
    expect(await attempt('fresh@example.com', PASSWORD, '192.0.2.240')).toBe('ok');
    // …but not mint a token that would bypass the change.
    await expect(
      createTokenWithPassword(ctx(), {
        email: 'fresh@example.com',
        password: PASSWORD,
        name: 'x',
        scope: 'read',
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
