// The REST answers of the resource API, from what the domain returns. A resource body is always a
// manifest (the form apply takes back); warnings about it travel in `Warning: 299 - "…"` headers,
// one per warning (RFC 7234), and, for apply, in the result body too. `ETag: "<version>"` names
// the object's version — the value If-Match takes for optimistic concurrency — whatever the
// representation (JSON, YAML, table).

import type { ManifestOutput } from '@/lib/contracts/resource';
import type { ListManifest } from '@/lib/contracts/resource';
import type { ApplyResult } from '@/lib/domain/apply-manifests';
import { toResourceManifest, type ResourceResult } from '@/lib/domain/resource-view';
import { AppError, hasErrorCode } from '@/lib/errors';
import type { DeleteResult, JsonObject, Page, StoredObject } from '@/lib/store/data-store';
import { createRenderer } from '@/lib/render/resolve-renderer';
import { safeLines } from '@/lib/render/text-layout';
import { formatted, type OutputFormat } from './negotiate';
import { resourcePath } from './resource-requests';

/** More than this many warnings are summarised in one last header; the body has them all. */
const MAX_WARNING_HEADERS = 20;
const MAX_WARNING_LENGTH = 500;

/**
 * `299 - "text"` values. Header values must be ASCII-safe: quotes and backslashes are escaped,
 * control and non-ASCII characters become `?` (the exact text is in the body where it matters).
 */
export function warningHeaderValues(warnings: readonly string[]): string[] {
  const quote = (text: string) => {
    const clipped =
      text.length > MAX_WARNING_LENGTH ? `${text.slice(0, MAX_WARNING_LENGTH)}…` : text;
    const ascii = clipped.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&');
    return `299 - "${ascii}"`;
  };
  if (warnings.length <= MAX_WARNING_HEADERS) return warnings.map(quote);
  const shown = warnings.slice(0, MAX_WARNING_HEADERS - 1).map(quote);
  const rest = warnings.length - shown.length;
  return [...shown, quote(`and ${rest} more warnings`)];
}

function withWarnings(headers: Headers, warnings: readonly string[]): Headers {
  for (const value of warningHeaderValues(warnings)) headers.append('Warning', value);
  return headers;
}

function etag(version: number): string {
  return `"${version}"`;
}

/** One object (GET), with extra output-only status (a workspace's runtime state). */
export function objectResponse(
  format: OutputFormat,
  object: StoredObject,
  extraStatus?: JsonObject,
): Response {
  const manifest = toResourceManifest(object, extraStatus);
  return formatted(format, manifest, {
    headers: { ETag: etag(object.version) },
    table: { type: 'resource', item: manifest },
  });
}

/** A created (201, Location) or changed (200) object, with its warnings as headers. */
export function writtenResponse(
  format: OutputFormat,
  result: ResourceResult,
  { created = false }: { created?: boolean } = {},
): Response {
  const headers = withWarnings(new Headers({ ETag: etag(result.object.version) }), result.warnings);
  if (created) headers.set('Location', resourcePath(result.object));
  return formatted(format, result.manifest, {
    status: created ? 201 : 200,
    headers,
    table: { type: 'resource', item: result.manifest },
  });
}

/** The request's path and query with another cursor: the next page. */
function nextPage(request: Request, cursor: string): string {
  const url = new URL(request.url);
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

/** A page of a collection: `{items, nextCursor}` (null on the last page), and `Link: rel="next"`. */
export function pageResponse(
  request: Request,
  format: OutputFormat,
  page: Page<StoredObject>,
): Response {
  const items: ManifestOutput[] = page.items.map((object) => toResourceManifest(object));
  const headers = new Headers();
  const next = page.nextCursor !== undefined ? nextPage(request, page.nextCursor) : undefined;
  if (next !== undefined) headers.set('Link', `<${next}>; rel="next"`);
  return formatted(
    format,
    { items, nextCursor: page.nextCursor ?? null },
    {
      headers,
      table: { type: 'resources', items },
      ...(next !== undefined && { tableFooter: `More: ${next}\n` }),
    },
  );
}

/** What a delete removed, per level. */
export function deletedResponse(
  format: OutputFormat,
  result: DeleteResult & { containersRemoved: number; containersLeft: string[] },
): Response {
  return formatted(
    format,
    {
      removed: result.removed,
      containers: { removed: result.containersRemoved, left: result.containersLeft },
    },
    {
      table: {
        type: 'table',
        headers: ['LEVEL', 'REMOVED'],
        rows: Object.entries(result.removed).map(([level, count]) => [level, String(count)]),
      },
    },
  );
}

const CASCADE_HINT = 'Repeat the request with ?cascade=true to delete everything below it as well.';

/**
 * Runs a delete, rewording HAS_CHILDREN for REST callers: the store says "delete with cascade",
 * which over HTTP is `?cascade=true`.
 */
export async function withCascadeHint<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!hasErrorCode(error, 'HAS_CHILDREN')) throw error;
    const [first] = error.message.split(/(?<=\.)\s+(?=Delete them first)/);
    throw new AppError('HAS_CHILDREN', `${first ?? error.message} ${CASCADE_HINT}`, {
      errors: error.errors,
      cause: error,
    });
  }
}

/** The result of apply: every item with its outcome, warnings in the body and Project conversions as headers. */
export function applyResponse(format: OutputFormat, result: ApplyResult): Response {
  const conversions = result.items.flatMap((item) =>
    item.convertedFrom === undefined
      ? []
      : [
          `${item.path === '' ? '' : `${item.path}: `}kind ${item.convertedFrom} is deprecated; ` +
            `converted to ${item.kind} "${item.name}"`,
        ],
  );
  const headers = withWarnings(new Headers(), conversions);
  const name = (item: ApplyResult['items'][number]) =>
    [item.ecosystem, item.domain, item.app, item.name]
      .filter((part): part is string => part !== undefined)
      .join('/');
  return formatted(format, result, {
    headers,
    table: {
      type: 'table',
      headers: ['KIND', 'NAME', 'RESULT', 'WARNINGS'],
      rows: result.items.map((item) => [
        item.convertedFrom ? `${item.kind} (from ${item.convertedFrom})` : item.kind,
        name(item),
        result.dryRun ? `${item.result} (dry run)` : item.result,
        String(item.warnings.length),
      ]),
      empty: 'Nothing to apply.',
    },
    tableFooter: applyFooter(result),
  });
}

/** For people reading a table: the dry run's diffs, then every warning. */
function applyFooter(result: ApplyResult): string {
  const table = createRenderer('table');
  const diffs = result.items.map((item) => item.diff ?? '').filter((diff) => diff !== '');
  const warnings = result.warnings.map((text) => table.message({ level: 'warning', text }));
  // Diffs quote what users wrote: shown with control characters escaped, like table cells.
  const shown = diffs.map((diff) => safeLines(diff.endsWith('\n') ? diff : `${diff}\n`));
  return [...shown, warnings.join('')].filter((part) => part !== '').join('\n');
}

/** Everything the caller may read, as a `kind: List`. */
export function exportResponse(format: OutputFormat, list: ListManifest): Response {
  return formatted(format, list, { table: { type: 'resources', items: list.items } });
}
