// GET|POST /api/auth/* — next-auth: sign-in (credentials and SSO), sign-out, CSRF, session.
//
// next-auth builds its redirects from NEXTAUTH_URL, and without one from http://localhost:3000,
// which is wrong on any other port or host. So: an operator's NEXTAUTH_URL wins; else
// DVM_PUBLIC_URL becomes NEXTAUTH_URL; else next-auth is told to trust the request's Host (its
// AUTH_TRUST_HOST switch), which Next fills into X-Forwarded-Host/-Proto for direct requests.
// Each request then redirects to the address it came in on. This is set once, for the process,
// rather than per request: a per-request NEXTAUTH_URL would race between concurrent requests.

import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { buildAuthOptions } from '@/lib/server/auth-options';
import { loadSessionSecret } from '@/lib/auth/session-secret';
import { getRuntime } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

type Handler = (
  request: NextRequest,
  context: { params: Promise<{ nextauth: string[] }> },
) => Promise<Response>;

let handler: Promise<Handler> | undefined;

async function createHandler(): Promise<Handler> {
  const { store, config } = await getRuntime();
  const env = process.env as Record<string, string | undefined>;
  if (!env.NEXTAUTH_URL) {
    if (config.publicUrl) env.NEXTAUTH_URL = config.publicUrl;
    else env.AUTH_TRUST_HOST ??= 'true';
  }
  const sessionSecret = await loadSessionSecret(store, config);
  return NextAuth(buildAuthOptions({ store, sessionSecret, config })) as Handler;
}

/** One next-auth handler per process; a failed start (database down) is retried next time. */
function getHandler(): Promise<Handler> {
  if (!handler) {
    const created = createHandler();
    handler = created;
    created.catch(() => {
      if (handler === created) handler = undefined;
    });
  }
  return handler;
}

async function handle(
  request: NextRequest,
  context: { params: Promise<{ nextauth: string[] }> },
): Promise<Response> {
  return (await getHandler())(request, context);
}

export { handle as GET, handle as POST };
