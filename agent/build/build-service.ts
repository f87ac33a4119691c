// The agent's Build use case, served by the Build RPC (agent/grpc/build-call.ts): from a request
// naming a workspace, its source and its effective settings to a tagged image on this host.
//
//   1. the source: a path under the host's allowed roots (the rule bind mounts follow), or a git
//      repository cloned into a temporary directory (file:// only under the allowed roots),
//      removed when the build ends; the context (`settings.context`) and the app's own Dockerfile
//      (`settings.dockerfile`) must stay inside it, symlinks included;
//   2. the Dockerfile: the language detected in the context (lib/build detectSource) and the
//      generated Dockerfile (lib/build generateDockerfile), the app's Dockerfile as its base
//      stage when it has one; nothing is written to the source tree;
//   3. the tag: `<repository>:<first 12 hex of the inputs hash>` (inputs-hash.ts). When the
//      engine has that image already, the answer is `prepared{reused}` and `finished` at once;
//   4. the build: the requested builder, else the host's default (the agent's --builder, else
//      BuildKit when the engine has it, else the Docker API), with progress streamed as events.
//
// Requests for the same tag while one runs share that run: each gets every event from the start,
// and the build is cancelled only when every one of them has gone. Images carry the labels
// io.devopsmaestro.managed=true and io.devopsmaestro.workspace=<eco>/<dom>/<app>/<ws>.
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { detectSource } from '../../lib/build/detect-language';
import { createDockerignoreMatcher } from '../../lib/build/dockerignore';
import { generateDockerfile } from '../../lib/build/dockerfile';
import type {
  BuildOutcome,
  BuildProgress,
  EffectiveBuildSettings,
  Sourced,
} from '../../lib/build/build-types';
import { AppError, invalid, isAppError, notFound, type FieldError } from '../../lib/errors';
import { LABELS, checkMounts, type WorkspaceRef } from '../runtime/container-runtime';
import { translateEngineError } from '../runtime/docker-errors';
import { checkGitSource, cloneRepository, redactUrl } from '../runtime/git-source';
import { engineBuildFeatures, type DockerConnection } from '../runtime/docker-runtime';
import { createBuildKitBuilder } from './buildkit/index';
import { listContext } from './context-tar';
import { DockerApiBuilder, readDockerignore } from './docker-api-builder';
import { directoryReader } from './fs-source-reader';
import type { ImageBuilder } from './image-builder';
import { inputsHash } from './inputs-hash';

export const BUILDER_NAMES = ['docker-api', 'buildkit'] as const;
export type BuilderName = (typeof BUILDER_NAMES)[number];

export interface BuildRequest {
  /** The control plane's id, for the agent's log. */
  buildId: string;
  workspace: WorkspaceRef;
  source: { path: string } | { git: { url: string; ref?: string } };
  settings: EffectiveBuildSettings;
  /** e.g. `dvm/platform-backend-api-dev`; the tag is `<repository>:<hash>`. */
  repository: string;
  builder?: string;
  noCache?: boolean;
  secrets?: Record<string, string>;
}

export type BuildEvent =
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

export type BuildLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields: Record<string, unknown>,
) => void;

export interface BuildServiceOptions {
  connection: DockerConnection;
  /** Host path roots sources may come from (the same policy as bind mounts). */
  allowedRoots: readonly string[];
  /** The host's builder (the agent's --builder / DVM_AGENT_BUILDER); unset: the best available. */
  defaultBuilder?: BuilderName;
  /** Builders by name; default: the Docker API builder and BuildKit over gRPC on this engine. */
  builders?: Partial<Record<BuilderName, ImageBuilder>>;
  cloneTimeoutMs?: number;
  log?: BuildLog;
}

const MAX_APP_DOCKERFILE_BYTES = 1024 * 1024;
const ENGINE_TIMEOUT_MS = 5_000;
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const REGISTRY_HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/;

/** A Docker repository name (`[registry[:port]/]path/name`, lowercase path components). */
function checkRepository(repository: string): string | undefined {
  if (typeof repository !== 'string' || repository === '') return 'Required.';
  if (repository.length > 200) return 'At most 200 characters.';
  const parts = repository.split('/');
  const first = parts[0]!;
  const hasRegistry =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry && !REGISTRY_HOST.test(first)) return `"${first}" is not a registry host.`;
  const path = hasRegistry ? parts.slice(1) : parts;
  if (path.some((c) => !COMPONENT.test(c))) {
    return 'Lowercase letters, digits and separators (".", "_", "-") between "/"-separated parts.';
  }
  return undefined;
}

function checkRequest(request: BuildRequest): void {
  const errors: FieldError[] = [];
  for (const key of ['ecosystem', 'domain', 'app', 'workspace'] as const) {
    const value = request.workspace?.[key];
    if (typeof value !== 'string' || value === '' || value.includes('/')) {
      errors.push({ path: `workspace.${key}`, message: 'Required, without "/".' });
    }
  }
  const repository = checkRepository(request.repository);
  if (repository) errors.push({ path: 'repository', message: repository });
  if (request.builder && !(BUILDER_NAMES as readonly string[]).includes(request.builder)) {
    errors.push({ path: 'builder', message: `Use ${BUILDER_NAMES.join(' or ')}.` });
  }
  if ('path' in request.source) {
    if (!path.isAbsolute(request.source.path)) {
      errors.push({ path: 'source.path', message: 'An absolute path on the host.' });
    }
  } else if (!('git' in request.source) || !request.source.git?.url) {
    errors.push({ path: 'source', message: 'A path or a git repository.' });
  }
  if (errors.length > 0) throw invalid('The build request is invalid.', errors);
}

function within(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/**
 * `relative` under `root` (a real path), following symlinks: INVALID naming `field` when it
 * leaves `root`, NOT_FOUND when it does not exist.
 */
async function inside(root: string, relative: string, field: string): Promise<string> {
  if (path.isAbsolute(relative)) {
    throw invalid(`${field} must be relative to the source, not "${relative}".`, [
      { path: field, message: 'A relative path.' },
    ]);
  }
  const lexical = path.resolve(root, relative);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    if (!within(lexical, root)) {
      throw invalid(`${field} "${relative}" leaves the source.`, [
        { path: field, message: 'Must stay inside the source.' },
      ]);
    }
    throw notFound(`${field} "${relative}" does not exist in the source.`);
  }
  if (!within(real, root)) {
    throw invalid(`${field} "${relative}" leaves the source.`, [
      { path: field, message: 'Must stay inside the source (symlinks included).' },
    ]);
  }
  return real;
}

interface ResolvedSource {
  /** Real path of the source root. */
  root: string;
  /** Removes what was made for this build (a clone). */
  cleanup(): Promise<void>;
}

/** One build's events, shared by every request for the same tag. */
class SharedRun {
  private readonly events: BuildEvent[] = [];
  private readonly listeners = new Set<(event: BuildEvent) => void>();
  private subscribers = 0;
  readonly controller = new AbortController();
  done!: Promise<BuildOutcome>;

  emit(event: BuildEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }

  /** Replays the events so far, then follows; leaving (the signal) may cancel the build. */
  follow(onEvent: (event: BuildEvent) => void, signal: AbortSignal): Promise<BuildOutcome> {
    for (const event of this.events) onEvent(event);
    this.listeners.add(onEvent);
    this.subscribers += 1;
    return new Promise<BuildOutcome>((resolve, reject) => {
      const leave = () => {
        this.listeners.delete(onEvent);
        this.subscribers -= 1;
        if (this.subscribers === 0) this.controller.abort();
        resolve({ status: 'cancelled' });
      };
      if (signal.aborted) return leave();
      signal.addEventListener('abort', leave, { once: true });
      this.done.then(
        (outcome) => {
          signal.removeEventListener('abort', leave);
          this.listeners.delete(onEvent);
          resolve(outcome);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', leave);
          this.listeners.delete(onEvent);
          reject(error);
        },
      );
    });
  }
}

export class BuildService {
  private readonly docker: Docker;
  private readonly where: string;
  private readonly allowedRoots: readonly string[];
  private readonly defaultBuilder: BuilderName | undefined;
  private readonly instances: Partial<Record<BuilderName, ImageBuilder>>;
  private readonly cloneTimeoutMs: number | undefined;
  private readonly log: BuildLog;
  private readonly runs = new Map<string, SharedRun>();

  constructor(options: BuildServiceOptions) {
    this.docker = new Docker(options.connection);
    const c = options.connection;
    this.where =
      'socketPath' in c ? `unix://${c.socketPath}` : `${c.protocol}://${c.host}:${c.port}`;
    this.allowedRoots = options.allowedRoots;
    this.defaultBuilder = options.defaultBuilder;
    this.cloneTimeoutMs = options.cloneTimeoutMs;
    this.log = options.log ?? (() => undefined);
    this.instances = options.builders ?? defaultBuilders(options.connection);
  }

  /**
   * The builders this host offers now (Info.builders): `docker-api` whenever the engine answers,
   * `buildkit` too when it has BuildKit (and the agent has that builder). UNAVAILABLE when the
   * engine does not answer.
   */
  async builders(timeoutMs = ENGINE_TIMEOUT_MS): Promise<BuilderName[]> {
    let buildKit: boolean;
    try {
      buildKit = (await engineBuildFeatures(this.docker, timeoutMs)).buildKit;
    } catch (error) {
      throw translateEngineError(error, 'the build features', this.where);
    }
    return BUILDER_NAMES.filter(
      (name) => this.instances[name] !== undefined && (name !== 'buildkit' || buildKit),
    );
  }

  /** Which builder a request gets: the one it names, else the host's default, else the best. */
  private async chooseBuilder(requested: string | undefined): Promise<[BuilderName, ImageBuilder]> {
    const available = await this.builders();
    const name = (requested || this.defaultBuilder) as BuilderName | undefined;
    if (name) {
      const builder = this.instances[name];
      if (!builder || !available.includes(name)) {
        throw new AppError(
          'NOT_IMPLEMENTED',
          name === 'buildkit'
            ? `The builder "buildkit" is not available on this host: the engine at ${this.where} has no BuildKit.`
            : `The builder "${name}" is not available on this host (available: ${available.join(', ') || 'none'}).`,
        );
      }
      return [name, builder];
    }
    const best: BuilderName = available.includes('buildkit') ? 'buildkit' : 'docker-api';
    const builder = this.instances[best];
    if (!builder) throw new AppError('NOT_IMPLEMENTED', 'This agent has no image builder.');
    return [best, builder];
  }

  private async resolveSource(request: BuildRequest): Promise<ResolvedSource> {
    if ('path' in request.source) {
      let checked: string;
      try {
        checked = checkMounts(
          [{ source: request.source.path, target: '/workspace' }],
          this.allowedRoots,
        )[0]!.source;
      } catch (error) {
        const why = isAppError(error) ? (error.errors[0]?.message ?? error.message) : String(error);
        throw invalid(`The source cannot be built: ${why}`, [
          { path: 'source.path', message: why },
        ]);
      }
      const info = await stat(checked).catch(() => undefined);
      if (!info)
        throw notFound(`The source path ${request.source.path} does not exist on this host.`);
      if (!info.isDirectory()) {
        throw invalid(`The source path ${request.source.path} is not a directory.`, [
          { path: 'source.path', message: 'A directory.' },
        ]);
      }
      return { root: await realpath(checked), cleanup: async () => undefined };
    }
    const git = request.source.git;
    const asGitSource = {
      url: git.url,
      ref: git.ref,
      volume: 'build-source',
      target: '/workspace',
    };
    const errors = checkGitSource(asGitSource).map((e) => ({
      path: e.path.replace(/^gitSource/, 'source.git'),
      message: e.message,
    }));
    if (errors.length > 0) throw invalid('The git source is invalid.', errors);
    if (git.url.startsWith('file:')) this.checkLocalRepository(git.url);
    const tmp = await mkdtemp(path.join(tmpdir(), 'dvm-build-src-'));
    const cleanup = () => rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    try {
      const dir = path.join(tmp, 'src');
      await cloneRepository(asGitSource, dir, {
        ...(this.cloneTimeoutMs !== undefined && { timeoutMs: this.cloneTimeoutMs }),
      });
      return { root: await realpath(dir), cleanup };
    } catch (error) {
      await cleanup();
      if (isAppError(error) && error.code === 'INVALID') {
        throw invalid(
          error.message,
          error.errors.map((e) => ({ ...e, path: e.path.replace(/^gitSource/, 'source.git') })),
        );
      }
      throw error;
    }
  }

  /** A file:// repository is read with the agent's rights: only under the allowed roots. */
  private checkLocalRepository(url: string): void {
    let repository: string;
    try {
      repository = decodeURIComponent(new URL(url).pathname);
    } catch {
      throw invalid(`${redactUrl(url)} is not a valid URL.`, [
        { path: 'source.git.url', message: 'Not a valid URL.' },
      ]);
    }
    try {
      checkMounts([{ source: repository, target: '/workspace' }], this.allowedRoots);
    } catch (error) {
      const why = isAppError(error) ? (error.errors[0]?.message ?? error.message) : String(error);
      throw invalid(`The git repository ${redactUrl(url)} cannot be cloned: ${why}`, [
        { path: 'source.git.url', message: why },
      ]);
    }
  }

  /** The engine's id for `image`, or empty when it does not have it. */
  private async imageId(image: string): Promise<string> {
    try {
      return (await this.docker.getImage(image).inspect()).Id;
    } catch (error) {
      // 404: not there; 400: not an image reference (a base described as an app's stage).
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404 || status === 400) return '';
      throw translateEngineError(error, `image "${image}"`, this.where);
    }
  }

  /**
   * Runs (or joins, or reuses) the build; `onEvent` gets `prepared`, progress and `finished` in
   * order. Resolves with the outcome (also after `signal` aborted: `cancelled`); rejects with an
   * AppError when the request cannot be built at all.
   */
  async build(
    request: BuildRequest,
    onEvent: (event: BuildEvent) => void,
    signal: AbortSignal,
  ): Promise<BuildOutcome> {
    checkRequest(request);
    const [builderName, builder] = await this.chooseBuilder(request.builder);
    if (
      builderName === 'docker-api' &&
      request.secrets &&
      Object.keys(request.secrets).length > 0
    ) {
      throw new AppError(
        'NOT_IMPLEMENTED',
        'build secrets need the BuildKit builder: the Docker API /build cannot mount secrets without a session.',
      );
    }
    const source = await this.resolveSource(request);
    let handedOver = false;
    try {
      const { settings } = request;
      const contextDir = await inside(
        source.root,
        settings.context?.value ?? '.',
        'settings.context',
      );
      if (!(await stat(contextDir)).isDirectory()) {
        throw invalid(`The build context "${settings.context?.value}" is not a directory.`, [
          { path: 'settings.context', message: 'A directory.' },
        ]);
      }
      let appDockerfileText: string | undefined;
      if (settings.dockerfile) {
        const file = await inside(contextDir, settings.dockerfile.value, 'settings.dockerfile');
        const info = await stat(file);
        if (!info.isFile() || info.size > MAX_APP_DOCKERFILE_BYTES) {
          throw invalid(
            `The app's Dockerfile "${settings.dockerfile.value}" is not a file of at most 1 MiB.`,
            [{ path: 'settings.dockerfile', message: 'A file of at most 1 MiB.' }],
          );
        }
        appDockerfileText = await readFile(file, 'utf8');
      }
      const ignore = createDockerignoreMatcher(await readDockerignore(contextDir));
      const entries = await listContext(contextDir, ignore);
      const detected = await detectSource(directoryReader(contextDir));
      const generated = generateDockerfile({
        settings,
        detected,
        ...(appDockerfileText !== undefined && { appDockerfileText }),
      });
      const buildArgs = Object.fromEntries(
        Object.entries(settings.args ?? {}).map(([key, value]) => [key, value.value]),
      );
      const { ecosystem, domain, app, workspace } = request.workspace;
      const labels = {
        [LABELS.managed]: 'true',
        [LABELS.workspace]: `${ecosystem}/${domain}/${app}/${workspace}`,
      };
      const hash = inputsHash({
        dockerfile: generated.text,
        buildArgs,
        // The generated Dockerfile's last stage is the one built; the app's target stage is part
        // of its text, and counted here too.
        ...(settings.target && { target: settings.target.value }),
        labels,
        baseImageId: await this.imageId(generated.baseImage.value),
        entries,
      });
      const tag = `${request.repository}:${hash.slice(0, 12)}`;

      const running = this.runs.get(tag);
      if (running) {
        this.log('info', 'build joins the one running for the same tag', {
          buildId: request.buildId,
          tag,
        });
        return await running.follow(onEvent, signal);
      }
      const run = new SharedRun();
      this.runs.set(tag, run);
      handedOver = true;
      const prepared = (reused: boolean): BuildEvent => ({
        type: 'prepared',
        builder: builderName,
        dockerfile: generated.text,
        tag,
        inputsHash: hash,
        baseImage: generated.baseImage,
        ...(generated.language && { language: generated.language }),
        reused,
      });
      run.done = (async (): Promise<BuildOutcome> => {
        try {
          // no_cache asks for a real build: an image with this tag is replaced, not reused.
          const existing = request.noCache ? '' : await this.imageId(tag);
          if (existing) {
            const outcome: BuildOutcome = { status: 'succeeded', imageId: existing, tags: [tag] };
            run.emit(prepared(true));
            run.emit({ type: 'finished', outcome });
            this.log('info', 'build reused an image', { buildId: request.buildId, tag });
            return outcome;
          }
          run.emit(prepared(false));
          this.log('info', 'build started', {
            buildId: request.buildId,
            tag,
            builder: builderName,
          });
          const started = Date.now();
          const outcome = await builder.build(
            {
              dir: contextDir,
              dockerfile: generated.text,
              tags: [tag],
              buildArgs,
              ...(request.secrets && { secrets: request.secrets }),
              ...(request.noCache && { noCache: true }),
              labels,
              signal: run.controller.signal,
            },
            (event) => run.emit(event),
          );
          run.emit({ type: 'finished', outcome });
          this.log('info', 'build finished', {
            buildId: request.buildId,
            tag,
            status: outcome.status,
            ms: Date.now() - started,
          });
          return outcome;
        } finally {
          this.runs.delete(tag);
          await source.cleanup();
        }
      })();
      run.done.catch(() => undefined); // followers see the rejection; nobody else must
      return await run.follow(onEvent, signal);
    } finally {
      if (!handedOver) await source.cleanup();
    }
  }
}

/** The Docker API builder, and BuildKit over the engine's `/grpc` when the engine is local or plain TCP. */
function defaultBuilders(connection: DockerConnection): Partial<Record<BuilderName, ImageBuilder>> {
  const builders: Partial<Record<BuilderName, ImageBuilder>> = {
    'docker-api': new DockerApiBuilder({ connection }),
  };
  if ('socketPath' in connection) {
    builders.buildkit = createBuildKitBuilder({ docker: { socketPath: connection.socketPath } });
  } else if (connection.protocol === 'http') {
    builders.buildkit = createBuildKitBuilder({
      docker: { host: connection.host, port: connection.port },
    });
  }
  return builders;
}
