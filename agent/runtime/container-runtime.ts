// ContainerRuntime — the agent's view of one container engine. It keeps workspace containers by
// name: `ensure` creates one if missing (never recreates), `start`/`stop`/`remove` move it
// between states, and `inspect`/`list` read state back from the engine's labels so callers
// reconcile from the runtime rather than from a cached column; `exec` runs a process in a running
// container, `subscribe` follows state changes, `ping` and `capacity` describe the engine.
// Containers are never privileged, get no added capabilities, default to `--network none`, and
// bind only host paths under the allowed roots (never an engine socket). Failures are AppErrors:
// INVALID (bad spec, refused mount), NOT_FOUND (no such container or image), CONFLICT (the name
// belongs to something else, or the container is not running for exec), UNAVAILABLE (engine down).
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { AppError, invalid, type FieldError } from '../../lib/errors';

export type ContainerState = 'running' | 'stopped' | 'missing';

/** The label keys every workspace container carries. */
export const LABELS = {
  managed: 'io.devopsmaestro.managed',
  workspace: 'io.devopsmaestro.workspace',
  ecosystem: 'io.devopsmaestro.ecosystem',
  domain: 'io.devopsmaestro.domain',
  app: 'io.devopsmaestro.app',
  workspaceId: 'io.devopsmaestro.workspace-id',
} as const;

export interface WorkspaceRef {
  ecosystem: string;
  domain: string;
  app: string;
  workspace: string;
  /** The control plane's id of the workspace; labelled when given. */
  workspaceId?: string;
}

export interface MountSpec {
  /** Absolute host path; must lie under one of the runtime's allowed roots. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

export interface WorkspaceContainerSpec {
  /** Container name, unique on the engine (Docker rules: `[A-Za-z0-9][A-Za-z0-9_.-]*`). */
  name: string;
  image: string;
  workspace: WorkspaceRef;
  /** Keeps the container alive; overrides the image's CMD when given. */
  command?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** Extra labels; the `io.devopsmaestro.*` keys are reserved and set by the runtime. */
  labels?: Record<string, string>;
  mounts?: MountSpec[];
  /** Default `none`: the engines here have no bridge, and workspaces get network by choice. */
  networkMode?: string;
  /** `name`, `uid` or `uid:gid`; unset: the image's user. */
  user?: string;
  /** CPU limit (e.g. 1.5); unset: no limit. */
  cpus?: number;
  /** Memory limit in bytes; unset: no limit. */
  memoryBytes?: number;
  /** Cloned into `volume` (mounted at `target`) when the container is first created. */
  gitSource?: GitSource;
}

export interface GitSource {
  /** https://, ssh://, git://, file:// or scp-like `user@host:path`. */
  url: string;
  /** Branch, tag or commit; unset: the default branch. */
  ref?: string;
  /** Named volume; created when missing, kept afterwards (the user's work lives there). */
  volume: string;
  /** Absolute path in the container. */
  target: string;
}

export interface RemoveOptions {
  /** Named volumes to remove after the container; missing ones are ignored. */
  volumes?: string[];
  /** Image to remove after the container; kept (not an error) while another container uses it. */
  image?: string;
}

export interface ExecSpec {
  command: string[];
  tty: boolean;
  /** Initial terminal size, with a TTY. */
  cols?: number;
  rows?: number;
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
}

export type OutputStreamName = 'stdout' | 'stderr';

/** A process started by `exec`. Output goes to the listener given to `exec`, in order. */
export interface ExecProcess {
  write(data: Buffer): void;
  /** With a TTY: the new size; errors are swallowed (the process may have just ended). */
  resize(cols: number, rows: number): void;
  /** EOF on stdin (with a TTY, the terminal's end-of-file character, as a keyboard would send). */
  closeStdin(): void;
  /** Flow control: stop reading output while the consumer is slow, and carry on. */
  pauseOutput(): void;
  resumeOutput(): void;
  /** The exit code once the process has ended; UNAVAILABLE when the engine connection broke. */
  readonly exited: Promise<{ exitCode: number }>;
  /** Ends the session: detaches, then stops the process where the engine lets us (see impl). */
  kill(): void;
}

export interface Capacity {
  cpus: number;
  memoryBytes: number;
  /** Managed workspace containers running now. */
  runningWorkspaces: number;
}

export type ContainerAction = 'start' | 'die' | 'stop' | 'destroy';

export interface ContainerEvent {
  action: ContainerAction;
  at: Date;
  /** The container's state after the event (`missing` after destroy). */
  container: ContainerInfo;
}

export interface EventSubscription {
  close(): void;
}

export interface ContainerInfo {
  name: string;
  /** Empty when the container is missing. */
  id: string;
  state: ContainerState;
  labels: Record<string, string>;
  image: string;
}

export interface ContainerRuntime {
  /** The host path roots workspaces may bind-mount, as real paths. */
  allowedRoots(): string[];
  /** Creates the container when no container has that name; returns what exists. Does not start it. */
  ensure(spec: WorkspaceContainerSpec): Promise<ContainerInfo>;
  /** Starts the container; a running container stays running. */
  start(name: string): Promise<void>;
  /** Stops the container (SIGTERM, then SIGKILL after the timeout, default 10 s). */
  stop(name: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /**
   * Removes the container (stopping it first), then the given volumes and image; a missing
   * container, volume or image is not an error, nor is an image another container still uses.
   */
  remove(name: string, options?: RemoveOptions): Promise<void>;
  /** The container's state; `missing` (not an error) when there is none. */
  inspect(name: string): Promise<ContainerInfo>;
  /** Workspace containers (managed by us) whose labels include every given key=value. */
  list(labelFilter?: Record<string, string>): Promise<ContainerInfo[]>;
  /** Starts `spec.command` in the running container; NOT_FOUND when missing, CONFLICT when stopped. */
  exec(
    name: string,
    spec: ExecSpec,
    onOutput: (data: Buffer, stream: OutputStreamName) => void,
  ): Promise<ExecProcess>;
  /** Resolves when the engine answers within `timeoutMs`; UNAVAILABLE saying why otherwise. */
  ping(timeoutMs: number): Promise<void>;
  /** What the engine offers and how loaded it is; UNAVAILABLE when it cannot be reached. */
  capacity(timeoutMs: number): Promise<Capacity>;
  /**
   * Calls `listener` with managed containers' start/die/stop/destroy, in order, until closed.
   * Survives engine restarts: the subscription reconnects by itself.
   */
  subscribe(listener: (event: ContainerEvent) => void): EventSubscription;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkContainerName(name: string, field = 'name'): void {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 128) {
    throw invalid(`"${name}" is not a valid container name.`, [
      {
        path: field,
        message: 'Use letters, digits, "_", "." and "-", starting with a letter or digit.',
      },
    ]);
  }
}

/** The labels a workspace container carries: the caller's, then ours (which win). */
export function workspaceLabels(spec: WorkspaceContainerSpec): Record<string, string> {
  const { ecosystem, domain, app, workspace, workspaceId } = spec.workspace;
  return {
    ...spec.labels,
    [LABELS.managed]: 'true',
    [LABELS.workspace]: `${ecosystem}/${domain}/${app}/${workspace}`,
    [LABELS.ecosystem]: ecosystem,
    [LABELS.domain]: domain,
    [LABELS.app]: app,
    ...(workspaceId ? { [LABELS.workspaceId]: workspaceId } : {}),
  };
}

/** Engine sockets by file name: mounting one hands the workspace the whole host. */
const ENGINE_SOCKET =
  /(?:^|[-_.])(?:docker|podman|containerd|buildkitd|orbstack)[-_.a-z0-9]*\.sock$/i;
const ENGINE_SOCKET_DIRS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/podman',
  '/run/containerd',
];

function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function within(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function isEngineSocket(p: string): boolean {
  return ENGINE_SOCKET.test(path.basename(p)) || ENGINE_SOCKET_DIRS.some((s) => within(p, s));
}

/**
 * Refuses any mount whose source (after resolving symlinks) is not under an allowed root, is an
 * engine socket, or contains one's directory; and any relative path. Throws INVALID naming each
 * bad mount, or returns the mounts with their sources resolved.
 */
export function checkMounts(mounts: MountSpec[], allowedRoots: readonly string[]): MountSpec[] {
  const roots = allowedRoots.filter((r) => path.isAbsolute(r)).map(realPath);
  const errors: FieldError[] = [];
  const checked = mounts.map((mount, i) => {
    const at = `mounts[${i}]`;
    if (!path.isAbsolute(mount.source)) {
      errors.push({ path: `${at}.source`, message: `"${mount.source}" is not an absolute path.` });
      return mount;
    }
    if (!path.isAbsolute(mount.target)) {
      errors.push({ path: `${at}.target`, message: `"${mount.target}" is not an absolute path.` });
    }
    const source = realPath(mount.source);
    if (isEngineSocket(mount.source) || isEngineSocket(source)) {
      errors.push({
        path: `${at}.source`,
        message: `"${mount.source}" is a container engine socket; workspaces never get one.`,
      });
    } else if (!roots.some((root) => within(source, root))) {
      errors.push({
        path: `${at}.source`,
        message:
          roots.length === 0
            ? `"${mount.source}" cannot be mounted: this host allows no host paths.`
            : `"${mount.source}" is outside the host's allowed roots (${roots.join(', ')}).`,
      });
    }
    return { ...mount, source };
  });
  if (errors.length > 0) {
    throw invalid(`Refused to mount: ${errors.map((e) => e.message).join(' ')}`, errors);
  }
  return checked;
}

export function unavailable(message: string, cause?: unknown): AppError {
  return new AppError('UNAVAILABLE', message, { cause });
}
