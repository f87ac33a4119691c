// The hosts half of the DataStore: the hosts agents run on, and where each workspace's container
// lives with the state last observed there. The store only keeps records; joining, health and
// reconciliation policy live in lib/domain and lib/hosts. Secrets never reach the store in clear:
// join tokens arrive hashed and the agent credential arrives encrypted.
import type { JsonObject, ListOptions, Page } from './store-types';

/** `pending`: created, no agent joined yet; then healthy or unhealthy from heartbeats. */
export type HostStatus = 'pending' | 'healthy' | 'unhealthy';

export interface HostRecord {
  id: string;
  /** DNS label; unique. `local` is the embedded agent. */
  name: string;
  /** The agent's gRPC address (`unix:///…` or `host:port`); empty until the agent joins. */
  address: string;
  labels: Record<string, string>;
  status: HostStatus;
  /** Why the host is unhealthy (or pending), in words a user can act on. */
  statusReason?: string;
  lastHeartbeatAt?: Date;
  /** What the agent reported last: platforms, capacity, runtime, builders, allowed roots. */
  info?: JsonObject;
  /** The agent's credential, encrypted with the control plane's key; absent until joined. */
  credentialCiphertext?: string;
  /** Set while a join token is outstanding (hash only). */
  joinTokenExpiresAt?: Date;
  joinedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewHost {
  name: string;
  address?: string;
  labels?: Record<string, string>;
  /** One-way hash of a one-time join token. */
  joinTokenHash?: string;
  joinTokenExpiresAt?: Date;
  /** For hosts registered directly (the embedded agent): already joined. */
  credentialCiphertext?: string;
}

export interface HostPatch {
  address?: string;
  labels?: Record<string, string>;
  credentialCiphertext?: string;
  /** Replaces an outstanding join token (or issues one for a joined host to re-join). */
  joinTokenHash?: string;
  joinTokenExpiresAt?: Date;
}

export interface HostHeartbeat {
  at: Date;
  status: HostStatus;
  statusReason?: string;
  info?: JsonObject;
}

export interface HostStore {
  /** ALREADY_EXISTS when the name is taken. */
  create(host: NewHost): Promise<HostRecord>;
  /** NOT_FOUND with the name. */
  get(name: string): Promise<HostRecord>;
  find(name: string): Promise<HostRecord | undefined>;
  /** Ordered by name. */
  list(options?: ListOptions): Promise<Page<HostRecord>>;
  update(name: string, patch: HostPatch): Promise<HostRecord>;
  /**
   * The host whose unexpired, unused join token has this hash at `now`, without consuming it: a
   * join checks the token before the control plane dials the address the caller gave.
   */
  findByJoinToken(joinTokenHash: string, now: Date): Promise<HostRecord | undefined>;
  /**
   * Consumes a join token atomically: when a host has this unexpired, unused token hash at `now`,
   * stores the agent's address and encrypted credential, clears the token and returns the host;
   * otherwise returns undefined (so a token joins at most one agent).
   */
  completeJoin(
    joinTokenHash: string,
    now: Date,
    joined: { address: string; credentialCiphertext: string },
  ): Promise<HostRecord | undefined>;
  /** Status, reason and (when given) info; `updatedAt` is for configuration changes and stays. */
  recordHeartbeat(name: string, heartbeat: HostHeartbeat): Promise<HostRecord>;
  /** Returns whether a host was removed. CONFLICT while workspaces are placed on it. */
  delete(name: string): Promise<boolean>;
}

/** What the user asked for; `observed` is what the runtime said last. */
export type DesiredState = 'running' | 'stopped';
export type ObservedState = 'running' | 'stopped' | 'missing' | 'unknown';

export interface PlacementRecord {
  workspaceId: string;
  ecosystem: string;
  domain: string;
  app: string;
  workspace: string;
  host: string;
  containerName: string;
  image: string;
  /** Named volume holding a git source, when the app's source is a repository. */
  sourceVolume?: string;
  desired: DesiredState;
  observed: ObservedState;
  /** Why the observed state is what it is (e.g. "container removed outside DevOpsMaestro"). */
  reason?: string;
  observedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewPlacement {
  workspaceId: string;
  host: string;
  containerName: string;
  image: string;
  sourceVolume?: string;
  desired: DesiredState;
}

export interface Observation {
  observed: ObservedState;
  reason?: string;
  at: Date;
}

export interface PlacementStore {
  /** Creates or replaces the workspace's placement (host, container, image, desired state). */
  set(placement: NewPlacement): Promise<PlacementRecord>;
  find(workspaceId: string): Promise<PlacementRecord | undefined>;
  /**
   * The placements of several workspaces in one query (a list page's rows), ordered by workspace
   * path; workspaces without a placement are simply absent. At most 500 ids (a page), else INVALID.
   */
  findMany(workspaceIds: readonly string[]): Promise<PlacementRecord[]>;
  setDesired(workspaceId: string, desired: DesiredState): Promise<PlacementRecord>;
  /** Records what the runtime said; a no-op (returns undefined) when the placement is gone. */
  observe(workspaceId: string, observation: Observation): Promise<PlacementRecord | undefined>;
  /** Every placement on a host, ordered by workspace path. */
  listByHost(host: string): Promise<PlacementRecord[]>;
  /**
   * Running placements per host name (for least-load placement): those last observed running.
   * Hosts without any are absent.
   */
  countRunningByHost(): Promise<Record<string, number>>;
  /** All placements per host, for the named hosts (at most 500), in one query; 0 is absent. */
  countByHost(hosts: readonly string[]): Promise<Record<string, number>>;
  /** Returns whether a placement was removed. Deleting a workspace removes its placement too. */
  delete(workspaceId: string): Promise<boolean>;
}
