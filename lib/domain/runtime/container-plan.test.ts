import { describe, expect, it } from 'vitest';
import type { HostRecord } from '@/lib/store/host-store';
import type { JsonObject, StoredObject } from '@/lib/store/data-store';
import { chooseHost } from './choose-host';
import {
  containerNameOf,
  DEFAULT_USER,
  imageOf,
  KEEP_ALIVE,
  memoryBytes,
  planContainer,
} from './container-plan';

function stored(
  level: StoredObject['level'],
  name: string,
  spec: JsonObject,
  parents = {},
): StoredObject {
  return {
    id: `${level}-0001`,
    level,
    name,
    ...parents,
    labels: {},
    annotations: {},
    spec,
    version: 1,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

const parents = { ecosystem: 'platform', domain: 'backend', app: 'api' };
const app = (spec: JsonObject) =>
  stored('app', 'api', spec, { ecosystem: 'platform', domain: 'backend' });
const ws = (spec: JsonObject = {}) => stored('workspace', 'dev', spec, parents);

describe('planContainer', () => {
  it('mounts the app path at /workspace, as a non-root user with a keep-alive command', () => {
    const { spec, sourceVolume } = planContainer(ws(), app({ path: '/srv/code/api' }), 'img:1');
    expect(spec).toMatchObject({
      name: 'dvm_platform_backend_api_dev',
      image: 'img:1',
      workspace: {
        ecosystem: 'platform',
        domain: 'backend',
        app: 'api',
        workspace: 'dev',
        workspaceId: 'workspace-0001',
      },
      command: KEEP_ALIVE,
      workingDir: '/workspace',
      user: DEFAULT_USER,
      mounts: [{ source: '/srv/code/api', target: '/workspace' }],
    });
    expect(sourceVolume).toBeUndefined();
  });

  it('clones a git source into a per-workspace volume', () => {
    const { spec, sourceVolume } = planContainer(
      ws(),
      app({ git: { url: 'file:///repos/api.git', ref: 'main' } }),
      'img:1',
    );
    expect(sourceVolume).toMatch(/^dvm_src_/);
    expect(spec.gitSource).toEqual({
      url: 'file:///repos/api.git',
      ref: 'main',
      volume: sourceVolume,
      target: '/workspace',
    });
    expect(spec.mounts).toEqual([]);
  });

  it('inherits env from the ecosystem and domain, below the app and the workspace', () => {
    const { spec } = planContainer(
      ws({ env: { A: 'ws' } }),
      app({ path: '/srv/api', env: { B: 'app' } }),
      'img:1',
      { A: 'eco', B: 'domain', C: 'domain' },
    );
    expect(spec.env).toEqual({ A: 'ws', B: 'app', C: 'domain' });
  });

  it('applies env (workspace over app), user, working dir, command and limits', () => {
    const { spec } = planContainer(
      ws({
        env: { A: 'ws', B: 'ws' },
        container: {
          uid: 1200,
          workingDir: '/workspace/sub',
          command: ['sleep', '100'],
          resources: { cpus: '1.5', memory: '512m' },
        },
      }),
      app({ path: '/srv/api', env: { A: 'app', C: 'app' } }),
      'img:1',
    );
    expect(spec).toMatchObject({
      env: { A: 'ws', B: 'ws', C: 'app' },
      user: '1200:1200',
      workingDir: '/workspace/sub',
      command: ['sleep', '100'],
      cpus: 1.5,
      memoryBytes: 512 * 2 ** 20,
    });
  });

  it('refuses mount types that are not supported yet and mounts over the source', () => {
    expect(() =>
      planContainer(
        ws({ mounts: [{ type: 'volume', source: 'cache', destination: '/c' }] }),
        app({ path: '/s' }),
        'i',
      ),
    ).toThrow(/only bind mounts are supported/);
    expect(() =>
      planContainer(
        ws({ mounts: [{ source: '/other', destination: '/workspace' }] }),
        app({ path: '/s' }),
        'i',
      ),
    ).toThrow(/would hide the app's source/);
  });

  it('keeps long container names within the engine limit and unique by id', () => {
    const long = 'x'.repeat(63);
    const name = containerNameOf(
      stored('workspace', long, {}, { ecosystem: long, domain: long, app: long }),
    );
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toMatch(/_[0-9a-f]{12}$/);
  });

  it('reads memory sizes the way Docker and Kubernetes write them', () => {
    expect(memoryBytes('2G')).toBe(2 * 2 ** 30);
    expect(memoryBytes('2Gi')).toBe(2 * 2 ** 30);
    expect(memoryBytes('1.5g')).toBe(1.5 * 2 ** 30);
    expect(memoryBytes('1048576')).toBe(1048576);
  });

  it('starts the named image, else the latest build, else asks for a build', () => {
    const built = { tag: 'dvm/p-b-a-dev:3f2a9c' };
    expect(imageOf(ws({ image: { name: 'ready:1' } }), 'p/b/a/dev')).toBe('ready:1');
    // spec.image.name wins over a build.
    expect(imageOf(ws({ image: { name: 'ready:1' } }), 'p/b/a/dev', built)).toBe('ready:1');
    expect(imageOf(ws({ image: { baseImage: 'busybox' } }), 'p/b/a/dev', built)).toBe(built.tag);
    expect(() => imageOf(ws(), 'p/b/a/dev')).toThrow(/build it first/);
    // A build that has not reported its tag cannot be started either.
    expect(() => imageOf(ws(), 'p/b/a/dev', {})).toThrow(/build it first/);
  });
});

function host(name: string, fields: Partial<HostRecord> = {}): HostRecord {
  return {
    id: name,
    name,
    address: `unix:///run/${name}.sock`,
    labels: {},
    status: 'healthy',
    info: { allowedRoots: ['/srv'], capacity: { cpus: 2, memoryBytes: 1, runningWorkspaces: 0 } },
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...fields,
  };
}

describe('chooseHost', () => {
  it('takes the host the app names, refusing an unhealthy one with its reason', () => {
    const hosts = [
      { host: host('a'), running: 0 },
      { host: host('b', { status: 'unhealthy', statusReason: 'no heartbeat for 9s' }), running: 0 },
    ];
    expect(chooseHost({ spec: { path: '/srv/x', host: 'a' } }, {}, hosts).name).toBe('a');
    expect(() => chooseHost({ spec: { path: '/srv/x', host: 'b' } }, {}, hosts)).toThrow(
      /no heartbeat for 9s/,
    );
    expect(() => chooseHost({ spec: { path: '/srv/x', host: 'c' } }, {}, hosts)).toThrow(
      /not registered/,
    );
  });

  it('puts a host-path app on a host that allows the path, preferring local', () => {
    const hosts = [
      { host: host('a', { info: { allowedRoots: ['/home'] } }), running: 0 },
      { host: host('local'), running: 5 },
      { host: host('z'), running: 0 },
    ];
    expect(chooseHost({ spec: { path: '/srv/x' } }, {}, hosts).name).toBe('local');
    expect(() => chooseHost({ spec: { path: '/opt/x' } }, {}, hosts)).toThrow(
      /No healthy host allows/,
    );
  });

  it('places git apps by selector labels and least load per CPU', () => {
    const hosts = [
      { host: host('a', { labels: { gpu: 'true' } }), running: 3 },
      { host: host('b', { labels: { gpu: 'true' }, info: { capacity: { cpus: 8 } } }), running: 3 },
      { host: host('c'), running: 0 },
    ];
    const git = { spec: { git: { url: 'file:///r.git' } } };
    expect(chooseHost(git, { 'host.devopsmaestro.io/gpu': 'true' }, hosts).name).toBe('b');
    expect(chooseHost(git, {}, hosts).name).toBe('c');
    expect(() => chooseHost(git, { 'host.devopsmaestro.io/arch': 'arm64' }, hosts)).toThrow(
      /arch=arm64/,
    );
  });
});
