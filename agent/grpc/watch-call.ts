// One Watch stream: a heartbeat every interval (the first at once) saying whether the engine
// answered a ping just now, plus managed containers' state changes, until the client cancels.
// The beat never waits on a hung engine for longer than the interval allows, so the control plane
// reads "beats with engine_reachable=false" as engine down and "no beats" as agent down.
import type * as grpc from '@grpc/grpc-js';
import { isAppError } from '../../lib/errors';
import type { ContainerRuntime } from '../runtime/container-runtime';
import { toWireState, type WireWatchEvent } from './wire';

export const DEFAULT_INTERVAL_MS = 2000;
export const MIN_INTERVAL_MS = 200;
const MAX_INTERVAL_MS = 3_600_000;

export type WatchCall = grpc.ServerWritableStream<{ intervalMs: number }, WireWatchEvent>;

export function heartbeatInterval(requested: number | undefined): number {
  if (!requested) return DEFAULT_INTERVAL_MS;
  return Math.min(Math.max(requested, MIN_INTERVAL_MS), MAX_INTERVAL_MS);
}

export function serveWatch(call: WatchCall, runtime: ContainerRuntime): void {
  const intervalMs = heartbeatInterval(call.request.intervalMs);
  // Leave room in each interval to send the beat after a ping that timed out.
  const pingTimeoutMs = Math.min(Math.max(intervalMs - 100, 100), 5000);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const beat = async () => {
    const started = Date.now();
    let engineError = '';
    try {
      await runtime.ping(pingTimeoutMs);
    } catch (error) {
      engineError = isAppError(error) ? error.message : 'The container engine cannot be reached.';
    }
    if (stopped) return;
    call.write({
      atUnixMs: Date.now(),
      heartbeat: { engineReachable: engineError === '', engineError },
    });
    timer = setTimeout(() => void beat(), Math.max(0, intervalMs - (Date.now() - started)));
  };

  const subscription = runtime.subscribe((event) => {
    if (stopped) return;
    call.write({
      atUnixMs: event.at.getTime(),
      container: { action: event.action, workspace: toWireState(event.container) },
    });
  });

  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    subscription.close();
  };
  call.on('cancelled', stop);
  call.on('close', stop);
  call.on('error', stop);
  void beat();
}
