// An administrator removes a host. Refused (CONFLICT, saying how many and which) while workspaces
// are placed on it: their containers live there, and deleting the record would orphan them.
import { AppError } from '@/lib/errors';
import { nowOf, type ActionContext } from '../action-context';
import { auditEntry } from '../audit-entry';
import { authorize } from '../authorize';
import { hostSnapshot, hostTarget } from './host-view';

export async function deleteHost(ctx: ActionContext, name: string): Promise<void> {
  await authorize(ctx, 'hosts.manage');
  const now = nowOf(ctx);
  await ctx.store.transaction(async (tx) => {
    const host = await tx.hosts.get(name);
    if (!(await tx.hosts.delete(name))) {
      throw new AppError('NOT_FOUND', `host "${name}" not found.`);
    }
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        { action: 'host.delete', target: hostTarget(name), before: hostSnapshot(host) },
        now,
      ),
    );
  });
}
