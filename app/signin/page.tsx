// GET /signin — email and password (and SSO buttons when providers are configured). The form is a
// plain POST to next-auth's credentials callback with its CSRF token, so it works without
// JavaScript; next-auth answers with a redirect to the callback URL, or back here with `?error=`.

import { redirect } from 'next/navigation';
import { Field } from '@/components/field';
import { describeSignInError } from '@/lib/server/auth-options';
import { needsSetup } from '@/lib/domain/needs-setup';
import { getRuntime } from '@/lib/server/runtime';
import { csrfToken, currentPrincipal, safeReturnPath } from '@/lib/server/session';

export const dynamic = 'force-dynamic';

interface SignInProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** next-auth hands back absolute callback URLs; only their path on this site is kept. */
function returnPath(callbackUrl: string | undefined): string {
  if (!callbackUrl) return '/';
  if (callbackUrl.startsWith('/')) return safeReturnPath(callbackUrl);
  try {
    const url = new URL(callbackUrl);
    return safeReturnPath(`${url.pathname}${url.search}`);
  } catch {
    return '/';
  }
}

export default async function SignInPage({ searchParams }: SignInProps) {
  const params = await searchParams;
  const error = single(params.error);
  const callbackUrl = single(params.callbackUrl);
  const returnTo = returnPath(callbackUrl);
  const { store, config } = await getRuntime();

  if (await needsSetup({ store })) redirect('/setup');
  if (!error && (await currentPrincipal())) redirect(returnTo);

  const token = await csrfToken();
  if (!token && !callbackUrl) {
    // next-auth's CSRF cookie is set by its own sign-in entry, which then sends the browser back
    // here with `callbackUrl` (and the error, if any) — so this redirect happens at most once.
    const query = new URLSearchParams({ callbackUrl: returnTo, ...(error && { error }) });
    redirect(`/api/auth/signin?${query}`);
  }

  const message = describeSignInError(error);
  const ssoProviders = [
    ...(config.sso.oidc ? [{ id: 'oidc', name: config.sso.oidc.name }] : []),
    ...(config.sso.github ? [{ id: 'github', name: 'GitHub' }] : []),
  ];

  return (
    <section className="auth-card" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p className="muted">Sign in to DevOpsMaestro with your email address and password.</p>
      {!token && (
        <p role="alert" className="form-message error">
          Your browser did not keep the sign-in cookie. Allow cookies for this site, then reload
          this page.
        </p>
      )}
      <form method="post" action="/api/auth/callback/credentials" className="form">
        {token && <input type="hidden" name="csrfToken" value={token} />}
        <input type="hidden" name="callbackUrl" value={returnTo} />
        {message && (
          <p role="alert" className="form-message error" id="signin-error">
            {message}
          </p>
        )}
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          aria-describedby={message ? 'signin-error' : undefined}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
        />
        <div className="form-actions">
          <button type="submit" className="primary">
            Sign in
          </button>
        </div>
      </form>
      {ssoProviders.length > 0 && (
        <div className="sso" aria-label="Single sign-on">
          {ssoProviders.map((provider) => (
            <form key={provider.id} method="post" action={`/api/auth/signin/${provider.id}`}>
              {token && <input type="hidden" name="csrfToken" value={token} />}
              <input type="hidden" name="callbackUrl" value={returnTo} />
              <button type="submit">Sign in with {provider.name}</button>
            </form>
          ))}
        </div>
      )}
    </section>
  );
}
