import { describe, expect, it } from 'vitest';

import { hasErrorCode } from '@/lib/errors';

import { NOTES_EXAMPLES } from './original-examples.fixtures';
import { parseManifest, parseManifests } from './resource';
import { invalidErrors } from './test-helpers';

const ecosystem = (name: string) =>
  `apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: ${name}\n`;
const workspace = (name: string, image: string, extra = '') =>
  `apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata:\n  name: ${name}\n  app: api\nspec:\n  image:\n    name: ${image}\n${extra}`;

/** Asserts INVALID, and that it came quickly: hostile input must not cost much time. */
function expectFastInvalid(text: string, messagePart: string) {
  const started = performance.now();
  const errors = invalidErrors(() => parseManifests(text));
  expect(performance.now() - started).toBeLessThan(1000);
  expect(errors.map((error) => error.message).join('\n')).toContain(messagePart);
}

describe('multi-document YAML', () => {
  it('reads every document in order', () => {
    const text = [
      NOTES_EXAMPLES.ecosystem,
      NOTES_EXAMPLES.domain,
      NOTES_EXAMPLES.app,
      NOTES_EXAMPLES.workspace,
    ].join('---\n');
    const { items } = parseManifests(text);
    expect(items.map((item) => `${item.resource.kind}/${item.resource.metadata.name}`)).toEqual([
      'Ecosystem/my-platform',
      'Domain/backend',
      'App/my-api',
      'Workspace/main',
    ]);
    expect(items.map((item) => item.path)).toEqual(['[0]', '[1]', '[2]', '[3]']);
  });

  it('prefixes every error with its document index, and reports all documents at once', () => {
    const text = [
      ecosystem('ok'),
      ecosystem('Bad_Name'),
      workspace('dev', 'Not A Valid Image'),
    ].join('---\n');
    expect(invalidErrors(() => parseManifests(text))).toEqual([
      { path: '[1].metadata.name', message: expect.stringContaining('lowercase DNS label') },
      { path: '[2].spec.image.name', message: expect.stringContaining('image reference') },
    ]);
  });

  it('prefixes warnings with the document index', () => {
    const { warnings } = parseManifests(
      [ecosystem('a'), workspace('dev', 'img:1', '  shell:\n    type: zsh\n')].join('---\n'),
    );
    expect(warnings).toEqual(['[1].spec.shell is stored but not applied yet']);
  });

  it('skips empty documents but keeps the indexes the user sees', () => {
    const { items } = parseManifests(
      `---\n${ecosystem('a')}---\n# nothing here\n---\n${ecosystem('b')}---\n`,
    );
    expect(items.map((item) => [item.path, item.resource.metadata.name])).toEqual([
      ['[0]', 'a'],
      ['[2]', 'b'],
    ]);
  });

  it('uses no prefix for a single document', () => {
    expect(invalidErrors(() => parseManifests(ecosystem('Bad')))[0]!.path).toBe('metadata.name');
  });

  it('reports YAML syntax errors with their document and line', () => {
    const errors = invalidErrors(() =>
      parseManifests(`${ecosystem('a')}---\nkind: [Ecosystem\nmetadata: {name: b}\n`),
    );
    expect(errors[0]!.path).toBe('[1]');
    expect(errors[0]!.message).toMatch(/line \d+/);
  });

  it('rejects input without any resource', () => {
    for (const text of ['', '   \n', '# only a comment\n', '---\n---\n']) {
      expect(invalidErrors(() => parseManifests(text))).toEqual([
        { path: '', message: expect.stringContaining('no resources') },
      ]);
    }
  });
});

describe('kind: List', () => {
  const list = (items: string) => `apiVersion: devopsmaestro.io/v1\nkind: List\nitems:\n${items}`;
  const item = (name: string, image: string) =>
    `  - apiVersion: devopsmaestro.io/v1\n    kind: Workspace\n    metadata: {name: ${name}, app: api}\n    spec:\n      image: {name: "${image}"}\n`;

  it('expands its items with their position as path', () => {
    const { items } = parseManifests(list(item('a', 'img:1') + item('b', 'img:2')));
    expect(items.map((parsed) => [parsed.path, parsed.resource.metadata.name])).toEqual([
      ['items[0]', 'a'],
      ['items[1]', 'b'],
    ]);
  });

  it('prefixes item errors with the item index', () => {
    const errors = invalidErrors(() =>
      parseManifests(list(item('a', 'img:1') + item('b', 'img:2') + item('c', 'UPPER:case'))),
    );
    expect(errors).toEqual([
      { path: 'items[2].spec.image.name', message: expect.stringContaining('image reference') },
    ]);
  });

  it('combines with multi-document input', () => {
    const errors = invalidErrors(() =>
      parseManifests(`${ecosystem('a')}---\n${list(item('ok', 'img') + item('Bad', 'img'))}`),
    );
    expect(errors).toEqual([
      { path: '[1].items[1].metadata.name', message: expect.stringContaining('DNS label') },
    ]);
  });

  it('checks the List envelope strictly and refuses nested lists', () => {
    expect(
      invalidErrors(() =>
        parseManifests('apiVersion: devopsmaestro.io/v1\nkind: List\nitem: []\n'),
      ),
    ).toEqual([
      { path: 'items', message: 'required' },
      { path: 'item', message: 'unknown field' },
    ]);
    const nested = list('  - apiVersion: devopsmaestro.io/v1\n    kind: List\n    items: []\n');
    expect(invalidErrors(() => parseManifests(nested))).toEqual([
      { path: 'items[0].kind', message: 'a list of resources cannot contain another list' },
    ]);
  });
});

describe('JSON', () => {
  const json = (name: string) => ({
    apiVersion: 'devopsmaestro.io/v1',
    kind: 'Ecosystem',
    metadata: { name },
  });

  it('reads one JSON manifest', () => {
    expect(parseManifests(JSON.stringify(json('eco'))).items[0]!.resource.metadata.name).toBe(
      'eco',
    );
  });

  it('reads a JSON array of manifests with indexed paths', () => {
    const errors = invalidErrors(() =>
      parseManifests(JSON.stringify([json('a'), json('b'), { ...json('c'), spec: { image: {} } }])),
    );
    expect(errors).toEqual([{ path: '[2].spec.image', message: 'unknown field' }]);
  });

  it('reads a JSON List', () => {
    const { items } = parseManifests(
      JSON.stringify({
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'List',
        items: [json('a'), json('b')],
      }),
    );
    expect(items).toHaveLength(2);
  });

  it('rejects duplicate keys in JSON too', () => {
    expectFastInvalid(
      '{"apiVersion": "devopsmaestro.io/v1", "kind": "Ecosystem", "kind": "Domain", "metadata": {"name": "a"}}',
      'unique',
    );
  });
});

describe('hostile input', () => {
  it('rejects an alias bomb (billion laughs) quickly', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level <= 9; level += 1) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    expectFastInvalid(lines.join('\n'), 'aliases more than 100 times');
  });

  it('rejects 200 levels of flow nesting quickly', () => {
    expectFastInvalid(
      `apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: a}\nspec: ${'['.repeat(200)}${']'.repeat(200)}\n`,
      'nested more than 64 levels',
    );
  });

  it('rejects 200 levels of block nesting quickly', () => {
    const block = Array.from({ length: 200 }, (_, depth) => `${'  '.repeat(depth)}k${depth}:`).join(
      '\n',
    );
    expectFastInvalid(`${block} 1\n`, 'nested more than 64 levels');
  });

  it('rejects 200 compact sequence levels on one line quickly', () => {
    expectFastInvalid(`${'- '.repeat(200)}x\n`, 'nested more than 64 levels');
  });

  it('rejects a megabyte of brackets quickly, before parsing', () => {
    expectFastInvalid('['.repeat(600_000) + ']'.repeat(400_000), 'nested more than 64 levels');
  });

  it('rejects deep nesting in an already parsed value (REST bodies)', () => {
    let deep: unknown = 'x';
    for (let depth = 0; depth < 200; depth += 1) deep = [deep];
    const body = {
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Ecosystem',
      metadata: { name: 'a' },
      spec: { domains: deep },
    };
    expect(invalidErrors(() => parseManifest(body))).toEqual([
      { path: '', message: 'the input is nested more than 64 levels deep' },
    ]);
  });

  it('rejects input over 1 MiB with INVALID and a clear message', () => {
    const text = `${ecosystem('a')}# ${'x'.repeat(1024 * 1024)}\n`;
    expectFastInvalid(text, 'larger than 1 MiB');
  });

  it('rejects duplicate keys', () => {
    expectFastInvalid(
      'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: a\n  name: b\n',
      'Map keys must be unique',
    );
  });

  it('rejects a recursive alias', () => {
    expectFastInvalid(
      'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: a}\nspec: &s {domains: [*s]}\n',
      'nested more than 64 levels',
    );
  });

  it('keeps YAML 1.1 tags as plain text instead of building binary values', () => {
    const errors = invalidErrors(() =>
      parseManifests(
        'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: a, app: b}\nspec:\n  env: {A: !!binary aGVsbG8=}\n  shell: !!set {a, b}\n',
      ),
    );
    // `!!set {a, b}` is a mapping of a and b to nothing: still unknown fields, not silently dropped.
    expect(errors).toEqual([
      { path: 'spec.shell.a', message: 'unknown field' },
      { path: 'spec.shell.b', message: 'unknown field' },
    ]);
  });

  it('supports merge keys, as the original did', () => {
    const { items } = parseManifests(
      'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: a, app: b}\nspec:\n  env: &base {A: "1"}\n  container:\n    user: dev\n  build:\n    args:\n      <<: *base\n      B: "2"\n',
    );
    expect(items[0]!.resource.spec).toMatchObject({ build: { args: { A: '1', B: '2' } } });
  });

  it('is a normal AppError, not a crash, for every hostile case', () => {
    try {
      parseManifests(`${'{'.repeat(100)}`);
      expect.unreachable();
    } catch (error) {
      expect(hasErrorCode(error, 'INVALID')).toBe(true);
    }
  });
});

describe('${VAR} inside flow collections', () => {
  it('reads unquoted placeholders as strings, with text around them, and says so', () => {
    const { items, warnings } = parseManifests(
      'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: a, app: b}\nspec:\n  env: {A: x-${ONE}-${TWO}y, B: "${Q}", C: ${C}}\n  container: {command: [${SHELL}, -l]}\n',
    );
    expect(items[0]!.resource.spec).toEqual({
      env: { A: 'x-${ONE}-${TWO}y', B: '${Q}', C: '${C}' },
      container: { command: ['${SHELL}', '-l'] },
    });
    expect(
      warnings.filter((warning) => warning.startsWith('line 5: x-${ONE}-${TWO}y inside')),
    ).toHaveLength(1);
    expect(warnings.filter((warning) => warning.includes('not valid YAML unquoted'))).toHaveLength(
      3,
    );
  });

  it('leaves block-style placeholders alone (they are valid YAML)', () => {
    const { warnings, items } = parseManifests(
      'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: a, app: b}\nspec:\n  env:\n    A: ${HOME}/x\n',
    );
    expect(items[0]!.resource.spec).toEqual({ env: { A: '${HOME}/x' } });
    expect(warnings.some((warning) => warning.includes('not valid YAML'))).toBe(false);
  });
});
