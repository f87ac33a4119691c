// A grpc-js channel to BuildKit's Control service: either a standalone buildkitd's own address
// (unix:// or tcp://, plain h2c) or a Docker engine's embedded BuildKit through a private h2c
// upgrade proxy (h2c-proxy.ts). close() removes everything it made.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { invalid } from '../../../lib/errors';
import { describeEngine, startH2cProxy, type EngineAddress, type H2cProxy } from './h2c-proxy';
import { controlClientClass, type ControlClient } from './protos';

export type BuildKitTarget = { docker: EngineAddress } | { address: string };

export interface ControlConnection {
  readonly control: ControlClient;
  /** For messages: `the embedded BuildKit of unix:///…` or `buildkitd at tcp://…`. */
  readonly where: string;
  readonly embedded: boolean;
  /** A transport-level explanation of the last connection failure, when one is known. */
  lastError(): string | undefined;
  /**
   * Once the channel is connected: stops accepting new proxy connections and removes the private
   * socket directory, so a kept-alive connection leaves nothing on disk and nothing else can use
   * it. The channel cannot reconnect after this; a broken connection is replaced, not redialled.
   */
  seal(): Promise<void>;
  close(): Promise<void>;
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Logs and vertex lists can be long; BuildKit itself caps what it sends.
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 16 * 1024 * 1024,
};

/** `unix:///path` or `tcp://host:port` → a grpc-js target. */
export function grpcTarget(address: string): string {
  if (/^unix:\/\/\/./.test(address)) return address;
  const tcp = /^tcp:\/\/([^/:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\/?$/.exec(address);
  if (tcp) return `${tcp[1]}:${tcp[2]}`;
  throw invalid(`BuildKit address "${address}" is not unix:///path or tcp://host:port.`, [
    { path: 'address', message: 'Use unix:///run/buildkit/buildkitd.sock or tcp://host:1234.' },
  ]);
}

const DIR_PREFIX = 'dvm-buildkit-';
const swept = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the socket directories of agents that died mid-build (a build's own directory is removed
 * when it ends; a killed process cannot). Directory names carry the owner's pid; once per process.
 */
async function sweepStale(socketDir: string): Promise<void> {
  if (swept.has(socketDir)) return;
  swept.add(socketDir);
  const names = await readdir(socketDir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!pid || Number(pid) === process.pid || alive(Number(pid))) continue;
    await rm(path.join(socketDir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** `socketDir`: where the proxy's private directory is made (default: the OS temp directory). */
export async function openControl(
  target: BuildKitTarget,
  socketDir: string = tmpdir(),
): Promise<ControlConnection> {
  const Control = controlClientClass();
  const credentials = grpc.credentials.createInsecure();
  if ('address' in target) {
    const control = new Control(grpcTarget(target.address), credentials, CHANNEL_OPTIONS);
    return {
      control,
      where: `buildkitd at ${target.address}`,
      embedded: false,
      lastError: () => undefined,
      seal: async () => undefined,
      close: async () => control.close(),
    };
  }
  await sweepStale(socketDir);
  // mkdtemp makes the directory 0700: nobody else on the host can reach the engine through it.
  const dir = await mkdtemp(path.join(socketDir, `${DIR_PREFIX}${process.pid}-`));
  let proxy: H2cProxy | undefined;
  try {
    proxy = await startH2cProxy(target.docker, path.join(dir, 'grpc.sock'));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const control = new Control(`unix://${proxy.socketPath}`, credentials, CHANNEL_OPTIONS);
  const started = proxy;
  return {
    control,
    where: `the embedded BuildKit of ${describeEngine(target.docker)}`,
    embedded: true,
    lastError: () => started.lastError(),
    seal: async () => {
      started.stopListening();
      await rm(dir, { recursive: true, force: true });
    },
    close: async () => {
      control.close();
      await started.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
