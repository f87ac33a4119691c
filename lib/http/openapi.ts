// The OpenAPI 3.1 document of /api/v1, generated — never written by hand — from two sources:
//
//   1. ROUTES below: one entry per route and method (`METHOD /api/v1/path/{param}`), naming the
//      zod schemas the route itself parses its query and body with (resource-requests.ts,
//      identity-requests.ts) and the schema of what it answers (response-schemas.ts);
//   2. z.toJSONSchema of those schemas: the manifest contracts, the request shapes, the answers.
//
// lib/http/openapi.test.ts fails when a route file under app/api/v1 exports a method that has no
// entry here, or an entry names a route that does not exist, so the two cannot drift; and
// e2e/route-inventory.test.ts validates every successful answer it gets against this document.

import { z } from 'zod';
import {
  createHostRequest,
  hostJoinTokenSchema,
  hostManifestSchema,
  joinHostRequest,
  joinTokenRequest,
  patchHostRequest,
} from '@/lib/contracts/host';
import { RESOURCE_KINDS, type ResourceKind } from '@/lib/contracts/manifest';
import { buildRequestSchema } from '@/lib/domain/builds/build-input';
import { buildLogQuery } from './build-requests';
import {
  auditQuery,
  createTokenRequest,
  createUserRequest,
  listTokensQuery,
  mintTicketRequest,
  pageQuery,
  setMemberRequest,
  updateUserRequest,
} from './identity-requests';
import { OUTPUT_FORMATS, OUTPUT_MEDIA_TYPES, type OutputFormat } from './negotiate';
import {
  applyQuery,
  createQuery,
  deleteQuery,
  exportQuery,
  getQuery,
  lifecycleQuery,
  listQuery,
  noQuery,
  writeQuery,
} from './resource-requests';
import {
  applyJsonBodySchema,
  applyResultSchema,
  auditEventSchema,
  buildSchema,
  createdTokenSchema,
  deleteResultSchema,
  listManifestSchema,
  manifestWithStatus,
  meSchema,
  membershipSchema,
  mergePatchSchema,
  openApiDocumentSchema,
  pageOf,
  problemSchema,
  resourceBody,
  ticketSchema,
  tokenListSchema,
  tokenSchema,
  userSchema,
} from './response-schemas';
import { openTerminalBody, terminalListSchema, terminalSchema } from './terminal-handlers';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type Header = 'ETag' | 'Location' | 'Warning' | 'Link';
type Query = z.ZodObject<z.ZodRawShape>;

interface Operation {
  summary: string;
  /** Who may call it (the least role and token scope), and anything else worth saying. */
  description: string;
  tag: string;
  query?: Query;
  body?: { schema: string; mediaTypes: readonly string[]; yamlText?: boolean };
  success: {
    status: number;
    description: string;
    /** A component schema name; absent for 204. */
    schema?: string;
    /** The formats it can answer in (?output=, Accept); JSON only when absent. */
    formats?: readonly OutputFormat[];
    /** Text answers besides (or instead of) `schema`, by media type: what the text is. */
    text?: Readonly<Record<string, string>>;
    headers?: readonly Header[];
  };
  /** Problem statuses besides 401 and 500, which every operation has. */
  problems: readonly number[];
  /** HTTP Basic (email:password) is accepted too: only POST /api/v1/tokens. */
  basic?: boolean;
  /** No session or token: the request carries its own credential (POST /api/v1/hosts/join). */
  public?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Component schemas: request bodies are described as the client sends them (zod "input"),
// answers as the server produces them (zod "output").
// ---------------------------------------------------------------------------------------------

const INPUT_SCHEMAS: Record<string, z.ZodType> = {
  MergePatch: mergePatchSchema,
  ApplyJsonBody: applyJsonBodySchema,
  CreateTokenRequest: createTokenRequest(new Date(0)),
  CreateUserRequest: createUserRequest,
  UpdateUserRequest: updateUserRequest,
  SetMemberRequest: setMemberRequest,
  MintTicketRequest: mintTicketRequest,
  CreateHostRequest: createHostRequest,
  PatchHostRequest: patchHostRequest,
  JoinTokenRequest: joinTokenRequest,
  JoinHostRequest: joinHostRequest,
  BuildRequest: buildRequestSchema,
  OpenTerminalRequest: openTerminalBody,
};

const OUTPUT_SCHEMAS: Record<string, z.ZodType> = {
  Problem: problemSchema,
  DeleteResult: deleteResultSchema,
  List: listManifestSchema,
  ApplyResult: applyResultSchema,
  Me: meSchema,
  Token: tokenSchema,
  CreatedToken: createdTokenSchema,
  TokenList: tokenListSchema,
  User: userSchema,
  UserPage: pageOf(userSchema),
  Membership: membershipSchema,
  MembershipPage: pageOf(membershipSchema),
  AuditPage: pageOf(auditEventSchema),
  Ticket: ticketSchema,
  OpenApiDocument: openApiDocumentSchema,
  Host: hostManifestSchema,
  HostPage: pageOf(hostManifestSchema),
  HostJoinToken: hostJoinTokenSchema,
  Build: buildSchema,
  BuildPage: pageOf(buildSchema),
  Terminal: terminalSchema,
  TerminalList: terminalListSchema,
};

for (const kind of RESOURCE_KINDS) {
  const manifest = manifestWithStatus(kind);
  OUTPUT_SCHEMAS[kind] = manifest;
  OUTPUT_SCHEMAS[`${kind}Page`] = pageOf(manifest);
  INPUT_SCHEMAS[`${kind}Body`] = resourceBody(kind);
}

// ---------------------------------------------------------------------------------------------
// The routes
// ---------------------------------------------------------------------------------------------

const BODY_TYPES = ['application/json', ...OUTPUT_MEDIA_TYPES.yaml.slice(0, 1)] as const;
const PATCH_TYPES = ['application/merge-patch+json', ...BODY_TYPES] as const;
const WRITE_PROBLEMS = [400, 403, 404, 406, 409, 413, 415] as const;
const READ_PROBLEMS = [400, 403, 404, 406] as const;

interface LevelInfo {
  kind: ResourceKind;
  plural: string;
  collection: string;
  item: string;
  /** Least role to create, change and delete. */
  writer: string;
  /** Least role to change (PUT, PATCH) and to delete, when they differ from `writer`. */
  changer?: string;
  deleter?: string;
  /** Who may read. */
  reader: string;
}

const LEVELS: LevelInfo[] = [
  {
    kind: 'Ecosystem',
    plural: 'ecosystems',
    collection: '/api/v1/ecosystems',
    item: '/api/v1/ecosystems/{eco}',
    writer: 'administrators (token scope `admin`)',
    changer: 'owners of the ecosystem (scope `write`)',
    deleter: 'administrators (token scope `admin`)',
    reader:
      'Any signed-in user (scope `read`): administrators see every ecosystem, everyone else those they hold a role in (others are 404).',
  },
  {
    kind: 'Domain',
    plural: 'domains',
    collection: '/api/v1/ecosystems/{eco}/domains',
    item: '/api/v1/ecosystems/{eco}/domains/{dom}',
    writer: 'owners of the ecosystem (scope `write`)',
    reader: 'Any member of the ecosystem (scope `read`); others get 404.',
  },
  {
    kind: 'App',
    plural: 'apps',
    collection: '/api/v1/ecosystems/{eco}/domains/{dom}/apps',
    item: '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}',
    writer: 'developers and owners of the ecosystem (scope `write`)',
    reader: 'Any member of the ecosystem (scope `read`); others get 404.',
  },
  {
    kind: 'Workspace',
    plural: 'workspaces',
    collection: '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces',
    item: '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}',
    writer: 'developers and owners of the ecosystem (scope `write`)',
    reader: 'Any member of the ecosystem (scope `read`); others get 404.',
  },
];

const CONTAINERS_NOTE =
  'The containers of the workspaces it removes are removed from their hosts first: `?removeImage=true` also removes their images (an image another container uses is kept), `?removeVolume=true` the volumes their git sources were cloned into (host paths are never touched). A host that cannot be reached stops the delete with 503 UNAVAILABLE naming it, unless `?force=true`, which deletes the records and leaves those containers behind (listed in the answer).';

const WORKSPACE_ITEM = '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}';

function lifecycleOperation(action: 'start' | 'stop'): Operation {
  return {
    summary: action === 'start' ? 'Start a workspace' : 'Stop a workspace',
    description:
      action === 'start'
        ? 'For developers and owners of the ecosystem (scope `write`). The first start places the workspace on a host (the host its app names, else a healthy host whose allowed roots hold the app path, else — for git sources — the least loaded healthy host its `host.devopsmaestro.io/…` labels select); later starts stay there. The container is created, or recreated when the spec changed (the source volume is kept), and started. The answer is the workspace whose status carries the state read back from the host (`state`, `desiredState`, `host`, `container`, `image`, `reason`). 503 UNAVAILABLE when no healthy host fits or the host cannot be reached; the detail says which and why.'
        : 'For developers and owners of the ecosystem (scope `write`). Stops the container (SIGTERM, then SIGKILL after 10 s) and answers with the workspace whose status carries the state read back from the host. 409 CONFLICT for a workspace that was never started; 503 UNAVAILABLE when its host cannot be reached or is unhealthy.',
    tag: 'Workspaces',
    query: lifecycleQuery,
    success: {
      status: 200,
      description: 'The workspace, its status carrying the runtime state.',
      schema: 'Workspace',
      formats: OUTPUT_FORMATS,
      headers: ['ETag'],
    },
    problems: [400, 403, 404, 406, 409, 503],
  };
}

const BUILD_ITEM = `${WORKSPACE_ITEM}/builds/{id}`;

const BUILD_READERS = 'Any member of the ecosystem (scope `read`); others get 404.';

function cancelOperation(): Operation {
  return {
    summary: 'Cancel a build',
    description:
      'For developers and owners of the ecosystem (scope `write`). A queued build is cancelled at once; a running one is stopped on its host (the answer shows it still running with `cancelRequestedAt`; it ends `cancelled` within seconds — follow the log to see it). 409 CONFLICT when the build has already finished. `DELETE …/builds/{id}` and `POST …/builds/{id}/cancel` do the same.',
    tag: 'Builds',
    query: noQuery,
    success: { status: 200, description: 'The build after the cancel.', schema: 'Build' },
    problems: [400, 403, 404, 409],
  };
}

const HOSTS_NOTE =
  'Hosts are `kind: Host` manifests in answers only: /api/v1/apply does not accept them (yet). No answer ever carries an agent credential.';

const WARNINGS_NOTE =
  'Warnings about the manifest (fields stored but not acted on yet, a converted Project) come as `Warning: 299 - "…"` headers, one per warning.';

function resourceOperations(level: LevelInfo): Record<string, Operation> {
  const { kind, plural } = level;
  const tag = kind === 'Ecosystem' ? 'Ecosystems' : `${kind}s`;
  const read = level.reader;
  return {
    [`GET ${level.collection}`]: {
      summary: `List ${plural}`,
      description: `${read} Keyset pages: \`?limit=\` and \`?cursor=\`; \`Link: rel="next"\` points at the next page.`,
      tag,
      query: listQuery,
      success: {
        status: 200,
        description: `A page of ${plural} as manifests with status.`,
        schema: `${kind}Page`,
        formats: OUTPUT_FORMATS,
        headers: ['Link'],
      },
      problems: kind === 'Ecosystem' ? [400, 406] : [400, 404, 406],
    },
    [`POST ${level.collection}`]: {
      summary: `Create a ${kind.toLowerCase()}`,
      description: `For ${level.writer}. The body is a manifest (JSON or YAML); parents come from the URL and may be left out. ${WARNINGS_NOTE}`,
      tag,
      query: createQuery,
      body: { schema: `${kind}Body`, mediaTypes: BODY_TYPES },
      success: {
        status: 201,
        description: `The created ${kind.toLowerCase()}.`,
        schema: kind,
        formats: OUTPUT_FORMATS,
        headers: ['Location', 'ETag', 'Warning'],
      },
      problems: WRITE_PROBLEMS,
    },
    [`GET ${level.item}`]: {
      summary: `Read a ${kind.toLowerCase()}`,
      description: read,
      tag,
      query: getQuery,
      success: {
        status: 200,
        description: `The ${kind.toLowerCase()} as a manifest with status.`,
        schema: kind,
        formats: OUTPUT_FORMATS,
        headers: ['ETag'],
      },
      problems: READ_PROBLEMS,
    },
    [`PUT ${level.item}`]: {
      summary: `Replace a ${kind.toLowerCase()}`,
      description: `For ${level.changer ?? level.writer}. Labels, annotations and spec are replaced by the body's; name and parents cannot change. \`If-Match: "<version>"\` (or \`?expectedVersion=\`) refuses the change with 409 if the object changed since. ${WARNINGS_NOTE}`,
      tag,
      query: writeQuery,
      body: { schema: `${kind}Body`, mediaTypes: BODY_TYPES },
      success: {
        status: 200,
        description: `The ${kind.toLowerCase()} after the change.`,
        schema: kind,
        formats: OUTPUT_FORMATS,
        headers: ['ETag', 'Warning'],
      },
      problems: WRITE_PROBLEMS,
    },
    [`PATCH ${level.item}`]: {
      summary: `Patch a ${kind.toLowerCase()}`,
      description: `For ${level.changer ?? level.writer}. A JSON merge patch (RFC 7386) of the manifest, in JSON or YAML. \`If-Match\` as for PUT. ${WARNINGS_NOTE}`,
      tag,
      query: writeQuery,
      body: { schema: 'MergePatch', mediaTypes: PATCH_TYPES },
      success: {
        status: 200,
        description: `The ${kind.toLowerCase()} after the change.`,
        schema: kind,
        formats: OUTPUT_FORMATS,
        headers: ['ETag', 'Warning'],
      },
      problems: WRITE_PROBLEMS,
    },
    [`DELETE ${level.item}`]: {
      summary: `Delete a ${kind.toLowerCase()}`,
      description: `For ${level.deleter ?? level.writer}. Refused with 409 HAS_CHILDREN while objects exist below it, unless \`?cascade=true\`. ${CONTAINERS_NOTE}`,
      tag,
      query: deleteQuery,
      success: {
        status: 200,
        description:
          'What was removed, per level, and the workspace containers removed from hosts.',
        schema: 'DeleteResult',
        formats: OUTPUT_FORMATS,
      },
      problems: [400, 403, 404, 406, 409, 503],
    },
  };
}

/** Every route and method under /api/v1. */
export const ROUTES: Record<string, Operation> = {
  ...Object.assign({}, ...LEVELS.map(resourceOperations)),

  [`POST ${WORKSPACE_ITEM}/start`]: lifecycleOperation('start'),
  [`POST ${WORKSPACE_ITEM}/stop`]: lifecycleOperation('stop'),

  [`POST ${WORKSPACE_ITEM}/build`]: {
    summary: "Build a workspace's image",
    description:
      "For developers and owners of the ecosystem (scope `write`). Queues a build on the workspace's host (before its first start: the host start would choose) with the settings inherited down ecosystem → domain → app → workspace, and answers 202 at once with the build and `Location`; at most `DVM_BUILD_CONCURRENCY` builds run per host, the rest wait queued. The tag is derived from a hash of the inputs (`dvm/<eco>-<dom>-<app>-<ws>:<hash>`), so unchanged inputs reuse the image. Follow it with `GET …/builds/{id}/log?follow=true`; a workspace without `spec.image.name` starts from its newest successful build. The body is optional. 503 UNAVAILABLE when the host is unhealthy or no healthy host fits.",
    tag: 'Builds',
    query: noQuery,
    body: { schema: 'BuildRequest', mediaTypes: ['application/json'] },
    success: {
      status: 202,
      description: 'The build, queued.',
      schema: 'Build',
      headers: ['Location'],
    },
    problems: [400, 403, 404, 413, 415, 503],
  },
  [`GET ${WORKSPACE_ITEM}/terminals`]: {
    summary: "List a workspace's terminal sessions",
    description:
      'Any member of the ecosystem (scope `read`); others get 404. Running and recently exited sessions in the workspace (oldest first, all in one page): title, command, started, last activity, viewers, and `socketPath` to attach (docs/terminal-protocol.md). Empty when the workspace has never run. 503 UNAVAILABLE when its host cannot be reached.',
    tag: 'Workspaces',
    query: noQuery,
    success: { status: 200, description: 'The sessions.', schema: 'TerminalList' },
    problems: [400, 404, 503],
  },
  [`POST ${WORKSPACE_ITEM}/terminals`]: {
    summary: 'Open a terminal session',
    description:
      "For developers and owners of the ecosystem (scope `write`). Starts a process with a TTY in the running workspace's container (default: its login shell) owned by the caller, and answers 201 with the session and `Location`; connect to `socketPath` to use it. The session outlives sockets: it ends when its process exits, on DELETE, or after 30 minutes without viewers. Audited (`terminal.open`). 409 CONFLICT when the workspace is not running (or the host's session limit is reached); 503 UNAVAILABLE when its host cannot be reached.",
    tag: 'Workspaces',
    query: noQuery,
    body: { schema: 'OpenTerminalRequest', mediaTypes: ['application/json'] },
    success: {
      status: 201,
      description: 'The session.',
      schema: 'Terminal',
      headers: ['Location'],
    },
    problems: [400, 403, 404, 409, 413, 415, 503],
  },
  [`DELETE ${WORKSPACE_ITEM}/terminals/{id}`]: {
    summary: 'End a terminal session',
    description:
      "For developers and owners of the ecosystem (scope `write`). Ends the session's process (SIGHUP, then SIGKILL after 2 s) and answers with the session as it ended; its sockets get the exit. Audited (`terminal.close`).",
    tag: 'Workspaces',
    query: noQuery,
    success: { status: 200, description: 'The session as it ended.', schema: 'Terminal' },
    problems: [400, 403, 404, 503],
  },
  [`GET ${WORKSPACE_ITEM}/builds`]: {
    summary: "List a workspace's builds",
    description: `${BUILD_READERS} Newest first, in keyset pages: \`?limit=\` and \`?cursor=\`; \`Link: rel="next"\` points at the next page.`,
    tag: 'Builds',
    query: pageQuery,
    success: {
      status: 200,
      description: 'A page of builds.',
      schema: 'BuildPage',
      headers: ['Link'],
    },
    problems: [400, 403, 404],
  },
  [`GET ${BUILD_ITEM}`]: {
    summary: 'Read a build',
    description: `${BUILD_READERS} Who asked and when, status, duration, builder, the steps with cache hits and durations, the tag and image id, the generated Dockerfile, the base image and language with where they came from, and — for a failed build — the reason, the failed step, its exit code and the last log lines.`,
    tag: 'Builds',
    query: noQuery,
    success: { status: 200, description: 'The build.', schema: 'Build' },
    problems: [400, 404],
  },
  [`DELETE ${BUILD_ITEM}`]: cancelOperation(),
  [`POST ${BUILD_ITEM}/cancel`]: cancelOperation(),
  [`GET ${BUILD_ITEM}/log`]: {
    summary: "A build's log",
    description: `${BUILD_READERS} The whole log as text (kept up to 5 MiB, then a note), or with \`?follow=true\` as Server-Sent Events: every event from the start — or after the \`Last-Event-ID\` header — then live ones, ending with \`event: finished\` (the build, as GET returns it) and the end of the stream. Events: \`status\` {status, host}, \`prepared\` {builder, tag, reused, baseImage, language, dockerfile}, \`step\` {id, name, state, cached, startedAt, completedAt, durationMs}, \`log\` {stream, text, stepId}; each carries \`id:\` (its sequence number) and \`at\`. A comment line every 15 s keeps idle connections open.`,
    tag: 'Builds',
    query: buildLogQuery,
    success: {
      status: 200,
      description: 'The log, or its event stream.',
      text: {
        'text/plain': 'The log output, as the builder printed it.',
        'text/event-stream':
          'Server-Sent Events (with ?follow=true): `id: <seq>`, `event: <type>`, `data: <JSON>`.',
      },
    },
    problems: [400, 404],
  },

  'GET /api/v1/hosts': {
    summary: 'List hosts',
    description: `Any signed-in user (scope \`read\`): names, addresses, labels and health. Keyset pages: \`?limit=\` and \`?cursor=\`; \`?labelSelector=\` filters by labels. ${HOSTS_NOTE}`,
    tag: 'Hosts',
    query: listQuery,
    success: {
      status: 200,
      description: 'A page of hosts.',
      schema: 'HostPage',
      formats: OUTPUT_FORMATS,
      headers: ['Link'],
    },
    problems: [400, 406],
  },
  'POST /api/v1/hosts': {
    summary: 'Register a host',
    description: `Administrators (scope \`admin\`). The answer carries a one-time join token (\`dvmj_…\`, valid 1 h unless \`expiresInSeconds\` says otherwise) — shown this once, stored as a hash. Start the agent with it: \`dvm-agent --join-token … --control-plane <this server> --listen … --advertise …\`. The name \`join\` is reserved. ${HOSTS_NOTE}`,
    tag: 'Hosts',
    query: createQuery,
    body: { schema: 'CreateHostRequest', mediaTypes: BODY_TYPES },
    success: {
      status: 201,
      description: 'The host (pending) and its join token.',
      schema: 'HostJoinToken',
      formats: OUTPUT_FORMATS,
      headers: ['Location'],
    },
    problems: [400, 403, 406, 409, 413, 415],
  },
  // Before /api/v1/hosts/{name}: the first template that matches a path answers for it.
  'POST /api/v1/hosts/join': {
    summary: 'Join an agent to its host',
    description:
      'What `dvm-agent --join-token …` calls; no session or API token — the one-time join token in the body is the credential (wrong tokens are throttled per client address: 429 with Retry-After). The control plane first asks the agent at `address` for its Info with `credential` (503 when it cannot, saying why; the token stays valid), then consumes the token, keeps the credential encrypted and marks the host healthy. A used, expired or unknown token is 401.',
    tag: 'Hosts',
    query: createQuery,
    body: { schema: 'JoinHostRequest', mediaTypes: BODY_TYPES },
    success: {
      status: 200,
      description: 'The host, joined.',
      schema: 'Host',
      formats: OUTPUT_FORMATS,
    },
    problems: [400, 406, 413, 415, 429, 503],
    public: true,
  },
  'GET /api/v1/hosts/{name}': {
    summary: 'Read a host',
    description: `Any signed-in user (scope \`read\`). ${HOSTS_NOTE}`,
    tag: 'Hosts',
    query: getQuery,
    success: {
      status: 200,
      description: 'The host with its status: health, last heartbeat, platforms, capacity.',
      schema: 'Host',
      formats: OUTPUT_FORMATS,
    },
    problems: [400, 404, 406],
  },
  'PATCH /api/v1/hosts/{name}': {
    summary: "Change a host's address or labels",
    description:
      'Administrators (scope `admin`). The fields given replace the stored ones (`labels` as a whole).',
    tag: 'Hosts',
    query: createQuery,
    body: { schema: 'PatchHostRequest', mediaTypes: BODY_TYPES },
    success: {
      status: 200,
      description: 'The host after the change.',
      schema: 'Host',
      formats: OUTPUT_FORMATS,
    },
    problems: [400, 403, 404, 406, 413, 415],
  },
  'DELETE /api/v1/hosts/{name}': {
    summary: 'Remove a host',
    description:
      'Administrators (scope `admin`). Refused with 409 CONFLICT while workspaces are placed on it (the detail says how many and which): delete those first.',
    tag: 'Hosts',
    query: noQuery,
    success: { status: 204, description: 'Removed.' },
    problems: [400, 403, 404, 409],
  },
  'POST /api/v1/hosts/{name}/join-token': {
    summary: 'Issue a new join token',
    description:
      'Administrators (scope `admin`). For an agent that did not join in time, or to re-join a host (a new machine, a lost credential). The previous token stops working; the joined agent keeps working until another joins with the new token.',
    tag: 'Hosts',
    query: createQuery,
    body: { schema: 'JoinTokenRequest', mediaTypes: BODY_TYPES },
    success: {
      status: 200,
      description: 'The host and its new join token (shown this once).',
      schema: 'HostJoinToken',
      formats: OUTPUT_FORMATS,
    },
    problems: [400, 403, 404, 406, 413, 415],
  },

  'POST /api/v1/apply': {
    summary: 'Apply manifests',
    description:
      'Creates or updates every manifest in the body — YAML with any number of documents, JSON, or `kind: List` — in one transaction: all or nothing. Each manifest needs the role its kind needs (developers for apps and workspaces, owners for domains, administrators for new ecosystems). `?dryRun=true` does the same checks and answers with diffs, writing nothing. Problems name the document: `[2].spec.image.name`. Project conversions also come as `Warning` headers.',
    tag: 'Apply and export',
    query: applyQuery,
    body: { schema: 'ApplyJsonBody', mediaTypes: BODY_TYPES, yamlText: true },
    success: {
      status: 200,
      description:
        'The outcome for each manifest (created, configured, unchanged) and every warning.',
      schema: 'ApplyResult',
      formats: OUTPUT_FORMATS,
      headers: ['Warning'],
    },
    problems: WRITE_PROBLEMS,
  },
  'GET /api/v1/export': {
    summary: 'Export everything',
    description:
      'Every object the caller can read, as one `kind: List` without status, parents first: apply it elsewhere to reproduce them. Any signed-in user (scope `read`).',
    tag: 'Apply and export',
    query: exportQuery,
    success: {
      status: 200,
      description: 'A List of manifests.',
      schema: 'List',
      formats: OUTPUT_FORMATS,
    },
    problems: [400, 406],
  },
  'GET /api/v1/openapi.json': {
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of /api/v1. Any signed-in user.',
    tag: 'API',
    query: noQuery,
    success: { status: 200, description: 'The OpenAPI document.', schema: 'OpenApiDocument' },
    problems: [],
  },

  'GET /api/v1/me': {
    summary: 'Who is calling',
    description: 'The account, its ecosystem roles, how it authenticated and the scope.',
    tag: 'Identity',
    success: { status: 200, description: 'The caller.', schema: 'Me' },
    problems: [],
  },
  'GET /api/v1/tokens': {
    summary: "List the caller's API tokens",
    description: 'Never their secrets. Administrators may name another user with `?userId=`.',
    tag: 'Identity',
    query: listTokensQuery,
    success: { status: 200, description: 'The tokens, newest first.', schema: 'TokenList' },
    problems: [400, 403, 404],
  },
  'POST /api/v1/tokens': {
    summary: 'Create an API token',
    description:
      'With a session or a Bearer token, or HTTP Basic `email:password` (how the CLI gets its first token; throttled). The secret is in this response only.',
    tag: 'Identity',
    body: { schema: 'CreateTokenRequest', mediaTypes: ['application/json'] },
    success: { status: 201, description: 'The token and its secret.', schema: 'CreatedToken' },
    problems: [400, 403, 413, 415, 429],
    basic: true,
  },
  'DELETE /api/v1/tokens/{id}': {
    summary: 'Revoke an API token',
    description:
      "The caller's own (a token may always revoke itself); administrators may revoke anyone's. Idempotent.",
    tag: 'Identity',
    success: { status: 200, description: 'The revoked token.', schema: 'Token' },
    problems: [403, 404],
  },
  'GET /api/v1/audit': {
    summary: 'Read the audit log',
    description:
      'Newest first. Administrators see everything, owners the events of their ecosystems.',
    tag: 'Identity',
    query: auditQuery,
    success: { status: 200, description: 'A page of events.', schema: 'AuditPage' },
    problems: [400, 403, 404],
  },
  'GET /api/v1/users': {
    summary: 'List accounts',
    description: 'Administrators.',
    tag: 'Identity',
    query: pageQuery,
    success: { status: 200, description: 'A page of accounts.', schema: 'UserPage' },
    problems: [400, 403],
  },
  'POST /api/v1/users': {
    summary: 'Create an account',
    description: 'Administrators (scope `admin`). An initial password must be changed by the user.',
    tag: 'Identity',
    body: { schema: 'CreateUserRequest', mediaTypes: ['application/json'] },
    success: {
      status: 201,
      description: 'The account.',
      schema: 'User',
      headers: ['Location'],
    },
    problems: [400, 403, 409, 413, 415],
  },
  'GET /api/v1/users/{id}': {
    summary: 'Read an account',
    description: 'Administrators; anyone may read their own.',
    tag: 'Identity',
    success: { status: 200, description: 'The account.', schema: 'User' },
    problems: [403, 404],
  },
  'PATCH /api/v1/users/{id}': {
    summary: 'Disable, enable, or change the administrator role of an account',
    description: 'Administrators (scope `admin`). One change per request.',
    tag: 'Identity',
    body: { schema: 'UpdateUserRequest', mediaTypes: ['application/json'] },
    success: { status: 200, description: 'The account after the change.', schema: 'User' },
    problems: [400, 403, 404, 409, 413, 415],
  },
  'GET /api/v1/ecosystems/{eco}/members': {
    summary: "List an ecosystem's members",
    description: 'Any member of the ecosystem (scope `read`).',
    tag: 'Identity',
    success: { status: 200, description: 'The members.', schema: 'MembershipPage' },
    problems: [403, 404],
  },
  'PUT /api/v1/ecosystems/{eco}/members': {
    summary: 'Add a member or change their role',
    description: 'Owners of the ecosystem (scope `write`).',
    tag: 'Identity',
    body: { schema: 'SetMemberRequest', mediaTypes: ['application/json'] },
    success: { status: 200, description: 'The membership.', schema: 'Membership' },
    problems: [400, 403, 404, 409, 413, 415],
  },
  'DELETE /api/v1/ecosystems/{eco}/members/{userId}': {
    summary: 'Remove a member',
    description: 'Owners of the ecosystem (scope `write`).',
    tag: 'Identity',
    success: { status: 204, description: 'Removed.' },
    problems: [403, 404, 409],
  },
  'POST /api/v1/tickets': {
    summary: 'Mint a WebSocket ticket',
    description: 'A single-use ticket, valid 30 s, for opening one socket (`?ticket=`).',
    tag: 'Identity',
    body: { schema: 'MintTicketRequest', mediaTypes: ['application/json'] },
    success: { status: 201, description: 'The ticket.', schema: 'Ticket' },
    problems: [400, 403, 413, 415],
  },
};

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

type JsonSchema = Record<string, unknown>;

const PATH_PARAMETERS: Record<string, string> = {
  eco: 'Ecosystem name.',
  dom: 'Domain name.',
  app: 'App name.',
  ws: 'Workspace name.',
  id: 'Id (of the token, or of the build).',
  userId: 'User id.',
  name: 'Host name.',
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'INVALID: the input is wrong; `errors[]` names each field.',
  401: 'UNAUTHENTICATED: no valid credentials.',
  403: 'FORBIDDEN: the role or the token scope does not allow this.',
  404: 'NOT_FOUND: it does not exist, or is in an ecosystem the caller cannot see.',
  406: 'NOT_ACCEPTABLE: Accept names no format this route produces.',
  409: 'ALREADY_EXISTS, CONFLICT (If-Match / expectedVersion no longer matches) or HAS_CHILDREN.',
  413: 'PAYLOAD_TOO_LARGE: 1 MiB (4 MiB for apply).',
  415: 'UNSUPPORTED_MEDIA_TYPE: send JSON (or YAML where listed).',
  429: 'THROTTLED: too many wrong passwords (or join tokens); see Retry-After.',
  500: 'INTERNAL: a bug; quote the `id` to the operator.',
  503: 'UNAVAILABLE: a host agent (or the database) cannot be reached; the detail says which and why.',
};

const HEADERS: Record<Header, { description: string; schema: JsonSchema }> = {
  ETag: {
    description: 'The object\'s version, `"<version>"`: send it back as If-Match.',
    schema: { type: 'string' },
  },
  Location: { description: 'The URL of the created object.', schema: { type: 'string' } },
  Warning: {
    description:
      'One `299 - "…"` per warning (RFC 7234): fields stored but not acted on yet, a deprecated kind converted.',
    schema: { type: 'string' },
  },
  Link: {
    description: '`<…?cursor=…>; rel="next"` when there is a next page.',
    schema: { type: 'string' },
  },
};

const ref = (name: string, section = 'schemas') => ({ $ref: `#/components/${section}/${name}` });

/** JSON Schemas of a registry's schemas, with zod's shared definitions hoisted into components. */
function componentSchemas(
  schemas: Record<string, z.ZodType>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas as Record<string, JsonSchema>;
  const prefix = io === 'input' ? 'InputShared' : 'OutputShared';
  const { __shared: shared, ...named } = generated;
  const result: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(named)) {
    const { $schema: _schema, $id: _id, ...rest } = schema;
    result[id] = rest;
  }
  for (const [id, schema] of Object.entries((shared?.$defs ?? {}) as Record<string, JsonSchema>)) {
    result[`${prefix}_${id}`] = schema;
  }
  // `…/__shared#/$defs/x` is not a valid reference inside one document: point at the hoisted copy.
  const text = JSON.stringify(result).replace(
    /#\/components\/schemas\/__shared#\/\$defs\/([A-Za-z0-9_]+)/g,
    `#/components/schemas/${prefix}_$1`,
  );
  return JSON.parse(text) as Record<string, JsonSchema>;
}

function queryParameters(query: Query | undefined): JsonSchema[] {
  if (!query) return [];
  return Object.entries(query.shape).map(([name, field]) => {
    const {
      $schema: _schema,
      description,
      ...schema
    } = z.toJSONSchema(field as z.ZodType, {
      io: 'input',
      target: 'draft-2020-12',
      unrepresentable: 'any',
    }) as JsonSchema;
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' && { description }),
      schema,
    };
  });
}

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: PATH_PARAMETERS[name!] ?? name,
    schema: { type: 'string' },
  }));
}

function operationObject(key: string, operation: Operation): JsonSchema {
  const [method, path] = key.split(' ') as [Method, string];
  const { success } = operation;
  const content: Record<string, JsonSchema> = {};
  for (const [type, description] of Object.entries(success.text ?? {})) {
    content[type] = { schema: { type: 'string', description } };
  }
  if (success.schema) {
    for (const format of success.formats ?? ['json']) {
      content[OUTPUT_MEDIA_TYPES[format][0]!] =
        format === 'table'
          ? {
              schema: { type: 'string', description: 'Aligned columns, as `dvm get` prints them.' },
            }
          : { schema: ref(success.schema) };
    }
  }
  const responses: Record<string, JsonSchema> = {
    [String(success.status)]: {
      description: success.description,
      ...(success.headers && {
        headers: Object.fromEntries(success.headers.map((name) => [name, ref(name, 'headers')])),
      }),
      ...(Object.keys(content).length > 0 && { content }),
    },
  };
  // A route with a query schema refuses unknown or malformed parameters with 400.
  const queryProblems = operation.query ? [400] : [];
  for (const status of [...new Set([...operation.problems, ...queryProblems, 401, 500])].sort()) {
    responses[String(status)] = ref(`Problem${status}`, 'responses');
  }
  const body = operation.body;
  const requestBody = body && {
    required: true,
    content: Object.fromEntries(
      body.mediaTypes.map((type) => [
        type,
        {
          schema:
            body.yamlText && type !== 'application/json'
              ? {
                  type: 'string',
                  description:
                    'YAML: one or more documents separated by `---`, each a manifest or a `kind: List`.',
                }
              : ref(body.schema),
        },
      ]),
    ),
  };
  const slug = path
    .replace(/^\/api\/v1\//, '')
    .replace(/\{(\w+)\}/g, 'by-$1')
    .replace(/[^A-Za-z0-9]+/g, '-');
  return {
    operationId: `${method.toLowerCase()}-${slug}`.replace(/-+$/, ''),
    summary: operation.summary,
    description: operation.description,
    tags: [operation.tag],
    parameters: [...pathParameters(path), ...queryParameters(operation.query)],
    ...(requestBody && { requestBody }),
    responses,
    ...(operation.basic && {
      security: [{ bearerToken: [] }, { sessionCookie: [] }, { basicPassword: [] }],
    }),
    ...(operation.public && { security: [] }),
  };
}

/** Builds the document. Deterministic; callers may cache it (see openApiDocument). */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [key, operation] of Object.entries(ROUTES)) {
    const [method, path] = key.split(' ') as [Method, string];
    (paths[path] ??= {})[method.toLowerCase()] = operationObject(key, operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'DevOpsMaestro API',
      version: '1',
      description:
        'The REST API of the DevOpsMaestro control plane: ecosystems, domains, apps and workspaces as manifests, apply and export, workspace builds (with live logs), start and stop, hosts, identity. Every route needs credentials — a Bearer API token or the browser session — except POST /api/v1/hosts/join, whose body carries a one-time join token. Errors are application/problem+json. See docs/api-auth.md.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearerToken: [] }, { sessionCookie: [] }],
    tags: [
      'Ecosystems',
      'Domains',
      'Apps',
      'Workspaces',
      'Builds',
      'Hosts',
      'Apply and export',
      'Identity',
      'API',
    ].map((name) => ({ name })),
    paths,
    components: {
      schemas: {
        ...componentSchemas(INPUT_SCHEMAS, 'input'),
        ...componentSchemas(OUTPUT_SCHEMAS, 'output'),
      },
      responses: Object.fromEntries(
        Object.entries(PROBLEM_DESCRIPTIONS).map(([status, description]) => [
          `Problem${status}`,
          {
            description,
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
        ]),
      ),
      headers: HEADERS,
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'dvm_…',
          description: 'An API token (POST /api/v1/tokens).',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'next-auth.session-token',
          description:
            'The browser session (`__Secure-next-auth.session-token` over HTTPS). Changes must come from the server’s own pages (Origin).',
        },
        basicPassword: {
          type: 'http',
          scheme: 'basic',
          description: 'email:password, for POST /api/v1/tokens only (throttled).',
        },
      },
    },
  };
}

const CACHE = Symbol.for('devopsmaestro.http.openapi');
const holder = globalThis as typeof globalThis & { [CACHE]?: JsonSchema };

/** The document, built once per process. */
export function openApiDocument(): JsonSchema {
  return (holder[CACHE] ??= buildOpenApiDocument());
}
