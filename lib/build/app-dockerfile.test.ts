import { describe, expect, it } from 'vitest';

import { hasErrorCode } from '../errors';
import { appBase, expandArgs, freeName, parseDockerfile } from './app-dockerfile';

const MULTI = `# syntax=docker/dockerfile:1
ARG BASE=golang:1.22-alpine
FROM \${BASE} AS build
RUN echo building \\
    # a comment inside a continuation
    && echo done

from --platform=$BUILDPLATFORM debian:bookworm-slim as Runtime
COPY --from=build /out /out

FROM runtime
ENTRYPOINT ["/out/app"]
`;

describe('parseDockerfile', () => {
  it('reads directives, continued instructions and stages', () => {
    const parsed = parseDockerfile(MULTI, 'Dockerfile');
    expect(parsed.directives).toEqual(['# syntax=docker/dockerfile:1']);
    expect(parsed.escape).toBe('\\');
    expect(parsed.instructions.map((instruction) => instruction.keyword)).toEqual([
      'ARG',
      'FROM',
      'RUN',
      'FROM',
      'COPY',
      'FROM',
      'ENTRYPOINT',
    ]);
    const run = parsed.instructions[2]!;
    expect(run.args).toBe('echo building && echo done');
    // Lines count from after the hoisted directives.
    expect([run.startLine, run.endLine]).toEqual([2, 4]);
    expect(parsed.stages.map((stage) => [stage.from, stage.name])).toEqual([
      ['${BASE}', 'build'],
      ['debian:bookworm-slim', 'runtime'],
      ['runtime', undefined],
    ]);
  });

  it('honours the escape directive', () => {
    const parsed = parseDockerfile('# escape=`\nFROM a\nRUN x `\n  y\n', 'Dockerfile');
    expect(parsed.escape).toBe('`');
    expect(parsed.instructions[1]).toMatchObject({ keyword: 'RUN', args: 'x y', endLine: 2 });
  });

  it('stops reading directives at the first other line', () => {
    const parsed = parseDockerfile('# a comment\n# escape=`\nFROM a\n', 'Dockerfile');
    expect(parsed.directives).toEqual([]);
    expect(parsed.escape).toBe('\\');
  });

  it.each([
    ['RUN echo\n', 'has no FROM'],
    ['FROM a\nRUN x \\\n', 'line continuation'],
    ['# escape=x\nFROM a\n', 'escape directive'],
    ['FROM --platform=linux/amd64\n', 'FROM names no image'],
  ])('refuses %j', (text, message) => {
    let error: unknown;
    try {
      parseDockerfile(text, 'Dockerfile');
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    expect((error as Error).message).toContain(message);
  });
});

describe('appBase', () => {
  it('names the unnamed last stage and finds its image through the stages', () => {
    const base = appBase(MULTI, { path: 'Dockerfile', preferredName: 'dvm-base' });
    expect(base.stageName).toBe('dvm-base');
    expect(base.image).toBe('debian:bookworm-slim');
    expect(base.text).toContain('FROM runtime AS dvm-base\nENTRYPOINT ["/out/app"]\n');
    expect(base.text).not.toContain('# syntax');
    expect(base.directives).toEqual(['# syntax=docker/dockerfile:1']);
    expect(base.stageNames).toEqual(['build', 'runtime', 'dvm-base']);
    expect(base.setsShell).toBe(false);
  });

  it('cuts after the target stage and resolves global ARG defaults', () => {
    const base = appBase(MULTI, { path: 'Dockerfile', target: 'BUILD', preferredName: 'dvm-base' });
    expect(base.stageName).toBe('build');
    expect(base.image).toBe('golang:1.22-alpine');
    expect(base.text).not.toContain('Runtime');
    expect(base.text.endsWith('&& echo done\n')).toBe(true);
  });

  it('lets build args override ARG defaults', () => {
    const base = appBase(MULTI, {
      path: 'Dockerfile',
      target: 'build',
      preferredName: 'dvm-base',
      args: { BASE: 'debian:bookworm' },
    });
    expect(base.image).toBe('debian:bookworm');
  });

  it('keeps a named last stage and notices SHELL', () => {
    const base = appBase('FROM debian AS App\nSHELL ["/bin/bash", "-c"]\n', {
      path: 'Dockerfile',
      preferredName: 'dvm-base',
    });
    expect(base.stageName).toBe('app');
    expect(base.text).toBe('FROM debian AS App\nSHELL ["/bin/bash", "-c"]\n');
    expect(base.setsShell).toBe(true);
  });

  it('appends the name after a continued FROM', () => {
    const base = appBase('FROM \\\n  --platform=linux/amd64 \\\n  debian\nRUN true\n', {
      path: 'Dockerfile',
      preferredName: 'dvm-base',
    });
    expect(base.text).toBe(
      'FROM \\\n  --platform=linux/amd64 \\\n  debian AS dvm-base\nRUN true\n',
    );
  });
});

describe('expandArgs and freeName', () => {
  it.each([
    ['golang:${V}-alpine', { V: '1.22' }, 'golang:1.22-alpine'],
    ['$IMAGE', { IMAGE: 'debian' }, 'debian'],
    ['${MISSING}', {}, undefined],
    ['${V:-1.22}', { V: '1' }, undefined],
    ['plain', {}, 'plain'],
  ])('expandArgs(%j)', (text, values, expected) => {
    expect(expandArgs(text, values)).toBe(expected);
  });

  it('finds a free stage name', () => {
    expect(freeName('dvm-dev', [])).toBe('dvm-dev');
    expect(freeName('dvm-dev', ['dvm-dev', 'dvm-dev-2'])).toBe('dvm-dev-3');
  });
});
