'use client';

// The header's navigation. The current section is marked with aria-current="page" (screen readers
// announce it; the CSS underlines it): a link is current on its own path and every path below it,
// so /ecosystems/x/domains/y still marks Ecosystems.

import { usePathname } from 'next/navigation';

export interface HeaderLink {
  href: string;
  label: string;
}

function isCurrent(pathname: string, href: string): boolean {
  if (href === '/') return pathname === '/';
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function SiteNav({ links }: { links: readonly HeaderLink[] }) {
  const pathname = usePathname() ?? '/';
  return (
    <nav aria-label="Main" className="site-nav">
      {links.map((link) => (
        <a
          key={link.href}
          href={link.href}
          aria-current={isCurrent(pathname, link.href) ? 'page' : undefined}
        >
          {link.label}
        </a>
      ))}
    </nav>
  );
}
