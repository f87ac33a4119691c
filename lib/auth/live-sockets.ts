// Live WebSockets by owner, so that signing out, revoking a token or disabling a user closes the
// sockets that credential opened (DESIGN.md §7). In-process only: each replica closes its own
// sockets. Multi-replica fan-out (a revocation on replica A closing a socket on replica B) comes
// with the event bus (LISTEN/NOTIFY); until then a socket on another replica lives until its
// next re-authorisation.
//
// The registry lives on globalThis: server.ts (which owns the sockets) and the Next bundle (where
// sign-out and revocation run) load separate copies of this module in one process.

export interface SocketOwner {
  userId: string;
  sessionId?: string;
  tokenId?: string;
  /** The ecosystem the socket works in (a terminal's workspace), so removing access closes it. */
  ecosystem?: string;
}

export interface SocketMatch {
  userId?: string;
  sessionId?: string;
  tokenId?: string;
  ecosystem?: string;
  /** Spares the sockets of this session (a password change keeps the current session). */
  exceptSessionId?: string;
}

type Close = (code: number, reason: string) => void;

interface Entry {
  owner: SocketOwner;
  close: Close;
}

/** WebSocket close codes we use: 4401 (credential no longer valid), 4403 (access removed). */
export const CLOSE_SIGNED_OUT = 4401;
export const CLOSE_FORBIDDEN = 4403;

const KEY = Symbol.for('devopsmaestro.live-sockets');
const holder = globalThis as typeof globalThis & { [KEY]?: Set<Entry> };

function registry(): Set<Entry> {
  return (holder[KEY] ??= new Set());
}

/** Registers an open socket; call the returned function when it closes. */
export function registerSocket(owner: SocketOwner, close: Close): () => void {
  const entry: Entry = { owner: { ...owner }, close };
  registry().add(entry);
  return () => {
    registry().delete(entry);
  };
}

function matches(owner: SocketOwner, match: SocketMatch): boolean {
  if (match.userId === undefined && match.sessionId === undefined && match.tokenId === undefined) {
    return false; // a match naming no credential must not close everything
  }
  if (match.ecosystem !== undefined && owner.ecosystem !== match.ecosystem) return false;
  if (match.userId !== undefined && owner.userId !== match.userId) return false;
  if (match.sessionId !== undefined && owner.sessionId !== match.sessionId) return false;
  if (match.tokenId !== undefined && owner.tokenId !== match.tokenId) return false;
  if (match.exceptSessionId !== undefined && owner.sessionId === match.exceptSessionId) {
    return false;
  }
  return true;
}

/** Closes (and forgets) every socket matching all given fields; returns how many. */
export function closeSockets(match: SocketMatch, code: number, reason: string): number {
  let closed = 0;
  for (const entry of [...registry()]) {
    if (!matches(entry.owner, match)) continue;
    registry().delete(entry);
    closed++;
    try {
      entry.close(code, reason);
    } catch {
      // A socket that fails to close is already gone; the others must still be closed.
    }
  }
  return closed;
}

/** How many sockets are registered (for tests and metrics). */
export function liveSocketCount(match?: SocketMatch): number {
  if (!match) return registry().size;
  return [...registry()].filter((entry) => matches(entry.owner, match)).length;
}
