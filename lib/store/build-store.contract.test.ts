// Contract suite for the builds half of the DataStore, run unchanged on SQLite and a real
// PostgreSQL. Each test gets a freshly migrated, empty database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type ErrorCode, isAppError } from '../errors';
import { DIALECTS, type TestStore, openTestStore } from '../testing/test-stores';
import { BUILD_LOG_LIMIT_BYTES, type BuildStep, type NewBuild } from './build-store';
import type { DataStore } from './data-store';

async function expectCode(promise: Promise<unknown>, code: ErrorCode, part?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw error ?? new Error(`expected ${code}, got success`);
  expect(error.code).toBe(code);
  if (part) expect(error.message).toMatch(part);
}

const APP = { ecosystem: 'platform', domain: 'backend', app: 'api' };

async function seedWorkspaces(store: DataStore, ...names: string[]): Promise<string[]> {
  await store.ecosystems.create({}, { name: 'platform' });
  await store.domains.create({ ecosystem: 'platform' }, { name: 'backend' });
  await store.apps.create(APP, { name: 'api' });
  const ids: string[] = [];
  for (const name of names) ids.push((await store.workspaces.create(APP, { name })).id);
  return ids;
}

function newBuild(workspaceId: string, extra: Partial<NewBuild> = {}): NewBuild {
  return {
    workspaceId,
    host: 'local',
    requestedBy: 'dev@example.com',
    requestedById: 'user-1',
    request: { repository: 'dvm/platform-backend-api-dev', settings: { args: {} } },
    ...extra,
  };
}

describe.each(DIALECTS)('build store [%s]', (dialect) => {
  let t: TestStore;
  let store: DataStore;
  let ws: string;
  let other: string;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    store = t.store;
    [ws, other] = (await seedWorkspaces(store, 'dev', 'other')) as [string, string];
  });

  afterEach(async () => {
    await t.cleanup();
  });

  it('creates a queued build with the workspace path, and gets it back exactly', async () => {
    const created = await store.builds.create(
      newBuild(ws, { requestedBuilder: 'buildkit', noCache: true }),
    );
    expect(created).toMatchObject({
      workspaceId: ws,
      ecosystem: 'platform',
      domain: 'backend',
      app: 'api',
      workspace: 'dev',
      host: 'local',
      status: 'queued',
      requestedBuilder: 'buildkit',
      noCache: true,
      requestedBy: 'dev@example.com',
      requestedById: 'user-1',
      request: { repository: 'dvm/platform-backend-api-dev', settings: { args: {} } },
      steps: [],
      lastSeq: 0,
      logBytes: 0,
      logTruncated: false,
    });
    expect(created.startedAt).toBeUndefined();
    expect(created.builder).toBeUndefined();
    expect(await store.builds.get(created.id)).toEqual(created);
    expect(await store.builds.find('nope')).toBeUndefined();
    await expectCode(store.builds.get('nope'), 'NOT_FOUND', /build "nope" not found/);
    await expectCode(
      store.builds.create(newBuild('0193a000-0000-7000-8000-000000000000')),
      'NOT_FOUND',
      /workspace/,
    );
    await expectCode(store.builds.create(newBuild(ws, { host: '' })), 'INVALID');
  });

  it('lists a workspace’s builds newest first in keyset pages, unaffected by inserts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.builds.create(newBuild(ws))).id);
    await store.builds.create(newBuild(other));
    const seen: string[] = [];
    let cursor: string | undefined;
    let first = true;
    do {
      const page = await store.builds.listForWorkspace(ws, { limit: 2, ...(cursor && { cursor }) });
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor;
      // A build queued while paging is newer than every cursor: it never shows up mid-walk.
      if (first) await store.builds.create(newBuild(ws));
      first = false;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    await expectCode(store.builds.listForWorkspace(ws, { cursor: 'garbage' }), 'INVALID');
    await expectCode(store.builds.listForWorkspace(ws, { limit: 0 }), 'INVALID');
  });

  it('claims queued builds oldest first, at most `limit` running per host', async () => {
    const a = await store.builds.create(newBuild(ws));
    const b = await store.builds.create(newBuild(ws));
    const c = await store.builds.create(newBuild(ws));
    const elsewhere = await store.builds.create(newBuild(ws, { host: 'edge' }));
    expect(await store.builds.hostsWithQueued()).toEqual(['edge', 'local']);

    const claimed = await store.builds.claimQueued('local', 2, 'runner-1');
    expect(claimed.map((x) => x.id)).toEqual([a.id, b.id]);
    for (const build of claimed) {
      expect(build).toMatchObject({ status: 'running', runner: 'runner-1' });
      expect(build.startedAt).toBeInstanceOf(Date);
      expect(build.heartbeatAt).toBeInstanceOf(Date);
    }
    // Full: another runner gets nothing until one finishes.
    expect(await store.builds.claimQueued('local', 2, 'runner-2')).toEqual([]);
    await store.builds.finish(a.id, { status: 'succeeded', tag: 'x:1', imageId: 'sha256:1' });
    expect((await store.builds.claimQueued('local', 2, 'runner-2')).map((x) => x.id)).toEqual([
      c.id,
    ]);
    expect(await store.builds.hostsWithQueued()).toEqual(['edge']);
    expect((await store.builds.get(elsewhere.id)).status).toBe('queued');
    expect((await store.builds.listRunning({ runner: 'runner-2' })).map((x) => x.id)).toEqual([
      c.id,
    ]);
    expect((await store.builds.listRunning()).map((x) => x.id)).toEqual([b.id, c.id]);
  });

  it('never lets concurrent runners exceed the limit or claim a build twice', async () => {
    await store.hosts.create({ name: 'local' });
    for (let i = 0; i < 6; i++) await store.builds.create(newBuild(ws));
    const second = await t.reopen();
    const third = await t.reopen();
    const claims = await Promise.all(
      [store, second, third, store, second, third].map((s, i) =>
        s.builds.claimQueued('local', 3, `runner-${i}`),
      ),
    );
    const ids = claims.flat().map((b) => b.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(await store.builds.listRunning()).toHaveLength(3);
  });

  it('appends numbered events, steps and what was prepared, and reads them back in order', async () => {
    const build = await store.builds.create(newBuild(ws));
    await store.builds.claimQueued('local', 1, 'r');
    const at = new Date('2026-11-27T12:00:00.123Z');
    const first = await store.builds.appendEvents(build.id, {
      events: [
        { type: 'status', data: { status: 'running', host: 'local' }, at },
        { type: 'prepared', data: { builder: 'buildkit', tag: 'dvm/x:abc' } },
      ],
      prepared: {
        builder: 'buildkit',
        dockerfile: 'FROM busybox\n',
        tag: 'dvm/x:abc',
        inputsHash: 'abc',
        baseImage: { value: 'busybox', source: 'workspace' },
        language: { value: { name: 'go', version: '1.22' }, source: 'detected' },
        reused: false,
      },
    });
    expect(first.lastSeq).toBe(2);
    const steps: BuildStep[] = [
      { id: 's1', name: '[1/2] FROM busybox', state: 'cached', cached: true },
      {
        id: 's2',
        name: '[2/2] RUN echo hi',
        state: 'completed',
        cached: false,
        startedAt: '2026-11-27T12:00:01.000Z',
        completedAt: '2026-11-27T12:00:01.500Z',
        durationMs: 500,
      },
    ];
    const second = await store.builds.appendEvents(build.id, {
      events: [
        { type: 'step', data: { ...steps[0]! } },
        { type: 'log', data: { stepId: 's2', stream: 'stdout', text: 'hi\n' } },
        { type: 'step', data: { ...steps[1]! } },
      ],
      steps,
    });
    expect(second.lastSeq).toBe(5);

    const stored = await store.builds.get(build.id);
    expect(stored).toMatchObject({
      builder: 'buildkit',
      dockerfile: 'FROM busybox\n',
      tag: 'dvm/x:abc',
      inputsHash: 'abc',
      reused: false,
      baseImage: { value: 'busybox', source: 'workspace' },
      language: { value: { name: 'go', version: '1.22' }, source: 'detected' },
      steps,
      lastSeq: 5,
      logBytes: 3,
    });

    const events = await store.builds.readEvents(build.id);
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'status'],
      [2, 'prepared'],
      [3, 'step'],
      [4, 'log'],
      [5, 'step'],
    ]);
    expect(events[0]!.at.toISOString()).toBe(at.toISOString());
    expect(events[3]!.data).toEqual({ stepId: 's2', stream: 'stdout', text: 'hi\n' });
    expect((await store.builds.readEvents(build.id, { afterSeq: 3 })).map((e) => e.seq)).toEqual([
      4, 5,
    ]);
    expect(
      (await store.builds.readEvents(build.id, { afterSeq: 0, limit: 2 })).map((e) => e.seq),
    ).toEqual([1, 2]);
    expect(
      (await store.builds.readEvents(build.id, { types: ['log'] })).map((e) => e.data.text),
    ).toEqual(['hi\n']);
    await expectCode(
      store.builds.appendEvents('nope', { events: [{ type: 'log', data: { text: 'x' } }] }),
      'NOT_FOUND',
    );
    await expectCode(
      store.builds.appendEvents(build.id, {
        events: [{ type: 'bogus' as 'log', data: {} }],
      }),
      'INVALID',
    );
  });

  it('keeps the log up to the limit, then one note, never splitting a character', async () => {
    const build = await store.builds.create(newBuild(ws));
    const mib = 'x'.repeat(1024 * 1024 - 1) + '\n';
    for (let i = 0; i < 4; i++) {
      await store.builds.appendEvents(build.id, {
        events: [{ type: 'log', data: { stream: 'stdout', text: mib } }],
      });
    }
    // 4 MiB kept; the next chunk crosses the limit in the middle of a 3-byte character.
    const filler = 'y'.repeat(1024 * 1024 - 2);
    await store.builds.appendEvents(build.id, {
      events: [
        { type: 'log', data: { stream: 'stdout', text: `${filler}€ and more` } },
        { type: 'step', data: { id: 's', name: 'still recorded' } },
        { type: 'log', data: { stream: 'stdout', text: 'dropped\n' } },
      ],
    });
    await store.builds.appendEvents(build.id, {
      events: [{ type: 'log', data: { stream: 'stdout', text: 'dropped too\n' } }],
    });
    const record = await store.builds.get(build.id);
    expect(record.logTruncated).toBe(true);
    expect(record.logBytes).toBe(BUILD_LOG_LIMIT_BYTES - 2);

    const logs: string[] = [];
    let after = 0;
    for (;;) {
      const page = await store.builds.readEvents(build.id, { afterSeq: after, types: ['log'] });
      if (page.length === 0) break;
      logs.push(...page.map((e) => String(e.data.text)));
      after = page[page.length - 1]!.seq;
    }
    const text = logs.join('');
    // Booleans, not the text: a failure must not print 5 MiB.
    expect(text.startsWith(mib)).toBe(true);
    expect(text.includes('€')).toBe(false);
    expect(text.includes('dropped\n') || text.includes('dropped too')).toBe(false);
    expect(
      text.endsWith(
        `${filler}\n[dvm] The log reached 5 MiB; later output was dropped (steps and the outcome are still recorded).\n`,
      ),
    ).toBe(true);
    const steps = await store.builds.readEvents(build.id, { types: ['step'] });
    expect(steps.map((e) => e.data.name)).toEqual(['still recorded']);
  });

  it('finishes exactly once, from the states it is allowed from', async () => {
    const build = await store.builds.create(newBuild(ws));
    // Cancelling a queued build wins over a runner that has not claimed it yet.
    const cancelled = await store.builds.finish(
      build.id,
      { status: 'cancelled' },
      { from: ['queued'] },
    );
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(cancelled!.finishedAt).toBeInstanceOf(Date);
    expect(await store.builds.claimQueued('local', 1, 'r')).toEqual([]);
    expect(await store.builds.finish(build.id, { status: 'succeeded' })).toBeUndefined();

    const running = await store.builds.create(newBuild(ws));
    await store.builds.claimQueued('local', 1, 'r');
    expect(
      await store.builds.finish(running.id, { status: 'cancelled' }, { from: ['queued'] }),
    ).toBeUndefined();
    await expectCode(store.builds.finish(running.id, { status: 'failed' }), 'INVALID');
    const failure = {
      message: 'RUN exit 3 failed',
      failedStep: '[2/2] RUN exit 3',
      exitCode: 3,
      lastLines: ['one', 'two'],
    };
    const attempts = await Promise.all([
      store.builds.finish(running.id, { status: 'failed', failure }),
      store.builds.finish(running.id, { status: 'cancelled' }),
    ]);
    expect(attempts.filter((a) => a !== undefined)).toHaveLength(1);
    const finished = await store.builds.get(running.id);
    if (finished.status === 'failed') expect(finished.failure).toEqual(failure);
    else expect(finished.status).toBe('cancelled');
  });

  it('knows the latest succeeded build of a workspace', async () => {
    expect(await store.builds.latestSucceeded(ws)).toBeUndefined();
    const one = await store.builds.create(newBuild(ws));
    const two = await store.builds.create(newBuild(ws));
    const three = await store.builds.create(newBuild(ws));
    await store.builds.claimQueued('local', 3, 'r');
    await store.builds.finish(one.id, {
      status: 'succeeded',
      tag: 'dvm/x:1',
      imageId: 'sha256:1',
      digest: 'sha256:1',
    });
    await store.builds.finish(two.id, { status: 'succeeded', tag: 'dvm/x:2' });
    await store.builds.finish(three.id, {
      status: 'failed',
      failure: { message: 'no', lastLines: [] },
    });
    expect(await store.builds.latestSucceeded(ws)).toMatchObject({ id: two.id, tag: 'dvm/x:2' });
    expect(await store.builds.latestSucceeded(other)).toBeUndefined();
  });

  it('records cancel requests only for running builds', async () => {
    const queued = await store.builds.create(newBuild(ws, { host: 'edge' }));
    expect(await store.builds.requestCancel(queued.id)).toBeUndefined();
    const running = await store.builds.create(newBuild(ws));
    await store.builds.claimQueued('local', 1, 'r');
    const requested = await store.builds.requestCancel(running.id);
    expect(requested?.status).toBe('running');
    expect(requested?.cancelRequestedAt).toBeInstanceOf(Date);
    // Asking again keeps the first time.
    const again = await store.builds.requestCancel(running.id, new Date(Date.now() + 60_000));
    expect(again?.cancelRequestedAt?.getTime()).toBe(requested!.cancelRequestedAt!.getTime());
    await store.builds.finish(running.id, { status: 'cancelled' });
    expect(await store.builds.requestCancel(running.id)).toBeUndefined();
  });

  it('fails running builds whose runner went quiet, with the last lines of their log', async () => {
    const old = new Date(Date.now() - 60_000);
    const stale = await store.builds.create(newBuild(ws));
    await store.builds.claimQueued('local', 1, 'gone', old);
    await store.builds.appendEvents(stale.id, {
      events: [
        { type: 'log', data: { stream: 'stdout', text: 'line 1\nline 2\npartial' } },
        { type: 'log', data: { stream: 'stdout', text: ' line 3\n' } },
      ],
      steps: [{ id: 's', name: '[2/3] RUN make', state: 'started', cached: false }],
    });
    const fresh = await store.builds.create(newBuild(ws, { host: 'edge' }));
    await store.builds.claimQueued('edge', 1, 'alive');
    expect(await store.builds.heartbeat('alive')).toBe(1);
    const queued = await store.builds.create(newBuild(ws, { host: 'third' }));

    const failed = await store.builds.failRunning('the control plane restarted during the build', {
      heartbeatBefore: new Date(Date.now() - 10_000),
    });
    expect(failed.map((b) => b.id)).toEqual([stale.id]);
    expect(failed[0]).toMatchObject({
      status: 'failed',
      failure: {
        message: 'the control plane restarted during the build',
        failedStep: '[2/3] RUN make',
        lastLines: ['line 1', 'line 2', 'partial line 3'],
      },
    });
    expect((await store.builds.get(fresh.id)).status).toBe('running');
    expect((await store.builds.get(queued.id)).status).toBe('queued');

    // Without a cutoff every running build fails (start-up on a single-process SQLite).
    const all = await store.builds.failRunning('restarted');
    expect(all.map((b) => b.id)).toEqual([fresh.id]);
    expect(await store.builds.listRunning()).toEqual([]);
  });

  it('goes with its workspace, events included, also when the ecosystem goes with cascade', async () => {
    const build = await store.builds.create(newBuild(ws));
    await store.builds.appendEvents(build.id, {
      events: [{ type: 'log', data: { stream: 'stdout', text: 'x\n' } }],
    });
    const kept = await store.builds.create(newBuild(other));
    await store.workspaces.delete({ ...APP, name: 'dev' });
    expect(await store.builds.find(build.id)).toBeUndefined();
    expect(await store.builds.readEvents(build.id)).toEqual([]);
    expect(await store.builds.find(kept.id)).toBeDefined();
    await store.ecosystems.delete({ name: 'platform' }, { cascade: true });
    expect(await store.builds.find(kept.id)).toBeUndefined();
  });

  it('rolls back with the transaction around it', async () => {
    const build = await store.builds.create(newBuild(ws));
    await expect(
      store.transaction(async (tx) => {
        await tx.builds.appendEvents(build.id, {
          events: [{ type: 'log', data: { stream: 'stdout', text: 'x\n' } }],
        });
        await tx.builds.create(newBuild(ws));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.builds.get(build.id)).lastSeq).toBe(0);
    expect((await store.builds.listForWorkspace(ws)).items).toHaveLength(1);
  });
});
