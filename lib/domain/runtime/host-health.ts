// A host's health from what its agent last said on the watch stream. Heartbeats carry whether the
// agent reached its engine, so "engine down" (the agent still beats) is told apart from "agent
// down" (the beats stop). Pure: the monitor in lib/server feeds it and stores the answer.
import type { HostStatus } from '@/lib/store/host-store';

export interface HostLiveness {
  lastHeartbeatAt?: Date;
  engineReachable?: boolean;
  engineError?: string;
  /** Why the watch stream is down, while it is. */
  streamError?: string;
}

export interface HostHealth {
  status: HostStatus;
  reason?: string;
}

/** Heartbeats may be this many intervals late before the host is unhealthy. */
export const MISSED_INTERVALS = 2;

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

export function healthOf(liveness: HostLiveness, now: Date, intervalMs: number): HostHealth {
  const last = liveness.lastHeartbeatAt;
  const late = last === undefined || now.getTime() - last.getTime() > MISSED_INTERVALS * intervalMs;
  if (late) {
    const since = last
      ? `no heartbeat for ${seconds(now.getTime() - last.getTime())}`
      : 'no heartbeat yet';
    return {
      status: 'unhealthy',
      reason: liveness.streamError
        ? `agent unreachable (${liveness.streamError}); ${since}`
        : since,
    };
  }
  if (liveness.engineReachable === false) {
    return {
      status: 'unhealthy',
      reason: `the agent cannot reach its container engine: ${liveness.engineError ?? 'no answer'}`,
    };
  }
  return { status: 'healthy' };
}
