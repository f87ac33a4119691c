// Audit entries written the same way by every use case: who (the principal), through what
// (ui, api, cli, system), from where, and the object. Secrets never go in: callers pass specs and
// records, never passwords or token secrets.

import type { Principal } from '@/lib/auth/principal';
import type { JsonObject, JsonValue } from '@/lib/store/data-store';

import type { NewAuditEvent } from '@/lib/store/identity-store';

export interface AuditFields {
  action: string;
  target?: string;
  ecosystem?: string;
  before?: JsonValue;
  after?: JsonValue;
  detail?: JsonObject;
}

/** How a principal appears in the log: the user's email, or `system`. */
export function actorOf(principal: Principal): string {
  return principal.via === 'system' ? 'system' : principal.user.email;
}

export function auditEntry(principal: Principal, fields: AuditFields, time?: Date): NewAuditEvent {
  const detail: JsonObject = { ...fields.detail };
  if (principal.tokenPrefix) detail.token = principal.tokenPrefix;
  return {
    ...(principal.via !== 'system' && { actorId: principal.user.id }),
    actor: actorOf(principal),
    source: principal.source,
    action: fields.action,
    ...(fields.target !== undefined && { target: fields.target }),
    ...(fields.ecosystem !== undefined && { ecosystem: fields.ecosystem }),
    ...(fields.before !== undefined && { before: fields.before }),
    ...(fields.after !== undefined && { after: fields.after }),
    ...(Object.keys(detail).length > 0 && { detail }),
    ...(principal.address !== undefined && { address: principal.address }),
    ...(time !== undefined && { time }),
  };
}

/** An entry for someone not (yet) signed in: a sign-in attempt, first-run setup. */
export function anonymousEntry(
  who: { actor: string; actorId?: string; source: Principal['source']; address?: string },
  fields: AuditFields,
  time?: Date,
): NewAuditEvent {
  return {
    ...(who.actorId !== undefined && { actorId: who.actorId }),
    actor: who.actor,
    source: who.source,
    action: fields.action,
    ...(fields.target !== undefined && { target: fields.target }),
    ...(fields.before !== undefined && { before: fields.before }),
    ...(fields.after !== undefined && { after: fields.after }),
    ...(fields.detail !== undefined && { detail: fields.detail }),
    ...(who.address !== undefined && { address: who.address }),
    ...(time !== undefined && { time }),
  };
}

/** `user alice@example.com` */
export function userTarget(email: string): string {
  return `user ${email}`;
}
