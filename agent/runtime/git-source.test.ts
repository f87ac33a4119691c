// The pure parts of git sources: which URLs and refs reach git, and who owns the copied tree.
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../lib/errors';
import { checkGitSource, needsAccountFiles, redactUrl, resolveOwner } from './git-source';

const source = (url: string, ref?: string) => ({
  url,
  ...(ref !== undefined && { ref }),
  volume: 'dvm_src_x',
  target: '/workspace',
});

describe('checkGitSource', () => {
  it.each([
    'https://github.com/acme/api.git',
    'https://user:token@git.example.com/acme/api',
    'ssh://git@github.com/acme/api.git',
    'git://example.com/acme/api.git',
    'file:///srv/git/api.git',
    'git@github.com:acme/api.git',
    'github.com:acme/api.git',
    'git@host:/srv/api.git',
  ])('accepts %s', (url) => {
    expect(checkGitSource(source(url))).toEqual([]);
  });

  it.each([
    ['--upload-pack=touch /tmp/pwned', 'start with "-"'],
    ['-oProxyCommand=x', 'start with "-"'],
    ['ssh://-oProxyCommand=touch%20x/repo', 'must not start with "-"'],
    ['ext::sh -c touch% /tmp/pwned', 'spaces'],
    ['ext::sh', 'user@host:path'],
    ['http://example.com/api.git', 'http:// scheme is not allowed'],
    ['ftp://example.com/api.git', 'ftp:// scheme is not allowed'],
    ['/srv/git/api.git', 'user@host:path'],
    ['./api', 'user@host:path'],
    ['', 'required'],
    ['https://example.com/a\nb', 'control characters'],
  ])('refuses %j', (url, why) => {
    const errors = checkGitSource(source(url));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('gitSource.url');
    expect(errors[0]!.message).toContain(why);
  });

  it('accepts branch, tag and commit refs and refuses option-like or odd ones', () => {
    for (const ref of ['main', 'release/1.2', 'v1.0.0', '0123abc', 'feature_x+y']) {
      expect(checkGitSource(source('https://h/r', ref)), ref).toEqual([]);
    }
    for (const ref of ['-b', '--orphan', 'a..b', 'x y', 'x/', 'x.lock', 'a~1', 'a:b']) {
      expect(checkGitSource(source('https://h/r', ref))[0]?.path, ref).toBe('gitSource.ref');
    }
  });

  it('checks the volume and target', () => {
    const errors = checkGitSource({ url: 'https://h/r', volume: 'x', target: 'workspace' });
    expect(errors.map((e) => e.path)).toEqual(['gitSource.volume', 'gitSource.target']);
    expect(checkGitSource({ url: 'https://h/r', volume: 'vol', target: '/' })[0]?.path).toBe(
      'gitSource.target',
    );
  });
});

describe('redactUrl', () => {
  it('hides the password or token of a URL wherever it appears', () => {
    expect(redactUrl('fatal: https://bot:ghp_secret@github.com/a/b not found')).toBe(
      'fatal: https://bot:***@github.com/a/b not found',
    );
    expect(redactUrl('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
  });
});

describe('resolveOwner', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\ndev:x:1000:1001:dev:/home/dev:/bin/sh\n';
  const group = 'root:x:0:\nstaff:x:50:\ndev:x:1001:\n';

  it('takes numeric ids as they are and looks names up like the engine', () => {
    expect(resolveOwner('')).toEqual({ uid: 0, gid: 0 });
    expect(resolveOwner('1000:1000')).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveOwner('1000', passwd, group)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveOwner('4242', passwd, group)).toEqual({ uid: 4242, gid: 0 });
    expect(resolveOwner('dev', passwd, group)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveOwner('dev:staff', passwd, group)).toEqual({ uid: 1000, gid: 50 });
    expect(resolveOwner('dev:7', passwd, group)).toEqual({ uid: 1000, gid: 7 });
  });

  it('refuses names the image does not know', () => {
    expect(
      hasErrorCode(
        catching(() => resolveOwner('ghost', passwd, group)),
        'INVALID',
      ),
    ).toBe(true);
    expect(
      hasErrorCode(
        catching(() => resolveOwner('dev:ghosts', passwd, group)),
        'INVALID',
      ),
    ).toBe(true);
    expect(
      hasErrorCode(
        catching(() => resolveOwner('dev', undefined, undefined)),
        'INVALID',
      ),
    ).toBe(true);
  });

  it('reads the account files only when a name or a missing gid needs them', () => {
    expect(needsAccountFiles('')).toBe(false);
    expect(needsAccountFiles('1000:1000')).toBe(false);
    expect(needsAccountFiles('1000')).toBe(true);
    expect(needsAccountFiles('dev')).toBe(true);
    expect(needsAccountFiles('1000:staff')).toBe(true);
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
