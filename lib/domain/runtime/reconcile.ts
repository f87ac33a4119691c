// Reconciliation: the workspace state users see is read back from each host's runtime by the
// containers' labels, never trusted from what we last did. Runs on a loop, when a host reports a
// container event, and on demand when one workspace is read. Writes only what changed.
import { hasErrorCode } from '@/lib/errors';
import type { WorkspaceState } from '@/lib/hosts/host-agent';
import type { HostRecord, Observation, PlacementRecord } from '@/lib/store/host-store';
import { nowOf } from '../action-context';
import type { LoopContext } from './host-connector';

export const REMOVED_OUTSIDE =
  'the container was removed outside DevOpsMaestro; start the workspace to recreate it';
export const STOPPED_OUTSIDE =
  'the container stopped outside DevOpsMaestro (or its command exited)';

/** What one placement's observation should be, given what the runtime reports. */
export function observationOf(
  placement: PlacementRecord,
  state: WorkspaceState | undefined,
  at: Date,
): Observation {
  const observed = state?.state ?? 'missing';
  if (observed === 'missing') return { observed, reason: REMOVED_OUTSIDE, at };
  if (observed === 'stopped' && placement.desired === 'running') {
    return { observed, reason: STOPPED_OUTSIDE, at };
  }
  return { observed, at };
}

export function hostDownObservation(host: HostRecord, at: Date): Observation {
  return {
    observed: 'unknown',
    reason: `host "${host.name}" is ${host.status}${host.statusReason ? `: ${host.statusReason}` : ''}`,
    at,
  };
}

async function record(
  ctx: LoopContext,
  placement: PlacementRecord,
  next: Observation,
): Promise<PlacementRecord> {
  if (placement.observed === next.observed && placement.reason === next.reason) return placement;
  return (await ctx.store.placements.observe(placement.workspaceId, next)) ?? placement;
}

/**
 * Brings every placement on `host` in line with its runtime. An unhealthy host, or one whose
 * agent cannot be asked, makes its workspaces `unknown` with the reason. Returns how many changed.
 */
export async function reconcileHost(ctx: LoopContext, host: HostRecord): Promise<number> {
  const placements = await ctx.store.placements.listByHost(host.name);
  if (placements.length === 0) return 0;
  const at = nowOf(ctx);
  let states: Map<string, WorkspaceState> | undefined;
  let down: Observation | undefined;
  if (host.status !== 'healthy') {
    down = hostDownObservation(host, at);
  } else {
    try {
      const agent = await ctx.hosts.agentFor(host);
      states = new Map((await agent.list()).map((s) => [s.name, s]));
    } catch (error) {
      if (!hasErrorCode(error, 'UNAVAILABLE')) throw error;
      down = {
        observed: 'unknown',
        reason: `host "${host.name}" cannot be reached: ${(error as Error).message}`,
        at,
      };
    }
  }
  let changed = 0;
  for (const placement of placements) {
    const next = down ?? observationOf(placement, states!.get(placement.containerName), at);
    if ((await record(ctx, placement, next)) !== placement) changed += 1;
  }
  return changed;
}

/** One workspace, now (a GET): asks its host; leaves the last observation when it cannot. */
export async function reconcileWorkspace(
  ctx: LoopContext,
  workspaceId: string,
): Promise<PlacementRecord | undefined> {
  const placement = await ctx.store.placements.find(workspaceId);
  if (!placement) return undefined;
  const host = await ctx.store.hosts.find(placement.host);
  if (!host) return placement;
  const at = nowOf(ctx);
  if (host.status !== 'healthy') return record(ctx, placement, hostDownObservation(host, at));
  try {
    const agent = await ctx.hosts.agentFor(host);
    const state = await agent.inspect(placement.containerName);
    return record(ctx, placement, observationOf(placement, state, at));
  } catch (error) {
    if (!hasErrorCode(error, 'UNAVAILABLE')) throw error;
    return record(ctx, placement, {
      observed: 'unknown',
      reason: `host "${host.name}" cannot be reached: ${(error as Error).message}`,
      at,
    });
  }
}
