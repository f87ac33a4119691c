// Hosts: the machines agents run on. The request shapes (create, change, join, re-issue a join
// token) that the REST routes and the domain parse with, and the `kind: Host` manifest the API
// answers with. Host is output-only for now: /api/v1/apply does not accept it.
import { z } from 'zod';

import { invalid } from '@/lib/errors';
import { manifestErrorMap, summarize, toFieldErrors } from './field-errors';
import { API_VERSION } from './manifest';
import { DNS_LABEL_MESSAGE, isDnsLabel, labelsSchema } from './names';

export const HOST_KIND = 'Host';

/** `POST /api/v1/hosts/join` would shadow a host of this name in the URL space. */
export const RESERVED_HOST_NAMES: readonly string[] = ['join'];

export const JOIN_TOKEN_PREFIX = 'dvmj_';
/** A join token: the prefix and 32 random bytes in base64url. */
export const JOIN_TOKEN_PATTERN = /^dvmj_[A-Za-z0-9_-]{43}$/;

export const DEFAULT_JOIN_TOKEN_SECONDS = 3600;
export const MIN_JOIN_TOKEN_SECONDS = 60;
export const MAX_JOIN_TOKEN_SECONDS = 7 * 24 * 3600;

const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})';
const HOSTNAME =
  '(?:[A-Za-z0-9](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*';
const IPV6 = '\\[[0-9A-Fa-f:.]+\\]';
const TCP_ADDRESS = new RegExp(`^(?:${HOSTNAME}|${IPV6}):${PORT}$`);
const UNIX_ADDRESS = /^unix:(?:\/\/)?\/[^\s\0]+$/;
/** `tls://host:port`: the control plane dials the agent with TLS. */
const TLS_PREFIX = 'tls://';

export const ADDRESS_MESSAGE =
  'must be where the control plane reaches the agent: host:port (e.g. build-1.example.com:7443, [::1]:7443), tls://host:port for an agent serving TLS, or unix:///absolute/path.sock';

/** Whether `value` is an agent address gRPC can dial: `host:port` or `unix:///path`. */
export function isAgentAddress(value: string): boolean {
  const tcp = value.startsWith(TLS_PREFIX) ? value.slice(TLS_PREFIX.length) : value;
  return value.length <= 1024 && (TCP_ADDRESS.test(tcp) || UNIX_ADDRESS.test(value));
}

const address = z.string().refine(isAgentAddress, { message: ADDRESS_MESSAGE }).meta({
  description: 'Where the control plane reaches the agent: `host:port` or `unix:///path`.',
});

export const hostNameSchema = z
  .string()
  .refine((value) => value.length > 0, { message: 'must not be empty' })
  .refine((value) => value.length === 0 || isDnsLabel(value), { message: DNS_LABEL_MESSAGE })
  .refine((value) => !RESERVED_HOST_NAMES.includes(value), {
    message: `is reserved (${RESERVED_HOST_NAMES.join(', ')}); choose another name`,
  })
  .meta({ description: 'A DNS label, unique; hosts are never renamed.' });

const expiresInSeconds = z
  .number()
  .int()
  .min(MIN_JOIN_TOKEN_SECONDS)
  .max(MAX_JOIN_TOKEN_SECONDS)
  .meta({
    description: `How long the join token stays valid: ${MIN_JOIN_TOKEN_SECONDS} s to 7 days; ${DEFAULT_JOIN_TOKEN_SECONDS} (1 h) by default.`,
  });

/** `POST /api/v1/hosts`. */
export const createHostRequest = z.strictObject({
  name: hostNameSchema,
  address: address.optional(),
  labels: labelsSchema.optional().meta({ description: 'Used by workspaces to select hosts.' }),
  expiresInSeconds: expiresInSeconds.optional(),
});
export type CreateHostRequest = z.output<typeof createHostRequest>;

/** `PATCH /api/v1/hosts/{name}`: the fields given replace the stored ones (labels as a whole). */
export const patchHostRequest = z
  .strictObject({
    address: address.optional(),
    labels: labelsSchema.optional().meta({ description: 'Replaces all labels.' }),
  })
  .refine((body) => body.address !== undefined || body.labels !== undefined, {
    message: 'give address or labels (or both)',
    path: ['labels'],
  });
export type PatchHostRequest = z.output<typeof patchHostRequest>;

/** `POST /api/v1/hosts/{name}/join-token`. */
export const joinTokenRequest = z.strictObject({ expiresInSeconds: expiresInSeconds.optional() });
export type JoinTokenRequest = z.output<typeof joinTokenRequest>;

/** `POST /api/v1/hosts/join`: what `dvm-agent --join-token …` sends. */
export const joinHostRequest = z.strictObject({
  token: z
    .string()
    .regex(JOIN_TOKEN_PATTERN, { message: 'must be a join token (dvmj_…) as issued for the host' })
    .meta({ description: 'The one-time join token (`dvmj_…`).' }),
  address: address.meta({
    description: 'Where the control plane reaches this agent (`--advertise`).',
  }),
  credential: z
    .string()
    .min(32)
    .max(512)
    .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })
    .meta({
      description:
        'The secret the agent will demand on every call; the control plane keeps it encrypted.',
    }),
});
export type JoinHostRequest = z.output<typeof joinHostRequest>;

/** Parses `value` with `schema`, or throws INVALID naming every bad field. */
export function parseHostInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value, { error: manifestErrorMap });
  if (result.success) return result.data as z.output<S>;
  const errors = toFieldErrors(result.error.issues);
  throw invalid(`${summarize(what, errors)}.`, errors);
}

// The manifest the API answers with.

const dateTime = z.iso.datetime();

/** A platform the agent found (Docker Engine, Docker Desktop, OrbStack, Podman, Colima, …). */
const platformSchema = z.looseObject({
  type: z.string(),
  name: z.string(),
  socket: z.string(),
  active: z.boolean(),
});

export const hostStatusSchema = z.object({
  status: z.enum(['pending', 'healthy', 'unhealthy']).meta({
    description: 'pending until an agent joins; then healthy or unhealthy from its heartbeats.',
  }),
  reason: z.string().optional().meta({ description: 'Why the host is not healthy.' }),
  lastHeartbeat: dateTime.optional(),
  joined: z.boolean().meta({ description: 'An agent has joined (its credential is stored).' }),
  joinedAt: dateTime.optional(),
  joinTokenExpiresAt: dateTime
    .optional()
    .meta({ description: 'While a join token is outstanding: when it expires.' }),
  agentVersion: z.string().optional(),
  hostName: z.string().optional().meta({ description: "The machine's own host name." }),
  runtime: z.string().optional().meta({ description: 'The container runtime, e.g. docker.' }),
  platforms: z.array(platformSchema).optional(),
  builders: z.array(z.string()).optional(),
  allowedRoots: z
    .array(z.string())
    .optional()
    .meta({ description: 'Host paths workspaces on this host may mount.' }),
  capacity: z
    .looseObject({
      cpus: z.number().optional(),
      memoryBytes: z.number().optional(),
      runningWorkspaces: z.number().optional(),
    })
    .optional(),
  createdAt: dateTime,
});
export type HostStatusView = z.output<typeof hostStatusSchema>;

export const hostManifestSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(HOST_KIND),
  metadata: z.object({ name: z.string(), labels: z.record(z.string(), z.string()) }),
  spec: z.object({ address: z.string().meta({ description: 'Empty until an agent joins.' }) }),
  status: hostStatusSchema,
});
export type HostManifest = z.output<typeof hostManifestSchema>;

/** What creating a host or re-issuing its join token answers: the token, shown this once. */
export const hostJoinTokenSchema = z.object({
  host: hostManifestSchema,
  joinToken: z.string().meta({
    description: 'Shown in this response only (stored as a hash); single use.',
  }),
  expiresAt: dateTime,
});
export type HostJoinToken = z.output<typeof hostJoinTokenSchema>;
