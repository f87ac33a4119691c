// The build routes of a workspace: ask for a build (202, queued), list and read builds, cancel
// one, and its log — the whole text, or followed live as Server-Sent Events. Every answer about a
// build is the domain's build view plus `links` to where it can be followed and cancelled.
//
// Following (`?follow=true`): every stored event from the start (or after `Last-Event-ID`) with
// `id:` = its sequence number, then new ones as the runner stores them (woken by the in-process
// event hub, and polling the store once a second so a build run by another replica is followed
// too), then `event: finished` with the build view, and the stream closes. A comment line every
// 15 s keeps proxies from closing a quiet stream. The loop ends when the client goes away.
import { buildView, type BuildView } from '@/lib/domain/builds/build-view';
import { cancelBuild } from '@/lib/domain/builds/cancel-build';
import { getBuild } from '@/lib/domain/builds/get-build';
import { listBuilds } from '@/lib/domain/builds/list-builds';
import { openBuildLog, type BuildLogReader } from '@/lib/domain/builds/open-build-log';
import { requestBuild } from '@/lib/domain/builds/request-build';
import { invalid } from '@/lib/errors';
import { buildEventHub } from '@/lib/server/build-events';
import { type BuildEvent, type BuildRecord, isFinished } from '@/lib/store/data-store';
import { queryObject, readJsonBody } from './body';
import { buildLogQuery } from './build-requests';
import { defined, pageQuery, parseInput } from './identity-requests';
import { noQuery, resourcePath, workspaceKey, type WorkspaceParams } from './resource-requests';
import { buildSecrets } from '@/lib/server/build-secrets';
import { json, type AuthenticatedRequest } from './route';

export interface BuildParams extends WorkspaceParams {
  id: string;
}

type Handler<P> = (call: AuthenticatedRequest<P>) => Promise<Response>;

export const HEARTBEAT_MS = 15_000;
/** How often a follower looks at the store when no signal came (another replica's build). */
const POLL_MS = 1000;
const EVENT_PAGE = 500;

export interface BuildLinks {
  self: string;
  log: string;
  follow: string;
  cancel: string;
  workspace: string;
}

export type BuildAnswer = BuildView & { links: BuildLinks };

function workspacePathOf(params: WorkspaceParams): string {
  return resourcePath({
    level: 'workspace',
    ecosystem: params.eco,
    domain: params.dom,
    app: params.app,
    name: params.ws,
  });
}

export function buildAnswer(params: WorkspaceParams, build: BuildRecord): BuildAnswer {
  const workspace = workspacePathOf(params);
  const self = `${workspace}/builds/${encodeURIComponent(build.id)}`;
  return {
    ...buildView(build),
    links: {
      self,
      log: `${self}/log`,
      follow: `${self}/log?follow=true`,
      cancel: `${self}/cancel`,
      workspace,
    },
  };
}

/** `POST …/workspaces/{ws}/build` — 202 with the queued build and `Location`. */
export const requestBuildHandler: Handler<WorkspaceParams> = async ({ request, params, ctx }) => {
  parseInput(noQuery, queryObject(request), 'The query');
  const body = await readJsonBody(request);
  const build = await requestBuild(
    { ...ctx, buildSecrets: buildSecrets() },
    workspaceKey(params),
    body,
  );
  buildEventHub().queued();
  const answer = buildAnswer(params, build);
  return json(answer, { status: 202, headers: { Location: answer.links.self } });
};

/** `GET …/workspaces/{ws}/builds` — newest first, keyset pages. */
export const listBuildsHandler: Handler<WorkspaceParams> = async ({ request, params, ctx }) => {
  const { limit, cursor } = parseInput(pageQuery, queryObject(request), 'The query');
  const page = await listBuilds(ctx, workspaceKey(params), defined({ limit, cursor }));
  const headers = new Headers();
  if (page.nextCursor !== undefined) {
    const url = new URL(request.url);
    url.searchParams.set('cursor', page.nextCursor);
    headers.set('Link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return json(
    {
      items: page.items.map((build) => buildAnswer(params, build)),
      nextCursor: page.nextCursor ?? null,
    },
    { headers },
  );
};

/** `GET …/builds/{id}`. */
export const getBuildHandler: Handler<BuildParams> = async ({ request, params, ctx }) => {
  parseInput(noQuery, queryObject(request), 'The query');
  return json(buildAnswer(params, await getBuild(ctx, workspaceKey(params), params.id)));
};

/** `DELETE …/builds/{id}` and `POST …/builds/{id}/cancel` — the build after the cancel. */
export const cancelBuildHandler: Handler<BuildParams> = async ({ request, params, ctx }) => {
  parseInput(noQuery, queryObject(request), 'The query');
  const build = await cancelBuild(ctx, workspaceKey(params), params.id);
  const hub = buildEventHub();
  if (build.status === 'running') hub.cancelRequested(build.id);
  hub.changed(build.id);
  return json(buildAnswer(params, build));
};

/** `GET …/builds/{id}/log` — text/plain, or `?follow=true` as Server-Sent Events. */
export const buildLogHandler: Handler<BuildParams> = async ({ request, params, ctx }) => {
  const { follow } = parseInput(buildLogQuery, queryObject(request), 'The query');
  const after = follow ? lastEventId(request) : 0;
  const reader = await openBuildLog(ctx, workspaceKey(params), params.id);
  if (!follow) {
    return new Response(plainLog(reader), {
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store, no-transform',
      },
    });
  }
  return new Response(followStream(reader, params, request.signal, after), {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: compression would hold events back until a buffer fills.
      'Cache-Control': 'no-store, no-transform',
      'X-Accel-Buffering': 'no',
    },
  });
};

/** `Last-Event-ID`: resume after this sequence number. */
function lastEventId(request: Request): number {
  const header = request.headers.get('last-event-id');
  if (header === null || header.trim() === '') return 0;
  if (!/^\d{1,15}$/.test(header.trim())) {
    throw invalid('Last-Event-ID must be the id of an event this stream sent.', [
      { path: 'Last-Event-ID', message: 'must be a whole number (an event id)' },
    ]);
  }
  return Number(header.trim());
}

const encoder = new TextEncoder();

/** The stored log, page by page, as it is read. */
function plainLog(reader: BuildLogReader): ReadableStream<Uint8Array> {
  let after = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const page = await reader.logText(after);
      if (!page) {
        controller.close();
        return;
      }
      after = page.lastSeq;
      controller.enqueue(encoder.encode(page.text));
    },
  });
}

function sseEvent(event: BuildEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({
    ...event.data,
    at: event.at.toISOString(),
  })}\n\n`;
}

function followStream(
  reader: BuildLogReader,
  params: BuildParams,
  signal: AbortSignal,
  startAfter: number,
): ReadableStream<Uint8Array> {
  const hub = buildEventHub();
  const id = reader.build.id;
  let closed = false;
  let dirty = true;
  let wake: (() => void) | undefined;
  const cleanups: (() => void)[] = [];
  let stop = () => {};

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      stop = () => {
        if (closed) return;
        closed = true;
        for (const cleanup of cleanups.splice(0)) cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
        wake?.();
      };
      const onAbort = () => stop();
      signal.addEventListener('abort', onAbort);
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
      cleanups.push(
        hub.onChanged(id, () => {
          dirty = true;
          wake?.();
        }),
      );
      cleanups.push(hub.onClose(stop));
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
      cleanups.push(() => clearInterval(heartbeat));
      if (signal.aborted) {
        stop();
        return;
      }
      // Reconnect after 2 s if the connection drops before `finished` (EventSource honours it).
      send('retry: 2000\n\n');

      void (async () => {
        let last = startAfter;
        try {
          while (!closed) {
            dirty = false;
            // Status first: a build finished before its events are read has all of them stored.
            const current = await reader.current();
            for (;;) {
              const events = await reader.events(last, EVENT_PAGE);
              for (const event of events) send(sseEvent(event));
              if (events.length > 0) last = events[events.length - 1]!.seq;
              if (events.length < EVENT_PAGE || closed) break;
            }
            if (isFinished(current.status)) {
              send(`event: finished\ndata: ${JSON.stringify(buildAnswer(params, current))}\n\n`);
              stop();
              return;
            }
            if (!dirty) {
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, POLL_MS);
                wake = () => {
                  clearTimeout(timer);
                  resolve();
                };
              });
              wake = undefined;
            }
          }
        } catch {
          // The store failed mid-stream; the client reconnects with Last-Event-ID and resumes.
          send(
            `event: error\ndata: ${JSON.stringify({ message: 'The build log could not be read; reconnect to resume.' })}\n\n`,
          );
          stop();
        }
      })();
    },
    cancel() {
      stop();
    },
  });
}
