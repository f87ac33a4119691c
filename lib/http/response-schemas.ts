// What the REST API answers, as zod schemas, for the OpenAPI document (lib/http/openapi.ts).
// Resource bodies are built from the manifest contracts themselves (lib/contracts/manifest.ts),
// so the document cannot drift from what apply accepts; the other shapes mirror the domain's
// views and are proven against real answers by e2e/route-inventory.test.ts, which validates every
// successful response it receives against this document. Objects are open (new fields may be
// added without breaking clients); the test closes them to catch fields missing from here.

import { z } from 'zod';
import {
  API_VERSION,
  DEPRECATED_KINDS,
  RESOURCE_KINDS,
  manifestSchemas,
  metadataSchemaOf,
  parentsOf,
  type ResourceKind,
} from '@/lib/contracts/manifest';

const dateTime = z.iso.datetime();

/** The output-only part of every resource. */
export const resourceStatusSchema = z.object({
  id: z.string().meta({ description: 'Stable id (UUIDv7).' }),
  version: z.number().int().min(1).meta({
    description: 'Incremented on every change; send it back as If-Match: "<version>".',
  }),
  createdAt: dateTime,
  updatedAt: dateTime,
});

type AnyObject = z.ZodObject<z.ZodRawShape>;

function envelopeOf(kind: ResourceKind): AnyObject {
  return manifestSchemas[kind] as unknown as AnyObject;
}

/**
 * A workspace's runtime state, reconciled from its host (GET of one workspace, start, stop).
 * Lists leave it out.
 */
export const workspaceRuntimeStatusSchema = z.object({
  state: z.enum(['not-created', 'running', 'stopped', 'missing', 'unknown']).meta({
    description:
      'What the host runtime says: not-created (never started), running, stopped, missing (removed outside DevOpsMaestro) or unknown (host unreachable or unhealthy; see reason).',
  }),
  desiredState: z.enum(['running', 'stopped']).optional(),
  host: z.string().optional(),
  container: z.string().optional(),
  image: z.string().optional(),
  reason: z.string().optional().meta({ description: 'Why the state is not what was asked for.' }),
  observedAt: dateTime.optional(),
});

/** A stored object as GET returns it: the manifest plus status. */
export function manifestWithStatus(kind: ResourceKind) {
  return envelopeOf(kind).extend({
    status:
      kind === 'Workspace'
        ? resourceStatusSchema.extend(workspaceRuntimeStatusSchema.partial().shape)
        : resourceStatusSchema,
  });
}

/** A manifest as export writes it (no status). */
export function bareManifest(kind: ResourceKind) {
  return envelopeOf(kind).omit({ status: true });
}

/**
 * What POST and PUT take for `kind`: the full manifest, whose parents may be left out (the URL
 * names them), or the short form `{metadata, spec}` without apiVersion and kind.
 */
export function resourceBody(kind: ResourceKind) {
  const parents = Object.fromEntries(parentsOf(kind).map((parent) => [parent, true as const]));
  const metadata = (metadataSchemaOf(kind) as unknown as AnyObject).partial(parents);
  const envelope = envelopeOf(kind);
  // The spec may be left out (it is then `{}`); zod describes a preprocessed field as required.
  const spec = (envelope.shape.spec as z.ZodType).optional();
  const full = envelope.extend({ metadata, spec });
  const short = full
    .omit({ apiVersion: true, kind: true })
    .extend({ metadata: metadata.optional() });
  const forms: z.ZodType[] = [full, short];
  // Project, the App's deprecated predecessor, is accepted and converted (with a warning).
  if (kind === 'App') forms.push(manifestSchemas.Project);
  return z.union(forms);
}

export const mergePatchSchema = z.record(z.string(), z.unknown()).meta({
  description:
    'A JSON merge patch (RFC 7386) against the manifest: null removes a key, objects merge, anything else replaces. Name, parents and kind cannot change.',
});

export function pageOf(item: z.ZodType) {
  return z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as ?cursor= for the next page; null on the last page.' }),
  });
}

const LEVELS = ['ecosystem', 'domain', 'app', 'workspace'] as const;

export const deleteResultSchema = z.object({
  removed: z
    .object(Object.fromEntries(LEVELS.map((level) => [level, z.number().int().min(0)])))
    .meta({ description: 'How many objects were removed per level, the one asked for included.' }),
  containers: z
    .object({
      removed: z.number().int().min(0),
      left: z.array(z.string()).meta({
        description:
          'host/container of containers left behind because their host could not be reached (force=true).',
      }),
    })
    .meta({ description: 'Workspace containers removed from their hosts by this delete.' }),
});

export const listManifestSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('List'),
  items: z.array(z.union(RESOURCE_KINDS.map(bareManifest))),
});

export const applyResultSchema = z.object({
  dryRun: z.boolean(),
  items: z.array(
    z.object({
      path: z.string().meta({
        description: "Where the manifest was in the input: '[1]', 'items[0]', '' for a lone one.",
      }),
      kind: z.enum(RESOURCE_KINDS),
      name: z.string(),
      ecosystem: z.string().optional(),
      domain: z.string().optional(),
      app: z.string().optional(),
      result: z.enum(['created', 'configured', 'unchanged']),
      warnings: z.array(z.string()),
      diff: z
        .string()
        .optional()
        .meta({ description: 'Dry run only: unified diff of the manifest, before → after.' }),
      convertedFrom: z.enum(DEPRECATED_KINDS).optional(),
    }),
  ),
  warnings: z.array(z.string()),
});

/** Apply bodies in JSON: one manifest, an array of them, or a `kind: List`. */
export const applyJsonBodySchema = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.record(z.string(), z.unknown())),
]);

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().meta({ description: 'Written for the user; safe to show.' }),
  code: z.string().meta({
    description:
      'INVALID, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, ALREADY_EXISTS, CONFLICT, HAS_CHILDREN, NOT_ACCEPTABLE, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, THROTTLED, NOT_IMPLEMENTED, UNAVAILABLE, INTERNAL',
  }),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).meta({
    description:
      "One per bad field; paths like 'spec.mounts[0].destination' or '[2].metadata.name'.",
  }),
  id: z
    .string()
    .optional()
    .meta({ description: 'Internal errors only: quote it to the operator.' }),
});

// Identity and access (docs/api-auth.md).

const scope = z.enum(['read', 'write', 'admin']);
const role = z.enum(['owner', 'developer', 'viewer']);

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  isAdmin: z.boolean(),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  hasPassword: z.boolean(),
  createdAt: dateTime,
  updatedAt: dateTime,
  lastSignInAt: dateTime.optional(),
});

export const tokenSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  prefix: z.string(),
  scope,
  createdAt: dateTime,
  expiresAt: dateTime.optional(),
  lastUsedAt: dateTime.optional(),
  revokedAt: dateTime.optional(),
});

export const createdTokenSchema = tokenSchema.extend({
  secret: z.string().meta({ description: 'Shown in this response only; stored as a hash.' }),
});

export const tokenListSchema = z.object({ items: z.array(tokenSchema) });

export const membershipSchema = z.object({
  userId: z.string(),
  email: z.string(),
  ecosystem: z.string(),
  role,
  createdAt: dateTime,
});

export const meSchema = z.object({
  user: userSchema,
  roles: z.array(z.object({ ecosystem: z.string(), role })),
  via: z.enum(['session', 'token', 'password', 'system']),
  scope,
  token: z.object({ id: z.string(), prefix: z.string() }).optional(),
});

export const ticketSchema = z.object({ ticket: z.string(), expiresAt: dateTime });

export const auditEventSchema = z.object({
  id: z.string(),
  time: dateTime,
  actorId: z.string().optional(),
  actor: z.string(),
  source: z.enum(['ui', 'api', 'cli', 'system']),
  action: z.string(),
  target: z.string().optional(),
  ecosystem: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
  address: z.string().optional(),
});

/** The OpenAPI document itself is an object; it is not described by a schema of its own. */
export const openApiDocumentSchema = z.record(z.string(), z.unknown());

// Builds (lib/domain/builds/build-view.ts, plus links added by lib/http/build-handlers.ts).

const settingSource = z
  .enum(['default', 'detected', 'ecosystem', 'domain', 'app', 'workspace'])
  .meta({ description: 'Where the effective value came from.' });

export const buildSchema = z.object({
  id: z.string().meta({ description: 'Stable id (UUIDv7): newer builds sort after older ones.' }),
  workspace: z.string().meta({ description: 'ecosystem/domain/app/workspace' }),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  host: z.string().meta({ description: 'The host whose agent builds it.' }),
  builder: z
    .string()
    .optional()
    .meta({ description: 'docker-api or buildkit, once the agent has said which it used.' }),
  requestedBuilder: z.string().optional(),
  noCache: z.boolean(),
  requestedBy: z.string(),
  createdAt: dateTime,
  startedAt: dateTime.optional(),
  finishedAt: dateTime.optional(),
  durationMs: z.number().int().min(0).optional().meta({ description: 'From start to finish.' }),
  tag: z.string().optional().meta({
    description:
      'dvm/<eco>-<dom>-<app>-<ws>:<hash of the inputs>: unchanged inputs give the same tag and reuse the image.',
  }),
  imageId: z.string().optional(),
  digest: z.string().optional(),
  reused: z
    .boolean()
    .optional()
    .meta({ description: 'The image for these inputs was on the host already.' }),
  dockerfile: z.string().optional().meta({ description: 'The generated Dockerfile.' }),
  baseImage: z.object({ image: z.string(), source: settingSource }).optional(),
  language: z
    .object({ name: z.string(), version: z.string().optional(), source: settingSource })
    .optional(),
  steps: z.array(
    z.object({
      name: z.string(),
      state: z.enum(['started', 'completed', 'cached', 'failed']),
      cached: z.boolean(),
      durationMs: z.number().int().min(0).optional(),
    }),
  ),
  failure: z
    .object({
      message: z.string().meta({ description: 'Why, in words a user can act on.' }),
      failedStep: z.string().optional(),
      exitCode: z.number().int().optional(),
      lastLines: z.array(z.string()).meta({ description: 'The last lines of the log.' }),
    })
    .optional(),
  cancelRequestedAt: dateTime
    .optional()
    .meta({ description: 'A running build asked to stop; it ends cancelled.' }),
  log: z.object({
    bytes: z.number().int().min(0),
    truncated: z.boolean().meta({ description: 'The log passed 5 MiB; the rest was dropped.' }),
  }),
  links: z.object({
    self: z.string(),
    log: z.string(),
    follow: z.string().meta({ description: 'The log as Server-Sent Events, live.' }),
    cancel: z.string(),
    workspace: z.string(),
  }),
});
