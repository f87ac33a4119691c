// Value types shared by both halves of the DataStore interface (data-store.ts and
// identity-store.ts); data-store.ts re-exports them for callers.

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ListOptions {
  /** Page size, 1..500; default 50. */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Only objects whose labels contain every pair given. */
  labels?: Record<string, string>;
}

export interface Page<T> {
  items: T[];
  /** Present when more items may follow. */
  nextCursor?: string;
}
