import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors';
import { cleanPath, createDockerignoreMatcher, parseDockerignore } from './dockerignore';

/** One pattern, one path: the rows of moby/patternmatcher's own TestMatches, plus ours. */
const SINGLE_PATTERN: Array<[pattern: string, path: string, excluded: boolean]> = [
  ['**', 'file', true],
  ['**/', 'file', true],
  ['**', 'dir/file', true],
  ['**/**', 'dir/file', true],
  ['dir/**', 'dir/file', true],
  ['dir/**', 'dir/dir2/file', true],
  ['**/dir', 'dir', true],
  ['**/dir', 'dir/file', true],
  ['**/dir2/*', 'dir/dir2/file', true],
  ['**/dir2/**', 'dir/dir2/dir3/file', true],
  ['**file', 'file', true],
  ['**file', 'dir/file', true],
  ['**/file', 'dir/file', true],
  ['**file', 'dir/dir/file', true],
  ['**/file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file.txt', true],
  ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/file*.txt', 'dir/dir/file.txt', true],
  ['**/file*.txt*', 'dir/dir/file.txt', true],
  ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false],
  ['**/*.txt', 'file.txt', true],
  ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true],
  ['a**/*.txt', 'a/dir/file.txt', true],
  ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false],
  ['a/*.txt', 'a/file.txt', true],
  ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false],
  ['a[b-d]e', 'ace', true],
  ['a[b-d]e', 'aae', false],
  ['a[^b-d]e', 'aze', true],
  ['a[^b-d]e', 'ace', false],
  ['a[\\]]e', 'a]e', true],
  ['a[\\-x]e', 'a-e', true],
  ['a[\\-x]e', 'abe', false],
  ['a[z-a]e', 'ame', false],
  ['.*', '.foo', true],
  ['.*', 'foo', false],
  ['abc.def', 'abcdef', false],
  ['abc.def', 'abc.def', true],
  ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true],
  ['abc?def', 'abcdef', false],
  ['abc?def', 'abc/def', false],
  ['a\\\\', 'a\\', true],
  ['a\\*', 'a*', true],
  ['a\\*', 'ab', false],
  ['a\\d', 'ad', true],
  ['a\\d', 'a1', false],
  ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true],
  ['**/foo/bar', 'dir/dir2/foo/bar', true],
  ['abc/**', 'abc', false],
  ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true],
  ['**/.foo', '.foo', true],
  ['**/.foo', 'bar.foo', false],
  ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  // Parents: a rule matching a directory excludes everything below it.
  ['vendor', 'vendor', true],
  ['vendor', 'vendor/a/b.go', true],
  ['vendor', 'vendorx', false],
  ['vendor', 'src/vendor', false],
  ['*/vendor', 'src/vendor/x', true],
  ['*.md', 'a.md', true],
  ['*.md', 'docs/a.md', false],
  ['**/*.md', 'docs/a.md', true],
  ['*', 'anything/below', true],
  // Cleaning: leading `/` and `./`, trailing `/`, `//`, `..`.
  ['/foo', 'foo', true],
  ['./foo', 'foo/x', true],
  ['foo/', 'foo', true],
  ['foo//bar', 'foo/bar', true],
  ['foo/../bar', 'bar', true],
  ['foo/./bar', 'foo/bar/baz', true],
  // Callers' paths are cleaned too.
  ['foo', './foo/x', true],
  ['foo/bar', 'foo//bar', true],
  // Unicode is matched per character, not per byte.
  ['?cole', 'école', true],
  ['é*', 'éa', true],
];

describe('dockerignore patterns (Docker semantics)', () => {
  it.each(SINGLE_PATTERN)('%s vs %s → excluded=%s', (pattern, path, excluded) => {
    const matcher = createDockerignoreMatcher(pattern);
    expect(matcher.isExcluded(path, false)).toBe(excluded);
  });
});

describe('dockerignore files', () => {
  const cases: Array<{
    name: string;
    text: string;
    dockerfile?: string;
    excluded: string[];
    included: string[];
  }> = [
    {
      name: 'no file excludes nothing',
      text: '',
      excluded: [],
      included: ['a', 'node_modules/x', '.git/HEAD'],
    },
    {
      name: 'comments and blank lines',
      text: '# node_modules\n\n   \nbuild\n',
      excluded: ['build/out'],
      included: ['node_modules/x'],
    },
    {
      name: 'a # after whitespace is a pattern, not a comment',
      text: '  # x\n',
      excluded: ['# x'],
      included: ['x'],
    },
    {
      name: 'CRLF line endings and a byte-order mark',
      text: '\uFEFFnode_modules\r\n.git\r\n',
      excluded: ['node_modules/a', '.git/HEAD'],
      included: ['src/a'],
    },
    {
      name: 'an exception re-includes one file',
      text: '*.md\n!README.md\n',
      excluded: ['CHANGES.md'],
      included: ['README.md', 'docs/a.md'],
    },
    {
      name: 'the last matching rule wins',
      text: '!a.txt\n*.txt\n',
      excluded: ['a.txt', 'b.txt'],
      included: ['c.md'],
    },
    {
      name: 'an exception below an excluded directory',
      text: 'docs\n!docs/keep.md\n',
      excluded: ['docs', 'docs/other.md', 'docs/sub/x'],
      included: ['docs/keep.md'],
    },
    {
      name: 'an exception for a whole subdirectory',
      text: 'build\n!build/keep\n',
      excluded: ['build/out.o'],
      included: ['build/keep', 'build/keep/x/y'],
    },
    {
      name: 'an exception with ** re-includes at any depth',
      text: 'vendor\n!**/LICENSE\n',
      excluded: ['vendor/a/main.go'],
      included: ['vendor/a/LICENSE', 'LICENSE'],
    },
    {
      name: 'exception then exclusion again',
      text: 'logs\n!logs/important\nlogs/important/*.tmp\n',
      excluded: ['logs/x', 'logs/important/a.tmp'],
      included: ['logs/important/a.log'],
    },
    {
      name: 'the Dockerfile and .dockerignore are always sent',
      text: '*\n',
      excluded: ['src', 'Dockerfile.dev'],
      included: ['Dockerfile', '.dockerignore'],
    },
    {
      name: 'the build Dockerfile in a subdirectory is always sent',
      text: 'docker\n',
      dockerfile: './docker/Dockerfile.dev',
      excluded: ['docker/other', 'docker/Dockerfile'],
      included: ['docker/Dockerfile.dev', 'Dockerfile'],
    },
    {
      name: '** excludes everything but the build files',
      text: '**\n',
      excluded: ['a', 'a/b/c', '.git'],
      included: ['Dockerfile', '.dockerignore'],
    },
  ];

  it.each(cases)('$name', ({ text, dockerfile, excluded, included }) => {
    const matcher = createDockerignoreMatcher(text, { dockerfile });
    for (const path of excluded) expect(matcher.isExcluded(path, false), path).toBe(true);
    for (const path of included) expect(matcher.isExcluded(path, false), path).toBe(false);
  });

  it('never excludes the context root', () => {
    const matcher = createDockerignoreMatcher('**\n*\n.\n');
    expect(matcher.isExcluded('.', true)).toBe(false);
    expect(matcher.isExcluded('', true)).toBe(false);
  });
});

describe('mayContainExceptions', () => {
  const cases: Array<[text: string, dir: string, expected: boolean]> = [
    ['node_modules\n', 'node_modules', false],
    ['docs\n!docs/keep.md\n', 'docs', true],
    ['docs\n!docs/keep.md\n', 'docs/sub', false],
    ['a\n!a/b/c\n', 'a', true],
    ['a\n!a/b/c\n', 'a/b', true],
    ['a\n!a/b/c\n', 'a/x', false],
    ['a\n!a\n', 'a/b/c', true],
    ['vendor\n!src/keep\n', 'vendor', false],
    ['vendor\n!vend*/keep\n', 'vendor', true],
    ['vendor\n!v[a-f]ndor/keep\n', 'vendor', true],
    ['vendor\n!v[x-z]ndor/keep\n', 'vendor', false],
    ['vendor\n!**/LICENSE\n', 'vendor/deep/dir', true],
    ['vendor\n!a**/keep\n', 'vendor', true],
    // The always-sent Dockerfile is an exception too: the walker must reach it.
    ['docker\n', 'docker', false],
  ];
  it.each(cases)('%j in %s → %s', (text, dir, expected) => {
    expect(createDockerignoreMatcher(text).mayContainExceptions(dir)).toBe(expected);
  });

  it('enters the directory that holds the build Dockerfile', () => {
    const matcher = createDockerignoreMatcher('docker\n', { dockerfile: 'docker/Dockerfile' });
    expect(matcher.mayContainExceptions('docker')).toBe(true);
    expect(matcher.mayContainExceptions('other')).toBe(false);
  });

  it('agrees with isExcluded: a skipped directory holds no included file', () => {
    const text = 'vendor\nbuild\n!build/keep/**\n!**/LICENSE\n';
    const matcher = createDockerignoreMatcher(text);
    const files = [
      'vendor/a/x.go',
      'vendor/a/LICENSE',
      'build/out.o',
      'build/keep/a',
      'build/keep/b/c',
      'src/main.go',
    ];
    for (const file of files) {
      const dirs = file.split('/').slice(0, -1);
      for (let i = 1; i <= dirs.length; i += 1) {
        const dir = dirs.slice(0, i).join('/');
        if (matcher.isExcluded(dir, true) && !matcher.mayContainExceptions(dir)) {
          expect(matcher.isExcluded(file, false), `${file} under skipped ${dir}`).toBe(true);
        }
      }
    }
  });
});

describe('parseDockerignore', () => {
  it('keeps exceptions, cleaned patterns and line numbers', () => {
    expect(parseDockerignore('# c\n/a/\n! ./b//c\n\nd/../e\n')).toEqual([
      { pattern: 'a', exception: false, line: 2 },
      { pattern: 'b/c', exception: true, line: 3 },
      { pattern: 'e', exception: false, line: 5 },
    ]);
  });

  it.each([
    ['[', 'not closed'],
    ['a[b', 'not closed'],
    ['a[]', 'must be escaped'],
    ['a[]b]', 'must be escaped'],
    ['a[b-]', 'must be escaped'],
    ['a[-b]', 'must be escaped'],
    ['a\\', 'escape character'],
    ['!', '"!" alone'],
  ])('rejects %j with a reason and the line', (pattern, reason) => {
    let error: unknown;
    try {
      parseDockerignore(`ok\n${pattern}\n`);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    expect((error as Error).message).toContain('line 2');
    expect((error as Error).message).toContain(reason);
  });

  it.each([
    ['', '.'],
    ['.', '.'],
    ['./a', 'a'],
    ['a/', 'a'],
    ['a//b', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/../b', 'b'],
    ['../a', '../a'],
    ['a/../../b', '../b'],
    ['/', '/'],
    ['/..', '/'],
    ['/a/../b/', '/b'],
  ])('cleans %j to %j like Go', (input, expected) => {
    expect(cleanPath(input)).toBe(expected);
  });
});
