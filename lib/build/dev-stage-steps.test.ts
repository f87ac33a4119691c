import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { packageStep, userStep } from './dev-stage-steps';

/** The shell text Docker runs for a `RUN` instruction: escape + newline removed. */
function shellOf(instruction: string, escape = '\\'): string {
  return instruction.replace(/^RUN /, '').split(`${escape}\n`).join('');
}

const DEV = { name: 'dev', uid: 1000, gid: 1000 };

describe('dev stage steps are valid sh', () => {
  const shells = ['dash', 'busybox'].filter(
    (shell) =>
      spawnSync(
        shell === 'busybox' ? 'busybox' : shell,
        shell === 'busybox' ? ['sh', '-c', 'true'] : ['-c', 'true'],
      ).status === 0,
  );
  const scripts: Array<[string, string]> = [
    ['user', shellOf(userStep(DEV, '\\'))],
    ['user, backtick escape', shellOf(userStep(DEV, '`'), '`')],
    ['apt', shellOf(packageStep('apt', ['git', 'curl'], { required: true, escape: '\\' }) ?? '')],
    ['apk', shellOf(packageStep('apk', ['git'], { required: true, escape: '\\' }) ?? '')],
    ['detect', shellOf(packageStep('detect', ['git'], { required: true, escape: '\\' }) ?? '')],
  ];
  it.each(scripts)('%s parses with sh -n', (_name, script) => {
    expect(script).not.toContain('\n');
    for (const shell of shells) {
      const args = shell === 'busybox' ? ['sh', '-n', '-c', script] : ['-n', '-c', script];
      const result = spawnSync(shell, args, { encoding: 'utf8' });
      expect(result.stderr, shell).toBe('');
      expect(result.status, shell).toBe(0);
    }
  });

  it('has no step for no packages', () => {
    expect(packageStep('apt', [], { required: true, escape: '\\' })).toBeUndefined();
  });
});

// The user step and the package probe run for real in a busybox root: Debian's static busybox
// (the project's test base image is made from it) has neither adduser nor a package manager, so
// this exercises the fallbacks. Needs root (chroot) and a static busybox; skipped otherwise.
const BUSYBOX = '/usr/bin/busybox';
function isStaticBinary(file: string): boolean {
  try {
    return execFileSync('file', [file], { encoding: 'utf8' }).includes('statically linked');
  } catch {
    return false;
  }
}
const canChroot = process.getuid?.() === 0 && existsSync(BUSYBOX) && isStaticBinary(BUSYBOX);

describe.skipIf(!canChroot)('dev stage steps in a busybox root', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  function busyboxRoot(passwd: string, group: string): string {
    const root = mkdtempSync(path.join(tmpdir(), 'dvm-busybox-'));
    roots.push(root);
    mkdirSync(path.join(root, 'bin'));
    mkdirSync(path.join(root, 'etc'));
    // Containers always have /dev/null, and the steps redirect to it.
    mkdirSync(path.join(root, 'dev'));
    execFileSync('mknod', ['-m', '666', path.join(root, 'dev/null'), 'c', '1', '3']);
    writeFileSync(path.join(root, 'bin/busybox'), readFileSync(BUSYBOX));
    chmodSync(path.join(root, 'bin/busybox'), 0o755);
    // Relative links: `busybox --install -s` would point them at the host's path.
    const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n');
    for (const applet of applets) {
      if (applet !== '' && applet !== 'busybox')
        symlinkSync('busybox', path.join(root, 'bin', applet));
    }
    writeFileSync(path.join(root, 'etc/passwd'), passwd);
    writeFileSync(path.join(root, 'etc/group'), group);
    return root;
  }

  function runIn(root: string, script: string) {
    return spawnSync('chroot', [root, '/bin/sh', '-c', script], {
      encoding: 'utf8',
      env: { ...process.env, PATH: '/bin:/usr/sbin:/usr/bin:/sbin' },
    });
  }

  it('creates the user, its group and the Neovim directory', () => {
    const root = busyboxRoot('root:x:0:0:root:/root:/bin/sh\n', 'root:x:0:\n');
    const result = runIn(root, shellOf(userStep(DEV, '\\')));
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toContain(
      'dev:x:1000:1000::/home/dev:/bin/sh\n',
    );
    expect(readFileSync(path.join(root, 'etc/group'), 'utf8')).toContain('dev:x:1000:\n');
    const nvim = statSync(path.join(root, 'home/dev/.config/nvim'));
    expect(nvim.isDirectory()).toBe(true);
    expect([nvim.uid, nvim.gid]).toEqual([1000, 1000]);
  });

  it('keeps an existing user of that name', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/sh\ndev:x:1000:1000::/home/dev:/bin/sh\n';
    const root = busyboxRoot(passwd, 'root:x:0:\ndev:x:1000:\n');
    const result = runIn(root, shellOf(userStep(DEV, '\\')));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('the user dev exists');
    expect(readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toBe(passwd);
  });

  it('adds the name for a uid another user has (node images: node is 1000)', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n';
    const root = busyboxRoot(passwd, 'root:x:0:\nnode:x:1000:\n');
    const result = runIn(root, shellOf(userStep(DEV, '\\')));
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toBe(
      `${passwd}dev:x:1000:1000::/home/dev:/bin/sh\n`,
    );
    expect(statSync(path.join(root, 'home/dev/.config/nvim')).uid).toBe(1000);
  });

  it('uses an existing group with the gid', () => {
    const root = busyboxRoot('root:x:0:0:root:/root:/bin/sh\n', 'root:x:0:\nstaff:x:2000:\n');
    const result = runIn(root, shellOf(userStep({ name: 'alice', uid: 1500, gid: 2000 }, '\\')));
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'etc/group'), 'utf8')).toBe('root:x:0:\nstaff:x:2000:\n');
    expect(readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toContain(
      'alice:x:1500:2000::/home/alice:/bin/sh\n',
    );
  });

  it('probes for a package manager: skips the defaults, fails for requested packages', () => {
    const root = busyboxRoot('root:x:0:0:root:/root:/bin/sh\n', 'root:x:0:\n');
    const defaults = runIn(
      root,
      shellOf(packageStep('detect', ['git', 'zsh'], { required: false, escape: '\\' }) ?? ''),
    );
    expect(defaults.status).toBe(0);
    expect(defaults.stdout).toContain('skipping the default packages: git zsh');
    const requested = runIn(
      root,
      shellOf(packageStep('detect', ['git', 'zsh'], { required: true, escape: '\\' }) ?? ''),
    );
    expect(requested.status).toBe(1);
    expect(requested.stderr).toContain(
      'no package manager (apk, apt-get, dnf, microdnf, yum); cannot install: git zsh',
    );
  });
});
