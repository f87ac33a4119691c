// Our minimal BuildKit protocol (proto/buildkit/*.proto) loaded for grpc-js, and the shapes of its
// messages as proto-loader hands them over: BuildKit's own field spelling (`keepCase`), enums as
// strings, 64-bit integers as decimal strings (mtimes in nanoseconds do not fit a JS number).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** proto/buildkit in this checkout (agent/build/buildkit/ → ../../..). */
export const BUILDKIT_PROTO_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'proto',
  'buildkit',
);

const FILES = ['control.proto', 'fsutil.proto', 'filesync.proto', 'secrets.proto', 'health.proto'];

export interface Timestamp {
  seconds: string;
  nanos: number;
}

export interface SolveRequest {
  Ref: string;
  Exporter: string;
  ExporterAttrs: Record<string, string>;
  Session: string;
  Frontend: string;
  FrontendAttrs: Record<string, string>;
}

export interface SolveResponse {
  ExporterResponse: Record<string, string>;
}

export interface Vertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  started: Timestamp | null;
  completed: Timestamp | null;
  error: string;
}

export interface VertexStatus {
  ID: string;
  vertex: string;
  name: string;
  current: string;
  total: string;
}

export interface VertexLog {
  vertex: string;
  timestamp: Timestamp | null;
  stream: string;
  msg: Buffer;
}

export interface StatusResponse {
  vertexes: Vertex[];
  statuses: VertexStatus[];
  logs: VertexLog[];
}

export interface WorkerRecord {
  ID: string;
  Labels: Record<string, string>;
  platforms: { Architecture: string; OS: string; Variant: string }[];
}

export interface BytesMessage {
  data: Buffer;
}

export type PacketType = 'PACKET_STAT' | 'PACKET_REQ' | 'PACKET_DATA' | 'PACKET_FIN' | 'PACKET_ERR';

/** fsutil's Stat. `size` and `modTime` are int64: decimal strings (bigint-safe). */
export interface FileStat {
  path: string;
  /** Go os.FileMode bits. */
  mode: number;
  uid: number;
  gid: number;
  size: string;
  modTime: string;
  linkname: string;
  devmajor: string;
  devminor: string;
}

export interface Packet {
  type: PacketType;
  stat?: FileStat | null;
  ID?: number;
  data?: Buffer;
}

export interface ControlClient extends grpc.Client {
  Solve(
    request: SolveRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<SolveResponse>,
  ): grpc.ClientUnaryCall;
  Status(
    request: { Ref: string },
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<StatusResponse>;
  Session(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<BytesMessage, BytesMessage>;
  ListWorkers(
    request: { filter: string[] },
    options: grpc.CallOptions,
    callback: grpc.requestCallback<{ record: WorkerRecord[] }>,
  ): grpc.ClientUnaryCall;
}

interface Loaded {
  moby: {
    buildkit: {
      v1: { Control: grpc.ServiceClientConstructor };
      secrets: { v1: { Secrets: grpc.ServiceClientConstructor } };
    };
    filesync: { v1: { FileSync: grpc.ServiceClientConstructor } };
  };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
}

let loaded: Loaded | undefined;

function load(): Loaded {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(FILES, {
      includeDirs: [BUILDKIT_PROTO_DIR],
      keepCase: true,
      longs: String,
      enums: String,
      bytes: Buffer,
      defaults: true,
      oneofs: false,
    }),
  ) as unknown as Loaded;
  return loaded;
}

/** The Control client class (BuildKit's build API). */
export function controlClientClass(): new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => ControlClient {
  return load().moby.buildkit.v1.Control as unknown as new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => ControlClient;
}

/** The services a session serves to BuildKit, by service. */
export function sessionServices(): {
  health: grpc.ServiceDefinition;
  fileSync: grpc.ServiceDefinition;
  secrets: grpc.ServiceDefinition;
} {
  const l = load();
  return {
    health: l.grpc.health.v1.Health.service,
    fileSync: l.moby.filesync.v1.FileSync.service,
    secrets: l.moby.buildkit.secrets.v1.Secrets.service,
  };
}

/** Full method names BuildKit may call on a session (announced in the session headers). */
export const SESSION_METHODS = [
  '/grpc.health.v1.Health/Check',
  '/moby.filesync.v1.FileSync/DiffCopy',
  '/moby.buildkit.secrets.v1.Secrets/GetSecret',
] as const;
