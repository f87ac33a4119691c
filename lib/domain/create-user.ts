// An administrator creates an account with an initial password the user must change at first
// sign-in (or none, for users who will sign in through SSO).

import { nowOf, type ActionContext } from './action-context';
import { auditEntry, userTarget } from './audit-entry';
import { authorize } from './authorize';
import { hashNewPassword } from './new-password';
import { toUserView, userSnapshot, type UserView } from './user-view';

export interface CreateUserInput {
  email: string;
  name?: string;
  /** Initial password; the user must change it. Omit for SSO-only users. */
  password?: string;
  isAdmin?: boolean;
}

/** INVALID for a bad email or password; ALREADY_EXISTS when the email is taken. */
export async function createUser(ctx: ActionContext, input: CreateUserInput): Promise<UserView> {
  await authorize(ctx, 'users.manage');
  const passwordHash =
    input.password === undefined ? undefined : await hashNewPassword(input.password, 'password');
  const name = input.name?.trim();
  const now = nowOf(ctx);
  const user = await ctx.store.transaction(async (tx) => {
    const created = await tx.users.create({
      email: input.email,
      ...(name && { name }),
      ...(passwordHash && { passwordHash, mustChangePassword: true }),
      isAdmin: input.isAdmin === true,
    });
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        { action: 'user.create', target: userTarget(created.email), after: userSnapshot(created) },
        now,
      ),
    );
    return created;
  });
  return toUserView(user);
}
