// HostAgent — the control plane's view of one host: the agent running there, reached only over
// the gRPC contract in proto/agent/v1/agent.proto (never by importing agent code). It manages
// workspace containers by name: `ensure` creates one when missing (never recreates) without
// starting it, `start`/`stop`/`remove` move it between states, and `inspect`/`list` read the state
// back from the host's engine so callers reconcile from the host, not from a cached column.
// Every unary call has a deadline; the exec and watch streams have none but end with UNAVAILABLE
// when keepalive pings find the agent gone. Failures are AppErrors: INVALID (bad spec, refused
// mount; `errors` names the fields), NOT_FOUND (no such container or image), CONFLICT (the name
// belongs to something else), UNAUTHENTICATED (the host's credential was refused), UNAVAILABLE
// (the agent or its engine cannot be reached, or the deadline passed), INTERNAL (the agent failed).

import type {
  BuildOutcome,
  BuildProgress,
  EffectiveBuildSettings,
  Sourced,
} from '../build/build-types';

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

export interface HostCapacity {
  /** CPUs the engine can schedule on. */
  cpus: number;
  memoryBytes: number;
  /** Managed workspace containers running now (the load used for placement). */
  runningWorkspaces: number;
}

export interface AgentInfo {
  agentVersion: string;
  hostName: string;
  platforms: HostPlatform[];
  /** The container runtime implementation, e.g. `docker`. */
  runtime: string;
  /** Image builders this host offers, e.g. `docker-api`, `buildkit` (filled by P1.5). */
  builders: string[];
  /** Host path roots workspaces may mount (realpaths). */
  allowedRoots: string[];
  capacity: HostCapacity;
  /** True when the agent reached its engine just now; false with `engineError` otherwise. */
  engineReachable: boolean;
  engineError?: string;
}

export interface WorkspaceRef {
  ecosystem: string;
  domain: string;
  app: string;
  workspace: string;
  /** The workspace's id; the agent labels the container io.devopsmaestro.workspace-id with it. */
  workspaceId?: string;
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
  /** `name`, `uid` or `uid:gid`; empty: the image's user. Root is never forced on. */
  user?: string;
  /** CPU limit (e.g. 1.5); unset: no limit. */
  cpus?: number;
  /** Memory limit in bytes; unset: no limit. */
  memoryBytes?: number;
  /**
   * Source from git: on first creation the agent clones `url` at `ref` into the named volume,
   * which is mounted at `target` (normally /workspace). The volume is kept across recreation.
   */
  gitSource?: { url: string; ref?: string; volume: string; target: string };
}

export interface WorkspaceState {
  name: string;
  /** Empty when missing. */
  id: string;
  state: WorkspaceContainerState;
  labels: Record<string, string>;
  image: string;
}

export interface RemoveOptions {
  /** Also remove these named volumes (e.g. the git source volume). Missing ones are ignored. */
  volumes?: string[];
  /** Also remove this image; an image still used by another container is kept (not an error). */
  image?: string;
}

export interface ExecOptions {
  command: string[];
  tty: boolean;
  /** Initial size when `tty`. */
  cols?: number;
  rows?: number;
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
}

/** A running exec in a workspace container, over one bidirectional stream. */
export interface ExecSession {
  write(data: Uint8Array | string): void;
  /** Only meaningful with a TTY. */
  resize(cols: number, rows: number): void;
  /** Ends stdin (EOF for the process). */
  closeStdin(): void;
  /** Output in order; `stream` is always `stdout` with a TTY. */
  onOutput(listener: (data: Buffer, stream: 'stdout' | 'stderr') => void): void;
  /**
   * Resolves with the exit code when the process ends; rejects with an AppError on failure
   * (UNAVAILABLE when the stream breaks or after `cancel()`). Never an unhandled rejection.
   */
  readonly exited: Promise<{ exitCode: number }>;
  /** Ends the stream (and kills the process where the runtime can). */
  cancel(): void;
}

/** Heartbeats and container state changes from the host, in order. */
export type AgentEvent =
  | { type: 'heartbeat'; at: Date; engineReachable: boolean; engineError?: string }
  | { type: 'container'; at: Date; workspace: WorkspaceState };

export interface WatchHandle {
  onEvent(listener: (event: AgentEvent) => void): void;
  /** Resolves when the stream ends (cancel, agent gone); rejects never. */
  readonly ended: Promise<{ reason: string }>;
  cancel(): void;
}

/** What the control plane asks a host to build (proto: Build). */
export interface BuildRequest {
  /** The control plane's build id; the agent tags its logs with it and `cancelBuild` names it. */
  buildId: string;
  workspace: WorkspaceRef;
  /** The app's source on the host: a path under the allowed roots, or a repository to clone. */
  source: { path: string } | { git: { url: string; ref?: string } };
  settings: EffectiveBuildSettings;
  /** e.g. `dvm/platform-backend-api-dev`; the agent appends `:<hash of the inputs>`. */
  repository: string;
  /** `docker-api` or `buildkit`; unset: the host's preferred builder. */
  builder?: string;
  noCache?: boolean;
  /** BuildKit secrets by id; sent over the (authenticated) stream, never logged or stored. */
  secrets?: Record<string, string>;
}

export type BuildStreamEvent =
  /**
   * First: what will be built. `reused` means an image with this tag (same inputs) is already
   * on the host, and `finished` follows without building.
   */
  | {
      type: 'prepared';
      builder: string;
      dockerfile: string;
      tag: string;
      inputsHash: string;
      baseImage: Sourced<string>;
      language?: Sourced<{ name: string; version?: string }>;
      reused: boolean;
    }
  | BuildProgress
  | { type: 'finished'; outcome: BuildOutcome };

export interface BuildHandle {
  /** Events in order; those sent before a listener was added are replayed to it. */
  onEvent(listener: (event: BuildStreamEvent) => void): void;
  /** The outcome; rejects with UNAVAILABLE when the agent is lost mid-build (with the reason). */
  readonly done: Promise<BuildOutcome>;
  /** Asks the agent to stop the build; `done` then resolves `cancelled`. */
  cancel(): void;
}

export interface HostAgent {
  info(): Promise<AgentInfo>;
  ensure(spec: WorkspaceSpec): Promise<WorkspaceState>;
  start(name: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds` (the agent's default: 10 s). */
  stop(name: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** A missing container is not an error. */
  remove(name: string, options?: RemoveOptions): Promise<void>;
  /** `missing` (not an error) when there is none. */
  inspect(name: string): Promise<WorkspaceState>;
  /** Managed workspace containers whose labels include every given key=value. */
  list(labelFilter?: Record<string, string>): Promise<WorkspaceState[]>;
  /** Runs a command in a running container. NOT_FOUND when missing, CONFLICT when stopped. */
  exec(name: string, options: ExecOptions): ExecSession;
  /** Builds the workspace image (streamed; no deadline, keepalive pings notice a lost agent). */
  build(request: BuildRequest): BuildHandle;
  /** Heartbeats every `intervalMs` (default 2000) plus container events, until cancelled. */
  watch(options?: { intervalMs?: number }): WatchHandle;
  /** Closes the connection; later calls fail. */
  close(): void;
}
