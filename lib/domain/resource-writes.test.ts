// The resource API's writes through the domain (POST, PUT, PATCH), on both dialects: bodies are
// checked by the contracts with field paths, the URL decides name and parents, the role matrix
// applies, and a refused or invalid request writes nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { API_VERSION } from '@/lib/contracts/manifest';
import type { FieldError } from '@/lib/errors';
import { DIALECTS } from '@/lib/testing/test-stores';
import { createResource } from './create-resource';
import { patchResource } from './patch-resource';
import { replaceResource } from './replace-resource';
import { auditCount, openWorld, outcome, type World } from './test-fixtures';

const ECO = 'shop';
const DOMAIN = { ecosystem: ECO, domain: 'orders' };
const APP_KEY = { ...DOMAIN, name: 'api' };

async function rejection(promise: Promise<unknown>): Promise<{
  code: string;
  message: string;
  errors: FieldError[];
}> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; errors: FieldError[] };
  }
  throw new Error('expected a rejection');
}

const paths = (errors: FieldError[]) => errors.map((e) => e.path).sort();

describe.each(DIALECTS)('resource writes on %s', (dialect) => {
  let world: World;

  beforeAll(async () => {
    world = await openWorld(dialect);
    const admin = world.ctx('admin');
    await createResource(admin, {
      level: 'ecosystem',
      parent: {},
      body: { apiVersion: API_VERSION, kind: 'Ecosystem', metadata: { name: ECO }, spec: {} },
    });
    const { owner, developer, viewer } = world.users;
    await world.store.memberships.set(ECO, owner.id, 'owner');
    await world.store.memberships.set(ECO, developer.id, 'developer');
    await world.store.memberships.set(ECO, viewer.id, 'viewer');
    await createResource(world.ctx('owner'), {
      level: 'domain',
      parent: { ecosystem: ECO },
      body: { metadata: { name: 'orders' } },
    });
    await createResource(world.ctx('developer'), {
      level: 'app',
      parent: DOMAIN,
      body: {
        metadata: { name: 'api', labels: { team: 'core', tier: 'web' } },
        spec: { path: '/src/api', ports: ['8080:8080'], env: { A: '1', B: '2' } },
      },
    });
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  /** Proves nothing changed: the app's version and the audit log's length. */
  async function snapshot() {
    const app = await world.store.apps.get(APP_KEY);
    return {
      version: app.version,
      audit: await auditCount(world.store),
      domains: await world.store.domains.count({ ecosystem: ECO }),
    };
  }

  describe('create', () => {
    it('returns the manifest with an output-only status and audits the write', async () => {
      const before = await auditCount(world.store);
      const result = await createResource(world.ctx('admin'), {
        level: 'ecosystem',
        parent: {},
        body: {
          apiVersion: API_VERSION,
          kind: 'Ecosystem',
          metadata: { name: 'fresh', annotations: { description: 'new' } },
          spec: { theme: 'gruvbox' },
        },
      });
      expect(result.manifest).toEqual({
        apiVersion: API_VERSION,
        kind: 'Ecosystem',
        metadata: { name: 'fresh', labels: {}, annotations: { description: 'new' } },
        spec: { theme: 'gruvbox' },
        status: {
          id: result.object.id,
          version: 1,
          createdAt: result.object.createdAt.toISOString(),
          updatedAt: result.object.updatedAt.toISOString(),
        },
      });
      expect(result.warnings).toEqual(['spec.theme is stored but not applied yet']);
      expect(result.convertedFrom).toBeUndefined();
      expect(await auditCount(world.store)).toBe(before + 1);
      const [event] = (await world.store.audit.list({}, { limit: 1 })).items;
      expect(event).toMatchObject({ action: 'ecosystem.create', target: 'ecosystem fresh' });
    });

    it('takes the parents from the URL and accepts the short form', async () => {
      const result = await createResource(world.ctx('owner'), {
        level: 'domain',
        parent: { ecosystem: ECO },
        body: { metadata: { name: 'billing', labels: { a: 'b' } }, spec: { apps: [] } },
      });
      expect(result.object).toMatchObject({ level: 'domain', ecosystem: ECO, name: 'billing' });
      expect(result.manifest.metadata).toEqual({
        name: 'billing',
        ecosystem: ECO,
        labels: { a: 'b' },
        annotations: {},
      });
    });

    it('accepts a manifest that repeats the URL’s parents, and refuses one naming others', async () => {
      const ok = await createResource(world.ctx('developer'), {
        level: 'app',
        parent: DOMAIN,
        body: {
          apiVersion: API_VERSION,
          kind: 'App',
          metadata: { name: 'web', ecosystem: ECO, domain: 'orders' },
          spec: { git: { url: 'https://example.com/web.git' } },
        },
      });
      expect(ok.object).toMatchObject({ ecosystem: ECO, domain: 'orders', name: 'web' });

      const before = await snapshot();
      const error = await rejection(
        createResource(world.ctx('developer'), {
          level: 'app',
          parent: DOMAIN,
          body: {
            apiVersion: API_VERSION,
            kind: 'App',
            metadata: { name: 'other', ecosystem: 'elsewhere', domain: 'payments' },
            spec: { path: '/src', nope: true },
          },
        }),
      );
      expect(error.code).toBe('INVALID');
      expect(paths(error.errors)).toEqual(['metadata.domain', 'metadata.ecosystem', 'spec.nope']);
      expect(error.errors.find((e) => e.path === 'metadata.ecosystem')?.message).toMatch(
        /does not match the URL/,
      );
      expect(await snapshot()).toEqual(before);
      expect(await world.store.apps.find({ ...DOMAIN, name: 'other' })).toBeUndefined();
    });

    it('reports every problem with its path and writes nothing', async () => {
      const before = await snapshot();
      const error = await rejection(
        createResource(world.ctx('owner'), {
          level: 'app',
          parent: DOMAIN,
          body: {
            metadata: { name: 'Bad Name', colour: 'red', labels: { ok: 1 } },
            spec: { path: 'relative', ports: 'all', bogus: {} },
          },
        }),
      );
      expect(error.code).toBe('INVALID');
      expect(paths(error.errors)).toEqual(
        expect.arrayContaining([
          'metadata.colour',
          'metadata.name',
          'spec.bogus',
          'spec.path',
          'spec.ports',
        ]),
      );
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a body of another kind, or one that is not a manifest', async () => {
      const wrongKind = await rejection(
        createResource(world.ctx('owner'), {
          level: 'app',
          parent: DOMAIN,
          body: { apiVersion: API_VERSION, kind: 'Workspace', metadata: { name: 'x', app: 'api' } },
        }),
      );
      expect(wrongKind).toMatchObject({ code: 'INVALID', errors: [{ path: 'kind' }] });
      const notObject = await rejection(
        createResource(world.ctx('owner'), { level: 'app', parent: DOMAIN, body: ['x'] }),
      );
      expect(notObject).toMatchObject({ code: 'INVALID', errors: [{ path: '' }] });
      const onlyKind = await rejection(
        createResource(world.ctx('owner'), {
          level: 'domain',
          parent: { ecosystem: ECO },
          body: { kind: 'Domain', metadata: { name: 'half' } },
        }),
      );
      expect(onlyKind).toMatchObject({ code: 'INVALID', errors: [{ path: 'apiVersion' }] });
    });

    it('converts a Project on the apps collection to an App, with a warning', async () => {
      const result = await createResource(world.ctx('developer'), {
        level: 'app',
        parent: DOMAIN,
        body: {
          apiVersion: API_VERSION,
          kind: 'Project',
          metadata: { name: 'legacy' },
          spec: { path: '/src/legacy' },
        },
      });
      expect(result.convertedFrom).toBe('Project');
      expect(result.manifest).toMatchObject({
        kind: 'App',
        metadata: { name: 'legacy', ecosystem: ECO, domain: 'orders' },
        spec: { path: '/src/legacy' },
      });
      expect(result.warnings.join('\n')).toMatch(/kind Project is deprecated/);
    });

    it('applies the role matrix before looking at the body', async () => {
      const before = await snapshot();
      const garbage = { metadata: { name: 'x' }, spec: { bogus: true } };
      const domain = { level: 'domain' as const, parent: { ecosystem: ECO }, body: garbage };
      expect(await outcome(createResource(world.ctx('viewer'), domain))).toBe('FORBIDDEN');
      expect(await outcome(createResource(world.ctx('developer'), domain))).toBe('FORBIDDEN');
      expect(await outcome(createResource(world.ctx('outsider'), domain))).toBe('NOT_FOUND');
      const app = { level: 'app' as const, parent: DOMAIN, body: garbage };
      expect(await outcome(createResource(world.ctx('viewer'), app))).toBe('FORBIDDEN');
      expect(await outcome(createResource(world.ctx('developer'), app))).toBe('INVALID');
      const readToken = await world.tokenCtx('owner', 'read');
      expect(await outcome(createResource(readToken, app))).toBe('FORBIDDEN');
      const ecosystem = {
        level: 'ecosystem' as const,
        parent: {},
        body: { metadata: { name: 'mine' } },
      };
      expect(await outcome(createResource(world.ctx('owner'), ecosystem))).toBe('FORBIDDEN');
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a second object with the same name', async () => {
      const error = await rejection(
        createResource(world.ctx('owner'), {
          level: 'app',
          parent: DOMAIN,
          body: { metadata: { name: 'api' }, spec: { path: '/x' } },
        }),
      );
      expect(error.code).toBe('ALREADY_EXISTS');
    });
  });

  describe('replace', () => {
    it('replaces labels, annotations and spec entirely and bumps the version', async () => {
      await createResource(world.ctx('owner'), {
        level: 'app',
        parent: DOMAIN,
        body: {
          metadata: { name: 'put-me', labels: { keep: 'no' }, annotations: { a: 'b' } },
          spec: { path: '/old', env: { A: '1' } },
        },
      });
      const key = { ...DOMAIN, name: 'put-me' };
      const result = await replaceResource(world.ctx('developer'), {
        level: 'app',
        key,
        body: { spec: { path: '/new' } },
      });
      expect(result.manifest).toMatchObject({
        metadata: { name: 'put-me', labels: {}, annotations: {} },
        spec: { path: '/new' },
        status: { version: 2 },
      });
      expect(result.object.spec).toEqual({ path: '/new' });

      const audit = await auditCount(world.store);
      const same = await replaceResource(world.ctx('developer'), {
        level: 'app',
        key,
        body: {
          apiVersion: API_VERSION,
          kind: 'App',
          metadata: { name: 'put-me' },
          spec: { path: '/new' },
        },
        expectedVersion: 2,
      });
      expect(same.object.version).toBe(2);
      expect(await auditCount(world.store)).toBe(audit);
    });

    it('refuses to rename or move, and reports the body’s other problems too', async () => {
      const before = await snapshot();
      const error = await rejection(
        replaceResource(world.ctx('owner'), {
          level: 'app',
          key: APP_KEY,
          body: {
            metadata: { name: 'renamed', domain: 'elsewhere' },
            spec: { path: '/x', extra: 1 },
          },
        }),
      );
      expect(error.code).toBe('INVALID');
      expect(paths(error.errors)).toEqual(['metadata.domain', 'metadata.name', 'spec.extra']);
      expect(await snapshot()).toEqual(before);
    });

    it('answers NOT_FOUND for a missing object and CONFLICT for a stale version', async () => {
      const body = { spec: { path: '/x' } };
      expect(
        await outcome(
          replaceResource(world.ctx('owner'), {
            level: 'app',
            key: { ...DOMAIN, name: 'ghost' },
            body,
          }),
        ),
      ).toBe('NOT_FOUND');
      const before = await snapshot();
      expect(
        await outcome(
          replaceResource(world.ctx('owner'), {
            level: 'app',
            key: APP_KEY,
            body: {
              metadata: { labels: { team: 'core', tier: 'web' } },
              spec: { path: '/src/api' },
            },
            expectedVersion: before.version + 7,
          }),
        ),
      ).toBe('CONFLICT');
      expect(
        await outcome(replaceResource(world.ctx('viewer'), { level: 'app', key: APP_KEY, body })),
      ).toBe('FORBIDDEN');
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('patch', () => {
    it('merges labels and spec, deletes with null and replaces arrays', async () => {
      const before = await world.store.apps.get(APP_KEY);
      const result = await patchResource(world.ctx('developer'), {
        level: 'app',
        key: APP_KEY,
        patch: {
          metadata: { labels: { tier: null, owner: 'me' }, annotations: { note: 'hi' } },
          spec: { ports: ['9090:9090'], env: { A: null, C: '3' } },
        },
        expectedVersion: before.version,
      });
      expect(result.object).toMatchObject({
        labels: { team: 'core', owner: 'me' },
        annotations: { note: 'hi' },
        spec: { path: '/src/api', ports: ['9090:9090'], env: { B: '2', C: '3' } },
        version: before.version + 1,
      });
      expect(result.manifest.status).toMatchObject({ version: before.version + 1 });
    });

    it('writes nothing for a patch that changes nothing', async () => {
      const before = await snapshot();
      const result = await patchResource(world.ctx('developer'), {
        level: 'app',
        key: APP_KEY,
        patch: { metadata: { name: 'api', domain: 'orders' }, spec: { path: '/src/api' } },
      });
      expect(result.object.version).toBe(before.version);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses to change name, parents or kind, and checks the result like any manifest', async () => {
      const before = await snapshot();
      const error = await rejection(
        patchResource(world.ctx('owner'), {
          level: 'app',
          key: APP_KEY,
          patch: {
            kind: 'Workspace',
            metadata: { name: 'new', ecosystem: null, labels: { ok: ['no'] } },
            spec: { path: null, bogus: 1 },
          },
        }),
      );
      expect(error.code).toBe('INVALID');
      expect(paths(error.errors)).toEqual(
        expect.arrayContaining([
          'kind',
          'metadata.ecosystem',
          'metadata.labels.ok',
          'metadata.name',
          'spec.bogus',
          'spec.path',
        ]),
      );
      expect(error.errors.find((e) => e.path === 'metadata.name')?.message).toMatch(
        /cannot be changed/,
      );
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a patch that is not an object, a stale version and the wrong role', async () => {
      const before = await snapshot();
      for (const patch of [null, [], 'x', 3]) {
        const error = await rejection(
          patchResource(world.ctx('owner'), { level: 'app', key: APP_KEY, patch }),
        );
        expect(error).toMatchObject({ code: 'INVALID', errors: [{ path: '' }] });
      }
      expect(
        await outcome(
          patchResource(world.ctx('owner'), {
            level: 'app',
            key: APP_KEY,
            patch: { metadata: { labels: { x: 'y' } } },
            expectedVersion: before.version - 1,
          }),
        ),
      ).toBe('CONFLICT');
      expect(
        await outcome(
          patchResource(world.ctx('viewer'), { level: 'app', key: APP_KEY, patch: {} }),
        ),
      ).toBe('FORBIDDEN');
      expect(
        await outcome(
          patchResource(world.ctx('outsider'), { level: 'app', key: APP_KEY, patch: {} }),
        ),
      ).toBe('NOT_FOUND');
      expect(await snapshot()).toEqual(before);
    });

    it('patches an ecosystem (owners) and clears a whole map with null', async () => {
      await patchResource(world.ctx('owner'), {
        level: 'ecosystem',
        key: { name: ECO },
        patch: { metadata: { labels: { a: '1', b: '2' } } },
      });
      const result = await patchResource(world.ctx('owner'), {
        level: 'ecosystem',
        key: { name: ECO },
        patch: { metadata: { labels: null } },
      });
      expect(result.object.labels).toEqual({});
      expect(
        await outcome(
          patchResource(world.ctx('developer'), {
            level: 'ecosystem',
            key: { name: ECO },
            patch: { metadata: { labels: { c: '3' } } },
          }),
        ),
      ).toBe('FORBIDDEN');
    });
  });
});
