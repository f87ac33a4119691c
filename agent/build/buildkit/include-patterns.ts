// BuildKit narrows a synced directory with include patterns: `include-patterns` and `followpaths`
// (the sources of the Dockerfile's COPY/ADD lines, the Dockerfile's name, `.dockerignore`). This is
// fsutil's rule for them (v0.8.x walker): a pattern is compared with Go's filepath.Match against the
// path, cut to as many components as the path has; a directory matched only by such a cut pattern
// is walked but not taken whole. Follow paths are resolved through symlinks first, so a followed
// link brings its target along. Exclude patterns use `.dockerignore` semantics (lib/build).
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { cleanPath } from '../../../lib/build/dockerignore';

export type IncludeMatch = 'none' | 'partial' | 'full';
export type IncludeMatcher = (relPath: string) => IncludeMatch;

/**
 * Go's filepath.Match on slash-separated paths: `*` and `?` never match `/`, `[...]` classes
 * (`^` negates, `a-z` ranges), `\` escapes. A malformed pattern matches nothing (fsutil ignores
 * the error).
 */
export function goMatch(pattern: string, name: string): boolean {
  const regexp = compileGoPattern(pattern);
  return regexp !== undefined && regexp.test(name);
}

const compiled = new Map<string, RegExp | undefined>();

function compileGoPattern(pattern: string): RegExp | undefined {
  if (compiled.has(pattern)) return compiled.get(pattern);
  let source = '^';
  const chars = Array.from(pattern);
  let ok = true;
  let i = 0;
  while (i < chars.length && ok) {
    const ch = chars[i++] as string;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '\\') {
      const next = chars[i++];
      if (next === undefined) ok = false;
      else source += escapeRegExp(next);
    } else if (ch === '[') {
      let cls = '[';
      if (chars[i] === '^') {
        cls += '^';
        i += 1;
      }
      let items = 0;
      for (;;) {
        const c = chars[i];
        if (c === undefined) {
          ok = false;
          break;
        }
        if (c === ']' && items > 0) {
          i += 1;
          break;
        }
        const lo = classChar(chars, i);
        if (!lo) {
          ok = false;
          break;
        }
        i = lo.next;
        if (chars[i] === '-') {
          const hi = classChar(chars, i + 1);
          if (!hi) {
            ok = false;
            break;
          }
          i = hi.next;
          if ((lo.ch.codePointAt(0) ?? 0) <= (hi.ch.codePointAt(0) ?? 0)) {
            cls += `${escapeClass(lo.ch)}-${escapeClass(hi.ch)}`;
          } else cls += '(?!)';
        } else cls += escapeClass(lo.ch);
        items += 1;
      }
      source += `${cls}]`;
    } else source += escapeRegExp(ch);
  }
  let regexp: RegExp | undefined;
  if (ok) {
    try {
      regexp = new RegExp(`${source}$`, 'u');
    } catch {
      regexp = undefined;
    }
  }
  compiled.set(pattern, regexp);
  return regexp;
}

function classChar(chars: string[], at: number): { ch: string; next: number } | undefined {
  const ch = chars[at];
  if (ch === undefined || ch === '-' || ch === ']') return undefined;
  if (ch === '\\') {
    const escaped = chars[at + 1];
    return escaped === undefined ? undefined : { ch: escaped, next: at + 2 };
  }
  return { ch, next: at + 1 };
}

function escapeRegExp(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

function escapeClass(ch: string): string {
  return /[\]\\^[-]/.test(ch) ? `\\${ch}` : ch;
}

/** fsutil's matchPrefix: [matched, partial]. */
function matchPrefix(pattern: string, name: string): [boolean, boolean] {
  const depth = name.split('/').length;
  const parts = pattern.split('/');
  let partial = false;
  let cut = pattern;
  if (parts.length > depth) {
    cut = parts.slice(0, depth).join('/');
    partial = true;
  }
  return [goMatch(cut, name), partial];
}

/** A matcher for cleaned include patterns; `full` means "this path and everything below". */
export function includeMatcher(patterns: readonly string[]): IncludeMatcher {
  return (relPath) => {
    let matched = false;
    for (const pattern of patterns) {
      const [ok, partial] = matchPrefix(pattern, relPath);
      if (!ok) continue;
      if (!partial) return 'full';
      matched = true;
    }
    return matched ? 'partial' : 'none';
  };
}

/** Relative to the root, or undefined when it climbs out of it. */
function relative(p: string): string | undefined {
  const cleaned = cleanPath(`./${p}`);
  if (cleaned === '..' || cleaned.startsWith('../')) return undefined;
  return cleaned;
}

function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i += 1) {
    const ch = name[i];
    if (ch === '\\') i += 1;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/**
 * Symlink targets of `rel` (a wildcard last component: of every match), relative to the root, or
 * undefined when nothing there is a symlink.
 */
async function symlinkTargets(
  root: string,
  rel: string,
  allowWildcard: boolean,
): Promise<string[] | undefined> {
  const base = path.posix.basename(rel);
  if (allowWildcard && containsWildcards(base)) {
    const dir = path.posix.dirname(rel);
    let names: string[];
    try {
      names = await readdir(path.join(root, dir));
    } catch {
      return undefined;
    }
    const out: string[] = [];
    for (const name of names) {
      if (!goMatch(base, name)) continue;
      out.push(...((await symlinkTargets(root, path.posix.join(dir, name), false)) ?? []));
    }
    return out.length > 0 ? out : undefined;
  }
  try {
    const stat = await lstat(path.join(root, rel));
    if (!stat.isSymbolicLink()) return undefined;
    const link = path.posix.normalize(await readlink(path.join(root, rel)));
    // An absolute link means the same path inside the context, as BuildKit copies it there.
    return [link.startsWith('/') ? link : path.posix.join('/', path.posix.dirname(rel), link)];
  } catch {
    return undefined;
  }
}

/**
 * fsutil's FollowLinks: the follow paths plus the targets of symlinks on their way, sorted and
 * without paths below others. Undefined when one of them is the root itself (no filter at all).
 */
export async function resolveFollowPaths(
  root: string,
  followPaths: readonly string[],
): Promise<string[] | undefined> {
  const resolved = new Set<string>();
  const MAX_LINKS = 255;
  let links = 0;

  async function append(p: string): Promise<void> {
    const rel = relative(p);
    if (rel === undefined) return;
    if (rel === '.') {
      resolved.add('.');
      return;
    }
    const parts = rel.split('/');
    let current = '';
    for (let i = 0; i < parts.length; i += 1) {
      current = current ? `${current}/${parts[i]}` : (parts[i] as string);
      const rest = parts.slice(i + 1).join('/');
      const targets = await symlinkTargets(root, current, true);
      if ((rest === '' || targets) && resolved.has(current)) return;
      if (targets) {
        resolved.add(current);
        links += 1;
        if (links > MAX_LINKS) return;
        for (const target of targets) await append(rest ? `${target}/${rest}` : target);
        return;
      }
      if (rest === '') {
        resolved.add(current);
        return;
      }
    }
  }

  for (const p of followPaths) await append(p);
  return dedupePaths([...resolved].sort(byteOrder));
}

/** Sorted paths without those below an earlier one; undefined when the root is among them. */
export function dedupePaths(sorted: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let last: string | undefined;
  for (const p of sorted) {
    if (p === '.') return undefined;
    if (last !== undefined && p.startsWith(`${last}/`)) continue;
    out.push(p);
    last = p;
  }
  return out;
}

/** Go's string order (bytes of UTF-8), which fsutil's walk and BuildKit's validator use. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The include matcher for a transfer, or undefined for "everything": `include-patterns`
 * (cleaned) plus the resolved follow paths, as fsutil combines them.
 */
export async function transferIncludes(
  root: string | undefined,
  includePatterns: readonly string[] | undefined,
  followPaths: readonly string[] | undefined,
): Promise<IncludeMatcher | undefined> {
  let patterns = includePatterns?.map((p) => cleanPath(p));
  if (followPaths) {
    const targets = root
      ? await resolveFollowPaths(root, followPaths)
      : dedupePaths(
          followPaths
            .map(relative)
            .filter((p): p is string => p !== undefined)
            .sort(byteOrder),
        );
    // As fsutil: a root among them (".") lifts the filter altogether.
    if (targets) patterns = dedupePaths([...(patterns ?? []), ...targets]);
  }
  return patterns ? includeMatcher(patterns) : undefined;
}
