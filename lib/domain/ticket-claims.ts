// What a socket ticket remembers about the credential it was minted with. The store keeps a ticket
// as (user, purpose, expiry); the purpose column carries these claims as JSON so that redeeming
// restores the same scope and the same session or token, and revoking that credential also
// closes the socket.

import type { Principal } from '@/lib/auth/principal';

export interface TicketClaims {
  /** What the ticket opens. */
  p: string;
  via: Principal['via'];
  scope: Principal['scope'];
  source: Principal['source'];
  sid?: string;
  tid?: string;
  tpx?: string;
}

export function encodeTicketClaims(purpose: string, principal: Principal): string {
  const claims: TicketClaims = {
    p: purpose,
    via: principal.via,
    scope: principal.scope,
    source: principal.source,
    ...(principal.sessionId && { sid: principal.sessionId }),
    ...(principal.tokenId && { tid: principal.tokenId }),
    ...(principal.tokenPrefix && { tpx: principal.tokenPrefix }),
  };
  return JSON.stringify(claims);
}

export function decodeTicketClaims(stored: string): TicketClaims | undefined {
  try {
    const value = JSON.parse(stored) as Partial<TicketClaims>;
    if (typeof value.p !== 'string' || typeof value.via !== 'string') return undefined;
    if (typeof value.scope !== 'string' || typeof value.source !== 'string') return undefined;
    return value as TicketClaims;
  } catch {
    return undefined;
  }
}
