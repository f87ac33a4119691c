// Runs queued builds on their hosts' agents: at most `concurrency` at once per host (counted in the
// database, so replicas sharing a PostgreSQL share the limit), progress recorded as it arrives —
// steps, what was prepared, log output — in one write per build every `flushMs`, followers told
// through the event hub, and the outcome stored when the agent says how it ended.
//
// Nothing is left "running" for ever: a lost agent (the stream ends UNAVAILABLE) fails the build
// with that reason; a cancel reaches the agent within a tick (at once in this process) and, should
// the agent never answer, the build is marked cancelled anyway; builds whose control plane went
// away — a restart, a crashed replica — are failed at start-up (SQLite: this process was the only
// one) or once their runner's heartbeat is stale (PostgreSQL). Queued builds simply wait.
import { randomUUID } from 'node:crypto';
import type { BuildOutcome, BuildProgress, EffectiveBuildSettings } from '@/lib/build/build-types';
import type { HostConnector } from '@/lib/domain/runtime/host-connector';
import { isAppError } from '@/lib/errors';
import type { BuildHandle, BuildRequest, BuildStreamEvent } from '@/lib/hosts/host-agent';
import type {
  BuildFailure,
  BuildRecord,
  BuildResult,
  BuildStep,
  DataStore,
  NewBuildEvent,
  PreparedBuild,
} from '@/lib/store/data-store';
import type { HostRecord } from '@/lib/store/host-store';
import { buildSecrets } from './build-secrets';
import type { BuildEventHub } from './build-events';

type Log = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export const RESTART_REASON = 'the control plane restarted during the build';

export interface BuildRunnerOptions {
  store: DataStore;
  hosts: HostConnector;
  hub: BuildEventHub;
  /** Builds at once per host (DVM_BUILD_CONCURRENCY). */
  concurrency: number;
  log: Log;
  /** How often the queue, cancels and stale builds are looked at. Default 500 ms. */
  pollMs?: number;
  /** How often progress is written. Default 250 ms. */
  flushMs?: number;
  /** How often this runner says its builds are still running. Default 2 s. */
  heartbeatMs?: number;
  /** A running build whose runner has not beaten for this long is failed. Default 15 s. */
  staleMs?: number;
  /** After asking the agent to cancel, how long to wait for it to confirm. Default 20 s. */
  cancelGraceMs?: number;
}

export interface BuildRunner {
  /** This process's runner id (stored on the builds it runs). */
  readonly id: string;
  /** One pass now: recover, heartbeat, cancels, claim. For tests. */
  tick(): Promise<void>;
  /** Builds running in this process. */
  active(): string[];
  stop(): void;
}

/** The last lines of output, kept in memory for a failure's `lastLines` (the stored log may be cut). */
class LineTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 20) {}

  push(text: string): void {
    const parts = (this.partial + text).split(/\r\n|\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      const trimmed = line.trimEnd();
      if (trimmed === '') continue;
      this.lines.push(trimmed);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  last(): string[] {
    const partial = this.partial.trimEnd();
    return (partial ? [...this.lines, partial] : this.lines).slice(-this.max);
  }
}

/** A log event merged with the next one when they come from the same step and stream. */
const MAX_MERGED_LOG = 64 * 1024;

interface Active {
  build: BuildRecord;
  host: string;
  handle?: BuildHandle;
  pending: NewBuildEvent[];
  steps: Map<string, BuildStep>;
  stepsChanged: boolean;
  prepared?: PreparedBuild;
  preparedPending: boolean;
  tail: LineTail;
  cancelSent: boolean;
  cancelTimer?: NodeJS.Timeout;
  finishing: boolean;
  /** Serialises writes of this build's progress. */
  writing: Promise<void>;
}

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

function stepOf(event: Extract<BuildProgress, { type: 'step' }>, before?: BuildStep): BuildStep {
  const startedAt = iso(event.startedAt) ?? before?.startedAt;
  const completedAt = iso(event.completedAt) ?? before?.completedAt;
  const step: BuildStep = {
    id: event.id,
    name: event.name,
    state: event.state,
    cached: event.state === 'cached',
  };
  if (startedAt) step.startedAt = startedAt;
  if (completedAt) step.completedAt = completedAt;
  if (startedAt && completedAt) {
    step.durationMs = Math.max(0, Date.parse(completedAt) - Date.parse(startedAt));
  }
  if (event.error) step.error = event.error;
  return step;
}

function requestOf(build: BuildRecord): BuildRequest {
  const stored = build.request as unknown as {
    repository: string;
    source: BuildRequest['source'];
    settings: EffectiveBuildSettings;
  };
  return {
    buildId: build.id,
    workspace: {
      ecosystem: build.ecosystem,
      domain: build.domain,
      app: build.app,
      workspace: build.workspace,
      workspaceId: build.workspaceId,
    },
    source: stored.source,
    settings: stored.settings,
    repository: stored.repository,
    ...(build.requestedBuilder !== undefined && { builder: build.requestedBuilder }),
    ...(build.noCache && { noCache: true }),
  };
}

export function startBuildRunner(options: BuildRunnerOptions): BuildRunner {
  const { store, hosts, hub, concurrency, log } = options;
  const pollMs = options.pollMs ?? 500;
  const flushMs = options.flushMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const staleMs = options.staleMs ?? 15_000;
  const cancelGraceMs = options.cancelGraceMs ?? 20_000;
  const id = randomUUID();
  const actives = new Map<string, Active>();
  let stopped = false;
  let recovered = false;
  let lastBeat = 0;
  let lastSweep = 0;
  let ticking: Promise<void> | undefined;
  let again = false;

  const warn = (msg: string, build: string, error: unknown) =>
    log('warn', msg, {
      build,
      ...(isAppError(error)
        ? { code: error.code, error: error.message }
        : { error: String(error) }),
    });

  /** Writes what arrived since the last write, then tells followers. */
  const flush = (active: Active): Promise<void> => {
    active.writing = active.writing.then(async () => {
      if (active.pending.length === 0 && !active.stepsChanged && !active.preparedPending) return;
      const events = active.pending;
      active.pending = [];
      const steps = active.stepsChanged ? [...active.steps.values()] : undefined;
      active.stepsChanged = false;
      const prepared = active.preparedPending ? active.prepared : undefined;
      active.preparedPending = false;
      try {
        await store.builds.appendEvents(active.build.id, {
          events,
          ...(steps && { steps }),
          ...(prepared && { prepared }),
        });
        hub.changed(active.build.id);
      } catch (error) {
        if (isAppError(error) && error.code === 'NOT_FOUND') {
          // The build went with its workspace: nobody can see it any more, so stop it.
          abandon(active);
          return;
        }
        if (!stopped) warn('cannot record build progress', active.build.id, error);
      }
    });
    return active.writing;
  };

  const abandon = (active: Active) => {
    if (active.finishing) return;
    active.finishing = true;
    clearTimeout(active.cancelTimer);
    active.handle?.cancel();
    actives.delete(active.build.id);
    log('info', 'stopped a build whose workspace was deleted', {
      build: active.build.id,
      host: active.host,
    });
  };

  const onEvent = (active: Active, event: BuildStreamEvent) => {
    const at = new Date();
    switch (event.type) {
      case 'prepared': {
        active.prepared = {
          builder: event.builder,
          dockerfile: event.dockerfile,
          tag: event.tag,
          inputsHash: event.inputsHash,
          baseImage: { ...event.baseImage },
          ...(event.language && { language: { ...event.language } }),
          reused: event.reused,
        };
        active.preparedPending = true;
        active.pending.push({
          type: 'prepared',
          data: {
            builder: event.builder,
            tag: event.tag,
            reused: event.reused,
            baseImage: { ...event.baseImage },
            ...(event.language && { language: { ...event.language } }),
            dockerfile: event.dockerfile,
          },
          at,
        });
        return;
      }
      case 'step': {
        const step = stepOf(event, active.steps.get(event.id));
        active.steps.set(event.id, step);
        active.stepsChanged = true;
        active.pending.push({ type: 'step', data: { ...step }, at });
        return;
      }
      case 'log': {
        active.tail.push(event.text);
        const last = active.pending[active.pending.length - 1];
        if (
          last?.type === 'log' &&
          last.data.stream === event.stream &&
          last.data.stepId === event.stepId &&
          String(last.data.text).length + event.text.length <= MAX_MERGED_LOG
        ) {
          last.data.text = String(last.data.text) + event.text;
          return;
        }
        active.pending.push({
          type: 'log',
          data: {
            stream: event.stream,
            text: event.text,
            ...(event.stepId !== undefined && { stepId: event.stepId }),
          },
          at,
        });
        return;
      }
      case 'finished':
        // `done` carries the same outcome; the result is recorded there.
        return;
    }
  };

  const resultOf = (active: Active, outcome: BuildOutcome): BuildResult => {
    if (outcome.status === 'succeeded') {
      const tag = outcome.tags[0] ?? active.prepared?.tag;
      return {
        status: 'succeeded',
        ...(tag !== undefined && { tag }),
        imageId: outcome.imageId,
        // Local images have no registry digest: the image id is the content digest of its config.
        ...(outcome.imageId.startsWith('sha256:') && { digest: outcome.imageId }),
      };
    }
    if (outcome.status === 'cancelled') return { status: 'cancelled' };
    const failedStep =
      (outcome.failedStep !== undefined
        ? (active.steps.get(outcome.failedStep)?.name ?? outcome.failedStep)
        : undefined) ?? [...active.steps.values()].find((s) => s.state === 'failed')?.name;
    const failure: BuildFailure = {
      message: outcome.message,
      ...(failedStep !== undefined && { failedStep }),
      ...(outcome.exitCode !== undefined && { exitCode: outcome.exitCode }),
      lastLines: active.tail.last(),
    };
    return { status: 'failed', failure };
  };

  const finish = async (active: Active, result: BuildResult) => {
    if (active.finishing || stopped) return;
    active.finishing = true;
    clearTimeout(active.cancelTimer);
    await flush(active);
    try {
      const finished = await store.builds.finish(active.build.id, result);
      if (!finished) {
        log('warn', 'build was finished elsewhere before its outcome arrived', {
          build: active.build.id,
        });
      } else {
        log(result.status === 'failed' ? 'warn' : 'info', `build ${result.status}`, {
          build: active.build.id,
          host: active.host,
          ...(result.tag !== undefined && { tag: result.tag }),
          ...(result.failure && { reason: result.failure.message }),
        });
      }
    } catch (error) {
      if (!stopped) warn('cannot record the outcome of a build', active.build.id, error);
    } finally {
      actives.delete(active.build.id);
      hub.changed(active.build.id);
    }
  };

  const failWith = (active: Active, message: string) =>
    finish(active, { status: 'failed', failure: { message, lastLines: active.tail.last() } });

  const sendCancel = (active: Active) => {
    if (active.cancelSent || active.finishing) return;
    active.cancelSent = true;
    active.handle?.cancel();
    active.cancelTimer = setTimeout(() => {
      log('warn', 'the agent did not confirm a cancelled build; recording it as cancelled', {
        build: active.build.id,
        host: active.host,
      });
      void finish(active, { status: 'cancelled' });
    }, cancelGraceMs);
    active.cancelTimer.unref();
  };

  const run = async (build: BuildRecord, host: HostRecord | undefined) => {
    const active: Active = {
      build,
      host: build.host,
      pending: [{ type: 'status', data: { status: 'running', host: build.host } }],
      steps: new Map(),
      stepsChanged: false,
      preparedPending: false,
      tail: new LineTail(),
      cancelSent: false,
      finishing: false,
      writing: Promise.resolve(),
    };
    actives.set(build.id, active);
    void flush(active);
    if (!host) {
      await failWith(active, `host "${build.host}" is no longer registered`);
      return;
    }
    const request = requestOf(build);
    const secretIds = request.settings.secretIds ?? [];
    if (secretIds.length > 0) {
      const secrets = buildSecrets().take(build.id);
      if (!secrets) {
        await failWith(
          active,
          'the build secrets are no longer available (the control plane restarted, or another replica took the build): request the build again with its secrets',
        );
        return;
      }
      request.secrets = secrets;
    }
    let handle: BuildHandle;
    try {
      const agent = await hosts.agentFor(host);
      handle = agent.build(request);
    } catch (error) {
      await failWith(
        active,
        isAppError(error)
          ? `the agent on host ${build.host} could not start the build: ${error.message}`
          : `the build could not be started on host ${build.host}`,
      );
      if (!isAppError(error)) warn('cannot start a build', build.id, error);
      return;
    }
    active.handle = handle;
    handle.onEvent((event) => onEvent(active, event));
    // A cancel that arrived while the agent was being reached is passed on now.
    if (active.cancelSent) handle.cancel();
    else if (build.cancelRequestedAt) sendCancel(active);
    handle.done.then(
      (outcome) => finish(active, resultOf(active, outcome)),
      (error: unknown) => {
        if (isAppError(error) && error.code === 'UNAVAILABLE') {
          const why = error.message.replace(/^agent lost:\s*/i, '');
          return failWith(active, `the agent on host ${build.host} was lost: ${why}`);
        }
        if (!isAppError(error)) warn('a build ended with an unexpected error', build.id, error);
        return failWith(
          active,
          isAppError(error)
            ? error.message
            : 'the build failed inside the control plane (see its log)',
        );
      },
    );
  };

  const pass = async () => {
    const now = Date.now();
    if (!recovered) {
      // SQLite is served by one process: every build still "running" was this process's
      // predecessor's. PostgreSQL may be shared by replicas: only builds whose runner is quiet.
      const failed = await store.builds.failRunning(RESTART_REASON, {
        ...(store.dialect === 'postgres' && { heartbeatBefore: new Date(now - staleMs) }),
      });
      for (const build of failed) hub.changed(build.id);
      if (failed.length > 0) log('warn', 'failed builds left running', { builds: failed.length });
      recovered = true;
      lastSweep = now;
    } else if (now - lastSweep >= staleMs / 3) {
      lastSweep = now;
      const failed = await store.builds.failRunning(RESTART_REASON, {
        heartbeatBefore: new Date(now - staleMs),
      });
      for (const build of failed) hub.changed(build.id);
    }
    if (actives.size > 0 && now - lastBeat >= heartbeatMs) {
      lastBeat = now;
      await store.builds.heartbeat(id);
    }
    if (actives.size > 0) {
      for (const running of await store.builds.listRunning({ runner: id })) {
        const active = actives.get(running.id);
        if (active && running.cancelRequestedAt) sendCancel(active);
      }
    }
    for (const name of await store.builds.hostsWithQueued()) {
      if (stopped) return;
      const host = await store.hosts.find(name);
      // An unhealthy host keeps its queue until it is back; a removed one fails it.
      if (host && host.status !== 'healthy') continue;
      const claimed = await store.builds.claimQueued(
        name,
        host ? concurrency : Number.MAX_SAFE_INTEGER,
        id,
      );
      for (const build of claimed) {
        log('info', 'build started', { build: build.id, host: name });
        void run(build, host);
      }
    }
  };

  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (ticking) {
      again = true;
      return ticking;
    }
    ticking = pass()
      .catch((error: unknown) => {
        if (!stopped) warn('build runner pass failed', '-', error);
      })
      .finally(() => {
        ticking = undefined;
        if (again && !stopped) {
          again = false;
          void tick();
        }
      });
    return ticking;
  };

  const loop = setInterval(() => void tick(), pollMs);
  loop.unref();
  const flusher = setInterval(() => {
    for (const active of actives.values()) if (!active.finishing) void flush(active);
  }, flushMs);
  flusher.unref();
  const offQueued = hub.onQueued(() => void tick());
  const offCancel = hub.onCancelRequested((buildId) => {
    const active = actives.get(buildId);
    if (active) sendCancel(active);
  });
  void tick();

  return {
    id,
    tick,
    active: () => [...actives.keys()],
    stop() {
      // Running builds are left to the next start-up (or another replica) to fail: the store may
      // be closing, and a stopped control plane must not wait for builds.
      stopped = true;
      clearInterval(loop);
      clearInterval(flusher);
      offQueued();
      offCancel();
      for (const active of actives.values()) clearTimeout(active.cancelTimer);
      actives.clear();
    },
  };
}
