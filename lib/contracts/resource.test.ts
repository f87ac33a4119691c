import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

import {
  PARENT_RULES,
  metadataSchemaOf,
  parentsOf,
  RESOURCE_KINDS,
  DEPRECATED_KINDS,
} from './manifest';
import { DOCS_EXAMPLES, NOTES_EXAMPLES, ORIGINAL_OUTPUT } from './original-examples.fixtures';
import {
  objectInputOf,
  parentRefOf,
  parseManifest,
  parseManifests,
  type ParseOptions,
} from './resource';
import { invalidErrors } from './test-helpers';

function parseYamlManifest(text: string, options?: ParseOptions) {
  return parseManifest(parseYaml(text), options);
}

const workspace = (spec: unknown, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'devopsmaestro.io/v1',
  kind: 'Workspace',
  metadata: { name: 'dev', app: 'api', ...metadata },
  spec,
});

const app = (spec: unknown, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'devopsmaestro.io/v1',
  kind: 'App',
  metadata: { name: 'api', domain: 'backend', ...metadata },
  spec,
});

describe('examples written for the original dvm', () => {
  it.each(Object.entries(NOTES_EXAMPLES))('the notes example %s parses verbatim', (_name, text) => {
    const { items } = parseManifests(text);
    expect(items).toHaveLength(1);
  });

  it.each(Object.entries(DOCS_EXAMPLES))('the docs example %s parses', (_name, text) => {
    const { items } = parseManifests(text);
    expect(items).toHaveLength(1);
  });

  it.each(Object.entries(ORIGINAL_OUTPUT))(
    'output of the original `get -o yaml` for %s applies back',
    (_name, text) => {
      const { items } = parseManifests(text);
      expect(items).toHaveLength(1);
    },
  );

  it('keeps every field of the notes workspace example, with ${VAR} placeholders as plain strings', () => {
    const { items, warnings } = parseManifests(NOTES_EXAMPLES.workspace);
    const { resource, missingParents } = items[0]!;
    expect(resource.kind).toBe('Workspace');
    expect(resource.metadata).toEqual({
      name: 'main',
      app: 'my-api',
      labels: { purpose: 'development' },
      annotations: { description: 'Primary development workspace' },
    });
    expect(missingParents).toEqual(['ecosystem', 'domain']);
    if (resource.kind !== 'Workspace') throw new Error('unreachable');
    expect(resource.spec.build?.args).toEqual({ GITHUB_USERNAME: '${GITHUB_USERNAME}' });
    expect(resource.spec.mounts).toEqual([
      { type: 'bind', source: '${HOME}/.ssh', destination: '/home/dev/.ssh', readOnly: true },
    ]);
    expect(resource.spec.sshKey).toEqual({ mode: 'mount_host', path: '${HOME}/.ssh' });
    expect(resource.spec.container).toEqual({
      user: 'dev',
      uid: 1000,
      gid: 1000,
      workingDir: '/workspace',
      command: ['/bin/zsh', '-l'],
      resources: { cpus: '2.0', memory: '2G' },
    });
    // `${HOME}` inside a flow mapping is a YAML syntax error elsewhere; we say we read it anyway.
    expect(
      warnings.filter((warning) => warning.includes('is not valid YAML unquoted')),
    ).toHaveLength(3);
  });

  it('keeps every field of the notes app example', () => {
    const { resource, missingParents } = parseManifests(NOTES_EXAMPLES.app).items[0]!;
    expect(missingParents).toEqual(['ecosystem']);
    expect(resource.spec).toEqual({
      path: '/Users/rkohlman/apps/my-api',
      language: { name: 'go', version: '1.22' },
      build: {
        dockerfile: './Dockerfile',
        buildpack: 'auto',
        args: { GITHUB_TOKEN: '${GITHUB_TOKEN}' },
        target: 'production',
        context: '.',
      },
      dependencies: {
        file: 'go.mod',
        install: 'go mod download',
        extra: ['github.com/some/package'],
      },
      services: [{ name: 'postgres', version: '15', port: 5432, env: { POSTGRES_USER: 'myapp' } }],
      ports: ['8080:8080'],
      env: { LOG_LEVEL: 'debug' },
      workspaces: ['main', 'debug'],
    });
  });

  it('accepts the docs spelling per_app for sshKey.mode as well as per_project', () => {
    for (const mode of ['per_app', 'per_project', 'generate', 'global_dvm']) {
      expect(parseManifest(workspace({ sshKey: { mode } })).resource.spec).toEqual({
        sshKey: { mode },
      });
    }
  });
});

describe('envelope', () => {
  it('requires apiVersion devopsmaestro.io/v1', () => {
    const { apiVersion: _omitted, ...withoutVersion } = workspace({});
    expect(invalidErrors(() => parseManifest(withoutVersion))).toEqual([
      { path: 'apiVersion', message: 'required: must be "devopsmaestro.io/v1"' },
    ]);
    expect(invalidErrors(() => parseManifest({ ...workspace({}), apiVersion: 'v1' }))).toEqual([
      { path: 'apiVersion', message: 'must be "devopsmaestro.io/v1"' },
    ]);
  });

  it('names the supported kinds for an unknown kind, and still checks the rest', () => {
    const errors = invalidErrors(() =>
      parseManifest({
        apiVersion: 'devopsmaestro.io/v2',
        kind: 'Deployment',
        metadata: { name: 'Bad' },
      }),
    );
    expect(errors.map((error) => error.path)).toEqual(['kind', 'apiVersion', 'metadata.name']);
    expect(errors[0]!.message).toContain('Ecosystem, Domain, App, Workspace');
  });

  it('suggests the right spelling of a kind', () => {
    const errors = invalidErrors(() => parseManifest({ ...workspace({}), kind: 'workspace' }));
    expect(errors).toEqual([
      { path: 'kind', message: 'unknown kind "workspace"; did you mean "Workspace"?' },
    ]);
  });

  it('rejects a missing kind and a List where one resource is expected', () => {
    const { kind: _omitted, ...withoutKind } = workspace({});
    expect(invalidErrors(() => parseManifest(withoutKind))[0]!.path).toBe('kind');
    const errors = invalidErrors(() =>
      parseManifest({ apiVersion: 'devopsmaestro.io/v1', kind: 'List', items: [] }),
    );
    expect(errors[0]).toMatchObject({ path: 'kind' });
  });

  it('rejects input that is not an object', () => {
    for (const input of [null, 'kind: App', 42, [workspace({})]]) {
      expect(invalidErrors(() => parseManifest(input))[0]!.path).toBe('');
    }
  });

  it('accepts status on input with a warning and drops it', () => {
    const { resource, warnings } = parseManifest({
      ...workspace({}),
      status: { phase: 'Running' },
    });
    expect(resource).not.toHaveProperty('status');
    expect(warnings).toContain('status is output only and was ignored');
  });

  it('treats a missing or empty spec as {}', () => {
    expect(parseManifest({ ...workspace(undefined) }).resource.spec).toEqual({});
    expect(
      parseYamlManifest(
        'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: eco\nspec:\n',
      ).resource.spec,
    ).toEqual({});
  });

  it('treats empty YAML values (null) as not set', () => {
    const { resource } = parseYamlManifest(
      'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata:\n  name: dev\n  app: api\n  labels:\nspec:\n  shell:\n  env:\n    A: x\n',
    );
    expect(resource.metadata.labels).toEqual({});
    expect(resource.spec).toEqual({ env: { A: 'x' } });
  });

  it('enforces the expected kind when asked', () => {
    expect(invalidErrors(() => parseManifest(workspace({}), { expectedKind: 'App' }))).toEqual([
      { path: 'kind', message: 'must be App here' },
    ]);
  });

  it('prefixes error paths and warnings with options.path', () => {
    expect(
      invalidErrors(() => parseManifest(workspace({ shell: { typ: 'zsh' } }), { path: '[3]' })),
    ).toEqual([{ path: '[3].spec.shell.typ', message: 'unknown field' }]);
    expect(parseManifest(workspace({ shell: { type: 'zsh' } }), { path: '[3]' }).warnings).toEqual([
      '[3].spec.shell is stored but not applied yet',
    ]);
  });
});

describe('names', () => {
  it.each([
    ['uppercase', 'MyApp'],
    ['too long', 'a'.repeat(64)],
    ['underscore', 'my_app'],
    ['leading dash', '-app'],
    ['trailing dash', 'app-'],
    ['empty', ''],
    ['dot', 'my.app'],
  ])('rejects a name with %s at metadata.name', (_case, name) => {
    const errors = invalidErrors(() => parseManifest(workspace({}, { name })));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('metadata.name');
  });

  it('explains the DNS label rule', () => {
    expect(invalidErrors(() => parseManifest(workspace({}, { name: 'My_App' })))).toEqual([
      {
        path: 'metadata.name',
        message:
          "must be a lowercase DNS label (a-z, 0-9, '-', at most 63 characters, starting and ending with a letter or digit)",
      },
    ]);
  });

  it('accepts 63 characters, digits first, and inner dashes', () => {
    for (const name of ['a'.repeat(63), '1st', 'my-app-2', 'x']) {
      expect(parseManifest(workspace({}, { name })).resource.metadata.name).toBe(name);
    }
  });

  it('checks parent names too', () => {
    expect(
      invalidErrors(() => parseManifest(workspace({}, { app: 'API', domain: 'back_end' }))).map(
        (e) => e.path,
      ),
    ).toEqual(['metadata.domain', 'metadata.app']);
  });

  it('requires metadata.name', () => {
    expect(invalidErrors(() => parseManifest(workspace({}, { name: undefined })))).toEqual([
      { path: 'metadata.name', message: 'required' },
    ]);
  });
});

describe('parents', () => {
  const ecosystem = {
    apiVersion: 'devopsmaestro.io/v1',
    kind: 'Ecosystem',
    metadata: { name: 'eco' },
  };

  it('Domain requires metadata.ecosystem', () => {
    const domain = {
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Domain',
      metadata: { name: 'backend' },
    };
    expect(invalidErrors(() => parseManifest(domain))).toEqual([
      { path: 'metadata.ecosystem', message: 'required' },
    ]);
    expect(
      parseManifest({ ...domain, metadata: { name: 'backend', ecosystem: 'eco' } }).missingParents,
    ).toEqual([]);
  });

  it('App requires metadata.domain; a missing ecosystem is left to the active context', () => {
    expect(
      invalidErrors(() => parseManifest(app({ path: '/src' }, { domain: undefined }))),
    ).toEqual([{ path: 'metadata.domain', message: 'required' }]);
    expect(parseManifest(app({ path: '/src' })).missingParents).toEqual(['ecosystem']);
    expect(parseManifest(app({ path: '/src' }, { ecosystem: 'eco' })).missingParents).toEqual([]);
  });

  it('Workspace requires metadata.app; domain and ecosystem may come from the context', () => {
    expect(invalidErrors(() => parseManifest(workspace({}, { app: undefined })))).toEqual([
      { path: 'metadata.app', message: 'required' },
    ]);
    expect(parseManifest(workspace({}, { domain: 'backend' })).missingParents).toEqual([
      'ecosystem',
    ]);
    expect(
      parseManifest(workspace({}, { domain: 'backend', ecosystem: 'eco' })).missingParents,
    ).toEqual([]);
  });

  it('rejects parents a kind cannot have as unknown fields', () => {
    expect(
      invalidErrors(() => parseManifest({ ...ecosystem, metadata: { name: 'eco', domain: 'x' } })),
    ).toEqual([{ path: 'metadata.domain', message: 'unknown field' }]);
    expect(invalidErrors(() => parseManifest(app({ path: '/src' }, { app: 'x' })))).toEqual([
      { path: 'metadata.app', message: 'unknown field' },
    ]);
  });

  it('metadata schemas agree with PARENT_RULES', () => {
    for (const kind of [...RESOURCE_KINDS, ...DEPRECATED_KINDS]) {
      const shape = Object.keys(metadataSchemaOf(kind).shape);
      expect(shape.filter((key) => ['ecosystem', 'domain', 'app'].includes(key))).toEqual(
        parentsOf(kind),
      );
      for (const level of PARENT_RULES[kind].required) {
        const metadata = { name: 'x', ecosystem: 'e', domain: 'd', app: 'a' };
        const parsed = metadataSchemaOf(kind).safeParse(
          Object.fromEntries(
            Object.entries(metadata).filter(
              ([key]) =>
                key !== level && (key === 'name' || parentsOf(kind).includes(key as never)),
            ),
          ),
        );
        expect(parsed.success, `${kind} without ${level}`).toBe(false);
      }
    }
  });

  it('parentRefOf and objectInputOf give what the DataStore takes', () => {
    const { resource } = parseManifest(
      workspace({ env: { A: 'b' } }, { domain: 'backend', labels: { team: 'x' } }),
    );
    expect(parentRefOf(resource)).toEqual({ domain: 'backend', app: 'api' });
    expect(objectInputOf(resource)).toEqual({
      name: 'dev',
      labels: { team: 'x' },
      annotations: {},
      spec: { env: { A: 'b' } },
    });
  });
});

describe('kind Project (deprecated)', () => {
  const project = {
    apiVersion: 'devopsmaestro.io/v1',
    kind: 'Project',
    metadata: { name: 'legacy', annotations: { description: 'Old project' } },
    spec: { path: '/home/me/legacy', workspaces: ['main'] },
  };

  it('converts to an App with a warning and records the missing parents', () => {
    const parsed = parseManifest(project);
    expect(parsed.resource).toEqual({
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'App',
      metadata: { name: 'legacy', labels: {}, annotations: { description: 'Old project' } },
      spec: { path: '/home/me/legacy', workspaces: ['main'] },
    });
    expect(parsed.convertedFrom).toBe('Project');
    expect(parsed.missingParents).toEqual(['ecosystem', 'domain']);
    expect(parsed.warnings[0]).toMatch(/^kind Project is deprecated: converted to App "legacy"; /);
  });

  it('keeps parents it names', () => {
    const parsed = parseManifest({ ...project, metadata: { name: 'legacy', domain: 'backend' } });
    expect(parsed.resource.metadata.domain).toBe('backend');
    expect(parsed.missingParents).toEqual(['ecosystem']);
  });

  it('is accepted where an App is expected, and checked strictly', () => {
    expect(parseManifest(project, { expectedKind: 'App' }).resource.kind).toBe('App');
    expect(
      invalidErrors(() =>
        parseManifest({ ...project, spec: { path: 'relative', language: 'go' } }),
      ),
    ).toEqual([
      { path: 'spec.path', message: "must be an absolute path (starting with '/', without '..')" },
      { path: 'spec.language', message: 'unknown field' },
    ]);
  });
});

describe('unknown fields', () => {
  it('are rejected with their full path', () => {
    expect(invalidErrors(() => parseManifest(workspace({ container: { uidd: 1000 } })))).toEqual([
      { path: 'spec.container.uidd', message: 'unknown field' },
    ]);
  });

  it('are reported everywhere at once, with the other errors', () => {
    const errors = invalidErrors(() =>
      parseManifest({
        ...workspace({
          mounts: [
            { type: 'bind', source: '/a', destination: '/b' },
            { destination: '/c', mode: 'ro' },
          ],
          nvim: { plugins: ['telescope', { name: 'x', lazyy: true }] },
          language: 'go',
        }),
        extra: 1,
        metadata: { name: 'dev', app: 'api', description: 'old style' },
      }),
    );
    expect(errors.map((error) => error.path).sort()).toEqual(
      [
        'extra',
        'metadata.description',
        'spec.language',
        'spec.mounts[1].mode',
        'spec.mounts[1].source',
        'spec.nvim.plugins[1].lazyy',
      ].sort(),
    );
  });

  it('quote keys that are not plain words in the path', () => {
    expect(invalidErrors(() => parseManifest(workspace({ 'my key': 1 })))).toEqual([
      { path: 'spec["my key"]', message: 'unknown field' },
    ]);
  });
});

describe('numbers where strings are expected', () => {
  it('converts a numeric language version to a string with a warning recommending quotes', () => {
    const { resource, warnings } = parseManifest(
      app({ path: '/src', language: { name: 'go', version: 1.2 } }),
    );
    expect(resource.spec).toMatchObject({ language: { name: 'go', version: '1.2' } });
    expect(warnings[0]).toMatch(
      /^spec\.language\.version was the YAML number 1\.2 and is stored as the string "1\.2"; quote it/,
    );
  });

  it('warns about YAML 1.20 read as 1.2', () => {
    const { resource, warnings } = parseYamlManifest(
      'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: api, domain: backend}\nspec:\n  path: /src\n  language: {name: go, version: 1.20}\n',
    );
    expect(resource.spec).toMatchObject({ language: { version: '1.2' } });
    expect(
      warnings.some((warning) =>
        warning.startsWith('spec.language.version was the YAML number 1.2'),
      ),
    ).toBe(true);
  });

  it('converts integers and booleans in env maps silently, fractions with a warning', () => {
    const { resource, warnings } = parseManifest(
      workspace({ env: { PORT: 8080, DEBUG: true, RATIO: 0.5 } }, { labels: { tier: 2 } }),
    );
    expect(resource.spec).toEqual({ env: { PORT: '8080', DEBUG: 'true', RATIO: '0.5' } });
    expect(resource.metadata.labels).toEqual({ tier: '2' });
    expect(warnings.filter((warning) => warning.includes('YAML number'))).toEqual([
      expect.stringMatching(/^spec\.env\.RATIO was the YAML number 0\.5/),
    ]);
  });

  it('does not accept numbers for names', () => {
    expect(invalidErrors(() => parseManifest(workspace({}, { name: 12 })))).toEqual([
      { path: 'metadata.name', message: 'must be a string, not a number' },
    ]);
  });
});

describe('labels and annotations', () => {
  it('accepts Kubernetes-style label keys and values', () => {
    const labels = {
      'app.kubernetes.io/name': 'api',
      team: 'platform',
      'example.com/tier': '',
      Version: 'v1.2_3',
    };
    expect(parseManifest(workspace({}, { labels })).resource.metadata.labels).toEqual(labels);
  });

  it('rejects bad label keys and values at their path', () => {
    const errors = invalidErrors(() =>
      parseManifest(
        workspace(
          {},
          {
            labels: {
              'bad key': 'x',
              'Upper.Case/name': 'x',
              ok: 'has space',
              long: 'v'.repeat(64),
            },
          },
        ),
      ),
    );
    expect(errors.map((error) => error.path)).toEqual([
      'metadata.labels["bad key"]',
      'metadata.labels["Upper.Case/name"]',
      'metadata.labels.ok',
      'metadata.labels.long',
    ]);
  });

  it('accepts any annotations up to 256 KiB in total', () => {
    const annotations = { description: 'Anything: "quotes", newlines\nand ünïcode', 'x/y z': '' };
    expect(parseManifest(workspace({}, { annotations })).resource.metadata.annotations).toEqual(
      annotations,
    );
    const errors = invalidErrors(() =>
      parseManifest(workspace({}, { annotations: { big: 'x'.repeat(256 * 1024) } })),
    );
    expect(errors).toEqual([
      { path: 'metadata.annotations', message: expect.stringContaining('at most 262144 bytes') },
    ]);
  });
});
