// The build log stream (GET …/builds/{id}/log?follow=true) against a real store: replay from the
// start or after Last-Event-ID, live events as the runner stores them, `finished` and the end of
// the stream, and — what a browser tab closing needs — the follower stops (no listener left, no
// more reads) as soon as the client goes away or the control plane shuts down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openWorld, type World } from '@/lib/domain/test-fixtures';
import { buildEventHub } from '@/lib/server/build-events';
import type { Runtime } from '@/lib/server/runtime';
import type { BuildRecord } from '@/lib/store/data-store';
import { buildLogHandler, type BuildParams } from './build-handlers';

const PARAMS: BuildParams = { eco: 'logs', dom: 'dom', app: 'app', ws: 'ws', id: '' };

interface Received {
  id?: number;
  event: string;
  data: Record<string, unknown>;
}

/** Reads SSE blocks from a response body as they come. */
function reader(response: Response) {
  const body = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  const next = async (): Promise<Received | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        if (!event) continue;
        const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
        const data = lines.find((l) => l.startsWith('data: '))!.slice(6);
        return {
          event,
          data: JSON.parse(data) as Record<string, unknown>,
          ...(id !== undefined && { id: Number(id) }),
        };
      }
      if (ended) return undefined;
      const { done, value } = await body.read();
      if (done) ended = true;
      else buffer += decoder.decode(value, { stream: true });
    }
  };
  return { next, cancel: () => body.cancel() };
}

describe('following a build log', () => {
  let world: World;
  let build: BuildRecord;

  const open = (id: string, init: RequestInit = {}) =>
    buildLogHandler({
      request: new Request(`http://localhost/x/log?follow=true`, init),
      params: { ...PARAMS, id },
      ctx: world.ctx('viewer'),
      runtime: {} as Runtime,
    });

  beforeAll(async () => {
    world = await openWorld('sqlite');
    await world.hierarchy('logs');
    const ws = await world.store.workspaces.get({
      ecosystem: 'logs',
      domain: 'dom',
      app: 'app',
      name: 'ws',
    });
    build = await world.store.builds.create({
      workspaceId: ws.id,
      host: 'local',
      requestedBy: 'developer@example.com',
      request: {},
    });
    await world.store.builds.claimQueued('local', 1, 'test');
    await world.store.builds.appendEvents(build.id, {
      events: [
        { type: 'status', data: { status: 'running', host: 'local' } },
        { type: 'log', data: { stream: 'stdout', text: 'one\n' } },
        { type: 'log', data: { stream: 'stdout', text: 'two\n' } },
      ],
    });
  });

  afterAll(async () => {
    await world?.test.cleanup();
  });

  it('replays, goes live, and stops when the client goes away', async () => {
    const client = new AbortController();
    const response = await open(build.id, { signal: client.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('no-transform');
    const events = reader(response);
    expect(await events.next()).toMatchObject({ id: 1, event: 'status' });
    expect(await events.next()).toMatchObject({ id: 2, event: 'log', data: { text: 'one\n' } });
    expect(await events.next()).toMatchObject({ id: 3, event: 'log', data: { text: 'two\n' } });

    // Live: stored and signalled by the runner, it arrives well before the 1 s poll.
    const started = Date.now();
    await world.store.builds.appendEvents(build.id, {
      events: [{ type: 'step', data: { id: 's', name: 'RUN x', state: 'started', cached: false } }],
    });
    buildEventHub().changed(build.id);
    expect(await events.next()).toMatchObject({ id: 4, event: 'step', data: { name: 'RUN x' } });
    expect(Date.now() - started).toBeLessThan(500);
    expect(buildEventHub().listeners(build.id)).toBe(1);

    client.abort();
    await expect.poll(() => buildEventHub().listeners(build.id)).toBe(0);
    await events.cancel().catch(() => undefined);
  });

  it('stops when the reader cancels the body, and when the control plane closes followers', async () => {
    const first = reader(await open(build.id));
    await first.next();
    expect(buildEventHub().listeners(build.id)).toBe(1);
    await first.cancel();
    await expect.poll(() => buildEventHub().listeners(build.id)).toBe(0);

    const second = reader(await open(build.id));
    await second.next();
    buildEventHub().closeFollowers();
    for (let e = await second.next(); e; e = await second.next());
    expect(buildEventHub().listeners(build.id)).toBe(0);
  });

  it('resumes after Last-Event-ID, and ends with `finished` once the build has', async () => {
    await world.store.builds.finish(build.id, {
      status: 'failed',
      failure: { message: 'exit code: 3', exitCode: 3, lastLines: ['two'] },
    });
    const events = reader(await open(build.id, { headers: { 'Last-Event-ID': '2' } }));
    const received: Received[] = [];
    for (let e = await events.next(); e; e = await events.next()) received.push(e);
    expect(received.map((e) => e.id ?? e.event)).toEqual([3, 4, 'finished']);
    expect(received[2]!.data).toMatchObject({
      id: build.id,
      status: 'failed',
      failure: { exitCode: 3 },
      links: {
        self: `/api/v1/ecosystems/logs/domains/dom/apps/app/workspaces/ws/builds/${build.id}`,
      },
    });
    expect(buildEventHub().listeners(build.id)).toBe(0);
  });

  it('serves the plain log as text', async () => {
    const response = await buildLogHandler({
      request: new Request('http://localhost/x/log'),
      params: { ...PARAMS, id: build.id },
      ctx: world.ctx('viewer'),
      runtime: {} as Runtime,
    });
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('one\ntwo\n');
  });
});
