// `?ref=eco/dom/app/ws` of the YAML view: the object's names from the ecosystem down, so the
// number of names says the level (components/view-yaml-link.tsx writes it).

import type { Level, ObjectKey } from '@/lib/store/data-store';

const LEVELS: readonly Level[] = ['ecosystem', 'domain', 'app', 'workspace'];

export interface ObjectRef {
  level: Level;
  key: ObjectKey;
  /** `ecosystem platform`, `workspace platform/backend/api/dev`: how the page names it. */
  label: string;
}

/** The object a ref names, or undefined when it names none (too many or empty parts). */
export function parseObjectRef(ref: string): ObjectRef | undefined {
  const names = ref.split('/').map((part) => part.trim());
  if (names.length > LEVELS.length || names.some((name) => name === '')) return undefined;
  const level = LEVELS[names.length - 1]!;
  const key: ObjectKey = { name: names[names.length - 1]! };
  const parents = ['ecosystem', 'domain', 'app'] as const;
  names.slice(0, -1).forEach((name, index) => {
    key[parents[index]!] = name;
  });
  return { level, key, label: `${level} ${names.join('/')}` };
}
