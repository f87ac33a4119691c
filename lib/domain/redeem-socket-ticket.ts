// Consumes a socket ticket (once, before it expires) and returns the principal to run the socket
// as, after checking that the user and the session or token it was minted with are still valid.

import { tokenProblem } from '@/lib/auth/authenticate';
import type { Principal } from '@/lib/auth/principal';
import { hashSecret } from '@/lib/auth/secrets';
import { AppError } from '@/lib/errors';
import { nowOf, type PublicContext } from './action-context';
import { decodeTicketClaims } from './ticket-claims';

export interface RedeemSocketTicketInput {
  ticket: string;
  /** Must equal the purpose the ticket was minted for. */
  purpose: string;
  address?: string;
}

function refused(message: string): AppError {
  return new AppError('UNAUTHENTICATED', message);
}

/** UNAUTHENTICATED for unknown, used, expired or mismatched tickets and for revoked credentials. */
export async function redeemSocketTicket(
  ctx: PublicContext,
  input: RedeemSocketTicketInput,
): Promise<Principal> {
  const now = nowOf(ctx);
  const record =
    typeof input.ticket === 'string' && input.ticket
      ? await ctx.store.tickets.consume(hashSecret(input.ticket), now)
      : undefined;
  if (!record) {
    throw refused('The ticket is not valid: it was used already, expired or never existed.');
  }
  const claims = decodeTicketClaims(record.purpose);
  if (!claims || claims.p !== input.purpose) {
    throw refused('The ticket was issued for something else.');
  }
  const user = await ctx.store.users.find(record.userId);
  if (!user) throw refused('The account no longer exists.');
  if (user.disabled) throw refused('This account is disabled.');
  if (claims.sid) {
    const session = await ctx.store.sessions.find(claims.sid);
    if (!session || session.revokedAt || session.expiresAt.getTime() <= now.getTime()) {
      throw refused('The session that asked for this ticket has ended; sign in again.');
    }
  }
  if (claims.tid) {
    const token = await ctx.store.tokens.get(claims.tid).catch(() => undefined);
    const problem = token ? tokenProblem(token, now) : 'This API token is not valid.';
    if (problem) throw refused(problem);
  }
  return {
    user,
    via: claims.via,
    scope: claims.scope,
    source: claims.source,
    ...(claims.sid && { sessionId: claims.sid }),
    ...(claims.tid && { tokenId: claims.tid }),
    ...(claims.tpx && { tokenPrefix: claims.tpx }),
    ...(input.address && { address: input.address }),
  };
}
