// The BuildKit ImageBuilder: one build = one session (context, Dockerfile, secrets) and one Solve
// with the Dockerfile frontend, its progress read from Control/Status, on a Control channel that
// is kept for the next build until it has been idle for CONNECTION_IDLE_MS (opening one costs an
// HTTP upgrade, an HTTP/2 handshake and a ListWorkers). A build's session server and calls are
// closed when it ends, whether it succeeded, failed, was cancelled or the builder could not be
// reached; the channel is closed at once after a cancel or a transport failure.
import { createHash, randomUUID } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  createDockerignoreMatcher,
  type DockerignoreMatcher,
} from '../../../lib/build/dockerignore';
import type { BuildOutcome, BuildProgress } from '../../../lib/build/build-types';
import { AppError, invalid } from '../../../lib/errors';
import type { BuildContextSpec, ImageBuilder } from '../image-builder';
import { openControl, type BuildKitTarget, type ControlConnection } from './connection';
import { directorySource, virtualSource } from './context-source';
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
/** How long a Control channel with no build on it is kept for the next build. */
const CONNECTION_IDLE_MS = 15_000;
/** After Solve returns, how long the last progress may take to arrive. */
const STATUS_DRAIN_MS = 3_000;

function unavailable(where: string, detail: string, cause?: unknown): AppError {
  return new AppError('UNAVAILABLE', `BuildKit (${where}) cannot be reached: ${detail}`, { cause });
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && 'details' in error;
}

/** A kept-alive Control channel, shared by the builds running on it. */
interface PooledControl {
  connection: ControlConnection;
  users: number;
  /** No new build may use it; closed when its last build ends. */
  retired: boolean;
  idleTimer?: NodeJS.Timeout;
}

export class BuildKitBuilder implements ImageBuilder {
  readonly name = 'buildkit';
  private readonly target: BuildKitTarget;
  private readonly platform: string | undefined;
  private readonly socketDir: string | undefined;
  private readonly log: BuildKitLog;
  private pooled: PooledControl | undefined;
  private opening: Promise<PooledControl> | undefined;

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

    for (let attempt = 1; ; attempt += 1) {
      const reused = this.pooled !== undefined && !this.pooled.retired;
      const pooled = await this.acquire();
      let keep = false;
      try {
        if (spec.signal?.aborted) return { status: 'cancelled' };
        const outcome = await this.solve(pooled.connection, spec, dir, ignore, onProgress);
        keep = outcome.status !== 'cancelled';
        return outcome;
      } catch (error) {
        // A kept-alive channel the engine dropped between builds (an engine restart): nothing
        // ran (UNAVAILABLE is only thrown before any progress), so once more on a new channel.
        if (reused && attempt === 1 && error instanceof AppError && error.code === 'UNAVAILABLE') {
          this.log('debug', 'buildkit kept channel unusable, reconnecting', {
            error: error.message,
          });
          continue;
        }
        throw error;
      } finally {
        await this.release(pooled, keep);
      }
    }
  }

  /**
   * The kept-alive channel when it is still connected, else a new one (the upgrade, ListWorkers
   * and the exporter check happen once per channel). Concurrent builds share one opening.
   */
  private async acquire(): Promise<PooledControl> {
    const current = this.pooled;
    if (current && !current.retired) {
      const state = current.connection.control.getChannel().getConnectivityState(false);
      if (state === grpc.connectivityState.READY) {
        current.users += 1;
        clearTimeout(current.idleTimer);
        return current;
      }
      this.retire(current);
    }
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    const opened = await this.opening;
    opened.users += 1;
    clearTimeout(opened.idleTimer);
    return opened;
  }

  private async open(): Promise<PooledControl> {
    const connection = await openControl(this.target, this.socketDir);
    try {
      const worker = await this.worker(connection);
      this.checkExporter(connection, worker);
      await connection.seal();
    } catch (error) {
      await connection.close();
      throw error;
    }
    const pooled: PooledControl = { connection, users: 0, retired: false };
    this.pooled = pooled;
    return pooled;
  }

  /** Takes a channel out of use; it is closed now or when its last build ends. */
  private retire(pooled: PooledControl): void {
    pooled.retired = true;
    if (this.pooled === pooled) this.pooled = undefined;
    clearTimeout(pooled.idleTimer);
    if (pooled.users === 0) void pooled.connection.close();
  }

  /** `keep`: the build ended normally, so the channel may serve the next one. */
  private async release(pooled: PooledControl, keep: boolean): Promise<void> {
    pooled.users -= 1;
    if (
      !keep ||
      pooled.connection.control.getChannel().getConnectivityState(false) !==
        grpc.connectivityState.READY
    ) {
      pooled.retired = true;
      if (this.pooled === pooled) this.pooled = undefined;
    }
    if (pooled.users > 0) return;
    if (pooled.retired) {
      clearTimeout(pooled.idleTimer);
      await pooled.connection.close();
      return;
    }
    clearTimeout(pooled.idleTimer);
    pooled.idleTimer = setTimeout(() => this.retire(pooled), CONNECTION_IDLE_MS);
    pooled.idleTimer.unref();
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
      // No image lookup afterwards: the moby exporter answers only after the image is in the
      // engine's store and tagged (its containerimage.digest is the store's image id).
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
