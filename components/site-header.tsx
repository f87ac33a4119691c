// The site header: the product name, the signed-in user's navigation (current page marked), the
// theme toggle and a sign-out button. The sign-out is a plain form POST to next-auth's endpoint
// with its CSRF token, so it works without JavaScript and returns to the sign-in page. Everything
// in it is a link or a button in document order, so Tab reaches each one.

import { type HeaderLink, SiteNav } from './site-nav';
import type { Theme } from './theme';
import { ThemeToggle } from './theme-toggle';

export type { HeaderLink } from './site-nav';

export interface HeaderUser {
  name: string;
  email: string;
}

export function SiteHeader({
  user,
  links = [],
  csrfToken,
  theme = 'system',
}: {
  user?: HeaderUser | undefined;
  links?: readonly HeaderLink[];
  csrfToken?: string | undefined;
  theme?: Theme;
}) {
  return (
    <header className="site-header">
      <div className="inner">
        <a href="/" className="brand">
          DevOpsMaestro
        </a>
        {user && <SiteNav links={links} />}
        <div className="site-user">
          <ThemeToggle initial={theme} />
          {user && (
            <>
              <a href="/account/password" title={user.email} className="user-name">
                {user.name || user.email}
              </a>
              <form method="post" action="/api/auth/signout">
                {csrfToken && <input type="hidden" name="csrfToken" value={csrfToken} />}
                <input type="hidden" name="callbackUrl" value="/signin" />
                <button type="submit">Sign out</button>
              </form>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
