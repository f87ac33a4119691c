// The audit log, newest first, keyset-paginated. Administrators see everything; owners see the
// events of the ecosystems they own (not sign-ins or other users' tokens, which belong to no
// ecosystem); everyone else is refused.

import { AppError } from '@/lib/errors';
import type { ListOptions, Page } from '@/lib/store/data-store';

import type { AuditEvent, AuditFilter, AuditSource } from '@/lib/store/identity-store';
import type { ActionContext } from './action-context';
import { authorize, requireActive } from './authorize';

export interface ListAuditInput extends ListOptions {
  /** Only events of this ecosystem. */
  ecosystem?: string;
  actorId?: string;
  /** The acting user's email; an address nobody has matches nothing. */
  actorEmail?: string;
  action?: string;
  /** Events whose target starts with this (`workspace eco/dom/`, `host build-1`). */
  target?: string;
  source?: AuditSource;
  since?: Date;
  until?: Date;
}

export async function listAudit(
  ctx: ActionContext,
  input: ListAuditInput = {},
): Promise<Page<AuditEvent>> {
  requireActive(ctx);
  const { ecosystem, actorEmail, action, target, source, since, until, limit, cursor } = input;
  let { actorId } = input;
  let ecosystems: string[] | undefined;
  if (ecosystem !== undefined) {
    await authorize(ctx, 'audit.read', ecosystem);
    ecosystems = [ecosystem];
  } else if (ctx.principal.user.isAdmin) {
    await authorize(ctx, 'audit.read');
  } else {
    const memberships = await ctx.store.memberships.listForUser(ctx.principal.user.id);
    ecosystems = memberships.filter((m) => m.role === 'owner').map((m) => m.ecosystem);
    if (ecosystems.length === 0) {
      throw new AppError(
        'FORBIDDEN',
        'Only administrators and ecosystem owners can read the audit log.',
      );
    }
  }
  if (actorEmail !== undefined) {
    const actor = await ctx.store.users.findByEmail(actorEmail);
    if (!actor || (actorId !== undefined && actorId !== actor.id)) return { items: [] };
    actorId = actor.id;
  }
  const filter: AuditFilter = {
    ...(ecosystems && { ecosystems }),
    ...(actorId !== undefined && { actorId }),
    ...(action !== undefined && { action }),
    ...(target !== undefined && { targetPrefix: target }),
    ...(source !== undefined && { source }),
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until }),
  };
  return ctx.store.audit.list(filter, {
    ...(limit !== undefined && { limit }),
    ...(cursor !== undefined && { cursor }),
  });
}
