// Cancels a build: a queued one is cancelled at once; a running one is marked, and its runner
// asks the agent to stop (it ends `cancelled` when the agent confirms). A build that has finished
// cannot be cancelled (CONFLICT, saying how it ended). Audited.
import { AppError } from '@/lib/errors';
import type { BuildRecord, ObjectKey } from '@/lib/store/data-store';
import type { ActionContext } from '../action-context';
import { nowOf } from '../action-context';
import { auditEntry } from '../audit-entry';
import { objectTarget } from '../object-rules';
import { loadBuild } from './workspace-build';

export async function cancelBuild(
  ctx: ActionContext,
  key: ObjectKey,
  id: string,
): Promise<BuildRecord> {
  const { build } = await loadBuild(ctx, key, id, 'workspace.operate');
  const now = nowOf(ctx);
  const cancelled = await ctx.store.transaction(async (tx) => {
    // Queued → cancelled in one conditional update; if a runner claimed it meanwhile, it is
    // running now and gets the request instead. Either way exactly one of them wins.
    const result =
      (await tx.builds.finish(build.id, { status: 'cancelled' }, { from: ['queued'], at: now })) ??
      (await tx.builds.requestCancel(build.id, now));
    if (!result) return undefined;
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: 'workspace.build.cancel',
          target: objectTarget('workspace', key),
          ecosystem: key.ecosystem!,
          detail: { build: build.id, was: build.status },
        },
        now,
      ),
    );
    return result;
  });
  if (cancelled) return cancelled;
  const current = await ctx.store.builds.get(build.id);
  throw new AppError(
    'CONFLICT',
    `build "${build.id}" has already finished (${current.status}); there is nothing to cancel.`,
  );
}
