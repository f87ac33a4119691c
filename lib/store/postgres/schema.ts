// PostgreSQL tables. Must mirror ../sqlite/schema.ts column for column: schema-parity.ts fails the
// typecheck and schema-parity.test.ts fails the tests when they drift apart.
// JSON is stored as text (not jsonb) so the spec round-trips exactly, key order included.
import { sql } from 'drizzle-orm';
import {
  customType,
  index,
  integer,
  pgTable,
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
