// Root layout: document shell and site header shared by every page.

import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'DevOpsMaestro',
  description: 'Containerised development environments for your teams',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <div className="inner">
            <a href="/">DevOpsMaestro</a>
          </div>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
