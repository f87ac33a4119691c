// next-auth (v4, JWT sessions) wired to our own users: the credentials provider calls the domain's
// signIn, SSO providers (OIDC, GitHub) call signInWithSso, and the JWT carries only the user's id
// (`uid`) and the session record's id (`sid`). authenticate() checks that record on every request,
// so signing out, a password change or disabling the user ends the session everywhere at once.

import type { NextAuthOptions, Profile, Session, User } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import CredentialsProvider from 'next-auth/providers/credentials';
import GithubProvider, { type GithubProfile } from 'next-auth/providers/github';
import { ACCOUNT_DISABLED, WRONG_CREDENTIALS } from '@/lib/domain/check-password';
import { signIn } from '@/lib/domain/sign-in';
import { signInWithSso } from '@/lib/domain/sign-in-with-sso';
import { signOut } from '@/lib/domain/sign-out';
import { isAppError } from '@/lib/errors';
import { SESSION_MAX_AGE_SECONDS } from '@/lib/auth/session-jwt';
import type { SsoConfig } from '@/lib/server/config';
import type { DataStore } from '@/lib/store/data-store';

export interface AuthOptionsDeps {
  store: DataStore;
  sessionSecret: string;
  config: { sso: SsoConfig };
}

/** What `session.user` holds in pages and in `/api/auth/session`. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  mustChangePassword: boolean;
}

/** The user object handed from authorize()/signIn to the jwt callback. */
interface SignedInUser extends User {
  sid?: string;
}

/**
 * The message a sign-in page shows for next-auth's `?error=` parameter. The parameter is
 * attacker-controllable (anyone can send a link), so only messages we produce are shown verbatim.
 */
export function describeSignInError(error: string | undefined): string | undefined {
  if (!error) return undefined;
  if (
    error === WRONG_CREDENTIALS ||
    error === ACCOUNT_DISABLED ||
    /^Too many failed sign-ins; try again in \d+ (seconds?|minutes)\.$/.test(error) ||
    /^Sign-in with [\w .-]{1,40} (needs a verified email address|was refused)[^<>]{0,200}$/.test(
      error,
    )
  ) {
    return error;
  }
  if (error === 'CredentialsSignin') return WRONG_CREDENTIALS;
  if (error === 'SessionRequired') return 'Sign in to continue.';
  return 'Sign-in failed; try again.';
}

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

function addressOf(headers: Record<string, unknown> | undefined): string | undefined {
  return header(headers, 'x-forwarded-for')?.split(',')[0]?.trim() || undefined;
}

/** A user-facing message for next-auth to pass on as `?error=`; internal errors stay generic. */
function failure(error: unknown): Error {
  if (isAppError(error) && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) {
    return new Error(error.message);
  }
  console.error(
    JSON.stringify({
      time: new Date().toISOString(),
      level: 'error',
      msg: 'sign-in failed unexpectedly',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }),
  );
  return new Error('Sign-in failed; try again.');
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** GitHub's provider, asking GitHub which email is primary *and verified*. */
function githubProvider(sso: NonNullable<SsoConfig['github']>) {
  const base = GithubProvider({ clientId: sso.clientId, clientSecret: sso.clientSecret });
  return {
    ...base,
    userinfo: {
      url: 'https://api.github.com/user',
      async request({ client, tokens }) {
        const profile = await client.userinfo(tokens.access_token!);
        const response = await fetch('https://api.github.com/user/emails', {
          headers: {
            Authorization: `Bearer ${tokens.access_token}`,
            Accept: 'application/vnd.github+json',
          },
        });
        const emails = response.ok ? ((await response.json()) as GithubEmail[]) : [];
        const primary = emails.find((e) => e.primary && e.verified);
        // The public profile email is replaced: only a verified primary address is trusted.
        const { email: _public, ...rest } = profile;
        return { ...rest, ...(primary && { email: primary.email }), email_verified: !!primary };
      },
    },
  } satisfies OAuthConfig<GithubProfile>;
}

interface OidcProfile extends Record<string, unknown> {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

function oidcProvider(sso: NonNullable<SsoConfig['oidc']>): OAuthConfig<OidcProfile> {
  return {
    id: 'oidc',
    name: sso.name,
    type: 'oauth',
    wellKnown: `${sso.issuer}/.well-known/openid-configuration`,
    clientId: sso.clientId,
    clientSecret: sso.clientSecret,
    authorization: { params: { scope: 'openid email profile' } },
    idToken: true,
    checks: ['pkce', 'state'],
    profile(profile) {
      return {
        id: profile.sub,
        name: profile.name ?? profile.preferred_username ?? profile.email ?? profile.sub,
        email: profile.email ?? null,
      };
    },
  };
}

/** The next-auth options for the `/api/auth/[...nextauth]` route. */
export function buildAuthOptions(deps: AuthOptionsDeps): NextAuthOptions {
  const { store, sessionSecret, config } = deps;
  const ctx = { store };
  const providers: NextAuthOptions['providers'] = [
    CredentialsProvider({
      id: 'credentials',
      name: 'Email and password',
      credentials: {
        email: { label: 'Email', type: 'email' },
        password: { label: 'Password', type: 'password' },
      },
      async authorize(credentials, req) {
        const email = typeof credentials?.email === 'string' ? credentials.email : '';
        const password = typeof credentials?.password === 'string' ? credentials.password : '';
        if (!email || !password) throw new Error(WRONG_CREDENTIALS);
        const address = addressOf(req.headers);
        try {
          const result = await signIn(ctx, {
            email,
            password,
            ...(address && { address }),
            source: 'ui',
          });
          const user: SignedInUser = {
            id: result.user.id,
            email: result.user.email,
            name: result.user.name,
            sid: result.sessionId,
          };
          return user;
        } catch (error) {
          throw failure(error);
        }
      },
    }),
  ];
  if (config.sso.oidc) providers.push(oidcProvider(config.sso.oidc));
  if (config.sso.github) providers.push(githubProvider(config.sso.github));

  return {
    secret: sessionSecret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: '/signin', error: '/signin' },
    providers,
    callbacks: {
      async signIn({ user, account, profile }) {
        if (!account || account.type === 'credentials') return true;
        const claims = (profile ?? {}) as Profile & Record<string, unknown>;
        const email = typeof claims.email === 'string' ? claims.email : (user.email ?? undefined);
        try {
          const result = await signInWithSso(ctx, {
            provider: account.provider,
            providerName: account.provider === 'oidc' ? (config.sso.oidc?.name ?? 'SSO') : 'GitHub',
            email,
            emailVerified: claims.email_verified === true,
            ...(user.name && { name: user.name }),
          });
          // Handed on to the jwt callback, which next-auth calls with this same user object.
          Object.assign(user as SignedInUser, { id: result.user.id, sid: result.sessionId });
          return true;
        } catch (error) {
          return `/signin?error=${encodeURIComponent(failure(error).message)}`;
        }
      },
      async jwt({ token, user }) {
        if (user) {
          const signedIn = user as SignedInUser;
          if (!signedIn.sid) throw new Error('Sign-in failed; try again.');
          const fresh: JWT = { uid: signedIn.id, sid: signedIn.sid };
          if (signedIn.email) fresh.email = signedIn.email;
          if (signedIn.name) fresh.name = signedIn.name;
          return fresh;
        }
        return token;
      },
      async session({ session, token }) {
        const base: Session = { expires: session.expires };
        const uid = typeof token.uid === 'string' ? token.uid : undefined;
        const sid = typeof token.sid === 'string' ? token.sid : undefined;
        if (!uid || !sid) return base;
        const record = await store.sessions.find(sid);
        if (!record || record.revokedAt || record.expiresAt.getTime() <= Date.now()) return base;
        const user = await store.users.find(uid);
        if (!user || user.disabled) return base;
        const sessionUser: SessionUser = {
          id: user.id,
          email: user.email,
          name: user.name,
          isAdmin: user.isAdmin,
          mustChangePassword: user.mustChangePassword,
        };
        return { ...base, user: sessionUser } as Session;
      },
    },
    events: {
      async signOut({ token }) {
        const sid = typeof token?.sid === 'string' ? token.sid : undefined;
        if (sid) await signOut(ctx, { sessionId: sid });
      },
    },
  };
}
