// An administrator changes a host's address or labels. Labels select hosts for new workspaces;
// an address change takes effect on the next call to the agent (the channel is re-opened).
import { parseHostInput, patchHostRequest, type HostManifest } from '@/lib/contracts/host';
import type { z } from 'zod';
import { nowOf, type ActionContext } from '../action-context';
import { auditEntry } from '../audit-entry';
import { authorize } from '../authorize';
import { hostSnapshot, hostTarget, toHostManifest } from './host-view';

export type PatchHostInput = z.input<typeof patchHostRequest>;

export async function patchHost(
  ctx: ActionContext,
  name: string,
  input: PatchHostInput,
): Promise<HostManifest> {
  await authorize(ctx, 'hosts.manage');
  const patch = parseHostInput(patchHostRequest, input, 'The change');
  const now = nowOf(ctx);
  const updated = await ctx.store.transaction(async (tx) => {
    const before = await tx.hosts.get(name);
    const after = await tx.hosts.update(name, {
      ...(patch.address !== undefined && { address: patch.address }),
      ...(patch.labels !== undefined && { labels: patch.labels }),
    });
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: 'host.update',
          target: hostTarget(name),
          before: hostSnapshot(before),
          after: hostSnapshot(after),
        },
        now,
      ),
    );
    return after;
  });
  return toHostManifest(updated);
}
