// apply and export through the domain, on both dialects: multi-document input with parents in any
// order, idempotence, dry runs that agree with real runs, all-or-nothing failures listing every
// problem, the original dvm's manifests with parents from the active context, roles, and
// export → fresh database → apply → export giving the same document.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { API_VERSION } from '@/lib/contracts/manifest';
import { DOCS_EXAMPLES, NOTES_EXAMPLES } from '@/lib/contracts/original-examples.fixtures';
import type { FieldError } from '@/lib/errors';
import type { DataStore, Level } from '@/lib/store/data-store';
import { DIALECTS } from '@/lib/testing/test-stores';
import type { ActionContext } from './action-context';
import { applyManifests, type ApplyItem, type ApplyResult } from './apply-manifests';
import { exportResources } from './export-resources';
import { auditCount, openWorld, type World } from './test-fixtures';

const yaml = (...documents: object[]) => documents.map((d) => stringify(d)).join('---\n');

function manifest(
  kind: string,
  metadata: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind, metadata, spec };
}

/** A small, valid hierarchy in ecosystem `eco`, deliberately listed children first. */
function hierarchy(eco: string, extra: { label?: string } = {}) {
  return [
    manifest(
      'Workspace',
      { name: 'dev', ecosystem: eco, domain: 'backend', app: 'api' },
      { image: { baseImage: 'busybox:latest' }, env: { EDITOR: 'nvim' } },
    ),
    manifest(
      'App',
      { name: 'api', ecosystem: eco, domain: 'backend', labels: { team: extra.label ?? 'core' } },
      { path: '/src/api', ports: ['8080:8080'] },
    ),
    manifest('Domain', { name: 'backend', ecosystem: eco }),
    manifest('Ecosystem', { name: eco, annotations: { description: 'test' } }),
  ];
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; errors: FieldError[] };
  }
  throw new Error('expected a rejection');
}

const summary = (result: ApplyResult) =>
  result.items.map((item) => `${item.path} ${item.kind} ${item.name} ${item.result}`);

const withoutDiffs = (items: ApplyItem[]) => items.map(({ diff: _diff, ...rest }) => rest);

async function countAll(store: DataStore): Promise<Record<Level, number>> {
  return {
    ecosystem: await store.ecosystems.count({}),
    domain: await store.domains.count({}),
    app: await store.apps.count({}),
    workspace: await store.workspaces.count({}),
  };
}

describe.each(DIALECTS)('apply on %s', (dialect) => {
  let world: World;
  let admin: ActionContext;

  beforeAll(async () => {
    world = await openWorld(dialect);
    admin = world.ctx('admin');
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  /** Everything that could change: counts per level and the audit log's length. */
  async function state() {
    return { ...(await countAll(world.store)), audit: await auditCount(world.store) };
  }

  it('applies parents given after their children, ecosystems first', async () => {
    const before = await auditCount(world.store);
    const result = await applyManifests(admin, { text: yaml(...hierarchy('order')) });
    expect(result.dryRun).toBe(false);
    expect(summary(result)).toEqual([
      '[3] Ecosystem order created',
      '[2] Domain backend created',
      '[1] App api created',
      '[0] Workspace dev created',
    ]);
    expect(result.items[3]).toMatchObject({ ecosystem: 'order', domain: 'backend', app: 'api' });
    expect(result.items.every((item) => item.diff === undefined)).toBe(true);
    const ws = await world.store.workspaces.get({
      ecosystem: 'order',
      domain: 'backend',
      app: 'api',
      name: 'dev',
    });
    expect(ws.spec).toEqual({ image: { baseImage: 'busybox:latest' }, env: { EDITOR: 'nvim' } });
    expect(await auditCount(world.store)).toBe(before + 4);
    const events = (await world.store.audit.list({}, { limit: 4 })).items;
    expect(events.map((e) => e.action).sort()).toEqual([
      'app.create',
      'domain.create',
      'ecosystem.create',
      'workspace.create',
    ]);
    expect(events.every((e) => e.source === 'ui' && e.actor === 'admin@example.com')).toBe(true);
  });

  it('is idempotent: created, then unchanged (no write), then configured', async () => {
    await applyManifests(admin, { text: yaml(...hierarchy('idem')) });
    const before = await state();
    const again = await applyManifests(admin, { text: yaml(...hierarchy('idem')) });
    expect(again.items.map((i) => i.result)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(await state()).toEqual(before);

    const changed = await applyManifests(admin, {
      text: yaml(...hierarchy('idem', { label: 'payments' })),
    });
    expect(summary(changed)).toEqual([
      '[3] Ecosystem idem unchanged',
      '[2] Domain backend unchanged',
      '[1] App api configured',
      '[0] Workspace dev unchanged',
    ]);
    const app = await world.store.apps.get({ ecosystem: 'idem', domain: 'backend', name: 'api' });
    expect(app).toMatchObject({ version: 2, labels: { team: 'payments' } });
    expect(await auditCount(world.store)).toBe(before.audit + 1);
  });

  it('treats a reordering of keys as unchanged', async () => {
    await applyManifests(admin, { text: yaml(...hierarchy('keys')) });
    const reordered = manifest(
      'Workspace',
      { app: 'api', domain: 'backend', ecosystem: 'keys', name: 'dev' },
      { env: { EDITOR: 'nvim' }, image: { baseImage: 'busybox:latest' } },
    );
    const result = await applyManifests(admin, { text: yaml(reordered), dryRun: true });
    expect(result.items).toMatchObject([{ result: 'unchanged', diff: '' }]);
  });

  it('accepts kind: List and JSON', async () => {
    const list = { apiVersion: API_VERSION, kind: 'List', items: hierarchy('listed') };
    const fromYaml = await applyManifests(admin, { text: stringify(list) });
    expect(summary(fromYaml)).toEqual([
      'items[3] Ecosystem listed created',
      'items[2] Domain backend created',
      'items[1] App api created',
      'items[0] Workspace dev created',
    ]);
    const fromJson = await applyManifests(admin, { text: JSON.stringify(list) });
    expect(fromJson.items.map((i) => i.result)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it('dry-runs without writing, with diffs, and agrees with the real run', async () => {
    const before = await state();
    const text = yaml(...hierarchy('dry'));
    const dry = await applyManifests(admin, { text, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(await state()).toEqual(before);
    expect(dry.items.map((i) => i.result)).toEqual(['created', 'created', 'created', 'created']);
    const ecoDiff = dry.items[0]!.diff!;
    expect(ecoDiff.split('\n').slice(0, 3)).toEqual([
      '--- /dev/null',
      '+++ ecosystem dry',
      '@@ -0,0 +1,8 @@',
    ]);
    expect(ecoDiff).toContain('+  annotations:\n+    description: test\n');
    expect(ecoDiff).not.toContain('status');

    const real = await applyManifests(admin, { text });
    expect(real.items).toEqual(withoutDiffs(dry.items));
    expect(real.warnings).toEqual(dry.warnings);

    const changedText = yaml(...hierarchy('dry', { label: 'other' }));
    const before2 = await state();
    const dry2 = await applyManifests(admin, { text: changedText, dryRun: true });
    expect(await state()).toEqual(before2);
    expect(dry2.items.map((i) => i.diff)).toEqual([
      '',
      '',
      expect.stringContaining('-    team: core\n+    team: other\n'),
      '',
    ]);
    expect(dry2.items[2]!.diff).toMatch(
      /^--- app dry\/backend\/api\n\+\+\+ app dry\/backend\/api\n@@/,
    );
    const real2 = await applyManifests(admin, { text: changedText });
    expect(real2.items).toEqual(withoutDiffs(dry2.items));
  });

  it('writes nothing when one document is bad, and lists every parse problem', async () => {
    const before = await state();
    const text = yaml(
      manifest('Ecosystem', { name: 'broken' }),
      manifest('Domain', { name: 'backend', ecosystem: 'broken' }, { unknownField: 1 }),
      manifest('App', { name: 'Not A Name', ecosystem: 'broken', domain: 'backend' }, {}),
    );
    const error = await rejection(applyManifests(admin, { text }));
    expect(error.code).toBe('INVALID');
    expect(error.errors.map((e) => e.path)).toEqual([
      '[1].spec.unknownField',
      '[2].metadata.name',
      '[2].spec.path',
    ]);
    expect(await state()).toEqual(before);
    expect(await world.store.ecosystems.find({ name: 'broken' })).toBeUndefined();
  });

  it('writes nothing when objects cannot be applied, and lists each with its path', async () => {
    const before = await state();
    const text = yaml(
      manifest('Ecosystem', { name: 'partial' }),
      manifest('App', { name: 'a', ecosystem: 'partial', domain: 'missing' }, { path: '/a' }),
      manifest('App', { name: 'b', ecosystem: 'nowhere', domain: 'x' }, { path: '/b' }),
      manifest('Domain', { name: 'fine', ecosystem: 'partial' }),
    );
    const error = await rejection(applyManifests(admin, { text }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.errors).toEqual([
      { path: '[1].metadata.domain', message: 'domain "missing" in partial not found.' },
      { path: '[2].metadata.ecosystem', message: 'ecosystem "nowhere" not found.' },
    ]);
    expect(error.message).toMatch(/^Nothing was applied: \[1\]\.metadata\.domain/);
    expect(await state()).toEqual(before);
  });

  it('refuses the same object twice in one request', async () => {
    const text = yaml(
      manifest('Ecosystem', { name: 'twice' }),
      manifest('Domain', { name: 'd', ecosystem: 'twice' }),
      manifest('Domain', { name: 'd', ecosystem: 'twice', labels: { b: '1' } }),
    );
    const before = await state();
    const error = await rejection(applyManifests(admin, { text }));
    expect(error).toMatchObject({ code: 'INVALID', errors: [{ path: '[2]' }] });
    expect(error.errors[0]!.message).toMatch(/also at \[1\]/);
    expect(await state()).toEqual(before);
  });

  it('applies the original dvm’s manifests with parents from the active context', async () => {
    const first = await applyManifests(admin, {
      text: `${NOTES_EXAMPLES.ecosystem}---\n${NOTES_EXAMPLES.domain}`,
    });
    expect(summary(first)).toEqual([
      '[0] Ecosystem my-platform created',
      '[1] Domain backend created',
    ]);
    await world.store.setContext(world.users.admin.id, {
      ecosystem: 'my-platform',
      domain: 'backend',
    });
    const app = await applyManifests(admin, { text: NOTES_EXAMPLES.app });
    expect(app.items).toMatchObject([
      { kind: 'App', name: 'my-api', ecosystem: 'my-platform', domain: 'backend' },
    ]);
    expect(app.items[0]!.warnings).toContain(
      'metadata.ecosystem is not named: "my-platform" is taken from your active context',
    );
    expect(app.warnings).toEqual(expect.arrayContaining(app.items[0]!.warnings));
    const ws = await applyManifests(admin, { text: NOTES_EXAMPLES.workspace });
    expect(ws.items).toMatchObject([
      { name: 'main', ecosystem: 'my-platform', domain: 'backend', app: 'my-api' },
    ]);
    expect(ws.items[0]!.warnings.join('\n')).toMatch(/spec\.shell is stored but not applied yet/);

    // The docs' examples name domains platform and frontend too: their apps take the ecosystem
    // from the context, their workspaces the app's parents from this same request.
    for (const domain of ['platform', 'frontend']) {
      await applyManifests(admin, {
        text: yaml(manifest('Domain', { name: domain, ecosystem: 'my-platform' })),
      });
    }
    const docs = await applyManifests(admin, {
      text: Object.values(DOCS_EXAMPLES).join('---\n'),
    });
    expect(
      docs.items.map(
        (i) =>
          `${i.kind} ${[i.ecosystem, i.domain, i.app, i.name].filter(Boolean).join('/')} ${i.result}`,
      ),
    ).toEqual([
      'App my-platform/backend/my-api configured',
      'App my-platform/backend/fastapi-service created',
      'App my-platform/platform/go-api created',
      'App my-platform/frontend/node-api created',
      'Workspace my-platform/backend/my-api/main configured',
      'Workspace my-platform/backend/fastapi-service/main created',
      'Workspace my-platform/platform/go-api/main created',
      'Workspace my-platform/frontend/node-api/main created',
    ]);
    const goWorkspace = docs.items.find((i) => i.app === 'go-api')!;
    expect(goWorkspace.warnings).toContain(
      `${goWorkspace.path}.metadata.domain is not named: "platform" is taken from the App at ${docs.items[2]!.path} in this request`,
    );
  });

  it('resolves parents from the request when the context has none that fits', async () => {
    await applyManifests(admin, { text: yaml(manifest('Ecosystem', { name: 'no-domains' })) });
    await world.store.setContext(world.users.admin.id, { ecosystem: 'no-domains' });
    const text = [
      NOTES_EXAMPLES.workspace,
      NOTES_EXAMPLES.app,
      NOTES_EXAMPLES.domain.replace('my-platform', 'fresh-platform'),
      NOTES_EXAMPLES.ecosystem.replace('my-platform', 'fresh-platform'),
    ].join('---\n');
    const result = await applyManifests(admin, { text });
    expect(result.items.map((i) => [i.kind, i.ecosystem ?? i.name, i.result])).toEqual([
      ['Ecosystem', 'fresh-platform', 'created'],
      ['Domain', 'fresh-platform', 'created'],
      ['App', 'fresh-platform', 'created'],
      ['Workspace', 'fresh-platform', 'created'],
    ]);
    expect(result.items[2]!.warnings).toContain(
      '[1].metadata.ecosystem is not named: "fresh-platform" is taken from the Domain at [2] in this request',
    );

    // A context whose ecosystem does hold the domain wins, as it did for the original dvm.
    await world.store.setContext(world.users.admin.id, { ecosystem: 'order' });
    const fromContext = await applyManifests(admin, { text, dryRun: true });
    expect(fromContext.items.map((i) => i.ecosystem ?? i.name)).toEqual([
      'fresh-platform',
      'fresh-platform',
      'order',
      'order',
    ]);
  });

  it('says which parent is needed when neither the context nor the request has it', async () => {
    const stranger = world.ctx('owner');
    const before = await state();
    const error = await rejection(
      applyManifests(stranger, { text: `${NOTES_EXAMPLES.app}---\n${NOTES_EXAMPLES.workspace}` }),
    );
    expect(error.code).toBe('INVALID');
    expect(error.errors.map((e) => e.path)).toEqual([
      '[0].metadata.ecosystem',
      '[1].metadata.ecosystem',
    ]);
    expect(error.errors[0]!.message).toMatch(/dvm use ecosystem/);
    expect(await state()).toEqual(before);
  });

  it('picks the one domain of the request an App names when several ecosystems could hold it', async () => {
    await world.store.setContext(world.users.admin.id, {});
    const text = yaml(
      manifest('Domain', { name: 'solo', ecosystem: 'order' }),
      manifest('App', { name: 'x', domain: 'solo' }, { path: '/x' }),
    );
    const result = await applyManifests(admin, { text, dryRun: true });
    expect(result.items[1]).toMatchObject({
      ecosystem: 'order',
      domain: 'solo',
      result: 'created',
    });

    const twice = yaml(
      manifest('Domain', { name: 'dup', ecosystem: 'order' }),
      manifest('Domain', { name: 'dup', ecosystem: 'idem' }),
      manifest('App', { name: 'x', domain: 'dup' }, { path: '/x' }),
    );
    const error = await rejection(applyManifests(admin, { text: twice }));
    expect(error).toMatchObject({ code: 'INVALID', errors: [{ path: '[2].metadata.ecosystem' }] });
    expect(error.errors[0]!.message).toMatch(/more than one domain "dup"/);
  });

  it('converts Project to App with a warning', async () => {
    await world.store.setContext(world.users.admin.id, { ecosystem: 'order', domain: 'backend' });
    const result = await applyManifests(admin, {
      text: yaml(manifest('Project', { name: 'old-style' }, { path: '/src/old' })),
    });
    expect(result.items).toMatchObject([
      {
        kind: 'App',
        name: 'old-style',
        ecosystem: 'order',
        domain: 'backend',
        result: 'created',
        convertedFrom: 'Project',
      },
    ]);
    expect(result.warnings.join('\n')).toMatch(/kind Project is deprecated/);
    await world.store.setContext(world.users.admin.id, {});
    const error = await rejection(
      applyManifests(admin, {
        text: yaml(manifest('Project', { name: 'lost' }, { path: '/src/lost' })),
      }),
    );
    expect(error).toMatchObject({ code: 'INVALID', errors: [{ path: 'metadata.ecosystem' }] });
  });

  describe('roles', () => {
    beforeAll(async () => {
      await applyManifests(admin, { text: yaml(...hierarchy('team')) });
      const { owner, developer, viewer } = world.users;
      await world.store.memberships.set('team', owner.id, 'owner');
      await world.store.memberships.set('team', developer.id, 'developer');
      await world.store.memberships.set('team', viewer.id, 'viewer');
    });

    const change = () => yaml(...hierarchy('team', { label: 'changed' }));

    it('refuses a viewer’s changes and writes nothing', async () => {
      const before = await state();
      const error = await rejection(applyManifests(world.ctx('viewer'), { text: change() }));
      expect(error.code).toBe('FORBIDDEN');
      expect(error.errors).toEqual([
        { path: '[1]', message: expect.stringMatching(/owner or developer role/) },
      ]);
      const wholeNew = yaml(
        manifest('App', { name: 'n1', ecosystem: 'team', domain: 'backend' }, { path: '/n' }),
        manifest('Workspace', { name: 'w', ecosystem: 'team', domain: 'backend', app: 'n1' }),
      );
      const both = await rejection(applyManifests(world.ctx('viewer'), { text: wholeNew }));
      expect(both.errors.map((e) => e.path)).toEqual(['[0]', '[1]']);
      expect(await state()).toEqual(before);
      // Unchanged objects need only read access.
      const same = await applyManifests(world.ctx('viewer'), { text: yaml(...hierarchy('team')) });
      expect(same.items.every((i) => i.result === 'unchanged')).toBe(true);
    });

    it('lets a developer apply apps and workspaces but not domains', async () => {
      const developer = world.ctx('developer');
      const result = await applyManifests(developer, { text: change() });
      expect(summary(result)).toEqual([
        '[3] Ecosystem team unchanged',
        '[2] Domain backend unchanged',
        '[1] App api configured',
        '[0] Workspace dev unchanged',
      ]);

      const before = await state();
      const text = yaml(
        manifest('Domain', { name: 'newdom', ecosystem: 'team' }),
        manifest('App', { name: 'inside', ecosystem: 'team', domain: 'newdom' }, { path: '/i' }),
        manifest('App', { name: 'elsewhere', ecosystem: 'team', domain: 'nope' }, { path: '/e' }),
        manifest('App', { name: 'hidden', ecosystem: 'order', domain: 'backend' }, { path: '/h' }),
        manifest('Domain', { name: 'backend', ecosystem: 'team', labels: { x: 'y' } }),
      );
      const error = await rejection(applyManifests(developer, { text }));
      expect(error.code).toBe('FORBIDDEN');
      expect(error.errors).toEqual([
        { path: '[0]', message: expect.stringMatching(/owner role in ecosystem "team"/) },
        { path: '[4]', message: expect.stringMatching(/owner role/) },
        { path: '[2].metadata.domain', message: 'domain "nope" in team not found.' },
        { path: '[3].metadata.ecosystem', message: 'ecosystem "order" not found.' },
      ]);
      expect(await state()).toEqual(before);
    });

    it('lets an owner change the ecosystem but not create one', async () => {
      const owner = world.ctx('owner');
      const changed = manifest('Ecosystem', { name: 'team', labels: { by: 'owner' } });
      const result = await applyManifests(owner, { text: yaml(changed) });
      expect(result.items).toMatchObject([{ result: 'configured' }]);
      const error = await rejection(
        applyManifests(owner, { text: yaml(manifest('Ecosystem', { name: 'owned' })) }),
      );
      expect(error).toMatchObject({ code: 'FORBIDDEN', errors: [{ path: '' }] });
      const outsider = await rejection(applyManifests(world.ctx('outsider'), { text: change() }));
      expect(outsider.code).toBe('FORBIDDEN');
      expect(outsider.errors).toEqual([
        { path: '[3]', message: 'Only administrators can create ecosystems.' },
        ...['[2]', '[1]', '[0]'].map((path) => ({
          path: `${path}.metadata.ecosystem`,
          message: 'ecosystem "team" not found.',
        })),
      ]);
    });

    it('records the token’s source in the audit log and honours its scope', async () => {
      const token = await world.tokenCtx('developer', 'write');
      const text = yaml(
        manifest(
          'App',
          { name: 'via-token', ecosystem: 'team', domain: 'backend' },
          { path: '/t' },
        ),
      );
      await applyManifests(token, { text });
      const [event] = (await world.store.audit.list({}, { limit: 1 })).items;
      expect(event).toMatchObject({
        action: 'app.create',
        source: 'api',
        actor: 'developer@example.com',
        target: 'app team/backend/via-token',
      });
      const readOnly = await world.tokenCtx('developer', 'read');
      const error = await rejection(
        applyManifests(readOnly, { text: text.replace('/t', '/changed') }),
      );
      expect(error).toMatchObject({ code: 'FORBIDDEN', errors: [{ path: '' }] });
      expect(error.errors[0]!.message).toMatch(/"read" scope/);
    });
  });
});

describe.each(DIALECTS)('export on %s', (dialect) => {
  let source: World;
  let target: World;

  beforeAll(async () => {
    source = await openWorld(dialect);
    target = await openWorld(dialect);
    const admin = source.ctx('admin');
    await applyManifests(admin, {
      text: [
        NOTES_EXAMPLES.ecosystem,
        NOTES_EXAMPLES.domain,
        ...['platform', 'frontend'].map((name) =>
          yaml(manifest('Domain', { name, ecosystem: 'my-platform' })),
        ),
      ].join('---\n'),
    });
    await source.store.setContext(source.users.admin.id, { ecosystem: 'my-platform' });
    await applyManifests(admin, {
      text: [
        NOTES_EXAMPLES.app,
        NOTES_EXAMPLES.workspace,
        ...Object.values(DOCS_EXAMPLES).slice(2),
        yaml(...hierarchy('zeta'), ...hierarchy('alpha')),
      ].join('---\n'),
    });
    await source.store.memberships.set('zeta', source.users.developer.id, 'developer');
  });
  afterAll(async () => {
    await source?.test.cleanup();
    await target?.test.cleanup();
  });

  it('round-trips: export → empty database → apply → export is the same document', async () => {
    const exported = await exportResources(source.ctx('admin'));
    expect(exported.kind).toBe('List');
    expect(exported.items.map((i) => `${i.kind} ${i.metadata.name}`).slice(0, 3)).toEqual([
      'Ecosystem alpha',
      'Ecosystem my-platform',
      'Ecosystem zeta',
    ]);
    expect(exported.items.some((i) => 'status' in i)).toBe(false);
    const first = stringify(exported);

    const applied = await applyManifests(target.ctx('admin'), { text: first });
    expect(applied.items.every((i) => i.result === 'created')).toBe(true);
    expect(applied.items).toHaveLength(exported.items.length);
    const second = stringify(await exportResources(target.ctx('admin')));
    expect(second).toBe(first);

    const again = await applyManifests(source.ctx('admin'), { text: first });
    expect(again.items.every((i) => i.result === 'unchanged')).toBe(true);
  });

  it('exports only the caller’s ecosystems, parents before children, across pages', async () => {
    const mine = await exportResources(source.ctx('developer'));
    expect(mine.items.map((i) => `${i.kind} ${i.metadata.name}`)).toEqual([
      'Ecosystem zeta',
      'Domain backend',
      'App api',
      'Workspace dev',
    ]);
    expect((await exportResources(source.ctx('outsider'))).items).toEqual([]);
  });

  it('pages through more objects than one page holds', async () => {
    const many = Array.from({ length: 520 }, (_, i) =>
      manifest('Domain', { name: `d${String(i).padStart(4, '0')}`, ecosystem: 'alpha' }),
    );
    await applyManifests(source.ctx('admin'), {
      text: JSON.stringify({ apiVersion: API_VERSION, kind: 'List', items: many }),
    });
    const exported = await exportResources(source.ctx('admin'));
    const domains = exported.items.filter((i) => i.kind === 'Domain');
    expect(domains.length).toBeGreaterThan(520);
    expect(new Set(domains.map((d) => `${d.metadata.ecosystem}/${d.metadata.name}`)).size).toBe(
      domains.length,
    );
  });
});
