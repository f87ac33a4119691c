import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';

import type { JsonObject } from './json';
import { DOCS_EXAMPLES, NOTES_EXAMPLES, ORIGINAL_OUTPUT } from './original-examples.fixtures';
import {
  KIND_OF_LEVEL,
  LEVEL_OF_KIND,
  objectInputOf,
  parseManifest,
  parseManifests,
  toList,
  toManifest,
  type ParsedManifest,
  type Resource,
  type StoredResource,
} from './resource';

/** What the DataStore would hand back after storing a parsed resource, parents filled in. */
function stored(
  resource: Resource,
): StoredResource & { id: string; version: number; createdAt: Date; updatedAt: Date } {
  const level = LEVEL_OF_KIND[resource.kind];
  const parents = { ecosystem: 'eco', domain: 'dom', app: 'app' };
  const input = objectInputOf(resource);
  return {
    id: 'id-1',
    level,
    name: input.name,
    ...(level === 'domain' ? { ecosystem: parents.ecosystem } : {}),
    ...(level === 'app' ? { ecosystem: parents.ecosystem, domain: parents.domain } : {}),
    ...(level === 'workspace' ? parents : {}),
    labels: input.labels,
    annotations: input.annotations,
    // Through JSON, as the store keeps it.
    spec: JSON.parse(JSON.stringify(input.spec)) as JsonObject,
    version: 3,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

const FULL_APP = {
  apiVersion: 'devopsmaestro.io/v1',
  kind: 'App',
  metadata: {
    name: 'api',
    ecosystem: 'eco',
    domain: 'dom',
    labels: { team: 'core' },
    annotations: { description: 'API' },
  },
  spec: {
    path: '/srv/src/api',
    host: 'build-1',
    git: { url: 'git@github.com:acme/api.git', ref: 'release/1.2' },
    language: { name: 'go', version: '1.22' },
    build: {
      dockerfile: 'deploy/Dockerfile',
      buildpack: 'auto',
      args: { A: '1' },
      target: 'dev',
      context: '.',
    },
    dependencies: { file: 'go.mod', install: 'go mod download', extra: ['github.com/x/y'] },
    services: [
      { name: 'db', image: 'postgres:15', version: '15', port: 5432, env: { POSTGRES_USER: 'u' } },
    ],
    env: { LOG_LEVEL: 'debug' },
    ports: ['8080:8080', 9090, '127.0.0.1:5000:5000/udp', '8000-8010:8000-8010'],
    workspaces: ['main'],
  },
};

const FULL_WORKSPACE = {
  apiVersion: 'devopsmaestro.io/v1',
  kind: 'Workspace',
  metadata: {
    name: 'dev',
    ecosystem: 'eco',
    domain: 'dom',
    app: 'app',
    labels: {},
    annotations: {},
  },
  spec: {
    image: {
      name: 'registry.local:5000/team/dev:1.0',
      buildFrom: 'Dockerfile',
      baseImage: 'debian:bookworm-slim',
      packages: ['git', 'curl=7.88.1-10+deb12u5'],
    },
    build: {
      args: { HTTP_PROXY: 'http://proxy:3128' },
      devStage: {
        packages: ['ripgrep'],
        devTools: ['gopls', 'golang.org/x/tools/gopls@latest'],
        languageTools: ['@angular/cli'],
        customCommands: ['echo hi | tee /tmp/x'],
      },
    },
    shell: {
      type: 'bash',
      framework: 'oh-my-bash',
      theme: 'starship',
      plugins: ['git'],
      customRc: 'set -o vi\n',
    },
    terminal: { type: 'zellij', configPath: '/etc/zellij.kdl', autostart: false },
    nvim: {
      structure: 'custom',
      plugins: [
        'telescope',
        {
          name: 'lazygit',
          repo: 'kdheepak/lazygit.nvim',
          cmd: ['LazyGit'],
          keys: [
            { key: '<leader>lg', action: '<cmd>LazyGit<cr>', desc: 'Open lazy git', mode: ['n'] },
          ],
          dependencies: [
            'nvim-lua/plenary.nvim',
            { repo: 'nvim-telescope/telescope-fzf-native.nvim', build: 'make' },
          ],
        },
        {
          repo: 'folke/tokyonight.nvim',
          lazy: false,
          priority: 1000,
          config: true,
          opts: { style: 'night', styles: { sidebars: 'dark' }, transparent: false },
        },
        {
          name: 'treesitter',
          enabled: false,
          event: 'BufRead',
          build: ':TSUpdate',
          config: 'require("x").setup({})',
          opts: 'function() return {} end',
        },
      ],
      theme: 'tokyonight-night',
      customConfig: 'vim.opt.number = true',
    },
    languages: [{ name: 'python', version: '3.12' }, { name: 'node' }],
    mounts: [
      { type: 'bind', source: '~/.gitconfig', destination: '/home/dev/.gitconfig', readOnly: true },
      { type: 'volume', source: 'go-cache', destination: '/go/pkg' },
      { type: 'tmpfs', destination: '/tmp/scratch' },
    ],
    sshKey: { mode: 'generate' },
    env: { EDITOR: 'nvim' },
    container: {
      user: 'dev',
      uid: 0,
      gid: 2147483647,
      workingDir: '/workspace',
      command: ['/bin/bash', '-l'],
      entrypoint: [],
      ports: ['3000:3000'],
      resources: { cpus: 1.5, memory: '512m' },
    },
  },
};

function expectRoundTrip(parsed: ParsedManifest) {
  const manifest = toManifest(parsed.resource.kind, stored(parsed.resource));
  for (const again of [
    parseManifest(manifest),
    parseManifests(stringify(manifest)).items[0]!,
    parseManifests(JSON.stringify(manifest)).items[0]!,
  ]) {
    expect(again.resource.kind).toBe(parsed.resource.kind);
    expect(again.resource.spec).toStrictEqual(parsed.resource.spec);
    expect(again.resource.metadata.labels).toStrictEqual(parsed.resource.metadata.labels);
    expect(again.resource.metadata.annotations).toStrictEqual(parsed.resource.metadata.annotations);
    // The store knows every parent, so nothing is left to the context on the way back.
    expect(again.missingParents).toEqual([]);
  }
}

describe('round trip: parseManifest(toManifest(x)) gives back the same spec', () => {
  const examples = {
    ...NOTES_EXAMPLES,
    ...prefixed('docs', DOCS_EXAMPLES),
    ...prefixed('output', ORIGINAL_OUTPUT),
  };
  it.each(Object.entries(examples))('%s', (_name, text) => {
    expectRoundTrip(parseManifests(text).items[0]!);
  });

  it.each([
    ['App with every field', FULL_APP],
    ['Workspace with every field', FULL_WORKSPACE],
  ])('%s', (_name, manifest) => {
    const parsed = parseManifest(manifest);
    // Nothing is added, dropped or renamed on the way in either.
    expect(parsed.resource.spec).toStrictEqual(manifest.spec);
    expectRoundTrip(parsed);
  });

  it('round-trips a converted Project as the App it became', () => {
    const parsed = parseManifest({
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Project',
      metadata: { name: 'p', domain: 'dom' },
      spec: { path: '/p' },
    });
    expectRoundTrip(parsed);
  });
});

describe('toManifest', () => {
  it('renders the output form with parents by name and optional status', () => {
    const parsed = parseManifest(FULL_WORKSPACE);
    const manifest = toManifest('Workspace', stored(parsed.resource), {
      status: { phase: 'running' },
    });
    expect(Object.keys(manifest)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(Object.keys(manifest.metadata)).toEqual([
      'name',
      'ecosystem',
      'domain',
      'app',
      'labels',
      'annotations',
    ]);
    expect(manifest.metadata).toMatchObject({
      name: 'dev',
      ecosystem: 'eco',
      domain: 'dom',
      app: 'app',
    });
    // Output pasted back applies, with a warning about status.
    expect(parseManifest(manifest).warnings).toContain('status is output only and was ignored');
  });

  it('names only the parents of the kind', () => {
    const ecosystem = parseManifests(NOTES_EXAMPLES.ecosystem).items[0]!.resource;
    const output = toManifest('Ecosystem', { ...stored(ecosystem), domain: 'stray' });
    expect(output.metadata).toEqual({
      name: 'my-platform',
      labels: {},
      annotations: { description: 'Main development platform' },
    });
  });

  it('refuses a kind that does not match the stored level', () => {
    const app = parseManifest(FULL_APP).resource;
    expect(() => toManifest('Workspace', stored(app))).toThrow(
      /cannot be rendered as kind Workspace/,
    );
  });

  it('wraps manifests in a List that applies back', () => {
    const items = [parseManifest(FULL_APP), parseManifest(FULL_WORKSPACE)].map((parsed) =>
      toManifest(parsed.resource.kind, stored(parsed.resource)),
    );
    const { items: parsed } = parseManifests(stringify(toList(items)));
    expect(parsed.map((item) => [item.path, item.resource.kind])).toEqual([
      ['items[0]', 'App'],
      ['items[1]', 'Workspace'],
    ]);
  });

  it('maps kinds and levels both ways', () => {
    for (const [kind, level] of Object.entries(LEVEL_OF_KIND))
      expect(KIND_OF_LEVEL[level]).toBe(kind);
  });
});

function prefixed(prefix: string, examples: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(examples).map(([name, text]) => [`${prefix} ${name}`, text]),
  );
}
