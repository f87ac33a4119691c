// The REST request shapes of builds that the resource and identity shapes do not cover: the query
// of `GET …/builds/{id}/log`. The build request body is the domain's (lib/domain/builds/
// build-input.ts), checked after authorisation; lists use `pageQuery`, the rest `noQuery`.
import { z } from 'zod';

export const buildLogQuery = z.strictObject({
  follow: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((value) => value === 'true')
    .optional()
    .meta({
      description:
        'Stream the build as Server-Sent Events (text/event-stream) instead of the plain log: everything from the start (or after `Last-Event-ID`), then live, ending with a `finished` event.',
    }),
});
