import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors';
import { errorResponse } from './problem';
import {
  APPLY_MAX_BODY_BYTES,
  bodyFormatOf,
  formatted,
  negotiateOutput,
  readManifestText,
  readObjectBody,
  type OutputFormat,
} from './negotiate';
import {
  expectedVersionOf,
  listQuery,
  parseLabelSelector,
  resourcePath,
  resourceQuery,
} from './resource-requests';
import { applyResponse, warningHeaderValues, withCascadeHint } from './resource-responses';

const URL_BASE = 'http://dvm.test/api/v1/ecosystems';

function get(headers: Record<string, string> = {}, query = ''): Request {
  return new Request(`${URL_BASE}${query}`, { headers });
}

function post(body: string, contentType?: string): Request {
  return new Request(URL_BASE, {
    method: 'POST',
    body,
    headers: contentType ? { 'Content-Type': contentType } : {},
  });
}

/** The status and problem an error thrown by `work` is answered with. */
async function answer(
  work: () => unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await work();
  } catch (error) {
    const response = errorResponse(error);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  throw new Error('expected a refusal');
}

describe('output format', () => {
  it.each<[string | undefined, OutputFormat]>([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['application/yaml', 'yaml'],
    ['application/x-yaml', 'yaml'],
    ['text/yaml', 'yaml'],
    ['text/plain', 'table'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'json'],
    ['application/yaml;q=0.5, application/json;q=0.4', 'yaml'],
    ['text/plain, */*;q=0.1', 'table'],
    ['application/json;q=0, */*', 'yaml'],
    ['text/*', 'yaml'],
    ['application/*', 'json'],
    ['*', 'json'],
    ['application/problem+json, application/yaml', 'yaml'],
    ['garbage, text/plain', 'table'],
  ])('Accept %j → %s', (accept, expected) => {
    const request = get(accept === undefined ? {} : { Accept: accept });
    expect(negotiateOutput(request, undefined)).toBe(expected);
  });

  it('?output wins over Accept', () => {
    expect(negotiateOutput(get({ Accept: 'application/json' }), 'yaml')).toBe('yaml');
    const { format } = resourceQuery(get({ Accept: 'text/plain' }, '?output=json'), listQuery);
    expect(format).toBe('json');
  });

  it('refuses an unknown ?output with 400 naming the parameter', async () => {
    const refused = await answer(() => resourceQuery(get({}, '?output=xml'), listQuery));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { path: 'output', message: 'must be one of json, yaml, table' },
    ]);
  });

  it('answers 406 only when nothing acceptable is offered', async () => {
    const refused = await answer(() => negotiateOutput(get({ Accept: 'image/png' }), undefined));
    expect(refused.status).toBe(406);
    expect(refused.body.code).toBe('NOT_ACCEPTABLE');
    expect(refused.body.detail).toMatch(/application\/json, application\/yaml, text\/plain/);
    const onlyJson = await answer(() =>
      negotiateOutput(get({ Accept: 'text/plain' }), undefined, ['json']),
    );
    expect(onlyJson.status).toBe(406);
    expect(negotiateOutput(get({ Accept: 'image/png, */*;q=0.1' }), undefined)).toBe('json');
  });

  it('writes each format with its media type and Vary: Accept', async () => {
    const body = { items: [{ a: 1 }], nextCursor: null };
    const json = formatted('json', body, { status: 201, headers: { ETag: '"1"' } });
    expect(json.status).toBe(201);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.headers.get('etag')).toBe('"1"');
    expect(json.headers.get('vary')).toBe('Accept');
    expect(await json.json()).toEqual(body);
    const yaml = formatted('yaml', body);
    expect(yaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(await yaml.text()).toBe('items:\n  - a: 1\nnextCursor: null\n');
    const table = formatted('table', body, {
      table: { type: 'table', headers: ['A'], rows: [['1']] },
    });
    expect(table.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await table.text()).toBe('A\n1\n');
  });
});

describe('request bodies', () => {
  it.each<[string | null, 'json' | 'yaml' | undefined]>([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/merge-patch+json', 'json'],
    ['application/yaml', 'yaml'],
    ['application/x-yaml', 'yaml'],
    ['text/yaml', 'yaml'],
    ['text/x-yaml', 'yaml'],
    ['application/x-www-form-urlencoded', undefined],
    ['text/plain', undefined],
    [null, undefined],
  ])('Content-Type %j is %s', (type, expected) => {
    expect(bodyFormatOf(type)).toBe(expected);
  });

  it('reads JSON and YAML objects alike', async () => {
    const manifest = { kind: 'Ecosystem', metadata: { name: 'platform' } };
    expect(await readObjectBody(post(JSON.stringify(manifest), 'application/json'))).toEqual(
      manifest,
    );
    expect(
      await readObjectBody(
        post('kind: Ecosystem\nmetadata:\n  name: platform\n', 'application/yaml'),
      ),
    ).toEqual(manifest);
    expect(
      await readObjectBody(post('---\nkind: Ecosystem\nmetadata: {name: platform}\n', 'text/yaml')),
    ).toEqual(manifest);
    expect(await readObjectBody(post('', undefined))).toEqual({});
  });

  it('refuses YAML that is not one safe document', async () => {
    const several = await answer(() =>
      readObjectBody(post('kind: A\n---\nkind: B\n', 'application/yaml')),
    );
    expect(several.status).toBe(400);
    expect(several.body.detail).toMatch(/2 YAML documents.*\/api\/v1\/apply/);
    const duplicate = await answer(() => readObjectBody(post('a: 1\na: 2\n', 'application/yaml')));
    expect(duplicate.status).toBe(400);
    const aliases = `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 12 }, (_, i) => `b${i}: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]`).join('\n')}\n`;
    const bomb = await answer(() => readObjectBody(post(aliases, 'application/yaml')));
    expect(bomb.status).toBe(400);
    expect(JSON.stringify(bomb.body)).toMatch(/aliases/);
  });

  it('never echoes a body that does not parse', async () => {
    const broken = await answer(() =>
      readObjectBody(post('{"secret": "hunter2', 'application/json')),
    );
    expect(broken.status).toBe(400);
    expect(JSON.stringify(broken.body)).not.toContain('hunter2');
  });

  it('refuses other media types with 415 and large bodies with 413', async () => {
    const form = await answer(() =>
      readObjectBody(post('a=1', 'application/x-www-form-urlencoded')),
    );
    expect(form.status).toBe(415);
    expect(form.body.detail).toMatch(/application\/yaml/);
    const big = await answer(() =>
      readObjectBody(post(`x: "${'a'.repeat(1024 * 1024)}"`, 'application/yaml')),
    );
    expect(big.status).toBe(413);
  });

  it('apply takes YAML or JSON text up to its own, larger limit', async () => {
    const text = `kind: List\nitems: []\n# ${'x'.repeat(2 * 1024 * 1024)}\n`;
    expect(await readManifestText(post(text, 'application/yaml'))).toBe(text);
    const tooBig = await answer(() =>
      readManifestText(post('x'.repeat(APPLY_MAX_BODY_BYTES + 1), 'application/yaml')),
    );
    expect(tooBig.status).toBe(413);
    const form = await answer(() =>
      readManifestText(post('kind: List', 'application/x-www-form-urlencoded')),
    );
    expect(form.status).toBe(415);
  });
});

describe('label selectors', () => {
  it.each<[string, Record<string, string>]>([
    ['', {}],
    ['team=core', { team: 'core' }],
    ['team=core,tier=gold', { team: 'core', tier: 'gold' }],
    [' team == core , tier=gold ', { team: 'core', tier: 'gold' }],
    ['example.com/owner=alice', { 'example.com/owner': 'alice' }],
    ['empty=', { empty: '' }],
  ])('%j → %j', (selector, expected) => {
    expect(parseLabelSelector(selector)).toEqual(expected);
  });

  it.each(['team!=core', 'team in (a,b)', '!team', 'team', 'Bad Key=x', 'team=a b', 'a=1,a=2'])(
    'refuses %j with 400 at labelSelector',
    async (selector) => {
      const refused = await answer(() =>
        resourceQuery(get({}, `?labelSelector=${encodeURIComponent(selector)}`), listQuery),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ path: 'labelSelector', message: expect.any(String) }]);
    },
  );

  it('parses the whole list query', () => {
    const { query } = resourceQuery(
      get({}, '?limit=10&cursor=abc&labelSelector=team%3Dcore'),
      listQuery,
    );
    expect(query).toEqual({ limit: 10, cursor: 'abc', labelSelector: { team: 'core' } });
  });

  it.each(['?limit=0', '?limit=501', '?limit=x', '?unknown=1'])('refuses %s', async (query) => {
    expect((await answer(() => resourceQuery(get({}, query), listQuery))).status).toBe(400);
  });
});

describe('If-Match', () => {
  const withIfMatch = (value: string) => get({ 'If-Match': value });

  it('reads the version from If-Match or ?expectedVersion', () => {
    expect(expectedVersionOf(get(), undefined)).toBeUndefined();
    expect(expectedVersionOf(withIfMatch('"3"'), undefined)).toBe(3);
    expect(expectedVersionOf(get(), 4)).toBe(4);
    expect(expectedVersionOf(withIfMatch('"4"'), 4)).toBe(4);
    expect(expectedVersionOf(withIfMatch('*'), undefined)).toBeUndefined();
  });

  it.each(['W/"3"', '3', '"3", "4"', '"abc"'])('refuses If-Match %s', async (value) => {
    const refused = await answer(() => expectedVersionOf(withIfMatch(value), undefined));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ path: 'If-Match', message: expect.any(String) }]);
  });

  it('refuses a header that contradicts the query', async () => {
    const refused = await answer(() => expectedVersionOf(withIfMatch('"3"'), 4));
    expect(refused.body.errors).toEqual([{ path: 'expectedVersion', message: expect.any(String) }]);
  });
});

describe('answers', () => {
  it('builds object URLs from names', () => {
    expect(resourcePath({ level: 'ecosystem', name: 'platform' })).toBe(
      '/api/v1/ecosystems/platform',
    );
    expect(
      resourcePath({ level: 'workspace', name: 'dev', ecosystem: 'e', domain: 'd', app: 'a' }),
    ).toBe('/api/v1/ecosystems/e/domains/d/apps/a/workspaces/dev');
  });

  it('writes warnings as RFC 7234 Warning values, escaped and bounded', () => {
    expect(warningHeaderValues(['spec.shell is stored but not applied yet'])).toEqual([
      '299 - "spec.shell is stored but not applied yet"',
    ]);
    expect(warningHeaderValues(['say "hi" \\ to ünïcode\n'])).toEqual([
      '299 - "say \\"hi\\" \\\\ to ?n?code?"',
    ]);
    const many = warningHeaderValues(Array.from({ length: 50 }, (_, i) => `w${i}`));
    expect(many).toHaveLength(20);
    expect(many.at(-1)).toBe('299 - "and 31 more warnings"');
    const headers = new Headers();
    for (const value of warningHeaderValues(['a"b', 'ü'])) headers.append('Warning', value);
    expect(headers.get('warning')).toBe('299 - "a\\"b", 299 - "?"');
  });

  it('tells REST callers how to cascade', async () => {
    const refused = await answer(() =>
      withCascadeHint(
        Promise.reject(
          new AppError(
            'HAS_CHILDREN',
            'App platform/backend/api still has 1 workspace. Delete them first, or delete with cascade to remove everything below it.',
          ),
        ),
      ),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('HAS_CHILDREN');
    expect(refused.body.detail).toBe(
      'App platform/backend/api still has 1 workspace. Repeat the request with ?cascade=true to delete everything below it as well.',
    );
  });

  it('shows apply as a table, with the dry run’s diffs and the warnings after it', async () => {
    const response = applyResponse('table', {
      dryRun: true,
      items: [
        {
          path: '[0]',
          kind: 'App',
          name: 'api',
          ecosystem: 'eco',
          domain: 'dom',
          result: 'configured',
          warnings: ['[0].kind Project is deprecated'],
          diff: '--- app eco/dom/api\n+++ app eco/dom/api\n-  path: /a\u001b[2J\n+  path: /b',
          convertedFrom: 'Project',
        },
      ],
      warnings: ['[0].kind Project is deprecated'],
    });
    expect(response.headers.get('warning')).toBe(
      '299 - "[0]: kind Project is deprecated; converted to App \\"api\\""',
    );
    expect(await response.text()).toBe(
      [
        'KIND                 NAME          RESULT                 WARNINGS',
        'App (from Project)   eco/dom/api   configured (dry run)   1',
        '',
        '--- app eco/dom/api',
        '+++ app eco/dom/api',
        '-  path: /a\\x1b[2J',
        '+  path: /b',
        '',
        '[WARN] [0].kind Project is deprecated',
        '',
      ].join('\n'),
    );
  });
});
