// What the hierarchy use cases share: which action guards which change, which ecosystem an
// object belongs to, and how objects are named in the audit log.

import { invalid } from '@/lib/errors';
import type { JsonObject, Level, ParentRef, StoredObject } from '@/lib/store/data-store';
import type { Action } from './authorize';

export const WRITE_ACTION: Record<Exclude<Level, 'ecosystem'>, Action> = {
  domain: 'domain.write',
  app: 'app.write',
  workspace: 'workspace.write',
};

/**
 * The ecosystem an object of `level` at `names` lies in. Below the ecosystem level the parent's
 * ecosystem is required; the message matches the store's, which would say the same.
 */
export function ecosystemOf(level: Level, names: ParentRef & { name?: string }): string {
  if (level === 'ecosystem') {
    if (typeof names.name === 'string' && names.name) return names.name;
    throw invalid('The ecosystem needs a name.', [
      { path: 'metadata.name', message: 'is required' },
    ]);
  }
  if (typeof names.ecosystem === 'string' && names.ecosystem) return names.ecosystem;
  throw invalid(`A ${level} needs its ecosystem.`, [
    { path: 'metadata.ecosystem', message: `is required for a ${level}` },
  ]);
}

/** `workspace platform/backend/api/dev` */
export function objectTarget(level: Level, names: ParentRef & { name: string }): string {
  const path = [names.ecosystem, names.domain, names.app]
    .filter((n): n is string => typeof n === 'string' && level !== 'ecosystem')
    .concat(names.name);
  return `${level} ${path.join('/')}`;
}

/** The user-owned part of an object, as the audit log keeps it (before/after). */
export function objectSnapshot(object: StoredObject): JsonObject {
  return { labels: object.labels, annotations: object.annotations, spec: object.spec };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => deepEqual(item, b[i]))
    );
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aKeys = Object.keys(a);
  const bRecord = b as Record<string, unknown>;
  return (
    aKeys.length === Object.keys(b).length &&
    aKeys.every(
      (key) =>
        Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], bRecord[key]),
    )
  );
}

/**
 * Whether writing `input` would leave `stored` as it is: labels, annotations and spec deep-equal
 * (object key order aside). Such writes are skipped: no version bump, no audit entry.
 */
export function sameContent(
  stored: StoredObject,
  input: { labels?: object; annotations?: object; spec?: object },
): boolean {
  return (
    deepEqual(stored.labels, input.labels ?? {}) &&
    deepEqual(stored.annotations, input.annotations ?? {}) &&
    deepEqual(stored.spec, input.spec ?? {})
  );
}
