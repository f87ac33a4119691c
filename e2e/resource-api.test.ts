// The resource REST API end to end (issue P1.3, DESIGN.md §4 and §8), on the real production
// server over real SQLite and real PostgreSQL: apply → get round-trips every field of every kind;
// the original dvm's manifests apply unchanged; CRUD with merge-patch, If-Match, cascade; keyset
// pagination and label selectors; JSON, YAML and table output; dry runs that write nothing; apply
// that is all or nothing; Project converted to App with a Warning header.
//
// "Writes nothing" is checked on the database itself (lib/testing/db-fingerprint.ts), not only
// through the API. Needs a prior `next build` and PostgreSQL (scripts/with-test-env.sh).

import { isDeepStrictEqual } from 'node:util';

import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DOCS_EXAMPLES,
  NOTES_EXAMPLES,
  ORIGINAL_OUTPUT,
} from '@/lib/contracts/original-examples.fixtures';
import { openDataStore } from '@/lib/store/open-data-store';
import {
  type Answer,
  type ApiServer,
  collectionPath,
  objectPath,
  problemShape,
  type ProblemBody,
  startApiServer,
} from '@/lib/testing/api-client';
import { type Fingerprint, openFingerprint } from '@/lib/testing/db-fingerprint';
import { pathOf, richManifests } from '@/lib/testing/rich-manifests';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { createPostgresDatabase, DIALECTS } from '@/lib/testing/test-stores';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    ecosystem?: string;
    domain?: string;
    app?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: Record<string, unknown>;
  status?: { id: string; version: number; createdAt: string; updatedAt: string };
}

interface ApplyItem {
  path: string;
  kind: string;
  name: string;
  ecosystem?: string;
  domain?: string;
  app?: string;
  result: 'created' | 'configured' | 'unchanged';
  warnings: string[];
  diff?: string;
  convertedFrom?: string;
}

interface ApplyResult {
  dryRun: boolean;
  items: ApplyItem[];
  warnings: string[];
}

interface Page {
  items: Manifest[];
  nextCursor: string | null;
}

/** Asserts a problem+json answer with `status` (and `code`), returning its body. */
function expectProblem(answer: Answer, status: number, code?: string): ProblemBody {
  expect(answer.status, answer.text.slice(0, 500)).toBe(status);
  expect(problemShape(answer)).toEqual([]);
  const body = answer.json<ProblemBody>();
  if (code !== undefined) expect(body.code).toBe(code);
  return body;
}

/** `${NAME}` inside flow collections quoted, as the server reads it (and says it does). */
function quoteFlowPlaceholders(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      /[{[]/.test(line) ? line.replace(/(\$\{[A-Za-z_]+\}[^,}\]\s]*)/g, '"$1"') : line,
    )
    .join('\n');
}

/** What the original manifests say, parsed as the server must read them. */
function parsedOriginal(text: string): Manifest {
  return parseYaml(quoteFlowPlaceholders(text)) as Manifest;
}

const stream = (...docs: string[]) =>
  docs.map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('---\n');

describe.each(DIALECTS)('resource API on %s', (dialect) => {
  let api: ApiServer;
  let fingerprint: Fingerprint;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;

  beforeAll(async () => {
    if (dialect === 'postgres') {
      const database = await createPostgresDatabase();
      databaseUrl = database.url;
      dropDatabase = () => database.drop();
    }
    api = await startApiServer({
      name: `resource-api-${dialect}`,
      ...(databaseUrl !== undefined && { databaseUrl }),
    });
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

  // GET of one workspace adds its live runtime state (`status.state`, read from its host; here
  // `not-created`), which writes do not answer with: compare the stored part.
  const get = async (path: string) => {
    const manifest = (await api.must('GET', path, 200)).json<Manifest>();
    if (manifest.kind === 'Workspace' && manifest.status) {
      expect((manifest.status as { state?: string }).state).toBe('not-created');
      delete (manifest.status as { state?: string }).state;
    }
    return manifest;
  };
  const apply = async (text: string, query = '') =>
    (await api.must('POST', `/api/v1/apply${query}`, 200, { yaml: text })).json<ApplyResult>();

  // -------------------------------------------------------------------------------------------
  it('every kind: apply (YAML) → GET ?output=yaml gives back spec, labels and annotations field for field', async () => {
    const manifests = richManifests('rich');
    const result = await apply(stream(...manifests.map((m) => toYaml(m))));
    expect(result.items.map((i) => `${i.kind} ${i.name} ${i.result}`)).toEqual(
      manifests.map((m) => `${m.kind} ${m.metadata.name} created`),
    );
    const kinds = new Set<string>();
    for (const applied of manifests) {
      const byQuery = await api.must('GET', `${pathOf(applied)}?output=yaml`, 200);
      expect(byQuery.type).toBe('application/yaml');
      const byAccept = await api.must('GET', pathOf(applied), 200, {
        headers: { Accept: 'application/yaml' },
      });
      expect(byAccept.type).toBe('application/yaml');
      expect(byAccept.text).toBe(byQuery.text);
      const got = byQuery.yaml<Manifest>();
      const what = `${applied.kind} ${applied.metadata.name}`;
      expect(got.apiVersion, what).toBe('devopsmaestro.io/v1');
      expect(got.kind, what).toBe(applied.kind);
      expect(got.metadata.name, what).toBe(applied.metadata.name);
      for (const parent of ['ecosystem', 'domain', 'app'] as const)
        expect(got.metadata[parent], `${what} ${parent}`).toBe(applied.metadata[parent]);
      expect(got.metadata.labels, what).toStrictEqual(applied.metadata.labels ?? {});
      expect(got.metadata.annotations, what).toStrictEqual(applied.metadata.annotations ?? {});
      expect(got.spec, what).toStrictEqual(applied.spec);
      // The JSON form is the same manifest, and status carries what the ETag says.
      const json = await api.must('GET', pathOf(applied), 200);
      expect(json.type).toBe('application/json');
      expect(json.json<Manifest>()).toStrictEqual(got);
      expect(json.headers.get('etag')).toBe(`"${got.status!.version}"`);
      kinds.add(got.kind);
    }
    expect([...kinds].sort()).toEqual(['App', 'Domain', 'Ecosystem', 'Workspace']);

    // Applying what GET printed (status included) changes nothing.
    const printed = await Promise.all(
      manifests.map(async (m) => (await api.must('GET', `${pathOf(m)}?output=yaml`, 200)).text),
    );
    const again = await apply(stream(...printed));
    expect(again.items.map((i) => i.result)).toEqual(manifests.map(() => 'unchanged'));
    expect(again.warnings.some((w) => w.includes('status is output only'))).toBe(true);
  });

  // -------------------------------------------------------------------------------------------
  it("the original dvm's manifests apply unchanged (parents resolved within the request), and re-apply as unchanged", async () => {
    const notes = stream(
      NOTES_EXAMPLES.ecosystem,
      NOTES_EXAMPLES.domain,
      NOTES_EXAMPLES.app,
      NOTES_EXAMPLES.workspace,
    );
    const first = await apply(notes);
    expect(
      first.items.map(
        (i) =>
          `${i.kind} ${[i.ecosystem, i.domain, i.app, i.name].filter(Boolean).join('/')} ${i.result}`,
      ),
    ).toEqual([
      'Ecosystem my-platform created',
      'Domain my-platform/backend created',
      'App my-platform/backend/my-api created',
      'Workspace my-platform/backend/my-api/main created',
    ]);
    // The unquoted ${VAR} inside {...} is read as a string, and the user is told.
    expect(
      first.warnings.some((w) => w.includes('${GITHUB_TOKEN}') && w.includes('not valid YAML')),
    ).toBe(true);
    // Where the missing parents came from is said too.
    expect(
      first.warnings.some((w) => /metadata\.ecosystem is not named: "my-platform"/.test(w)),
    ).toBe(true);

    const where = {
      ecosystem: ['my-platform'],
      domain: ['my-platform', 'backend'],
      app: ['my-platform', 'backend', 'my-api'],
      workspace: ['my-platform', 'backend', 'my-api', 'main'],
    } as const;
    for (const level of ['ecosystem', 'domain', 'app', 'workspace'] as const) {
      const original = parsedOriginal(NOTES_EXAMPLES[level]);
      const got = await get(objectPath(...where[level]));
      expect(got.spec, `NOTES ${level}`).toStrictEqual(original.spec);
      expect(got.metadata.labels, `NOTES ${level}`).toStrictEqual(original.metadata.labels ?? {});
      expect(got.metadata.annotations, `NOTES ${level}`).toStrictEqual(
        original.metadata.annotations ?? {},
      );
    }
    const second = await apply(notes);
    expect(second.items.map((i) => i.result)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);

    // The block-style examples of the original's docs, with the parents they assume in front.
    const parents = stream(
      'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: docs\n',
      ...['backend', 'platform', 'frontend'].map(
        (d) =>
          `apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata:\n  name: ${d}\n  ecosystem: docs\n`,
      ),
    );
    const docs = Object.entries(DOCS_EXAMPLES);
    const docsResult = await apply(stream(parents, ...docs.map(([, text]) => text)));
    expect(docsResult.items).toHaveLength(4 + docs.length);
    expect(docsResult.items.every((i) => i.result === 'created')).toBe(true);
    for (const [name, text] of docs) {
      const original = parseYaml(text) as Manifest;
      const item = docsResult.items.find(
        (i) =>
          i.kind === original.kind &&
          i.name === original.metadata.name &&
          (original.kind === 'App'
            ? i.domain === original.metadata.domain
            : i.app === original.metadata.app),
      );
      expect(item, `DOCS ${name} in the apply result`).toBeDefined();
      const path = objectPath(
        ...[item!.ecosystem!, item!.domain, item!.app, item!.name].filter(
          (n): n is string => n !== undefined,
        ),
      );
      const got = await get(path);
      expect(got.spec, `DOCS ${name}`).toStrictEqual(original.spec);
      expect(got.metadata.labels, `DOCS ${name}`).toStrictEqual(original.metadata.labels ?? {});
      expect(got.metadata.annotations, `DOCS ${name}`).toStrictEqual(
        original.metadata.annotations ?? {},
      );
    }

    // What the original `dvm get -o yaml` printed (four-space indent, "" for unset enums) applies.
    const printed = await apply(
      stream(
        ORIGINAL_OUTPUT.ecosystem,
        ORIGINAL_OUTPUT.domain,
        ORIGINAL_OUTPUT.app,
        ORIGINAL_OUTPUT.workspace,
      ),
    );
    expect(printed.items.map((i) => i.kind)).toEqual(['Ecosystem', 'Domain', 'App', 'Workspace']);
    const workspace = await get(objectPath('my-platform', 'backend', 'my-api', 'main'));
    expect(workspace.spec).toStrictEqual(parseYaml(ORIGINAL_OUTPUT.workspace).spec);
  });

  // -------------------------------------------------------------------------------------------
  it('answers JSON by default, YAML for Accept or ?output=yaml, a table for ?output=table or text/plain, 406 otherwise', async () => {
    await apply(
      stream(
        ...richManifests('formats')
          .slice(0, 2)
          .map((m) => toYaml(m)),
      ),
    );
    const path = objectPath('formats');
    expect((await api.must('GET', path, 200)).type).toBe('application/json');
    expect((await api.must('GET', path, 200, { headers: { Accept: '*/*' } })).type).toBe(
      'application/json',
    );
    expect((await api.must('GET', `${path}?output=yaml`, 200)).type).toBe('application/yaml');
    for (const accept of ['application/yaml', 'application/x-yaml', 'text/yaml'])
      expect((await api.must('GET', path, 200, { headers: { Accept: accept } })).type).toBe(
        'application/yaml',
      );
    // ?output= wins over Accept.
    expect(
      (
        await api.must('GET', `${path}?output=json`, 200, {
          headers: { Accept: 'application/yaml' },
        })
      ).type,
    ).toBe('application/json');
    // Quality values decide.
    const weighted = await api.must('GET', path, 200, {
      headers: { Accept: 'application/json;q=0.5, application/yaml;q=0.9' },
    });
    expect(weighted.type).toBe('application/yaml');

    const table = await api.must('GET', `${collectionPath()}?output=table`, 200);
    expect(table.type).toBe('text/plain');
    const [header, ...rows] = table.text.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+/);
    expect(rows.some((row) => row.startsWith('formats '))).toBe(true);
    const plain = await api.must('GET', collectionPath('formats'), 200, {
      headers: { Accept: 'text/plain' },
    });
    expect(plain.type).toBe('text/plain');
    expect(plain.text).toMatch(/^NAME\s+/);
    expect(plain.text).toContain('backend');
    const one = await api.must('GET', `${path}?output=table`, 200);
    expect(one.type).toBe('text/plain');
    expect(one.text).toContain('formats');

    expectProblem(
      await api.request('GET', path, { headers: { Accept: 'application/xml' } }),
      406,
      'NOT_ACCEPTABLE',
    );
    expectProblem(await api.request('GET', `${path}?output=xml`), 400, 'INVALID');
    // A write that cannot be answered in the format asked for is not done at all.
    const before = await fingerprint.read();
    expectProblem(
      await api.request('POST', collectionPath('formats'), {
        json: { metadata: { name: 'never' } },
        headers: { Accept: 'application/xml' },
      }),
      406,
    );
    expect(await fingerprint.read()).toBe(before);
  });

  // -------------------------------------------------------------------------------------------
  const LEVELS = [
    {
      kind: 'Ecosystem',
      names: ['crud'],
      spec: { theme: 'nord', env: { A: '1', B: '2' } },
      drop: 'theme',
    },
    {
      kind: 'Domain',
      names: ['crud', 'dom'],
      spec: { env: { A: '1' }, theme: 'nord' },
      drop: 'env',
    },
    {
      kind: 'App',
      names: ['crud', 'dom', 'app'],
      spec: {
        path: '/srv/app',
        git: { url: 'https://git.example.com/app.git', ref: 'main' },
        ports: [8080],
      },
      drop: 'ports',
    },
    {
      kind: 'Workspace',
      names: ['crud', 'dom', 'app', 'ws'],
      spec: { shell: { type: 'bash', theme: 'starship' }, env: { EDITOR: 'vim' } },
      drop: 'env',
    },
  ] as const;

  it('CRUD on every level: POST, GET, PUT (replace), PATCH (merge patch, null deletes), no-op writes, refusals', async () => {
    for (const level of LEVELS) {
      const name = level.names[level.names.length - 1]!;
      const parents = level.names.slice(0, -1);
      const path = objectPath(...level.names);
      const body = {
        apiVersion: 'devopsmaestro.io/v1',
        kind: level.kind,
        metadata: {
          name,
          labels: { keep: 'yes', gone: 'soon' },
          annotations: { description: `${level.kind} ✓` },
        },
        spec: level.spec,
      };

      const created = await api.must('POST', collectionPath(...parents), 201, { json: body });
      expect(created.headers.get('location')).toBe(path);
      expect(created.headers.get('etag')).toBe('"1"');
      const createdBody = created.json<Manifest>();
      expect(createdBody.status?.version).toBe(1);
      expect(createdBody.spec).toStrictEqual(level.spec);
      const parentFields = ['ecosystem', 'domain', 'app'].slice(0, parents.length);
      for (const [i, field] of parentFields.entries())
        expect(createdBody.metadata[field as 'ecosystem']).toBe(parents[i]);

      expectProblem(
        await api.request('POST', collectionPath(...parents), { json: body }),
        409,
        'ALREADY_EXISTS',
      );
      // The short form {metadata, spec} works too, and validation names the field.
      const bad = expectProblem(
        await api.request('POST', collectionPath(...parents), {
          json: { metadata: { name: 'Not_A_Name' }, spec: level.spec },
        }),
        400,
        'INVALID',
      );
      expect(bad.errors.map((e) => e.path)).toContain('metadata.name');

      // PUT replaces everything the body leaves out, in YAML this time.
      const replacement = {
        ...body,
        metadata: { name, labels: { replaced: 'yes' } },
        spec: {} as Record<string, unknown>,
      };
      if (level.kind === 'App')
        replacement.spec = { git: { url: 'https://git.example.com/other.git' } };
      const put = await api.must('PUT', path, 200, { yaml: toYaml(replacement) });
      expect(put.headers.get('etag')).toBe('"2"');
      let now = await get(path);
      expect(now.metadata.labels).toStrictEqual({ replaced: 'yes' });
      expect(now.metadata.annotations).toStrictEqual({});
      expect(now.spec).toStrictEqual(replacement.spec);
      expect(now.status?.version).toBe(2);

      // PUT naming another object is refused at the field.
      const renamed = expectProblem(
        await api.request('PUT', path, { json: { ...body, metadata: { name: 'other' } } }),
        400,
        'INVALID',
      );
      expect(renamed.errors.map((e) => e.path)).toContain('metadata.name');

      // Back to the full body, then a merge patch: null deletes, objects merge.
      await api.must('PUT', path, 200, { json: body });
      const patch = {
        metadata: { labels: { gone: null, added: 'x' }, annotations: { note: 'patched' } },
        spec: { [level.drop]: null },
      };
      const patched = await api.must('PATCH', path, 200, {
        body: JSON.stringify(patch),
        contentType: 'application/merge-patch+json',
      });
      expect(patched.headers.get('etag')).toBe('"4"');
      now = patched.json<Manifest>();
      expect(now.metadata.labels).toStrictEqual({ keep: 'yes', added: 'x' });
      expect(now.metadata.annotations).toStrictEqual({
        description: `${level.kind} ✓`,
        note: 'patched',
      });
      const expectedSpec: Record<string, unknown> = { ...level.spec };
      delete expectedSpec[level.drop];
      expect(now.spec).toStrictEqual(expectedSpec);
      expect(await get(path)).toStrictEqual(now);

      // A patch (or PUT) that changes nothing writes nothing: same version, same database.
      const before = await fingerprint.read();
      const noop = await api.must('PATCH', path, 200, {
        json: { metadata: { labels: { keep: 'yes' } } },
      });
      expect(noop.headers.get('etag')).toBe('"4"');
      expect(await fingerprint.read()).toBe(before);

      // Name, parents and kind cannot be patched.
      const immutable = expectProblem(
        await api.request('PATCH', path, {
          json: { kind: 'Ecosystem', metadata: { name: 'renamed' } },
        }),
        400,
        'INVALID',
      );
      expect(immutable.errors.map((e) => e.path)).toEqual(
        expect.arrayContaining(['metadata.name']),
      );
      // A patch that makes the manifest invalid is refused with the field's path.
      const invalidPatch = expectProblem(
        await api.request('PATCH', path, { json: { spec: { unknownField: 1 } } }),
        400,
        'INVALID',
      );
      expect(invalidPatch.errors.map((e) => e.path)).toContain('spec.unknownField');
      expect(await fingerprint.read()).toBe(before);
      // YAML patches are merge patches too.
      await api.must('PATCH', path, 200, { yaml: 'metadata:\n  labels:\n    added: null\n' });
      expect((await get(path)).metadata.labels).toStrictEqual({ keep: 'yes' });
    }
  });

  // -------------------------------------------------------------------------------------------
  it('If-Match: a stale version is 409 CONFLICT and changes nothing; the current one succeeds', async () => {
    await apply(
      stream(
        'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: etag\n  labels: {v: one}\n',
      ),
    );
    const path = objectPath('etag');
    const first = await api.must('GET', path, 200);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe('"1"');
    // Someone else changes it.
    await api.must('PATCH', path, 200, { json: { metadata: { labels: { v: 'two' } } } });

    const before = await fingerprint.read();
    const stalePatch = expectProblem(
      await api.request('PATCH', path, {
        json: { metadata: { labels: { v: 'three' } } },
        headers: { 'If-Match': etag },
      }),
      409,
      'CONFLICT',
    );
    expect(stalePatch.detail).toMatch(/version/);
    expectProblem(
      await api.request('PUT', path, {
        json: { metadata: { name: 'etag' } },
        headers: { 'If-Match': etag },
      }),
      409,
      'CONFLICT',
    );
    expectProblem(
      await api.request('PUT', `${path}?expectedVersion=1`, {
        json: { metadata: { name: 'etag' } },
      }),
      409,
      'CONFLICT',
    );
    // Malformed or contradictory preconditions are refused before anything happens.
    expectProblem(
      await api.request('PATCH', path, { json: {}, headers: { 'If-Match': 'W/"2"' } }),
      400,
      'INVALID',
    );
    expectProblem(
      await api.request('PATCH', `${path}?expectedVersion=3`, {
        json: {},
        headers: { 'If-Match': '"2"' },
      }),
      400,
      'INVALID',
    );
    expect(await fingerprint.read()).toBe(before);
    expect((await get(path)).metadata.labels).toStrictEqual({ v: 'two' });

    const current = (await api.must('GET', path, 200)).headers.get('etag')!;
    expect(current).toBe('"2"');
    const ok = await api.must('PATCH', path, 200, {
      json: { metadata: { labels: { v: 'three' } } },
      headers: { 'If-Match': current },
    });
    expect(ok.headers.get('etag')).toBe('"3"');
    await api.must('PUT', `${path}?expectedVersion=3`, 200, {
      json: { metadata: { name: 'etag', labels: { v: 'four' } } },
    });
    await api.must('PATCH', path, 200, {
      json: { metadata: { labels: { v: 'five' } } },
      headers: { 'If-Match': '*' },
    });
    expect((await get(path)).metadata.labels).toStrictEqual({ v: 'five' });
  });

  // -------------------------------------------------------------------------------------------
  it('concurrent writes: one If-Match winner, one creator, the others 409 — never a 5xx or a lost update', async () => {
    await apply('apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: race}\n');
    const path = objectPath('race');
    const racers = 12;
    const patches = await Promise.all(
      Array.from({ length: racers }, (_, i) =>
        api.request('PATCH', path, {
          json: { metadata: { labels: { winner: `p${i}` } } },
          headers: { 'If-Match': '"1"' },
        }),
      ),
    );
    expect(patches.map((a) => a.status).sort()).toEqual([
      200,
      ...Array<number>(racers - 1).fill(409),
    ]);
    for (const lost of patches.filter((a) => a.status === 409))
      expectProblem(lost, 409, 'CONFLICT');
    const winner = patches.find((a) => a.status === 200)!.json<Manifest>();
    const now = await get(path);
    expect(now.status?.version).toBe(2);
    expect(now.metadata.labels).toStrictEqual(winner.metadata.labels);

    // Without If-Match every patch lands, one after the other.
    const unconditional = await Promise.all(
      Array.from({ length: racers }, (_, i) =>
        api.request('PATCH', path, { json: { metadata: { labels: { [`k${i}`]: 'v' } } } }),
      ),
    );
    // (Soft, so the rest of the race is still checked when this fails.)
    const refusedPatch = unconditional.find((a) => a.status !== 200);
    expect
      .soft(
        unconditional.map((a) => a.status),
        `a PATCH without If-Match was refused: ${refusedPatch?.text.slice(0, 300)}`,
      )
      .toEqual(Array<number>(racers).fill(200));
    const merged = await get(path);
    const landed = unconditional.filter((a) => a.status === 200).length;
    // Whatever was answered 200 is in the object: no lost update.
    expect(merged.status?.version).toBe(2 + landed);
    unconditional.forEach((a, i) => {
      if (a.status === 200) expect(merged.metadata.labels[`k${i}`]).toBe('v');
      else expect(merged.metadata.labels[`k${i}`]).toBeUndefined();
    });

    const creates = await Promise.all(
      Array.from({ length: racers }, () =>
        api.request('POST', collectionPath('race'), { json: { metadata: { name: 'once' } } }),
      ),
    );
    expect(creates.map((a) => a.status).sort()).toEqual([
      201,
      ...Array<number>(racers - 1).fill(409),
    ]);
    for (const lost of creates.filter((a) => a.status === 409))
      expectProblem(lost, 409, 'ALREADY_EXISTS');

    // The same new objects applied by many clients at once: each request is all or nothing.
    const doc = stream(
      'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: applied, ecosystem: race}\n',
      'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: app, ecosystem: race, domain: applied}\nspec: {path: /srv/app}\n',
    );
    const applies = await Promise.all(
      Array.from({ length: racers }, () => api.request('POST', '/api/v1/apply', { yaml: doc })),
    );
    const statuses = applies.map((a) => a.status);
    expect(
      statuses.filter((s) => s >= 500),
      applies.map((a) => a.text.slice(0, 200)).join('\n'),
    ).toEqual([]);
    for (const answer of applies) {
      if (answer.status === 200) {
        const results = answer.json<ApplyResult>().items.map((i) => i.result);
        expect([
          ['created', 'created'],
          ['unchanged', 'unchanged'],
        ]).toContainEqual(results);
      } else expectProblem(answer, 409);
    }
    const createdBy = applies.filter(
      (a) => a.status === 200 && a.json<ApplyResult>().items[0]!.result === 'created',
    );
    expect(createdBy).toHaveLength(1);
  });

  // -------------------------------------------------------------------------------------------
  it('DELETE with children is 409 HAS_CHILDREN and removes nothing; ?cascade=true removes the subtree', async () => {
    await apply(
      stream(
        'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: tree}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: d1, ecosystem: tree}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: d2, ecosystem: tree}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: a1, ecosystem: tree, domain: d1}\nspec: {path: /srv/a1}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: w1, ecosystem: tree, domain: d1, app: a1}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: w2, ecosystem: tree, domain: d1, app: a1}\n',
      ),
    );
    const before = await fingerprint.read();
    for (const names of [['tree'], ['tree', 'd1'], ['tree', 'd1', 'a1']]) {
      const refused = expectProblem(
        await api.request('DELETE', objectPath(...names)),
        409,
        'HAS_CHILDREN',
      );
      expect(refused.detail).toContain('cascade=true');
      expectProblem(
        await api.request('DELETE', `${objectPath(...names)}?cascade=false`),
        409,
        'HAS_CHILDREN',
      );
    }
    expectProblem(await api.request('DELETE', `${objectPath('tree')}?cascade=yes`), 400, 'INVALID');
    expect(await fingerprint.read()).toBe(before);

    // A leaf goes without cascade.
    const leaf = await api.must('DELETE', objectPath('tree', 'd1', 'a1', 'w2'), 200);
    expect(leaf.json()).toStrictEqual({
      removed: { ecosystem: 0, domain: 0, app: 0, workspace: 1 },
      containers: { removed: 0, left: [] },
    });
    expectProblem(await api.request('GET', objectPath('tree', 'd1', 'a1', 'w2')), 404, 'NOT_FOUND');
    expectProblem(
      await api.request('DELETE', objectPath('tree', 'd1', 'a1', 'w2')),
      404,
      'NOT_FOUND',
    );
    // An empty domain goes too.
    await api.must('DELETE', objectPath('tree', 'd2'), 200);

    const all = await api.must('DELETE', `${objectPath('tree')}?cascade=true`, 200);
    expect(all.json()).toStrictEqual({
      removed: { ecosystem: 1, domain: 1, app: 1, workspace: 1 },
      containers: { removed: 0, left: [] },
    });
    for (const names of [
      ['tree'],
      ['tree', 'd1'],
      ['tree', 'd1', 'a1'],
      ['tree', 'd1', 'a1', 'w1'],
    ])
      expectProblem(await api.request('GET', objectPath(...names)), 404, 'NOT_FOUND');
    const exported = (await api.must('GET', '/api/v1/export', 200)).json<{ items: Manifest[] }>();
    expect(
      exported.items.filter((m) => m.metadata.name === 'tree' || m.metadata.ecosystem === 'tree'),
    ).toEqual([]);
  });

  // -------------------------------------------------------------------------------------------
  const PAGE_APP = ['pages', 'p', 'p'] as const;
  const PAGE_NAMES = Array.from(
    { length: 37 },
    (_, i) => `w${String((i * 17) % 37).padStart(2, '0')}`,
  );

  async function seedPages(): Promise<void> {
    const docs = [
      'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: pages}\n',
      'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: p, ecosystem: pages}\n',
      'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: p, ecosystem: pages, domain: p}\nspec: {path: /srv/p}\n',
      ...PAGE_NAMES.map((name, i) => {
        const labels: Record<string, string> = { index: String(i) };
        if (i % 3 === 0) labels.tier = 'gold';
        if (i % 2 === 0) labels.team = 'core';
        if (i % 5 === 0) labels['example.com/owner'] = 'alice';
        return toYaml({
          apiVersion: 'devopsmaestro.io/v1',
          kind: 'Workspace',
          metadata: { name, ecosystem: 'pages', domain: 'p', app: 'p', labels },
        });
      }),
    ];
    await apply(stream(...docs));
  }

  async function walk(
    query: string,
    onPage?: (page: number) => Promise<void>,
  ): Promise<string[][]> {
    const pages: string[][] = [];
    let url: string | null = `${collectionPath(...PAGE_APP)}?${query}`;
    while (url !== null) {
      const answer: Answer = await api.must('GET', url, 200);
      const page = answer.json<Page>();
      pages.push(page.items.map((item) => item.metadata.name));
      const link = answer.headers.get('link');
      if (page.nextCursor === null) {
        expect(link).toBeNull();
        url = null;
      } else {
        // Link: rel="next" points at the same query with the next cursor.
        expect(link).toMatch(/^<[^>]+>; rel="next"$/);
        url = link!.slice(1, link!.indexOf('>'));
        expect(new URL(url, api.baseUrl).searchParams.get('cursor')).toBe(page.nextCursor);
      }
      await onPage?.(pages.length);
      expect(pages.length).toBeLessThan(100);
    }
    return pages;
  }

  it('pagination: limit/cursor pages are complete, ordered, without duplicates, stable, and survive concurrent inserts', async () => {
    await seedPages();
    const sorted = [...PAGE_NAMES].sort();
    const pages = await walk('limit=5');
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 5, 5, 5, 2]);
    expect(pages.flat()).toEqual(sorted);
    // The same walk again gives the same pages.
    expect(await walk('limit=5')).toEqual(pages);
    const whole = (
      await api.must('GET', `${collectionPath(...PAGE_APP)}?limit=500`, 200)
    ).json<Page>();
    expect(whole.items.map((i) => i.metadata.name)).toEqual(sorted);
    expect(whole.nextCursor).toBeNull();
    // Default page size is 50: everything here on one page.
    expect(
      (await api.must('GET', collectionPath(...PAGE_APP), 200)).json<Page>().items,
    ).toHaveLength(37);

    // Objects created while walking, before and after the cursor: every original object is seen
    // exactly once; new ones after the cursor may appear, before it must not be repeated.
    const during = await walk('limit=4', async (page) => {
      if (page !== 2) return;
      for (const name of ['w00a', 'w99'])
        await api.must('POST', collectionPath(...PAGE_APP), 201, { json: { metadata: { name } } });
    });
    const seen = during.flat();
    expect(new Set(seen).size).toBe(seen.length);
    for (const name of sorted) expect(seen.filter((n) => n === name)).toHaveLength(1);
    expect(seen).toContain('w99');
    expect(seen).not.toContain('w00a');
    for (const name of ['w00a', 'w99'])
      await api.must('DELETE', objectPath(...PAGE_APP, name), 200);

    for (const query of [
      'limit=0',
      'limit=501',
      'limit=abc',
      'limit=1.5',
      'cursor=',
      'cursor=not-a-cursor',
      'cursor=%00',
      'page=2',
    ])
      expectProblem(
        await api.request('GET', `${collectionPath(...PAGE_APP)}?${query}`),
        400,
        'INVALID',
      );
    // A cursor of one collection is not silently accepted by another with different results.
    const firstPage = (
      await api.must('GET', `${collectionPath(...PAGE_APP)}?limit=3`, 200)
    ).json<Page>();
    const foreign = await api.request(
      'GET',
      `${collectionPath()}?limit=3&cursor=${encodeURIComponent(firstPage.nextCursor!)}`,
    );
    expect([200, 400]).toContain(foreign.status);
  });

  it('labelSelector: equality on one or several labels, prefixed keys, with pagination; other forms are 400', async () => {
    const select = async (selector: string, limit?: number) => {
      const query = `labelSelector=${encodeURIComponent(selector)}${limit ? `&limit=${limit}` : ''}`;
      return (await walk(query)).flat();
    };
    const expected = (keep: (i: number) => boolean) => PAGE_NAMES.filter((_, i) => keep(i)).sort();
    expect(await select('tier=gold')).toEqual(expected((i) => i % 3 === 0));
    expect(await select('tier=gold', 2)).toEqual(expected((i) => i % 3 === 0));
    expect(await select('tier=gold,team=core')).toEqual(expected((i) => i % 6 === 0));
    expect(await select('tier==gold, team=core', 3)).toEqual(expected((i) => i % 6 === 0));
    expect(await select('example.com/owner=alice')).toEqual(expected((i) => i % 5 === 0));
    expect(await select('index=7')).toEqual([PAGE_NAMES[7]!]);
    expect(await select('tier=silver')).toEqual([]);
    expect(await select('')).toEqual([...PAGE_NAMES].sort());
    // On ecosystems too (the admin sees them all).
    const ecosystems = (
      await api.must('GET', `${collectionPath()}?labelSelector=team%3Dplatform&limit=500`, 200)
    ).json<Page>();
    expect(ecosystems.items.every((e) => e.metadata.labels.team === 'platform')).toBe(true);
    for (const selector of [
      'tier!=gold',
      'tier',
      'tier in (gold)',
      '!tier',
      'tier=gold,tier=silver',
      'Bad Key=x',
      'k=v=w',
    ])
      expectProblem(
        await api.request(
          'GET',
          `${collectionPath(...PAGE_APP)}?labelSelector=${encodeURIComponent(selector)}`,
        ),
        400,
        'INVALID',
      );
  });

  it('?output=table prints aligned columns for lists (with the next page), one object and apply', async () => {
    const list = await api.must('GET', `${collectionPath(...PAGE_APP)}?output=table&limit=3`, 200);
    expect(list.type).toBe('text/plain');
    const lines = list.text.split('\n');
    expect(lines[0]).toMatch(/^NAME\s/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual(
      [...PAGE_NAMES].sort().slice(0, 3),
    );
    // Columns line up: every row starts its second column where the header does.
    const second = lines[0]!.search(/\s\S/) + 1;
    for (const row of lines.slice(1, 4)) expect(row[second - 1]).toBe(' ');
    expect(list.text).toMatch(/More: .*cursor=/);

    const result = await api.must('POST', '/api/v1/apply?output=table', 200, {
      yaml: 'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: pages}\n',
    });
    expect(result.type).toBe('text/plain');
    expect(result.text).toMatch(/^KIND\s+NAME\s+RESULT/);
    expect(result.text).toMatch(/Ecosystem\s+pages\s+unchanged/);
    const deleted = await api.must('POST', `${collectionPath(...PAGE_APP)}?output=table`, 201, {
      json: { metadata: { name: 'tabled' } },
    });
    expect(deleted.text).toContain('tabled');
    const removed = await api.must(
      'DELETE',
      `${objectPath(...PAGE_APP, 'tabled')}?output=table`,
      200,
    );
    expect(removed.type).toBe('text/plain');
    expect(removed.text).toMatch(/workspace\s+1/);
  });

  // -------------------------------------------------------------------------------------------
  it('dry run: computes every change with a diff and writes nothing', async () => {
    await apply(
      stream(
        'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: dry\n  labels: {team: a}\nspec:\n  env: {A: "1"}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: old, ecosystem: dry}\n',
      ),
    );
    const before = await fingerprint.read();
    const exportBefore = (await api.must('GET', '/api/v1/export?output=yaml', 200)).text;
    const changes = stream(
      'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata:\n  name: dry\n  labels: {team: b}\nspec:\n  env: {A: "1", B: "2"}\n',
      'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: old, ecosystem: dry}\n',
      'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: new, ecosystem: dry}\n',
      'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: app, ecosystem: dry, domain: new}\nspec: {path: /srv/app}\n',
    );
    const dry = await apply(changes, '?dryRun=true');
    expect(dry.dryRun).toBe(true);
    expect(dry.items.map((i) => `${i.kind} ${i.name} ${i.result}`)).toEqual([
      'Ecosystem dry configured',
      'Domain old unchanged',
      'Domain new created',
      'App app created',
    ]);
    const [eco, old, created, app] = dry.items;
    expect(eco!.diff).toMatch(/^--- ecosystem dry\n\+\+\+ ecosystem dry\n/);
    expect(eco!.diff).toContain('-    team: a');
    expect(eco!.diff).toContain('+    team: b');
    expect(eco!.diff).toContain('+    B: "2"');
    expect(old!.diff).toBe('');
    expect(created!.diff).toContain('+  name: new');
    expect(app!.diff).toContain('+  path: /srv/app');

    expect(await fingerprint.read()).toBe(before);
    expect((await api.must('GET', '/api/v1/export?output=yaml', 200)).text).toBe(exportBefore);
    expectProblem(await api.request('GET', objectPath('dry', 'new')), 404, 'NOT_FOUND');
    expect((await get(objectPath('dry'))).status?.version).toBe(1);

    // As a table, the diff is printed under the results.
    const table = await api.must('POST', '/api/v1/apply?dryRun=true&output=table', 200, {
      yaml: changes,
    });
    expect(table.text).toMatch(/configured \(dry run\)/);
    expect(table.text).toContain('+    team: b');
    // A dry run refuses exactly what the real run would.
    const invalidDry = expectProblem(
      await api.request('POST', '/api/v1/apply?dryRun=true', {
        yaml: stream(
          changes,
          'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: BAD, ecosystem: dry}\n',
        ),
      }),
      400,
      'INVALID',
    );
    expect(invalidDry.errors.map((e) => e.path)).toContain('[4].metadata.name');
    expect(await fingerprint.read()).toBe(before);

    // And the real run then does what the dry run said.
    const real = await apply(changes);
    expect(real.items.map((i) => i.result)).toEqual(dry.items.map((i) => i.result));
    expect(real.items.every((i) => i.diff === undefined)).toBe(true);
  });

  // -------------------------------------------------------------------------------------------
  it('apply is all or nothing: one bad document refuses the request, listing every problem with its document path', async () => {
    const before = await fingerprint.read();
    const refused = expectProblem(
      await api.request('POST', '/api/v1/apply', {
        yaml: stream(
          'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: aon}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: Bad_Name, ecosystem: aon}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: app, ecosystem: aon, domain: d}\nspec:\n  path: /srv/app\n  ports: [70000]\n  colour: blue\n',
          'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: ws, ecosystem: aon, domain: d, app: app}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: Gadget\nmetadata: {name: g}\n',
          'kind: Domain\nmetadata: {name: d, ecosystem: aon}\n',
        ),
      }),
      400,
      'INVALID',
    );
    const paths = refused.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '[1].metadata.name',
        '[2].spec.ports[0]',
        '[2].spec.colour',
        '[4].kind',
        '[5].apiVersion',
      ]),
    );
    expect(paths.every((p) => /^\[\d\]/.test(p))).toBe(true);
    expect(refused.detail).toMatch(/\(and \d+ more\)/);
    expect(await fingerprint.read()).toBe(before);
    expectProblem(await api.request('GET', objectPath('aon')), 404, 'NOT_FOUND');

    // In a kind: List the paths name the item.
    const list = expectProblem(
      await api.request('POST', '/api/v1/apply', {
        json: {
          apiVersion: 'devopsmaestro.io/v1',
          kind: 'List',
          items: [
            { apiVersion: 'devopsmaestro.io/v1', kind: 'Ecosystem', metadata: { name: 'aon' } },
            {
              apiVersion: 'devopsmaestro.io/v1',
              kind: 'Ecosystem',
              metadata: { name: 'aon', labels: { 'bad key': 'x' } },
            },
          ],
        },
      }),
      400,
      'INVALID',
    );
    expect(
      list.errors.map((e) => e.path).some((p) => p.startsWith('items[1].metadata.labels')),
    ).toBe(true);
    expect(await fingerprint.read()).toBe(before);
  });

  it('apply is all or nothing after writes too: a missing parent late in the request rolls back the objects before it', async () => {
    const before = await fingerprint.read();
    const missing = expectProblem(
      await api.request('POST', '/api/v1/apply', {
        yaml: stream(
          'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: late}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: d, ecosystem: late}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: a, ecosystem: late, domain: d}\nspec: {path: /srv/a}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: w, ecosystem: late, domain: nowhere, app: a}\n',
        ),
      }),
      404,
      'NOT_FOUND',
    );
    expect(missing.errors.map((e) => e.path)).toEqual(['[3].metadata.domain']);
    expect(await fingerprint.read()).toBe(before);
    expectProblem(await api.request('GET', objectPath('late')), 404, 'NOT_FOUND');

    // Changes to existing objects are rolled back as well.
    await apply(
      'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: kept, labels: {v: "1"}}\n',
    );
    const kept = await fingerprint.read();
    expectProblem(
      await api.request('POST', '/api/v1/apply', {
        yaml: stream(
          'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: kept, labels: {v: "2"}}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: d, ecosystem: absent}\n',
        ),
      }),
      404,
      'NOT_FOUND',
    );
    expect(await fingerprint.read()).toBe(kept);
    expect((await get(objectPath('kept'))).metadata.labels).toStrictEqual({ v: '1' });

    // The same object twice is one problem, not a silent last-wins.
    const twice = expectProblem(
      await api.request('POST', '/api/v1/apply', {
        yaml: stream(
          'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: twice, labels: {v: "1"}}\n',
          'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: twice, labels: {v: "2"}}\n',
        ),
      }),
      400,
      'INVALID',
    );
    expect(twice.errors.map((e) => e.path)).toEqual(['[1]']);
    expect(await fingerprint.read()).toBe(kept);
  });

  // -------------------------------------------------------------------------------------------
  it('Project is converted to App, with a Warning header (apply and POST)', async () => {
    await apply(
      stream(
        'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: legacy}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: old, ecosystem: legacy}\n',
      ),
    );
    const answer = await api.must('POST', '/api/v1/apply', 200, {
      yaml: 'apiVersion: devopsmaestro.io/v1\nkind: Project\nmetadata: {name: proj, ecosystem: legacy, domain: old}\nspec: {path: /srv/proj, workspaces: [main]}\n',
    });
    const warning = answer.headers.get('warning');
    expect(warning).toMatch(/^299 - ".*Project is deprecated.*App \\"proj\\""/);
    const result = answer.json<ApplyResult>();
    expect(result.items).toEqual([
      expect.objectContaining({
        kind: 'App',
        name: 'proj',
        convertedFrom: 'Project',
        result: 'created',
      }),
    ]);
    expect(result.warnings.some((w) => w.includes('kind Project is deprecated'))).toBe(true);
    const app = await get(objectPath('legacy', 'old', 'proj'));
    expect(app.kind).toBe('App');
    expect(app.spec).toStrictEqual({ path: '/srv/proj', workspaces: ['main'] });

    const posted = await api.must('POST', collectionPath('legacy', 'old'), 201, {
      json: {
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'Project',
        metadata: { name: 'proj2' },
        spec: { path: '/srv/proj2' },
      },
    });
    expect(posted.headers.get('warning')).toMatch(/Project/);
    expect(posted.json<Manifest>().kind).toBe('App');
    expect(posted.headers.get('location')).toBe(objectPath('legacy', 'old', 'proj2'));
    // A Project is an App: not accepted where a Domain or Workspace is expected.
    expectProblem(
      await api.request('POST', collectionPath('legacy'), {
        json: {
          apiVersion: 'devopsmaestro.io/v1',
          kind: 'Project',
          metadata: { name: 'proj3' },
          spec: { path: '/srv/p' },
        },
      }),
      400,
      'INVALID',
    );
    // Applying the App it became is unchanged, with no warning header.
    const again = await api.must('POST', '/api/v1/apply', 200, {
      yaml: 'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: proj, ecosystem: legacy, domain: old}\nspec: {path: /srv/proj, workspaces: [main]}\n',
    });
    expect(again.headers.get('warning')).toBeNull();
    expect(again.json<ApplyResult>().items[0]!.result).toBe('unchanged');
  });

  it('apply checks each object against the role: a developer re-applies an export with the domains unchanged, but cannot change one', async () => {
    await apply(
      stream(
        'apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: team}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: d, ecosystem: team, labels: {owner: ops}}\n',
        'apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: a, ecosystem: team, domain: d}\nspec: {path: /srv/a}\n',
      ),
    );
    const password = 'developer password 123';
    const created = await api.must('POST', '/api/v1/users', 201, {
      json: { email: 'dev@resource.test', password },
    });
    const id = created.json<{ id: string }>().id;
    const store = await openDataStore({
      dataDir: api.server.dataDir,
      projectRoot: PROJECT_ROOT,
      ...(databaseUrl !== undefined && { databaseUrl }),
    });
    await store.users.update(id, { mustChangePassword: false });
    await store.close();
    await api.must('PUT', '/api/v1/ecosystems/team/members', 200, {
      json: { userId: id, role: 'developer' },
    });
    const developer = api.as(await api.mintToken('dev@resource.test', password, 'write'));

    // What the developer can read is exactly the ecosystem they belong to.
    const exported = await developer.must('GET', '/api/v1/export?output=yaml', 200);
    const items = exported.yaml<{ items: Manifest[] }>().items;
    expect(items.map((m) => `${m.kind} ${m.metadata.name}`)).toEqual([
      'Ecosystem team',
      'Domain d',
      'App a',
    ]);
    const before = await fingerprint.read();
    const again = await developer.must('POST', '/api/v1/apply', 200, { yaml: exported.text });
    expect(again.json<ApplyResult>().items.map((i) => i.result)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(await fingerprint.read()).toBe(before);

    // Adding a workspace is theirs to do; changing the domain in the same request is not, and
    // then neither happens.
    const workspace =
      'apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: w, ecosystem: team, domain: d, app: a}\n';
    const refused = expectProblem(
      await developer.request('POST', '/api/v1/apply', {
        yaml: stream(
          'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: d, ecosystem: team, labels: {owner: dev}}\n',
          workspace,
        ),
      }),
      403,
      'FORBIDDEN',
    );
    expect(refused.errors.map((e) => e.path)).toEqual(['[0]']);
    expect(await fingerprint.read()).toBe(before);
    const allowed = await developer.must('POST', '/api/v1/apply', 200, { yaml: workspace });
    expect(allowed.json<ApplyResult>().items[0]!.result).toBe('created');
    // Ecosystems they hold no role in do not exist for them, in apply as everywhere.
    expectProblem(
      await developer.request('POST', '/api/v1/apply', {
        yaml: 'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: x, ecosystem: crud}\n',
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('errors are problem+json with field paths; unknown fields are refused by name', async () => {
    await apply('apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: errs}\n');
    const unknown = expectProblem(
      await api.request('POST', collectionPath('errs'), {
        json: { metadata: { name: 'd', colour: 'red' }, spec: { theme: 'nord', extra: true } },
      }),
      400,
      'INVALID',
    );
    expect(unknown.errors.map((e) => e.path).sort()).toEqual(['metadata.colour', 'spec.extra']);
    const wrongParent = expectProblem(
      await api.request('POST', collectionPath('errs'), {
        json: { metadata: { name: 'd', ecosystem: 'other' } },
      }),
      400,
      'INVALID',
    );
    expect(wrongParent.errors.map((e) => e.path)).toEqual(['metadata.ecosystem']);
    expectProblem(await api.request('GET', objectPath('errs', 'none')), 404, 'NOT_FOUND');
    expectProblem(
      await api.request('POST', collectionPath('nothere'), { json: { metadata: { name: 'd' } } }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await api.request('POST', collectionPath('errs'), { body: 'x', contentType: 'text/plain' }),
      415,
    );
    expectProblem(
      await api.request('POST', collectionPath('errs'), {
        body: '{"metadata":',
        contentType: 'application/json',
      }),
      400,
      'INVALID',
    );
    expectProblem(
      await api.request('GET', objectPath('errs'), { token: null }),
      401,
      'UNAUTHENTICATED',
    );
    // Bodies over 1 MiB (4 MiB for apply) are refused before they are read in full.
    expectProblem(
      await api.request('PUT', objectPath('errs'), {
        json: { metadata: { annotations: { big: 'x'.repeat(1024 * 1024) } } },
      }),
      413,
    );
    expectProblem(
      await api.request('POST', '/api/v1/apply', { yaml: `# ${'x'.repeat(4 * 1024 * 1024)}\n` }),
      413,
    );
    expect(isDeepStrictEqual((await get(objectPath('errs'))).metadata.annotations, {})).toBe(true);
  });
});
