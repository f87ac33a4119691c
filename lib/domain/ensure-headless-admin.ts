// Start-up: DVM_ADMIN_EMAIL / DVM_ADMIN_PASSWORD create the first administrator when no user
// exists, so a server can be provisioned without the setup page. Idempotent across restarts and
// replicas: once any user exists it changes nothing (in particular it never resets a password
// someone has since changed).

import { systemPrincipal } from '@/lib/auth/principal';
import { nowOf, type PublicContext } from './action-context';
import { auditEntry, userTarget } from './audit-entry';
import { hashNewPassword } from './new-password';
import { userSnapshot } from './user-view';

export interface EnsureHeadlessAdminInput {
  email: string;
  password: string;
}

export async function ensureHeadlessAdmin(
  ctx: PublicContext,
  input: EnsureHeadlessAdminInput,
): Promise<{ created: boolean }> {
  if ((await ctx.store.users.count()) > 0) return { created: false };
  const passwordHash = await hashNewPassword(input.password, 'DVM_ADMIN_PASSWORD');
  const now = nowOf(ctx);
  // Another replica may win the race; its transaction must end in a rollback, not a commit, since
  // a failed insert leaves a PostgreSQL transaction unusable. Hence the throw and catch.
  const lost = new Error('another replica created the first admin');
  try {
    await ctx.store.transaction(async (tx) => {
      const created = await tx.users.createFirstAdmin({ email: input.email, passwordHash });
      if (!created) throw lost;
      await tx.audit.append(
        auditEntry(
          systemPrincipal,
          {
            action: 'user.create',
            target: userTarget(created.email),
            after: userSnapshot(created),
            detail: { via: 'DVM_ADMIN_EMAIL' },
          },
          now,
        ),
      );
    });
  } catch (error) {
    if (error === lost) return { created: false };
    throw error;
  }
  return { created: true };
}
