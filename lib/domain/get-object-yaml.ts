// One object as the YAML manifest apply takes (without status, exactly as export writes it), for
// the dashboard's YAML view, and whether the caller may change it (to offer apply or not).
// Objects in ecosystems the caller cannot read are NOT_FOUND, as everywhere.

import type { Level, ObjectKey } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { can } from './authorize';
import { getObject } from './get-object';
import { manifestYaml } from './manifest-diff';
import { ecosystemOf, WRITE_ACTION } from './object-rules';
import { toBareManifest } from './resource-view';

export interface ObjectYaml {
  yaml: string;
  /** The caller may change this object (apply a new version of it). */
  writable: boolean;
}

export async function getObjectYaml(
  ctx: ActionContext,
  input: { level: Level; key: ObjectKey },
): Promise<ObjectYaml> {
  const stored = await getObject(ctx, input);
  const { level, key } = input;
  const action = level === 'ecosystem' ? 'ecosystem.update' : WRITE_ACTION[level];
  return {
    yaml: manifestYaml(toBareManifest(stored)),
    writable: await can(ctx, action, ecosystemOf(level, key)),
  };
}
