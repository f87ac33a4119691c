// Page paths of the hierarchy's objects, shared by pages, forms and actions. Names are DNS labels
// (checked before use), so they need no escaping.

import type { Level } from '@/lib/store/data-store';

export interface ObjectNames {
  ecosystem?: string;
  domain?: string;
  app?: string;
  name: string;
}

export function objectPagePath(level: Level, names: ObjectNames): string {
  switch (level) {
    case 'ecosystem':
      return `/ecosystems/${names.name}`;
    case 'domain':
      return `/ecosystems/${names.ecosystem}/domains/${names.name}`;
    case 'app':
      return `/ecosystems/${names.ecosystem}/domains/${names.domain}/apps/${names.name}`;
    case 'workspace':
      return `/ecosystems/${names.ecosystem}/domains/${names.domain}/apps/${names.app}/workspaces/${names.name}`;
  }
}

/** Where the list holding an object of `level` is shown: its parent's page. */
export function parentPagePath(level: Level, names: ObjectNames): string {
  switch (level) {
    case 'ecosystem':
      return '/ecosystems';
    case 'domain':
      return objectPagePath('ecosystem', { name: names.ecosystem! });
    case 'app':
      return objectPagePath('domain', { ecosystem: names.ecosystem!, name: names.domain! });
    case 'workspace':
      return objectPagePath('app', {
        ecosystem: names.ecosystem!,
        domain: names.domain!,
        name: names.app!,
      });
  }
}

export const LEVEL_WORDS: Record<Level, { one: string; many: string }> = {
  ecosystem: { one: 'ecosystem', many: 'ecosystems' },
  domain: { one: 'domain', many: 'domains' },
  app: { one: 'app', many: 'apps' },
  workspace: { one: 'workspace', many: 'workspaces' },
};
