// Server-only: who is signed in, for pages (server components) and server actions. Both are
// browser transports, so only the session cookie counts here: an Authorization header is ignored
// (API tokens are for /api/v1), and so is a stale cookie (signed out, expired, disabled user),
// which to a visitor is the same as no cookie. Every check is against the store, through
// authenticateOptional, on every request.
//
// Pages call requirePrincipal(), which sends visitors to the sign-in page (or to first-run setup
// when no account exists yet). Server actions call actionContext() and refuse with
// UNAUTHENTICATED when it is undefined; they never redirect, because an action is an endpoint
// anyone can POST to and the caller must get a refusal, not a page.

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ZodError } from 'zod';
import type { ActionState } from '@/components/action-state';
import { authenticateOptional, clientAddress } from '@/lib/auth/authenticate';
import type { Principal } from '@/lib/auth/principal';
import { SESSION_COOKIE_NAMES, sessionCookieFor } from '@/lib/auth/session-jwt';
import { loadSessionSecret } from '@/lib/auth/session-secret';
import type { LifecycleContext } from '@/lib/domain/runtime/host-connector';
import type { ActionContext } from '@/lib/domain/action-context';
import { needsSetup } from '@/lib/domain/needs-setup';
import { isAppError } from '@/lib/errors';
import { getRuntime } from './runtime';

/** The request's headers without Authorization: pages and actions authenticate by cookie only. */
async function browserHeaders(): Promise<Headers> {
  const copy = new Headers(await headers());
  copy.delete('authorization');
  return copy;
}

/** The signed-in user of this request, or undefined. */
export async function currentPrincipal(): Promise<Principal | undefined> {
  const { store, config } = await getRuntime();
  const sessionSecret = await loadSessionSecret(store, config);
  return authenticateOptional({ headers: await browserHeaders() }, { store, sessionSecret });
}

/** The client's address as the audit log records it, for actions that run before sign-in. */
export async function requestAddress(): Promise<string | undefined> {
  return clientAddress(await headers());
}

/**
 * Where to send a visitor who is not signed in: first-run setup while no account exists, else
 * next-auth's sign-in entry, which sets its CSRF cookie and then shows /signin.
 */
export async function signInUrl(returnTo: string = '/'): Promise<string> {
  const { store } = await getRuntime();
  if (await needsSetup({ store })) return '/setup';
  return `/api/auth/signin?${new URLSearchParams({ callbackUrl: safeReturnPath(returnTo) })}`;
}

/**
 * The signed-in user, for a page. Redirects visitors to sign in (returning to `returnTo`), and
 * users who must change their password to /account/password (unless `allowPasswordChange`: the
 * page that does it).
 */
export async function requirePrincipal(
  returnTo: string,
  options: { allowPasswordChange?: boolean } = {},
): Promise<Principal> {
  const principal = await currentPrincipal();
  if (!principal) redirect(await signInUrl(returnTo));
  if (principal.user.mustChangePassword && !options.allowPasswordChange) {
    redirect('/account/password');
  }
  return principal;
}

/** The domain context of a page for a principal it already has. */
export async function contextFor(principal: Principal): Promise<ActionContext> {
  const { store } = await getRuntime();
  return { store, principal };
}

/** The context of use cases that reach hosts (start, stop, builds): the page's plus the agents. */
export async function lifecycleContextFor(principal: Principal): Promise<LifecycleContext> {
  const { store, hosts } = await getRuntime();
  return { store, principal, hosts };
}

/** The domain context of a server action, or undefined when nobody is signed in. */
export async function actionContext(): Promise<ActionContext | undefined> {
  const principal = await currentPrincipal();
  return principal ? contextFor(principal) : undefined;
}

/**
 * Points this browser at a replacement session record (changePassword revokes every session and
 * opens a new one for the caller): sets the session cookie as next-auth would, so the user stays
 * signed in here while their other browsers are signed out. For server actions only: pages
 * cannot set cookies.
 */
export async function setSessionCookie(
  sessionId: string,
  user: { id: string; email: string; name: string },
): Promise<void> {
  const { store, config } = await getRuntime();
  const sessionSecret = await loadSessionSecret(store, config);
  const jar = await cookies();
  // Keep the cookie next-auth chose: `__Secure-` when the site is served over https.
  const secure =
    jar.has(SESSION_COOKIE_NAMES[0]) || (await headers()).get('x-forwarded-proto') === 'https';
  const cookie = await sessionCookieFor(
    { uid: user.id, sid: sessionId, email: user.email, ...(user.name && { name: user.name }) },
    { sessionSecret, secure },
  );
  jar.set(cookie.name, cookie.value, cookie.options);
}

/** Only a path on this site: `/x`, never `//host` or `https://…` (an open redirect otherwise). */
export function safeReturnPath(value: string | undefined | null): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/';
  }
  return value;
}

/** next-auth's CSRF token for forms that POST to /api/auth/* (sign-in, sign-out, SSO). */
export async function csrfToken(): Promise<string | undefined> {
  const jar = await cookies();
  for (const name of ['__Host-next-auth.csrf-token', 'next-auth.csrf-token']) {
    const value = jar.get(name)?.value;
    if (!value) continue;
    // The cookie holds `<token>|<hash of token and secret>`; forms send the token.
    const token = decodeURIComponent(value).split('|')[0];
    if (token) return token;
  }
  return undefined;
}

/** The refusal of an action called without a session. The domain call is never made. */
export const UNAUTHENTICATED_STATE: ActionState = Object.freeze({
  ok: false,
  code: 'UNAUTHENTICATED',
  message: 'Your session has ended; sign in again.',
});

/** Field messages for a failed zod parse: the first message per field, by form field name. */
export function invalidInput(error: ZodError, values?: Record<string, string>): ActionState {
  const fieldErrors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || 'form';
    fieldErrors[field] ??= issue.message;
  }
  return {
    ok: false,
    code: 'INVALID',
    message: 'Check the highlighted fields.',
    fieldErrors,
    ...(values && { values }),
  };
}

/**
 * An action's failure as the form shows it. AppError messages are written for users and are
 * shown; field paths map to form fields through `fields` (domain path → field name). Anything
 * else is logged and answered with a generic message: raw messages of unknown errors never reach
 * the browser.
 */
export function actionFailure(
  error: unknown,
  options: { values?: Record<string, string>; fields?: Record<string, string> } = {},
): ActionState {
  const values = options.values && { values: options.values };
  if (isAppError(error) && error.code !== 'INTERNAL') {
    const fieldErrors: Record<string, string> = {};
    for (const fieldError of error.errors) {
      const field = options.fields?.[fieldError.path] ?? fieldError.path;
      fieldErrors[field] ??= fieldError.message;
    }
    return {
      ok: false,
      code: error.code,
      message: error.message,
      ...(Object.keys(fieldErrors).length > 0 && { fieldErrors }),
      ...values,
    };
  }
  console.error(
    JSON.stringify({
      time: new Date().toISOString(),
      level: 'error',
      msg: 'server action failed',
      error:
        error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error),
    }),
  );
  return {
    ok: false,
    code: 'INTERNAL',
    message: 'Something went wrong on the server; try again. The details are in the server log.',
    ...values,
  };
}
