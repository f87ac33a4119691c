// The ContainerRuntime on a Docker-compatible engine (Docker Engine, Docker Desktop, OrbStack,
// Colima in docker mode, Podman's Docker API) through dockerode's typed API.
import Docker from 'dockerode';
import { AppError, invalid, notFound, type FieldError } from '../../lib/errors';
import {
  LABELS,
  checkContainerName,
  checkMounts,
  unavailable,
  workspaceLabels,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerState,
  type WorkspaceContainerSpec,
} from './container-runtime';

export type DockerConnection =
  { socketPath: string } | { host: string; port: number; protocol: 'http' | 'https' };

export interface DockerRuntimeOptions {
  connection: DockerConnection;
  /** Host paths workspaces may bind-mount (the host's policy); none when empty. */
  allowedMountRoots: readonly string[];
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

interface EngineError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  reason?: string;
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
]);

function engineMessage(error: EngineError): string {
  return error.json?.message ?? error.reason ?? 'unknown engine error';
}

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly allowedMountRoots: readonly string[];
  private readonly where: string;

  constructor(options: DockerRuntimeOptions) {
    this.docker = new Docker(options.connection);
    this.allowedMountRoots = options.allowedMountRoots;
    this.where =
      'socketPath' in options.connection
        ? `unix://${options.connection.socketPath}`
        : `${options.connection.protocol}://${options.connection.host}:${options.connection.port}`;
  }

  async ensure(spec: WorkspaceContainerSpec): Promise<ContainerInfo> {
    checkSpec(spec);
    const mounts = checkMounts(spec.mounts ?? [], this.allowedMountRoots);
    const labels = workspaceLabels(spec);
    const existing = await this.inspect(spec.name);
    if (existing.state !== 'missing') return this.ownedBy(existing, labels);
    try {
      await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Cmd: spec.command,
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        WorkingDir: spec.workingDir,
        Labels: labels,
        Tty: true,
        OpenStdin: true,
        HostConfig: {
          NetworkMode: spec.networkMode ?? 'none',
          Privileged: false,
          Mounts: mounts.map((m) => ({
            Type: 'bind',
            Source: m.source,
            Target: m.target,
            ReadOnly: m.readOnly ?? false,
          })),
        },
      });
    } catch (error) {
      // Lost a race with another ensure of the same name: what now exists is the answer.
      if ((error as EngineError).statusCode !== 409) {
        throw this.translate(error, `image "${spec.image}"`);
      }
    }
    return this.ownedBy(await this.inspect(spec.name), labels);
  }

  async start(name: string): Promise<void> {
    checkContainerName(name);
    try {
      await this.docker.getContainer(name).start();
    } catch (error) {
      if ((error as EngineError).statusCode === 304) return; // already running
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
      if ((error as EngineError).statusCode === 304) return; // already stopped
      throw this.translate(error, `container "${name}"`);
    }
  }

  async remove(name: string): Promise<void> {
    checkContainerName(name);
    try {
      await this.docker.getContainer(name).remove({ force: true, v: true });
    } catch (error) {
      if ((error as EngineError).statusCode === 404) return;
      throw this.translate(error, `container "${name}"`);
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
      if ((error as EngineError).statusCode === 404) {
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
    const e = (error ?? {}) as EngineError;
    if (e.code && CONNECTION_ERRORS.has(e.code)) {
      return unavailable(
        `The container engine at ${this.where} cannot be reached (${e.code}).`,
        error,
      );
    }
    if (e.statusCode === 404) return notFound(`No such ${subject} on the container engine.`);
    if (e.statusCode === 409) return new AppError('CONFLICT', `${subject}: ${engineMessage(e)}`);
    if (e.statusCode === 400) return invalid(`The engine refused ${subject}: ${engineMessage(e)}`);
    return new AppError('INTERNAL', `The container engine failed on ${subject}.`, { cause: error });
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
  if (errors.length > 0) throw invalid('The container spec is invalid.', errors);
}
