// Reading the body of a POST or PUT to a resource URL: a full manifest, or the short form
// `{ metadata, spec }` without apiVersion and kind. The URL names the parents (and, for PUT, the
// object): what the body leaves out is taken from it, and what it names must agree with it.

import {
  API_VERSION,
  DEPRECATED_KINDS,
  RESOURCE_KINDS,
  parentsOf,
  type DeprecatedKind,
  type ResourceKind,
} from '@/lib/contracts/manifest';
import { summarize } from '@/lib/contracts/field-errors';
import { isPlainObject } from '@/lib/contracts/manifest-input';
import { KIND_OF_LEVEL, parseManifest, type ParsedManifest } from '@/lib/contracts/resource';
import { hasErrorCode, invalid, type FieldError } from '@/lib/errors';
import type { Level, ParentRef } from '@/lib/store/data-store';

const KINDS: readonly string[] = [...RESOURCE_KINDS, ...DEPRECATED_KINDS];

function kindOf(kind: unknown): ResourceKind | DeprecatedKind | undefined {
  return typeof kind === 'string' && KINDS.includes(kind)
    ? (kind as ResourceKind | DeprecatedKind)
    : undefined;
}

function mismatch(path: string, urlValue: string, what: string): FieldError {
  return {
    path,
    message: `does not match the URL, which names ${what} "${urlValue}"`,
  };
}

/**
 * Checks a request body as a manifest of `level`'s kind (a Project for the app level), with the
 * parents (and name, when given) from the URL. Throws INVALID listing every problem.
 */
export function parseResourceBody(
  level: Level,
  body: unknown,
  url: ParentRef & { name?: string },
): ParsedManifest {
  const expectedKind = KIND_OF_LEVEL[level];
  if (!isPlainObject(body)) return parseManifest(body, { expectedKind });

  const errors: FieldError[] = [];
  const short = !Object.hasOwn(body, 'apiVersion') && !Object.hasOwn(body, 'kind');
  const manifest: Record<string, unknown> = short
    ? { apiVersion: API_VERSION, kind: expectedKind, ...body }
    : { ...body };

  const given = manifest.metadata;
  if (given === undefined || given === null || isPlainObject(given)) {
    const metadata: Record<string, unknown> = isPlainObject(given) ? { ...given } : {};
    const fill = (field: 'name' | 'ecosystem' | 'domain' | 'app', value: string, what: string) => {
      const current = metadata[field];
      if (current === undefined || current === null) metadata[field] = value;
      else if (current !== value) {
        errors.push(mismatch(`metadata.${field}`, value, what));
        // The URL's value stands in, so the schema does not report the same field again.
        metadata[field] = value;
      }
    };
    if (url.name !== undefined) fill('name', url.name, `the ${level}`);
    // Only the parents the body's kind can have: a wrong kind is reported once, at `kind`.
    for (const parent of parentsOf(kindOf(manifest.kind) ?? expectedKind)) {
      const value = url[parent];
      if (value !== undefined) fill(parent, value, `${parent}`);
    }
    manifest.metadata = metadata;
  }

  let parsed: ParsedManifest | undefined;
  try {
    parsed = parseManifest(manifest, { expectedKind });
  } catch (error) {
    if (!hasErrorCode(error, 'INVALID') || errors.length === 0) throw error;
    errors.push(...error.errors.filter((e) => !errors.some((m) => m.path === e.path)));
  }
  if (errors.length > 0 || parsed === undefined) {
    throw invalid(summarize('the manifest', errors), errors);
  }
  return parsed;
}
