// The one way every transport learns who is calling (DESIGN.md §6, §7): an API token in
// `Authorization: Bearer dvm_…` first, else the next-auth session cookie. Both are checked against
// the store on every request, so a revoked token, a signed-out session or a disabled user stops
// working at once, not when a JWT expires.

import { AppError, hasErrorCode } from '@/lib/errors';
import type { DataStore } from '@/lib/store/data-store';
import type { AuditSource, TokenRecord, UserRecord } from '@/lib/store/identity-store';
import type { Principal } from './principal';
import { hashSecret, looksLikeApiToken } from './secrets';
import { decodeSessionJwt, SESSION_COOKIE_NAMES } from './session-jwt';

export interface AuthenticateDeps {
  store: DataStore;
  /** The key next-auth encrypts its JWTs with (loadSessionSecret). */
  sessionSecret: string;
  /** The peer's address when the transport knows it; X-Forwarded-For's first hop wins. */
  address?: string;
  now?: () => Date;
}

/** Anything with request headers: a Request, or `{ headers: await headers() }` in a page. */
export interface HasHeaders {
  headers: Headers;
}

/** lastUsedAt is for people ("used 3 minutes ago"); writing it on every request is not worth it. */
const TOUCH_INTERVAL_MS = 60_000;

function unauthenticated(message: string): AppError {
  return new AppError('UNAUTHENTICATED', message);
}

/** The client's address: the first X-Forwarded-For hop, else what the transport saw. */
export function clientAddress(headers: Headers, fallback?: string): string | undefined {
  const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || fallback || undefined;
}

/** Cookie values by name; a malformed pair is skipped rather than failing the request. */
function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    const raw = part.slice(at + 1).trim();
    try {
      if (name && !cookies.has(name)) cookies.set(name, decodeURIComponent(raw));
    } catch {
      // not percent-encoded correctly: not one of ours
    }
  }
  return cookies;
}

/** The session JWT, joined again when next-auth split it into `name.0`, `name.1`, … chunks. */
export function sessionCookie(headers: Headers): string | undefined {
  const cookies = parseCookies(headers.get('cookie'));
  for (const name of SESSION_COOKIE_NAMES) {
    const whole = cookies.get(name);
    if (whole) return whole;
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`)!);
    if (chunks.length > 0) return chunks.join('');
  }
  return undefined;
}

/**
 * `Authorization: Basic` email and password, for the one route that takes them
 * (`POST /api/v1/tokens`, via createTokenWithPassword); undefined when absent or malformed.
 */
export function basicCredentials(
  headers: Headers,
): { email: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(headers.get('authorization')?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function bearer(headers: Headers): string | undefined {
  const header = headers.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1]!.trim() : undefined;
}

async function activeUser(store: DataStore, userId: string): Promise<UserRecord> {
  const user = await store.users.find(userId);
  if (!user) throw unauthenticated('The account no longer exists.');
  if (user.disabled) throw unauthenticated('This account is disabled.');
  return user;
}

/** Why a token cannot be used at `now`, or undefined when it can. */
export function tokenProblem(token: TokenRecord, now: Date): string | undefined {
  if (token.revokedAt) return 'This API token was revoked.';
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
    return `This API token expired at ${token.expiresAt.toISOString()}.`;
  }
  return undefined;
}

async function fromToken(
  secret: string,
  headers: Headers,
  deps: AuthenticateDeps,
  now: Date,
): Promise<Principal> {
  if (!looksLikeApiToken(secret)) {
    throw unauthenticated(
      'The Authorization header must carry a DevOpsMaestro API token: "Bearer dvm_…".',
    );
  }
  const token = await deps.store.tokens.findBySecretHash(hashSecret(secret));
  if (!token) throw unauthenticated('This API token is not valid.');
  const problem = tokenProblem(token, now);
  if (problem) throw unauthenticated(problem);
  const user = await activeUser(deps.store, token.userId);
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
    await deps.store.tokens.touch(token.id, now);
  }
  const source: AuditSource =
    headers.get('x-dvm-client')?.trim().toLowerCase() === 'cli' ? 'cli' : 'api';
  const address = clientAddress(headers, deps.address);
  return {
    user,
    via: 'token',
    scope: token.scope,
    tokenId: token.id,
    tokenPrefix: token.prefix,
    source,
    ...(address && { address }),
  };
}

async function fromSession(
  jwt: string,
  headers: Headers,
  deps: AuthenticateDeps,
  now: Date,
): Promise<Principal> {
  const claims = await decodeSessionJwt(jwt, deps.sessionSecret);
  if (!claims) throw unauthenticated('Your session is not valid; sign in again.');
  const session = await deps.store.sessions.find(claims.sid);
  if (!session || session.userId !== claims.uid) {
    throw unauthenticated('Your session is not valid; sign in again.');
  }
  if (session.revokedAt) throw unauthenticated('You were signed out; sign in again.');
  if (session.expiresAt.getTime() <= now.getTime()) {
    throw unauthenticated('Your session expired; sign in again.');
  }
  const user = await activeUser(deps.store, session.userId);
  const address = clientAddress(headers, deps.address);
  return {
    user,
    via: 'session',
    scope: 'admin',
    sessionId: session.id,
    source: 'ui',
    ...(address && { address }),
  };
}

/**
 * Who is calling. UNAUTHENTICATED, with a message saying what to do, when there are no
 * credentials or they are not valid. A Bearer header is never silently ignored in favour of a
 * cookie: a bad token fails the request even when a session cookie is present.
 */
export async function authenticate(
  request: HasHeaders,
  deps: AuthenticateDeps,
): Promise<Principal> {
  const now = deps.now ? deps.now() : new Date();
  const { headers } = request;
  const token = bearer(headers);
  if (token !== undefined) return fromToken(token, headers, deps, now);
  if (headers.get('authorization')) {
    throw unauthenticated('Use "Authorization: Bearer dvm_…" with an API token.');
  }
  const jwt = sessionCookie(headers);
  if (jwt !== undefined) return fromSession(jwt, headers, deps, now);
  throw unauthenticated('Sign in, or send an API token as "Authorization: Bearer dvm_…".');
}

/**
 * For pages: undefined when the visitor is not signed in — no credentials, or a session cookie
 * that is stale (expired, signed out elsewhere, disabled user), which is the same to a visitor.
 * A bad Bearer token still throws: a client sending one wants to know.
 */
export async function authenticateOptional(
  request: HasHeaders,
  deps: AuthenticateDeps,
): Promise<Principal | undefined> {
  const { headers } = request;
  if (headers.get('authorization')) return authenticate(request, deps);
  if (sessionCookie(headers) === undefined) return undefined;
  try {
    return await authenticate(request, deps);
  } catch (error) {
    if (hasErrorCode(error, 'UNAUTHENTICATED')) return undefined;
    throw error;
  }
}
