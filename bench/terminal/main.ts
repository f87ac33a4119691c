// bench terminal (issue P1.6), in one run against the real Docker engine and the production
// server (`next build` first) with its embedded local agent:
//   (a) throughput: a process printing DVM_BENCH_MB (default 200) MB of lines, received by a
//       WebSocket client speaking dvm.terminal.v1 (WebSocket → control plane → gRPC → dvm-agent →
//       TTY exec), acknowledging output like the browser does — vs the same command in a raw
//       dockerode TTY exec;
//   (b) keystroke echo round trip, one byte at a time, both ways (TTY echo of `cat`);
//   (c) DVM_BENCH_SESSIONS (default 200) sessions at once, each typing a key every 100–300 ms for
//       DVM_BENCH_SECONDS (default 10): echo p50/p99, and the control plane's and agent's RSS;
//       then as many raw dockerode TTY execs typed into the same way, for comparison.
// Targets: throughput ≥ 1.0× raw; echo adds ≤ 0.5 ms at p50 and ≤ 2 ms at p99; (c) p99 ≤ 25 ms.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { localAgentFiles } from '../../lib/hosts/local-agent-process';
import {
  type ApiServer,
  startApiServer,
  waitForHealthyHost,
  workspaceHierarchy,
} from '../../lib/testing/api-client';
import { dockerConnection, requireBaseImage } from '../../lib/testing/test-env';
import { ms, stats, summaryLine } from '../lib/measure';
import { TerminalClient } from './terminal-client';

const MB = Number(process.env.DVM_BENCH_MB ?? 200);
const ECHOES = Number(process.env.DVM_BENCH_ECHOES ?? 400);
const SESSIONS = Number(process.env.DVM_BENCH_SESSIONS ?? 200);
const SECONDS = Number(process.env.DVM_BENCH_SECONDS ?? 10);
const THROUGHPUT_TARGET = 1.0;
const ECHO_ADDED_P50_MS = 0.5;
const ECHO_ADDED_P99_MS = 2;
const SESSIONS_P99_MS = 25;
const WARMUP = 20;

const docker = new Docker(dockerConnection());
const image = requireBaseImage();
const root = mkdtempSync(path.join(tmpdir(), 'dvm-bench-term-'));
const run = `bt${Date.now().toString(36)}`;
const WS = `/api/v1/ecosystems/${run}/domains/d/apps/a/workspaces/w`;

/** Waits for a key, then prints `bytes` of 80-character lines (the TTY makes each `\n` `\r\n`). */
function floodCommand(bytes: number): string[] {
  const line = 'the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVW';
  return ['/bin/sh', '-c', `read go; yes '${line}' | head -c ${bytes}`];
}

const mib = (bytes: number, msTaken: number) => bytes / 1024 / 1024 / (msTaken / 1000);

/** Writes one byte at a time and waits for the terminal to echo it (^U every 60 keeps the line short). */
async function echoLoop(
  count: number,
  write: (b: Buffer) => void,
  onData: (fn: (d: Uint8Array) => void) => void,
  pace?: { pauseMs: () => number; until: number },
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
  for (let i = 0; i < count; i += 1) {
    if (pace) {
      await new Promise((resolve) => setTimeout(resolve, pace.pauseMs()));
      if (Date.now() >= pace.until) break;
    }
    const byte = letters[i % letters.length]!;
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      waiting = { byte, resolve };
      write(Buffer.from([byte]));
    });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (i % 60 === 59) write(Buffer.from([0x15]));
  }
  return samples;
}

// --- raw dockerode ------------------------------------------------------------------------------

async function rawExec(container: string, command: string[]): Promise<Duplex> {
  const exec = await docker.getContainer(container).exec({
    Cmd: command,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    ConsoleSize: [24, 80],
  });
  return (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
}

async function floodRaw(container: string, bytes: number): Promise<{ bytes: number; ms: number }> {
  const stream = await rawExec(container, floodCommand(bytes));
  let received = 0;
  let start = 0n;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => (received += chunk.length));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  start = process.hrtime.bigint();
  stream.write('\r');
  await done;
  return { bytes: received, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

async function echoRaw(container: string): Promise<number[]> {
  const stream = await rawExec(container, ['cat']);
  try {
    const samples = await echoLoop(
      ECHOES + WARMUP,
      (b) => stream.write(b),
      (fn) => stream.on('data', fn),
    );
    return samples.slice(WARMUP);
  } finally {
    stream.destroy();
  }
}

// --- through the control plane ------------------------------------------------------------------

interface Session {
  id: string;
  socketPath: string;
}

async function openSession(api: ApiServer, command: string[]): Promise<Session> {
  return (
    await api.must('POST', `${WS}/terminals`, 201, { json: { title: 'bench', command } })
  ).json<Session>();
}

async function closeSession(api: ApiServer, session: Session): Promise<void> {
  await api.must('DELETE', `${WS}/terminals/${session.id}`, [200, 404], { timeoutMs: 30_000 });
}

async function attach(api: ApiServer, session: Session): Promise<TerminalClient> {
  const client = new TerminalClient(
    `${api.baseUrl.replace(/^http/, 'ws')}${session.socketPath}?cols=80&rows=24`,
    api.token,
  );
  await client.attached();
  return client;
}

async function floodOurs(
  api: ApiServer,
  bytes: number,
): Promise<{
  bytes: number;
  ms: number;
  snapshots: number;
  frames: number;
  cpu: { server: number; agent: number };
}> {
  const session = await openSession(api, floodCommand(bytes));
  const client = await attach(api, session);
  const pids = pidsOf(api);
  try {
    const cpuBefore = { server: cpuSeconds(pids.server), agent: cpuSeconds(pids.agent) };
    const start = process.hrtime.bigint();
    client.send(Buffer.from('\r'));
    await client.exited(600_000);
    return {
      cpu: {
        server: cpuSeconds(pids.server) - cpuBefore.server,
        agent: cpuSeconds(pids.agent) - cpuBefore.agent,
      },
      bytes: client.outputBytes,
      ms: Number(process.hrtime.bigint() - start) / 1e6,
      snapshots: client.snapshots,
      frames: client.outputFrames,
    };
  } finally {
    client.close();
    await closeSession(api, session);
  }
}

async function echoOurs(api: ApiServer): Promise<number[]> {
  const session = await openSession(api, ['cat']);
  const client = await attach(api, session);
  try {
    const samples = await echoLoop(
      ECHOES + WARMUP,
      (b) => client.send(b),
      (fn) => client.onOutput(fn),
    );
    return samples.slice(WARMUP);
  } finally {
    client.close();
    await closeSession(api, session);
  }
}

/** CPU seconds (user + system, all threads) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  } catch {
    return NaN;
  }
}

function pidsOf(api: ApiServer): { server: number | undefined; agent: number } {
  return {
    server: api.server.child.pid,
    agent: Number(readFileSync(localAgentFiles(api.server.dataDir).pidFile, 'utf8')),
  };
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  }
  return out;
}

/** One key at a time at a human pace (100–300 ms apart) until `until`; the first two warm up. */
async function typeUntil(
  until: number,
  write: (b: Buffer) => void,
  onData: (fn: (d: Uint8Array) => void) => void,
): Promise<number[]> {
  const samples = await echoLoop(Number.MAX_SAFE_INTEGER, write, onData, {
    pauseMs: () => 100 + Math.random() * 200,
    until,
  });
  return samples.slice(2);
}

/** (c) raw: as many dockerode TTY execs of `cat`, typed into at the same pace (no RSS). */
async function manyRaw(container: string): Promise<number[]> {
  const streams = await inBatches([...Array(SESSIONS).keys()], 10, () =>
    rawExec(container, ['cat']),
  );
  try {
    const until = Date.now() + SECONDS * 1000;
    const perStream = await Promise.all(
      streams.map((stream) =>
        typeUntil(
          until,
          (b) => stream.write(b),
          (fn) => stream.on('data', fn),
        ),
      ),
    );
    return perStream.flat();
  } finally {
    for (const stream of streams) stream.destroy();
  }
}

async function manySessions(api: ApiServer): Promise<{
  samples: number[];
  rss: { server: number[]; agent: number[] };
}> {
  const { server: serverPid, agent: agentPid } = pidsOf(api);
  const sessions = await inBatches([...Array(SESSIONS).keys()], 10, () =>
    openSession(api, ['cat']),
  );
  const clients = await inBatches(sessions, 20, (s) => attach(api, s));
  const rss = { server: [] as number[], agent: [] as number[] };
  const sample = () => {
    rss.server.push(rssMiB(serverPid));
    rss.agent.push(rssMiB(agentPid));
  };
  sample();
  const sampler = setInterval(sample, 500);
  try {
    const until = Date.now() + SECONDS * 1000;
    const perClient = await Promise.all(
      clients.map((client) =>
        typeUntil(
          until,
          (b) => client.send(b),
          (fn) => client.onOutput(fn),
        ),
      ),
    );
    sample();
    return { samples: perClient.flat(), rss };
  } finally {
    clearInterval(sampler);
    for (const client of clients) client.close();
    await inBatches(sessions, 20, (s) => closeSession(api, s));
  }
}

async function main() {
  const bytes = MB * 1_000_000;
  console.log(
    `bench terminal: ${MB} MB flood each way, ${ECHOES} echoes each way, ${SESSIONS} sessions for ${SECONDS} s, image ${image}`,
  );
  mkdirSync(path.join(root, 'src'));
  const api = await startApiServer({
    name: 'bench-terminal',
    env: {
      DVM_LOCAL_AGENT: 'on',
      DVM_ALLOWED_PATHS: root,
      // e.g. `--require ./profiler.cjs` to profile the control plane and its agent (Node refuses
      // --cpu-prof in NODE_OPTIONS).
      ...(process.env.DVM_BENCH_NODE_OPTIONS && {
        NODE_OPTIONS: process.env.DVM_BENCH_NODE_OPTIONS,
      }),
    },
  });
  try {
    await waitForHealthyHost(api);
    await api.must('POST', '/api/v1/apply', 200, {
      json: workspaceHierarchy(
        { ecosystem: run, domain: 'd', app: 'a', workspace: 'w' },
        path.join(root, 'src'),
        image,
      ),
    });
    await api.must('POST', `${WS}/start`, 200, { timeoutMs: 60_000 });
    const container = (
      await docker.listContainers({ filters: { label: [`io.devopsmaestro.ecosystem=${run}`] } })
    )[0]?.Id;
    if (!container) throw new Error('the workspace container is not running');

    // (a) Throughput: raw, ours, raw, so neither side gets the warmer engine alone.
    const rawA = await floodRaw(container, bytes / 2);
    const ours = await floodOurs(api, bytes);
    const rawB = await floodRaw(container, bytes / 2);
    const rawRate = mib(rawA.bytes + rawB.bytes, rawA.ms + rawB.ms);
    const oursRate = mib(ours.bytes, ours.ms);
    const perGB = (seconds: number) => ((seconds / ours.bytes) * 1e9).toFixed(1);
    console.log(
      `flood  ours ${(ours.bytes / 1e6).toFixed(0)} MB in ${(ours.ms / 1000).toFixed(2)} s = ${oursRate.toFixed(1)} MiB/s (${ours.frames} frames, ${ours.snapshots} snapshots)   raw ${((rawA.bytes + rawB.bytes) / 1e6).toFixed(0)} MB in ${((rawA.ms + rawB.ms) / 1000).toFixed(2)} s = ${rawRate.toFixed(1)} MiB/s`,
    );
    console.log(
      `flood  CPU per GB delivered: control plane ${perGB(ours.cpu.server)} s, agent ${perGB(ours.cpu.agent)} s (all threads)`,
    );

    // (b) Echo: raw, ours, raw.
    const echoRawA = await echoRaw(container);
    const echoOursSamples = await echoOurs(api);
    const echoRawB = await echoRaw(container);
    const echoO = stats(echoOursSamples);
    const echoR = stats([...echoRawA, ...echoRawB]);
    console.log(
      `echo   ours p50=${ms(echoO.p50)} p99=${ms(echoO.p99)}   raw p50=${ms(echoR.p50)} p99=${ms(echoR.p99)}`,
    );

    // (c) Many sessions at once.
    const many = await manySessions(api);
    const manyStats = stats(many.samples);
    const manyRawStats = stats(await manyRaw(container));
    const max = (xs: number[]) => Math.max(...xs.filter((x) => !Number.isNaN(x)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `many   ${SESSIONS} sessions, ${manyStats.count} echoes: p50=${ms(manyStats.p50)} p99=${ms(manyStats.p99)}   raw ${manyRawStats.count} echoes: p50=${ms(manyRawStats.p50)} p99=${ms(manyRawStats.p99)}   RSS control plane mean ${mean(many.rss.server).toFixed(0)} MiB max ${max(many.rss.server).toFixed(0)} MiB, agent mean ${mean(many.rss.agent).toFixed(0)} MiB max ${max(many.rss.agent).toFixed(0)} MiB`,
    );

    const ratio = oursRate / rawRate;
    const addedP50 = echoO.p50 - echoR.p50;
    const addedP99 = echoO.p99 - echoR.p99;
    const met =
      ratio >= THROUGHPUT_TARGET &&
      addedP50 <= ECHO_ADDED_P50_MS &&
      addedP99 <= ECHO_ADDED_P99_MS &&
      manyStats.p99 <= SESSIONS_P99_MS;
    console.log(
      summaryLine(
        'terminal',
        {
          throughput: `${oursRate.toFixed(1)}MiB/s`,
          raw_throughput: `${rawRate.toFixed(1)}MiB/s`,
          snapshots: String(ours.snapshots),
          cp_cpu_s_per_gb: perGB(ours.cpu.server),
          agent_cpu_s_per_gb: perGB(ours.cpu.agent),
          echo_p50: ms(echoO.p50),
          echo_p99: ms(echoO.p99),
          raw_echo_p50: ms(echoR.p50),
          raw_echo_p99: ms(echoR.p99),
          echo_added_p50: ms(addedP50),
          echo_added_p99: ms(addedP99),
          [`sessions${SESSIONS}_p50`]: ms(manyStats.p50),
          [`sessions${SESSIONS}_p99`]: ms(manyStats.p99),
          [`raw_sessions${SESSIONS}_p50`]: ms(manyRawStats.p50),
          [`raw_sessions${SESSIONS}_p99`]: ms(manyRawStats.p99),
          cp_rss_max: `${max(many.rss.server).toFixed(0)}MiB`,
          agent_rss_max: `${max(many.rss.agent).toFixed(0)}MiB`,
        },
        ratio,
        `throughput>=${THROUGHPUT_TARGET}x,echo_added_p50<=${ECHO_ADDED_P50_MS}ms,echo_added_p99<=${ECHO_ADDED_P99_MS}ms,sessions_p99<=${SESSIONS_P99_MS}ms`,
        met,
      ),
    );
  } finally {
    await api.stop();
    const leftovers = await docker.listContainers({
      all: true,
      filters: { label: [`io.devopsmaestro.ecosystem=${run}`] },
    });
    for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true });
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
