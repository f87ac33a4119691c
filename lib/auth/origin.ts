// The Origin allowlist for WebSocket upgrades (DESIGN.md §7): browsers send an Origin header on
// every WebSocket handshake and cookies ride along, so a socket opened from another site would
// act as the signed-in user unless its origin is checked. The list comes from configuration
// (DVM_ALLOWED_ORIGINS, DVM_PUBLIC_URL, the server's own localhost origins).

/** `scheme://host[:port]` in lower case with default ports dropped; undefined when unparsable. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Whether a request with this Origin header may open a socket. A missing or `null` origin is
 * refused: callers that accept non-browser clients (which send no Origin and no cookies) decide
 * that themselves, after checking the client authenticated with a ticket or a token.
 */
export function isAllowedOrigin(origin: string | undefined, allowed: string[]): boolean {
  if (origin === undefined || origin === 'null') return false;
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return false;
  return allowed.some((entry) => normalizeOrigin(entry) === normalized);
}
