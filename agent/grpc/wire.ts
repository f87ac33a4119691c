// The agent contract's messages as @grpc/proto-loader hands them over (camelCase, defaults filled
// in, enums as strings, 64-bit numbers as JS numbers), and their translation to and from the
// runtime's types. Unset proto3 `optional` scalars arrive as null or undefined.
import type * as protoLoader from '@grpc/proto-loader';
import { invalid } from '../../lib/errors';
import type {
  ContainerInfo,
  ContainerState,
  ExecSpec,
  WorkspaceContainerSpec,
} from '../runtime/container-runtime';

/** How the agent reads its contract (proto/agent/v1): the shape described above. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

export interface WireSpec {
  name: string;
  image: string;
  workspace: {
    ecosystem: string;
    domain: string;
    app: string;
    workspace: string;
    workspaceId: string;
  } | null;
  labels: Record<string, string>;
  command: string[];
  env: Record<string, string>;
  workingDir: string;
  mounts: { source: string; target: string; readOnly: boolean }[];
  networkMode: string;
  user: string;
  cpus?: number | null;
  memoryBytes?: number | null;
  gitSource: { url: string; ref: string; volume: string; target: string } | null;
}

export interface WireState {
  name: string;
  id: string;
  state: string;
  labels: Record<string, string>;
  image: string;
}

export interface WireExecOpen {
  name: string;
  command: string[];
  tty: boolean;
  cols: number;
  rows: number;
  env: Record<string, string>;
  user: string;
  workingDir: string;
}

export interface WireExecRequest {
  open?: WireExecOpen | null;
  stdin?: Buffer | null;
  resize?: { cols: number; rows: number } | null;
  closeStdin?: object | null;
  /** Which of the oneof fields is set. */
  message?: 'open' | 'stdin' | 'resize' | 'closeStdin';
}

export type WireExecResponse =
  | { output: { stream: 'OUTPUT_STREAM_STDOUT' | 'OUTPUT_STREAM_STDERR'; data: Buffer } }
  | { exit: { exitCode: number } };

export type WireWatchEvent =
  | { atUnixMs: number; heartbeat: { engineReachable: boolean; engineError: string } }
  | { atUnixMs: number; container: { action: string; workspace: WireState } };

const WIRE_STATE: Record<ContainerState, string> = {
  running: 'STATE_RUNNING',
  stopped: 'STATE_STOPPED',
  missing: 'STATE_MISSING',
};

export function toWireState(info: ContainerInfo): WireState {
  return { ...info, state: WIRE_STATE[info.state] };
}

const isSet = (value: number | null | undefined): value is number => typeof value === 'number';

export function fromWireSpec(wire: WireSpec | null | undefined): WorkspaceContainerSpec {
  if (!wire) throw invalid('The request has no spec.', [{ path: 'spec', message: 'Required.' }]);
  if (!wire.workspace) {
    throw invalid('The spec names no workspace.', [
      { path: 'spec.workspace', message: 'Required.' },
    ]);
  }
  const git = wire.gitSource;
  return {
    name: wire.name,
    image: wire.image,
    workspace: { ...wire.workspace },
    labels: wire.labels,
    ...(wire.command.length > 0 ? { command: wire.command } : {}),
    env: wire.env,
    ...(wire.workingDir ? { workingDir: wire.workingDir } : {}),
    mounts: wire.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly })),
    ...(wire.networkMode ? { networkMode: wire.networkMode } : {}),
    ...(wire.user ? { user: wire.user } : {}),
    ...(isSet(wire.cpus) ? { cpus: wire.cpus } : {}),
    ...(isSet(wire.memoryBytes) ? { memoryBytes: wire.memoryBytes } : {}),
    ...(git && git.url
      ? {
          gitSource: {
            url: git.url,
            ...(git.ref ? { ref: git.ref } : {}),
            volume: git.volume,
            target: git.target,
          },
        }
      : {}),
  };
}

export function fromWireExecOpen(open: WireExecOpen): ExecSpec {
  return {
    command: open.command,
    tty: open.tty,
    ...(open.tty && open.cols > 0 && open.rows > 0 ? { cols: open.cols, rows: open.rows } : {}),
    env: open.env,
    ...(open.user ? { user: open.user } : {}),
    ...(open.workingDir ? { workingDir: open.workingDir } : {}),
  };
}
