// Test fixtures for the identity and authorisation suites: a real, migrated store (SQLite or
// PostgreSQL) holding one user per role around a small hierarchy, and principals for them.
// Objects and users are written straight through the store, so fixtures do not depend on the use
// cases under test.

import { hashPassword } from '@/lib/auth/password';
import type { Principal } from '@/lib/auth/principal';
import { newApiToken } from '@/lib/auth/secrets';
import type { DataStore } from '@/lib/store/data-store';

import type { TokenScope, UserRecord } from '@/lib/store/identity-store';
import { openTestStore, type Dialect, type TestStore } from '@/lib/testing/test-stores';
import type { ActionContext } from './action-context';

export const PASSWORD = 'correct horse battery';

export type Persona = 'admin' | 'owner' | 'developer' | 'viewer' | 'outsider';
export const PERSONAS: Persona[] = ['admin', 'owner', 'developer', 'viewer', 'outsider'];

export interface World {
  test: TestStore;
  store: DataStore;
  users: Record<Persona, UserRecord>;
  /** A session principal for each persona. */
  ctx(persona: Persona | UserRecord): ActionContext;
  /** A token principal (with a real token row) for each persona and scope. */
  tokenCtx(persona: Persona | UserRecord, scope: TokenScope): Promise<ActionContext>;
  /** Creates ecosystem `name` with domain `dom`, app `app`, workspace `ws`, and the roles. */
  hierarchy(name: string): Promise<void>;
}

let passwordHash: Promise<string> | undefined;

export function sessionPrincipal(user: UserRecord, sessionId = 'test-session'): Principal {
  return { user, via: 'session', scope: 'admin', sessionId, source: 'ui' };
}

export async function openWorld(dialect: Dialect): Promise<World> {
  const test = await openTestStore(dialect);
  const { store } = test;
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  const users = {} as Record<Persona, UserRecord>;
  for (const persona of PERSONAS) {
    users[persona] = await store.users.create({
      email: `${persona}@example.com`,
      name: persona,
      passwordHash: hash,
      isAdmin: persona === 'admin',
    });
  }
  const resolve = (who: Persona | UserRecord) => (typeof who === 'string' ? users[who] : who);
  const world: World = {
    test,
    store,
    users,
    ctx: (who) => ({ store, principal: sessionPrincipal(resolve(who)) }),
    async tokenCtx(who, scope) {
      const user = resolve(who);
      const fresh = newApiToken();
      const token = await store.tokens.create({
        userId: user.id,
        name: `test ${scope}`,
        prefix: fresh.prefix,
        secretHash: fresh.secretHash,
        scope,
      });
      return {
        store,
        principal: {
          user,
          via: 'token',
          scope,
          tokenId: token.id,
          tokenPrefix: token.prefix,
          source: 'api',
        },
      };
    },
    async hierarchy(name) {
      await store.ecosystems.create({}, { name, labels: { team: 'core' } });
      await store.domains.create({ ecosystem: name }, { name: 'dom' });
      await store.apps.create({ ecosystem: name, domain: 'dom' }, { name: 'app' });
      await store.workspaces.create(
        { ecosystem: name, domain: 'dom', app: 'app' },
        { name: 'ws', spec: { image: 'busybox' } },
      );
      await store.memberships.set(name, users.owner.id, 'owner');
      await store.memberships.set(name, users.developer.id, 'developer');
      await store.memberships.set(name, users.viewer.id, 'viewer');
    },
  };
  return world;
}

/** How many audit events exist (every page), to prove a refusal wrote nothing. */
export async function auditCount(store: DataStore): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.audit.list({}, { limit: 500, ...(cursor && { cursor }) });
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

/** The AppError code a promise rejects with, or 'ok'. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw error;
  }
}
