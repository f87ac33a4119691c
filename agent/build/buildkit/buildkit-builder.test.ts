// The BuildKit builder against the real engine's embedded BuildKit (scripts/with-test-env.sh):
// images that run, caching, failures, .dockerignore, contexts past gRPC's 4 MiB message limit,
// same-size edits, args/labels/targets, secrets, cancellation, and clean-up of what a build opens.
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildOutcome, BuildProgress } from '../../../lib/build/build-types';
import { hasErrorCode } from '../../../lib/errors';
import { rejection } from '../../../lib/testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../../../lib/testing/test-env';
import type { BuildContextSpec, ImageBuilder } from '../image-builder';
import { createBuildKitBuilder } from './index';

const run = `${process.pid}-${Date.now().toString(36)}`;
const roots: string[] = [];
const tags: string[] = [];
const imageIds = new Set<string>();
const timings: Record<string, number> = {};
let docker: Docker;
let builder: ImageBuilder;
let base: string;
let baseId: string;

function contextDir(files: Record<string, string | Buffer> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'dvm-bk-ctx-'));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return root;
}

function tag(name: string): string {
  const t = `dvm-bk-test/${name}:${run}`;
  tags.push(t);
  return t;
}

interface Built {
  outcome: BuildOutcome;
  events: BuildProgress[];
  ms: number;
}

async function build(
  spec: Omit<BuildContextSpec, 'tags'> & { tags?: string[] },
  onEvent?: (event: BuildProgress) => void,
): Promise<Built> {
  const events: BuildProgress[] = [];
  const started = Date.now();
  const outcome = await builder.build({ tags: [], ...spec }, (event) => {
    events.push(event);
    onEvent?.(event);
  });
  if (outcome.status === 'succeeded') imageIds.add(outcome.imageId);
  return { outcome, events, ms: Date.now() - started };
}

function imageOf(built: Built): string {
  expect(built.outcome, JSON.stringify(built.outcome)).toMatchObject({ status: 'succeeded' });
  return (built.outcome as { imageId: string }).imageId;
}

/** The last state of each Dockerfile step (`[n/m] …`). */
function dockerfileSteps(events: BuildProgress[]): Map<string, string> {
  const steps = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'step' && /^\[(?:[\w-]+ )?\d+\/\d+\]/.test(event.name)) {
      steps.set(event.name, event.state);
    }
  }
  return steps;
}

/**
 * Every step of a repeated build came from the cache. `FROM` of a local image is only a lookup
 * that BuildKit reports as cached or as completed at random; it does no work either way.
 */
function expectAllCached(events: BuildProgress[]) {
  const steps = dockerfileSteps(events);
  expect(steps.size).toBeGreaterThan(1);
  for (const [step, state] of steps) {
    const expected = / FROM /.test(step) && state === 'completed' ? 'completed' : 'cached';
    expect(`${step}: ${state}`).toBe(`${step}: ${expected}`);
  }
}

/** Runs `cmd` in `image` without a network; stdout (stderr is appended on failure). */
async function runImage(image: string, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
    let stdout = '';
    let stderr = '';
    // The multiplexed log format: 8-byte headers (stream, 0, 0, 0, size BE32) before each frame.
    for (let at = 0; at + 8 <= raw.length;) {
      const size = raw.readUInt32BE(at + 4);
      const text = raw.subarray(at + 8, at + 8 + size).toString('utf8');
      if (raw[at] === 2) stderr += text;
      else stdout += text;
      at += 8 + size;
    }
    expect(StatusCode, stderr).toBe(0);
    return stdout;
  } finally {
    await container.remove({ force: true });
  }
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** The builder's private socket directories (in a directory of this run); none may outlive a build. */
let socketDir: string;
const leftovers = () => readdirSync(socketDir);

beforeAll(async () => {
  requireService('docker');
  base = requireBaseImage();
  const connection = dockerConnection();
  docker = new Docker(connection);
  baseId = ((await docker.getImage(base).inspect()) as { Id: string }).Id;
  socketDir = mkdtempSync(path.join(tmpdir(), 'dvm-bk-sockets-'));
  roots.push(socketDir);
  builder = createBuildKitBuilder({
    socketDir,
    docker:
      'socketPath' in connection
        ? { socketPath: connection.socketPath }
        : { host: connection.host, port: connection.port },
  });
});

afterAll(async () => {
  for (const t of tags) {
    await docker
      .getImage(t)
      .remove({ force: true })
      .catch(() => undefined);
  }
  for (const id of imageIds) {
    if (id === baseId) continue;
    await docker
      .getImage(id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  console.log(`buildkit builder timings (ms): ${JSON.stringify(timings)}`);
});

describe('BuildKitBuilder on the embedded BuildKit', () => {
  const dockerfile = (from: string) =>
    [
      `FROM ${from}`,
      `RUN echo built-${run} > /built`,
      'COPY hello.txt run.sh link /app/',
      'COPY sub/ /app/sub/',
      '',
    ].join('\n');

  it('builds a runnable image from the context, then the same build fully cached', async () => {
    const dir = contextDir({ 'hello.txt': `hello ${run}\n`, 'run.sh': '#!/bin/sh\necho ran\n' });
    mkdirSync(path.join(dir, 'sub', 'deep'), { recursive: true });
    writeFileSync(path.join(dir, 'sub', 'deep', 'x.txt'), 'deep\n');
    chmodSync(path.join(dir, 'run.sh'), 0o755);
    symlinkSync('hello.txt', path.join(dir, 'link'));
    const name = tag('runnable');

    const first = await build({ dir, dockerfile: dockerfile(base), tags: [name] });
    timings.smallCold = first.ms;
    const image = imageOf(first);
    expect(first.outcome).toMatchObject({ tags: [name] });
    expect(((await docker.getImage(name).inspect()) as { Id: string }).Id).toBe(image);
    const steps = dockerfileSteps(first.events);
    // BuildKit shares identical vertices between concurrent builds and names them after the
    // build that made them first, so the FROM step may carry another build's `[1/n]`.
    expect([...steps.keys()].map((name) => name.replace(/^\[1\/\d+\] FROM/, '[1/4] FROM'))).toEqual(
      [
        `[1/4] FROM docker.io/${base}`,
        `[2/4] RUN echo built-${run} > /built`,
        '[3/4] COPY hello.txt run.sh link /app/',
        '[4/4] COPY sub/ /app/sub/',
      ],
    );
    expect(steps.get(`[2/4] RUN echo built-${run} > /built`)).toBe('completed');
    const out = await runImage(name, [
      'sh',
      '-c',
      'cat /built /app/hello.txt /app/sub/deep/x.txt; stat -c %a /app/run.sh; /app/run.sh',
    ]);
    expect(out).toBe(`built-${run}\nhello ${run}\ndeep\n755\nran\n`);

    const second = await build({ dir, dockerfile: dockerfile(base), tags: [name] });
    timings.smallCached = second.ms;
    expect(imageOf(second)).toBe(image);
    expect(dockerfileSteps(second.events).size).toBe(4);
    expectAllCached(second.events);
    expect(leftovers()).toEqual([]);
  });

  it('reports a failing RUN with its step and exit code', async () => {
    const dir = contextDir({ 'a.txt': 'a' });
    const failed = await build({
      dir,
      dockerfile: `FROM ${base}\nRUN echo about to fail; echo to-stderr >&2; exit 3\n`,
      tags: [tag('fails')],
    });
    expect(failed.outcome).toMatchObject({
      status: 'failed',
      failedStep: '[2/2] RUN echo about to fail; echo to-stderr >&2; exit 3',
      exitCode: 3,
      message: expect.stringContaining('exit code: 3'),
    });
    const logs = failed.events.filter((e) => e.type === 'log');
    expect(logs).toContainEqual(
      expect.objectContaining({ stream: 'stdout', text: 'about to fail\n' }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ stream: 'stderr', text: 'to-stderr\n' }));
    expect(failed.events.some((e) => e.type === 'step' && e.state === 'failed' && e.error)).toBe(
      true,
    );
  });

  it('fails with a plain message when the Dockerfile is wrong or a COPY source is missing', async () => {
    const dir = contextDir({ 'a.txt': 'a' });
    const bad = await build({ dir, dockerfile: `FROM ${base}\nNOPE x\n` });
    expect(bad.outcome).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/nope/i),
    });
    const missing = await build({ dir, dockerfile: `FROM ${base}\nCOPY missing.txt /\n` });
    expect(missing.outcome).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('missing.txt'),
    });
  });

  it('leaves out what .dockerignore excludes', async () => {
    const dir = contextDir({
      '.dockerignore': '*.env\nlogs\n!logs/keep.log\nnode_modules\n',
      'keep.txt': 'k',
      'secret.env': 'TOKEN=1',
      'logs/a.log': 'a',
      'logs/keep.log': 'kept',
      'node_modules/m/index.js': 'm',
    });
    const built = await build({
      dir,
      dockerfile: `FROM ${base}\nCOPY . /ctx/\n`,
      tags: [tag('ignore')],
    });
    const out = await runImage(imageOf(built), ['sh', '-c', 'cd /ctx && find . | sort']);
    expect(out.trim().split('\n')).toEqual([
      '.',
      './.dockerignore',
      './keep.txt',
      './logs',
      './logs/keep.log',
    ]);
  });

  it('refuses a malformed .dockerignore before building', async () => {
    const dir = contextDir({ '.dockerignore': 'ok\n[\n' });
    const error = await rejection(
      builder.build({ dir, dockerfile: `FROM ${base}\n`, tags: [] }, () => undefined),
    );
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    expect((error as Error).message).toContain('.dockerignore line 2');
  });

  it.each([
    ['6 MiB', 6, 1],
    ['50 MiB', 50, 5],
  ])(
    'builds a %s context (past the 4 MiB gRPC message limit), cold and cached',
    async (label, mib, fileMib) => {
      const files: Record<string, Buffer> = {};
      for (let i = 0; i < mib / fileMib; i += 1)
        files[`data/f${i}.bin`] = randomBytes(fileMib << 20);
      const dir = contextDir(files);
      const dockerfile = `FROM ${base}\nCOPY data/ /data/\n`;
      const name = tag(`ctx-${mib}`);
      const cold = await build({ dir, dockerfile, tags: [name] });
      timings[`ctx${mib}MiBCold`] = cold.ms;
      const image = imageOf(cold);
      const sums = await runImage(name, ['sh', '-c', 'cd /data && md5sum * | sort -k2']);
      const expected = Object.entries(files)
        .map(([rel, data]) => `${md5(data)}  ${path.basename(rel)}`)
        .sort((a, b) => a.split('  ')[1]!.localeCompare(b.split('  ')[1]!));
      expect(sums.trim().split('\n').sort()).toEqual(expected.sort());

      const cached = await build({ dir, dockerfile, tags: [name] });
      timings[`ctx${mib}MiBCached`] = cached.ms;
      expect(imageOf(cached), label).toBe(image);
      expectAllCached(cached.events);
    },
    180_000,
  );

  it('picks up a file changed to the same size (real mtimes, not a stale copy)', async () => {
    const size = 2 << 20;
    const first = randomBytes(size);
    const dir = contextDir({ 'data.bin': first });
    const dockerfile = `FROM ${base}\nCOPY data.bin /data.bin\n`;
    const one = await build({ dir, dockerfile, tags: [tag('mtime')] });
    expect((await runImage(imageOf(one), ['md5sum', '/data.bin'])).split(' ')[0]).toBe(md5(first));

    const mtimeBefore = statSync(path.join(dir, 'data.bin'), { bigint: true }).mtimeNs;
    const second = randomBytes(size);
    writeFileSync(path.join(dir, 'data.bin'), second);
    expect(statSync(path.join(dir, 'data.bin'), { bigint: true }).mtimeNs).not.toBe(mtimeBefore);
    const two = await build({ dir, dockerfile, tags: [tag('mtime')] });
    expect(imageOf(two)).not.toBe(imageOf(one));
    expect((await runImage(imageOf(two), ['md5sum', '/data.bin'])).split(' ')[0]).toBe(md5(second));
  });

  it('re-reads a changed Dockerfile of the same length from the same context', async () => {
    const dir = contextDir({ 'a.txt': 'a' });
    const versions = ['aaaa', 'bbbb'].map((v) => `FROM ${base}\nRUN echo ${v}-${run} > /v\n`);
    const outputs: string[] = [];
    for (const dockerfile of versions) {
      const built = await build({ dir, dockerfile });
      outputs.push(await runImage(imageOf(built), ['cat', '/v']));
    }
    expect(outputs).toEqual([`aaaa-${run}\n`, `bbbb-${run}\n`]);
  });

  it('runs two builds of one context at once', async () => {
    const dir = contextDir({ 'a.txt': `shared-${run}` });
    const [one, two] = await Promise.all(
      ['one', 'two'].map((n) =>
        build({ dir, dockerfile: `FROM ${base}\nCOPY a.txt /a.txt\nRUN echo ${n}-${run} > /n\n` }),
      ),
    );
    expect(await runImage(imageOf(one!), ['cat', '/a.txt', '/n'])).toBe(
      `shared-${run}one-${run}\n`,
    );
    expect(await runImage(imageOf(two!), ['cat', '/a.txt', '/n'])).toBe(
      `shared-${run}two-${run}\n`,
    );
  });

  it('applies build args, labels and the target stage', async () => {
    const dir = contextDir({ 'a.txt': 'a' });
    const name = tag('args');
    const built = await build({
      dir,
      dockerfile: [
        `FROM ${base} AS dev`,
        'ARG GREETING=unset',
        'RUN echo "$GREETING" > /greeting',
        `FROM ${base} AS other`,
        'RUN echo other > /other',
        '',
      ].join('\n'),
      tags: [name],
      buildArgs: { GREETING: `hello-${run}` },
      labels: { 'com.example.team': 'platform' },
      target: 'dev',
    });
    const image = imageOf(built);
    const info = (await docker.getImage(image).inspect()) as {
      Config: { Labels: Record<string, string> };
    };
    expect(info.Config.Labels).toMatchObject({
      'com.example.team': 'platform',
      'io.devopsmaestro.managed': 'true',
    });
    expect(
      await runImage(name, ['sh', '-c', 'cat /greeting; test ! -e /other && echo no-other']),
    ).toBe(`hello-${run}\nno-other\n`);
  });

  it('mounts a build secret without leaving it in the image history', async () => {
    const secret = `s3cret-${randomBytes(8).toString('hex')}`;
    const dir = contextDir({ 'a.txt': 'a' });
    const name = tag('secret');
    // The engine's built-in Dockerfile frontend (BuildKit v0.8) accepts RUN --mount without a
    // `# syntax=` line (none could be pulled here anyway). A secret is not part of the cache key
    // (as in Docker), so the RUN line is unique to this run.
    const built = await build({
      dir,
      dockerfile: `FROM ${base}\nRUN --mount=type=secret,id=tok cat /run/secrets/tok > /x && echo ${run} > /run-id\n`,
      tags: [name],
      secrets: { tok: secret },
    });
    const image = imageOf(built);
    expect(await runImage(name, ['cat', '/x'])).toBe(secret);
    const history = (await docker.getImage(image).history()) as { CreatedBy: string }[];
    expect(history.length).toBeGreaterThan(0);
    expect(JSON.stringify(history)).not.toContain(secret);
    expect(history.map((h) => h.CreatedBy).join('\n')).toContain('cat /run/secrets/tok > /x');
    const inspected = JSON.stringify(await docker.getImage(image).inspect());
    expect(inspected).not.toContain(secret);

    // An id the build was not given: BuildKit gets NOT_FOUND and skips the optional mount, so the
    // RUN fails on the missing file; `required` makes BuildKit itself say so.
    const missing = await build({
      dir,
      dockerfile: `FROM ${base}\nRUN --mount=type=secret,id=nope,required cat /run/secrets/nope\n`,
      secrets: { tok: secret },
    });
    expect(missing.outcome).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/secret nope.*not found|not found/),
    });
  });

  it('cancels a running build: the RUN process is gone and nothing is left open', async () => {
    const marker = `dvm-cancel-${randomBytes(6).toString('hex')}`;
    const dir = contextDir({ 'a.txt': 'a' });
    const controller = new AbortController();
    const running = () =>
      readdirSync('/proc').filter((pid) => {
        if (!/^\d+$/.test(pid)) return false;
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    const done = build({
      dir,
      dockerfile: `FROM ${base}\nRUN sleep 30 && echo ${marker}\n`,
      tags: [tag('cancel')],
      signal: controller.signal,
    });
    // Wait until the RUN's shell is really running, then cancel.
    const deadline = Date.now() + 20_000;
    while (running().length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(running().length).toBeGreaterThan(0);
    const abortedAt = Date.now();
    controller.abort();
    const { outcome } = await done;
    timings.cancel = Date.now() - abortedAt;
    expect(outcome).toEqual({ status: 'cancelled' });
    expect(Date.now() - abortedAt).toBeLessThan(3_000);
    const gone = Date.now() + 5_000;
    while (running().length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(running()).toEqual([]);
    expect(leftovers()).toEqual([]);
    await expect(docker.getImage(`dvm-bk-test/cancel:${run}`).inspect()).rejects.toThrow();
  });

  it('returns cancelled at once for a signal that is already aborted', async () => {
    const dir = contextDir({ 'a.txt': 'a' });
    const controller = new AbortController();
    controller.abort();
    expect(
      (await build({ dir, dockerfile: `FROM ${base}\n`, signal: controller.signal })).outcome,
    ).toEqual({
      status: 'cancelled',
    });
  });

  it('refuses a bad request with INVALID naming the field', async () => {
    const dir = contextDir({ 'a.txt': 'a' });
    const relative = await rejection(
      builder.build(
        { dir: 'relative/dir', dockerfile: `FROM ${base}\n`, tags: [] },
        () => undefined,
      ),
    );
    expect(hasErrorCode(relative, 'INVALID')).toBe(true);
    const missing = await rejection(
      builder.build(
        { dir: path.join(dir, 'nope'), dockerfile: `FROM ${base}\n`, tags: [] },
        () => undefined,
      ),
    );
    expect(hasErrorCode(missing, 'INVALID')).toBe(true);
    const comma = await rejection(
      builder.build({ dir, dockerfile: `FROM ${base}\n`, tags: ['a:1,b:2'] }, () => undefined),
    );
    expect(hasErrorCode(comma, 'INVALID')).toBe(true);
  });
});
