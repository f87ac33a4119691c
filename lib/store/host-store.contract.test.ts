// Contract suite for the hosts half of the DataStore (hosts and workspace placements), run unchanged
// on SQLite and a real PostgreSQL. Each test gets a freshly migrated, empty database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type ErrorCode, isAppError } from '../errors';
import { DIALECTS, type TestStore, openTestStore } from '../testing/test-stores';
import type { DataStore } from './data-store';
import type { NewPlacement } from './host-store';

async function expectCode(
  promise: Promise<unknown>,
  code: ErrorCode,
  messagePart?: RegExp,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw error ?? new Error(`expected ${code}, got success`);
  expect(error.code).toBe(code);
  if (messagePart) expect(error.message).toMatch(messagePart);
}

const HOUR = 3_600_000;
const APP = { ecosystem: 'platform', domain: 'backend', app: 'api' };

async function seedWorkspaces(store: DataStore, ...names: string[]): Promise<string[]> {
  await store.ecosystems.create({}, { name: 'platform' });
  await store.domains.create({ ecosystem: 'platform' }, { name: 'backend' });
  await store.apps.create({ ecosystem: 'platform', domain: 'backend' }, { name: 'api' });
  const ids: string[] = [];
  for (const name of names) ids.push((await store.workspaces.create(APP, { name })).id);
  return ids;
}

function placement(workspaceId: string, host: string, extra: Partial<NewPlacement> = {}) {
  return {
    workspaceId,
    host,
    containerName: `dvm_${workspaceId}`,
    image: 'dvm-dev:latest',
    desired: 'running' as const,
    ...extra,
  };
}

describe.each(DIALECTS)('host stores [%s]', (dialect) => {
  let t: TestStore;
  let store: DataStore;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    store = t.store;
  });

  afterEach(async () => {
    await t.cleanup();
  });

  describe('hosts', () => {
    it('creates, gets, lists by name with keyset pages and label filters, updates', async () => {
      const expires = new Date(Date.now() + HOUR);
      const created = await store.hosts.create({
        name: 'build-1',
        labels: { gpu: 'true' },
        joinTokenHash: 'h1',
        joinTokenExpiresAt: expires,
      });
      expect(created).toMatchObject({
        name: 'build-1',
        address: '',
        labels: { gpu: 'true' },
        status: 'pending',
      });
      expect(created.joinTokenExpiresAt?.getTime()).toBe(expires.getTime());
      expect(created.credentialCiphertext).toBeUndefined();
      expect(created.joinedAt).toBeUndefined();
      // Byte order: `a-b` sorts before `ab` on both dialects.
      await store.hosts.create({ name: 'ab', address: '10.0.0.2:7443' });
      await store.hosts.create({ name: 'a-b' });
      const local = await store.hosts.create({ name: 'local', credentialCiphertext: 'v1:x' });
      expect(local.joinedAt).toBeDefined();

      await expectCode(store.hosts.create({ name: 'ab' }), 'ALREADY_EXISTS', /host "ab"/);
      await expectCode(store.hosts.create({ name: 'Not_A_Label' }), 'INVALID');
      await expectCode(store.hosts.get('nope'), 'NOT_FOUND', /host "nope" not found/);
      expect(await store.hosts.find('nope')).toBeUndefined();
      expect((await store.hosts.get('ab')).address).toBe('10.0.0.2:7443');

      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.hosts.list({ limit: 3, ...(cursor && { cursor }) });
        names.push(...page.items.map((h) => h.name));
        cursor = page.nextCursor;
      } while (cursor);
      expect(names).toEqual(['a-b', 'ab', 'build-1', 'local']);
      expect(
        (await store.hosts.list({ labels: { gpu: 'true' } })).items.map((h) => h.name),
      ).toEqual(['build-1']);

      const updated = await store.hosts.update('ab', {
        address: '10.0.0.3:7443',
        labels: { zone: 'b' },
      });
      expect(updated).toMatchObject({ address: '10.0.0.3:7443', labels: { zone: 'b' } });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      await expectCode(store.hosts.update('nope', { labels: {} }), 'NOT_FOUND');
      await expectCode(
        store.hosts.update('ab', { labels: { bad: 1 as unknown as string } }),
        'INVALID',
      );
    });

    it('consumes a join token exactly once, even under concurrency, and never an expired one', async () => {
      const now = new Date();
      await store.hosts.create({
        name: 'edge',
        joinTokenHash: 'token-hash',
        joinTokenExpiresAt: new Date(now.getTime() + HOUR),
      });
      expect((await store.hosts.findByJoinToken('token-hash', now))?.name).toBe('edge');
      expect(await store.hosts.findByJoinToken('other', now)).toBeUndefined();

      const second = await t.reopen();
      const attempts = await Promise.all(
        [store, second, store, second].map((s, i) =>
          s.hosts.completeJoin('token-hash', now, {
            address: `10.0.0.${i}:7443`,
            credentialCiphertext: `v1:cipher-${i}`,
          }),
        ),
      );
      const winners = attempts.filter((a) => a !== undefined);
      expect(winners).toHaveLength(1);
      const joined = await store.hosts.get('edge');
      expect(joined.address).toBe(winners[0]!.address);
      expect(joined.credentialCiphertext).toBe(winners[0]!.credentialCiphertext);
      expect(joined.joinedAt?.getTime()).toBe(now.getTime());
      expect(joined.joinTokenExpiresAt).toBeUndefined();
      expect(await store.hosts.findByJoinToken('token-hash', now)).toBeUndefined();
      // Used: the same token never joins again.
      expect(
        await store.hosts.completeJoin('token-hash', now, {
          address: 'x:1',
          credentialCiphertext: 'v1:y',
        }),
      ).toBeUndefined();

      // Expired: refused, and the host is left as it was.
      await store.hosts.create({
        name: 'late',
        joinTokenHash: 'late-hash',
        joinTokenExpiresAt: new Date(now.getTime() - 1),
      });
      expect(await store.hosts.findByJoinToken('late-hash', now)).toBeUndefined();
      expect(
        await store.hosts.completeJoin('late-hash', now, {
          address: 'x:1',
          credentialCiphertext: 'v1:y',
        }),
      ).toBeUndefined();
      const late = await store.hosts.get('late');
      expect(late.credentialCiphertext).toBeUndefined();
      expect(late.address).toBe('');

      // A fresh token (rotation) lets a joined host join again.
      await store.hosts.update('edge', {
        joinTokenHash: 'again',
        joinTokenExpiresAt: new Date(now.getTime() + HOUR),
      });
      expect(
        (
          await store.hosts.completeJoin('again', now, {
            address: 'y:2',
            credentialCiphertext: 'z',
          })
        )?.address,
      ).toBe('y:2');
    });

    it('records heartbeats: status, reason, info, without touching updatedAt', async () => {
      const host = await store.hosts.create({ name: 'edge' });
      const at = new Date(Date.now() + 1000);
      const info = { platforms: [{ type: 'docker-host', active: true }], runtime: 'docker' };
      const healthy = await store.hosts.recordHeartbeat('edge', { at, status: 'healthy', info });
      expect(healthy).toMatchObject({ status: 'healthy', info });
      expect(healthy.statusReason).toBeUndefined();
      expect(healthy.lastHeartbeatAt?.getTime()).toBe(at.getTime());
      expect(healthy.updatedAt.getTime()).toBe(host.updatedAt.getTime());
      const down = await store.hosts.recordHeartbeat('edge', {
        at,
        status: 'unhealthy',
        statusReason: 'no heartbeat for 4.1s',
      });
      expect(down).toMatchObject({
        status: 'unhealthy',
        statusReason: 'no heartbeat for 4.1s',
        info,
      });
      await expectCode(
        store.hosts.recordHeartbeat('edge', { at, status: 'sleeping' as 'healthy' }),
        'INVALID',
      );
      await expectCode(store.hosts.recordHeartbeat('nope', { at, status: 'healthy' }), 'NOT_FOUND');
    });

    it('deletes a host, but not while workspaces are placed on it', async () => {
      const [dev, test] = await seedWorkspaces(store, 'dev', 'test');
      await store.hosts.create({ name: 'busy' });
      await store.hosts.create({ name: 'idle' });
      await store.placements.set(placement(dev!, 'busy'));
      await store.placements.set(placement(test!, 'busy'));
      await expectCode(
        store.hosts.delete('busy'),
        'CONFLICT',
        /host "busy" still has 2 workspaces placed on it \(platform\/backend\/api\/dev, platform\/backend\/api\/test\)/,
      );
      expect(await store.hosts.find('busy')).toBeDefined();
      expect(await store.hosts.delete('idle')).toBe(true);
      expect(await store.hosts.delete('idle')).toBe(false);
      await store.placements.delete(dev!);
      await store.placements.delete(test!);
      expect(await store.hosts.delete('busy')).toBe(true);
    });

    it('rolls a host change back with the transaction around it', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.hosts.create({ name: 'ghost' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.hosts.find('ghost')).toBeUndefined();
    });
  });

  describe('placements', () => {
    it('sets, observes, changes the desired state, lists by host and counts running ones', async () => {
      const [dev, test, prod] = await seedWorkspaces(store, 'dev', 'test', 'prod');
      await store.hosts.create({ name: 'one' });
      await store.hosts.create({ name: 'two' });
      expect(await store.placements.find(dev!)).toBeUndefined();

      const set = await store.placements.set(
        placement(dev!, 'one', { sourceVolume: 'dvm_src_dev' }),
      );
      expect(set).toMatchObject({
        workspaceId: dev,
        ecosystem: 'platform',
        domain: 'backend',
        app: 'api',
        workspace: 'dev',
        host: 'one',
        image: 'dvm-dev:latest',
        sourceVolume: 'dvm_src_dev',
        desired: 'running',
        observed: 'unknown',
      });
      const at = new Date();
      const observed = await store.placements.observe(dev!, { observed: 'running', at });
      expect(observed).toMatchObject({ observed: 'running' });
      expect(observed?.observedAt?.getTime()).toBe(at.getTime());
      expect(observed?.reason).toBeUndefined();

      // Replacing on the same host keeps the observation; moving to another host resets it.
      expect((await store.placements.set(placement(dev!, 'one', { image: 'v2' }))).observed).toBe(
        'running',
      );
      await store.placements.set(placement(test!, 'one'));
      await store.placements.observe(test!, { observed: 'running', at });
      await store.placements.set(placement(prod!, 'two'));
      await store.placements.observe(prod!, {
        observed: 'missing',
        reason: 'removed outside DevOpsMaestro',
        at,
      });
      expect(await store.placements.countRunningByHost()).toEqual({ one: 2 });
      const moved = await store.placements.set(placement(test!, 'two'));
      expect(moved).toMatchObject({ host: 'two', observed: 'unknown' });
      expect(moved.observedAt).toBeUndefined();
      expect(await store.placements.countRunningByHost()).toEqual({ one: 1 });

      expect((await store.placements.listByHost('two')).map((p) => p.workspace)).toEqual([
        'prod',
        'test',
      ]);
      expect((await store.placements.find(prod!))?.reason).toBe('removed outside DevOpsMaestro');
      expect(await store.placements.listByHost('nobody')).toEqual([]);

      const stopped = await store.placements.setDesired(dev!, 'stopped');
      expect(stopped).toMatchObject({ desired: 'stopped', observed: 'running' });
      await expectCode(store.placements.setDesired('no-such-id', 'running'), 'NOT_FOUND');
      expect(
        await store.placements.observe('no-such-id', { observed: 'running', at }),
      ).toBeUndefined();
    });

    it('reads the placements of many workspaces in one call, in workspace order', async () => {
      const [dev, test, prod, idle] = await seedWorkspaces(store, 'dev', 'test', 'prod', 'idle');
      await store.hosts.create({ name: 'one' });
      await store.hosts.create({ name: 'two' });
      await store.placements.set(placement(prod!, 'two'));
      await store.placements.set(placement(dev!, 'one', { sourceVolume: 'dvm_src_dev' }));
      await store.placements.set(placement(test!, 'one'));
      const at = new Date();
      await store.placements.observe(test!, { observed: 'missing', reason: 'gone', at });

      // Asked out of order, with a duplicate, an unplaced workspace and an unknown id.
      const found = await store.placements.findMany([
        prod!,
        idle!,
        test!,
        'no-such-id',
        dev!,
        prod!,
      ]);
      expect(found.map((p) => [p.workspace, p.host])).toEqual([
        ['dev', 'one'],
        ['prod', 'two'],
        ['test', 'one'],
      ]);
      // Each record is the same as reading it alone.
      for (const record of found)
        expect(record).toEqual(await store.placements.find(record.workspaceId));
      expect(found[2]).toMatchObject({ observed: 'missing', reason: 'gone' });
      expect(found[2]!.observedAt?.getTime()).toBe(at.getTime());

      expect(await store.placements.findMany([])).toEqual([]);
      expect(await store.placements.findMany([idle!])).toEqual([]);
      await expectCode(
        store.placements.findMany(Array.from({ length: 501 }, (_, i) => `id-${i}`)),
        'INVALID',
        /at most 500/i,
      );
    });

    it('counts the placements of named hosts in one call; hosts without any are absent', async () => {
      const [dev, test, prod] = await seedWorkspaces(store, 'dev', 'test', 'prod');
      for (const name of ['one', 'two', 'three']) await store.hosts.create({ name });
      await store.placements.set(placement(dev!, 'one'));
      await store.placements.set(placement(test!, 'one', { desired: 'stopped' }));
      await store.placements.set(placement(prod!, 'two'));
      expect(await store.placements.countByHost(['one', 'two', 'three', 'one', 'nope'])).toEqual({
        one: 2,
        two: 1,
      });
      expect(await store.placements.countByHost(['two'])).toEqual({ two: 1 });
      expect(await store.placements.countByHost([])).toEqual({});
      await expectCode(
        store.placements.countByHost(Array.from({ length: 501 }, (_, i) => `h-${i}`)),
        'INVALID',
        /at most 500/i,
      );
    });

    it('refuses bad input and unknown hosts or workspaces, writing nothing', async () => {
      const [dev] = await seedWorkspaces(store, 'dev');
      await store.hosts.create({ name: 'one' });
      await expectCode(store.placements.set(placement(dev!, 'nope')), 'NOT_FOUND', /host "nope"/);
      await expectCode(store.placements.set(placement('no-such-id', 'one')), 'NOT_FOUND');
      await expectCode(
        store.placements.set(placement(dev!, 'one', { desired: 'paused' as 'running' })),
        'INVALID',
      );
      await expectCode(store.placements.set(placement(dev!, 'one', { image: '' })), 'INVALID');
      await expectCode(
        store.placements.observe(dev!, { observed: 'gone' as 'missing', at: new Date() }),
        'INVALID',
      );
      expect(await store.placements.find(dev!)).toBeUndefined();
    });

    it('goes with its workspace, also when a whole ecosystem is deleted with cascade', async () => {
      const [dev, test] = await seedWorkspaces(store, 'dev', 'test');
      await store.hosts.create({ name: 'one' });
      await store.placements.set(placement(dev!, 'one'));
      await store.placements.set(placement(test!, 'one'));
      await store.workspaces.delete({ ...APP, name: 'dev' });
      expect(await store.placements.find(dev!)).toBeUndefined();
      expect((await store.placements.listByHost('one')).map((p) => p.workspace)).toEqual(['test']);
      await store.ecosystems.delete({ name: 'platform' }, { cascade: true });
      expect(await store.placements.listByHost('one')).toEqual([]);
      expect(await store.hosts.delete('one')).toBe(true);
    });

    it('deletes one placement', async () => {
      const [dev] = await seedWorkspaces(store, 'dev');
      await store.hosts.create({ name: 'one' });
      await store.placements.set(placement(dev!, 'one'));
      expect(await store.placements.delete(dev!)).toBe(true);
      expect(await store.placements.delete(dev!)).toBe(false);
    });
  });
});
