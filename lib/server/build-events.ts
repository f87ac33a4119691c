// The in-process signals between the build runner and the requests that watch or steer builds:
// "build X has new events (or finished)", "a build was queued", "a cancel was asked for build X".
// Signals carry no data — the DataStore is the truth, and followers read what is new from it — so
// a missed signal only costs latency: followers and the runner also poll, which is how replicas
// sharing a PostgreSQL see each other's builds.
//
// The hub lives on `globalThis`: server.ts (which runs the runner) and the Next bundle (which
// serves the routes) load separate copies of this module in one process and must share it.
import { EventEmitter } from 'node:events';

export interface BuildEventHub {
  /** New events were stored for the build, or its status changed. */
  changed(buildId: string): void;
  onChanged(buildId: string, listener: () => void): () => void;
  /** How many listen for a build's changes now (followers that have not stopped). */
  listeners(buildId: string): number;
  /** A build was queued: the runner looks at the queue now rather than at its next tick. */
  queued(): void;
  onQueued(listener: () => void): () => void;
  /** A cancel was recorded for a running build: its runner stops it now. */
  cancelRequested(buildId: string): void;
  onCancelRequested(listener: (buildId: string) => void): () => void;
  /** Live followers, for shutdown: each gets `close` and ends its stream. */
  onClose(listener: () => void): () => void;
  /** Ends every follower's stream (the control plane is stopping). */
  closeFollowers(): void;
}

function subscribe<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  listener: (...args: A) => void,
): () => void {
  emitter.on(event, listener as (...args: unknown[]) => void);
  return () => emitter.off(event, listener as (...args: unknown[]) => void);
}

function createHub(): BuildEventHub {
  const emitter = new EventEmitter();
  // One listener per follower and build: there is no meaningful limit.
  emitter.setMaxListeners(0);
  return {
    changed: (buildId) => emitter.emit(`changed:${buildId}`),
    onChanged: (buildId, listener) => subscribe(emitter, `changed:${buildId}`, listener),
    listeners: (buildId) => emitter.listenerCount(`changed:${buildId}`),
    queued: () => emitter.emit('queued'),
    onQueued: (listener) => subscribe(emitter, 'queued', listener),
    cancelRequested: (buildId) => emitter.emit('cancel', buildId),
    onCancelRequested: (listener) => subscribe(emitter, 'cancel', listener),
    onClose: (listener) => subscribe(emitter, 'close', listener),
    closeFollowers: () => emitter.emit('close'),
  };
}

const KEY = Symbol.for('devopsmaestro.build-events');
const holder = globalThis as typeof globalThis & { [KEY]?: BuildEventHub };

/** The process-wide hub. */
export function buildEventHub(): BuildEventHub {
  return (holder[KEY] ??= createHub());
}
