// The BuildKit ImageBuilder's factory, called by the agent's composition root: BuildKit over gRPC
// (`moby.buildkit.v1.Control`), either a Docker engine's embedded BuildKit (reached through the
// engine's `POST /grpc` h2c upgrade) or a standalone buildkitd's own address.
import { AppError } from '../../../lib/errors';
import type { ImageBuilder } from '../image-builder';
import { BuildKitBuilder, type BuildKitLog } from './buildkit-builder';
import { grpcTarget } from './connection';
import type { EngineAddress } from './h2c-proxy';

export type BuildKitBuilderOptions = (
  | {
      /** The engine whose embedded BuildKit builds, and whose image store receives the image. */
      docker: EngineAddress;
    }
  | {
      /** A standalone buildkitd: `unix:///run/buildkit/buildkitd.sock` or `tcp://host:1234`. */
      address: string;
    }
) & {
  /** Target platform, e.g. `linux/amd64`; the builder's default when absent. */
  platform?: string;
  /**
   * Where the builder makes its private (0700) directory for the engine proxy socket; default
   * the OS temp directory. Removed as soon as the Control channel has connected.
   */
  socketDir?: string;
  logger?: BuildKitLog;
};

/**
 * Throws INVALID for an address that is not unix:///… or tcp://host:port, NOT_IMPLEMENTED for an
 * engine reached over TLS.
 */
export function createBuildKitBuilder(options: BuildKitBuilderOptions): ImageBuilder {
  if ('address' in options) grpcTarget(options.address);
  if ('docker' in options && 'protocol' in options.docker && options.docker.protocol === 'https') {
    throw new AppError(
      'NOT_IMPLEMENTED',
      'The BuildKit builder reaches an engine over a unix socket or plain TCP only, not TLS: ' +
        'use the docker-api builder for this engine.',
    );
  }
  return new BuildKitBuilder({
    target: 'docker' in options ? { docker: options.docker } : { address: options.address },
    platform: options.platform,
    socketDir: options.socketDir,
    logger: options.logger,
  });
}
