import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../lib/errors';
import { activePlatform, detectPlatforms, type Env } from './platform';

const HOME = '/home/dev';
const files = (...paths: string[]) => {
  const set = new Set(paths);
  return (file: string) => set.has(file);
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('detectPlatforms', () => {
  it.each([
    ['docker-desktop', `${HOME}/.docker/run/docker.sock`, {}],
    ['orbstack', `${HOME}/.orbstack/run/docker.sock`, {}],
    ['colima', `${HOME}/.colima/default/docker.sock`, {}],
    ['colima', `${HOME}/.colima/work/docker.sock`, { COLIMA_DOCKER_PROFILE: 'work' }],
    ['colima', `${HOME}/.colima/dev/docker.sock`, { COLIMA_ACTIVE_PROFILE: 'dev' }],
    ['podman', '/run/podman/podman.sock', {}],
    ['podman-rootless', '/run/user/1000/podman/podman.sock', { XDG_RUNTIME_DIR: '/run/user/1000' }],
    ['podman-rootless', `${HOME}/.local/share/containers/podman/machine/podman.sock`, {}],
    ['docker-native', '/var/run/docker.sock', {}],
    ['docker-native', '/run/docker.sock', {}],
  ] as const)('finds %s at %s', (type, socket, extra) => {
    const env: Env = { HOME, ...extra };
    expect(detectPlatforms(env, files(socket))).toEqual([
      expect.objectContaining({ type, socket: `unix://${socket}`, active: true }),
    ]);
    expect(activePlatform(env, files(socket)).type).toBe(type);
  });

  it('names the Colima profile', () => {
    const env = { HOME, COLIMA_DOCKER_PROFILE: 'work' };
    expect(activePlatform(env, files(`${HOME}/.colima/work/docker.sock`)).name).toBe(
      'Colima (profile: work)',
    );
  });

  it('lists every platform found, the first in precedence order active', () => {
    const found = detectPlatforms(
      { HOME, XDG_RUNTIME_DIR: '/run/user/1000' },
      files(
        '/var/run/docker.sock',
        '/run/user/1000/podman/podman.sock',
        '/run/podman/podman.sock',
        `${HOME}/.colima/default/docker.sock`,
        `${HOME}/.orbstack/run/docker.sock`,
        `${HOME}/.docker/run/docker.sock`,
      ),
    );
    expect(found.map((p) => [p.type, p.active])).toEqual([
      ['docker-desktop', true],
      ['orbstack', false],
      ['colima', false],
      ['podman', false],
      ['podman-rootless', false],
      ['docker-native', false],
    ]);
  });

  it('prefers DOCKER_HOST to any socket, and keeps it as given (tcp too)', () => {
    const found = detectPlatforms(
      { HOME, DOCKER_HOST: 'tcp://10.0.0.5:2375' },
      files('/var/run/docker.sock'),
    );
    expect(found).toEqual([
      {
        type: 'docker-host',
        name: 'DOCKER_HOST (tcp://10.0.0.5:2375)',
        socket: 'tcp://10.0.0.5:2375',
        active: true,
      },
      expect.objectContaining({ type: 'docker-native', active: false }),
    ]);
  });

  it('lets DVM_PLATFORM override DOCKER_HOST and the socket order', () => {
    const env = { HOME, DOCKER_HOST: 'unix:///tmp/d.sock', DVM_PLATFORM: 'Podman' };
    const fe = files(`${HOME}/.docker/run/docker.sock`, '/run/podman/podman.sock');
    expect(
      detectPlatforms(env, fe)
        .filter((p) => p.active)
        .map((p) => p.type),
    ).toEqual(['podman']);
    expect(activePlatform(env, fe).socket).toBe('unix:///run/podman/podman.sock');
  });

  it('accepts the v0.8 spelling docker (Docker Desktop) and auto', () => {
    const fe = files(`${HOME}/.docker/run/docker.sock`, '/var/run/docker.sock');
    expect(activePlatform({ HOME, DVM_PLATFORM: 'docker' }, fe).type).toBe('docker-desktop');
    expect(activePlatform({ HOME, DVM_PLATFORM: 'native' }, fe).type).toBe('docker-native');
    expect(activePlatform({ HOME, DVM_PLATFORM: 'auto' }, fe).type).toBe('docker-desktop');
  });

  it('refuses an unknown DVM_PLATFORM as INVALID', () => {
    const error = thrown(() => detectPlatforms({ HOME, DVM_PLATFORM: 'kubernetes' }, files()));
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    expect((error as Error).message).toContain('kubernetes');
  });

  it('is UNAVAILABLE when the requested platform is not there', () => {
    const error = thrown(() =>
      activePlatform({ HOME, DVM_PLATFORM: 'orbstack' }, files('/var/run/docker.sock')),
    );
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain(`${HOME}/.orbstack/run/docker.sock`);
  });

  it('is UNAVAILABLE when nothing is found, and lists nothing', () => {
    expect(detectPlatforms({ HOME }, files())).toEqual([]);
    expect(
      hasErrorCode(
        thrown(() => activePlatform({ HOME }, files())),
        'UNAVAILABLE',
      ),
    ).toBe(true);
  });

  it('does not look in a home directory it does not know', () => {
    const probed: string[] = [];
    detectPlatforms({}, (f) => (probed.push(f), false));
    expect(probed.every((f) => f.startsWith('/'))).toBe(true);
    expect(probed).not.toContain('.docker/run/docker.sock');
  });
});
