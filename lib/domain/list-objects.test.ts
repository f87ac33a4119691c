// Listing through the domain: administrators see everything, members see their ecosystems and
// what lies below them, page by page without gaps or repeats.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, StoredObject } from '@/lib/store/data-store';
import { DIALECTS } from '@/lib/testing/test-stores';
import type { ActionContext } from './action-context';
import { listEcosystems } from './list-ecosystems';
import { listObjects, type ListObjectsInput } from './list-objects';
import { openWorld, type World } from './test-fixtures';

async function everything(
  ctx: ActionContext,
  input: ListObjectsInput,
): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page: Page<StoredObject> = await listObjects(ctx, {
      ...input,
      ...(cursor && { cursor }),
    });
    pages++;
    names.push(
      ...page.items.map((o) => [o.ecosystem, o.domain, o.app, o.name].filter(Boolean).join('/')),
    );
    cursor = page.nextCursor;
  } while (cursor && pages < 100);
  return { names, pages };
}

describe.each(DIALECTS)('listing on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await openWorld(dialect);
    for (const name of ['alpha', 'bravo', 'charlie', 'delta', 'echo']) {
      await world.store.ecosystems.create({}, { name, labels: { tier: name < 'c' ? 'a' : 'b' } });
    }
    const { owner, developer } = world.users;
    for (const name of ['bravo', 'delta', 'echo']) {
      await world.store.memberships.set(name, developer.id, 'viewer');
      for (const domain of ['d1', 'd2', 'd3']) {
        await world.store.domains.create({ ecosystem: name }, { name: domain });
      }
    }
    await world.store.domains.create({ ecosystem: 'alpha' }, { name: 'secret' });
    await world.store.memberships.set('alpha', owner.id, 'owner');
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  it('shows members only their ecosystems, page by page', async () => {
    const developer = world.ctx('developer');
    for (const limit of [1, 2, 3, 50]) {
      const { names } = await everything(developer, { level: 'ecosystem', limit });
      expect(names).toEqual(['bravo', 'delta', 'echo']);
    }
    expect(
      (await everything(developer, { level: 'ecosystem', labels: { tier: 'b' } })).names,
    ).toEqual(['delta', 'echo']);
    expect((await everything(world.ctx('outsider'), { level: 'ecosystem' })).names).toEqual([]);
    expect((await listEcosystems(world.ctx('owner'))).items.map((e) => e.name)).toEqual(['alpha']);
  });

  it('shows admins every ecosystem', async () => {
    const { names } = await everything(world.ctx('admin'), { level: 'ecosystem', limit: 2 });
    expect(names).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
  });

  it('walks objects below across the member’s ecosystems without gaps or repeats', async () => {
    const expected = ['bravo', 'delta', 'echo'].flatMap((e) =>
      ['d1', 'd2', 'd3'].map((d) => `${e}/${d}`),
    );
    for (const limit of [1, 2, 3, 4, 9, 10]) {
      const { names } = await everything(world.ctx('developer'), { level: 'domain', limit });
      expect(names, `limit ${limit}`).toEqual(expected);
    }
    const admin = await everything(world.ctx('admin'), { level: 'domain', limit: 4 });
    expect(admin.names).toEqual(['alpha/secret', ...expected]);
  });

  it('lists under a named ecosystem only when the caller can read it', async () => {
    const page = await listObjects(world.ctx('developer'), {
      level: 'domain',
      parent: { ecosystem: 'delta' },
    });
    expect(page.items.map((d) => d.name)).toEqual(['d1', 'd2', 'd3']);
    await expect(
      listObjects(world.ctx('developer'), { level: 'domain', parent: { ecosystem: 'alpha' } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'ecosystem "alpha" not found.' });
  });

  it('rejects cursors it did not hand out and bad page sizes', async () => {
    await expect(
      listObjects(world.ctx('developer'), { level: 'ecosystem', cursor: 'nonsense' }),
    ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'cursor' }] });
    await expect(
      listObjects(world.ctx('developer'), { level: 'ecosystem', limit: 0 }),
    ).rejects.toMatchObject({ code: 'INVALID', errors: [{ path: 'limit' }] });
  });
});
