// Build progress as users see it, from what the engine reports:
//   - BuildKit: `moby.buildkit.v1.StatusResponse` messages (the `moby.buildkit.trace` aux lines of
//     `POST /build?version=2`, or `Control/Status`), decoded with our own proto (field numbers are
//     protocol facts: StatusResponse{vertexes=1, statuses=2, logs=3}, Vertex{digest=1, inputs=2,
//     name=3, cached=4, started=5, completed=6, error=7}, VertexLog{vertex=1, timestamp=2,
//     stream=3, msg=4}). Vertices become steps, sent again only when their state changes
//     (BuildKit repeats a vertex in many messages), and their logs are decoded per vertex and
//     stream so a UTF-8 character split across messages stays whole.
//   - The classic builder: `Step n/m : INSTRUCTION` lines start steps, ` ---> Using cache` marks
//     one cached, the next step (or the end) completes it; other text is the step's log. Its
//     stderr arrives wrapped in ANSI red (`ESC[91m … ESC[0m`) and is told apart by that.
// A failure's exit code comes from the engine's message ("exit code: 3", "returned a non-zero
// code: 3") or the classic builder's errorDetail.code.
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { BuildProgress, StepState } from '../../lib/build/build-types';

/** proto/buildkit/control.proto in this checkout (agent/build/ → ../..). */
const CONTROL_PROTO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'proto',
  'buildkit',
  'control.proto',
);

export interface StatusVertex {
  digest: string;
  name: string;
  cached: boolean;
  started?: Date;
  completed?: Date;
  /** Empty when none. */
  error: string;
}

export interface StatusLog {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  msg: Uint8Array;
}

/** The parts of a StatusResponse that progress is made of. */
export interface StatusUpdate {
  vertexes: StatusVertex[];
  logs: StatusLog[];
}

let statusType: protobuf.Type | undefined;

interface WireTimestamp {
  seconds: number;
  nanos: number;
}

function toDate(timestamp: WireTimestamp | null | undefined): Date | undefined {
  if (!timestamp) return undefined;
  const ms = timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1e6);
  // Go's zero time (year 1) is a large negative number: unset.
  return ms > 0 ? new Date(ms) : undefined;
}

/** Decodes one base64 `moby.buildkit.trace` payload (a StatusResponse). */
export function decodeTrace(base64: string): StatusUpdate {
  statusType ??= protobuf.loadSync(CONTROL_PROTO).lookupType('moby.buildkit.v1.StatusResponse');
  const message = statusType.toObject(statusType.decode(Buffer.from(base64, 'base64')), {
    longs: Number,
    defaults: true,
    arrays: true,
  }) as {
    vertexes: {
      digest: string;
      name: string;
      cached: boolean;
      started: WireTimestamp | null;
      completed: WireTimestamp | null;
      error: string;
    }[];
    logs: { vertex: string; stream: number; msg: Uint8Array }[];
  };
  return {
    vertexes: message.vertexes.map((v) => ({
      digest: v.digest,
      name: v.name,
      cached: v.cached,
      ...(toDate(v.started) && { started: toDate(v.started) }),
      ...(toDate(v.completed) && { completed: toDate(v.completed) }),
      error: v.error,
    })),
    logs: message.logs.map((l) => ({ vertex: l.vertex, stream: l.stream, msg: l.msg })),
  };
}

/** The exit code in an engine's failure message, when it names one. */
export function exitCodeIn(message: string): number | undefined {
  const match = /(?:exit code|returned a non-zero code):\s*(\d+)/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** BuildKit reports every vertex it stops on cancellation with this error. */
const CANCELLED = /context canceled|operation was canceled/i;

type Emit = (event: BuildProgress) => void;

/** Follows BuildKit vertices and logs; emits step changes and log text. */
export class BuildKitProgress {
  private readonly steps = new Map<string, { name: string; state: StepState }>();
  private readonly decoders = new Map<string, StringDecoder>();
  private failed: { name: string; error: string } | undefined;

  constructor(private readonly emit: Emit) {}

  update(status: StatusUpdate): void {
    for (const vertex of status.vertexes) this.vertex(vertex);
    for (const log of status.logs) {
      const stream = log.stream === 2 ? 'stderr' : 'stdout';
      const key = `${log.vertex} ${stream}`;
      let decoder = this.decoders.get(key);
      if (!decoder) {
        decoder = new StringDecoder('utf8');
        this.decoders.set(key, decoder);
      }
      const text = decoder.write(Buffer.from(log.msg));
      if (text !== '') this.emit({ type: 'log', stepId: log.vertex, stream, text });
    }
  }

  /** The step that failed (the first with an error that is not a cancellation). */
  failedStep(): { name: string; error: string } | undefined {
    return this.failed;
  }

  private vertex(vertex: StatusVertex): void {
    let state: StepState | undefined;
    if (vertex.error) state = 'failed';
    else if (vertex.cached && (vertex.completed || vertex.started)) state = 'cached';
    else if (vertex.completed) state = 'completed';
    else if (vertex.started) state = 'started';
    if (!state) return; // known but not started: not a step the user sees yet
    const seen = this.steps.get(vertex.digest);
    // A cached vertex may be reported "completed" again later; never step back.
    if (seen && (seen.state === state || (seen.state === 'cached' && state === 'completed'))) {
      return;
    }
    this.steps.set(vertex.digest, { name: vertex.name, state });
    if (state === 'failed' && !this.failed && !CANCELLED.test(vertex.error)) {
      this.failed = { name: vertex.name, error: vertex.error };
    }
    this.emit({
      type: 'step',
      id: vertex.digest,
      name: vertex.name,
      state,
      ...(vertex.started && { startedAt: vertex.started }),
      ...(vertex.completed && { completedAt: vertex.completed }),
      ...(vertex.error && { error: vertex.error }),
    });
  }
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const RED = '\u001b[91m';
const RESET = '\u001b[0m';

/** Follows the classic builder's `stream` text; emits steps and logs line by line. */
export class ClassicProgress {
  private pending = '';
  private current:
    { id: string; name: string; state: StepState; startedAt: Date; cached: boolean } | undefined;

  constructor(private readonly emit: Emit) {}

  text(chunk: string): void {
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      this.line(this.pending.slice(0, newline + 1));
      this.pending = this.pending.slice(newline + 1);
    }
  }

  /** The build ended: flush a partial line and complete (or fail) the last step. */
  end(failure?: string): void {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
    this.finishCurrent(failure);
  }

  failedStep(): string | undefined {
    return this.current?.state === 'failed' ? this.current.name : undefined;
  }

  private line(raw: string): void {
    const stderr = raw.startsWith(RED);
    const text = stderr ? raw.slice(RED.length).replace(RESET, '') : raw;
    const step = STEP.exec(text.trimEnd());
    if (step) {
      this.finishCurrent();
      this.current = {
        id: `step-${step[1]}`,
        name: `[${step[1]}/${step[2]}] ${step[3]}`,
        state: 'started',
        startedAt: new Date(),
        cached: false,
      };
      this.emit({
        type: 'step',
        id: this.current.id,
        name: this.current.name,
        state: 'started',
        startedAt: this.current.startedAt,
      });
      return;
    }
    if (/^ ---> Using cache\s*$/.test(text)) {
      if (this.current) this.current.cached = true;
      return;
    }
    // The builder's own bookkeeping, not output of the step.
    if (
      /^ ---> (?:Running in [0-9a-f]+|[0-9a-f]{12})\s*$/.test(text) ||
      /^Removing intermediate container [0-9a-f]+\s*$/.test(text) ||
      /^Successfully (?:built|tagged) /.test(text)
    ) {
      return;
    }
    if (text === '' || text === RESET) return;
    this.emit({
      type: 'log',
      ...(this.current && { stepId: this.current.id }),
      stream: stderr ? 'stderr' : 'stdout',
      text,
    });
  }

  private finishCurrent(failure?: string): void {
    const current = this.current;
    if (!current || current.state !== 'started') return;
    current.state = failure !== undefined ? 'failed' : current.cached ? 'cached' : 'completed';
    this.emit({
      type: 'step',
      id: current.id,
      name: current.name,
      state: current.state,
      startedAt: current.startedAt,
      completedAt: new Date(),
      ...(failure !== undefined && { error: failure }),
    });
  }
}
