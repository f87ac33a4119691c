// The browser session's cookie: a next-auth JWT (encrypted with the session secret) that carries
// only the user's id (`uid`) and the session record's id (`sid`). Read by authenticate(); written
// by next-auth at sign-in, and by encodeSessionJwt when a session is replaced (password change).

import { decode, encode } from 'next-auth/jwt';

/** How long a browser session lives: the session record's lifetime and the JWT's maxAge. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** next-auth's cookie names: `__Secure-` over https, plain over http. */
export const SESSION_COOKIE_NAMES = [
  '__Secure-next-auth.session-token',
  'next-auth.session-token',
] as const;

export function sessionCookieName(secure: boolean): string {
  return secure ? SESSION_COOKIE_NAMES[0] : SESSION_COOKIE_NAMES[1];
}

/** The claims we add to next-auth's JWT. */
export interface SessionClaims {
  /** The user's id. */
  uid: string;
  /** The session record's id. */
  sid: string;
  email?: string;
  name?: string;
}

export function encodeSessionJwt(
  claims: SessionClaims,
  sessionSecret: string,
  maxAgeSeconds: number = SESSION_MAX_AGE_SECONDS,
): Promise<string> {
  return encode({ token: { ...claims }, secret: sessionSecret, maxAge: maxAgeSeconds });
}

/** The claims of a session JWT, or undefined when it is not ours, tampered with or expired. */
export async function decodeSessionJwt(
  jwt: string,
  sessionSecret: string,
): Promise<SessionClaims | undefined> {
  let payload;
  try {
    payload = await decode({ token: jwt, secret: sessionSecret });
  } catch {
    return undefined;
  }
  const uid = payload?.uid;
  const sid = payload?.sid;
  return typeof uid === 'string' && typeof sid === 'string' ? { uid, sid } : undefined;
}

/**
 * The cookie to set after a session was replaced (changePassword returns the new session id), so
 * the browser stays signed in: `(await cookies()).set(cookie.name, cookie.value, cookie.options)`.
 */
export async function sessionCookieFor(
  claims: SessionClaims,
  deps: { sessionSecret: string; secure: boolean },
): Promise<{
  name: string;
  value: string;
  options: { httpOnly: true; sameSite: 'lax'; path: '/'; secure: boolean; maxAge: number };
}> {
  return {
    name: sessionCookieName(deps.secure),
    value: await encodeSessionJwt(claims, deps.sessionSecret),
    options: {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: deps.secure,
      maxAge: SESSION_MAX_AGE_SECONDS,
    },
  };
}
