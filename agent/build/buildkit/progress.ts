// BuildKit's Control/Status stream → our BuildProgress events. BuildKit resends a vertex whenever
// anything about it changes (and sometimes when nothing did), so steps are reported once per
// digest and state; logs keep their stream and are decoded per vertex and stream so a UTF-8
// character split across two messages is not garbled. Pure: no I/O.
import { StringDecoder } from 'node:string_decoder';
import type { BuildProgress, StepState } from '../../../lib/build/build-types';
import type { StatusResponse, Timestamp, Vertex } from './protos';

function toDate(timestamp: Timestamp | null | undefined): Date | undefined {
  if (!timestamp) return undefined;
  const ms = Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1e6);
  // Go's zero time (year 1) marshals as a large negative number: treat it as unset.
  return ms > 0 ? new Date(ms) : undefined;
}

function stateOf(vertex: Vertex): StepState | undefined {
  if (vertex.error) return 'failed';
  if (vertex.cached) return 'cached';
  if (vertex.completed) return 'completed';
  if (vertex.started) return 'started';
  return undefined;
}

export interface FailedStep {
  id: string;
  name: string;
  error: string;
  /** The step only stopped because the build was cancelled. */
  cancelled: boolean;
}

export class StatusTranslator {
  private readonly seen = new Map<string, StepState>();
  private readonly names = new Map<string, string>();
  private readonly decoders = new Map<string, StringDecoder>();
  private failed: FailedStep | undefined;

  /** The events this status message adds. */
  translate(status: StatusResponse): BuildProgress[] {
    const events: BuildProgress[] = [];
    for (const vertex of status.vertexes) {
      this.names.set(vertex.digest, vertex.name);
      const state = stateOf(vertex);
      if (!state || this.seen.get(vertex.digest) === state) continue;
      // A vertex that was already reported cached or done and then comes back "started"
      // (BuildKit's resend order is not strict) is not reported as going backwards.
      const previous = this.seen.get(vertex.digest);
      if (state === 'started' && previous !== undefined) continue;
      this.seen.set(vertex.digest, state);
      if (state === 'failed') {
        // The step that failed is the first one whose own work failed; steps running beside
        // it end "context canceled" because of it and are not the cause.
        const cancelled = /context canceled/.test(vertex.error);
        if (!this.failed || (this.failed.cancelled && !cancelled)) {
          this.failed = { id: vertex.digest, name: vertex.name, error: vertex.error, cancelled };
        }
      }
      events.push({
        type: 'step',
        id: vertex.digest,
        name: vertex.name,
        state,
        ...(toDate(vertex.started) && { startedAt: toDate(vertex.started) }),
        ...(toDate(vertex.completed) && { completedAt: toDate(vertex.completed) }),
        ...(vertex.error && { error: vertex.error }),
      });
    }
    for (const log of status.logs) {
      const stream = Number(log.stream) === 2 ? 'stderr' : 'stdout';
      const key = `${log.vertex}\u0000${stream}`;
      let decoder = this.decoders.get(key);
      if (!decoder) {
        decoder = new StringDecoder('utf8');
        this.decoders.set(key, decoder);
      }
      const text = decoder.write(log.msg);
      if (text) events.push({ type: 'log', stepId: log.vertex, stream, text });
    }
    return events;
  }

  /** The first step that failed, if any. */
  failedStep(): FailedStep | undefined {
    return this.failed;
  }

  /** Steps reported as started and never finished (for a cancelled or failed build). */
  unfinished(): string[] {
    return [...this.seen].filter(([, state]) => state === 'started').map(([id]) => id);
  }

  stepName(id: string): string | undefined {
    return this.names.get(id);
  }
}

/** The exit code in a BuildKit error (`… did not complete successfully: exit code: 3`). */
export function exitCodeOf(message: string): number | undefined {
  const match = /exit code: (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}
