// Sign-out: the session record is revoked (so its JWT stops working everywhere, not just in this
// browser) and the sockets it opened are closed. Idempotent: signing out twice is not an error.

import { CLOSE_SIGNED_OUT, closeSockets } from '@/lib/auth/live-sockets';
import { nowOf, type PublicContext } from './action-context';
import { anonymousEntry, userTarget } from './audit-entry';

export interface SignOutInput {
  /** From the signed JWT (`sid`), never from user input. */
  sessionId: string;
  address?: string;
}

export async function signOut(ctx: PublicContext, input: SignOutInput): Promise<void> {
  const now = nowOf(ctx);
  const session = await ctx.store.sessions.find(input.sessionId);
  if (session && !session.revokedAt) {
    const user = await ctx.store.users.find(session.userId);
    await ctx.store.transaction(async (tx) => {
      await tx.sessions.revoke(session.id, now);
      await tx.audit.append(
        anonymousEntry(
          {
            actor: user?.email ?? session.userId,
            actorId: session.userId,
            source: 'ui',
            ...(input.address && { address: input.address }),
          },
          { action: 'auth.sign_out', ...(user && { target: userTarget(user.email) }) },
          now,
        ),
      );
    });
  }
  closeSockets({ sessionId: input.sessionId }, CLOSE_SIGNED_OUT, 'signed out');
}
