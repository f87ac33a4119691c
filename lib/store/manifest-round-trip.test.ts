// Manifests written for the original dvm go through the contracts into the store and come back out
// as the same resources, on both dialects: the "apply → get -o yaml" promise at the storage level.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DOCS_EXAMPLES, NOTES_EXAMPLES } from '../contracts/original-examples.fixtures';
import {
  KIND_OF_LEVEL,
  LEVEL_OF_KIND,
  type ParsedManifest,
  objectInputOf,
  parentRefOf,
  parseManifest,
  parseManifests,
  toManifest,
} from '../contracts/resource';
import { DIALECTS, type TestStore, openTestStore } from '../testing/test-stores';
import type { DataStore, ParentRef } from './data-store';

/** The examples name parents only partly (the original took them from the active context). */
const CONTEXT: ParentRef = { ecosystem: 'my-platform', domain: 'backend', app: 'my-api' };

function withContext(parsed: ParsedManifest): ParentRef {
  const parent: ParentRef = parentRefOf(parsed.resource);
  for (const level of parsed.missingParents) parent[level] = CONTEXT[level];
  return parent;
}

async function storeAll(store: DataStore, text: string): Promise<ParsedManifest[]> {
  const { items } = parseManifests(text);
  for (const parsed of items) {
    const level = LEVEL_OF_KIND[parsed.resource.kind];
    await store.objects(level).create(withContext(parsed), objectInputOf(parsed.resource));
  }
  return items;
}

describe.each(DIALECTS)('original dvm manifests through the store [%s]', (dialect) => {
  let t: TestStore;

  beforeAll(async () => {
    t = await openTestStore(dialect);
    await storeAll(
      t.store,
      [
        NOTES_EXAMPLES.ecosystem,
        NOTES_EXAMPLES.domain,
        NOTES_EXAMPLES.app,
        NOTES_EXAMPLES.workspace,
      ].join('---\n'),
    );
    await storeAll(t.store, DOCS_EXAMPLES.app.replace(/name: my-api\b/, 'name: my-api-docs'));
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  it.each(['ecosystem', 'domain', 'app', 'workspace'] as const)(
    '%s: get → manifest → parse gives the applied resource',
    async (level) => {
      const source = NOTES_EXAMPLES[level];
      const applied = parseManifests(source).items[0]!;
      const parent = withContext(applied);
      const stored = await t.store
        .objects(level)
        .get({ ...parent, name: applied.resource.metadata.name });

      const manifest = toManifest(KIND_OF_LEVEL[level], stored);
      const reparsed = parseManifest(JSON.parse(JSON.stringify(manifest)));
      expect(reparsed.resource.spec).toEqual(applied.resource.spec);
      expect(reparsed.resource.metadata.labels).toEqual(applied.resource.metadata.labels);
      expect(reparsed.resource.metadata.annotations).toEqual(applied.resource.metadata.annotations);
      expect(reparsed.missingParents).toEqual([]);
      // Everything the product does not act on yet is still reported, not dropped.
      expect(reparsed.warnings).toEqual(
        applied.warnings.filter((w) => w.includes('not applied yet')),
      );
    },
  );

  it('keeps every documented Workspace field of the original', async () => {
    const stored = await t.store.workspaces.get({ ...CONTEXT, name: 'main' });
    expect(Object.keys(stored.spec).sort()).toEqual(
      [
        'build',
        'container',
        'env',
        'image',
        'mounts',
        'nvim',
        'shell',
        'sshKey',
        'terminal',
      ].sort(),
    );
    expect(stored.spec).toMatchObject({
      build: { args: { GITHUB_USERNAME: '${GITHUB_USERNAME}' } },
      container: {
        uid: 1000,
        command: ['/bin/zsh', '-l'],
        resources: { cpus: '2.0', memory: '2G' },
      },
      mounts: [
        { type: 'bind', source: '${HOME}/.ssh', destination: '/home/dev/.ssh', readOnly: true },
      ],
    });
  });

  it('stores the deprecated Project kind as an App', async () => {
    const parsed = parseManifest({
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Project',
      metadata: { name: 'legacy', annotations: { description: 'old project' } },
      spec: { path: '/srv/legacy' },
    });
    expect(parsed.resource.kind).toBe('App');
    expect(parsed.warnings.join('\n')).toMatch(/Project is deprecated/);
    const app = await t.store.apps.create(withContext(parsed), objectInputOf(parsed.resource));
    expect(toManifest('App', app)).toMatchObject({ kind: 'App', spec: { path: '/srv/legacy' } });
  });
});
