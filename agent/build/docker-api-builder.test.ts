// The Docker API builder against the real private engine (scripts/with-test-env.sh): BuildKit mode
// (the engine's default here), and the classic builder where that differs.
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildProgress } from '../../lib/build/build-types';
import { hasErrorCode } from '../../lib/errors';
import { rejection } from '../../lib/testing/rejection';
import { dockerConnection, requireBaseImage } from '../../lib/testing/test-env';
import { dockerConnectionFor } from '../runtime/docker-runtime';
import { DockerApiBuilder } from './docker-api-builder';
import type { BuildContextSpec } from './image-builder';

const run = `dvmb-${process.pid}-${Date.now().toString(36)}`;
const repository = `dvm-test-build/${run}`;
let root: string;
let base: string;
let docker: Docker;
let builder: DockerApiBuilder;
let classic: DockerApiBuilder;
let counter = 0;

function context(files: Record<string, string | Buffer>): string {
  const dir = path.join(root, `ctx-${(counter += 1)}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function spec(
  dir: string,
  dockerfile: string,
  extra: Partial<BuildContextSpec> = {},
): BuildContextSpec {
  return {
    dir,
    dockerfile: `FROM ${base}\n${dockerfile}`,
    tags: [`${repository}:t${(counter += 1)}`],
    labels: { 'dvm.test.run': run },
    ...extra,
  };
}

async function build(builderToUse: DockerApiBuilder, s: BuildContextSpec) {
  const events: BuildProgress[] = [];
  const outcome = await builderToUse.build(s, (event) => events.push(event));
  const steps = events.filter(
    (e): e is Extract<BuildProgress, { type: 'step' }> => e.type === 'step',
  );
  const logs = events
    .filter((e): e is Extract<BuildProgress, { type: 'log' }> => e.type === 'log')
    .map((e) => e.text)
    .join('');
  /** Each step's last state. */
  const final = new Map(steps.map((step) => [step.name, step.state]));
  return { outcome, events, steps, logs, final };
}

/** Runs `command` in a throwaway container of `image` and returns its output. */
async function runIn(image: string, command: string[]): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    Tty: true,
    Labels: { 'dvm.test.run': run },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    await container.wait();
    return (await container.logs({ stdout: true, stderr: true })).toString('utf8');
  } finally {
    await container.remove({ force: true });
  }
}

/** Processes on this machine whose command line contains `marker` (the engine runs here). */
async function processesWith(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

beforeAll(() => {
  base = requireBaseImage();
  docker = new Docker(dockerConnection());
  const connection = dockerConnectionFor(process.env.DOCKER_HOST!);
  builder = new DockerApiBuilder({ connection });
  classic = new DockerApiBuilder({ connection, mode: 'classic' });
  root = mkdtempSync(path.join(tmpdir(), 'dvm-build-'));
});

afterAll(async () => {
  if (docker) {
    const containers = await docker.listContainers({
      all: true,
      filters: { label: [`dvm.test.run=${run}`] },
    });
    for (const c of containers) await docker.getContainer(c.Id).remove({ force: true });
    const images = await docker.listImages({ filters: { label: [`dvm.test.run=${run}`] } });
    for (const image of images) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('DockerApiBuilder (BuildKit mode)', () => {
  it('uses BuildKit on this engine', async () => {
    expect(await builder.usesBuildKit()).toBe(true);
  });

  it('builds a runnable image with steps and logs, and a second build is fully cached', async () => {
    const dir = context({ 'hello.txt': 'hello from the context\n' });
    const s = spec(
      dir,
      `COPY hello.txt /app/hello.txt\nRUN echo built-$((6*7)) ${run} && cat /app/hello.txt\n`,
      {
        buildArgs: { UNUSED: 'x' },
        labels: { 'dvm.test.run': run, 'io.devopsmaestro.workspace': 'e/d/a/w' },
      },
    );
    const first = await build(builder, s);
    expect(first.outcome).toMatchObject({ status: 'succeeded', tags: s.tags });
    const imageId = (first.outcome as { imageId: string }).imageId;
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.logs).toContain('built-42');
    expect(first.final.get(`[3/3] RUN echo built-$((6*7)) ${run} && cat /app/hello.txt`)).toBe(
      'completed',
    );
    const run3 = first.steps.find(
      (step) => step.name.startsWith('[3/3]') && step.state === 'completed',
    )!;
    expect(run3.completedAt!.getTime()).toBeGreaterThanOrEqual(run3.startedAt!.getTime());
    // Steps are sent again only when their state changes.
    const keys = first.steps.map((step) => `${step.id} ${step.state}`);
    expect(new Set(keys).size).toBe(keys.length);

    expect(await runIn(s.tags[0]!, ['cat', '/app/hello.txt'])).toBe('hello from the context\r\n');
    const info = await docker.getImage(s.tags[0]!).inspect();
    expect(info.Config.Labels).toMatchObject({
      'io.devopsmaestro.managed': 'true',
      'io.devopsmaestro.workspace': 'e/d/a/w',
    });

    const second = await build(builder, { ...s, tags: [`${repository}:again`] });
    expect(second.outcome).toMatchObject({ status: 'succeeded', imageId });
    // Every step that does work comes from the cache (BuildKit reports a local FROM as done, not
    // cached), and the result is the same image.
    const work = [...second.final.entries()].filter(([name]) =>
      /^\[\d+\/\d+\] (?!FROM)/.test(name),
    );
    expect(work.length).toBe(2);
    for (const [name, state] of work) expect({ name, state }).toEqual({ name, state: 'cached' });
    expect(second.logs).not.toContain('built-42');
  });

  it('reports the failing step and its exit code', async () => {
    const dir = context({ 'a.txt': 'a\n' });
    const result = await build(builder, spec(dir, 'RUN echo about to fail >&2; exit 3\n'));
    expect(result.outcome).toMatchObject({
      status: 'failed',
      failedStep: '[2/2] RUN echo about to fail >&2; exit 3',
      exitCode: 3,
    });
    expect((result.outcome as { message: string }).message).toContain('exit code: 3');
    expect(result.final.get('[2/2] RUN echo about to fail >&2; exit 3')).toBe('failed');
    const stderr = result.events.filter((e) => e.type === 'log' && e.stream === 'stderr');
    expect(stderr.map((e) => (e as { text: string }).text).join('')).toContain('about to fail');
  });

  it('leaves out what .dockerignore excludes (checked inside the image)', async () => {
    const dir = context({
      '.dockerignore': 'secret.txt\nlogs/\n!logs/keep.log\n',
      'secret.txt': 'do not send\n',
      'app.txt': 'app\n',
      'logs/debug.log': 'noise\n',
      'logs/keep.log': 'kept\n',
    });
    const s = spec(dir, 'COPY . /ctx\n');
    const { outcome } = await build(builder, s);
    expect(outcome.status).toBe('succeeded');
    const listing = await runIn(s.tags[0]!, ['find', '/ctx', '-type', 'f']);
    const files = listing.split(/\r?\n/).filter(Boolean).sort();
    expect(files).toContain('/ctx/app.txt');
    expect(files).toContain('/ctx/logs/keep.log');
    expect(files).not.toContain('/ctx/secret.txt');
    expect(files).not.toContain('/ctx/logs/debug.log');
  });

  it('picks up a changed file of the same size', async () => {
    const dir = context({ 'data.txt': 'version-1\n' });
    const s = spec(dir, 'COPY data.txt /data.txt\n');
    expect((await build(builder, s)).outcome.status).toBe('succeeded');
    expect(await runIn(s.tags[0]!, ['cat', '/data.txt'])).toBe('version-1\r\n');
    writeFileSync(path.join(dir, 'data.txt'), 'version-2\n');
    const later = Date.now() / 1000 + 5;
    utimesSync(path.join(dir, 'data.txt'), later, later);
    const again = { ...s, tags: [`${repository}:changed`] };
    expect((await build(builder, again)).outcome.status).toBe('succeeded');
    expect(await runIn(again.tags[0]!, ['cat', '/data.txt'])).toBe('version-2\r\n');
  });

  it('cancels mid-build quickly and leaves nothing running', async () => {
    const marker = `marker-${run}-cancel`;
    const dir = context({ 'a.txt': 'a\n' });
    const controller = new AbortController();
    const events: BuildProgress[] = [];
    const s = spec(dir, `RUN sleep 30; echo ${marker}\n`, {
      signal: controller.signal,
      noCache: true,
    });
    const building = builder.build(s, (event) => {
      events.push(event);
      if (event.type === 'step' && event.name.includes('sleep 30') && event.state === 'started') {
        // Give the process a moment to exist, then cancel.
        setTimeout(() => controller.abort(), 300);
      }
    });
    const outcome = await building;
    const cancelledAt = Date.now();
    expect(outcome).toEqual({ status: 'cancelled' });
    expect(events.some((e) => e.type === 'step' && e.name.includes('sleep 30'))).toBe(true);
    // BuildKit kills the RUN process once the request is gone.
    while ((await processesWith(marker)).length > 0 && Date.now() - cancelledAt < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await processesWith(marker)).toEqual([]);
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    await expect(docker.getImage(s.tags[0]!).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('sends a context larger than 4 MiB', async () => {
    const blob = Buffer.alloc(6 * 1024 * 1024 + 17);
    randomFillSync(blob);
    const dir = context({ 'blob.bin': blob });
    const s = spec(dir, 'COPY blob.bin /blob.bin\n');
    expect((await build(builder, s)).outcome.status).toBe('succeeded');
    expect((await runIn(s.tags[0]!, ['wc', '-c', '/blob.bin'])).trim()).toBe(
      `${blob.length} /blob.bin`,
    );
  });

  it('refuses build secrets (the /build API has no session to mount them)', async () => {
    const dir = context({ 'a.txt': 'a\n' });
    const error = await rejection(
      builder.build(spec(dir, 'RUN true\n', { secrets: { token: 's3cret' } }), () => undefined),
    );
    expect(hasErrorCode(error, 'NOT_IMPLEMENTED')).toBe(true);
    expect((error as Error).message).toContain('build secrets need the BuildKit builder');
  });
});

describe('DockerApiBuilder (classic builder)', () => {
  it('builds with steps, then reports a failing step with its exit code and leaves no container', async () => {
    const dir = context({ 'hello.txt': 'classic\n' });
    const s = spec(dir, 'COPY hello.txt /hello.txt\nRUN cat /hello.txt && echo to-stderr >&2\n');
    const ok = await build(classic, s);
    expect(ok.outcome).toMatchObject({ status: 'succeeded', tags: s.tags });
    // The classic builder applies the labels as LABEL steps of its own after ours.
    expect([...ok.final.entries()].slice(0, 3)).toEqual([
      [`[1/5] FROM ${base}`, 'completed'],
      ['[2/5] COPY hello.txt /hello.txt', 'completed'],
      ['[3/5] RUN cat /hello.txt && echo to-stderr >&2', 'completed'],
    ]);
    const logs = ok.events.filter((e) => e.type === 'log') as Extract<
      BuildProgress,
      { type: 'log' }
    >[];
    // The engine may deliver the step's output in one chunk or several: compare the whole text.
    const stepOutput = logs
      .filter((e) => e.stepId === 'step-3')
      .map((e) => e.text)
      .join('');
    expect(stepOutput).toContain('classic\n');
    expect(stepOutput).toContain('to-stderr\n');
    expect(await runIn(s.tags[0]!, ['cat', '/hello.txt'])).toBe('classic\r\n');

    const cached = await build(classic, { ...s, tags: [`${repository}:classic-again`] });
    expect(cached.final.get('[3/5] RUN cat /hello.txt && echo to-stderr >&2')).toBe('cached');

    const before = await docker.listContainers({ all: true });
    const failed = await build(classic, spec(dir, 'RUN exit 3\n'));
    expect(failed.outcome).toMatchObject({
      status: 'failed',
      failedStep: '[2/4] RUN exit 3',
      exitCode: 3,
    });
    expect(failed.final.get('[2/4] RUN exit 3')).toBe('failed');
    expect((await docker.listContainers({ all: true })).length).toBe(before.length);
  });
});
