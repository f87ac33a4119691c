// The ContainerRuntime on a Docker-compatible engine (Docker Engine, Docker Desktop, OrbStack,
// Colima in docker mode, Podman's Docker API) through dockerode's typed API.
import { mkdtemp, rm } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { AppError, invalid, isAppError, notFound, type FieldError } from '../../lib/errors';
import {
  LABELS,
  checkContainerName,
  checkMounts,
  unavailable,
  workspaceLabels,
  type Capacity,
  type ContainerEvent,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerState,
  type EventSubscription,
  type ExecProcess,
  type ExecSpec,
  type GitSource,
  type MountSpec,
  type OutputStreamName,
  type RemoveOptions,
  type WorkspaceContainerSpec,
} from './container-runtime';
import { startDockerExec } from './docker-exec';
import { engineMessage, isUnreachable, statusOf, translateEngineError } from './docker-errors';
import { followContainerEvents } from './docker-events';
import {
  checkGitSource,
  cloneRepository,
  fileFromTar,
  needsAccountFiles,
  resolveOwner,
  tarOf,
} from './git-source';

export type DockerConnection =
  { socketPath: string } | { host: string; port: number; protocol: 'http' | 'https' };

export interface DockerRuntimeOptions {
  connection: DockerConnection;
  /** Host paths workspaces may bind-mount (the host's policy); none when empty. */
  allowedMountRoots: readonly string[];
  /** Longest a git clone for a workspace source may take; default 5 minutes. */
  cloneTimeoutMs?: number;
}

/** dockerode connection options for a DOCKER_HOST value (`unix://…`, `tcp://…`). */
export function dockerConnectionFor(dockerHost: string): DockerConnection {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost };
  if (/^(?:tcp|http|https):\/\//.test(dockerHost)) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    return {
      host: url.hostname,
      port: Number(url.port || (protocol === 'https' ? 2376 : 2375)),
      protocol,
    };
  }
  throw invalid(`DOCKER_HOST "${dockerHost}" is not a unix:// or tcp:// address.`, [
    { path: 'DOCKER_HOST', message: 'Use unix:///path/to/docker.sock or tcp://host:port.' },
  ]);
}

export interface EngineBuildFeatures {
  /** Image builders this engine serves: `docker-api` always, `buildkit` when it has BuildKit. */
  builders: string[];
  /** Whether the engine embeds BuildKit (`POST /build?version=2`, `/grpc`, `/session`). */
  buildKit: boolean;
}

/** Docker 18.09 (API 1.39) is the first engine with BuildKit. */
const BUILDKIT_MIN_API = [1, 39] as const;

function apiAtLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/**
 * What the engine can build with, without building anything. BuildKit when the engine says so
 * (`/_ping` header `Builder-Version: 2`, or `BuilderVersion` in `/info`), else when it is a Linux
 * Docker Engine of API 1.39 (18.09) or later, where BuildKit is built in even though the default
 * builder may still be the classic one (as on 20.10). Podman's Docker API has no BuildKit.
 * UNAVAILABLE (through the caller's translation) when the engine does not answer.
 */
export async function engineBuildFeatures(
  docker: Docker,
  timeoutMs: number,
): Promise<EngineBuildFeatures> {
  const abortSignal = AbortSignal.timeout(timeoutMs);
  const [version, info, builderHeader] = await Promise.all([
    (docker.version as (options: object) => Promise<Docker.DockerVersion>).call(docker, {
      abortSignal,
    }),
    (docker.info as (options: object) => Promise<{ BuilderVersion?: string }>).call(docker, {
      abortSignal,
    }),
    pingBuilderVersion(docker, abortSignal),
  ]);
  const podman = (version.Components ?? []).some((c) => /podman/i.test(c.Name));
  const buildKit =
    !podman &&
    (builderHeader === '2' ||
      info.BuilderVersion === '2' ||
      (version.Os === 'linux' && apiAtLeast(version.ApiVersion, BUILDKIT_MIN_API)));
  return { builders: ['docker-api', ...(buildKit ? ['buildkit'] : [])], buildKit };
}

/** The `Builder-Version` header of `/_ping` (empty when the engine does not send one). */
function pingBuilderVersion(docker: Docker, abortSignal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: '/_ping', method: 'GET', isStream: true, abortSignal, statusCodes: { 200: true } },
      (error, result) => {
        if (error) return reject(error);
        const response = result as unknown as IncomingMessage;
        const header = response.headers['builder-version'];
        response.resume();
        resolve(typeof header === 'string' ? header : '');
      },
    );
  });
}

/** Docker refuses less (and so would the kernel's cgroup, more confusingly). */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly allowedMountRoots: readonly string[];
  private readonly cloneTimeoutMs: number | undefined;
  private readonly where: string;
  /** Creations in flight by name: a second ensure of the same name waits for the first. */
  private readonly creating = new Map<string, Promise<ContainerInfo>>();
  private apiVersion: Promise<string> | undefined;

  constructor(options: DockerRuntimeOptions) {
    this.docker = new Docker(options.connection);
    this.allowedMountRoots = options.allowedMountRoots;
    this.cloneTimeoutMs = options.cloneTimeoutMs;
    this.where =
      'socketPath' in options.connection
        ? `unix://${options.connection.socketPath}`
        : `${options.connection.protocol}://${options.connection.host}:${options.connection.port}`;
  }

  /** The allowed roots as real paths (what mounts are compared against). */
  allowedRoots(): string[] {
    return this.allowedMountRoots
      .filter((root) => path.isAbsolute(root))
      .map((root) => {
        try {
          return realpathSync(root);
        } catch {
          return path.resolve(root);
        }
      });
  }

  async ensure(spec: WorkspaceContainerSpec): Promise<ContainerInfo> {
    checkSpec(spec);
    const mounts = checkMounts(spec.mounts ?? [], this.allowedMountRoots);
    if (spec.gitSource) checkLocalRepository(spec.gitSource.url, this.allowedMountRoots);
    const labels = workspaceLabels(spec);
    let creation = this.creating.get(spec.name);
    if (!creation) {
      creation = this.ensureOnce(spec, mounts, labels).finally(() =>
        this.creating.delete(spec.name),
      );
      this.creating.set(spec.name, creation);
    }
    return this.ownedBy(await creation, labels);
  }

  private async ensureOnce(
    spec: WorkspaceContainerSpec,
    mounts: MountSpec[],
    labels: Record<string, string>,
  ): Promise<ContainerInfo> {
    const existing = await this.inspect(spec.name);
    if (existing.state !== 'missing') return existing;
    const git = spec.gitSource;
    // A source volume that exists already holds the user's work (kept across recreation): it is
    // mounted as it is. Only a new one is cloned into.
    const freshSource = git !== undefined && !(await this.sourceVolumeExists(git, labels));
    let cloneDir: string | undefined;
    let volumeCreated = false;
    let container: Docker.Container | undefined;
    try {
      if (git && freshSource) {
        cloneDir = await mkdtemp(path.join(tmpdir(), 'dvm-clone-'));
        await cloneRepository(git, path.join(cloneDir, path.basename(git.target)), {
          ...(this.cloneTimeoutMs !== undefined && { timeoutMs: this.cloneTimeoutMs }),
        });
        await this.docker.createVolume({
          Name: git.volume,
          Labels: { [LABELS.managed]: 'true', [LABELS.workspace]: labels[LABELS.workspace]! },
        });
        volumeCreated = true;
      }
      try {
        container = await this.docker.createContainer({
          name: spec.name,
          Image: spec.image,
          Cmd: spec.command,
          Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
          WorkingDir: spec.workingDir,
          ...(spec.user ? { User: spec.user } : {}),
          Labels: labels,
          Tty: true,
          OpenStdin: true,
          HostConfig: {
            NetworkMode: spec.networkMode ?? 'none',
            Privileged: false,
            ...(spec.cpus !== undefined && { NanoCpus: Math.round(spec.cpus * 1e9) }),
            ...(spec.memoryBytes !== undefined && { Memory: spec.memoryBytes }),
            Mounts: [
              ...mounts.map((m) => ({
                Type: 'bind' as const,
                Source: m.source,
                Target: m.target,
                ReadOnly: m.readOnly ?? false,
              })),
              ...(git ? [{ Type: 'volume' as const, Source: git.volume, Target: git.target }] : []),
            ],
          },
        });
      } catch (error) {
        // Lost a race with another agent creating the same name: what now exists is the answer.
        if (statusOf(error) !== 409) throw this.translate(error, `image "${spec.image}"`);
        return await this.inspect(spec.name);
      }
      if (git && cloneDir) await this.copySource(container, git, cloneDir, spec.user);
      return await this.inspect(spec.name);
    } catch (error) {
      // Leave nothing half made: a container without its source would look ready.
      if (container) await container.remove({ force: true, v: true }).catch(() => undefined);
      if (volumeCreated)
        await this.docker
          .getVolume(git!.volume)
          .remove()
          .catch(() => undefined);
      throw error;
    } finally {
      if (cloneDir) await rm(cloneDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Whether the source volume exists; CONFLICT when it belongs to something else. */
  private async sourceVolumeExists(git: GitSource, labels: Record<string, string>) {
    let info: Docker.VolumeInspectInfo;
    try {
      info = await this.docker.getVolume(git.volume).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw this.translate(error, `volume "${git.volume}"`);
    }
    const owned = info.Labels ?? {};
    if (owned[LABELS.managed] !== 'true' || owned[LABELS.workspace] !== labels[LABELS.workspace]) {
      throw new AppError(
        'CONFLICT',
        `A volume named "${git.volume}" already exists and does not belong to workspace ` +
          `${labels[LABELS.workspace]}: remove it or choose another volume.`,
      );
    }
    return true;
  }

  /**
   * Copies the clone into the created (not yet started) container's volume, owned by the user the
   * container runs as so that user can write there. The tar holds the target directory itself
   * (extracted into its parent): an archive put *into* a mount point leaves the mount point's own
   * owner (root) as it was.
   */
  private async copySource(
    container: Docker.Container,
    git: GitSource,
    cloneDir: string,
    specUser: string | undefined,
  ): Promise<void> {
    const user = specUser ?? (await container.inspect()).Config.User ?? '';
    const [passwd, group] = needsAccountFiles(user)
      ? await Promise.all([
          this.fileIn(container, '/etc/passwd'),
          this.fileIn(container, '/etc/group'),
        ])
      : [undefined, undefined];
    const owner = resolveOwner(user, passwd, group);
    const tar = await tarOf(cloneDir, path.basename(git.target), owner);
    try {
      await container.putArchive(tar.stream, { path: path.dirname(git.target) });
    } catch (error) {
      tar.stream.destroy();
      throw this.translate(error, `the source archive for ${git.target}`);
    }
    await tar.done;
  }

  private async fileIn(container: Docker.Container, file: string): Promise<string | undefined> {
    try {
      return await fileFromTar(await container.getArchive({ path: file }));
    } catch {
      return undefined;
    }
  }

  async start(name: string): Promise<void> {
    checkContainerName(name);
    try {
      await this.docker.getContainer(name).start();
    } catch (error) {
      if (statusOf(error) === 304) return; // already running
      throw this.translate(error, `container "${name}"`);
    }
  }

  async stop(name: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    checkContainerName(name);
    const t = options.timeoutSeconds ?? 10;
    if (!Number.isInteger(t) || t < 0) {
      throw invalid('The stop timeout must be a whole number of seconds.', [
        { path: 'timeoutSeconds', message: 'Use an integer ≥ 0.' },
      ]);
    }
    try {
      await this.docker.getContainer(name).stop({ t });
    } catch (error) {
      if (statusOf(error) === 304) return; // already stopped
      throw this.translate(error, `container "${name}"`);
    }
  }

  async remove(name: string, options: RemoveOptions = {}): Promise<void> {
    checkContainerName(name);
    const volumes = options.volumes ?? [];
    const errors: FieldError[] = volumes
      .map((v, i) => ({ v, i }))
      .filter(({ v }) => typeof v !== 'string' || !VOLUME.test(v))
      .map(({ i }) => ({ path: `volumes[${i}]`, message: 'Not a volume name.' }));
    if (options.image !== undefined && options.image.trim() === '') {
      errors.push({ path: 'image', message: 'Give an image or omit it.' });
    }
    if (errors.length > 0) throw invalid('The remove request is invalid.', errors);

    try {
      await this.docker.getContainer(name).remove({ force: true, v: true });
    } catch (error) {
      if (statusOf(error) !== 404) throw this.translate(error, `container "${name}"`);
    }
    const refused: string[] = [];
    for (const volume of volumes) {
      if (!(await this.removeVolume(volume))) refused.push(volume);
    }
    if (options.image) await this.removeImage(options.image);
    if (refused.length > 0) {
      throw new AppError(
        'CONFLICT',
        `Kept volume(s) ${refused.join(', ')}: not created by DevOpsMaestro, so the agent does ` +
          'not delete them. Remove them on the host if they should go.',
      );
    }
  }

  /** Removes a managed volume; true when gone (or never there), false when not ours. */
  private async removeVolume(name: string): Promise<boolean> {
    const volume = this.docker.getVolume(name);
    try {
      const info = await volume.inspect();
      if (info.Labels?.[LABELS.managed] !== 'true') return false;
      await volume.remove();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return true;
      throw this.translate(error, `volume "${name}"`);
    }
  }

  private async removeImage(image: string): Promise<void> {
    try {
      // Kept while any container still uses it. The engine alone would refuse only when the image
      // itself would go; an image with several tags would silently lose this one.
      const users = await this.docker.listContainers({ all: true, filters: { ancestor: [image] } });
      if (users.length > 0) return;
      await this.docker.getImage(image).remove();
    } catch (error) {
      // 404: already gone. 409: a container started using it meanwhile, so it stays.
      if (statusOf(error) === 404 || statusOf(error) === 409) return;
      throw this.translate(error, `image "${image}"`);
    }
  }

  async inspect(name: string): Promise<ContainerInfo> {
    checkContainerName(name);
    try {
      const info = await this.docker.getContainer(name).inspect();
      return {
        name: info.Name.replace(/^\//, ''),
        id: info.Id,
        state: info.State.Running ? 'running' : 'stopped',
        labels: info.Config.Labels ?? {},
        image: info.Config.Image,
      };
    } catch (error) {
      if (statusOf(error) === 404) {
        return { name, id: '', state: 'missing', labels: {}, image: '' };
      }
      throw this.translate(error, `container "${name}"`);
    }
  }

  async list(labelFilter: Record<string, string> = {}): Promise<ContainerInfo[]> {
    const label = Object.entries({ ...labelFilter, [LABELS.managed]: 'true' }).map(
      ([k, v]) => `${k}=${v}`,
    );
    try {
      const containers = await this.docker.listContainers({ all: true, filters: { label } });
      return containers
        .map((c) => ({
          name: (c.Names[0] ?? '').replace(/^\//, ''),
          id: c.Id,
          state: listedState(c.State),
          labels: c.Labels ?? {},
          image: c.Image,
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      throw this.translate(error, 'containers');
    }
  }

  async exec(
    name: string,
    spec: ExecSpec,
    onOutput: (data: Buffer, stream: OutputStreamName) => void,
  ): Promise<ExecProcess> {
    checkContainerName(name);
    checkExecSpec(spec);
    const container = this.docker.getContainer(name);
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch (error) {
      if (statusOf(error) === 404) throw notFound(`No workspace container named "${name}".`);
      throw this.translate(error, `container "${name}"`);
    }
    // The agent runs commands in workspaces only, never in other containers on the engine.
    if (info.Config.Labels?.[LABELS.managed] !== 'true') {
      throw notFound(`No workspace container named "${name}".`);
    }
    if (!info.State.Running) {
      throw new AppError(
        'CONFLICT',
        `The workspace container "${name}" is not running: start it first.`,
      );
    }
    try {
      return await startDockerExec({
        container,
        containerId: info.Id,
        spec,
        onOutput,
        apiVersion: await this.engineApiVersion(),
        where: this.where,
      });
    } catch (error) {
      if (statusOf(error) === 409) {
        throw new AppError(
          'CONFLICT',
          `The workspace container "${name}" is not running: ${engineMessage(error)}`,
        );
      }
      throw this.translate(error, `exec in container "${name}"`);
    }
  }

  private engineApiVersion(): Promise<string> {
    this.apiVersion ??= this.docker.version().then(
      (v) => v.ApiVersion,
      (error: unknown) => {
        this.apiVersion = undefined;
        throw error;
      },
    );
    return this.apiVersion;
  }

  async ping(timeoutMs: number): Promise<void> {
    try {
      await (this.docker.ping as (options: object) => Promise<unknown>).call(this.docker, {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw this.unreachable(error, timeoutMs);
    }
  }

  async capacity(timeoutMs: number): Promise<Capacity> {
    const abortSignal = AbortSignal.timeout(timeoutMs);
    try {
      const [info, running] = await Promise.all([
        (
          this.docker.info as (options: object) => Promise<{ NCPU?: number; MemTotal?: number }>
        ).call(this.docker, { abortSignal }),
        this.docker.listContainers({
          filters: { label: [`${LABELS.managed}=true`], status: ['running'] },
          abortSignal,
        }),
      ]);
      return {
        cpus: info.NCPU ?? 0,
        memoryBytes: info.MemTotal ?? 0,
        runningWorkspaces: running.length,
      };
    } catch (error) {
      throw this.unreachable(error, timeoutMs);
    }
  }

  subscribe(listener: (event: ContainerEvent) => void): EventSubscription {
    return followContainerEvents(this.docker, async (event) => {
      const fallback: ContainerState =
        event.action === 'start' ? 'running' : event.action === 'destroy' ? 'missing' : 'stopped';
      const container = await this.inspect(event.name).catch((): ContainerInfo => ({
        name: event.name,
        id: '',
        state: fallback,
        labels: {},
        image: '',
      }));
      listener({ action: event.action, at: event.at, container });
    });
  }

  /** Any failure to answer a ping or /info, as UNAVAILABLE saying why. */
  private unreachable(error: unknown, timeoutMs: number): AppError {
    if ((error as { name?: string }).name === 'AbortError') {
      return unavailable(
        `The container engine at ${this.where} did not answer within ${timeoutMs} ms.`,
        error,
      );
    }
    if (isUnreachable(error)) return this.translate(error, 'ping');
    return unavailable(
      `The container engine at ${this.where} answered with an error: ${engineMessage(error)}`,
      error,
    );
  }

  /** The container must be this workspace's: same managed and workspace labels. */
  private ownedBy(info: ContainerInfo, labels: Record<string, string>): ContainerInfo {
    if (
      info.labels[LABELS.managed] !== 'true' ||
      info.labels[LABELS.workspace] !== labels[LABELS.workspace]
    ) {
      throw new AppError(
        'CONFLICT',
        `A container named "${info.name}" already exists and does not belong to workspace ` +
          `${labels[LABELS.workspace]}: remove or rename it.`,
      );
    }
    return info;
  }

  private translate(error: unknown, subject: string): AppError {
    return translateEngineError(error, subject, this.where);
  }
}

function listedState(state: string): ContainerState {
  return state === 'running' || state === 'paused' || state === 'restarting'
    ? 'running'
    : 'stopped';
}

function checkSpec(spec: WorkspaceContainerSpec): void {
  checkContainerName(spec.name);
  const errors: FieldError[] = [];
  if (typeof spec.image !== 'string' || spec.image.trim() === '') {
    errors.push({ path: 'image', message: 'An image is required.' });
  }
  for (const key of ['ecosystem', 'domain', 'app', 'workspace'] as const) {
    const value = spec.workspace?.[key];
    if (typeof value !== 'string' || value === '' || value.includes('/')) {
      errors.push({ path: `workspace.${key}`, message: 'Required, without "/".' });
    }
  }
  for (const key of Object.keys(spec.labels ?? {})) {
    if (key.startsWith('io.devopsmaestro.')) {
      errors.push({
        path: `labels.${key}`,
        message: 'io.devopsmaestro.* labels are set by the runtime.',
      });
    }
  }
  if (spec.command?.length === 0)
    errors.push({ path: 'command', message: 'Give a command or omit it.' });
  if (spec.user !== undefined && spec.user !== '' && !USER.test(spec.user)) {
    errors.push({ path: 'user', message: 'Use name, uid, name:group or uid:gid.' });
  }
  if (
    spec.cpus !== undefined &&
    !(Number.isFinite(spec.cpus) && spec.cpus > 0 && spec.cpus <= 1024)
  ) {
    errors.push({ path: 'cpus', message: 'A number of CPUs above 0, e.g. 1.5.' });
  }
  if (
    spec.memoryBytes !== undefined &&
    !(Number.isSafeInteger(spec.memoryBytes) && spec.memoryBytes >= MIN_MEMORY_BYTES)
  ) {
    errors.push({ path: 'memoryBytes', message: 'Whole bytes, at least 6 MiB.' });
  }
  if (spec.gitSource) {
    errors.push(...checkGitSource(spec.gitSource));
    if ((spec.mounts ?? []).some((m) => m.target === spec.gitSource!.target)) {
      errors.push({ path: 'gitSource.target', message: 'A bind mount already uses this target.' });
    }
  }
  if (errors.length > 0) throw invalid('The container spec is invalid.', errors);
}

/**
 * A file:// repository is read by the agent with its own rights: like a bind mount, it must lie
 * under the host's allowed roots, or anyone who may set an app's git URL could copy any
 * repository on the host into a workspace.
 */
function checkLocalRepository(url: string, allowedRoots: readonly string[]): void {
  if (!url.startsWith('file:')) return;
  let repository: string;
  try {
    repository = decodeURIComponent(new URL(url).pathname);
  } catch {
    return; // checkGitSource has refused it already
  }
  try {
    checkMounts([{ source: repository, target: '/workspace' }], allowedRoots);
  } catch (error) {
    const why = isAppError(error) ? (error.errors[0]?.message ?? error.message) : String(error);
    throw invalid(`The git repository ${url} cannot be cloned: ${why}`, [
      { path: 'gitSource.url', message: why },
    ]);
  }
}

function checkExecSpec(spec: ExecSpec): void {
  const errors: FieldError[] = [];
  if (
    !Array.isArray(spec.command) ||
    spec.command.length === 0 ||
    spec.command.some((part) => typeof part !== 'string')
  ) {
    errors.push({ path: 'command', message: 'A command is required, e.g. ["/bin/sh"].' });
  }
  for (const key of ['cols', 'rows'] as const) {
    const value = spec[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0 && value <= 10_000)) {
      errors.push({ path: key, message: 'A whole number from 1 to 10000.' });
    }
  }
  if (spec.user !== undefined && spec.user !== '' && !USER.test(spec.user)) {
    errors.push({ path: 'user', message: 'Use name, uid, name:group or uid:gid.' });
  }
  for (const key of Object.keys(spec.env ?? {})) {
    if (key === '' || key.includes('=')) {
      errors.push({ path: `env.${key}`, message: 'Names must be non-empty, without "=".' });
    }
  }
  if (spec.workingDir && !path.isAbsolute(spec.workingDir)) {
    errors.push({ path: 'workingDir', message: 'An absolute path.' });
  }
  if (errors.length > 0) throw invalid('The exec request is invalid.', errors);
}
