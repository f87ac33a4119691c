// PostgreSQL tables. Must mirror ../sqlite/schema.ts column for column: schema-parity.ts fails the
// typecheck and schema-parity.test.ts fails the tests when they drift apart.
// JSON is stored as text (not jsonb) so the spec round-trips exactly, key order included.
import { sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * Keyset order must be byte order, the same as SQLite's: with a locale collation PostgreSQL would
 * ignore the separator and sort `a-b` between `a`'s children.
 */
const byteOrderedText = customType<{ data: string }>({
  dataType: () => 'text COLLATE "C"',
});

const timestampUtc = (name: string) =>
  timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });

const objectColumns = () => ({
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Names from the ecosystem down to this object, joined by a space: the keyset order. */
  sortKey: byteOrderedText('sort_key').notNull(),
  labels: text('labels').notNull().default('{}'),
  annotations: text('annotations').notNull().default('{}'),
  spec: text('spec').notNull().default('{}'),
  version: integer('version').notNull().default(1),
  createdAt: timestampUtc('created_at').notNull(),
  updatedAt: timestampUtc('updated_at').notNull(),
});

export const ecosystems = pgTable('ecosystems', objectColumns(), (t) => [
  uniqueIndex('ecosystems_sort_key_uq').on(t.sortKey),
  uniqueIndex('ecosystems_name_uq').on(t.name),
]);

export const domains = pgTable(
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

export const apps = pgTable(
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

export const workspaces = pgTable(
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
export const userContexts = pgTable('user_contexts', {
  userId: text('user_id').primaryKey(),
  ecosystemId: text('ecosystem_id').references(() => ecosystems.id, { onDelete: 'set null' }),
  domainId: text('domain_id').references(() => domains.id, { onDelete: 'set null' }),
  appId: text('app_id').references(() => apps.id, { onDelete: 'set null' }),
  workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'set null' }),
  updatedAt: timestampUtc('updated_at')
    .notNull()
    .default(sql`now()`),
});

// ── Identity ───────────────────────────────────────────────────────────────────────────────

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Lower-cased by the store. */
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    passwordHash: text('password_hash'),
    isAdmin: boolean('is_admin').notNull().default(false),
    disabled: boolean('disabled').notNull().default(false),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    createdAt: timestampUtc('created_at').notNull(),
    updatedAt: timestampUtc('updated_at').notNull(),
    lastSignInAt: timestampUtc('last_sign_in_at'),
  },
  (t) => [uniqueIndex('users_email_uq').on(t.email)],
);

export const memberships = pgTable(
  'memberships',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ecosystemId: text('ecosystem_id')
      .notNull()
      .references(() => ecosystems.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: timestampUtc('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.ecosystemId], name: 'memberships_pk' }),
    index('memberships_ecosystem_idx').on(t.ecosystemId),
  ],
);

export const apiTokens = pgTable(
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
    createdAt: timestampUtc('created_at').notNull(),
    expiresAt: timestampUtc('expires_at'),
    lastUsedAt: timestampUtc('last_used_at'),
    revokedAt: timestampUtc('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_secret_hash_uq').on(t.secretHash),
    index('api_tokens_user_idx').on(t.userId),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestampUtc('created_at').notNull(),
    expiresAt: timestampUtc('expires_at').notNull(),
    revokedAt: timestampUtc('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const socketTickets = pgTable('socket_tickets', {
  secretHash: text('secret_hash').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  purpose: text('purpose').notNull(),
  expiresAt: timestampUtc('expires_at').notNull(),
  usedAt: timestampUtc('used_at'),
});

export const authThrottle = pgTable('auth_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  firstFailureAt: timestampUtc('first_failure_at').notNull(),
  lastFailureAt: timestampUtc('last_failure_at').notNull(),
});

/** Append-only. No foreign keys: entries outlive the users and objects they mention. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    time: timestampUtc('time').notNull(),
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

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestampUtc('created_at').notNull(),
});

// ── Hosts ──────────────────────────────────────────────────────────────────────────────────
// Secrets are never stored in clear: the join token as its SHA-256, the agent's credential
// encrypted with the control plane's key (lib/auth/sealed-secret.ts).

export const hosts = pgTable(
  'hosts',
  {
    id: text('id').primaryKey(),
    /** A DNS label; hosts are never renamed. Byte order, so pages come out as on SQLite. */
    name: byteOrderedText('name').notNull(),
    address: text('address').notNull().default(''),
    labels: text('labels').notNull().default('{}'),
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    lastHeartbeatAt: timestampUtc('last_heartbeat_at'),
    /** What the agent last reported (JSON). */
    info: text('info'),
    credentialCiphertext: text('credential_ciphertext'),
    joinTokenHash: text('join_token_hash'),
    joinTokenExpiresAt: timestampUtc('join_token_expires_at'),
    joinedAt: timestampUtc('joined_at'),
    createdAt: timestampUtc('created_at').notNull(),
    updatedAt: timestampUtc('updated_at').notNull(),
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
export const workspacePlacements = pgTable(
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
    observedAt: timestampUtc('observed_at'),
    createdAt: timestampUtc('created_at').notNull(),
    updatedAt: timestampUtc('updated_at').notNull(),
  },
  (t) => [index('workspace_placements_host_idx').on(t.hostId)],
);

// ── Builds ─────────────────────────────────────────────────────────────────────────────────
// A build goes with its workspace (cascade), and its events with it. The host is kept by name,
// not by reference: the history of builds outlives a host that was removed.

export const builds = pgTable(
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
    noCache: boolean('no_cache').notNull().default(false),
    requestedBy: text('requested_by').notNull(),
    requestedById: text('requested_by_id'),
    /** What to build, as resolved when it was asked for (JSON): source, settings, repository. */
    request: text('request').notNull(),
    tag: text('tag'),
    imageId: text('image_id'),
    digest: text('digest'),
    inputsHash: text('inputs_hash'),
    reused: boolean('reused'),
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
    logTruncated: boolean('log_truncated').notNull().default(false),
    cancelRequestedAt: timestampUtc('cancel_requested_at'),
    /** The control-plane process running it, and when that process last said it still was. */
    runner: text('runner'),
    heartbeatAt: timestampUtc('heartbeat_at'),
    createdAt: timestampUtc('created_at').notNull(),
    startedAt: timestampUtc('started_at'),
    finishedAt: timestampUtc('finished_at'),
    updatedAt: timestampUtc('updated_at').notNull(),
  },
  (t) => [
    index('builds_workspace_idx').on(t.workspaceId, t.id),
    index('builds_status_host_idx').on(t.status, t.host, t.id),
  ],
);

/** What a build reported, in order: steps, log output, what was prepared. Replayed to followers. */
export const buildEvents = pgTable(
  'build_events',
  {
    buildId: text('build_id')
      .notNull()
      .references(() => builds.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    data: text('data').notNull(),
    at: timestampUtc('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.buildId, t.seq], name: 'build_events_pk' })],
);
