// The workspace page's "Effective configuration": on the real SQLite store, each value comes from
// the lowest level that sets it, defaults say so, and only readers of the ecosystem may look.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveConfiguration } from './effective-configuration';
import { openWorld, outcome, type World } from './test-fixtures';

let world: World;
const key = { ecosystem: 'eco', domain: 'dom', app: 'api', name: 'dev' };

beforeAll(async () => {
  world = await openWorld('sqlite');
  const { store } = world;
  await store.ecosystems.create(
    {},
    {
      name: 'eco',
      spec: {
        build: { baseImage: 'debian:bookworm', args: { A: 'eco', B: 'eco' } },
        env: { X: 'eco' },
      },
    },
  );
  await store.domains.create(
    { ecosystem: 'eco' },
    { name: 'dom', spec: { build: { baseImage: 'debian:trixie' }, env: { X: 'dom', Y: 'dom' } } },
  );
  await store.apps.create(
    { ecosystem: 'eco', domain: 'dom' },
    {
      name: 'api',
      spec: { language: { name: 'go', version: '1.22' }, build: { args: { B: 'app' } } },
    },
  );
  await store.workspaces.create(
    { ecosystem: 'eco', domain: 'dom', app: 'api' },
    { name: 'dev', spec: { image: { packages: [] }, env: { Y: 'ws' } } },
  );
  await store.memberships.set('eco', world.users.viewer.id, 'viewer');
});

afterAll(async () => {
  await world?.test.cleanup();
});

describe('effectiveConfiguration', () => {
  it('names the level each value comes from, the lowest one that sets it winning', async () => {
    const rows = await effectiveConfiguration(world.ctx('viewer'), key);
    const of = (setting: string) => rows.find((r) => r.setting === setting);
    expect(of('Base image')).toEqual({
      setting: 'Base image',
      value: 'debian:trixie',
      source: 'domain',
    });
    expect(of('Language')).toMatchObject({ value: 'go 1.22', source: 'app' });
    expect(of('Packages')).toMatchObject({ value: 'none', source: 'workspace' });
    expect(of('Build arg A')).toMatchObject({ value: 'eco', source: 'ecosystem' });
    expect(of('Build arg B')).toMatchObject({ value: 'app', source: 'app' });
    expect(of('User')).toMatchObject({ value: 'dev (1000:1000)', source: 'default' });
    expect(of('Env X')).toMatchObject({ value: 'dom', source: 'domain' });
    expect(of('Env Y')).toMatchObject({ value: 'ws', source: 'workspace' });
  });

  it('is not shown to someone without a role in the ecosystem', async () => {
    expect(await outcome(effectiveConfiguration(world.ctx('outsider'), key))).toBe('NOT_FOUND');
  });
});
