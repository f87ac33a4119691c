'use client';

// Light / dark / system, as three toggle buttons in the header. A choice applies at once (the
// `data-theme` attribute on <html>, which the CSS tokens key on) and is kept for a year in the
// `dvm-theme` cookie, which the server reads on the next request. Preferences are not secrets and
// not tied to the account, so no server round trip is needed.

import { useState } from 'react';
import { type Theme, THEME_COOKIE, THEMES, themeAttribute } from './theme';

const LABELS: Record<Theme, string> = { light: 'Light', dark: 'Dark', system: 'System' };
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState<Theme>(initial);

  function choose(next: Theme) {
    setTheme(next);
    const attribute = themeAttribute(next);
    if (attribute) document.documentElement.dataset.theme = attribute;
    else delete document.documentElement.dataset.theme;
    document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=${ONE_YEAR_SECONDS}; samesite=lax`;
  }

  return (
    <div role="group" aria-label="Colour theme" className="theme-toggle">
      {THEMES.map((option) => (
        <button
          key={option}
          type="button"
          aria-pressed={theme === option}
          onClick={() => choose(option)}
        >
          {LABELS[option]}
        </button>
      ))}
    </div>
  );
}
