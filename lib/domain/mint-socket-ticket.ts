// A short-lived, single-use ticket for opening one WebSocket (browsers cannot set headers on a
// WebSocket, and a ticket keeps tokens out of URLs and logs). It carries the caller's session or
// token, so revoking that credential also closes the socket opened with the ticket. The ticket
// proves identity only: the socket handler authorises the action (e.g. workspace.operate) when
// it redeems it.

import { newTicket } from '@/lib/auth/secrets';
import { AppError, invalid } from '@/lib/errors';
import { nowOf, type ActionContext } from './action-context';
import { requireActive } from './authorize';
import { encodeTicketClaims } from './ticket-claims';

export interface MintSocketTicketInput {
  /** What the ticket opens, e.g. `terminal:<sessionId>`; redeeming checks it matches. */
  purpose: string;
}

/** How long a ticket may wait to be used. */
export const TICKET_TTL_SECONDS = 30;

export async function mintSocketTicket(
  ctx: ActionContext,
  input: MintSocketTicketInput,
): Promise<{ ticket: string; expiresAt: Date }> {
  requireActive(ctx);
  if (ctx.principal.via === 'system') {
    throw new AppError('FORBIDDEN', 'Socket tickets are for users.');
  }
  const purpose = typeof input.purpose === 'string' ? input.purpose.trim() : '';
  if (!purpose || purpose.length > 200) {
    throw invalid('Say what the ticket is for.', [
      { path: 'purpose', message: 'must be 1 to 200 characters' },
    ]);
  }
  const { secret, secretHash } = newTicket();
  const expiresAt = new Date(nowOf(ctx).getTime() + TICKET_TTL_SECONDS * 1000);
  await ctx.store.tickets.create({
    userId: ctx.principal.user.id,
    purpose: encodeTicketClaims(purpose, ctx.principal),
    expiresAt,
    secretHash,
  });
  return { ticket: secret, expiresAt };
}
