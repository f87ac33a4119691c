// One connection to a service of our agent contract (proto/agent/v1): the generated client class,
// loaded once per proto file and service for the whole process; the transport (unix, tcp or
// `tls://`); keepalive; the host credential on every call; and unary calls with a deadline whose
// errors become AppErrors naming the address. HostAgent (Agent) and TerminalHost (Terminals) each
// hold one.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AppError } from '../errors';
import { agentTransport } from './agent-address';
import { toAppError } from './grpc-errors';

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

const DEFAULT_DEADLINE_MS = 10_000;

export type AgentServiceName = 'Agent' | 'Terminals';

const PROTO_FILES: Record<AgentServiceName, string> = {
  Agent: 'agent.proto',
  Terminals: 'terminal.proto',
};

export interface AgentConnectionOptions {
  /** The agent's address: `unix:///path.sock`, `host:port` or `tls://host:port`. */
  address: string;
  /** The host's credential (the secret, not its hash). */
  credential: string;
  /** Per-call deadline for unary calls; default 10 s. */
  deadlineMs?: number;
  /** Default: the service's file under proto/agent/v1 in the working directory. */
  protoPath?: string;
  /** Dial with TLS, trusting `ca` (PEM) or, without it, the system's roots. */
  tls?: { ca?: Buffer };
  /** Keepalive ping interval; default 10 s. */
  keepaliveTimeMs?: number;
  /** How long a keepalive ping may go unanswered before the connection is dropped; default 5 s. */
  keepaliveTimeoutMs?: number;
}

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

const clients = new Map<string, grpc.ServiceClientConstructor>();

function serviceClient(protoPath: string, service: AgentServiceName) {
  const key = `${protoPath}#${service}`;
  let client = clients.get(key);
  if (!client) {
    const loaded = grpc.loadPackageDefinition(
      protoLoader.loadSync(protoPath, LOADER_OPTIONS),
    ) as unknown as {
      devopsmaestro: { agent: { v1: Record<string, grpc.ServiceClientConstructor> } };
    };
    client = loaded.devopsmaestro.agent.v1[service]!;
    clients.set(key, client);
  }
  return client;
}

export class AgentConnection {
  readonly client: grpc.Client;
  readonly address: string;
  readonly deadlineMs: number;
  private readonly credential: string;

  constructor(
    private readonly service: AgentServiceName,
    options: AgentConnectionOptions,
    /** Channel options beyond keepalive (e.g. a larger flow-control window for streams). */
    channelOptions: grpc.ChannelOptions = {},
  ) {
    const Client = serviceClient(
      options.protoPath ?? path.join(process.cwd(), 'proto', 'agent', 'v1', PROTO_FILES[service]),
      service,
    );
    // `tls://host:port` (or an explicit `tls` option) dials with TLS; see agent-address.ts.
    const { target, credentials } = agentTransport(options.address, options.tls);
    this.client = new Client(target, credentials, {
      'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 10_000,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      ...channelOptions,
    });
    this.address = options.address;
    this.credential = options.credential;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  }

  /** The host credential, sent with every call and stream. */
  metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${this.credential}`);
    return metadata;
  }

  unary<T>(method: string, request: object): Promise<T> {
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new AppError('INTERNAL', `The ${this.service} contract has no ${method}.`);
    const name = this.service === 'Agent' ? method : `${this.service}/${method}`;
    return new Promise<T>((resolve, reject) => {
      fn.call(
        this.client,
        request,
        this.metadata(),
        { deadline: Date.now() + this.deadlineMs },
        (error, response) => {
          if (error) {
            reject(
              toAppError(error, {
                address: this.address,
                method: name,
                deadlineMs: this.deadlineMs,
              }),
            );
          } else resolve(response as T);
        },
      );
    });
  }
}
