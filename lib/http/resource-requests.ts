// The REST request shapes of the resource API (ecosystems, domains, apps, workspaces, apply,
// export): the query strings as zod schemas — the same schemas the OpenAPI document is generated
// from — and the path parameters as the domain's object keys. Unknown query parameters are refused,
// like unknown fields (DESIGN.md §4). Bodies are read in lib/http/negotiate.ts and checked by the
// domain with the manifest contracts.

import { z } from 'zod';
import { isLabelKey, isLabelValue } from '@/lib/contracts/names';
import { invalid } from '@/lib/errors';
import type { ObjectKey, ParentRef, StoredObject } from '@/lib/store/data-store';
import { queryObject } from './body';
import { parseInput } from './identity-requests';
import { negotiateOutput, OUTPUT_FORMATS, type OutputFormat } from './negotiate';

const output = z.enum(OUTPUT_FORMATS).optional().meta({
  description:
    'Answer as json (the default), yaml, or table (text/plain, aligned columns). Wins over Accept.',
});

const flag = (description: string) =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((value) => value === 'true')
    .optional()
    .meta({ description });

const SELECTOR_HELP =
  'must be key=value pairs separated by commas, e.g. team=core,tier=gold (only equality is supported)';

/**
 * `team=core,tier=gold` → `{team: 'core', tier: 'gold'}`. Equality only (`=` or `==`); `!=`, set
 * forms (`in`, `notin`) and bare keys are refused rather than silently ignored.
 */
export function parseLabelSelector(selector: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  if (selector.trim() === '') return labels;
  for (const term of selector.split(',')) {
    const match = /^\s*([^=!\s]+)\s*==?\s*([^=!\s]*)\s*$/.exec(term);
    if (!match) {
      if (/!=|\s(not)?in\s*\(|^\s*!/.test(term))
        return `"${term.trim()}" is not supported: ${SELECTOR_HELP}`;
      return `"${term.trim()}" ${SELECTOR_HELP.replace(/^must be/, 'is not')}`;
    }
    const [, key, value] = match as unknown as [string, string, string];
    if (!isLabelKey(key)) return `"${key}" is not a label key`;
    if (!isLabelValue(value)) return `"${value}" is not a label value`;
    if (key in labels && labels[key] !== value)
      return `"${key}" is given twice with different values`;
    labels[key] = value;
  }
  return labels;
}

const labelSelector = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseLabelSelector(value);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  })
  .optional()
  .meta({
    description:
      'Only objects whose labels include every pair: `team=core,tier=gold` (equality only).',
    example: 'team=core,tier=gold',
  });

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

/** `GET` of one object. */
export const getQuery = z.strictObject({ output });

/** `GET` of a collection: keyset pages, label filter. */
export const listQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .meta({ description: `Page size, 1..${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} by default.` }),
  cursor: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "The previous page's nextCursor, unchanged." }),
  labelSelector,
  output,
});

/** `POST` to a collection. */
export const createQuery = z.strictObject({ output });

/** `PUT` and `PATCH` of one object. */
export const writeQuery = z.strictObject({
  expectedVersion: z.coerce.number().int().min(1).optional().meta({
    description:
      'Refuse the change (409) unless the object is still at this version; same as `If-Match: "<version>"`.',
  }),
  output,
});

/** `DELETE` of one object. */
export const deleteQuery = z.strictObject({
  cascade: flag('Also delete everything below the object (otherwise 409 HAS_CHILDREN).'),
  removeImage: flag(
    "Also remove the workspaces' images from their hosts (an image another container uses is kept).",
  ),
  removeVolume: flag(
    "Also remove the volumes the workspaces' git sources were cloned into (host paths are never touched).",
  ),
  force: flag(
    'Delete the records even when a host cannot be reached to remove its containers; those containers are left behind.',
  ),
  output,
});

/** `POST …/workspaces/{ws}/start` and `/stop`. */
export const lifecycleQuery = z.strictObject({ output });

/** `POST /api/v1/apply`. */
export const applyQuery = z.strictObject({
  dryRun: flag('Check and compute every change, with diffs, and write nothing.'),
  output,
});

/** `GET /api/v1/export`, `GET /api/v1/openapi.json`. */
export const exportQuery = z.strictObject({ output });
export const noQuery = z.strictObject({});

const IF_MATCH = /^"(\d{1,15})"$/;

/**
 * The version a write must find: `If-Match: "<version>"` (the ETag GET returned) or
 * `?expectedVersion=`. `If-Match: *` asks for no particular version. Weak tags and lists of tags
 * cannot name one version and are refused, as is a header that contradicts the query.
 */
export function expectedVersionOf(
  request: Request,
  fromQuery: number | undefined,
): number | undefined {
  const header = request.headers.get('if-match')?.trim();
  let fromHeader: number | undefined;
  if (header !== undefined && header !== '*') {
    const match = IF_MATCH.exec(header);
    if (!match) {
      throw invalid('If-Match must be the ETag of the object.', [
        {
          path: 'If-Match',
          message: 'must be one ETag as returned by GET, such as "3" (not weak, not a list)',
        },
      ]);
    }
    fromHeader = Number(match[1]);
  }
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw invalid('If-Match and expectedVersion disagree.', [
      { path: 'expectedVersion', message: `contradicts If-Match: "${fromHeader}"` },
    ]);
  }
  return fromHeader ?? fromQuery;
}

// Path parameters, named as the folders under app/api/v1 name them; Next decodes them.
export interface EcosystemParams {
  eco: string;
}
export interface DomainParams extends EcosystemParams {
  dom: string;
}
export interface AppParams extends DomainParams {
  app: string;
}
export interface WorkspaceParams extends AppParams {
  ws: string;
}

export const ecosystemKey = (p: EcosystemParams): ObjectKey => ({ name: p.eco });
export const domainKey = (p: DomainParams): ObjectKey => ({ ecosystem: p.eco, name: p.dom });
export const appKey = (p: AppParams): ObjectKey => ({
  ecosystem: p.eco,
  domain: p.dom,
  name: p.app,
});
export const workspaceKey = (p: WorkspaceParams): ObjectKey => ({
  ecosystem: p.eco,
  domain: p.dom,
  app: p.app,
  name: p.ws,
});

/** The parents of a collection's members, from the collection's path. */
export const domainParent = (p: EcosystemParams): ParentRef => ({ ecosystem: p.eco });
export const appParent = (p: DomainParams): ParentRef => ({ ecosystem: p.eco, domain: p.dom });
export const workspaceParent = (p: AppParams): ParentRef => ({
  ecosystem: p.eco,
  domain: p.dom,
  app: p.app,
});

/** The object's URL path: `/api/v1/ecosystems/e/domains/d/apps/a/workspaces/w`. */
export function resourcePath(object: Pick<StoredObject, 'level' | 'name' | keyof ParentRef>) {
  const segment = (collection: string, name: string | undefined) =>
    `/${collection}/${encodeURIComponent(name ?? '')}`;
  const levels: Array<[string, string | undefined]> = [];
  if (object.level === 'ecosystem') levels.push(['ecosystems', object.name]);
  else {
    levels.push(['ecosystems', object.ecosystem]);
    if (object.level === 'domain') levels.push(['domains', object.name]);
    else {
      levels.push(['domains', object.domain]);
      if (object.level === 'app') levels.push(['apps', object.name]);
      else levels.push(['apps', object.app], ['workspaces', object.name]);
    }
  }
  return `/api/v1${levels.map(([collection, name]) => segment(collection, name)).join('')}`;
}

/**
 * The query parsed with `schema` (INVALID naming each bad parameter) and the output format it and
 * Accept ask for (406 when nothing offered is acceptable) — both settled before the domain runs.
 */
export function resourceQuery<S extends z.ZodType<{ output?: OutputFormat | undefined }>>(
  request: Request,
  schema: S,
  offered?: readonly OutputFormat[],
): { query: z.output<S>; format: OutputFormat } {
  const query = parseInput(schema, queryObject(request), 'The query');
  return { query, format: negotiateOutput(request, query.output, offered) };
}
