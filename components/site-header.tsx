// The site header: the product name, the signed-in user's navigation and a sign-out button. The
// sign-out is a plain form POST to next-auth's endpoint with its CSRF token, so it works without
// JavaScript and returns to the sign-in page.

export interface HeaderLink {
  href: string;
  label: string;
}

export interface HeaderUser {
  name: string;
  email: string;
}

export function SiteHeader({
  user,
  links = [],
  csrfToken,
}: {
  user?: HeaderUser | undefined;
  links?: readonly HeaderLink[];
  csrfToken?: string | undefined;
}) {
  return (
    <header className="site-header">
      <div className="inner">
        <a href="/" className="brand">
          DevOpsMaestro
        </a>
        {user && (
          <>
            <nav aria-label="Main" className="site-nav">
              {links.map((link) => (
                <a key={link.href} href={link.href}>
                  {link.label}
                </a>
              ))}
            </nav>
            <div className="site-user">
              <a href="/account/password" title={user.email} className="user-name">
                {user.name || user.email}
              </a>
              <form method="post" action="/api/auth/signout">
                {csrfToken && <input type="hidden" name="csrfToken" value={csrfToken} />}
                <input type="hidden" name="callbackUrl" value="/signin" />
                <button type="submit">Sign out</button>
              </form>
            </div>
          </>
        )}
      </div>
    </header>
  );
}
