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
