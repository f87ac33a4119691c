// The one way REST routes under /api/v1 are written. `apiRoute(handler)` authenticates the caller
// (Bearer token first, else the session cookie) BEFORE the handler runs, hands it an ActionContext
// `{ store, principal }` for the one domain call, and maps whatever is thrown to problem+json. A
// handler never sees an unauthenticated request, so authentication cannot be forgotten route by
// route; e2e/route-inventory.test.ts proves it for every route in app/.
//
// The single exception is `POST /api/v1/tokens` with HTTP Basic (how a CLI gets its first token):
// `apiRoute.withPassword(handler)` hands the handler either the authenticated context or the
// Basic credentials, which only a domain function that checks (and throttles) passwords may use.
// And `POST /api/v1/hosts/join`, where an agent proves itself with the one-time join token in the
// body: `apiRoute.public(handler)` runs without a principal, for a domain function that checks
// (and throttles) such a credential itself.

import { authenticate, basicCredentials, clientAddress } from '@/lib/auth/authenticate';
import { isAllowedOrigin } from '@/lib/auth/origin';
import type { Principal } from '@/lib/auth/principal';
import { loadSessionSecret } from '@/lib/auth/session-secret';
import type { ActionContext, PublicContext } from '@/lib/domain/action-context';
import { AppError } from '@/lib/errors';
import type { DataStore } from '@/lib/store/data-store';
import { getRuntime, type Runtime } from '@/lib/server/runtime';
import { errorResponse } from './problem';

/** What Next passes as the second argument of a route handler. */
export interface NextRouteContext<P> {
  params: Promise<P>;
}

export type RouteHandler<P> = (request: Request, context: NextRouteContext<P>) => Promise<Response>;

export interface ApiRequest<P> {
  request: Request;
  /** The dynamic segments of the path, decoded by Next. */
  params: P;
  runtime: Runtime;
}

export interface AuthenticatedRequest<P> extends ApiRequest<P> {
  /** The context every domain use case takes: the store and who is calling. */
  ctx: ActionContext;
}

export type PasswordOrPrincipal<P> = ApiRequest<P> &
  (
    | { ctx: ActionContext; basic?: undefined }
    | {
        /** `Authorization: Basic` email and password, not yet checked. */
        basic: { email: string; password: string };
        /** For the domain function that checks the password; there is no principal yet. */
        publicCtx: PublicContext;
        /** The client's address, for throttling and the audit log. */
        address?: string;
        ctx?: undefined;
      }
  );

// The session key is read from the database at most once per store: every request needs it.
const SECRETS = Symbol.for('devopsmaestro.http.session-secrets');
const holder = globalThis as typeof globalThis & {
  [SECRETS]?: WeakMap<DataStore, Promise<string>>;
};

function sessionSecretOf(runtime: Runtime): Promise<string> {
  const cache = (holder[SECRETS] ??= new WeakMap());
  let secret = cache.get(runtime.store);
  if (!secret) {
    const loading = loadSessionSecret(runtime.store, runtime.config);
    cache.set(runtime.store, (secret = loading));
    loading.catch(() => cache.delete(runtime.store));
  }
  return secret;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A change made with the browser session must come from our own pages. The session cookie is
 * SameSite=Lax already; this also refuses same-site pages on other ports and old browsers. Tokens
 * are not sent by browsers on their own, so they need no such check.
 */
function refuseCrossSite(request: Request, principal: Principal, runtime: Runtime): void {
  if (principal.via !== 'session' || SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get('origin');
  if (origin === null) return;
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  let sameHost = false;
  try {
    sameHost = new URL(origin).host === host;
  } catch {
    sameHost = false;
  }
  if (sameHost || isAllowedOrigin(origin, runtime.config.allowedOrigins)) return;
  throw new AppError(
    'FORBIDDEN',
    "Changes made with a browser session must come from this server's own pages; use an API token from other clients.",
  );
}

async function authenticated<P>(request: Request, params: P): Promise<AuthenticatedRequest<P>> {
  const runtime = await getRuntime();
  const principal = await authenticate(request, {
    store: runtime.store,
    sessionSecret: await sessionSecretOf(runtime),
  });
  refuseCrossSite(request, principal, runtime);
  return { request, params, runtime, ctx: { store: runtime.store, principal } };
}

async function serve<P>(
  request: Request,
  context: NextRouteContext<P> | undefined,
  run: (params: P) => Promise<Response>,
): Promise<Response> {
  try {
    const params = ((await context?.params) ?? {}) as P;
    return await run(params);
  } catch (error) {
    return errorResponse(error, { method: request.method, path: new URL(request.url).pathname });
  }
}

/** A REST handler that runs only for an authenticated caller. */
export function apiRoute<P = Record<string, never>>(
  handler: (call: AuthenticatedRequest<P>) => Promise<Response>,
): RouteHandler<P> {
  return (request, context) =>
    serve(request, context, async (params) => handler(await authenticated(request, params)));
}

/**
 * A REST handler that also accepts `Authorization: Basic` credentials, unchecked, for a domain
 * function that verifies and throttles them. Any other request is authenticated as in apiRoute.
 */
apiRoute.withPassword = function withPassword<P = Record<string, never>>(
  handler: (call: PasswordOrPrincipal<P>) => Promise<Response>,
): RouteHandler<P> {
  return (request, context) =>
    serve(request, context, async (params) => {
      const basic = basicCredentials(request.headers);
      if (!basic) return handler(await authenticated(request, params));
      const runtime = await getRuntime();
      const address = clientAddress(request.headers);
      return handler({
        request,
        params,
        runtime,
        basic,
        publicCtx: { store: runtime.store },
        ...(address && { address }),
      });
    });
};

export interface PublicRequest<P> extends ApiRequest<P> {
  /** For the domain function that checks the credential in the request; there is no principal. */
  publicCtx: PublicContext;
  /** The client's address, for throttling and the audit log. */
  address?: string;
}

/**
 * A REST handler for a caller who brings no session or token because the request carries its own
 * credential (a join token), which the domain function it calls must check and throttle.
 */
apiRoute.public = function publicRoute<P = Record<string, never>>(
  handler: (call: PublicRequest<P>) => Promise<Response>,
): RouteHandler<P> {
  return (request, context) =>
    serve(request, context, async (params) => {
      const runtime = await getRuntime();
      const address = clientAddress(request.headers);
      return handler({
        request,
        params,
        runtime,
        publicCtx: { store: runtime.store },
        ...(address && { address }),
      });
    });
};

/** A JSON response that no cache keeps (answers depend on who asks). */
export function json(body: unknown, init: { status?: number; headers?: HeadersInit } = {}) {
  const headers = new Headers(init.headers);
  headers.set('Cache-Control', 'no-store');
  return Response.json(body, { status: init.status ?? 200, headers });
}

/** 204 No Content. */
export function noContent(): Response {
  return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
}
