// The shapes a build is made of, shared by the control plane (which resolves the effective
// settings down Ecosystem → Domain → App → Workspace and keeps build records) and the agent (which
// detects the language in the source, generates the Dockerfile and runs a builder). Pure data.

/** Where a value came from, so users see why a build used it. */
export type SettingSource = 'default' | 'detected' | 'ecosystem' | 'domain' | 'app' | 'workspace';

export interface Sourced<T> {
  value: T;
  source: SettingSource;
}

/**
 * Everything the Dockerfile generator needs besides the source tree, as the control plane
 * resolved it. Absent optional fields take the generator's defaults (and say so as `default`).
 */
export interface EffectiveBuildSettings {
  /** `image.baseImage` or inherited `build.baseImage`: a ready image to start from. */
  baseImage?: Sourced<string>;
  /** The app's own Dockerfile (relative to the context), used as the base stage. */
  dockerfile?: Sourced<string>;
  /** Target stage of the app's own Dockerfile. */
  target?: Sourced<string>;
  /** Build context, relative to the app's source root; default `.`. */
  context?: Sourced<string>;
  /** Declared language (app `spec.language`); detection fills it otherwise. */
  language?: Sourced<{ name: string; version?: string }>;
  /** Packages for the dev stage; `[]` installs nothing; absent: git curl zsh neovim. */
  packages?: Sourced<string[]>;
  /** Shell commands run in the dev stage, in order. */
  customCommands?: Sourced<string[]>;
  /** Build args: inherited ecosystem → domain → app → workspace (later wins per key). */
  args: Record<string, Sourced<string>>;
  /** The dev user; default dev 1000:1000. */
  user?: Sourced<{ name: string; uid: number; gid: number }>;
  /** Names of BuildKit secrets the build may mount (`RUN --mount=type=secret,id=…`). */
  secretIds?: string[];
}

/** What the agent found in the source tree. */
export interface DetectedSource {
  language?: { name: string; version?: string; evidence: string };
  /** Dockerfiles found (informational; only `settings.dockerfile` is used). */
  dockerfiles: string[];
}

/** A generated Dockerfile and the facts behind it. */
export interface GeneratedDockerfile {
  text: string;
  /** The effective language and base image, each with its source. */
  language?: Sourced<{ name: string; version?: string }>;
  baseImage: Sourced<string>;
  /** `apt`, `apk` or `detect` (decided at build time by a shell probe in the image). */
  packageManager: 'apt' | 'apk' | 'detect' | 'none';
}

export type StepState = 'started' | 'completed' | 'cached' | 'failed';

export type BuildProgress =
  /** A build step (a BuildKit vertex, or a classic builder's `Step n/m`). Sent again on change. */
  | {
      type: 'step';
      id: string;
      name: string;
      state: StepState;
      startedAt?: Date;
      completedAt?: Date;
      error?: string;
    }
  /** Output of a step (RUN output, pull progress); `stepId` when known. */
  | { type: 'log'; stepId?: string; stream: 'stdout' | 'stderr'; text: string };

export type BuildOutcome =
  | { status: 'succeeded'; imageId: string; tags: string[] }
  /** The build ran and failed: the step, its exit code when known, and the builder's message. */
  | { status: 'failed'; message: string; failedStep?: string; exitCode?: number }
  | { status: 'cancelled' };
