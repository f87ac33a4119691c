// SQLite tables. Must mirror ../postgres/schema.ts column for column: schema-parity.ts fails the
// typecheck and schema-parity.test.ts fails the tests when they drift apart.
// Timestamps are integer milliseconds since the epoch (UTC); JSON is stored as text so the spec
// round-trips byte for byte.
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
