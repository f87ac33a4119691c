// The role matrix, end to end: every action × persona × credential, through the real use cases
// on both dialects. The expected table is written out here on purpose (not derived from
// PERMISSIONS), so a change to the matrix has to change this file too.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext } from './action-context';
import { allowedActions, authorize, type Action } from './authorize';
import { createObject } from './create-object';
import { createHost } from './hosts/create-host';
import { listHosts } from './hosts/list-hosts';
import { createUser } from './create-user';
import { deleteObject } from './delete-object';
import { getObject } from './get-object';
import { listAudit } from './list-audit';
import { listUsers } from './list-users';
import { setMembership } from './set-membership';
import { updateObject } from './update-object';
import { DIALECTS } from '@/lib/testing/test-stores';
import {
  auditCount,
  openWorld,
  outcome,
  PERSONAS,
  type Persona,
  type World,
} from './test-fixtures';

type Credential = 'session' | 'read' | 'write' | 'admin';
const CREDENTIALS: Credential[] = ['session', 'read', 'write', 'admin'];

const ALLOWED: Record<Persona, Action[]> = {
  admin: [
    'read',
    'ecosystem.create',
    'ecosystem.update',
    'ecosystem.delete',
    'domain.write',
    'app.write',
    'workspace.write',
    'workspace.operate',
    'members.manage',
    'users.read',
    'users.manage',
    'audit.read',
    'hosts.read',
    'hosts.manage',
  ],
  owner: [
    'read',
    'ecosystem.update',
    'domain.write',
    'app.write',
    'workspace.write',
    'workspace.operate',
    'members.manage',
    'audit.read',
    'hosts.read',
  ],
  developer: ['read', 'app.write', 'workspace.write', 'workspace.operate', 'hosts.read'],
  viewer: ['read', 'hosts.read'],
  // Hosts are outside every ecosystem: anyone signed in sees them.
  outsider: ['hosts.read'],
};

/** The least token scope each action needs; sessions are not capped. */
const SCOPE_NEEDED: Record<Action, Credential> = {
  read: 'read',
  'audit.read': 'read',
  'users.read': 'read',
  'ecosystem.update': 'write',
  'domain.write': 'write',
  'app.write': 'write',
  'workspace.write': 'write',
  'workspace.operate': 'write',
  'members.manage': 'write',
  'ecosystem.create': 'admin',
  'ecosystem.delete': 'admin',
  'users.manage': 'admin',
  'hosts.read': 'read',
  'hosts.manage': 'admin',
};

/** Actions on one ecosystem: people who cannot read it must not learn it exists. */
const IN_ECOSYSTEM = new Set<Action>([
  'read',
  'ecosystem.update',
  'ecosystem.delete',
  'domain.write',
  'app.write',
  'workspace.write',
  'workspace.operate',
  'members.manage',
  'audit.read',
]);

/** Whether each action is a change that must leave an audit entry when it succeeds. */
const MUTATES = new Set<Action>([
  'ecosystem.create',
  'ecosystem.update',
  'ecosystem.delete',
  'domain.write',
  'app.write',
  'workspace.write',
  'members.manage',
  'users.manage',
  'hosts.manage',
]);

const RANK: Record<Credential, number> = { read: 0, write: 1, admin: 2, session: 3 };

function expected(persona: Persona, credential: Credential, action: Action): string {
  if (!ALLOWED[persona].includes(action)) {
    return persona === 'outsider' && IN_ECOSYSTEM.has(action) ? 'NOT_FOUND' : 'FORBIDDEN';
  }
  return RANK[credential] >= RANK[SCOPE_NEEDED[action]] ? 'ok' : 'FORBIDDEN';
}

let counter = 0;

/** Runs `action` through the use case that needs it, on objects made fresh for this case. */
async function attempt(world: World, ctx: ActionContext, action: Action) {
  const n = ++counter;
  const eco = `eco-${n}`;
  await world.hierarchy(eco);
  const parent = { ecosystem: eco, domain: 'dom', app: 'app' };
  let check: () => Promise<boolean> = async () => true;
  let run: () => Promise<unknown>;
  switch (action) {
    case 'read':
      run = () => getObject(ctx, { level: 'workspace', key: { ...parent, name: 'ws' } });
      break;
    case 'ecosystem.create':
      run = () =>
        createObject(ctx, { level: 'ecosystem', parent: {}, input: { name: `new-${n}` } });
      check = async () => (await world.store.ecosystems.find({ name: `new-${n}` })) !== undefined;
      break;
    case 'ecosystem.update':
      run = () =>
        updateObject(ctx, {
          level: 'ecosystem',
          key: { name: eco },
          input: { name: eco, labels: { changed: 'yes' } },
        });
      check = async () =>
        (await world.store.ecosystems.get({ name: eco })).labels.changed === 'yes';
      break;
    case 'ecosystem.delete':
      run = () => deleteObject(ctx, { level: 'ecosystem', key: { name: eco }, cascade: true });
      check = async () => (await world.store.ecosystems.find({ name: eco })) === undefined;
      break;
    case 'domain.write':
      run = () =>
        createObject(ctx, {
          level: 'domain',
          parent: { ecosystem: eco },
          input: { name: 'dom2' },
        });
      check = async () =>
        (await world.store.domains.find({ ecosystem: eco, name: 'dom2' })) !== undefined;
      break;
    case 'app.write':
      run = () =>
        createObject(ctx, {
          level: 'app',
          parent: { ecosystem: eco, domain: 'dom' },
          input: { name: 'app2' },
        });
      check = async () =>
        (await world.store.apps.find({ ecosystem: eco, domain: 'dom', name: 'app2' })) !==
        undefined;
      break;
    case 'workspace.write':
      run = () => createObject(ctx, { level: 'workspace', parent, input: { name: 'ws2' } });
      check = async () =>
        (await world.store.workspaces.find({ ...parent, name: 'ws2' })) !== undefined;
      break;
    case 'workspace.operate':
      // Build/start/stop/terminal use cases arrive with the agent; the gate they will call:
      run = () => authorize(ctx, 'workspace.operate', eco);
      break;
    case 'members.manage':
      run = () =>
        setMembership(ctx, { ecosystem: eco, email: 'outsider@example.com', role: 'viewer' });
      check = async () =>
        (await world.store.memberships.roleOf(world.users.outsider.id, eco)) === 'viewer';
      break;
    case 'users.read':
      run = () => listUsers(ctx);
      break;
    case 'users.manage':
      run = () =>
        createUser(ctx, { email: `made-${n}@example.com`, password: 'initial password 1' });
      check = async () =>
        (await world.store.users.findByEmail(`made-${n}@example.com`)) !== undefined;
      break;
    case 'audit.read':
      run = () => listAudit(ctx, { ecosystem: eco });
      break;
    case 'hosts.read':
      run = () => listHosts(ctx);
      break;
    case 'hosts.manage':
      run = () => createHost(ctx, { name: `host-${n}` });
      check = async () => (await world.store.hosts.find(`host-${n}`)) !== undefined;
      break;
  }
  const before = await auditCount(world.store);
  const result = await outcome(run());
  const written = (await auditCount(world.store)) - before;
  return { result, applied: await check(), written };
}

describe.each(DIALECTS)('role matrix on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await openWorld(dialect);
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  // Only administrators can hold admin-scoped tokens (createToken refuses the others).
  const cases = PERSONAS.flatMap((persona) =>
    CREDENTIALS.filter((c) => persona === 'admin' || c !== 'admin').map(
      (credential) => [persona, credential] as const,
    ),
  );
  for (const [persona, credential] of cases) {
    it(`${persona} with ${credential === 'session' ? 'a session' : `a ${credential}-scoped token`}`, async () => {
      const ctx =
        credential === 'session' ? world.ctx(persona) : await world.tokenCtx(persona, credential);
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      for (const action of Object.keys(SCOPE_NEEDED) as Action[]) {
        const { result, applied, written } = await attempt(world, ctx, action);
        got[action] = result;
        want[action] = expected(persona, credential, action);
        if (result === 'ok') {
          expect(applied, `${action} reported success but did not happen`).toBe(true);
          expect(written, `${action} audit entries`).toBe(MUTATES.has(action) ? 1 : 0);
        } else {
          expect(written, `${action} was refused but wrote to the audit log`).toBe(0);
          if (MUTATES.has(action)) {
            expect(applied, `${action} was refused but changed the store`).toBe(false);
          }
        }
      }
      expect(got).toEqual(want);
    });
  }

  it('explains refusals: the role needed, the scope needed, administrators only', async () => {
    await world.hierarchy('explained');
    const developer = world.ctx('developer');
    await expect(
      createObject(developer, {
        level: 'domain',
        parent: { ecosystem: 'explained' },
        input: { name: 'x' },
      }),
    ).rejects.toThrow(
      'You need the owner role in ecosystem "explained" to create, change or delete domains; you are a developer.',
    );
    const readToken = await world.tokenCtx('owner', 'read');
    await expect(
      createObject(readToken, {
        level: 'domain',
        parent: { ecosystem: 'explained' },
        input: { name: 'x' },
      }),
    ).rejects.toThrow('This API token has the "read" scope; "write" is needed');
    await expect(
      createObject(world.ctx('owner'), { level: 'ecosystem', parent: {}, input: { name: 'x' } }),
    ).rejects.toThrow('Only administrators can create ecosystems.');
  });

  it('hides ecosystems from non-members exactly like missing ones', async () => {
    await world.hierarchy('hidden');
    const outsider = world.ctx('outsider');
    const hidden = await outcome(
      getObject(outsider, { level: 'ecosystem', key: { name: 'hidden' } }),
    );
    const missing = await outcome(
      getObject(world.ctx('admin'), { level: 'ecosystem', key: { name: 'no-such' } }),
    );
    expect([hidden, missing]).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    await expect(
      getObject(outsider, { level: 'ecosystem', key: { name: 'hidden' } }),
    ).rejects.toThrow('ecosystem "hidden" not found.');
    await expect(
      getObject(world.ctx('admin'), { level: 'ecosystem', key: { name: 'no-such' } }),
    ).rejects.toThrow('ecosystem "no-such" not found.');
  });

  it('lists the allowed actions for a page to show the right controls', async () => {
    await world.hierarchy('controls');
    expect(await allowedActions(world.ctx('developer'), 'controls')).toEqual([
      'read',
      'app.write',
      'workspace.write',
      'workspace.operate',
      'hosts.read',
    ]);
    expect(await allowedActions(world.ctx('outsider'), 'controls')).toEqual(['hosts.read']);
    expect(await allowedActions(await world.tokenCtx('admin', 'read'), 'controls')).toEqual([
      'read',
      'users.read',
      'audit.read',
      'hosts.read',
    ]);
  });

  it('refuses everything but a password change while one is required', async () => {
    const user = await world.store.users.create({
      email: 'newcomer@example.com',
      passwordHash: 'x',
      mustChangePassword: true,
      isAdmin: true,
    });
    await expect(listUsers(world.ctx(user))).rejects.toThrow(
      'You must change your password before doing anything else.',
    );
    expect(await allowedActions(world.ctx(user))).toEqual([]);
  });
});
