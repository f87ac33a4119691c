// HostAgent — the control plane's view of one host: the agent running there, reached only over
// the gRPC contract in proto/agent/v1/agent.proto (never by importing agent code). It manages
// workspace containers by name: `ensure` creates one when missing (never recreates) without
// starting it, `start`/`stop`/`remove` move it between states, and `inspect`/`list` read the state
// back from the host's engine so callers reconcile from the host, not from a cached column.
// Every call has a deadline. Failures are AppErrors: INVALID (bad spec, refused mount; `errors`
// names the fields), NOT_FOUND (no such container or image), CONFLICT (the name belongs to
// something else), UNAUTHENTICATED (the host's credential was refused), UNAVAILABLE (the agent or
// its engine cannot be reached, or the deadline passed), INTERNAL (the agent failed).

export type WorkspaceContainerState = 'running' | 'stopped' | 'missing';

export interface HostPlatform {
  /** docker-host, docker-desktop, orbstack, colima, podman, podman-rootless, docker-native. */
  type: string;
  name: string;
  /** A DOCKER_HOST-style address. */
  socket: string;
  /** The platform the agent uses. */
  active: boolean;
}

export interface AgentInfo {
  agentVersion: string;
  hostName: string;
  platforms: HostPlatform[];
  /** The container runtime implementation, e.g. `docker`. */
  runtime: string;
}

export interface WorkspaceRef {
  ecosystem: string;
  domain: string;
  app: string;
  workspace: string;
}

export interface WorkspaceMount {
  /** Absolute host path under one of the host's allowed roots. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

export interface WorkspaceSpec {
  name: string;
  image: string;
  workspace: WorkspaceRef;
  labels?: Record<string, string>;
  command?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  mounts?: WorkspaceMount[];
  /** Default `none`. */
  networkMode?: string;
}

export interface WorkspaceState {
  name: string;
  /** Empty when missing. */
  id: string;
  state: WorkspaceContainerState;
  labels: Record<string, string>;
  image: string;
}

export interface HostAgent {
  info(): Promise<AgentInfo>;
  ensure(spec: WorkspaceSpec): Promise<WorkspaceState>;
  start(name: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds` (the agent's default: 10 s). */
  stop(name: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** A missing container is not an error. */
  remove(name: string): Promise<void>;
  /** `missing` (not an error) when there is none. */
  inspect(name: string): Promise<WorkspaceState>;
  /** Managed workspace containers whose labels include every given key=value. */
  list(labelFilter?: Record<string, string>): Promise<WorkspaceState[]>;
  /** Closes the connection; later calls fail. */
  close(): void;
}
