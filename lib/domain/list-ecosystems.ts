// List ecosystems, one keyset page at a time. The one entry point for the home page, the REST
// list route and the CLI (through REST), so that every transport sees the same objects: admins
// see all, everyone else the ecosystems where they hold a role.

import type { Page, StoredObject } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { listObjects } from './list-objects';

export interface ListEcosystemsOptions {
  /** Page size, 1..500; the store's default (50) when omitted. */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Only ecosystems whose labels contain every pair given. */
  labels?: Record<string, string>;
}

export function listEcosystems(
  ctx: ActionContext,
  options: ListEcosystemsOptions = {},
): Promise<Page<StoredObject>> {
  return listObjects(ctx, { level: 'ecosystem', ...options });
}
