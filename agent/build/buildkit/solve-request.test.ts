// The Solve request for a session build: frontend attributes and the moby exporter.
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../lib/errors';
import { checkSolveInput, solveRequest } from './solve-request';

describe('solveRequest', () => {
  it('asks the Dockerfile frontend for a network-less build exported to the engine', () => {
    expect(
      solveRequest({
        ref: 'r1',
        sessionId: 's1',
        tags: ['dvm/a:1', 'dvm/a:latest'],
        buildArgs: { GO_VERSION: '1.22' },
        labels: { team: 'platform', 'io.devopsmaestro.managed': 'false' },
        target: 'dev',
        noCache: true,
        platform: 'linux/amd64',
      }),
    ).toEqual({
      Ref: 'r1',
      Session: 's1',
      Frontend: 'dockerfile.v0',
      FrontendAttrs: {
        filename: 'Dockerfile',
        'force-network-mode': 'none',
        'build-arg:GO_VERSION': '1.22',
        'label:team': 'platform',
        'label:io.devopsmaestro.managed': 'true',
        target: 'dev',
        'no-cache': '',
        platform: 'linux/amd64',
      },
      Exporter: 'moby',
      ExporterAttrs: { name: 'dvm/a:1,dvm/a:latest' },
    });
  });

  it('leaves optional attributes out', () => {
    const request = solveRequest({ ref: 'r', sessionId: 's', tags: [] });
    expect(request.FrontendAttrs).toEqual({
      filename: 'Dockerfile',
      'force-network-mode': 'none',
      'label:io.devopsmaestro.managed': 'true',
    });
    expect(request.ExporterAttrs).toEqual({});
  });
});

describe('checkSolveInput', () => {
  it('refuses tags, keys and targets BuildKit would misread, naming each', () => {
    let caught: unknown;
    try {
      checkSolveInput({
        tags: ['ok:1', 'a,b', ''],
        buildArgs: { 'A=B': 'x' },
        labels: { '': 'x' },
        target: 'bad target',
      });
    } catch (error) {
      caught = error;
    }
    expect(hasErrorCode(caught, 'INVALID')).toBe(true);
    expect((caught as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'tags[1]',
      'tags[2]',
      'buildArgs.A=B',
      'labels.',
      'target',
    ]);
    expect(() => checkSolveInput({ tags: ['dvm/x:1'], target: 'dev-1.2' })).not.toThrow();
  });
});
