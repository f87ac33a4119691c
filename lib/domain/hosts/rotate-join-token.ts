// An administrator issues a fresh join token for a host: for an agent that never joined in time,
// or to re-join a host (a new machine, a lost credential). The previous token stops working; the
// current agent keeps working until a new one joins with the new token.
import { joinTokenRequest, parseHostInput, type HostJoinToken } from '@/lib/contracts/host';
import type { z } from 'zod';
import { nowOf, type ActionContext } from '../action-context';
import { auditEntry } from '../audit-entry';
import { authorize } from '../authorize';
import { hostTarget, joinTokenView } from './host-view';
import { newJoinToken } from './join-token';

export type RotateJoinTokenInput = z.input<typeof joinTokenRequest>;

export async function rotateJoinToken(
  ctx: ActionContext,
  name: string,
  input: RotateJoinTokenInput = {},
): Promise<HostJoinToken> {
  await authorize(ctx, 'hosts.manage');
  const request = parseHostInput(joinTokenRequest, input, 'The request');
  const now = nowOf(ctx);
  const join = newJoinToken(now, request.expiresInSeconds);
  const host = await ctx.store.transaction(async (tx) => {
    await tx.hosts.get(name);
    const updated = await tx.hosts.update(name, {
      joinTokenHash: join.hash,
      joinTokenExpiresAt: join.expiresAt,
    });
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: 'host.rotate_join_token',
          target: hostTarget(name),
          detail: { joinTokenExpiresAt: join.expiresAt.toISOString() },
        },
        now,
      ),
    );
    return updated;
  });
  return joinTokenView(host, join.token, join.expiresAt);
}
