// How a build looks to users (REST, the workspace page, the CLI): plain JSON with what was built,
// by whom, how long it took, each step with its cache hit and duration, and — when it failed —
// the reason in words, the failed step, its exit code and the last lines of the log. Pure.
import type { BuildRecord, BuildStatus, JsonObject } from '@/lib/store/data-store';

export interface BuildStepView {
  name: string;
  state: 'started' | 'completed' | 'cached' | 'failed';
  cached: boolean;
  durationMs?: number;
}

export interface BuildFailureView {
  message: string;
  failedStep?: string;
  exitCode?: number;
  lastLines: string[];
}

export interface BuildView {
  id: string;
  /** `ecosystem/domain/app/workspace`. */
  workspace: string;
  status: BuildStatus;
  host: string;
  /** The builder the agent used; absent until it says (queued builds). */
  builder?: string;
  requestedBuilder?: string;
  noCache: boolean;
  requestedBy: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** From start to finish. */
  durationMs?: number;
  /** `dvm/<eco>-<dom>-<app>-<ws>:<hash of the inputs>`. */
  tag?: string;
  imageId?: string;
  digest?: string;
  /** An image with this tag (the same inputs) was on the host already: nothing was built. */
  reused?: boolean;
  dockerfile?: string;
  baseImage?: { image: string; source: string };
  language?: { name: string; version?: string; source: string };
  steps: BuildStepView[];
  failure?: BuildFailureView;
  /** Set once a cancel was asked for a running build; it ends `cancelled` when the agent stops. */
  cancelRequestedAt?: string;
  log: { bytes: number; truncated: boolean };
}

function sourced(value: JsonObject | undefined): { value: unknown; source: string } | undefined {
  if (!value || typeof value.source !== 'string') return undefined;
  return { value: value.value, source: value.source };
}

function baseImageOf(record: BuildRecord): BuildView['baseImage'] {
  const found = sourced(record.baseImage);
  return found && typeof found.value === 'string'
    ? { image: found.value, source: found.source }
    : undefined;
}

function languageOf(record: BuildRecord): BuildView['language'] {
  const found = sourced(record.language);
  const value = found?.value as { name?: unknown; version?: unknown } | undefined;
  if (!found || !value || typeof value.name !== 'string') return undefined;
  return {
    name: value.name,
    ...(typeof value.version === 'string' && { version: value.version }),
    source: found.source,
  };
}

export function buildView(record: BuildRecord): BuildView {
  const baseImage = baseImageOf(record);
  const language = languageOf(record);
  const view: BuildView = {
    id: record.id,
    workspace: [record.ecosystem, record.domain, record.app, record.workspace].join('/'),
    status: record.status,
    host: record.host,
    ...(record.builder !== undefined && { builder: record.builder }),
    ...(record.requestedBuilder !== undefined && { requestedBuilder: record.requestedBuilder }),
    noCache: record.noCache,
    requestedBy: record.requestedBy,
    createdAt: record.createdAt.toISOString(),
    ...(record.startedAt && { startedAt: record.startedAt.toISOString() }),
    ...(record.finishedAt && { finishedAt: record.finishedAt.toISOString() }),
    ...(record.finishedAt && {
      durationMs: Math.max(
        0,
        record.finishedAt.getTime() - (record.startedAt ?? record.createdAt).getTime(),
      ),
    }),
    ...(record.tag !== undefined && { tag: record.tag }),
    ...(record.imageId !== undefined && { imageId: record.imageId }),
    ...(record.digest !== undefined && { digest: record.digest }),
    ...(record.reused !== undefined && { reused: record.reused }),
    ...(record.dockerfile !== undefined && { dockerfile: record.dockerfile }),
    ...(baseImage && { baseImage }),
    ...(language && { language }),
    steps: record.steps.map((step) => ({
      name: step.name,
      state: step.state,
      cached: step.cached,
      ...(step.durationMs !== undefined && { durationMs: step.durationMs }),
    })),
    ...(record.failure && {
      failure: {
        message: record.failure.message,
        ...(record.failure.failedStep !== undefined && { failedStep: record.failure.failedStep }),
        ...(record.failure.exitCode !== undefined && { exitCode: record.failure.exitCode }),
        lastLines: record.failure.lastLines,
      },
    }),
    ...(record.cancelRequestedAt &&
      record.status === 'running' && {
        cancelRequestedAt: record.cancelRequestedAt.toISOString(),
      }),
    log: { bytes: record.logBytes, truncated: record.logTruncated },
  };
  return view;
}
