// The colour theme a user chose: `light`, `dark` or `system` (follow prefers-color-scheme). Kept
// in a cookie rather than localStorage so the server can render `data-theme` on <html> and the
// first paint has the right colours (docs/decisions/0008).

export const THEMES = ['light', 'dark', 'system'] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_COOKIE = 'dvm-theme';

/** The cookie's value as a theme; anything else (absent, tampered) means `system`. */
export function parseTheme(value: string | undefined): Theme {
  return THEMES.find((theme) => theme === value) ?? 'system';
}

/** The `data-theme` attribute for <html>: only an explicit choice sets one. */
export function themeAttribute(theme: Theme): 'light' | 'dark' | undefined {
  return theme === 'system' ? undefined : theme;
}
