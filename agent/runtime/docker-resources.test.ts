// DockerRuntime's limits, user and safety settings, and removal of a workspace's volumes and image,
// against the real private engine.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, isAppError } from '../../lib/errors';
import { rejection } from '../../lib/testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../../lib/testing/test-env';
import { LABELS, type WorkspaceContainerSpec } from './container-runtime';
import { DockerRuntime, dockerConnectionFor } from './docker-runtime';

const run = `dvmr-${process.pid}-${Date.now().toString(36)}`;
const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];
const names: string[] = [];
const volumes: string[] = [];
const images: string[] = [];
let image: string;
let docker: Docker;
let runtime: DockerRuntime;

function spec(suffix: string, extra: Partial<WorkspaceContainerSpec> = {}): WorkspaceContainerSpec {
  const name = `${run}-${suffix}`;
  names.push(name);
  return {
    name,
    image,
    command: KEEP_ALIVE,
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: suffix },
    ...extra,
  };
}

async function exists(what: { inspect(): Promise<unknown> }): Promise<boolean> {
  return what.inspect().then(
    () => true,
    () => false,
  );
}

/** A throwaway image of its own (a committed container), so removing it touches nothing else. */
async function throwawayImage(suffix: string): Promise<string> {
  const repo = `dvm-test/${run}-${suffix}`;
  const source = await docker.createContainer({
    Image: image,
    Cmd: ['true'],
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await source.commit({ repo, tag: 'latest', changes: [`LABEL ${LABELS.managed}=true`] });
  } finally {
    await source.remove({ force: true });
  }
  images.push(`${repo}:latest`);
  return `${repo}:latest`;
}

async function volume(suffix: string, managed: boolean): Promise<string> {
  const name = `${run}-${suffix}`;
  volumes.push(name);
  await docker.createVolume({ Name: name, Labels: managed ? { [LABELS.managed]: 'true' } : {} });
  return name;
}

beforeAll(() => {
  const host = requireService('docker');
  image = requireBaseImage();
  docker = new Docker(dockerConnection());
  runtime = new DockerRuntime({ connection: dockerConnectionFor(host), allowedMountRoots: [] });
});

afterAll(async () => {
  for (const name of names) {
    await docker
      ?.getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  for (const name of volumes) {
    await docker
      ?.getVolume(name)
      .remove()
      .catch(() => undefined);
  }
  for (const name of images) {
    await docker
      ?.getImage(name)
      .remove()
      .catch(() => undefined);
  }
});

describe('DockerRuntime limits and security', () => {
  it('applies CPU, memory and user; never privileged, no added capabilities, no engine socket', async () => {
    const s = spec('limits', { cpus: 1.5, memoryBytes: 256 * 1024 * 1024, user: '1000:1000' });
    await runtime.ensure(s);
    const info = await docker.getContainer(s.name).inspect();
    expect(info.HostConfig.NanoCpus).toBe(1_500_000_000);
    expect(info.HostConfig.Memory).toBe(268_435_456);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.Mounts).toEqual([]);
    expect(JSON.stringify(info)).not.toMatch(/docker\.sock/);

    await runtime.start(s.name);
    const exec = await docker
      .getContainer(s.name)
      .exec({ Cmd: ['id', '-u'], AttachStdout: true, Tty: true });
    const stream = await exec.start({ Detach: false, Tty: true });
    const output = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      stream.on('end', () => resolve(text.trim()));
    });
    expect(output).toBe('1000');
  });

  it('refuses limits and users it cannot honour, naming the fields', async () => {
    const s = spec('badlimits', { cpus: 0, memoryBytes: 1000, user: 'root; rm -rf /' });
    const error = await rejection(runtime.ensure(s));
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    if (!isAppError(error)) throw error;
    expect(error.errors.map((e) => e.path)).toEqual(['user', 'cpus', 'memoryBytes']);
    expect((await runtime.inspect(s.name)).state).toBe('missing');
  });
});

describe('DockerRuntime remove with volumes and image', () => {
  it('removes the container, then its volumes (missing ones ignored), then its image', async () => {
    const img = await throwawayImage('gone');
    const vol = await volume('vol', true);
    const s = spec('rm', { image: img });
    await runtime.ensure(s);
    await runtime.start(s.name);

    await runtime.remove(s.name, { volumes: [vol, `${run}-never-made`], image: img });
    expect((await runtime.inspect(s.name)).state).toBe('missing');
    expect(await exists(docker.getVolume(vol))).toBe(false);
    expect(await exists(docker.getImage(img))).toBe(false);
    expect(await exists(docker.getImage(image)), 'the base image stays').toBe(true);

    // Everything already gone: still not an error.
    await runtime.remove(s.name, { volumes: [vol], image: img });
  });

  it('keeps an image another container uses, without failing', async () => {
    const img = await throwawayImage('shared');
    const a = spec('shared-a', { image: img });
    const b = spec('shared-b', { image: img });
    await runtime.ensure(a);
    await runtime.ensure(b);
    await runtime.remove(a.name, { image: img });
    expect((await runtime.inspect(a.name)).state).toBe('missing');
    expect(await exists(docker.getImage(img))).toBe(true);
    await runtime.remove(b.name, { image: img });
    expect(await exists(docker.getImage(img))).toBe(false);
  });

  it('never deletes a volume it did not create, and says so', async () => {
    const foreign = await volume('foreign', false);
    const s = spec('rmforeign');
    await runtime.ensure(s);
    const error = await rejection(runtime.remove(s.name, { volumes: [foreign] }));
    expect(hasErrorCode(error, 'CONFLICT')).toBe(true);
    expect((error as Error).message).toContain(foreign);
    expect((await runtime.inspect(s.name)).state).toBe('missing');
    expect(await exists(docker.getVolume(foreign))).toBe(true);

    const bad = await rejection(runtime.remove(s.name, { volumes: ['../x'] }));
    expect(hasErrorCode(bad, 'INVALID')).toBe(true);
  });
});
