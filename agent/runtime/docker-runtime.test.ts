// DockerRuntime against the real private engine that scripts/with-test-env.sh starts.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../lib/errors';
import { dockerConnection, requireBaseImage, requireService } from '../../lib/testing/test-env';
import { LABELS, type WorkspaceContainerSpec } from './container-runtime';
import { DockerRuntime, dockerConnectionFor } from './docker-runtime';
import { rejection } from '../../lib/testing/rejection';

const run = `dvmt-${process.pid}-${Date.now().toString(36)}`;
const names: string[] = [];
let docker: Docker;
let runtime: DockerRuntime;
let image: string;
let root: string;
let socketPath: string;

function spec(suffix: string, extra: Partial<WorkspaceContainerSpec> = {}): WorkspaceContainerSpec {
  const name = `${run}-${suffix}`;
  names.push(name);
  return {
    name,
    image,
    command: ['sh', '-c', 'while true; do sleep 1; done'],
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: suffix },
    ...extra,
  };
}

beforeAll(() => {
  const host = requireService('docker');
  image = requireBaseImage();
  const connection = dockerConnection();
  docker = new Docker(connection);
  socketPath = 'socketPath' in connection ? connection.socketPath : '';
  root = mkdtempSync(path.join(tmpdir(), 'dvm-roots-'));
  mkdirSync(path.join(root, 'src'));
  writeFileSync(path.join(root, 'src', 'hello.txt'), 'hi\n');
  symlinkSync('/etc', path.join(root, 'escape'));
  runtime = new DockerRuntime({
    connection: dockerConnectionFor(host),
    // The engine's socket directory too: the socket must be refused even under an allowed root.
    allowedMountRoots: [root, ...(socketPath ? [path.dirname(socketPath)] : [])],
  });
});

afterAll(async () => {
  for (const name of names) {
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('DockerRuntime', () => {
  it('creates once, starts, stops, lists by label and removes', async () => {
    const s = spec('life', {
      mounts: [{ source: path.join(root, 'src'), target: '/workspace', readOnly: true }],
    });
    expect(await runtime.inspect(s.name)).toEqual({
      name: s.name,
      id: '',
      state: 'missing',
      labels: {},
      image: '',
    });

    const first = await runtime.ensure(s);
    expect(first).toMatchObject({ name: s.name, state: 'stopped', image });
    expect(first.id).toMatch(/^[0-9a-f]{64}$/);
    expect(first.labels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.workspace]: `eco/dom/${run}/life`,
      [LABELS.app]: run,
    });
    const again = await runtime.ensure(s);
    expect(again.id).toBe(first.id);
    expect(await docker.listContainers({ all: true, filters: { name: [s.name] } })).toHaveLength(1);

    await runtime.start(s.name);
    await runtime.start(s.name); // already running: no error
    expect((await runtime.inspect(s.name)).state).toBe('running');
    expect(await runtime.list({ [LABELS.workspace]: `eco/dom/${run}/life` })).toEqual([
      expect.objectContaining({ name: s.name, id: first.id, state: 'running', image }),
    ]);

    await runtime.stop(s.name, { timeoutSeconds: 1 });
    await runtime.stop(s.name, { timeoutSeconds: 1 }); // already stopped: no error
    expect((await runtime.inspect(s.name)).state).toBe('stopped');
    expect((await runtime.list({ [LABELS.app]: run }))[0]?.state).toBe('stopped');

    await runtime.remove(s.name);
    await runtime.remove(s.name); // already gone: no error
    expect((await runtime.inspect(s.name)).state).toBe('missing');
    expect(await runtime.list({ [LABELS.app]: run })).toEqual([]);
  });

  it('creates an unprivileged container with network none and only the asked-for bind', async () => {
    const s = spec('safe', { mounts: [{ source: path.join(root, 'src'), target: '/workspace' }] });
    await runtime.ensure(s);
    const info = await docker.getContainer(s.name).inspect();
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.Mounts.map((m) => [m.Type, m.Source, m.Destination])).toEqual([
      ['bind', path.join(root, 'src'), '/workspace'],
    ]);
    await runtime.start(s.name);
    const exec = await docker.getContainer(s.name).exec({
      Cmd: ['cat', '/workspace/hello.txt'],
      AttachStdout: true,
    });
    const stream = await exec.start({ Detach: false, Tty: true });
    const output = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      stream.on('end', () => resolve(text));
    });
    expect(output.trim()).toBe('hi');
  });

  it('refuses mounts outside the allowed roots, through symlinks, and engine sockets', async () => {
    const cases: [string, string][] = [
      ['/etc', 'outside'],
      [path.join(root, 'escape'), 'outside'],
      [path.join(root, '..'), 'outside'],
      ['/var/run/docker.sock', 'engine socket'],
      ...(socketPath ? ([[socketPath, 'engine socket']] as [string, string][]) : []),
    ];
    for (const [source, reason] of cases) {
      const s = spec(`m${names.length}`, { mounts: [{ source, target: '/mnt' }] });
      const error = await rejection(runtime.ensure(s));
      expect(hasErrorCode(error, 'INVALID'), source).toBe(true);
      expect((error as Error).message).toContain(reason);
      expect((await runtime.inspect(s.name)).state).toBe('missing');
    }
  });

  it('refuses a name taken by another workspace or an unmanaged container', async () => {
    const s = spec('taken');
    await runtime.ensure(s);
    const other = { ...s, workspace: { ...s.workspace, workspace: 'other' } };
    expect(hasErrorCode(await rejection(runtime.ensure(other)), 'CONFLICT')).toBe(true);

    const foreign = `${run}-foreign`;
    names.push(foreign);
    await docker.createContainer({
      name: foreign,
      Image: image,
      Cmd: ['true'],
      HostConfig: { NetworkMode: 'none' },
    });
    expect(hasErrorCode(await rejection(runtime.ensure({ ...s, name: foreign })), 'CONFLICT')).toBe(
      true,
    );
    expect(await runtime.list({ [LABELS.workspace]: `eco/dom/${run}/taken` })).toEqual([
      expect.objectContaining({ name: s.name }),
    ]);
  });

  it('maps engine errors: missing container or image, bad input, unreachable engine', async () => {
    const ghost = `${run}-ghost`;
    expect(hasErrorCode(await rejection(runtime.start(ghost)), 'NOT_FOUND')).toBe(true);
    expect(hasErrorCode(await rejection(runtime.stop(ghost)), 'NOT_FOUND')).toBe(true);
    const noImage = spec('noimage', { image: 'dvm-test/does-not-exist:latest' });
    expect(hasErrorCode(await rejection(runtime.ensure(noImage)), 'NOT_FOUND')).toBe(true);
    expect(hasErrorCode(await rejection(runtime.inspect('../etc')), 'INVALID')).toBe(true);
    const reserved = spec('reserved', { labels: { [LABELS.managed]: 'false' } });
    expect(hasErrorCode(await rejection(runtime.ensure(reserved)), 'INVALID')).toBe(true);

    const down = new DockerRuntime({
      connection: { socketPath: path.join(root, 'no-engine.sock') },
      allowedMountRoots: [],
    });
    const error = await rejection(down.inspect(ghost));
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('no-engine.sock');
  });
});
