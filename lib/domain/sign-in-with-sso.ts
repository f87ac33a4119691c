// Sign-in through an SSO provider (OIDC, GitHub): the provider vouches for the email, we match it
// to a user or create one (never an admin: an administrator grants roles afterwards), and open a
// session record like a password sign-in.

import { AppError, hasErrorCode } from '@/lib/errors';

import type { UserRecord } from '@/lib/store/identity-store';
import { nowOf, type PublicContext } from './action-context';
import { anonymousEntry, userTarget } from './audit-entry';
import { ACCOUNT_DISABLED } from './check-password';
import { openSession, type OpenedSession } from './open-session';
import { userSnapshot } from './user-view';

export interface SignInWithSsoInput {
  /** next-auth provider id: 'oidc' or 'github'. */
  provider: string;
  email: string | undefined;
  /** Only verified emails are trusted; anything else is refused. */
  emailVerified: boolean;
  name?: string;
  address?: string;
  /** How the provider is shown to people ("GitHub", the OIDC provider's name). */
  providerName?: string;
}

export async function signInWithSso(
  ctx: PublicContext,
  input: SignInWithSsoInput,
): Promise<OpenedSession> {
  const now = nowOf(ctx);
  const label = input.providerName ?? (input.provider === 'github' ? 'GitHub' : 'SSO');
  const email = input.email?.trim().toLowerCase();
  const who = (user?: UserRecord) => ({
    actor: user?.email ?? email ?? `(${input.provider} user without an email)`,
    ...(user && { actorId: user.id }),
    source: 'ui' as const,
    ...(input.address && { address: input.address }),
  });
  const refuse = async (reason: string, message: string, user?: UserRecord) => {
    await ctx.store.audit.append(
      anonymousEntry(
        who(user),
        {
          action: 'auth.sign_in_failed',
          ...(email && { target: userTarget(email) }),
          detail: { reason, method: 'sso', provider: input.provider },
        },
        now,
      ),
    );
    return new AppError('UNAUTHENTICATED', message);
  };

  if (!email || !input.emailVerified) {
    throw await refuse(
      'email not verified',
      `Sign-in with ${label} needs a verified email address; verify one with ${label} and try again.`,
    );
  }

  let user = await ctx.store.users.findByEmail(email);
  if (!user) {
    try {
      user = await ctx.store.transaction(async (tx) => {
        const created = await tx.users.create({ email, ...(input.name && { name: input.name }) });
        await tx.audit.append(
          anonymousEntry(
            who(created),
            {
              action: 'user.create',
              target: userTarget(email),
              after: userSnapshot(created),
              detail: { via: 'sso', provider: input.provider },
            },
            now,
          ),
        );
        return created;
      });
    } catch (error) {
      // A concurrent first sign-in of the same person created the user: use theirs.
      if (!hasErrorCode(error, 'ALREADY_EXISTS')) throw error;
      user = await ctx.store.users.findByEmail(email);
      if (!user) throw error;
    }
  }
  if (user.disabled) throw await refuse('disabled', ACCOUNT_DISABLED, user);

  return openSession(ctx, user, {
    source: 'ui',
    ...(input.address && { address: input.address }),
    detail: { method: 'sso', provider: input.provider },
  });
}
