// ImageBuilder over the Docker API: `POST /build` with the context as a tar body. The tar holds the
// files .dockerignore keeps plus the Dockerfile to build as an extra entry under a directory no
// file of the context uses (`.dvm/Dockerfile.<hash>`), so nothing is written to the source tree.
// BuildKit mode (`version=2`) where the engine has it, the classic builder (`version=1`) where it
// does not; `networkmode=none` because build containers get no network by default here (and the
// engines we run have no bridge at all).
//
// The request goes through dockerode's own HTTP layer (`docker.modem.dial`, what `buildImage`
// calls) rather than `buildImage` itself: for `version: '2'` dockerode 5 also opens a `/session`
// (for registry credentials, which we never send) and closes it only when the response ends, so
// every cancelled build would leak that hijacked connection.
//
// Progress: `moby.buildkit.trace` aux lines (BuildKit) or `stream` text (classic), see
// build-progress.ts. A failed build still ends with HTTP 200 and an `error` line. Cancelling (the
// spec's signal) destroys the request and its response: the engine cancels the build, BuildKit
// kills the RUN process, the classic builder removes its container (`forcerm`).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import Docker from 'dockerode';
import { createDockerignoreMatcher } from '../../lib/build/dockerignore';
import { AppError, invalid, isAppError } from '../../lib/errors';
import { LABELS } from '../runtime/container-runtime';
import { translateEngineError } from '../runtime/docker-errors';
import { engineBuildFeatures, type DockerConnection } from '../runtime/docker-runtime';
import { BuildKitProgress, ClassicProgress, decodeTrace, exitCodeIn } from './build-progress';
import {
  freeExtraDir,
  listContext,
  memoryDir,
  memoryFile,
  tarStream,
  type ContextEntry,
} from './context-tar';
import type { BuildContextSpec, BuildOutcome, BuildProgress, ImageBuilder } from './image-builder';

export type DockerApiMode = 'auto' | 'buildkit' | 'classic';

export interface DockerApiBuilderOptions {
  connection: DockerConnection;
  /** `auto` (default): BuildKit when the engine has it, else the classic builder. */
  mode?: DockerApiMode;
}

/** One line of the engine's build stream (newline-delimited JSON). */
interface BuildLine {
  id?: string;
  stream?: string;
  status?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/** The context and Dockerfile as the engine will receive them. */
export interface PreparedContext {
  entries: ContextEntry[];
  /** Where the Dockerfile sits inside the tar. */
  dockerfilePath: string;
}

/** Reads `.dockerignore` from the context (absent: nothing excluded). */
export async function readDockerignore(dir: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, '.dockerignore'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new AppError('INVALID', `The context's .dockerignore cannot be read (${code}).`, {
      cause: error,
    });
  }
}

/**
 * The context's entries after .dockerignore, plus the Dockerfile under a directory of its own.
 * `entries` may be given when the caller has listed the context already (the inputs hash).
 */
export async function prepareContext(
  dir: string,
  dockerfile: string,
  entries?: ContextEntry[],
): Promise<PreparedContext> {
  const listed =
    entries ?? (await listContext(dir, createDockerignoreMatcher(await readDockerignore(dir))));
  const extraDir = freeExtraDir(listed);
  const hash = createHash('sha256').update(dockerfile).digest('hex').slice(0, 12);
  const dockerfilePath = `${extraDir}/Dockerfile.${hash}`;
  return {
    entries: [...listed, memoryDir(extraDir), memoryFile(dockerfilePath, dockerfile)],
    dockerfilePath,
  };
}

/** Splits a byte stream of newline-delimited JSON into parsed lines. */
function jsonLines(onLine: (line: BuildLine) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (text === '') continue;
      try {
        onLine(JSON.parse(text) as BuildLine);
      } catch {
        onLine({ stream: `${text}\n` });
      }
    }
  };
}

function describeConnection(connection: DockerConnection): string {
  return 'socketPath' in connection
    ? `unix://${connection.socketPath}`
    : `${connection.protocol}://${connection.host}:${connection.port}`;
}

export class DockerApiBuilder implements ImageBuilder {
  readonly name = 'docker-api';
  private readonly docker: Docker;
  private readonly mode: DockerApiMode;
  private readonly where: string;
  private buildKit: Promise<boolean> | undefined;

  constructor(options: DockerApiBuilderOptions) {
    this.docker = new Docker(options.connection);
    this.mode = options.mode ?? 'auto';
    this.where = describeConnection(options.connection);
  }

  /** Whether builds use BuildKit (`version=2`) on this engine. */
  usesBuildKit(): Promise<boolean> {
    if (this.mode !== 'auto') return Promise.resolve(this.mode === 'buildkit');
    this.buildKit ??= engineBuildFeatures(this.docker, 5_000).then(
      (features) => features.buildKit,
      (error: unknown) => {
        this.buildKit = undefined;
        throw error;
      },
    );
    return this.buildKit;
  }

  async build(
    spec: BuildContextSpec,
    onProgress: (event: BuildProgress) => void,
  ): Promise<BuildOutcome> {
    checkSpec(spec);
    if (spec.signal?.aborted) return { status: 'cancelled' };
    const buildKit = await this.usesBuildKit();
    const context = await prepareContext(spec.dir, spec.dockerfile);
    return this.send(spec, context, buildKit, onProgress);
  }

  /** Sends a prepared context (the build service has listed it already for the inputs hash). */
  async buildPrepared(
    spec: BuildContextSpec,
    context: PreparedContext,
    onProgress: (event: BuildProgress) => void,
  ): Promise<BuildOutcome> {
    checkSpec(spec);
    if (spec.signal?.aborted) return { status: 'cancelled' };
    return this.send(spec, context, await this.usesBuildKit(), onProgress);
  }

  private async send(
    spec: BuildContextSpec,
    context: PreparedContext,
    buildKit: boolean,
    onProgress: (event: BuildProgress) => void,
  ): Promise<BuildOutcome> {
    const tar = tarStream(context.entries);
    const controller = new AbortController();
    const signal = spec.signal;
    const abort = () => controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        this.docker.modem.dial(
          {
            path: '/build?',
            method: 'POST',
            options: {
              // dockerode's query string repeats arrays (t=a&t=b) and JSON-encodes objects.
              t: spec.tags,
              dockerfile: context.dockerfilePath,
              ...(spec.buildArgs &&
                Object.keys(spec.buildArgs).length > 0 && { buildargs: spec.buildArgs }),
              ...(spec.target && { target: spec.target }),
              ...(spec.noCache && { nocache: true }),
              labels: { ...spec.labels, [LABELS.managed]: 'true' },
              networkmode: 'none',
              version: buildKit ? '2' : '1',
              // Classic builder: remove intermediate containers even when a step fails.
              ...(!buildKit && { rm: true, forcerm: true }),
            },
            file: tar,
            isStream: true,
            abortSignal: controller.signal,
            statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
          },
          (error, result) =>
            error ? reject(error) : resolve(result as unknown as IncomingMessage),
        );
      });
    } catch (error) {
      tar.destroy();
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) return { status: 'cancelled' };
      if (isAppError(error)) throw error; // the tar could not read the context
      throw this.refused(error);
    }
    try {
      return await this.follow(response, spec, buildKit, controller.signal, onProgress);
    } finally {
      signal?.removeEventListener('abort', abort);
      tar.destroy();
      response.destroy();
    }
  }

  private follow(
    response: IncomingMessage,
    spec: BuildContextSpec,
    buildKit: boolean,
    signal: AbortSignal,
    onProgress: (event: BuildProgress) => void,
  ): Promise<BuildOutcome> {
    const kit = new BuildKitProgress(onProgress);
    const classic = new ClassicProgress(onProgress);
    let imageId: string | undefined;
    let failure: { message: string; code?: number } | undefined;

    const onLine = (line: BuildLine) => {
      if (line.id === 'moby.buildkit.trace' && typeof line.aux === 'string') {
        kit.update(decodeTrace(line.aux));
      } else if (line.aux && typeof (line.aux as { ID?: unknown }).ID === 'string') {
        imageId = (line.aux as { ID: string }).ID;
      } else if (line.error !== undefined || line.errorDetail) {
        failure ??= {
          message: line.errorDetail?.message ?? line.error ?? 'The build failed.',
          ...(typeof line.errorDetail?.code === 'number' && { code: line.errorDetail.code }),
        };
      } else if (typeof line.stream === 'string') {
        // BuildKit mode only says "Successfully tagged …" here; the classic builder says it all.
        if (!buildKit) classic.text(line.stream);
      } else if (typeof line.status === 'string' && !buildKit) {
        onProgress({ type: 'log', stream: 'stdout', text: `${line.status}\n` });
      }
    };

    return new Promise<BuildOutcome>((resolve, reject) => {
      const parse = jsonLines(onLine);
      let settled = false;
      const settle = (outcome: BuildOutcome | AppError) => {
        if (settled) return;
        settled = true;
        if (outcome instanceof AppError) reject(outcome);
        else resolve(outcome);
      };
      const cancelled = () => {
        response.destroy();
        settle({ status: 'cancelled' });
      };
      if (signal.aborted) return cancelled();
      signal.addEventListener('abort', cancelled, { once: true });
      response.on('data', (chunk: Buffer) => {
        try {
          parse(chunk);
        } catch (error) {
          response.destroy();
          settle(
            new AppError('INTERNAL', 'The build progress could not be read.', { cause: error }),
          );
        }
      });
      response.on('error', (error) => {
        if (signal.aborted) return cancelled();
        settle(
          new AppError(
            'UNAVAILABLE',
            `The container engine at ${this.where} broke off the build: ${error.message}`,
            { cause: error },
          ),
        );
      });
      response.on('close', () => {
        signal.removeEventListener('abort', cancelled);
        if (signal.aborted) return cancelled();
        if (!response.complete) {
          settle(
            new AppError(
              'UNAVAILABLE',
              `The container engine at ${this.where} closed the build stream before the end.`,
            ),
          );
          return;
        }
        if (failure) {
          classic.end(failure.message);
          const exitCode = failure.code ?? exitCodeIn(failure.message);
          const failedStep = buildKit ? kit.failedStep()?.name : classic.failedStep();
          settle({
            status: 'failed',
            message: failure.message,
            ...(failedStep !== undefined && { failedStep }),
            ...(exitCode !== undefined && { exitCode }),
          });
          return;
        }
        classic.end();
        if (imageId) {
          settle({ status: 'succeeded', imageId, tags: [...spec.tags] });
          return;
        }
        // Older engines say only "Successfully built <short id>": ask the engine for the tag.
        this.docker
          .getImage(spec.tags[0]!)
          .inspect()
          .then(
            (info) => settle({ status: 'succeeded', imageId: info.Id, tags: [...spec.tags] }),
            () =>
              settle({
                status: 'failed',
                message: 'The engine ended the build without reporting an image.',
              }),
          );
      });
    });
  }

  /** The engine refused the request itself (HTTP 4xx/5xx) or could not be reached. */
  private refused(error: unknown): AppError {
    const e = error as { statusCode?: number; json?: { message?: string } | null };
    if (e.statusCode === 400 || e.statusCode === 500) {
      const message = e.json?.message ?? 'the engine refused the build';
      return invalid(`The engine refused the build: ${message}`, [{ path: 'dockerfile', message }]);
    }
    return translateEngineError(error, 'the build', this.where);
  }
}

function checkSpec(spec: BuildContextSpec): void {
  if (spec.secrets && Object.keys(spec.secrets).length > 0) {
    throw new AppError(
      'NOT_IMPLEMENTED',
      'build secrets need the BuildKit builder: the Docker API /build cannot mount secrets without a session.',
    );
  }
  const errors = [];
  if (!path.isAbsolute(spec.dir)) errors.push({ path: 'dir', message: 'An absolute directory.' });
  if (spec.tags.length === 0) errors.push({ path: 'tags', message: 'At least one tag.' });
  if (spec.dockerfile.trim() === '') errors.push({ path: 'dockerfile', message: 'Required.' });
  if (errors.length > 0) throw invalid('The build spec is invalid.', errors);
}
