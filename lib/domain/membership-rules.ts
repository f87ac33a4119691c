// Rules shared by the membership use cases.

import { AppError } from '@/lib/errors';
import type { DataStore } from '@/lib/store/data-store';

import type { UserRecord } from '@/lib/store/identity-store';

/** The user named by id or by email; NOT_FOUND names what was looked for. */
export async function findMember(
  store: DataStore,
  who: { userId?: string; email?: string },
): Promise<UserRecord> {
  const user = who.userId
    ? await store.users.find(who.userId)
    : who.email
      ? await store.users.findByEmail(who.email)
      : undefined;
  if (user) return user;
  if (!who.userId && !who.email) {
    throw new AppError('INVALID', 'Name the user by id or email.', {
      errors: [{ path: 'email', message: 'is required' }],
    });
  }
  throw new AppError(
    'NOT_FOUND',
    who.email ? `No user has the email ${who.email.trim()}.` : 'The user does not exist.',
  );
}

/**
 * An ecosystem keeps at least one owner, unless an administrator (who can always repair it)
 * says otherwise: an owner cannot strand the ecosystem by leaving or demoting themselves last.
 */
export async function keepsAnOwner(
  store: DataStore,
  ecosystem: string,
  userId: string,
  byAdmin: boolean,
): Promise<void> {
  if (byAdmin) return;
  const members = await store.memberships.listForEcosystem(ecosystem);
  const owners = members.filter((m) => m.role === 'owner');
  if (owners.length === 1 && owners[0]!.userId === userId) {
    throw new AppError(
      'CONFLICT',
      `${owners[0]!.email} is the last owner of ecosystem "${ecosystem}"; make someone else owner first.`,
    );
  }
}

export function membershipTarget(email: string, ecosystem: string): string {
  return `membership ${email} in ${ecosystem}`;
}
