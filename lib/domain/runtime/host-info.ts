// What the store keeps of an agent's Info, as JSON: what users see on the host and what placement
// reads (allowed roots, capacity).
import type { AgentInfo } from '@/lib/hosts/host-agent';
import type { JsonObject } from '@/lib/store/data-store';

export function hostInfoRecord(info: AgentInfo): JsonObject {
  return {
    agentVersion: info.agentVersion,
    hostName: info.hostName,
    runtime: info.runtime,
    builders: [...info.builders],
    allowedRoots: [...info.allowedRoots],
    platforms: info.platforms.map((p) => ({ ...p })),
    capacity: { ...info.capacity },
  };
}
