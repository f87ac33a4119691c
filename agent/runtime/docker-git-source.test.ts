// Git sources against the real engine: the agent clones a local bare repository (file://) into a
// managed volume that a non-root workspace user can write, at a branch, a tag or a commit; the
// volume outlives the container; bad URLs and failed clones leave nothing behind.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, isAppError } from '../../lib/errors';
import { rejection } from '../../lib/testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../../lib/testing/test-env';
import { LABELS, type WorkspaceContainerSpec } from './container-runtime';
import { DockerRuntime, dockerConnectionFor } from './docker-runtime';

const run = `dvmg-${process.pid}-${Date.now().toString(36)}`;
const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];
const names: string[] = [];
const volumes: string[] = [];
let dir: string;
let repo: string;
let firstCommit: string;
let image: string;
let docker: Docker;
let runtime: DockerRuntime;

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args],
    {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}

function spec(
  suffix: string,
  source: Partial<NonNullable<WorkspaceContainerSpec['gitSource']>> = {},
  extra: Partial<WorkspaceContainerSpec> = {},
): WorkspaceContainerSpec {
  const name = `${run}-${suffix}`;
  const volume = `${run}-src-${suffix}`;
  names.push(name);
  volumes.push(volume);
  return {
    name,
    image,
    command: KEEP_ALIVE,
    user: '1000:1000',
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: suffix },
    gitSource: { url: `file://${repo}`, ref: 'main', volume, target: '/workspace', ...source },
    ...extra,
  };
}

/** Runs `command` in the container as `user`; exit code and output (TTY: one stream). */
async function shell(name: string, command: string, user = '1000:1000') {
  const exec = await docker.getContainer(name).exec({
    Cmd: ['sh', '-c', command],
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    User: user,
  });
  const stream = await exec.start({ Detach: false, Tty: true });
  const output = await new Promise<string>((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.on('end', () => resolve(text.replace(/\r/g, '')));
  });
  return { exitCode: (await exec.inspect()).ExitCode, output };
}

async function volumeExists(volume: string): Promise<boolean> {
  return docker
    .getVolume(volume)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

beforeAll(() => {
  const host = requireService('docker');
  image = requireBaseImage();
  docker = new Docker(dockerConnection());
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-git-'));
  // file:// repositories must lie under the allowed roots, like bind mounts.
  runtime = new DockerRuntime({ connection: dockerConnectionFor(host), allowedMountRoots: [dir] });
  repo = path.join(dir, 'repo.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', repo);
  git(dir, 'clone', '--quiet', repo, work);
  mkdirSync(path.join(work, 'src'));
  writeFileSync(path.join(work, 'README.md'), 'first\n');
  writeFileSync(path.join(work, 'src', 'main.go'), 'package main\n');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'first');
  firstCommit = git(work, 'rev-parse', 'HEAD');
  git(work, 'tag', 'v1');
  writeFileSync(path.join(work, 'README.md'), 'second\n');
  git(work, 'commit', '--quiet', '-am', 'second');
  git(work, 'push', '--quiet', 'origin', 'HEAD:main', 'v1');
  git(work, 'checkout', '--quiet', '-b', 'feature');
  writeFileSync(path.join(work, 'FEATURE'), 'yes\n');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'feature');
  git(work, 'push', '--quiet', 'origin', 'feature');
});

afterAll(async () => {
  for (const name of names) {
    await docker
      ?.getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  for (const volume of volumes) {
    await docker
      ?.getVolume(volume)
      .remove()
      .catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('DockerRuntime git sources', () => {
  it('clones into a managed volume the workspace user can write, once', async () => {
    const s = spec('main');
    const created = await runtime.ensure(s);
    expect(created.state).toBe('stopped');
    const volume = await docker.getVolume(s.gitSource!.volume).inspect();
    expect(volume.Labels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.workspace]: `eco/dom/${run}/main`,
    });
    const mounts = (await docker.getContainer(s.name).inspect()).Mounts;
    expect(mounts.map((m) => [m.Type, m.Name, m.Destination])).toEqual([
      ['volume', s.gitSource!.volume, '/workspace'],
    ]);

    await runtime.start(s.name);
    expect(await shell(s.name, 'cat /workspace/README.md /workspace/src/main.go')).toEqual({
      exitCode: 0,
      output: 'second\npackage main\n',
    });
    expect((await shell(s.name, 'ls -d /workspace/.git')).exitCode).toBe(0);
    const write = await shell(
      s.name,
      'id -u && touch /workspace/x /workspace/src/y && stat -c "%u:%g" /workspace /workspace/src/main.go',
    );
    expect(write).toEqual({ exitCode: 0, output: '1000\n1000:1000\n1000:1000\n' });

    // The volume holds the user's work: a new container for the workspace mounts it as it is.
    await runtime.remove(s.name);
    const again = await runtime.ensure(s);
    expect(again.id).not.toBe(created.id);
    await runtime.start(s.name);
    expect((await shell(s.name, 'ls /workspace/x')).exitCode).toBe(0);
  });

  it('checks out a branch, a tag or a commit', async () => {
    const cases: [string, string, string][] = [
      ['branch', 'feature', 'test -f /workspace/FEATURE && cat /workspace/README.md'],
      ['tag', 'v1', 'test ! -f /workspace/FEATURE && cat /workspace/README.md'],
      ['commit', '', 'cat /workspace/README.md'],
    ];
    for (const [suffix, ref, check] of cases) {
      const s = spec(suffix, { ref: ref || firstCommit });
      await runtime.ensure(s);
      await runtime.start(s.name);
      const expected = suffix === 'branch' ? 'second\n' : 'first\n';
      expect(await shell(s.name, check), suffix).toEqual({ exitCode: 0, output: expected });
    }
  });

  it('resolves a named user in the image and owns the tree by its ids', async () => {
    const s = spec('named', {}, { user: 'nobody' });
    await runtime.ensure(s);
    await runtime.start(s.name);
    const result = await shell(
      s.name,
      'touch /workspace/z && stat -c "%u:%g" /workspace/z /workspace',
      'nobody',
    );
    expect(result).toEqual({ exitCode: 0, output: '65534:65534\n65534:65534\n' });

    const ghost = spec('ghost', {}, { user: 'ghost' });
    const error = await rejection(runtime.ensure(ghost));
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    expect((error as Error).message).toContain('"ghost" does not exist in the image');
    expect((await runtime.inspect(ghost.name)).state).toBe('missing');
    expect(await volumeExists(ghost.gitSource!.volume)).toBe(false);
  });

  it('refuses dangerous URLs before git runs, and leaves nothing behind when a clone fails', async () => {
    const marker = path.join(dir, 'pwned');
    for (const url of [
      `--upload-pack=touch ${marker}`,
      `ext::sh -c touch% ${marker}`,
      'http://example.com/r.git',
    ]) {
      const s = spec(`bad${names.length}`, { url });
      const error = await rejection(runtime.ensure(s));
      expect(hasErrorCode(error, 'INVALID'), url).toBe(true);
      if (!isAppError(error)) throw error;
      expect(error.errors.map((e) => e.path)).toEqual(['gitSource.url']);
    }
    expect(() => execFileSync('test', ['-e', marker])).toThrow();

    const missingRepo = spec('norepo', { url: `file://${path.join(dir, 'nope.git')}` });
    const error = await rejection(runtime.ensure(missingRepo));
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    expect((error as Error).message).toContain('nope.git');
    const missingRef = spec('noref', { ref: 'no-such-branch' });
    const refError = await rejection(runtime.ensure(missingRef));
    expect(hasErrorCode(refError, 'INVALID')).toBe(true);
    if (!isAppError(refError)) throw refError;
    expect(refError.errors[0]?.path).toBe('gitSource.ref');
    for (const s of [missingRepo, missingRef]) {
      expect((await runtime.inspect(s.name)).state).toBe('missing');
      expect(await volumeExists(s.gitSource!.volume)).toBe(false);
    }
  });

  it('refuses a file:// repository outside the allowed roots before cloning', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'dvm-git-outside-'));
    try {
      const s = spec('outside', { url: `file://${outside}` });
      const error = await rejection(runtime.ensure(s));
      expect(hasErrorCode(error, 'INVALID')).toBe(true);
      if (!isAppError(error)) throw error;
      expect(error.errors).toEqual([
        { path: 'gitSource.url', message: expect.stringContaining('outside the host') },
      ]);
      expect((await runtime.inspect(s.name)).state).toBe('missing');
      expect(await volumeExists(s.gitSource!.volume)).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses a volume that belongs to something else', async () => {
    const s = spec('foreignvol');
    await docker.createVolume({ Name: s.gitSource!.volume });
    const error = await rejection(runtime.ensure(s));
    expect(hasErrorCode(error, 'CONFLICT')).toBe(true);
    expect((await runtime.inspect(s.name)).state).toBe('missing');
  });
});
