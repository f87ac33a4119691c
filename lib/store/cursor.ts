// Keyset cursors are opaque to callers: a versioned, base64url-encoded position in the order.
import { invalid } from '../errors';

interface CursorBody {
  v: 1;
  after: string;
}

export function encodeCursor(after: string): string {
  const body: CursorBody = { v: 1, after };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const body = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as Partial<CursorBody>;
    if (body.v === 1 && typeof body.after === 'string') return body.after;
  } catch {
    // fall through to the error below: the caller only needs to know the cursor is unusable
  }
  throw invalid('The cursor is not valid: pass the nextCursor of a previous page unchanged.', [
    { path: 'cursor', message: 'not a cursor returned by this API' },
  ]);
}
