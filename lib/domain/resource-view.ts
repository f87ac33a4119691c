// How the resource API shows an object: its manifest (the same form apply takes) plus the
// output-only status, and the result every resource use case returns.

import type { DeprecatedKind } from '@/lib/contracts/manifest';
import { KIND_OF_LEVEL, toManifest, type ManifestOutput } from '@/lib/contracts/resource';
import type { JsonObject, StoredObject } from '@/lib/store/data-store';

/** Output only: identity and bookkeeping, never accepted on input. */
export interface ResourceStatus {
  id: string;
  /** Pass back as `expectedVersion` (the REST API's `If-Match`) for optimistic concurrency. */
  version: number;
  /** ISO 8601, UTC. */
  createdAt: string;
  updatedAt: string;
}

export interface ResourceResult {
  object: StoredObject;
  /** The object as a manifest, with `status`. */
  manifest: ManifestOutput;
  /** Human-readable, each starting with the path it is about (not-yet-applied fields, Project). */
  warnings: string[];
  /** Set when the body was a deprecated kind (Project) converted to the stored kind (App). */
  convertedFrom?: DeprecatedKind;
}

export function resourceStatus(stored: StoredObject): ResourceStatus {
  return {
    id: stored.id,
    version: stored.version,
    createdAt: stored.createdAt.toISOString(),
    updatedAt: stored.updatedAt.toISOString(),
  };
}

/** The manifest of a stored object with its status, as GET and the write use cases return it. */
export function toResourceManifest(stored: StoredObject, extra: JsonObject = {}): ManifestOutput {
  return toManifest(KIND_OF_LEVEL[stored.level], stored, {
    status: { ...resourceStatus(stored), ...extra },
  });
}

/** The manifest without status: what export writes and what apply's diffs compare. */
export function toBareManifest(stored: StoredObject): ManifestOutput {
  return toManifest(KIND_OF_LEVEL[stored.level], stored);
}
