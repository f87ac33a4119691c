// How resources look to people: a kubectl-style table for several (`get workspaces`), and details
// for one (`get workspace dev`). Columns follow the original dvm's tables where it had one
// (DESCRIPTION for ecosystems and domains, the app's source, the workspace's image) and kubectl's
// conventions otherwise (NAME first, parents by name, LABELS as k=v, AGE last, `<none>`).

import type { ManifestOutput } from '@/lib/contracts/resource';
import type { TableData } from './renderer';
import { truncate } from './text-layout';

const NONE = '<none>';
const DESCRIPTION_WIDTH = 40;

type Kind = ManifestOutput['kind'];
type Parent = 'ecosystem' | 'domain' | 'app';

const PARENTS_OF: Record<Kind, readonly Parent[]> = {
  Ecosystem: [],
  Domain: ['ecosystem'],
  App: ['ecosystem', 'domain'],
  Workspace: ['ecosystem', 'domain', 'app'],
};

interface Column {
  header: string;
  cell: (item: ManifestOutput, now: Date) => string;
}

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `team=core,tier=gold`, keys sorted; `<none>` without labels. */
export function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? NONE : keys.map((key) => `${key}=${labels[key]}`).join(',');
}

function createdAt(item: ManifestOutput): Date | undefined {
  const value = text(at(item.status, 'createdAt'));
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** kubectl's short ages: 45s, 5m30s, 3h, 3h20m, 30h, 3d5h, 200d, 2y. */
export function formatAge(from: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (hours < 3) return `${minutes}m`;
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

/** The host path (`host:/path`) when there is one, else the git URL (`url#ref`). */
function appSource(item: ManifestOutput): string {
  const path = text(at(item.spec, 'path'));
  const host = text(at(item.spec, 'host'));
  const url = text(at(item.spec, 'git', 'url'));
  const ref = text(at(item.spec, 'git', 'ref'));
  let source: string | undefined;
  if (path !== undefined) source = host !== undefined ? `${host}:${path}` : path;
  else if (url !== undefined) source = ref !== undefined ? `${url}#${ref}` : url;
  return source === undefined ? NONE : truncate(source, DESCRIPTION_WIDTH);
}

function workspaceImage(item: ManifestOutput): string {
  return text(at(item.spec, 'image', 'name')) ?? text(at(item.spec, 'image', 'baseImage')) ?? NONE;
}

function description(item: ManifestOutput): string {
  const value = text(item.metadata.annotations.description);
  return value === undefined ? NONE : truncate(value, DESCRIPTION_WIDTH);
}

const KIND_COLUMNS: Record<Kind, Column[]> = {
  Ecosystem: [{ header: 'DESCRIPTION', cell: description }],
  Domain: [{ header: 'DESCRIPTION', cell: description }],
  App: [{ header: 'SOURCE', cell: appSource }],
  Workspace: [{ header: 'IMAGE', cell: workspaceImage }],
};

const PARENT_HEADERS: Record<Parent, string> = {
  ecosystem: 'ECOSYSTEM',
  domain: 'DOMAIN',
  app: 'APP',
};

/**
 * The table for `items`. One kind: its parents and its own column. Several kinds (an export): a
 * KIND column and every parent column, blank where a kind has no such parent.
 */
export function resourceTable(
  items: readonly ManifestOutput[],
  now: Date,
  empty = 'No resources found.',
): TableData {
  const kinds = [...new Set(items.map((item) => item.kind))];
  const mixed = kinds.length > 1;
  const parents = (['ecosystem', 'domain', 'app'] as const).filter((parent) =>
    kinds.some((kind) => PARENTS_OF[kind].includes(parent)),
  );
  const columns: Column[] = [];
  if (mixed) columns.push({ header: 'KIND', cell: (item) => item.kind });
  columns.push({ header: 'NAME', cell: (item) => item.metadata.name });
  for (const parent of parents) {
    columns.push({
      header: PARENT_HEADERS[parent],
      cell: (item) =>
        PARENTS_OF[item.kind].includes(parent) ? (item.metadata[parent] ?? NONE) : '',
    });
  }
  if (!mixed && kinds[0] !== undefined) columns.push(...KIND_COLUMNS[kinds[0]]);
  columns.push({ header: 'LABELS', cell: (item) => formatLabels(item.metadata.labels) });
  if (items.some((item) => createdAt(item) !== undefined)) {
    columns.push({
      header: 'AGE',
      cell: (item) => {
        const created = createdAt(item);
        return created === undefined ? NONE : formatAge(created, now);
      },
    });
  }
  return {
    type: 'table',
    headers: columns.map((column) => column.header),
    rows: items.map((item) => columns.map((column) => column.cell(item, now))),
    empty,
  };
}

/** Details of one resource, in reading order; the spec itself is shown after them as YAML. */
export function resourceDetails(item: ManifestOutput, now: Date): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ['Kind', item.kind],
    ['Name', item.metadata.name],
  ];
  for (const parent of PARENTS_OF[item.kind]) {
    const label = parent[0]!.toUpperCase() + parent.slice(1);
    pairs.push([label, item.metadata[parent] ?? NONE]);
  }
  pairs.push(['Labels', formatLabels(item.metadata.labels)]);
  const annotations = Object.keys(item.metadata.annotations).sort();
  if (annotations.length === 0) pairs.push(['Annotations', NONE]);
  for (const [i, key] of annotations.entries()) {
    pairs.push([i === 0 ? 'Annotations' : '', `${key}: ${item.metadata.annotations[key]}`]);
  }
  const created = createdAt(item);
  if (created !== undefined) {
    pairs.push(['Created', `${created.toISOString()} (${formatAge(created, now)} ago)`]);
  }
  const version = at(item.status, 'version');
  if (typeof version === 'number') pairs.push(['Version', String(version)]);
  return pairs;
}
