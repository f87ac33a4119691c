import { describe, expect, it } from 'vitest';
import { parseManifests, type ManifestOutput } from '@/lib/contracts/resource';
import { createRenderer, resolveRenderer } from './resolve-renderer';
import { RENDERER_NAMES, type RenderData, type RendererName } from './renderer';
import { formatAge } from './resource-views';
import { golden } from './test-golden';
import { isUnsafeChar } from './text-layout';

/** Our own SGR sequences, `ESC [ n m`. */
const ansiStyle = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');

const NOW = new Date('2026-11-27T12:00:00.000Z');
const options = { now: () => NOW };

const status = (createdAt: string, version = 1) => ({
  id: '0193a000-0000-7000-8000-000000000000',
  version,
  createdAt,
  updatedAt: createdAt,
});

const sharedLabels = { team: 'core', tier: 'gold' };

const ecosystem: ManifestOutput = {
  apiVersion: 'devopsmaestro.io/v1',
  kind: 'Ecosystem',
  metadata: {
    name: 'platform',
    labels: sharedLabels,
    annotations: { description: 'Everything the platform team runs, and then some more text' },
  },
  spec: {},
  status: status('2026-11-01T12:00:00.000Z'),
};

const domain: ManifestOutput = {
  apiVersion: 'devopsmaestro.io/v1',
  kind: 'Domain',
  metadata: { name: 'backend', ecosystem: 'platform', labels: {}, annotations: {} },
  spec: { env: { LOG_LEVEL: 'debug' } },
  status: status('2026-11-27T11:59:15.000Z'),
};

const app: ManifestOutput = {
  apiVersion: 'devopsmaestro.io/v1',
  kind: 'App',
  metadata: {
    name: 'api',
    ecosystem: 'platform',
    domain: 'backend',
    labels: sharedLabels,
    annotations: {},
  },
  spec: { path: '/src/api', git: { url: 'https://git.example.com/api.git', ref: 'main' } },
  status: status('2026-11-27T09:40:00.000Z'),
};

const workspaces: ManifestOutput[] = [
  {
    apiVersion: 'devopsmaestro.io/v1',
    kind: 'Workspace',
    metadata: {
      name: 'dev',
      ecosystem: 'platform',
      domain: 'backend',
      app: 'api',
      labels: { team: 'core' },
      annotations: { description: 'main dev box' },
    },
    spec: {
      image: { name: 'dvm-dev-api:latest' },
      languages: [{ name: 'go', version: '1.20' }],
      env: { EDITOR: 'nvim' },
    },
    status: status('2026-11-20T08:00:00.000Z', 4),
  },
  {
    apiVersion: 'devopsmaestro.io/v1',
    kind: 'Workspace',
    metadata: {
      name: 'experiments-with-a-long-name',
      ecosystem: 'platform',
      domain: 'backend',
      app: 'api',
      labels: {},
      annotations: {},
    },
    spec: {},
    status: status('2024-01-02T00:00:00.000Z'),
  },
];

const table: RenderData = {
  type: 'table',
  headers: ['NAME', 'LAST SEEN', 'STATUS'],
  rows: [
    ['local', '5s', 'ready'],
    ['build-host-2', '3m', '<none>'],
  ],
};

const keyvalue: RenderData = {
  type: 'keyvalue',
  pairs: [
    ['Name', 'dev'],
    ['Image', 'dvm-dev-api:latest'],
    ['Created at', '2026-11-20T08:00:00.000Z'],
  ],
};

const SAMPLES: Record<string, RenderData> = {
  table,
  keyvalue,
  workspaces: { type: 'resources', items: workspaces },
  mixed: { type: 'resources', items: [ecosystem, domain, app, ...workspaces] },
  ecosystems: { type: 'resources', items: [ecosystem] },
  apps: {
    type: 'resources',
    items: [
      app,
      {
        ...app,
        metadata: { ...app.metadata, name: 'web', labels: {} },
        spec: { git: { url: 'git@github.com:example/web.git', ref: 'v2' } },
      },
    ],
  },
  workspace: { type: 'resource', item: workspaces[0]! },
  value: { type: 'value', value: { dryRun: true, items: [{ kind: 'App', result: 'created' }] } },
};

describe('golden output', () => {
  for (const name of RENDERER_NAMES) {
    for (const [sample, data] of Object.entries(SAMPLES)) {
      it(`${name}: ${sample}`, () => {
        const { expected, actual } = golden(
          `${name}-${sample}`,
          createRenderer(name, options).render(data),
        );
        expect(actual).toBe(expected);
      });
    }
    it(`${name}: messages`, () => {
      const renderer = createRenderer(name, options);
      const text = (['success', 'warning', 'error', 'info', 'progress', 'debug'] as const)
        .map((level) => renderer.message({ level, text: `a ${level} message` }))
        .join('');
      const multi = renderer.message({ level: 'warning', text: 'first line\nsecond line' });
      const { expected, actual } = golden(`${name}-messages`, text + multi);
      expect(actual).toBe(expected);
    });
  }
});

describe('empty data', () => {
  it.each<[RendererName, string]>([
    ['table', 'No resources found.\n'],
    ['plain', 'No resources found.\n'],
    ['colored', 'No resources found.\n'],
    ['json', '{\n  "apiVersion": "devopsmaestro.io/v1",\n  "kind": "List",\n  "items": []\n}\n'],
    ['yaml', 'apiVersion: devopsmaestro.io/v1\nkind: List\nitems: []\n'],
  ])('%s says so for no resources', (name, expected) => {
    expect(createRenderer(name, options).render({ type: 'resources', items: [] })).toBe(expected);
  });

  it('uses the caller’s empty message', () => {
    const renderer = createRenderer('table', options);
    expect(renderer.render({ type: 'resources', items: [], empty: 'No workspaces in api.' })).toBe(
      'No workspaces in api.\n',
    );
    expect(renderer.render({ type: 'table', headers: ['A'], rows: [], empty: 'None.' })).toBe(
      'None.\n',
    );
  });
});

describe('what users wrote is printed safely', () => {
  const hostile: ManifestOutput = {
    ...workspaces[0]!,
    metadata: {
      ...workspaces[0]!.metadata,
      annotations: { description: 'evil\u001b[2J\u001b]0;pwned\u0007 \u202egnp.exe\nnext' },
    },
  };

  it.each(['table', 'plain', 'colored'] as const)(
    '%s shows control characters and bidi overrides escaped',
    (name) => {
      const out = createRenderer(name, options).render({ type: 'resource', item: hostile });
      const withoutOurStyles = out.replaceAll(ansiStyle, '');
      const unsafe = [...withoutOurStyles].filter(
        (char) => char !== '\n' && isUnsafeChar(char.codePointAt(0)!),
      );
      expect(unsafe).toEqual([]);
      if (name !== 'table')
        expect(out).toContain('evil\\x1b[2J\\x1b]0;pwned\\x07 \\u{202e}gnp.exe');
    },
  );

  it('messages too', () => {
    const out = createRenderer('plain').message({ level: 'error', text: 'bad \u001b[31m' });
    expect(out).toBe('[ERROR] bad \\x1b[31m\n');
  });
});

describe('machine output applies back', () => {
  it('yaml and json of resources are a List that apply reads to the same manifests', () => {
    for (const name of ['yaml', 'json'] as const) {
      const text = createRenderer(name).render({ type: 'resources', items: [app, ...workspaces] });
      const parsed = parseManifests(text);
      expect(parsed.items.map((item) => item.resource)).toEqual(
        [app, ...workspaces].map(({ status: _status, ...manifest }) => manifest),
      );
    }
  });

  it('yaml repeats shared objects instead of writing anchors, and keeps "1.20" a string', () => {
    const text = createRenderer('yaml').render({ type: 'resources', items: [ecosystem, app] });
    expect(text).not.toMatch(/[&*]a\d/);
    const single = createRenderer('yaml').render({ type: 'resource', item: workspaces[0]! });
    expect(single).toContain('version: "1.20"');
  });
});

describe('formatAge (kubectl)', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [45, '45s'],
    [119, '119s'],
    [330, '5m30s'],
    [600, '10m'],
    [3 * 3600 + 5 * 60, '3h5m'],
    [8 * 3600, '8h'],
    [30 * 3600, '30h'],
    [3 * 86400 + 5 * 3600, '3d5h'],
    [200 * 86400, '200d'],
    [3 * 365 * 86400, '3y'],
  ])('%i seconds → %s', (seconds, expected) => {
    expect(formatAge(new Date(NOW.getTime() - seconds * 1000), NOW)).toBe(expected);
  });
});

describe('resolveRenderer', () => {
  const tty = { isTTY: true };

  it.each<[string | undefined, Record<string, string>, boolean, RendererName]>([
    [undefined, {}, true, 'colored'],
    [undefined, {}, false, 'plain'],
    [undefined, { DVM_RENDER: 'json' }, true, 'json'],
    ['yaml', { DVM_RENDER: 'json' }, true, 'yaml'],
    ['', { DVM_RENDER: 'table' }, true, 'table'],
    [undefined, { NO_COLOR: '1' }, true, 'plain'],
    [undefined, { NO_COLOR: '' }, true, 'colored'],
    ['colored', { NO_COLOR: '1' }, true, 'plain'],
    ['colored', {}, false, 'plain'],
    [undefined, { DVM_RENDER: 'colored', NO_COLOR: 'yes' }, true, 'plain'],
    ['JSON', { NO_COLOR: '1' }, false, 'json'],
    ['table', { NO_COLOR: '1' }, true, 'table'],
  ])('name %j, env %j, tty %s → %s', (name, env, isTTY, expected) => {
    expect(resolveRenderer(name, env, { isTTY }).name).toBe(expected);
  });

  it('refuses an unknown name, saying which were possible and where the name came from', () => {
    expect(() => resolveRenderer('jsn', {}, tty)).toThrowError(
      expect.objectContaining({
        code: 'INVALID',
        errors: [
          {
            path: 'output',
            message: 'unknown output format "jsn"; use one of colored, plain, table, json, yaml',
          },
        ],
      }),
    );
    expect(() => resolveRenderer(undefined, { DVM_RENDER: 'compact' }, tty)).toThrowError(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'DVM_RENDER' })] }),
    );
  });

  it('colored uses colour only when it resolves to colored', () => {
    expect(resolveRenderer(undefined, {}, tty).supportsColor).toBe(true);
    const plain = resolveRenderer(undefined, { NO_COLOR: '1' }, tty);
    expect(plain.render({ type: 'resources', items: workspaces })).not.toContain('\u001b');
  });
});
