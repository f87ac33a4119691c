// List ecosystems, one keyset page at a time. The one entry point for the home page, the REST
// list route and the CLI (through REST), so that every transport sees the same objects.

import type { DataStore, Page, StoredObject } from '@/lib/store/data-store';

export interface ListEcosystemsOptions {
  /** Page size, 1..500; the store's default (50) when omitted. */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export async function listEcosystems(
  store: DataStore,
  options: ListEcosystemsOptions = {},
): Promise<Page<StoredObject>> {
  // Authorisation belongs here once users exist (DESIGN.md §7): take the caller, and list only
  // the ecosystems where they hold a role (admins see all). Transports must not filter themselves.
  return store.ecosystems.list(
    {},
    {
      ...(options.limit !== undefined && { limit: options.limit }),
      ...(options.cursor !== undefined && { cursor: options.cursor }),
    },
  );
}
