// What `POST …/workspaces/{ws}/build` accepts: an optional body choosing the builder for this one
// build and whether to ignore the cache. Unknown fields are refused, like everywhere else.
import { z } from 'zod';

export const BUILDERS = ['docker-api', 'buildkit'] as const;
export type BuilderName = (typeof BUILDERS)[number];

export const buildRequestSchema = z
  .strictObject({
    builder: z.enum(BUILDERS).optional().meta({
      description:
        "Override the host's builder for this build: docker-api (the engine's POST /build) or buildkit (BuildKit over gRPC). Default: the host's preferred builder.",
    }),
    noCache: z
      .boolean()
      .optional()
      .meta({ description: 'Build every step again, ignoring cached layers.' }),
    secrets: z
      .record(
        z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a secret id: letters, digits, _ . -'),
        z.string().max(64 * 1024, 'must be at most 64 KiB'),
      )
      .refine((secrets) => Object.keys(secrets).length <= 20, 'at most 20 secrets per build')
      .optional()
      .meta({
        description:
          "BuildKit secrets by id, for `RUN --mount=type=secret,id=<id>` in the workspace's customCommands. The values go to the agent for this build only: never stored, logged, audited or written into the image. Needs the buildkit builder.",
      }),
  })
  .meta({ description: 'Everything is optional; an empty body builds with the defaults.' });

export type BuildRequestInput = z.output<typeof buildRequestSchema>;
