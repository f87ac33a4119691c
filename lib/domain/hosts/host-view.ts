// How a host is shown: the `kind: Host` manifest (lib/contracts/host.ts), built from the stored
// record and what its agent last reported. Credentials never leave: neither the sealed agent
// credential nor the join token's hash is part of any view or audit entry.
import {
  HOST_KIND,
  type HostJoinToken,
  type HostManifest,
  type HostStatusView,
} from '@/lib/contracts/host';
import { API_VERSION } from '@/lib/contracts/manifest';
import type { JsonObject, JsonValue } from '@/lib/store/data-store';
import type { HostRecord } from '@/lib/store/host-store';

/** `host build-1`, as audit entries name hosts. */
export function hostTarget(name: string): string {
  return `host ${name}`;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: JsonValue | undefined): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** The agent-reported part of the status; fields the agent did not send are left out. */
function reported(info: JsonObject | undefined): Partial<HostStatusView> {
  if (!info) return {};
  const view: Partial<HostStatusView> = {};
  for (const key of ['agentVersion', 'hostName', 'runtime'] as const) {
    const value = info[key];
    if (typeof value === 'string') view[key] = value;
  }
  if (Array.isArray(info.platforms))
    view.platforms = info.platforms.filter(isObject) as HostStatusView['platforms'];
  const builders = strings(info.builders);
  if (builders) view.builders = builders;
  const allowedRoots = strings(info.allowedRoots);
  if (allowedRoots) view.allowedRoots = allowedRoots;
  if (isObject(info.capacity)) view.capacity = info.capacity as HostStatusView['capacity'];
  return view;
}

export function toHostManifest(host: HostRecord): HostManifest {
  const status: HostStatusView = {
    status: host.status,
    ...(host.statusReason !== undefined && { reason: host.statusReason }),
    ...(host.lastHeartbeatAt && { lastHeartbeat: host.lastHeartbeatAt.toISOString() }),
    joined: host.credentialCiphertext !== undefined,
    ...(host.joinedAt && { joinedAt: host.joinedAt.toISOString() }),
    ...(host.joinTokenExpiresAt && { joinTokenExpiresAt: host.joinTokenExpiresAt.toISOString() }),
    ...reported(host.info),
    createdAt: host.createdAt.toISOString(),
  };
  return {
    apiVersion: API_VERSION,
    kind: HOST_KIND,
    metadata: { name: host.name, labels: host.labels },
    spec: { address: host.address },
    status,
  };
}

/** What the audit log keeps of a host: its configuration, never a secret. */
export function hostSnapshot(host: HostRecord): JsonObject {
  return {
    name: host.name,
    address: host.address,
    labels: host.labels,
    joined: host.credentialCiphertext !== undefined,
  };
}

export function joinTokenView(host: HostRecord, token: string, expiresAt: Date): HostJoinToken {
  return { host: toHostManifest(host), joinToken: token, expiresAt: expiresAt.toISOString() };
}
