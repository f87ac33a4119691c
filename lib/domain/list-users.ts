// Administrators list accounts, ordered by email, one keyset page at a time.

import type { ListOptions, Page } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { authorize } from './authorize';
import { toUserView, type UserView } from './user-view';

export async function listUsers(
  ctx: ActionContext,
  options: ListOptions = {},
): Promise<Page<UserView>> {
  await authorize(ctx, 'users.read');
  const page = await ctx.store.users.list(options);
  return { ...page, items: page.items.map(toUserView) };
}
