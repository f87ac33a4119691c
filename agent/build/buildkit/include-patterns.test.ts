// fsutil's include/follow-path rules, as BuildKit sends them for `COPY` sources and the Dockerfile.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  byteOrder,
  dedupePaths,
  goMatch,
  includeMatcher,
  resolveFollowPaths,
  transferIncludes,
} from './include-patterns';

describe('goMatch (Go filepath.Match)', () => {
  it.each([
    ['*.txt', 'a.txt', true],
    ['*.txt', 'dir/a.txt', false],
    ['dir/*', 'dir/a', true],
    ['dir/*', 'dir/a/b', false],
    ['?.go', 'a.go', true],
    ['?.go', 'ab.go', false],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'bx', false],
    ['[^a-c]x', 'dx', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a.b', 'axb', false],
    ['[', '[', false],
    ['a\\', 'a', false],
  ])('%s against %s → %s', (pattern, name, expected) => {
    expect(goMatch(pattern, name)).toBe(expected);
  });
});

describe('includeMatcher (fsutil matchPrefix)', () => {
  it('walks parents of a deeper pattern partially and takes a full match whole', () => {
    const match = includeMatcher(['src/app', 'Dockerfile']);
    expect(match('src')).toBe('partial');
    expect(match('src/app')).toBe('full');
    expect(match('src/lib')).toBe('none');
    expect(match('Dockerfile')).toBe('full');
    expect(match('README.md')).toBe('none');
  });

  it('matches wildcards per component', () => {
    const match = includeMatcher(['*.json', 'pkg/*/index.js']);
    expect(match('package.json')).toBe('full');
    expect(match('pkg')).toBe('partial');
    expect(match('pkg/a')).toBe('partial');
    expect(match('pkg/a/index.js')).toBe('full');
    expect(match('pkg/a/other.js')).toBe('none');
  });
});

describe('dedupePaths and byteOrder', () => {
  it('drops paths below an earlier one and lifts the filter for the root', () => {
    expect(dedupePaths(['a', 'a/b', 'a.txt', 'b'])).toEqual(['a', 'a.txt', 'b']);
    expect(dedupePaths(['.', 'a'])).toBeUndefined();
  });

  it('orders like Go strings (UTF-8 bytes), not UTF-16 code units', () => {
    // U+FF5E (3 UTF-8 bytes, 0xEF…) sorts before U+1F600 (4 bytes, 0xF0…) in Go; UTF-16
    // compares the surrogate 0xD83D first and puts the emoji first.
    const names = ['\u{1F600}', '\uFF5E', 'a', 'B'];
    expect([...names].sort(byteOrder)).toEqual(['B', 'a', '\uFF5E', '\u{1F600}']);
  });
});

describe('follow paths', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'dvm-follow-'));
    mkdirSync(path.join(root, 'real', 'deep'), { recursive: true });
    writeFileSync(path.join(root, 'real', 'deep', 'f'), 'x');
    writeFileSync(path.join(root, 'target.txt'), 'x');
    symlinkSync('real', path.join(root, 'alias'));
    symlinkSync('target.txt', path.join(root, 'file-link'));
    symlinkSync('/real/deep', path.join(root, 'absolute-link'));
    symlinkSync('../../outside', path.join(root, 'escape'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('adds symlink targets on the way, relative to the context root', async () => {
    expect(await resolveFollowPaths(root, ['alias/deep/f'])).toEqual(['alias', 'real/deep/f']);
    expect(await resolveFollowPaths(root, ['file-link'])).toEqual(['file-link', 'target.txt']);
    expect(await resolveFollowPaths(root, ['absolute-link'])).toEqual([
      'absolute-link',
      'real/deep',
    ]);
  });

  it('follows links matched by a wildcard and keeps the wildcard itself', async () => {
    expect(await resolveFollowPaths(root, ['file-*'])).toEqual(['file-*', 'target.txt']);
  });

  it('clamps a link that climbs out to the context root, as Go path joining does', async () => {
    expect(await resolveFollowPaths(root, ['escape'])).toEqual(['escape', 'outside']);
  });

  it('treats the root as "no filter"', async () => {
    expect(await resolveFollowPaths(root, ['.', 'real'])).toBeUndefined();
    expect(await transferIncludes(root, undefined, ['./'])).toBeUndefined();
  });

  it('combines include patterns with follow paths', async () => {
    const match = await transferIncludes(root, ['real/deep'], ['target.txt']);
    expect(match?.('real')).toBe('partial');
    expect(match?.('target.txt')).toBe('full');
    expect(match?.('alias')).toBe('none');
    expect(await transferIncludes(root, undefined, undefined)).toBeUndefined();
  });
});
