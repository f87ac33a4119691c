// The Build RPC's messages as @grpc/proto-loader hands them over, and their translation: the
// request (with `settings_json` checked against the EffectiveBuildSettings shape, field by field)
// into the build service's request, and the service's events into BuildEvent messages.
import { z } from 'zod';
import type { BuildOutcome, EffectiveBuildSettings, StepState } from '../../lib/build/build-types';
import { invalid, type FieldError } from '../../lib/errors';
import type { BuildEvent, BuildRequest } from '../build/build-service';

export interface WireBuildRequest {
  workspace: {
    ecosystem: string;
    domain: string;
    app: string;
    workspace: string;
    workspaceId: string;
  } | null;
  buildId: string;
  sourcePath?: string;
  sourceGit?: { url: string; ref: string } | null;
  /** Which of the oneof fields is set. */
  source?: 'sourcePath' | 'sourceGit';
  settingsJson: string;
  repository: string;
  builder: string;
  noCache: boolean;
  secrets: Record<string, string>;
}

const SOURCES = ['default', 'detected', 'ecosystem', 'domain', 'app', 'workspace'] as const;

const sourced = <T extends z.ZodType>(value: T) =>
  z.strictObject({ value, source: z.enum(SOURCES) });

const relativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith('/') && !p.includes('\0'), 'A relative path.');

const settingsSchema = z.strictObject({
  baseImage: sourced(z.string().min(1).max(512)).optional(),
  dockerfile: sourced(relativePath).optional(),
  target: sourced(z.string().min(1).max(128)).optional(),
  context: sourced(relativePath).optional(),
  language: sourced(
    z.strictObject({ name: z.string().min(1).max(64), version: z.string().max(64).optional() }),
  ).optional(),
  packages: sourced(z.array(z.string().min(1).max(256)).max(500)).optional(),
  customCommands: sourced(z.array(z.string().min(1).max(16_384)).max(200)).optional(),
  args: z.record(z.string().min(1).max(256), sourced(z.string().max(65_536))),
  user: sourced(
    z.strictObject({
      name: z.string().min(1).max(256),
      uid: z.number().int().min(0).max(2_147_483_647),
      gid: z.number().int().min(0).max(2_147_483_647),
    }),
  ).optional(),
  secretIds: z.array(z.string().min(1).max(256)).max(100).optional(),
});

/** EffectiveBuildSettings from JSON; INVALID with `settings.<path>` field errors otherwise. */
export function parseSettings(json: string): EffectiveBuildSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json === '' ? '{"args":{}}' : json);
  } catch {
    throw invalid('settings_json is not JSON.', [{ path: 'settings', message: 'Not JSON.' }]);
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({
      path: ['settings', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw invalid('The build settings are invalid.', errors);
  }
  return parsed.data as EffectiveBuildSettings;
}

export function fromWireBuildRequest(wire: WireBuildRequest): BuildRequest {
  if (!wire.workspace) {
    throw invalid('The build request names no workspace.', [
      { path: 'workspace', message: 'Required.' },
    ]);
  }
  let source: BuildRequest['source'];
  if (wire.source === 'sourcePath' && wire.sourcePath) source = { path: wire.sourcePath };
  else if (wire.source === 'sourceGit' && wire.sourceGit?.url) {
    source = {
      git: { url: wire.sourceGit.url, ...(wire.sourceGit.ref && { ref: wire.sourceGit.ref }) },
    };
  } else {
    throw invalid('The build request names no source.', [
      { path: 'source', message: 'A path on the host or a git repository.' },
    ]);
  }
  const { workspaceId, ...ref } = wire.workspace;
  return {
    buildId: wire.buildId,
    workspace: { ...ref, ...(workspaceId && { workspaceId }) },
    source,
    settings: parseSettings(wire.settingsJson),
    repository: wire.repository,
    ...(wire.builder && { builder: wire.builder }),
    ...(wire.noCache && { noCache: true }),
    ...(Object.keys(wire.secrets ?? {}).length > 0 && { secrets: wire.secrets }),
  };
}

const STEP_STATE: Record<StepState, string> = {
  started: 'BUILD_STEP_STATE_STARTED',
  completed: 'BUILD_STEP_STATE_COMPLETED',
  cached: 'BUILD_STEP_STATE_CACHED',
  failed: 'BUILD_STEP_STATE_FAILED',
};

const STATUS: Record<BuildOutcome['status'], string> = {
  succeeded: 'BUILD_STATUS_SUCCEEDED',
  failed: 'BUILD_STATUS_FAILED',
  cancelled: 'BUILD_STATUS_CANCELLED',
};

function finished(outcome: BuildOutcome): object {
  switch (outcome.status) {
    case 'succeeded':
      return { status: STATUS.succeeded, imageId: outcome.imageId, tags: outcome.tags };
    case 'failed':
      return {
        status: STATUS.failed,
        message: outcome.message,
        failedStep: outcome.failedStep ?? '',
        ...(outcome.exitCode !== undefined && { exitCode: outcome.exitCode }),
      };
    case 'cancelled':
      return { status: STATUS.cancelled };
  }
}

export function toWireBuildEvent(event: BuildEvent, at = Date.now()): object {
  switch (event.type) {
    case 'prepared':
      return {
        atUnixMs: at,
        prepared: {
          builder: event.builder,
          dockerfile: event.dockerfile,
          tag: event.tag,
          inputsHash: event.inputsHash,
          baseImage: event.baseImage,
          ...(event.language && {
            language: {
              name: event.language.value.name,
              version: event.language.value.version ?? '',
              source: event.language.source,
            },
          }),
          reused: event.reused,
        },
      };
    case 'step':
      return {
        atUnixMs: at,
        step: {
          id: event.id,
          name: event.name,
          state: STEP_STATE[event.state],
          ...(event.startedAt && { startedAtUnixMs: event.startedAt.getTime() }),
          ...(event.completedAt && { completedAtUnixMs: event.completedAt.getTime() }),
          error: event.error ?? '',
        },
      };
    case 'log':
      return {
        atUnixMs: at,
        log: {
          stepId: event.stepId ?? '',
          stream: event.stream === 'stderr' ? 'OUTPUT_STREAM_STDERR' : 'OUTPUT_STREAM_STDOUT',
          text: event.text,
        },
      };
    case 'finished':
      return { atUnixMs: at, finished: finished(event.outcome) };
  }
}
