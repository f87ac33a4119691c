// Both dialect schemas have the same shape (schema-parity.ts checks it); this maps either one to
// the column handles the shared SQL implementation uses.
import type { Column, Table } from 'drizzle-orm';

import type { Level } from '../data-store';
import type * as reference from '../sqlite/schema';

/** Columns every level's table has, plus the ids of its ancestors. */
export interface LevelTable {
  table: Table;
  id: Column;
  name: Column;
  sortKey: Column;
  labels: Column;
  annotations: Column;
  spec: Column;
  version: Column;
  createdAt: Column;
  updatedAt: Column;
  /** Ancestor id columns by level, e.g. workspaces → {ecosystem, domain, app}. */
  ancestors: Partial<Record<Level, Column>>;
}

export interface ContextTable {
  table: Table;
  userId: Column;
  ecosystemId: Column;
  domainId: Column;
  appId: Column;
  workspaceId: Column;
  updatedAt: Column;
}

type ObjectColumns = Record<
  | 'id'
  | 'name'
  | 'sortKey'
  | 'labels'
  | 'annotations'
  | 'spec'
  | 'version'
  | 'createdAt'
  | 'updatedAt',
  Column
>;
type ObjectTable<Ancestors extends string = never> = Table &
  ObjectColumns &
  Record<Ancestors, Column>;

/**
 * A table as the shared code sees it: drizzle column handles under the same names in both
 * dialects. The SQLite schema is only the reference for the names (schema-parity.ts keeps the
 * PostgreSQL one identical).
 */
type ColumnsOf<T> = T extends { $inferSelect: infer Row } ? keyof Row & string : never;
type SharedTable<T> = Table & Record<ColumnsOf<T>, Column>;

export interface IdentityTables {
  users: SharedTable<typeof reference.users>;
  memberships: SharedTable<typeof reference.memberships>;
  apiTokens: SharedTable<typeof reference.apiTokens>;
  sessions: SharedTable<typeof reference.sessions>;
  socketTickets: SharedTable<typeof reference.socketTickets>;
  authThrottle: SharedTable<typeof reference.authThrottle>;
  auditEvents: SharedTable<typeof reference.auditEvents>;
  settings: SharedTable<typeof reference.settings>;
}

export interface HostTables {
  hosts: SharedTable<typeof reference.hosts>;
  workspacePlacements: SharedTable<typeof reference.workspacePlacements>;
}

export interface BuildTables {
  builds: SharedTable<typeof reference.builds>;
  buildEvents: SharedTable<typeof reference.buildEvents>;
}

export interface HierarchySchema extends IdentityTables, HostTables, BuildTables {
  ecosystems: ObjectTable;
  domains: ObjectTable<'ecosystemId'>;
  apps: ObjectTable<'ecosystemId' | 'domainId'>;
  workspaces: ObjectTable<'ecosystemId' | 'domainId' | 'appId'>;
  userContexts: Table & Omit<ContextTable, 'table'>;
}

function levelTable(table: ObjectTable, ancestors: LevelTable['ancestors']): LevelTable {
  const { id, name, sortKey, labels, annotations, spec, version, createdAt, updatedAt } = table;
  return {
    table,
    id,
    name,
    sortKey,
    labels,
    annotations,
    spec,
    version,
    createdAt,
    updatedAt,
    ancestors,
  };
}

export function tablesOf(schema: HierarchySchema): {
  levels: Record<Level, LevelTable>;
  contexts: ContextTable;
  identity: IdentityTables;
  hosts: HostTables;
  builds: BuildTables;
} {
  const { ecosystems, domains, apps, workspaces, userContexts } = schema;
  const {
    users,
    memberships,
    apiTokens,
    sessions,
    socketTickets,
    authThrottle,
    auditEvents,
    settings,
  } = schema;
  const { hosts, workspacePlacements, builds, buildEvents } = schema;
  return {
    hosts: { hosts, workspacePlacements },
    builds: { builds, buildEvents },
    identity: {
      users,
      memberships,
      apiTokens,
      sessions,
      socketTickets,
      authThrottle,
      auditEvents,
      settings,
    },
    levels: {
      ecosystem: levelTable(ecosystems, {}),
      domain: levelTable(domains, { ecosystem: domains.ecosystemId }),
      app: levelTable(apps, { ecosystem: apps.ecosystemId, domain: apps.domainId }),
      workspace: levelTable(workspaces, {
        ecosystem: workspaces.ecosystemId,
        domain: workspaces.domainId,
        app: workspaces.appId,
      }),
    },
    contexts: {
      table: userContexts,
      userId: userContexts.userId,
      ecosystemId: userContexts.ecosystemId,
      domainId: userContexts.domainId,
      appId: userContexts.appId,
      workspaceId: userContexts.workspaceId,
      updatedAt: userContexts.updatedAt,
    },
  };
}
