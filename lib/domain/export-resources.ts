// `export`: every object the caller may read as one `kind: List`, parents before children (all
// ecosystems, then all domains, …, each level in the store's order), without status, so that
// export → apply on an empty database → export gives the same document. Administrators export
// everything; everyone else the ecosystems they are members of. Pages are read one after another,
// not in one snapshot: a write landing during an export may or may not be in it.

import { toList, type ListManifest, type ManifestOutput } from '@/lib/contracts/resource';
import type { Level } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { listObjects } from './list-objects';
import { toBareManifest } from './resource-view';

const LEVELS: readonly Level[] = ['ecosystem', 'domain', 'app', 'workspace'];
const PAGE = 500;

export async function exportResources(ctx: ActionContext): Promise<ListManifest> {
  const items: ManifestOutput[] = [];
  for (const level of LEVELS) {
    let cursor: string | undefined;
    do {
      const page = await listObjects(ctx, {
        level,
        limit: PAGE,
        ...(cursor !== undefined && { cursor }),
      });
      items.push(...page.items.map(toBareManifest));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return toList(items);
}
