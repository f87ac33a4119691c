// Both dialect schemas have the same shape (schema-parity.ts checks it); this maps either one to
// the column handles the shared SQL implementation uses.
import type { Column, Table } from 'drizzle-orm';

import type { Level } from '../data-store';
import type { ContextTable, LevelTable } from './sql-driver';

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

export interface HierarchySchema {
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
} {
  const { ecosystems, domains, apps, workspaces, userContexts } = schema;
  return {
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
