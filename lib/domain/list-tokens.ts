// A user's API tokens (never their secrets), newest first. Users see their own; administrators
// may name another user.

import type { TokenRecord } from '@/lib/store/identity-store';
import type { ActionContext } from './action-context';
import { authorize, requireActive } from './authorize';

export interface ListTokensInput {
  /** Default: the caller. */
  userId?: string;
}

export async function listTokens(
  ctx: ActionContext,
  input: ListTokensInput = {},
): Promise<TokenRecord[]> {
  const userId = input.userId ?? ctx.principal.user.id;
  if (userId === ctx.principal.user.id) requireActive(ctx);
  else {
    await authorize(ctx, 'users.read');
    await ctx.store.users.get(userId);
  }
  return ctx.store.tokens.listForUser(userId);
}
