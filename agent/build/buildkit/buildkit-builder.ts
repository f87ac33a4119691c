// The BuildKit ImageBuilder: one build = one Control connection, one session (context, Dockerfile,
// secrets) and one Solve with the Dockerfile frontend, its progress read from Control/Status.
// Everything a build opens (proxy socket, channel, session server) is closed when it ends, whether
// it succeeded, failed, was cancelled or the builder could not be reached.
import { createHash, randomUUID } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import Docker from 'dockerode';
import {
  createDockerignoreMatcher,
  type DockerignoreMatcher,
} from '../../../lib/build/dockerignore';
import type { BuildOutcome, BuildProgress } from '../../../lib/build/build-types';
import { AppError, invalid } from '../../../lib/errors';
import type { BuildContextSpec, ImageBuilder } from '../image-builder';
import { openControl, type BuildKitTarget, type ControlConnection } from './connection';
import { directorySource, virtualSource } from './context-source';
import type { EngineAddress } from './h2c-proxy';
import { StatusTranslator, exitCodeOf } from './progress';
import type { SolveResponse, StatusResponse, WorkerRecord } from './protos';
import { startSession } from './session';
import { checkSolveInput, solveRequest } from './solve-request';

export type BuildKitLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface BuildKitBuilderOptions {
  target: BuildKitTarget;
  /** Target platform for the Dockerfile frontend, e.g. `linux/amd64`. */
  platform?: string;
  /** Where each build's private proxy socket directory is made; default the OS temp dir. */
  socketDir?: string;
  logger?: BuildKitLog;
}

const LIST_WORKERS_TIMEOUT_MS = 10_000;
/** After Solve returns, how long the last progress may take to arrive. */
const STATUS_DRAIN_MS = 3_000;

/** The engine a moby worker exports into, for checking the result. */
function dockerFor(engine: EngineAddress): Docker {
  return new Docker(
    'socketPath' in engine
      ? { socketPath: engine.socketPath }
      : { host: engine.host, port: engine.port, protocol: 'http' },
  );
}

function unavailable(where: string, detail: string, cause?: unknown): AppError {
  return new AppError('UNAVAILABLE', `BuildKit (${where}) cannot be reached: ${detail}`, { cause });
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && 'details' in error;
}

export class BuildKitBuilder implements ImageBuilder {
  readonly name = 'buildkit';
  private readonly target: BuildKitTarget;
  private readonly platform: string | undefined;
  private readonly socketDir: string | undefined;
  private readonly log: BuildKitLog;

  constructor(options: BuildKitBuilderOptions) {
    this.target = options.target;
    this.platform = options.platform;
    this.socketDir = options.socketDir;
    this.log = options.logger ?? (() => undefined);
  }

  async build(
    spec: BuildContextSpec,
    onProgress: (event: BuildProgress) => void,
  ): Promise<BuildOutcome> {
    const { dir, ignore } = await this.checkSpec(spec);
    if (spec.signal?.aborted) return { status: 'cancelled' };

    const connection = await openControl(this.target, this.socketDir);
    try {
      const worker = await this.worker(connection);
      this.checkExporter(connection, worker);
      if (spec.signal?.aborted) return { status: 'cancelled' };
      return await this.solve(connection, spec, dir, ignore, onProgress);
    } finally {
      await connection.close();
    }
  }

  private async checkSpec(
    spec: BuildContextSpec,
  ): Promise<{ dir: string; ignore: DockerignoreMatcher | undefined }> {
    if (!path.isAbsolute(spec.dir)) {
      throw invalid('The build context must be an absolute directory.', [
        { path: 'dir', message: `"${spec.dir}" is not absolute.` },
      ]);
    }
    const dir = await realpath(spec.dir).catch(() => undefined);
    const info = dir ? await stat(dir).catch(() => undefined) : undefined;
    if (!dir || !info?.isDirectory()) {
      throw invalid(`The build context ${spec.dir} is not a directory on this host.`, [
        { path: 'dir', message: 'No such directory.' },
      ]);
    }
    if (!spec.dockerfile.trim()) {
      throw invalid('The Dockerfile is empty.', [{ path: 'dockerfile', message: 'Empty.' }]);
    }
    checkSolveInput({
      tags: spec.tags,
      buildArgs: spec.buildArgs,
      labels: spec.labels,
      target: spec.target,
    });
    const text = await readFile(path.join(dir, '.dockerignore'), 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw invalid(`The context's .dockerignore cannot be read: ${error.message}`);
      },
    );
    // Parsed here so that a malformed file fails the request before anything starts.
    return { dir, ignore: text === undefined ? undefined : createDockerignoreMatcher(text) };
  }

  /** The first worker; also proves the connection works before a session is opened. */
  private async worker(connection: ControlConnection): Promise<WorkerRecord | undefined> {
    try {
      const response = await new Promise<{ record: WorkerRecord[] }>((resolve, reject) =>
        connection.control.ListWorkers(
          { filter: [] },
          { deadline: Date.now() + LIST_WORKERS_TIMEOUT_MS },
          (error, result) => (error || !result ? reject(error) : resolve(result)),
        ),
      );
      return response.record[0];
    } catch (error) {
      const detail =
        connection.lastError() ?? (isServiceError(error) ? error.details : String(error));
      throw unavailable(connection.where, detail, error);
    }
  }

  /**
   * A Docker engine's BuildKit (reached through the engine, or a dockerd's BuildKit at an address:
   * worker `moby`) exports into the engine's image store. A standalone
   * buildkitd has no such store: its images must be pushed to a registry (exporter `image`,
   * `push=true`), which could not be verified here (no buildkitd, no registry), so it is refused
   * with the reason rather than attempted blind.
   */
  private checkExporter(connection: ControlConnection, worker: WorkerRecord | undefined): void {
    if (connection.embedded || worker?.ID === 'moby') return;
    throw new AppError(
      'NOT_IMPLEMENTED',
      `${connection.where} has no Docker image store (worker "${worker?.ID ?? 'none'}"): ` +
        'pushing the image to a registry from a standalone buildkitd is not supported yet. ' +
        "Use the engine's embedded BuildKit or the docker-api builder on this host.",
    );
  }

  private async solve(
    connection: ControlConnection,
    spec: BuildContextSpec,
    dir: string,
    ignore: DockerignoreMatcher | undefined,
    onProgress: (event: BuildProgress) => void,
  ): Promise<BuildOutcome> {
    const { control } = connection;
    const ref = randomUUID();
    const sessionId = randomUUID();
    const started = Date.now();
    const log = this.log;
    const session = startSession(control, {
      id: sessionId,
      name: 'dvm-agent',
      sharedKey: createHash('sha256').update(`dvm-context:${dir}`).digest('hex').slice(0, 32),
      dirs: {
        context: directorySource(dir, ignore),
        dockerfile: virtualSource({ Dockerfile: Buffer.from(spec.dockerfile, 'utf8') }),
      },
      secrets: spec.secrets ?? {},
      log: (msg, fields) => log('debug', msg, { ref, ...fields }),
    });

    const translator = new StatusTranslator();
    let reported = false;
    const emit = (event: BuildProgress) => {
      reported = true;
      try {
        onProgress(event);
      } catch (error) {
        log('warn', 'build progress listener threw', { ref, error: String(error) });
      }
    };

    const status = control.Status({ Ref: ref });
    const statusDone = new Promise<void>((resolve) => {
      status.on('data', (response: StatusResponse) => {
        for (const event of translator.translate(response)) emit(event);
      });
      status.on('error', () => resolve());
      status.on('end', () => resolve());
    });

    let cancelled = false;
    let solveCall: grpc.ClientUnaryCall | undefined;
    const onAbort = () => {
      cancelled = true;
      solveCall?.cancel();
      status.cancel();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      const request = solveRequest({
        ref,
        sessionId,
        tags: spec.tags,
        buildArgs: spec.buildArgs,
        labels: spec.labels,
        target: spec.target,
        noCache: spec.noCache,
        platform: this.platform,
      });
      log('debug', 'buildkit solve', { ref, where: connection.where, tags: spec.tags });
      const result = await new Promise<{ response?: SolveResponse; error?: grpc.ServiceError }>(
        (resolve) => {
          solveCall = control.Solve(request, new grpc.Metadata(), {}, (error, response) =>
            resolve(error ? { error } : { response }),
          );
          if (spec.signal?.aborted) onAbort();
        },
      );
      // Let the last vertices and logs arrive before the outcome, so listeners see them first.
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        statusDone,
        new Promise((resolve) => (drainTimer = setTimeout(resolve, STATUS_DRAIN_MS))),
      ]);
      clearTimeout(drainTimer);
      status.cancel();

      // A cancel that came after BuildKit finished does not undo the image.
      if (cancelled && result.error) {
        log('info', 'buildkit build cancelled', { ref, ms: Date.now() - started });
        return { status: 'cancelled' };
      }
      if (result.error) return this.failure(connection, result.error, translator, reported);
      const imageId = result.response?.ExporterResponse['containerimage.digest'];
      if (!imageId) {
        return { status: 'failed', message: 'BuildKit finished without reporting an image.' };
      }
      if ('docker' in this.target) {
        const present = await dockerFor(this.target.docker)
          .getImage(imageId)
          .inspect()
          .then(() => true)
          .catch(() => false);
        if (!present) {
          return {
            status: 'failed',
            message: `BuildKit reported image ${imageId}, but the engine does not have it.`,
          };
        }
      }
      log('info', 'buildkit build succeeded', { ref, imageId, ms: Date.now() - started });
      return { status: 'succeeded', imageId, tags: [...spec.tags] };
    } finally {
      spec.signal?.removeEventListener('abort', onAbort);
      status.cancel();
      session.close();
    }
  }

  private failure(
    connection: ControlConnection,
    error: grpc.ServiceError,
    translator: StatusTranslator,
    reported: boolean,
  ): BuildOutcome {
    // Nothing ran: the builder itself is unusable (engine down, upgrade refused).
    if (error.code === grpc.status.UNAVAILABLE && !reported) {
      throw unavailable(connection.where, connection.lastError() ?? error.details, error);
    }
    const step = translator.failedStep();
    const message = error.details || step?.error || 'The build failed.';
    const exitCode = exitCodeOf(step?.error ?? '') ?? exitCodeOf(message);
    return {
      status: 'failed',
      message,
      ...(step && !step.cancelled && { failedStep: step.name }),
      ...(exitCode !== undefined && { exitCode }),
    };
  }
}
