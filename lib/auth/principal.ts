// Who is acting: the authenticated user plus how they authenticated. Every domain use case gets
// one (lib/domain/action-context.ts) and authorises against it; transports build it with
// authenticate() and never decide permissions themselves.

import type { AuditSource, TokenScope, UserRecord } from '@/lib/store/identity-store';

export interface Principal {
  user: UserRecord;
  /**
   * How the user proved who they are: a browser session, an API token, their password on this
   * very request (HTTP Basic on `POST /api/v1/tokens`), or nothing (the control plane itself).
   * Sockets opened with a ticket carry the credential the ticket was minted with.
   */
  via: 'session' | 'token' | 'password' | 'system';
  /** What the credential may do: sessions and the system act with `admin` (no cap). */
  scope: TokenScope;
  /** The session record behind a browser session. */
  sessionId?: string;
  /** The API token behind a token principal. */
  tokenId?: string;
  tokenPrefix?: string;
  /** Recorded in the audit log. */
  source: AuditSource;
  /** The client's address, for the audit log and throttling. */
  address?: string;
}

const EPOCH = new Date(0);

/**
 * The control plane itself, for start-up jobs and background loops. It is an admin that no user
 * can sign in as: its id matches no row, and audit entries name it `system`.
 */
export const systemPrincipal: Principal = Object.freeze({
  user: Object.freeze({
    id: 'system',
    email: 'system',
    name: 'DevOpsMaestro',
    isAdmin: true,
    disabled: false,
    mustChangePassword: false,
    createdAt: EPOCH,
    updatedAt: EPOCH,
  }),
  via: 'system',
  scope: 'admin',
  source: 'system',
}) as Principal;

export function isSystem(principal: Principal): boolean {
  return principal.via === 'system';
}
