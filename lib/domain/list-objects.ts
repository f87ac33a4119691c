// Lists objects of one level under a parent, one keyset page at a time, in the store's order
// (parent path, then name). Administrators read the store directly. Everyone else sees only the
// ecosystems they are members of and what lies below them: their ecosystems are walked in name
// order, which is the store's order too, so pages never skip or repeat an object.

import { invalid } from '@/lib/errors';
import type {
  DataStore,
  Level,
  ListOptions,
  Page,
  ParentRef,
  StoredObject,
} from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { authorize, requireActive } from './authorize';

export interface ListObjectsInput extends ListOptions {
  level: Level;
  parent?: ParentRef;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** A member's position: the ecosystem being walked and the store's cursor inside it. */
interface MemberCursor {
  m: 1;
  /** For the ecosystem level: the last ecosystem returned. Below: the ecosystem being walked. */
  eco: string;
  /** Below the ecosystem level: the store's cursor within `eco`. */
  inner?: string;
}

function encode(cursor: MemberCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function badCursor() {
  return invalid('The cursor is not valid: pass the nextCursor of a previous page unchanged.', [
    { path: 'cursor', message: 'not a cursor returned by this API' },
  ]);
}

function decode(cursor: string): MemberCursor {
  try {
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as MemberCursor;
    if (body.m === 1 && typeof body.eco === 'string') {
      if (body.inner === undefined || typeof body.inner === 'string') return body;
    }
  } catch {
    // reported below
  }
  throw badCursor();
}

function pageSize(limit: number | undefined): number {
  const size = limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw invalid(`The page size must be 1..${MAX_PAGE}.`, [
      { path: 'limit', message: `must be 1..${MAX_PAGE} (got ${size})` },
    ]);
  }
  return size;
}

function hasLabels(object: StoredObject, labels: Record<string, string> | undefined): boolean {
  if (!labels) return true;
  return Object.entries(labels).every(([key, value]) => object.labels[key] === value);
}

/** Byte order, like the store's `sort_key` (JavaScript's `<` compares UTF-16 units). */
function compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function memberEcosystems(store: DataStore, userId: string): Promise<string[]> {
  const memberships = await store.memberships.listForUser(userId);
  return [...new Set(memberships.map((m) => m.ecosystem))].sort(compare);
}

async function listOwnEcosystems(
  ctx: ActionContext,
  input: ListObjectsInput,
  limit: number,
): Promise<Page<StoredObject>> {
  const after = input.cursor !== undefined ? decode(input.cursor).eco : undefined;
  const names = (await memberEcosystems(ctx.store, ctx.principal.user.id)).filter(
    (name) => after === undefined || compare(name, after) > 0,
  );
  const items: StoredObject[] = [];
  for (const [i, name] of names.entries()) {
    const ecosystem = await ctx.store.ecosystems.find({ name });
    if (!ecosystem || !hasLabels(ecosystem, input.labels)) continue;
    items.push(ecosystem);
    if (items.length === limit) {
      return i < names.length - 1 ? { items, nextCursor: encode({ m: 1, eco: name }) } : { items };
    }
  }
  return { items };
}

async function listAcrossOwnEcosystems(
  ctx: ActionContext,
  input: ListObjectsInput,
  limit: number,
): Promise<Page<StoredObject>> {
  const start = input.cursor !== undefined ? decode(input.cursor) : undefined;
  const names = (await memberEcosystems(ctx.store, ctx.principal.user.id)).filter(
    (name) => start === undefined || compare(name, start.eco) >= 0,
  );
  const items: StoredObject[] = [];
  for (const name of names) {
    let inner = start && name === start.eco ? start.inner : undefined;
    do {
      const page = await ctx.store.objects(input.level).list(
        { ecosystem: name },
        {
          limit: limit - items.length,
          ...(inner !== undefined && { cursor: inner }),
          ...(input.labels && { labels: input.labels }),
        },
      );
      items.push(...page.items);
      inner = page.nextCursor;
      if (items.length === limit) {
        if (inner !== undefined) return { items, nextCursor: encode({ m: 1, eco: name, inner }) };
        // This ecosystem is done; the next page starts at the following one.
        const rest = names.slice(names.indexOf(name) + 1);
        return rest.length > 0 ? { items, nextCursor: encode({ m: 1, eco: rest[0]! }) } : { items };
      }
    } while (inner !== undefined);
  }
  return { items };
}

export async function listObjects(
  ctx: ActionContext,
  input: ListObjectsInput,
): Promise<Page<StoredObject>> {
  const { level, parent = {}, limit, cursor, labels } = input;
  const options: ListOptions = {
    ...(limit !== undefined && { limit }),
    ...(cursor !== undefined && { cursor }),
    ...(labels !== undefined && { labels }),
  };
  if (level !== 'ecosystem' && parent.ecosystem !== undefined) {
    await authorize(ctx, 'read', parent.ecosystem);
    return ctx.store.objects(level).list(parent, options);
  }
  requireActive(ctx);
  if (ctx.principal.user.isAdmin) {
    return ctx.store.objects(level).list(level === 'ecosystem' ? {} : parent, options);
  }
  const size = pageSize(limit);
  return level === 'ecosystem'
    ? listOwnEcosystems(ctx, input, size)
    : listAcrossOwnEcosystems(ctx, input, size);
}
