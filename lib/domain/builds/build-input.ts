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
  })
  .meta({ description: 'Everything is optional; an empty body builds with the defaults.' });

export type BuildRequestInput = z.output<typeof buildRequestSchema>;
