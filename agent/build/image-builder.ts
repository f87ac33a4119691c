// ImageBuilder — the agent's view of one way to build images: the Docker API (`POST /build`) or
// BuildKit over gRPC (`moby.buildkit.v1.Control`). A builder takes a context directory on this
// host and a Dockerfile text (never written into the context), reports progress as events, and
// ends with the image or a failure a user can act on. Cancelling (the signal) stops the build on
// the engine and ends with `cancelled`.
import type { BuildOutcome, BuildProgress } from '../../lib/build/build-types';

export interface BuildContextSpec {
  /** Absolute directory on this host; files are read from here and nothing is written here. */
  dir: string;
  /** The Dockerfile to build, as text. */
  dockerfile: string;
  /** Tags for the result, e.g. `dvm/platform-backend-api-dev:3f2a…`. */
  tags: string[];
  buildArgs?: Record<string, string>;
  /** BuildKit secrets by id (mounted with `RUN --mount=type=secret,id=…`); never in history. */
  secrets?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** Labels on the image; `io.devopsmaestro.managed=true` is always added. */
  labels?: Record<string, string>;
  signal?: AbortSignal;
}

export type { BuildOutcome, BuildProgress, StepState } from '../../lib/build/build-types';

export interface ImageBuilder {
  /** `docker-api` or `buildkit`. */
  readonly name: string;
  /**
   * Builds; resolves with the outcome (never rejects for a failed build). Rejects with an
   * AppError only when the builder itself cannot be used (UNAVAILABLE: engine down; INVALID:
   * a bad spec; NOT_IMPLEMENTED: e.g. secrets on a builder without them).
   */
  build(spec: BuildContextSpec, onProgress: (event: BuildProgress) => void): Promise<BuildOutcome>;
}
