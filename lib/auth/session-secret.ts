// The key next-auth encrypts session JWTs with. Configured (NEXTAUTH_SECRET or DVM_SESSION_SECRET)
// or, by default, generated once and kept in the database: every replica sharing the database
// then decrypts every other replica's cookies, and restarts do not sign everyone out.

import { randomBytes } from 'node:crypto';
import type { DataStore } from '@/lib/store/data-store';

export const SESSION_SECRET_SETTING = 'session-secret';

/** Read once per store: the value never changes while the server runs. */
const cache = new WeakMap<DataStore, Promise<string>>();

/** `sessionSecret` is the configured value (Config.sessionSecret), if any. */
export function loadSessionSecret(
  store: DataStore,
  config: { sessionSecret?: string },
): Promise<string> {
  if (config.sessionSecret) return Promise.resolve(config.sessionSecret);
  let secret = cache.get(store);
  if (!secret) {
    secret = store.settings.getOrCreate(
      SESSION_SECRET_SETTING,
      randomBytes(32).toString('base64url'),
    );
    cache.set(store, secret);
    secret.catch(() => cache.delete(store));
  }
  return secret;
}
