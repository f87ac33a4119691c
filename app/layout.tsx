// Root layout: document shell and site header shared by every page. The header shows the signed-in
// user's navigation (only the pages their role opens), the theme toggle and a sign-out button. The
// chosen theme (cookie) is rendered as data-theme on <html>, so the first paint has its colours.

import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { unstable_rethrow } from 'next/navigation';
import type { ReactNode } from 'react';
import { type HeaderLink, SiteHeader } from '@/components/site-header';
import { parseTheme, type Theme, THEME_COOKIE, themeAttribute } from '@/components/theme';
import type { Principal } from '@/lib/auth/principal';
import { listMemberships } from '@/lib/domain/list-memberships';
import { contextFor, csrfToken, currentPrincipal } from '@/lib/server/session';
import './globals.css';
import './styles/resources.css';

// Every page depends on who is signed in; none is prerendered at build time.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'DevOpsMaestro',
  description: 'Containerised development environments for your teams',
};

/** The pages this user can open; the pages check again themselves. */
async function linksFor(principal: Principal): Promise<HeaderLink[]> {
  const { user } = principal;
  if (user.mustChangePassword) return [];
  const links: HeaderLink[] = [
    { href: '/ecosystems', label: 'Ecosystems' },
    { href: '/hosts', label: 'Hosts' },
    { href: '/apply', label: 'Apply' },
    { href: '/tokens', label: 'API tokens' },
  ];
  if (user.isAdmin) {
    links.push({ href: '/users', label: 'Users' }, { href: '/audit', label: 'Audit log' });
  } else {
    const memberships = await listMemberships(await contextFor(principal), { userId: user.id });
    if (memberships.some((m) => m.role === 'owner')) {
      links.push({ href: '/audit', label: 'Audit log' });
    }
  }
  return links;
}

async function header(theme: Theme) {
  try {
    const principal = await currentPrincipal();
    if (!principal) return <SiteHeader theme={theme} />;
    return (
      <SiteHeader
        user={{ name: principal.user.name, email: principal.user.email }}
        links={await linksFor(principal)}
        csrfToken={await csrfToken()}
        theme={theme}
      />
    );
  } catch (error) {
    unstable_rethrow(error); // Next's own control flow (dynamic rendering, redirects)
    // The page below reports the problem (an unreachable database, say); the header must not
    // take the whole document down with it.
    console.error(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'error',
        msg: 'layout: cannot tell who is signed in',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
    );
    return <SiteHeader theme={theme} />;
  }
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <html lang="en" data-theme={themeAttribute(theme)}>
      <body>
        {await header(theme)}
        <main>{children}</main>
      </body>
    </html>
  );
}
