// A deterministic fuzzer of the resource API's write routes (POST/PUT/PATCH on ecosystems, domains,
// apps and workspaces, and POST /api/v1/apply) on the real production server, on SQLite and on
// PostgreSQL. From one seed it sends thousands of mutated manifests and malformed bodies: wrong
// types, missing and unknown fields, hostile strings (NUL, lone surrogates, bidi, emoji), number
// edge cases spliced into the JSON text, deep nesting (JSON and YAML), alias bombs, duplicate keys,
// invalid UTF-8, truncated JSON, wrong content types, bodies under and over the size limits, bad
// query strings, Accept and If-Match headers, a viewer's token and hostile URL segments.
//
// For every answer it checks:
//   - 2xx or 4xx only: never a 5xx, never a hang (each request has a 10 s deadline);
//   - every 4xx is application/problem+json with type, title, status, detail, code, errors[];
//   - the database is unchanged after every refused request: a fingerprint read straight from the
//     server's database (every object, membership and context row hashed, the audit log's size and
//     newest id) is compared before and after (lib/testing/db-fingerprint.ts);
//   - where the answer is certain (415, 413, 406, a viewer's write, unparseable text), that answer.
//
// Failures are collected for the whole run and reported together, grouped, so one bug does not
// hide the others. Seed: DVM_FUZZ_SEED (default below); the summary line prints the counts.
//
// Needs a prior `next build` and PostgreSQL (scripts/with-test-env.sh).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore } from '@/lib/store/open-data-store';
import {
  type Answer,
  type ApiServer,
  collectionPath,
  manifest,
  objectPath,
  problemShape,
  type RequestOptions,
  startApiServer,
} from '@/lib/testing/api-client';
import { type Fingerprint, openFingerprint } from '@/lib/testing/db-fingerprint';
import {
  HOSTILE_STRINGS,
  type Mutated,
  type Rng,
  UNSUPPORTED_CONTENT_TYPES,
  jsonText,
  malformedBodies,
  mutate,
  seededRng,
  yamlText,
} from '@/lib/testing/manifest-mutations';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { createPostgresDatabase, type Dialect } from '@/lib/testing/test-stores';

const SEED = Number(process.env.DVM_FUZZ_SEED ?? 20_261_127);
/** Requests per dialect. SQLite carries the bulk; PostgreSQL repeats a shorter run of the same mix. */
const REQUESTS: Record<Dialect, number> = { sqlite: 3200, postgres: 1500 };
const DEADLINE_MS = 10_000;
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// The world every case is sent into: ecosystem `fz` › domain `d` › app `a` › workspace `w`.
// ---------------------------------------------------------------------------------------------

const KINDS = ['Ecosystem', 'Domain', 'App', 'Workspace'] as const;
type Kind = (typeof KINDS)[number];
const FIXTURE: string[] = ['fz', 'd', 'a', 'w'];

const SPECS: Record<Kind, Record<string, unknown>> = {
  Ecosystem: { theme: 'tokyonight', env: { TZ: 'UTC' }, build: { args: { A: '1' } } },
  Domain: { env: { LOG: 'json' } },
  App: {
    path: '/srv/src/a',
    git: { url: 'https://git.example.com/a.git', ref: 'main' },
    language: { name: 'go', version: '1.22' },
    ports: [8080, '8443:443'],
    services: [{ name: 'db', version: '15', port: 5432, env: { USER: 'app' } }],
  },
  Workspace: {
    image: { name: 'dvm-a:latest', packages: ['git'] },
    shell: { type: 'zsh', plugins: ['git'], customRc: 'export A=1\n' },
    nvim: { structure: 'lazyvim', plugins: ['a/b', { repo: 'c/d', lazy: true, opts: { x: 1 } }] },
    mounts: [{ type: 'bind', source: '/srv/src/a', destination: '/workspace', readOnly: false }],
    container: { uid: 1000, gid: 1000, resources: { cpus: '2', memory: '2G' } },
    env: { EDITOR: 'nvim' },
  },
};

/** The parents' names of level `level` (0 = ecosystem) as metadata fields. */
function parentsOf(level: number, names: string[]): Record<string, string> {
  const fields = ['ecosystem', 'domain', 'app'];
  return Object.fromEntries(names.slice(0, level).map((name, i) => [fields[i]!, name]));
}

function manifestAt(level: number, name: string, parents = FIXTURE): Record<string, unknown> {
  return manifest(
    KINDS[level]!,
    {
      name,
      ...parentsOf(level, parents),
      labels: { fuzz: 'yes', level: String(level) },
      annotations: { description: `fuzzed ${KINDS[level]!.toLowerCase()}` },
    },
    SPECS[KINDS[level]!],
  );
}

function patchAt(level: number): Record<string, unknown> {
  const spec = SPECS[KINDS[level]!];
  const key = Object.keys(spec)[0]!;
  return {
    metadata: { labels: { patched: 'yes', fuzz: null }, annotations: { note: 'patched' } },
    spec: { [key]: spec[key] },
  };
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

interface FuzzCase {
  category: string;
  what: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET';
  path: string;
  options: RequestOptions;
  /** The status (or statuses) the answer must have, when it is certain. */
  expect?: number | number[];
  /** Must be refused (4xx) whatever the detail. */
  mustReject?: boolean;
  /** Undo an accepted write whose body was large, so the fingerprint stays cheap to read. */
  large?: boolean;
}

interface Target {
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  /** The valid body this target is fuzzed from. */
  base: () => unknown;
  /** 0..3 for the resource levels, 4 for apply. */
  level: number;
}

let serial = 0;
const fresh = (prefix: string) => `${prefix}${(++serial).toString(36)}`;

function applyBase(): unknown[] {
  const d = fresh('d');
  const a = fresh('a');
  const docs = [
    manifestAt(1, d),
    manifestAt(2, a, ['fz', d]),
    manifestAt(3, fresh('w'), ['fz', d, a]),
  ];
  return docs;
}

function targets(): Target[] {
  const list: Target[] = [];
  for (let level = 0; level < 4; level++) {
    const parents = FIXTURE.slice(0, level);
    list.push(
      {
        method: 'POST',
        path: collectionPath(...parents),
        base: () => manifestAt(level, fresh('n')),
        level,
      },
      {
        method: 'PUT',
        path: objectPath(...FIXTURE.slice(0, level + 1)),
        base: () => manifestAt(level, FIXTURE[level]!),
        level,
      },
      {
        method: 'PATCH',
        path: objectPath(...FIXTURE.slice(0, level + 1)),
        base: () => patchAt(level),
        level,
      },
    );
  }
  list.push({ method: 'POST', path: '/api/v1/apply', base: applyBase, level: 4 });
  return list;
}

const TARGETS = targets();
const YAML = 'application/yaml';
const JSON_TYPE = 'application/json';

/** The body of `value` for `target` as JSON or YAML (apply: a YAML stream, a JSON array or a List). */
function render(
  rng: Rng,
  target: Target,
  mutated: Mutated,
  format: 'json' | 'yaml',
): { body: string; contentType: string } {
  if (target.level === 4 && Array.isArray(mutated.value)) {
    const items = mutated.value as unknown[];
    if (format === 'yaml') {
      const docs = items.map((item) => yamlText({ value: item, literals: mutated.literals }));
      return { body: docs.join('---\n'), contentType: YAML };
    }
    const asList = rng.chance(0.5)
      ? { apiVersion: 'devopsmaestro.io/v1', kind: 'List', items }
      : items;
    return {
      body: jsonText({ value: asList, literals: mutated.literals }),
      contentType: JSON_TYPE,
    };
  }
  if (format === 'yaml') return { body: yamlText(mutated), contentType: YAML };
  const contentType =
    target.method === 'PATCH' && rng.chance(0.5) ? 'application/merge-patch+json' : JSON_TYPE;
  return { body: jsonText(mutated), contentType };
}

function mutatedCase(rng: Rng, target: Target, format: 'json' | 'yaml'): FuzzCase {
  const base = target.base();
  // Apply: mutate one document of the stream, or the stream itself.
  let mutated: Mutated;
  if (target.level === 4 && Array.isArray(base) && rng.chance(0.8)) {
    const index = rng.int(base.length);
    const one = mutate(rng, base[index]);
    const items = [...base];
    items[index] = one.value;
    mutated = { what: `document ${index}: ${one.what}`, value: items, literals: one.literals };
  } else mutated = mutate(rng, base);
  const { body, contentType } = render(rng, target, mutated, format);
  const dryRun = target.level === 4 && rng.chance(0.2) ? '?dryRun=true' : '';
  return {
    category: `mutated ${format}`,
    what: mutated.what,
    method: target.method,
    path: `${target.path}${dryRun}`,
    options: { body, contentType },
    large: body.length > 50_000,
  };
}

function validBody(rng: Rng, target: Target): { body: string; contentType: string } {
  return render(rng, target, { what: '', value: target.base(), literals: new Map() }, 'json');
}

const BAD_QUERIES: Record<'POST' | 'PUT' | 'PATCH' | 'apply', string[]> = {
  POST: ['?output=xml', '?unknown=1', '?limit=5', '?output=', '?dryRun=true'],
  PUT: [
    '?expectedVersion=abc',
    '?expectedVersion=0',
    '?expectedVersion=-1',
    '?cascade=true',
    '?x=%00',
  ],
  PATCH: ['?expectedVersion=1.5', '?expectedVersion=1e3x', '?output=TABLE', '?dryRun=true'],
  apply: ['?dryRun=yes', '?dryRun=1', '?dryRun=', '?output=xml', '?force=true', '?dryRun=TRUE'],
};

const BAD_IF_MATCH = [
  'W/"1"',
  '"1", "2"',
  'abc',
  '1',
  '"-1"',
  '"1.0"',
  '"99999999999999999999"',
  '""',
  '"\u00e9"',
];

const HOSTILE_SEGMENTS = [
  '%ZZ',
  '%E0%A4%A',
  '%ED%A0%80',
  '%00',
  '%F0%9F%9A%80',
  'a%2Fb',
  'UPPER',
  '-x',
  'a.b',
  '%20',
  'x'.repeat(64),
  'x'.repeat(5000),
  '%C0%AF',
  'name%3Bdrop',
];

function nextCase(rng: Rng, viewerToken: string): FuzzCase {
  const target = rng.pick(TARGETS);
  const roll = rng.next();
  if (roll < 0.42) return mutatedCase(rng, target, 'json');
  if (roll < 0.57) return mutatedCase(rng, target, 'yaml');
  if (roll < 0.72) {
    const base = target.base();
    const valid = (Array.isArray(base) ? base[0] : base) as Record<string, unknown>;
    const raw = rng.pick(malformedBodies(rng, valid));
    return {
      category: 'malformed',
      what: raw.what,
      method: target.method,
      path: target.path,
      options: { body: raw.body, contentType: raw.contentType },
      ...(raw.status !== undefined && { expect: raw.status }),
    };
  }
  if (roll < 0.78) {
    const type = rng.pick(UNSUPPORTED_CONTENT_TYPES);
    return {
      category: 'content type',
      what: `a valid body as ${type}`,
      method: target.method,
      path: target.path,
      options: { body: validBody(rng, target).body, contentType: type },
      expect: 415,
    };
  }
  if (roll < 0.8) {
    return {
      category: 'content type',
      what: 'a valid body without Content-Type',
      method: target.method,
      path: target.path,
      options: { body: validBody(rng, target).body, contentType: null },
      expect: 415,
    };
  }
  if (roll < 0.84) {
    const query = rng.pick(BAD_QUERIES[target.level === 4 ? 'apply' : target.method]);
    const valid = validBody(rng, target);
    return {
      category: 'query',
      what: `query ${query}`,
      method: target.method,
      path: `${target.path}${query}`,
      options: valid,
      // expectedVersion=0 passes the syntax check and then cannot match: a conflict.
      expect: query === '?expectedVersion=0' ? [400, 409] : 400,
    };
  }
  if (roll < 0.87) {
    const accept = rng.pick(['application/xml', 'text/html', 'image/png', 'application/json;q=0']);
    return {
      category: 'accept',
      what: `a valid write with Accept: ${accept}`,
      method: target.method,
      path: target.path,
      options: { ...validBody(rng, target), headers: { Accept: accept } },
      expect: 406,
    };
  }
  if (roll < 0.9 && target.method !== 'POST') {
    const ifMatch = rng.pick(BAD_IF_MATCH);
    return {
      category: 'if-match',
      what: `If-Match: ${ifMatch}`,
      method: target.method,
      path: target.path,
      options: { ...validBody(rng, target), headers: { 'If-Match': ifMatch } },
      mustReject: true,
    };
  }
  if (roll < 0.93) {
    return {
      category: 'viewer',
      what: 'a valid write by a viewer of the ecosystem',
      method: target.method,
      path: target.path,
      options: { ...validBody(rng, target), token: viewerToken },
      expect: [403, 404],
    };
  }
  if (roll < 0.945) {
    const limit = target.level === 4 ? 4 * MiB : MiB;
    const over = rng.chance(0.6);
    const size = over ? limit + 1 + rng.int(1000) : limit - 4096 - rng.int(200_000);
    const base = target.base();
    const valid = (Array.isArray(base) ? base[0] : base) as Record<string, unknown>;
    const text = JSON.stringify(valid);
    const filler = 'x'.repeat(Math.max(0, size - text.length - 40));
    const body = text.replace(/^\{/, `{"padding":"${filler}",`);
    const chunked = rng.chance(0.5);
    return {
      category: 'size',
      what: `${body.length} bytes (limit ${limit})${chunked ? ', chunked' : ''}`,
      method: target.method,
      path: target.path,
      options: { body, contentType: JSON_TYPE, chunked },
      ...(over ? { expect: 413 } : { mustReject: true }),
    };
  }
  if (roll < 0.97) {
    const level = rng.int(4);
    const names = FIXTURE.slice(0, level + 1);
    names[rng.int(names.length)] = rng.pick(HOSTILE_SEGMENTS);
    // Segments are sent as written (already percent-encoded, or deliberately broken).
    const collections = ['ecosystems', 'domains', 'apps', 'workspaces'];
    const path = `/api/v1${names.map((name, i) => `/${collections[i]}/${name}`).join('')}`;
    const method = rng.pick(['GET', 'PUT', 'PATCH', 'DELETE'] as const);
    return {
      category: 'url',
      what: `${method} of a hostile URL segment`,
      method,
      path,
      options: method === 'PUT' || method === 'PATCH' ? { json: { spec: {} } } : {},
      mustReject: true,
    };
  }
  return {
    category: 'valid',
    what: 'the unmutated body',
    method: target.method,
    path: target.path,
    options: validBody(rng, target),
    expect: target.method === 'POST' && target.level < 4 ? 201 : 200,
  };
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

interface Failure {
  category: string;
  what: string;
  request: string;
  problem: string;
  answer: string;
}

interface RunStats {
  requests: number;
  rejected: number;
  accepted: number;
  statuses: Map<number, number>;
  slowest: { ms: number; request: string };
  seconds: number;
  failures: Failure[];
}

function isSuccess(status: number) {
  return status >= 200 && status < 300;
}

function describeAnswer(answer: Answer): string {
  return `${answer.status} ${answer.type} ${answer.text.slice(0, 240).replace(/\s+/g, ' ')}`;
}

/** Undoes an accepted write with a large body (the fingerprint hashes every row). */
async function undo(api: ApiServer, fuzzCase: FuzzCase, answer: Answer): Promise<void> {
  if (fuzzCase.method === 'POST' && fuzzCase.path.startsWith('/api/v1/apply')) {
    const result = answer.json<{ items: Array<Record<string, string>>; dryRun: boolean }>();
    if (result.dryRun) return;
    for (const item of result.items.filter((i) => i.result === 'created').reverse()) {
      const names = [item.ecosystem, item.domain, item.app, item.name].filter(
        (n): n is string => n !== undefined,
      );
      await api.request('DELETE', `${objectPath(...names)}?cascade=true`);
    }
  } else if (fuzzCase.method === 'POST') {
    const location = answer.headers.get('location');
    if (location) await api.request('DELETE', `${location}?cascade=true`);
  } else if (fuzzCase.method === 'PUT' || fuzzCase.method === 'PATCH') {
    const level = ['/workspaces/', '/apps/', '/domains/'].findIndex((s) =>
      fuzzCase.path.includes(s),
    );
    const depth = level === -1 ? 0 : 3 - level;
    await api.request('PUT', objectPath(...FIXTURE.slice(0, depth + 1)), {
      json: manifestAt(depth, FIXTURE[depth]!),
    });
  }
}

async function runFuzz(
  api: ApiServer,
  fingerprint: Fingerprint,
  viewerToken: string,
  seed: number,
  count: number,
): Promise<RunStats> {
  const rng = seededRng(seed);
  const stats: RunStats = {
    requests: 0,
    rejected: 0,
    accepted: 0,
    statuses: new Map(),
    slowest: { ms: 0, request: '' },
    seconds: 0,
    failures: [],
  };
  const started = performance.now();
  let before = await fingerprint.read();
  for (let i = 0; i < count; i++) {
    const fuzzCase = nextCase(rng, viewerToken);
    const request = `#${i} ${fuzzCase.method} ${fuzzCase.path.slice(0, 160)}`;
    let answer: Answer;
    try {
      answer = await api.request(fuzzCase.method, fuzzCase.path, {
        ...fuzzCase.options,
        timeoutMs: DEADLINE_MS,
      });
    } catch (error) {
      stats.failures.push({
        category: fuzzCase.category,
        what: fuzzCase.what,
        request,
        problem: `no answer: ${String(error).split('\n')[0]}`,
        answer: '',
      });
      before = await fingerprint.read();
      continue;
    }
    stats.requests += 1;
    stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
    if (answer.ms > stats.slowest.ms) stats.slowest = { ms: answer.ms, request };
    const after = await fingerprint.read();

    const problems: string[] = [];
    if (answer.status >= 500) problems.push(`a ${answer.status} answer`);
    else if (!isSuccess(answer.status) && answer.status < 400) problems.push('neither 2xx nor 4xx');
    if (answer.status >= 400) {
      if (answer.status < 500) stats.rejected += 1;
      problems.push(...problemShape(answer));
      if (after !== before) problems.push(`the database changed:\n${diffLines(before, after)}`);
    } else if (isSuccess(answer.status)) {
      stats.accepted += 1;
      // The fingerprint must see writes, or "unchanged" above proves nothing.
      if (answer.status === 201 && after === before)
        problems.push('a create was answered 201 but the fingerprint did not change');
    }
    const expected = fuzzCase.expect;
    if (expected !== undefined) {
      const ok = Array.isArray(expected)
        ? expected.includes(answer.status)
        : answer.status === expected;
      if (!ok) problems.push(`expected ${String(expected)}`);
    } else if (fuzzCase.mustReject && isSuccess(answer.status)) problems.push('accepted');
    if (problems.length > 0) {
      stats.failures.push({
        category: fuzzCase.category,
        what: fuzzCase.what,
        request,
        problem: problems.join('; '),
        answer: describeAnswer(answer),
      });
    }

    if (isSuccess(answer.status) && fuzzCase.large) {
      await undo(api, fuzzCase, answer);
      before = await fingerprint.read();
    } else before = after;
  }
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}

function diffLines(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  return b
    .map((line, i) => (line === a[i] ? '' : `    ${a[i]} → ${line}`))
    .filter(Boolean)
    .join('\n');
}

/**
 * Failures grouped by what went wrong (category, problem, kind of case), each group with its count
 * and up to three requests that showed it, so one bug reads as one line however often it was hit.
 */
function report(failures: Failure[]): string[] {
  const groups = new Map<string, { count: number; examples: Failure[] }>();
  for (const failure of failures) {
    const problem = failure.problem.split('\n')[0]!;
    const what = failure.what
      .replace(/[0-9]+/g, 'N')
      .replace(/".*"/, '"…"')
      .slice(0, 60);
    const key = `${failure.category}: ${what} → ${problem}`;
    const group = groups.get(key) ?? { count: 0, examples: [] };
    group.count += 1;
    if (group.examples.length < 3) group.examples.push(failure);
    groups.set(key, group);
  }
  return [...groups].map(
    ([key, { count, examples }]) =>
      `${count}× ${key}\n${examples
        .map((e) => `      ${e.request} (${e.what}) → ${e.answer.slice(0, 200)}`)
        .join('\n')}`,
  );
}

function summary(dialect: Dialect, stats: RunStats): string {
  const statuses = [...stats.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  return (
    `fuzz (${dialect}, seed ${SEED}): ${stats.requests} requests, ${stats.rejected} rejected, ` +
    `${stats.accepted} accepted in ${stats.seconds.toFixed(1)} s; slowest ${stats.slowest.ms.toFixed(0)} ms ` +
    `(${stats.slowest.request}); statuses ${statuses}; ${stats.failures.length} failures`
  );
}

// ---------------------------------------------------------------------------------------------
// Identity routes: the same hostile strings in every free-text field and path parameter.
// ---------------------------------------------------------------------------------------------

/** Where a hostile string goes: a field of a JSON body, a path segment or a query parameter. */
interface IdentitySlot {
  /** How the report names it: `POST /api/v1/tokens {name}`. */
  slot: string;
  request: (value: string, encoded: string) => Pick<FuzzCase, 'method' | 'path' | 'options'>;
}

function identitySlots(ecosystem: string): IdentitySlot[] {
  const members = `/api/v1/ecosystems/${ecosystem}/members`;
  const body = (method: FuzzCase['method'], path: string, json: (v: string) => unknown) => ({
    request: (value: string) => ({ method, path, options: { json: json(value) } }),
  });
  const url = (method: FuzzCase['method'], path: (encoded: string) => string) => ({
    request: (_: string, encoded: string) => ({ method, path: path(encoded), options: {} }),
  });
  return [
    {
      slot: 'POST /api/v1/tokens {name}',
      ...body('POST', '/api/v1/tokens', (v) => ({ name: v, scope: 'read' })),
    },
    { slot: 'POST /api/v1/users {email}', ...body('POST', '/api/v1/users', (v) => ({ email: v })) },
    {
      slot: 'POST /api/v1/users {name}',
      ...body('POST', '/api/v1/users', (v) => ({ email: `u${++serial}@fuzz.test`, name: v })),
    },
    {
      slot: `PUT ${members} {email}`,
      ...body('PUT', members, (v) => ({ email: v, role: 'viewer' })),
    },
    {
      slot: `PUT ${members} {userId}`,
      ...body('PUT', members, (v) => ({ userId: v, role: 'viewer' })),
    },
    {
      slot: 'POST /api/v1/tickets {purpose}',
      ...body('POST', '/api/v1/tickets', (v) => ({ purpose: v })),
    },
    { slot: 'DELETE /api/v1/tokens/{id}', ...url('DELETE', (e) => `/api/v1/tokens/${e || '%20'}`) },
    { slot: 'GET /api/v1/users/{id}', ...url('GET', (e) => `/api/v1/users/${e || '%20'}`) },
    { slot: 'PATCH /api/v1/users/{id}', ...url('PATCH', (e) => `/api/v1/users/${e || '%20'}`) },
    { slot: `DELETE ${members}/{userId}`, ...url('DELETE', (e) => `${members}/${e || '%20'}`) },
    { slot: 'GET /api/v1/tokens?userId', ...url('GET', (e) => `/api/v1/tokens?userId=${e}`) },
    { slot: 'GET /api/v1/audit?action', ...url('GET', (e) => `/api/v1/audit?action=${e}`) },
    { slot: 'GET /api/v1/audit?actor', ...url('GET', (e) => `/api/v1/audit?actor=${e}`) },
    { slot: 'GET /api/v1/audit?ecosystem', ...url('GET', (e) => `/api/v1/audit?ecosystem=${e}`) },
    { slot: 'GET /api/v1/audit?since', ...url('GET', (e) => `/api/v1/audit?since=${e}`) },
    { slot: 'GET /api/v1/users?cursor', ...url('GET', (e) => `/api/v1/users?cursor=${e}`) },
    {
      slot: 'GET /api/v1/ecosystems?cursor',
      ...url('GET', (e) => `/api/v1/ecosystems?cursor=${e}`),
    },
  ];
}

/** Byte by byte, so lone surrogates (which encodeURIComponent refuses) go out as UTF-8 too. */
function percentEncoded(text: string): string {
  return [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

const IDENTITY_STRINGS = [
  ...HOSTILE_STRINGS,
  'a'.repeat(101),
  'x@y.io\u0000',
  'user\u0000@example.com',
];

// ---------------------------------------------------------------------------------------------
// One describe per dialect
// ---------------------------------------------------------------------------------------------

const VIEWER = { email: 'viewer@fuzz.test', password: 'viewer password 12345' };

describe.each(['sqlite', 'postgres'] as const)('api fuzz on %s', (dialect) => {
  let api: ApiServer;
  let fingerprint: Fingerprint;
  let viewerToken: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;

  beforeAll(async () => {
    if (dialect === 'postgres') {
      const database = await createPostgresDatabase();
      databaseUrl = database.url;
      dropDatabase = () => database.drop();
    }
    api = await startApiServer({
      name: `fuzz-${dialect}`,
      ...(databaseUrl !== undefined && { databaseUrl }),
    });
    const docs = FIXTURE.map((name, level) => manifestAt(level, name));
    await api.must('POST', '/api/v1/apply', 200, { json: docs });

    // A viewer of `fz` with a write-scope token: every write of theirs must be refused.
    const created = await api.must('POST', '/api/v1/users', 201, {
      json: { email: VIEWER.email, name: 'Viewer', password: VIEWER.password },
    });
    const viewerId = created.json<{ id: string }>().id;
    const store = await openDataStore({
      dataDir: api.server.dataDir,
      projectRoot: PROJECT_ROOT,
      ...(databaseUrl !== undefined && { databaseUrl }),
    });
    await store.users.update(viewerId, { mustChangePassword: false });
    await store.close();
    await api.must('PUT', '/api/v1/ecosystems/fz/members', 200, {
      json: { userId: viewerId, role: 'viewer' },
    });
    viewerToken = await api.mintToken(VIEWER.email, VIEWER.password, 'write');

    fingerprint = await openFingerprint({
      dataDir: api.server.dataDir,
      ...(databaseUrl !== undefined && { databaseUrl }),
    });
  });

  afterAll(async () => {
    await fingerprint?.close();
    await api?.stop();
    await dropDatabase?.();
  });

  it(`${REQUESTS[dialect]} fuzzed writes: only 2xx/4xx, 4xx are problem+json, refused writes change nothing`, async () => {
    const stats = await runFuzz(api, fingerprint, viewerToken, SEED, REQUESTS[dialect]);
    console.log(summary(dialect, stats));
    expect(report(stats.failures), summary(dialect, stats)).toEqual([]);
    expect(stats.requests).toBe(REQUESTS[dialect]);
    // The mix must reach the domain both ways, or the fuzzer tests nothing.
    expect(stats.accepted).toBeGreaterThan(stats.requests * 0.05);
    expect(stats.rejected).toBeGreaterThan(stats.requests * 0.5);
    // The fixture survived: nothing the fuzzer sent could remove it.
    await api.must('GET', objectPath(...FIXTURE), 200);
  }, 240_000);

  it('identity routes: hostile strings in every free-text field, path and query parameter get 2xx/4xx problem+json', async () => {
    // Failures by slot, with the values that caused them: one line per broken field.
    const failing = new Map<string, { values: string[]; example: string }>();
    let requests = 0;
    for (const { slot, request } of identitySlots('fz')) {
      for (const value of IDENTITY_STRINGS) {
        const { method, path, options } = request(value, percentEncoded(value));
        const answer = await api.request(method, path, { ...options, timeoutMs: DEADLINE_MS });
        requests += 1;
        const problems =
          answer.status >= 500
            ? [`${answer.status}`]
            : answer.status >= 400
              ? problemShape(answer)
              : [];
        if (problems.length === 0) continue;
        const entry = failing.get(slot) ?? { values: [], example: '' };
        entry.values.push(JSON.stringify(value).slice(0, 24));
        entry.example ||= `${problems.join('; ')} → ${describeAnswer(answer).slice(0, 160)}`;
        failing.set(slot, entry);
      }
    }
    console.log(`identity fuzz (${dialect}): ${requests} requests, ${failing.size} failing slots`);
    expect(
      [...failing].map(
        ([slot, { values, example }]) => `${slot}: ${values.join(' ')} — e.g. ${example}`,
      ),
      'identity routes must answer hostile input with 2xx or 4xx problem+json',
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Bodies that are small on the wire but expensive to answer
// ---------------------------------------------------------------------------------------------

/**
 * Under the 4 MiB limit, an apply body can still hold hundreds of thousands of documents, each
 * one cheap to send and each one costing a parse, a check and an entry in the error list. One
 * such request must not hold the server (and every other user) for seconds, nor be answered
 * with a problem many times its own size.
 */
const EXPENSIVE: Array<{ what: string; body: string; contentType: string }> = [
  {
    what: '1,000,000 empty YAML documents',
    body: '---\n'.repeat(1_000_000),
    contentType: 'application/yaml',
  },
  {
    what: '300,000 empty objects in a JSON array',
    body: `[${Array<string>(300_000).fill('{}').join(',')}]`,
    contentType: 'application/json',
  },
  {
    what: '50,000 manifests with a bad name',
    body: Array.from(
      { length: 50_000 },
      (_, i) => `apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: "BAD${i}"}\n`,
    ).join('---\n'),
    contentType: 'application/yaml',
  },
];
const EXPENSIVE_LIMITS = { answerMs: 5_000, healthMs: 1_000, answerBytes: 1024 * 1024 };

describe('expensive apply bodies (SQLite)', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer({ name: 'fuzz-expensive' });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it.each(EXPENSIVE)(
    '$what: refused within 5 s, with a problem under 1 MiB, while health checks keep answering within 1 s',
    async ({ body, contentType }) => {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4 * MiB);
      const started = performance.now();
      const pending = api.request('POST', '/api/v1/apply', {
        body,
        contentType,
        timeoutMs: 60_000,
      });
      // While it is being worked on, another client asks whether the server is alive.
      await new Promise((resolve) => setTimeout(resolve, 150));
      const probeStarted = performance.now();
      const health = await api
        .request('GET', '/api/healthz', { token: null, timeoutMs: 30_000 })
        .then((answer) => `${answer.status}`)
        .catch((error: unknown) => `no answer (${String(error).split('\n')[0]})`);
      const healthMs = performance.now() - probeStarted;
      const answer = await pending;
      const answerMs = performance.now() - started;
      const measured = `apply ${answer.status} in ${answerMs.toFixed(0)} ms with ${answer.text.length} bytes; health check ${health} in ${healthMs.toFixed(0)} ms`;
      console.log(`expensive apply body: ${measured}`);
      expect(answer.status, measured).toBe(400);
      expect(problemShape(answer)).toEqual([]);
      expect.soft(health, measured).toBe('200');
      expect.soft(healthMs, measured).toBeLessThan(EXPENSIVE_LIMITS.healthMs);
      expect.soft(answerMs, measured).toBeLessThan(EXPENSIVE_LIMITS.answerMs);
      expect.soft(answer.text.length, measured).toBeLessThan(EXPENSIVE_LIMITS.answerBytes);
    },
    90_000,
  );
});
