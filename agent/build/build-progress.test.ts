// Progress decoding without an engine: BuildKit trace payloads encoded with the same proto, and
// classic builder text as the engine sends it (split at arbitrary points).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { BuildProgress } from '../../lib/build/build-types';
import { BuildKitProgress, ClassicProgress, decodeTrace, exitCodeIn } from './build-progress';

const statusType = protobuf
  .loadSync(
    path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../proto/buildkit/control.proto',
    ),
  )
  .lookupType('moby.buildkit.v1.StatusResponse');

function trace(message: object): string {
  return Buffer.from(statusType.encode(statusType.fromObject(message)).finish()).toString('base64');
}

const at = (seconds: number) => ({ seconds, nanos: 500_000_000 });

describe('BuildKit trace', () => {
  it('decodes vertices and logs, sends each step state once, and keeps split UTF-8 whole', () => {
    const events: BuildProgress[] = [];
    const progress = new BuildKitProgress((e) => events.push(e));
    const euro = Buffer.from('€\n');
    progress.update(
      decodeTrace(
        trace({
          vertexes: [
            { digest: 'sha256:a', name: '[1/2] FROM base' },
            { digest: 'sha256:b', name: '[2/2] RUN make', started: at(100) },
          ],
          logs: [{ vertex: 'sha256:b', stream: 1, msg: euro.subarray(0, 2) }],
        }),
      ),
    );
    progress.update(
      decodeTrace(
        trace({
          vertexes: [
            {
              digest: 'sha256:a',
              name: '[1/2] FROM base',
              cached: true,
              started: at(99),
              completed: at(99),
            },
            { digest: 'sha256:b', name: '[2/2] RUN make', started: at(100) },
          ],
          logs: [
            { vertex: 'sha256:b', stream: 1, msg: euro.subarray(2) },
            { vertex: 'sha256:b', stream: 2, msg: Buffer.from('warn\n') },
          ],
        }),
      ),
    );
    progress.update(
      decodeTrace(
        trace({
          vertexes: [
            {
              digest: 'sha256:b',
              name: '[2/2] RUN make',
              started: at(100),
              completed: at(103),
              error: 'executor failed running [/bin/sh -c make]: exit code: 2',
            },
          ],
        }),
      ),
    );
    expect(events).toEqual([
      {
        type: 'step',
        id: 'sha256:b',
        name: '[2/2] RUN make',
        state: 'started',
        startedAt: new Date(100_500),
      },
      {
        type: 'step',
        id: 'sha256:a',
        name: '[1/2] FROM base',
        state: 'cached',
        startedAt: new Date(99_500),
        completedAt: new Date(99_500),
      },
      { type: 'log', stepId: 'sha256:b', stream: 'stdout', text: '€\n' },
      { type: 'log', stepId: 'sha256:b', stream: 'stderr', text: 'warn\n' },
      {
        type: 'step',
        id: 'sha256:b',
        name: '[2/2] RUN make',
        state: 'failed',
        startedAt: new Date(100_500),
        completedAt: new Date(103_500),
        error: 'executor failed running [/bin/sh -c make]: exit code: 2',
      },
    ]);
    expect(progress.failedStep()).toEqual({
      name: '[2/2] RUN make',
      error: 'executor failed running [/bin/sh -c make]: exit code: 2',
    });
  });

  it('does not take a cancelled vertex for the failing step', () => {
    const progress = new BuildKitProgress(() => undefined);
    progress.update({
      vertexes: [
        { digest: 'sha256:c', name: 'RUN sleep', cached: false, error: 'context canceled' },
      ],
      logs: [],
    });
    expect(progress.failedStep()).toBeUndefined();
  });

  it('finds exit codes in both builders’ messages', () => {
    expect(exitCodeIn('executor failed running [/bin/sh -c exit 3]: exit code: 3')).toBe(3);
    expect(exitCodeIn("The command '/bin/sh -c exit 4' returned a non-zero code: 4")).toBe(4);
    expect(exitCodeIn('failed to solve: no such file')).toBeUndefined();
  });
});

describe('classic builder text', () => {
  it('turns Step lines into steps, cache notes into cached, red text into stderr', () => {
    const events: BuildProgress[] = [];
    const progress = new ClassicProgress((e) => events.push(e));
    const text =
      'Step 1/3 : FROM base\n ---> 1234567890ab\nStep 2/3 : COPY . /x\n ---> Using cache\n ---> abcdefabcdef\n' +
      'Step 3/3 : RUN make\n ---> Running in 0123456789ab\nbuilding\n\u001b[91moops\n\u001b[0m';
    for (let i = 0; i < text.length; i += 7) progress.text(text.slice(i, i + 7));
    progress.end('The command returned a non-zero code: 2');
    const steps = events.flatMap((e) => (e.type === 'step' ? [`${e.name} ${e.state}`] : []));
    expect(steps).toEqual([
      '[1/3] FROM base started',
      '[1/3] FROM base completed',
      '[2/3] COPY . /x started',
      '[2/3] COPY . /x cached',
      '[3/3] RUN make started',
      '[3/3] RUN make failed',
    ]);
    expect(events.filter((e) => e.type === 'log')).toEqual([
      { type: 'log', stepId: 'step-3', stream: 'stdout', text: 'building\n' },
      { type: 'log', stepId: 'step-3', stream: 'stderr', text: 'oops\n' },
    ]);
    expect(progress.failedStep()).toBe('[3/3] RUN make');
  });
});
