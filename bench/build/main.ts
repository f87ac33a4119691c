// bench build (issue P1.5), in one run against the real Docker engine and its embedded BuildKit:
// image builds of a small and a 50 MiB context, cold (no cache, a RUN line unique to the build)
// and cached (the same inputs again), through
//   - our Docker API builder (agent/build/docker-api-builder.ts: .dockerignore, tar writer,
//     progress decoding),
//   - our BuildKit builder (agent/build/buildkit: gRPC Control/Solve, context over a session),
//   - raw: the same `POST /build?version=2` through dockerode's HTTP layer (docker.modem.dial,
//     what buildImage sends, without the registry-auth session buildImage adds for version 2),
//     with a tar written the same way and the response read to its end.
// The builders take turns in every round so none gets a warmer engine. Medians per scenario; the
// summary's ratio is the worst scenario's.
// Targets: ours (Docker API) ≤ 1.1× raw in every scenario; BuildKit cached ≤ Docker API cached.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { createBuildKitBuilder } from '../../agent/build/buildkit/index';
import { listContext, tarStream } from '../../agent/build/context-tar';
import { DockerApiBuilder, prepareContext } from '../../agent/build/docker-api-builder';
import type { ImageBuilder } from '../../agent/build/image-builder';
import { dockerConnectionFor } from '../../agent/runtime/docker-runtime';
import { dockerConnection, requireBaseImage, requireService } from '../../lib/testing/test-env';
import { ms, stats, summaryLine, timed } from '../lib/measure';

/** Rounds for the 50 MiB context; the small one, whose builds take tens of ms, gets 3× as many. */
const ROUNDS = Number(process.env.DVM_BENCH_BUILDS ?? 7);
const LARGE_MIB = Number(process.env.DVM_BENCH_CONTEXT_MIB ?? 50);
const RATIO_TARGET = 1.1;

const base = requireBaseImage();
const dockerHost = requireService('docker');
const docker = new Docker(dockerConnection());
const connection = dockerConnectionFor(dockerHost);
const run = `bb${Date.now().toString(36)}`;
const repository = `dvm-bench-build/${run}`;
const labels = { 'dvm.bench.run': run };
const root = mkdtempSync(path.join(tmpdir(), 'dvm-bench-build-'));

type Way = 'docker-api' | 'buildkit' | 'raw';
type Size = 'small' | 'large';
type Temperature = 'cold' | 'cached';

function makeContext(size: Size): string {
  const dir = path.join(root, size);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, '.dockerignore'), 'tmp/\n*.log\n');
  writeFileSync(path.join(dir, 'README.md'), '# bench\n');
  for (let i = 0; i < 20; i += 1) {
    writeFileSync(path.join(dir, 'src', `file-${i}.txt`), `${'x'.repeat(500)}\n`);
  }
  if (size === 'large') {
    // Incompressible, in 256 KiB files (a source tree with assets, not one blob).
    mkdirSync(path.join(dir, 'assets'));
    for (let i = 0; i < LARGE_MIB * 4; i += 1) {
      writeFileSync(path.join(dir, 'assets', `blob-${i}.bin`), randomBytes(256 * 1024));
    }
  }
  return dir;
}

function dockerfile(nonce: string): string {
  return `FROM ${base}\nCOPY . /ctx\nRUN echo ${nonce} && du -s /ctx\n`;
}

async function rawBuild(dir: string, text: string, tag: string, noCache: boolean): Promise<void> {
  const context = await prepareContext(dir, text, await listContext(dir));
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        options: {
          t: tag,
          dockerfile: context.dockerfilePath,
          // The same image as ours: our builder adds the managed label.
          labels: { ...labels, 'io.devopsmaestro.managed': 'true' },
          networkmode: 'none',
          version: '2',
          ...(noCache && { nocache: true }),
        },
        file: tarStream(context.entries),
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (error, result) => (error ? reject(error) : resolve(result as unknown as IncomingMessage)),
    );
  });
  let body = '';
  for await (const chunk of response as AsyncIterable<Buffer>) {
    const text = chunk.toString('utf8');
    if (text.includes('"error"')) body += text;
  }
  if (body) throw new Error(`raw build failed: ${body.slice(0, 500)}`);
}

async function ourBuild(
  builder: ImageBuilder,
  dir: string,
  text: string,
  tag: string,
  noCache: boolean,
): Promise<void> {
  let events = 0;
  const outcome = await builder.build(
    { dir, dockerfile: text, tags: [tag], labels, ...(noCache && { noCache: true }) },
    () => (events += 1),
  );
  if (outcome.status !== 'succeeded') {
    throw new Error(`${builder.name} build failed: ${JSON.stringify(outcome)}`);
  }
  if (events === 0) throw new Error(`${builder.name} reported no progress`);
}

async function main() {
  const builders: Partial<Record<Way, ImageBuilder>> = {
    'docker-api': new DockerApiBuilder({ connection }),
  };
  if ('socketPath' in connection) {
    builders.buildkit = createBuildKitBuilder({
      docker: { socketPath: connection.socketPath },
    });
  }
  const ways: Way[] = ['raw', 'docker-api', ...(builders.buildkit ? (['buildkit'] as const) : [])];
  console.log(
    `bench build: ${ROUNDS * 3} rounds (small context) and ${ROUNDS} (${LARGE_MIB} MiB) per scenario, base ${base}, ways ${ways.join(', ')}`,
  );

  const samples = new Map<string, number[]>();
  const key = (way: Way, size: Size, temperature: Temperature) => `${way} ${size} ${temperature}`;
  let serial = 0;
  for (const size of ['small', 'large'] as const) {
    const dir = makeContext(size);
    const cachedText = dockerfile(`cached-${run}-${size}`);
    // Warm the cache for the cached scenario once per way (not measured).
    for (const way of ways) {
      const tag = `${repository}:${way}-${size}-warm`;
      if (way === 'raw') await rawBuild(dir, cachedText, tag, false);
      else await ourBuild(builders[way]!, dir, cachedText, tag, false);
    }
    const rounds = size === 'small' ? ROUNDS * 3 : ROUNDS;
    for (let round = 0; round < rounds; round += 1) {
      for (const temperature of ['cold', 'cached'] as const) {
        // Rotate the order every round.
        const order = ways.map((_, i) => ways[(i + round) % ways.length]!);
        for (const way of order) {
          serial += 1;
          const text = temperature === 'cold' ? dockerfile(`cold-${run}-${serial}`) : cachedText;
          const tag = `${repository}:${way}-${size}-${temperature}-${round}`;
          const noCache = temperature === 'cold';
          const took = await timed(() =>
            way === 'raw'
              ? rawBuild(dir, text, tag, noCache)
              : ourBuild(builders[way]!, dir, text, tag, noCache),
          );
          const k = key(way, size, temperature);
          samples.set(k, [...(samples.get(k) ?? []), took]);
        }
      }
    }
  }

  const median = (way: Way, size: Size, temperature: Temperature) =>
    stats(samples.get(key(way, size, temperature)) ?? []).p50;
  const metrics: Record<string, string> = {};
  let worstRatio = 0;
  let buildKitCachedOk = builders.buildkit !== undefined;
  console.log('scenario         raw p50     docker-api p50 (ratio)   buildkit p50 (ratio)');
  for (const size of ['small', 'large'] as const) {
    for (const temperature of ['cold', 'cached'] as const) {
      const raw = median('raw', size, temperature);
      const api = median('docker-api', size, temperature);
      const kit = builders.buildkit ? median('buildkit', size, temperature) : NaN;
      const ratio = api / raw;
      worstRatio = Math.max(worstRatio, ratio);
      const name = `${size}_${temperature}`;
      metrics[`raw_${name}`] = ms(raw);
      metrics[`docker_api_${name}`] = ms(api);
      metrics[`buildkit_${name}`] = builders.buildkit ? ms(kit) : 'not-measured';
      metrics[`ratio_${name}`] = ratio.toFixed(2);
      if (temperature === 'cached' && !(kit <= api)) buildKitCachedOk = false;
      console.log(
        `${`${size} ${temperature}`.padEnd(16)} ${ms(raw).padStart(11)} ${ms(api).padStart(13)} (${ratio.toFixed(2)})` +
          `   ${builders.buildkit ? `${ms(kit).padStart(11)} (${(kit / raw).toFixed(2)})` : 'not measured'}`,
      );
    }
  }
  console.log(
    summaryLine(
      'build',
      metrics,
      worstRatio,
      `<=${RATIO_TARGET}x,buildkit_cached<=docker_api_cached`,
      worstRatio <= RATIO_TARGET && buildKitCachedOk,
    ),
  );
}

async function cleanup() {
  const images = await docker.listImages({ filters: { label: [`dvm.bench.run=${run}`] } });
  for (const image of images) {
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  rmSync(root, { recursive: true, force: true });
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
