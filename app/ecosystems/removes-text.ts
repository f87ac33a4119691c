// What a delete would remove below an object, in words ("2 domains, 5 apps and 9 workspaces"):
// shown in the confirmation and compared again by the delete action, so a delete never removes
// more than the user was shown. Pure.
import type { Level } from '@/lib/store/data-store';
import { LEVEL_WORDS } from './object-paths';

/** "2 domains, 5 apps and 9 workspaces" — only the levels with something in them. */
export function removesText(counts: Partial<Record<Level, number>>): string {
  const parts = (Object.entries(counts) as [Level, number][])
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n} ${n === 1 ? LEVEL_WORDS[level].one : LEVEL_WORDS[level].many}`);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
