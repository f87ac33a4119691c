// What every use case receives: the DataStore and who is acting. Use cases that run before anyone
// is signed in (first-run setup, sign-in, ticket redemption) take a PublicContext instead. `now`
// lets tests move time (throttling, expiry) without sleeping; production leaves it unset.

import type { Principal } from '@/lib/auth/principal';
import type { DataStore } from '@/lib/store/data-store';

export interface PublicContext {
  store: DataStore;
  now?: () => Date;
}

export interface ActionContext extends PublicContext {
  principal: Principal;
}

export function nowOf(ctx: PublicContext): Date {
  return ctx.now ? ctx.now() : new Date();
}

/** The same context on a transaction-scoped store, for use inside `store.transaction`. */
export function withStore<T extends PublicContext>(ctx: T, store: DataStore): T {
  return { ...ctx, store };
}
