// The builds half of the DataStore: one record per build of a workspace image (who asked, which
// host, the steps, the outcome, the image) and the ordered events the build reported, which live
// followers and late joiners replay. The store keeps the state machine honest with conditional
// updates — queued → running → succeeded | failed | cancelled, or queued → cancelled | failed — so
// a cancel, a runner and a start-up recovery racing each other never both win. What to build,
// where and when is decided in lib/domain and lib/server.
import type { JsonObject, ListOptions, Page } from './store-types';

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type FinishedBuildStatus = Extract<BuildStatus, 'succeeded' | 'failed' | 'cancelled'>;

export const BUILD_STATUSES: readonly BuildStatus[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
];

export function isFinished(status: BuildStatus): status is FinishedBuildStatus {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/**
 * Log output kept per build. Past it one note says the rest was dropped; steps, the outcome and
 * the failure's last lines are still recorded.
 */
export const BUILD_LOG_LIMIT_BYTES = 5 * 1024 * 1024;

/** One build step as last reported (a BuildKit vertex, or a classic builder's `Step n/m`). */
export interface BuildStep {
  id: string;
  name: string;
  state: 'started' | 'completed' | 'cached' | 'failed';
  cached: boolean;
  /** ISO timestamps, as the builder reported them. */
  startedAt?: string;
  completedAt?: string;
  durationMs?: number;
  error?: string;
}

export interface BuildFailure {
  /** In words a user can act on. */
  message: string;
  failedStep?: string;
  exitCode?: number;
  /** The last lines of the log before the failure. */
  lastLines: string[];
}

/**
 * `status`: the build started running (on which host); `prepared`: what is being built (builder,
 * Dockerfile, tag, base image and language with their sources); `step`: a step changed; `log`:
 * output `{stream, text, stepId?}` (`note: true` for lines the control plane added).
 */
export type BuildEventType = 'status' | 'prepared' | 'step' | 'log';

export interface BuildEvent {
  /** 1, 2, 3… per build, in the order reported: what SSE sends as the event id. */
  seq: number;
  type: BuildEventType;
  data: JsonObject;
  at: Date;
}

export interface NewBuildEvent {
  type: BuildEventType;
  data: JsonObject;
  at?: Date;
}

export interface BuildRecord {
  id: string;
  workspaceId: string;
  /** The workspace's path, from its record. */
  ecosystem: string;
  domain: string;
  app: string;
  workspace: string;
  /** The host it was placed on (kept by name: the record outlives a removed host). */
  host: string;
  status: BuildStatus;
  /** `docker-api` or `buildkit` when the request named one. */
  requestedBuilder?: string;
  /** The builder the agent used (known once prepared). */
  builder?: string;
  noCache: boolean;
  /** The requester as the audit log names them (email, or `system`). */
  requestedBy: string;
  requestedById?: string;
  /** What to build as resolved when it was asked for; the store does not look inside. */
  request: JsonObject;
  tag?: string;
  imageId?: string;
  digest?: string;
  inputsHash?: string;
  /** The image for these inputs was on the host already: nothing was built. */
  reused?: boolean;
  dockerfile?: string;
  /** `{value, source}` as the agent reported them. */
  baseImage?: JsonObject;
  language?: JsonObject;
  steps: BuildStep[];
  failure?: BuildFailure;
  /** The last event's sequence number; 0 before the first. */
  lastSeq: number;
  logBytes: number;
  logTruncated: boolean;
  cancelRequestedAt?: Date;
  /** The control-plane process running it, and when that process last said so. */
  runner?: string;
  heartbeatAt?: Date;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  updatedAt: Date;
}

export interface NewBuild {
  workspaceId: string;
  host: string;
  requestedBy: string;
  requestedById?: string;
  requestedBuilder?: string;
  noCache?: boolean;
  request: JsonObject;
}

/** What the agent said it is building (its first event). */
export interface PreparedBuild {
  builder: string;
  dockerfile: string;
  tag: string;
  inputsHash: string;
  baseImage: JsonObject;
  language?: JsonObject;
  reused: boolean;
}

/** A batch of progress, written in one transaction. */
export interface BuildProgressBatch {
  events: NewBuildEvent[];
  /** The steps as now known; replaces the stored list. */
  steps?: BuildStep[];
  prepared?: PreparedBuild;
}

export interface BuildResult {
  status: FinishedBuildStatus;
  tag?: string;
  imageId?: string;
  digest?: string;
  failure?: BuildFailure;
}

export interface ReadEventsOptions {
  /** Events after this sequence number (0: from the start). */
  afterSeq?: number;
  /** At most this many (default 500, at most 5000). */
  limit?: number;
  /** Only these types. */
  types?: readonly BuildEventType[];
}

export interface BuildStore {
  /** A queued build. NOT_FOUND when the workspace no longer exists. */
  create(build: NewBuild): Promise<BuildRecord>;
  /** NOT_FOUND with the id. */
  get(id: string): Promise<BuildRecord>;
  find(id: string): Promise<BuildRecord | undefined>;
  /** Newest first, in keyset pages. */
  listForWorkspace(workspaceId: string, options?: ListOptions): Promise<Page<BuildRecord>>;
  /** The newest succeeded build of the workspace (its image is what `start` runs). */
  latestSucceeded(workspaceId: string): Promise<BuildRecord | undefined>;
  /** Names of the hosts that have queued builds. */
  hostsWithQueued(): Promise<string[]>;
  /**
   * Atomically moves the oldest queued builds of `host` to running for `runner`, as many as keep
   * the host's running builds (whoever runs them) at most `limit`; returns them.
   */
  claimQueued(host: string, limit: number, runner: string, at?: Date): Promise<BuildRecord[]>;
  /**
   * Appends events (numbered after the last), replaces the steps and records what was prepared,
   * in one transaction. Log text beyond BUILD_LOG_LIMIT_BYTES is dropped after one note event.
   * Returns the last sequence number. NOT_FOUND when the build is gone.
   */
  appendEvents(id: string, batch: BuildProgressBatch): Promise<{ lastSeq: number }>;
  /** Events in sequence order. */
  readEvents(id: string, options?: ReadEventsOptions): Promise<BuildEvent[]>;
  /** Marks every running build of `runner` as still being run; returns how many. */
  heartbeat(runner: string, at?: Date): Promise<number>;
  /** Asks the runner of a running build to cancel it; undefined when it is not running. */
  requestCancel(id: string, at?: Date): Promise<BuildRecord | undefined>;
  /**
   * Finishes a build that is in one of `from` (default queued or running); undefined when it is
   * not (already finished, or started meanwhile), so exactly one finisher wins.
   */
  finish(
    id: string,
    result: BuildResult,
    options?: { from?: readonly BuildStatus[]; at?: Date },
  ): Promise<BuildRecord | undefined>;
  /** Running builds, oldest first, optionally only those of one runner. */
  listRunning(options?: { runner?: string }): Promise<BuildRecord[]>;
  /**
   * Fails running builds whose runner last beat before `heartbeatBefore` (all running builds when
   * it is absent) with `reason` and the last lines of their log; returns them.
   */
  failRunning(
    reason: string,
    options?: { heartbeatBefore?: Date; at?: Date },
  ): Promise<BuildRecord[]>;
}
