// The runtime half of a workspace's status, as users see it: what they asked for (desired), what
// the host's runtime says (state, derived from the container's labels by reconciliation), where,
// and why when the two differ.
import type { JsonObject } from '@/lib/store/data-store';
import type { PlacementRecord } from '@/lib/store/host-store';

export function runtimeStatus(placement: PlacementRecord | undefined): JsonObject {
  if (!placement) return { state: 'not-created' };
  return {
    state: placement.observed,
    desiredState: placement.desired,
    host: placement.host,
    container: placement.containerName,
    image: placement.image,
    ...(placement.reason !== undefined && { reason: placement.reason }),
    ...(placement.observedAt !== undefined && { observedAt: placement.observedAt.toISOString() }),
  };
}
