// A user as shown to people and API clients: the stored record without its password hash, so no
// transport can serialise a hash by accident; and the snapshot the audit log keeps.

import type { JsonObject } from '@/lib/store/data-store';

import type { UserRecord } from '@/lib/store/identity-store';

export type UserView = Omit<UserRecord, 'passwordHash'> & { hasPassword: boolean };

export function toUserView(user: UserRecord): UserView {
  const { passwordHash, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== undefined };
}

/** The audited part of a user (before/after): who they are and what they may do. */
export function userSnapshot(user: UserRecord): JsonObject {
  return {
    email: user.email,
    name: user.name,
    isAdmin: user.isAdmin,
    disabled: user.disabled,
    mustChangePassword: user.mustChangePassword,
  };
}
