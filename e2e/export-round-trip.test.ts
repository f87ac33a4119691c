// Export round-trips (DESIGN.md §4 and §8, decision 0004): on SQLite and on PostgreSQL, a rich set of
// objects (every field of every kind, the original dvm's manifests, a converted Project, objects
// made through POST/PUT/PATCH rather than apply, names that sort differently by byte and by
// locale, unicode everywhere) is exported as YAML and as JSON; each export is applied to a fresh,
// empty server of the same dialect and exported again: the documents must be byte-identical.
// Re-applying an export to its own server changes nothing. Finally the two dialects, fed the same
// input, must export the same bytes (both order by byte: decision 0001).
//
// Needs a prior `next build` and PostgreSQL (scripts/with-test-env.sh).

import { stringify as toYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';

import { DOCS_EXAMPLES, NOTES_EXAMPLES } from '@/lib/contracts/original-examples.fixtures';
import {
  type ApiServer,
  collectionPath,
  objectPath,
  startApiServer,
} from '@/lib/testing/api-client';
import { openFingerprint } from '@/lib/testing/db-fingerprint';
import { richManifests, TRICKY_TEXT } from '@/lib/testing/rich-manifests';
import { createPostgresDatabase, type Dialect } from '@/lib/testing/test-stores';

interface ApplyResult {
  items: Array<{ kind: string; name: string; result: string }>;
}

interface Exported {
  yaml: string;
  json: string;
}

const stream = (...docs: string[]) =>
  docs.map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('---\n');

/** Ecosystem and domain names whose byte order differs from a locale's. */
const ORDERING = ['a-b', 'a0', 'ab', 'a', 'z9', '0x', 'a--b', 'b'];

/** Everything the first server is given, through apply. */
function inputStream(): string {
  const docs: string[] = [];
  for (const ecosystem of ['rich', 'zeta'])
    docs.push(...richManifests(ecosystem).map((m) => toYaml(m)));
  for (const name of ORDERING) {
    docs.push(
      toYaml({
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'Ecosystem',
        metadata: { name, labels: { order: name.replace(/[^a-z0-9]/g, 'x') || 'x' } },
      }),
    );
    for (const domain of ORDERING.slice(0, 3))
      docs.push(
        toYaml({
          apiVersion: 'devopsmaestro.io/v1',
          kind: 'Domain',
          metadata: { name: domain, ecosystem: name },
          spec: { env: { ORDER: `${name}/${domain}` } },
        }),
      );
  }
  docs.push(
    'apiVersion: devopsmaestro.io/v1\nkind: Project\nmetadata: {name: legacy, ecosystem: a, domain: a0}\nspec: {path: /srv/legacy, workspaces: [main, debug]}\n',
  );
  return stream(...docs);
}

/** The original dvm's condensed manifests (their parents are resolved within the request). */
function notesStream(): string {
  return stream(
    NOTES_EXAMPLES.ecosystem,
    NOTES_EXAMPLES.domain,
    NOTES_EXAMPLES.app,
    NOTES_EXAMPLES.workspace,
  );
}

/** The original docs' examples, under an ecosystem `docs` with the domains they name. */
function docsStream(): string {
  const parents = [
    'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: docs\n',
    ...['backend', 'platform', 'frontend'].map(
      (d) =>
        `apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata:\n  name: ${d}\n  ecosystem: docs\n`,
    ),
  ];
  return stream(...parents, ...Object.values(DOCS_EXAMPLES));
}

/** Writes through the other routes: POST, PUT, PATCH (with null deletion), YAML bodies. */
async function writeThroughRoutes(api: ApiServer): Promise<void> {
  await api.must('POST', collectionPath(), 201, {
    json: {
      metadata: {
        name: 'posted',
        labels: { kind: 'posted', empty: '' },
        annotations: {
          ...TRICKY_TEXT,
          // Characters YAML must escape to carry them: NUL, other C0/C1 controls, DEL, line and
          // paragraph separators, a BOM, and an unpaired surrogate (valid in a JSON string).
          nul: 'a\u0000b',
          controls: '\u0001\u0007\u001b[0m\u007f\u0085',
          separators: 'a\u2028b\u2029c',
          bom: '\ufeffstart',
          surrogate: 'x\ud800y',
          '🔑 emoji key': 'value',
          מפתח: 'ערך',
          'key with\nnewline': 'v',
        },
      },
      spec: { env: { MULTI: 'line1\nline2', QUOTE: '"q"', UNICODE: 'ünïcødé ✓' } },
    },
  });
  await api.must('POST', collectionPath('posted'), 201, {
    yaml: 'metadata:\n  name: dom\n  labels: {stay: "yes", go: "soon"}\nspec:\n  theme: nord\n  env: {A: "1", B: "2"}\n',
  });
  await api.must('PATCH', objectPath('posted', 'dom'), 200, {
    json: { metadata: { labels: { go: null } }, spec: { env: { B: null, C: '3' } } },
    contentType: 'application/merge-patch+json',
  });
  await api.must('POST', collectionPath('posted', 'dom'), 201, {
    json: {
      metadata: { name: 'app' },
      spec: { git: { url: 'https://git.example.com/posted.git' } },
    },
  });
  await api.must('PUT', objectPath('posted', 'dom', 'app'), 200, {
    json: {
      metadata: { name: 'app', annotations: { replaced: 'yes' } },
      spec: { path: '/srv/posted', ports: ['8080:80', 443], env: { Z: 'last', A: 'first' } },
    },
  });
  await api.must('POST', collectionPath('posted', 'dom', 'app'), 201, {
    json: {
      metadata: { name: 'big' },
      spec: { shell: { customRc: `# big\n${'export A=1 # ünïcødé\n'.repeat(5000)}` } },
    },
  });
  await api.must('POST', collectionPath('posted', 'dom', 'app'), 201, {
    json: { metadata: { name: 'gone' } },
  });
  await api.must('DELETE', objectPath('posted', 'dom', 'app', 'gone'), 200);
}

async function exportOf(api: ApiServer): Promise<Exported> {
  const yaml = await api.must('GET', '/api/v1/export?output=yaml', 200);
  const json = await api.must('GET', '/api/v1/export', 200);
  expect(yaml.type).toBe('application/yaml');
  expect(json.type).toBe('application/json');
  return { yaml: yaml.text, json: json.text };
}

async function applied(api: ApiServer, text: string, type: 'yaml' | 'json'): Promise<ApplyResult> {
  const answer = await api.must('POST', '/api/v1/apply', 200, {
    body: text,
    contentType: type === 'yaml' ? 'application/yaml' : 'application/json',
    timeoutMs: 60_000,
  });
  return answer.json<ApplyResult>();
}

/** The first line where two documents differ, with context, for a readable failure. */
function firstDifference(a: string, b: string): string {
  const left = a.split('\n');
  const right = b.split('\n');
  const index = left.findIndex((line, i) => line !== right[i]);
  if (index === -1)
    return left.length === right.length
      ? ''
      : `lengths differ: ${left.length} vs ${right.length} lines`;
  return `line ${index + 1}:\n  - ${left[index]}\n  + ${right[index]}`;
}

const servers: Array<{ stop(): Promise<void> }> = [];
const databases: Array<() => Promise<void>> = [];
const exportsByDialect = new Map<Dialect, Exported>();

async function freshServer(
  dialect: Dialect,
  name: string,
): Promise<ApiServer & { databaseUrl?: string }> {
  let databaseUrl: string | undefined;
  if (dialect === 'postgres') {
    const database = await createPostgresDatabase();
    databaseUrl = database.url;
    databases.push(() => database.drop());
  }
  const api = await startApiServer({ name, ...(databaseUrl !== undefined && { databaseUrl }) });
  servers.push(api);
  return { ...api, ...(databaseUrl !== undefined && { databaseUrl }) };
}

afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const drop of databases) await drop();
});

describe.each(['sqlite', 'postgres'] as const)('export round trip on %s', (dialect) => {
  it('export (YAML and JSON) → fresh server → apply → export is byte-identical; re-applying changes nothing', async () => {
    const source = await freshServer(dialect, `export-a-${dialect}`);
    const input = await applied(source, inputStream(), 'yaml');
    expect(input.items.length).toBeGreaterThan(40);
    await applied(source, notesStream(), 'yaml');
    await applied(source, docsStream(), 'yaml');
    await writeThroughRoutes(source);
    const original = await exportOf(source);
    exportsByDialect.set(dialect, original);

    // The export holds everything, parents first, without status.
    const list = JSON.parse(original.json) as {
      kind: string;
      items: Array<{ kind: string; metadata: { name: string }; status?: unknown }>;
    };
    expect(list.kind).toBe('List');
    const kinds = list.items.map((i) => i.kind);
    expect(kinds).toEqual([...kinds].sort((a, b) => LEVEL[a]! - LEVEL[b]!));
    expect(list.items.every((i) => i.status === undefined)).toBe(true);
    expect(list.items.length).toBeGreaterThan(60);
    // Deleted objects are not exported.
    expect(list.items.some((i) => i.metadata.name === 'gone')).toBe(false);

    // Re-applying the export to its own server: all unchanged, nothing written.
    const fingerprint = await openFingerprint({
      dataDir: source.server.dataDir,
      ...(source.databaseUrl !== undefined && { databaseUrl: source.databaseUrl }),
    });
    const before = await fingerprint.read();
    const again = await applied(source, original.yaml, 'yaml');
    expect(again.items.filter((i) => i.result !== 'unchanged')).toEqual([]);
    expect(await fingerprint.read()).toBe(before);
    await fingerprint.close();
    expect(await exportOf(source)).toEqual(original);

    // The YAML export into an empty server.
    const fromYaml = await freshServer(dialect, `export-b-${dialect}`);
    const created = await applied(fromYaml, original.yaml, 'yaml');
    expect(created.items).toHaveLength(list.items.length);
    expect(created.items.every((i) => i.result === 'created')).toBe(true);
    const second = await exportOf(fromYaml);
    expect(firstDifference(original.yaml, second.yaml), 'YAML export after YAML round trip').toBe(
      '',
    );
    expect(second.yaml).toBe(original.yaml);
    expect(second.json).toBe(original.json);

    // The JSON export into another empty server.
    const fromJson = await freshServer(dialect, `export-c-${dialect}`);
    await applied(fromJson, original.json, 'json');
    const third = await exportOf(fromJson);
    expect(firstDifference(original.json, third.json), 'JSON export after JSON round trip').toBe(
      '',
    );
    expect(third.json).toBe(original.json);
    expect(third.yaml).toBe(original.yaml);

    // Per object, too: GET of every exported object shows the exported manifest plus status.
    const paths = list.items.slice(0, 30).map((item) => {
      const m = item as unknown as { metadata: Record<string, string> };
      return objectPath(
        ...[m.metadata.ecosystem, m.metadata.domain, m.metadata.app, m.metadata.name].filter(
          (n): n is string => n !== undefined,
        ),
      );
    });
    for (const [index, path] of paths.entries()) {
      const got = (await fromJson.must('GET', path, 200)).json<Record<string, unknown>>();
      const { status: _status, ...bare } = got;
      expect(bare, path).toStrictEqual(list.items[index]);
    }
  }, 180_000);
});

const LEVEL: Record<string, number> = { Ecosystem: 0, Domain: 1, App: 2, Workspace: 3 };

describe('export across dialects', () => {
  it('SQLite and PostgreSQL, given the same input, export the same bytes', () => {
    const sqlite = exportsByDialect.get('sqlite');
    const postgres = exportsByDialect.get('postgres');
    expect(sqlite, 'the SQLite round trip ran').toBeDefined();
    expect(postgres, 'the PostgreSQL round trip ran').toBeDefined();
    expect(firstDifference(sqlite!.yaml, postgres!.yaml)).toBe('');
    expect(postgres!.json).toBe(sqlite!.json);
  });
});
