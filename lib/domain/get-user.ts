// One account: anyone may read their own; reading others is for administrators.

import { AppError } from '@/lib/errors';
import type { ActionContext } from './action-context';
import { authorize, requireActive } from './authorize';
import { toUserView, type UserView } from './user-view';

export interface GetUserInput {
  userId: string;
}

export async function getUser(ctx: ActionContext, input: GetUserInput): Promise<UserView> {
  if (input.userId === ctx.principal.user.id) requireActive(ctx);
  else await authorize(ctx, 'users.read');
  const user = await ctx.store.users.find(input.userId);
  if (!user) throw new AppError('NOT_FOUND', `user "${input.userId}" not found.`);
  return toUserView(user);
}
