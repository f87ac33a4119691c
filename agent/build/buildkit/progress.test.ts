// Control/Status → BuildProgress: one event per step and state, logs per stream, the failed step.
import { describe, expect, it } from 'vitest';
import { StatusTranslator, exitCodeOf } from './progress';
import type { StatusResponse, Vertex } from './protos';

const at = (seconds: number) => ({ seconds: String(seconds), nanos: 500_000_000 });

function vertex(digest: string, extra: Partial<Vertex>): Vertex {
  return {
    digest,
    inputs: [],
    name: `step ${digest}`,
    cached: false,
    started: null,
    completed: null,
    error: '',
    ...extra,
  };
}

const status = (partial: Partial<StatusResponse>): StatusResponse => ({
  vertexes: [],
  statuses: [],
  logs: [],
  ...partial,
});

describe('StatusTranslator', () => {
  it('reports each step once per state, with its times', () => {
    const t = new StatusTranslator();
    expect(t.translate(status({ vertexes: [vertex('sha256:a', {})] }))).toEqual([]);
    const started = t.translate(status({ vertexes: [vertex('sha256:a', { started: at(10) })] }));
    expect(started).toEqual([
      {
        type: 'step',
        id: 'sha256:a',
        name: 'step sha256:a',
        state: 'started',
        startedAt: new Date(10_500),
      },
    ]);
    expect(t.translate(status({ vertexes: [vertex('sha256:a', { started: at(10) })] }))).toEqual(
      [],
    );
    const done = t.translate(
      status({ vertexes: [vertex('sha256:a', { started: at(10), completed: at(12) })] }),
    );
    expect(done).toMatchObject([{ state: 'completed', completedAt: new Date(12_500) }]);
    // A late resend of the "started" state does not move the step backwards.
    expect(t.translate(status({ vertexes: [vertex('sha256:a', { started: at(10) })] }))).toEqual(
      [],
    );
    expect(t.unfinished()).toEqual([]);
  });

  it('reports cached steps as cached', () => {
    const t = new StatusTranslator();
    const events = t.translate(
      status({
        vertexes: [vertex('sha256:c', { cached: true, started: at(1), completed: at(1) })],
      }),
    );
    expect(events).toMatchObject([{ id: 'sha256:c', state: 'cached' }]);
  });

  it('keeps the first real failure as the failed step, not the steps cancelled by it', () => {
    const t = new StatusTranslator();
    t.translate(
      status({
        vertexes: [
          vertex('sha256:x', {
            name: '[2/3] RUN other',
            started: at(1),
            error: 'context canceled',
          }),
        ],
      }),
    );
    const events = t.translate(
      status({
        vertexes: [
          vertex('sha256:r', {
            name: '[3/3] RUN exit 3',
            started: at(1),
            completed: at(2),
            error: 'executor failed running [/bin/sh -c exit 3]: exit code: 3',
          }),
        ],
      }),
    );
    expect(events).toMatchObject([
      { state: 'failed', error: expect.stringContaining('exit code: 3') },
    ]);
    expect(t.failedStep()).toMatchObject({ name: '[3/3] RUN exit 3', cancelled: false });
  });

  it('turns logs into text per stream, joining a UTF-8 character split across messages', () => {
    const t = new StatusTranslator();
    const euro = Buffer.from('€', 'utf8');
    const log = (stream: string, msg: Buffer) => ({
      vertex: 'sha256:v',
      timestamp: at(1),
      stream,
      msg,
    });
    const first = t.translate(
      status({ logs: [log('1', Buffer.concat([Buffer.from('cost: '), euro.subarray(0, 2)]))] }),
    );
    const second = t.translate(
      status({
        logs: [
          log('1', Buffer.concat([euro.subarray(2), Buffer.from('5\n')])),
          log('2', Buffer.from('warn\n')),
        ],
      }),
    );
    expect([...first, ...second]).toEqual([
      { type: 'log', stepId: 'sha256:v', stream: 'stdout', text: 'cost: ' },
      { type: 'log', stepId: 'sha256:v', stream: 'stdout', text: '€5\n' },
      { type: 'log', stepId: 'sha256:v', stream: 'stderr', text: 'warn\n' },
    ]);
  });
});

describe('exitCodeOf', () => {
  it('reads the exit code out of BuildKit messages', () => {
    expect(exitCodeOf('executor failed running [/bin/sh -c exit 3]: exit code: 3')).toBe(3);
    expect(
      exitCodeOf('process "/bin/sh -c false" did not complete successfully: exit code: 1'),
    ).toBe(1);
    expect(exitCodeOf('failed to compute cache key: "/nope" not found')).toBeUndefined();
  });
});
