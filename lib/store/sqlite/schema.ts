// SQLite tables. Must mirror ../postgres/schema.ts column for column: schema-parity.ts fails the
// typecheck and schema-parity.test.ts fails the tests when they drift apart.
// Timestamps are integer milliseconds since the epoch (UTC); JSON is stored as text so the spec
// round-trips byte for byte.
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

const objectColumns = () => ({
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Names from the ecosystem down to this object, joined by a space: the keyset order. */
  sortKey: text('sort_key').notNull(),
  labels: text('labels').notNull().default('{}'),
  annotations: text('annotations').notNull().default('{}'),
  spec: text('spec').notNull().default('{}'),
  version: integer('version').notNull().default(1),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const ecosystems = sqliteTable('ecosystems', objectColumns(), (t) => [
  uniqueIndex('ecosystems_sort_key_uq').on(t.sortKey),
  uniqueIndex('ecosystems_name_uq').on(t.name),
]);

export const domains = sqliteTable(
  'domains',
  {
    ...objectColumns(),
    ecosystemId: text('ecosystem_id')
      .notNull()
      .references(() => ecosystems.id, { onDelete: 'restrict' }),
  },
  (t) => [
    uniqueIndex('domains_sort_key_uq').on(t.sortKey),
    uniqueIndex('domains_parent_name_uq').on(t.ecosystemId, t.name),
    index('domains_ecosystem_sort_idx').on(t.ecosystemId, t.sortKey),
  ],
);

export const apps = sqliteTable(
  'apps',
  {
    ...objectColumns(),
    ecosystemId: text('ecosystem_id')
      .notNull()
      .references(() => ecosystems.id, { onDelete: 'restrict' }),
    domainId: text('domain_id')
      .notNull()
      .references(() => domains.id, { onDelete: 'restrict' }),
  },
  (t) => [
    uniqueIndex('apps_sort_key_uq').on(t.sortKey),
    uniqueIndex('apps_parent_name_uq').on(t.domainId, t.name),
    index('apps_ecosystem_sort_idx').on(t.ecosystemId, t.sortKey),
    index('apps_domain_sort_idx').on(t.domainId, t.sortKey),
  ],
);

export const workspaces = sqliteTable(
  'workspaces',
  {
    ...objectColumns(),
    ecosystemId: text('ecosystem_id')
      .notNull()
      .references(() => ecosystems.id, { onDelete: 'restrict' }),
    domainId: text('domain_id')
      .notNull()
      .references(() => domains.id, { onDelete: 'restrict' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'restrict' }),
  },
  (t) => [
    uniqueIndex('workspaces_sort_key_uq').on(t.sortKey),
    uniqueIndex('workspaces_parent_name_uq').on(t.appId, t.name),
    index('workspaces_ecosystem_sort_idx').on(t.ecosystemId, t.sortKey),
    index('workspaces_domain_sort_idx').on(t.domainId, t.sortKey),
    index('workspaces_app_sort_idx').on(t.appId, t.sortKey),
  ],
);

/** One row per user: the active ecosystem/domain/app/workspace (`dvm use`). */
export const userContexts = sqliteTable('user_contexts', {
  userId: text('user_id').primaryKey(),
  ecosystemId: text('ecosystem_id').references(() => ecosystems.id, { onDelete: 'set null' }),
  domainId: text('domain_id').references(() => domains.id, { onDelete: 'set null' }),
  appId: text('app_id').references(() => apps.id, { onDelete: 'set null' }),
  workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'set null' }),
  updatedAt: integer('updated_at')
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`),
});

// ── Identity ───────────────────────────────────────────────────────────────────────────────
// Booleans are 0/1 integers here and `boolean` in PostgreSQL; the drivers encode them.

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Lower-cased by the store. */
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    passwordHash: text('password_hash'),
    isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    mustChangePassword: integer('must_change_password', { mode: 'boolean' })
      .notNull()
      .default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    lastSignInAt: integer('last_sign_in_at'),
  },
  (t) => [uniqueIndex('users_email_uq').on(t.email)],
);

export const memberships = sqliteTable(
  'memberships',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ecosystemId: text('ecosystem_id')
      .notNull()
      .references(() => ecosystems.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.ecosystemId], name: 'memberships_pk' }),
    index('memberships_ecosystem_idx').on(t.ecosystemId),
  ],
);

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    scope: text('scope').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_secret_hash_uq').on(t.secretHash),
    index('api_tokens_user_idx').on(t.userId),
  ],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const socketTickets = sqliteTable('socket_tickets', {
  secretHash: text('secret_hash').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  purpose: text('purpose').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
});

export const authThrottle = sqliteTable('auth_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  firstFailureAt: integer('first_failure_at').notNull(),
  lastFailureAt: integer('last_failure_at').notNull(),
});

/** Append-only. No foreign keys: entries outlive the users and objects they mention. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    time: integer('time').notNull(),
    actorId: text('actor_id'),
    actor: text('actor').notNull(),
    source: text('source').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    ecosystem: text('ecosystem'),
    before: text('before'),
    after: text('after'),
    detail: text('detail'),
    address: text('address'),
  },
  (t) => [
    index('audit_events_ecosystem_idx').on(t.ecosystem, t.id),
    index('audit_events_actor_idx').on(t.actorId, t.id),
    index('audit_events_action_idx').on(t.action, t.id),
  ],
);

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: integer('created_at').notNull(),
});

// ── Hosts ──────────────────────────────────────────────────────────────────────────────────
// Secrets are never stored in clear: the join token as its SHA-256, the agent's credential
// encrypted with the control plane's key (lib/auth/sealed-secret.ts).

export const hosts = sqliteTable(
  'hosts',
  {
    id: text('id').primaryKey(),
    /** A DNS label; hosts are never renamed. */
    name: text('name').notNull(),
    address: text('address').notNull().default(''),
    labels: text('labels').notNull().default('{}'),
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    lastHeartbeatAt: integer('last_heartbeat_at'),
    /** What the agent last reported (JSON). */
    info: text('info'),
    credentialCiphertext: text('credential_ciphertext'),
    joinTokenHash: text('join_token_hash'),
    joinTokenExpiresAt: integer('join_token_expires_at'),
    joinedAt: integer('joined_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('hosts_name_uq').on(t.name),
    uniqueIndex('hosts_join_token_hash_uq').on(t.joinTokenHash),
  ],
);

/**
 * Where a workspace's container lives. Goes with its workspace (cascade); a host with placements
 * cannot be deleted (restrict).
 */
export const workspacePlacements = sqliteTable(
  'workspace_placements',
  {
    workspaceId: text('workspace_id')
      .primaryKey()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'restrict' }),
    containerName: text('container_name').notNull(),
    image: text('image').notNull(),
    sourceVolume: text('source_volume'),
    desired: text('desired').notNull(),
    observed: text('observed').notNull(),
    reason: text('reason'),
    observedAt: integer('observed_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('workspace_placements_host_idx').on(t.hostId)],
);

// ── Builds ─────────────────────────────────────────────────────────────────────────────────
// A build goes with its workspace (cascade), and its events with it. The host is kept by name,
// not by reference: the history of builds outlives a host that was removed.

export const builds = sqliteTable(
  'builds',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    host: text('host').notNull(),
    /** queued, running, succeeded, failed, cancelled. */
    status: text('status').notNull(),
    requestedBuilder: text('requested_builder'),
    builder: text('builder'),
    noCache: integer('no_cache', { mode: 'boolean' }).notNull().default(false),
    requestedBy: text('requested_by').notNull(),
    requestedById: text('requested_by_id'),
    /** What to build, as resolved when it was asked for (JSON): source, settings, repository. */
    request: text('request').notNull(),
    tag: text('tag'),
    imageId: text('image_id'),
    digest: text('digest'),
    inputsHash: text('inputs_hash'),
    reused: integer('reused', { mode: 'boolean' }),
    dockerfile: text('dockerfile'),
    /** JSON: the effective value and where it came from. */
    baseImage: text('base_image'),
    language: text('language'),
    /** JSON array of the steps as last reported. */
    steps: text('steps').notNull().default('[]'),
    /** JSON: message, failed step, exit code, last log lines. */
    failure: text('failure'),
    /** The sequence number of the last event (0 before the first). */
    lastSeq: integer('last_seq').notNull().default(0),
    logBytes: integer('log_bytes').notNull().default(0),
    logTruncated: integer('log_truncated', { mode: 'boolean' }).notNull().default(false),
    cancelRequestedAt: integer('cancel_requested_at'),
    /** The control-plane process running it, and when that process last said it still was. */
    runner: text('runner'),
    heartbeatAt: integer('heartbeat_at'),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('builds_workspace_idx').on(t.workspaceId, t.id),
    index('builds_status_host_idx').on(t.status, t.host, t.id),
  ],
);

/** What a build reported, in order: steps, log output, what was prepared. Replayed to followers. */
export const buildEvents = sqliteTable(
  'build_events',
  {
    buildId: text('build_id')
      .notNull()
      .references(() => builds.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    data: text('data').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.buildId, t.seq], name: 'build_events_pk' })],
);
