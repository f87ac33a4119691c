// `.dockerignore` with Docker's own semantics (moby/patternmatcher, used by both the classic
// builder and BuildKit), so a context sent by either of our builders holds exactly the files
// `docker build` would send. Pure: the walker that reads the tree lives in the agent and asks
// `isExcluded` per entry and `mayContainExceptions` before descending into an excluded directory.

import { invalid } from '../errors';

export interface DockerignoreRule {
  /** Cleaned pattern, slash-separated, relative to the context root, without the `!`. */
  pattern: string;
  /** A `!pattern` line: re-includes what earlier rules excluded. */
  exception: boolean;
  /** 1-based line in the file; 0 for the rules Docker adds itself (Dockerfile, .dockerignore). */
  line: number;
}

export interface DockerignoreMatcher {
  readonly rules: readonly DockerignoreRule[];
  /**
   * True when `relPath` (slash-separated, relative to the context root) is left out of the
   * context. A rule matching a parent directory applies to everything below it; the last
   * matching rule wins. `isDir` does not change the answer (Docker's patterns have no
   * directory-only form: `foo/` is cleaned to `foo`) and is accepted for walkers' symmetry.
   */
  isExcluded(relPath: string, isDir?: boolean): boolean;
  /**
   * False when no exception could re-include anything below `relDir`, so a walker may skip
   * an excluded directory whole instead of visiting every file in it.
   */
  mayContainExceptions(relDir: string): boolean;
}

const UTF8_BOM = '\uFEFF';

/**
 * Parses `.dockerignore` text the way the Docker CLI does (moby/patternmatcher/ignorefile):
 * a `#` in the first column starts a comment, surrounding whitespace is trimmed, blank lines
 * are skipped, `!` marks an exception, patterns are cleaned like Go's `filepath.Clean` and a
 * leading `/` is dropped (patterns are always relative to the context root).
 * Throws AppError INVALID naming the line when a pattern is malformed.
 */
export function parseDockerignore(text: string): DockerignoreRule[] {
  const rules: DockerignoreRule[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    let line = index === 0 && raw.startsWith(UTF8_BOM) ? raw.slice(1) : raw;
    // Docker checks for comments before trimming: "  # x" is a pattern, not a comment.
    if (line.startsWith('#')) return;
    line = line.trim();
    if (line === '') return;
    const exception = line.startsWith('!');
    let pattern = exception ? line.slice(1).trim() : line;
    if (pattern === '') {
      throw invalid(`.dockerignore line ${index + 1}: "!" alone is not a pattern.`, [
        { path: `.dockerignore:${index + 1}`, message: 'illegal exclusion pattern "!"' },
      ]);
    }
    pattern = cleanPath(pattern);
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    const problem = patternSyntaxError(pattern);
    if (problem) {
      throw invalid(`.dockerignore line ${index + 1}: bad pattern "${line}": ${problem}.`, [
        { path: `.dockerignore:${index + 1}`, message: problem },
      ]);
    }
    rules.push({ pattern, exception, line: index + 1 });
  });
  return rules;
}

/**
 * A matcher for a context's `.dockerignore` (absent or empty: nothing is excluded).
 * Like the Docker CLI, the Dockerfile and `.dockerignore` itself are always sent even when a
 * pattern excludes them (the CLI appends exceptions for both); `dockerfile` is the Dockerfile's
 * path relative to the context root when the build uses one from the source tree.
 */
export function createDockerignoreMatcher(
  text: string | undefined,
  options: { dockerfile?: string } = {},
): DockerignoreMatcher {
  const rules = parseDockerignore(text ?? '');
  if (rules.length > 0) {
    // Only needed when something could exclude them; keeps the empty matcher trivially empty.
    for (const always of ['.dockerignore', options.dockerfile ?? 'Dockerfile']) {
      rules.push({ pattern: cleanPath(always), exception: true, line: 0 });
    }
  }
  const compiled = rules.map((rule) => ({ rule, match: compilePattern(rule.pattern) }));
  const hasExceptions = rules.some((rule) => rule.exception);

  return {
    rules,
    isExcluded(relPath: string): boolean {
      const path = cleanRelative(relPath);
      if (path === '.' || compiled.length === 0) return false;
      // moby's MatchesOrParentMatches: a rule applies when it matches the path or any of its
      // parent directories; a rule that cannot change the current verdict is not evaluated.
      const parents = ancestors(path);
      let excluded = false;
      for (const { rule, match } of compiled) {
        if (rule.exception !== excluded) continue;
        if (match(path) || parents.some(match)) excluded = !rule.exception;
      }
      return excluded;
    },
    mayContainExceptions(relDir: string): boolean {
      if (!hasExceptions) return false;
      const dir = cleanRelative(relDir);
      if (dir === '.') return true;
      const dirSegments = dir.split('/');
      return rules.some(
        (rule) => rule.exception && exceptionMayReachBelow(rule.pattern, dirSegments),
      );
    },
  };
}

/**
 * Could `pattern` match `dir` itself, an ancestor, or something below it? Docker's walker only
 * compares the exception's literal text as a prefix of the directory (so `!**\/keep` never makes
 * it enter `vendor/`); we compare segment by segment with the glob, which agrees with Docker for
 * literal exceptions and also honours wildcard ones — the matcher, not the walk, then decides.
 */
function exceptionMayReachBelow(pattern: string, dirSegments: string[]): boolean {
  const segments = pattern.split('/');
  for (let i = 0; i < dirSegments.length; i += 1) {
    const segment = segments[i];
    // The pattern ended above `dir`: it matched an ancestor, which re-includes all of `dir`.
    if (segment === undefined) return true;
    if (segment.includes('**')) return true;
    if (!compileSegment(segment)(dirSegments[i] ?? '')) return false;
  }
  return true;
}

function ancestors(path: string): string[] {
  const parts = path.split('/');
  const result: string[] = [];
  for (let i = 1; i < parts.length; i += 1) result.push(parts.slice(0, i).join('/'));
  return result;
}

/** Callers' paths may come as `./a/b`, `/a/b` or `a//b/`: reduce them to `a/b`. */
function cleanRelative(path: string): string {
  const cleaned = cleanPath(path);
  if (cleaned === '/') return '.';
  return cleaned.startsWith('/') ? cleaned.slice(1) : cleaned;
}

/** Go's `path.Clean`: collapse `//`, drop `.` segments, resolve `..` lexically, no trailing `/`. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

type Matcher = (path: string) => boolean;

/**
 * Compiles a cleaned pattern the way moby/patternmatcher does: `*` and `?` never cross `/`,
 * `**` crosses any number of directories (`**\/` also matches zero), a trailing `**` matches
 * everything below, a leading `**` matches any suffix; `[...]` classes and `\` escapes follow
 * Go's filepath.Match. Plain patterns compare as strings, as Docker's fast paths do.
 */
function compilePattern(pattern: string): Matcher {
  let source = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  const chars = Array.from(pattern);
  let i = 0;
  for (let n = 0; i < chars.length; n += 1) {
    const ch = chars[i++] as string;
    if (ch === '*') {
      if (chars[i] === '*') {
        i += 1;
        if (chars[i] === '/') i += 1;
        if (i >= chars.length) {
          if (kind === 'exact') kind = 'prefix';
          else {
            source += '.*';
            kind = 'regexp';
          }
        } else {
          source += '(?:.*/)?';
          kind = 'regexp';
        }
        if (n === 0) kind = 'suffix';
      } else {
        source += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      source += '[^/]';
      kind = 'regexp';
    } else if (ch === '\\') {
      const next = chars[i];
      if (next === undefined) source += '\\\\';
      else {
        i += 1;
        source += escapeRegExp(next);
        kind = 'regexp';
      }
    } else if (ch === '[') {
      const cls = readClass(chars, i);
      source += cls.source;
      i = cls.end;
      kind = 'regexp';
    } else {
      source += escapeRegExp(ch);
    }
  }
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      // `**/foo` also matches `foo` at the top.
      return (path) =>
        path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp': {
      const regexp = new RegExp(`${source}$`, 'u');
      return (path) => regexp.test(path);
    }
  }
}

/** One path segment against one pattern segment (no `**`), for `mayContainExceptions`. */
function compileSegment(segment: string): Matcher {
  let source = '^';
  const chars = Array.from(segment);
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i++] as string;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '\\' && chars[i] !== undefined) source += escapeRegExp(chars[i++] as string);
    else if (ch === '[') {
      const cls = readClass(chars, i);
      source += cls.source;
      i = cls.end;
    } else source += escapeRegExp(ch);
  }
  const regexp = new RegExp(`${source}$`, 'u');
  return (text) => regexp.test(text);
}

/**
 * A `[...]` class starting after the `[` at `start`, translated to a JS class. Go writes the
 * negation `[^...]`; ranges `a-z`; `\` escapes one character. Syntax was checked at parse time.
 */
function readClass(chars: string[], start: number): { source: string; end: number } {
  let i = start;
  let source = '[';
  if (chars[i] === '^') {
    source += '^';
    i += 1;
  }
  const next = (): string => {
    const ch = chars[i++] as string;
    return ch === '\\' ? (chars[i++] as string) : ch;
  };
  while (i < chars.length && chars[i] !== ']') {
    const lo = next();
    if (chars[i] !== '-') {
      source += escapeClassChar(lo);
      continue;
    }
    i += 1;
    const hi = next();
    // Go accepts a reversed range and it simply matches nothing; a JS RegExp would throw.
    if ((lo.codePointAt(0) ?? 0) <= (hi.codePointAt(0) ?? 0)) {
      source += `${escapeClassChar(lo)}-${escapeClassChar(hi)}`;
    }
  }
  return { source: `${source}]`, end: i + 1 };
}

/**
 * Go's filepath.Match rejects a malformed pattern (unclosed `[`, empty class, a range missing
 * an end, a trailing `\`); Docker refuses such a .dockerignore, and so do we, with the reason.
 */
export function patternSyntaxError(pattern: string): string | undefined {
  const chars = Array.from(pattern);
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i++];
    if (ch === '\\') {
      if (i >= chars.length) return 'it ends with an escape character "\\"';
      i += 1;
    } else if (ch === '[') {
      if (chars[i] === '^') i += 1;
      let items = 0;
      for (;;) {
        if (i >= chars.length) return 'a "[" character class is not closed';
        if (chars[i] === ']' && items > 0) {
          i += 1;
          break;
        }
        const lo = readClassChar(chars, i);
        if (typeof lo === 'string') return lo;
        i = lo;
        if (chars[i] === '-') {
          const hi = readClassChar(chars, i + 1);
          if (typeof hi === 'string') return hi;
          i = hi;
        }
        items += 1;
      }
    }
  }
  return undefined;
}

/** Go's getEsc: one class character (possibly escaped); `-` and `]` must be escaped here. */
function readClassChar(chars: string[], at: number): number | string {
  const ch = chars[at];
  if (ch === undefined) return 'a "[" character class is not closed';
  if (ch === '-' || ch === ']') {
    return `"${ch}" must be escaped inside a character class (or a class is empty)`;
  }
  if (ch === '\\') {
    if (chars[at + 1] === undefined) return 'it ends with an escape character "\\"';
    return at + 2;
  }
  return at + 1;
}

function escapeRegExp(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

function escapeClassChar(ch: string): string {
  return /[\]\\^[-]/.test(ch) ? `\\${ch}` : ch;
}
