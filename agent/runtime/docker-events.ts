// Following the engine's container events (GET /events, newline-delimited JSON) for managed
// containers only, across engine restarts: when the stream ends or cannot be opened the
// subscription tries again with backoff (250 ms doubling to 5 s), asking for events since the
// last one seen so a dropped connection to a live engine loses nothing. Events that happen while
// the engine itself is down are lost with it; consumers reconcile when heartbeats say it is back.
import type Docker from 'dockerode';
import { LABELS, type ContainerAction, type EventSubscription } from './container-runtime';

export interface EngineEvent {
  action: ContainerAction;
  id: string;
  name: string;
  /** When the engine says it happened. */
  at: Date;
}

const ACTIONS: readonly ContainerAction[] = ['start', 'die', 'stop', 'destroy'];

interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

function parse(line: string): EngineEvent | undefined {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  const action = ACTIONS.find((a) => a === raw.Action);
  const name = raw.Actor?.Attributes?.name;
  if (raw.Type !== 'container' || !action || !name) return undefined;
  const ms = raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000;
  return { action, id: raw.Actor?.ID ?? '', name, at: new Date(ms || Date.now()) };
}

/**
 * Calls `handle` for each managed container's start/die/stop/destroy, one at a time and in order
 * (the next waits for the previous handler), until `close()`.
 */
export function followContainerEvents(
  docker: Docker,
  handle: (event: EngineEvent) => Promise<void>,
): EventSubscription {
  let closed = false;
  let abort: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;
  let backoff = 250;
  let sinceSeconds: number | undefined;
  let queue: Promise<void> = Promise.resolve();

  const consume = (stream: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const event = line.trim() === '' ? undefined : parse(line);
          if (!event) continue;
          sinceSeconds = Math.floor(event.at.getTime() / 1000);
          queue = queue.then(() => (closed ? undefined : handle(event))).catch(() => undefined);
        }
      });
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });

  const connect = async () => {
    while (!closed) {
      abort = new AbortController();
      try {
        const stream = await docker.getEvents({
          filters: {
            type: ['container'],
            event: [...ACTIONS],
            label: [`${LABELS.managed}=true`],
          },
          ...(sinceSeconds !== undefined ? { since: sinceSeconds } : {}),
          abortSignal: abort.signal,
        } as Docker.GetEventsOptions);
        backoff = 250;
        await consume(stream);
      } catch {
        // The engine is down or refused: try again below.
      }
      if (closed) return;
      await new Promise<void>((resolve) => {
        retry = setTimeout(resolve, backoff);
      });
      backoff = Math.min(backoff * 2, 5000);
    }
  };
  void connect();

  return {
    close() {
      closed = true;
      clearTimeout(retry);
      abort?.abort();
    },
  };
}
