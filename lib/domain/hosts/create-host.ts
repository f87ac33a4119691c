// An administrator registers a host: a name (DNS label), optionally the address and labels, and
// gets a one-time join token to start dvm-agent with. The token is returned once; only its hash
// is stored, and it expires (1 h by default).
import { createHostRequest, parseHostInput, type HostJoinToken } from '@/lib/contracts/host';
import type { z } from 'zod';
import { nowOf, type ActionContext } from '../action-context';
import { auditEntry } from '../audit-entry';
import { authorize } from '../authorize';
import { hostSnapshot, hostTarget, joinTokenView } from './host-view';
import { newJoinToken } from './join-token';

export type CreateHostInput = z.input<typeof createHostRequest>;

export async function createHost(
  ctx: ActionContext,
  input: CreateHostInput,
): Promise<HostJoinToken> {
  await authorize(ctx, 'hosts.manage');
  const request = parseHostInput(createHostRequest, input, 'The host');
  const now = nowOf(ctx);
  const join = newJoinToken(now, request.expiresInSeconds);
  const host = await ctx.store.transaction(async (tx) => {
    const created = await tx.hosts.create({
      name: request.name,
      ...(request.address !== undefined && { address: request.address }),
      ...(request.labels !== undefined && { labels: request.labels }),
      joinTokenHash: join.hash,
      joinTokenExpiresAt: join.expiresAt,
    });
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: 'host.create',
          target: hostTarget(created.name),
          after: hostSnapshot(created),
          detail: { joinTokenExpiresAt: join.expiresAt.toISOString() },
        },
        now,
      ),
    );
    return created;
  });
  return joinTokenView(host, join.token, join.expiresAt);
}
