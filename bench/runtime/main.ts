// bench runtime (issue P1.4), in one run against the real Docker engine:
//   (a) start latency of a workspace container from a warm image: POST …/workspaces/{ws}/start on
//       the real server (REST → domain → gRPC → dvm-agent → engine) vs raw dockerode
//       createContainer + start with the same configuration;
//   (b) keystroke echo round trip in a TTY exec: through the agent's Exec stream (gRPC client →
//       dvm-agent → engine) vs a raw dockerode TTY exec, one byte at a time.
// Targets: start ≤ 1.2× raw; exec echo adds ≤ 0.5 ms at p50.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { hashCredential } from '../../agent/grpc/agent-service';
import { GrpcHostAgent } from '../../lib/hosts/grpc-host-agent';
import type { ExecSession } from '../../lib/hosts/host-agent';
import { startApiServer, workspaceHierarchy } from '../../lib/testing/api-client';
import { PROJECT_ROOT } from '../../lib/testing/server-process';
import { dockerConnection, requireBaseImage } from '../../lib/testing/test-env';
import { spawnAgentProcess } from '../lib/agent-process';
import { ms, stats, summaryLine, timed } from '../lib/measure';

const STARTS = Number(process.env.DVM_BENCH_STARTS ?? 15);
const ECHOES = Number(process.env.DVM_BENCH_ECHOES ?? 400);
const WARMUP = 3;
const START_TARGET = 1.2;
const ECHO_TARGET_MS = 0.5;
const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];

const docker = new Docker(dockerConnection());
const image = requireBaseImage();
const root = mkdtempSync(path.join(tmpdir(), 'dvm-bench-rt-'));
const src = path.join(root, 'src');
mkdirSync(src);
writeFileSync(path.join(src, 'README'), 'bench\n');
const run = `br${Date.now().toString(36)}`;

/** (a) Ours: each round creates a workspace, starts it (timed), then deletes it with its container. */
async function startThroughControlPlane(): Promise<number[]> {
  const api = await startApiServer({
    name: 'bench-runtime',
    env: { DVM_LOCAL_AGENT: 'on', DVM_ALLOWED_PATHS: root },
  });
  try {
    await api.must('POST', '/api/v1/apply', 200, {
      json: workspaceHierarchy({ ecosystem: run, domain: 'd', app: 'a' }, src),
    });
    const apps = `/api/v1/ecosystems/${run}/domains/d/apps/a/workspaces`;
    const samples: number[] = [];
    for (let i = 0; i < STARTS + WARMUP; i += 1) {
      const ws = `w${i}`;
      await api.must('POST', apps, 201, {
        json: { metadata: { name: ws }, spec: { image: { name: image } } },
      });
      const took = await timed(() =>
        api.must('POST', `${apps}/${ws}/start`, 200, { timeoutMs: 60_000 }),
      );
      if (i >= WARMUP) samples.push(took);
      await api.must('DELETE', `${apps}/${ws}`, 200, { timeoutMs: 60_000 });
    }
    return samples;
  } finally {
    await api.stop();
  }
}

/** (a) Raw: the same container configuration through dockerode. */
async function startRaw(): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < STARTS + WARMUP; i += 1) {
    const name = `${run}_raw_${i}`;
    const took = await timed(async () => {
      const container = await docker.createContainer({
        name,
        Image: image,
        Cmd: KEEP_ALIVE,
        User: '1000:1000',
        WorkingDir: '/workspace',
        Labels: { 'io.devopsmaestro.managed': 'true', bench: run },
        HostConfig: {
          NetworkMode: 'none',
          Binds: [`${src}:/workspace`],
          Privileged: false,
        },
      });
      await container.start();
    });
    if (i >= WARMUP) samples.push(took);
    await docker.getContainer(name).remove({ force: true });
  }
  return samples;
}

/** Writes one byte at a time and waits for the terminal to echo it. */
async function echoLoop(
  write: (b: Buffer) => void,
  onData: (fn: (d: Buffer) => void) => void,
): Promise<number[]> {
  let waiting: { byte: number; resolve: () => void } | undefined;
  onData((data) => {
    if (waiting && data.includes(waiting.byte)) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve();
    }
  });
  const samples: number[] = [];
  const letters = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  for (let i = 0; i < ECHOES + 20; i += 1) {
    const byte = letters[i % letters.length]!;
    const took = await timed(
      () =>
        new Promise<void>((resolve) => {
          waiting = { byte, resolve };
          write(Buffer.from([byte]));
        }),
    );
    if (i >= 20) samples.push(took);
    if (i % 60 === 59) write(Buffer.from('\r')); // keep the line short
  }
  return samples;
}

async function echoThroughAgent(container: string): Promise<number[]> {
  const credential = randomBytes(32).toString('base64url');
  const stateDir = path.join(root, 'agent');
  mkdirSync(stateDir, { mode: 0o700 });
  writeFileSync(path.join(stateDir, 'credential.sha256'), `${hashCredential(credential)}\n`, {
    mode: 0o600,
  });
  const address = `unix://${path.join(stateDir, 'agent.sock')}`;
  const agentProcess = await spawnAgentProcess({
    projectRoot: PROJECT_ROOT,
    args: ['--listen', address, '--state-dir', stateDir],
  });
  const agent = new GrpcHostAgent({ address, credential });
  let session: ExecSession | undefined;
  try {
    session = agent.exec(container, { command: ['cat'], tty: true, cols: 120, rows: 40 });
    const open = session;
    return await echoLoop(
      (b) => open.write(b),
      (fn) => open.onOutput((d) => fn(d)),
    );
  } finally {
    session?.cancel();
    agent.close();
    await agentProcess.stop();
  }
}

async function echoRaw(container: string): Promise<number[]> {
  const exec = await docker.getContainer(container).exec({
    Cmd: ['cat'],
    AttachStdin: true,
    AttachStdout: true,
    Tty: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  try {
    return await echoLoop(
      (b) => stream.write(b),
      (fn) => stream.on('data', fn),
    );
  } finally {
    stream.destroy();
  }
}

async function main() {
  console.log(`bench runtime: ${STARTS} starts and ${ECHOES} echoes each way, image ${image}`);
  // Interleave so that neither side gets the warmer engine.
  const raw1 = await startRaw();
  const ours = await startThroughControlPlane();
  const raw2 = await startRaw();
  const startOurs = stats(ours);
  const startRawStats = stats([...raw1, ...raw2]);
  console.log(
    `start  ours p50=${ms(startOurs.p50)} p99=${ms(startOurs.p99)}   raw p50=${ms(startRawStats.p50)} p99=${ms(startRawStats.p99)}`,
  );

  const name = `${run}_echo`;
  const container = await docker.createContainer({
    name,
    Image: image,
    Cmd: KEEP_ALIVE,
    Labels: { 'io.devopsmaestro.managed': 'true', bench: run },
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  let echoOurs;
  let echoRawStats;
  try {
    const rawA = await echoRaw(name);
    const oursSamples = await echoThroughAgent(name);
    const rawB = await echoRaw(name);
    echoOurs = stats(oursSamples);
    echoRawStats = stats([...rawA, ...rawB]);
  } finally {
    await container.remove({ force: true });
  }
  console.log(
    `echo   ours p50=${ms(echoOurs.p50)} p99=${ms(echoOurs.p99)}   raw p50=${ms(echoRawStats.p50)} p99=${ms(echoRawStats.p99)}`,
  );

  const startRatio = startOurs.p50 / startRawStats.p50;
  const addedEcho = echoOurs.p50 - echoRawStats.p50;
  const met = startRatio <= START_TARGET && addedEcho <= ECHO_TARGET_MS;
  console.log(
    summaryLine(
      'runtime',
      {
        start_p50: ms(startOurs.p50),
        start_p99: ms(startOurs.p99),
        raw_start_p50: ms(startRawStats.p50),
        raw_start_p99: ms(startRawStats.p99),
        echo_p50: ms(echoOurs.p50),
        echo_p99: ms(echoOurs.p99),
        raw_echo_p50: ms(echoRawStats.p50),
        raw_echo_p99: ms(echoRawStats.p99),
        echo_added_p50: ms(addedEcho),
        echo_ratio: (echoOurs.p50 / echoRawStats.p50).toFixed(2),
      },
      startRatio,
      `start<=${START_TARGET}x,echo_added_p50<=${ECHO_TARGET_MS}ms`,
      met,
    ),
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
