// HostAgent over gRPC (@grpc/grpc-js): loads proto/agent/v1/agent.proto, sends the host's
// credential as `authorization: Bearer …` on every call, gives every unary call a deadline, and
// maps the agent's status back to AppErrors (grpc-errors.ts). Streams (exec, watch: see
// grpc-streams.ts; build: below) have no deadline; the channel's keepalive pings (every 10 s, 5 s
// to answer, also while idle) notice an agent that has gone away without closing the connection.
import * as grpc from '@grpc/grpc-js';
import { AgentConnection, type AgentConnectionOptions } from './grpc-service-client';
import type { BuildOutcome, SettingSource, StepState } from '../build/build-types';
import { AppError } from '../errors';
import { ERROR_CODE_KEY, toAppError } from './grpc-errors';
import { openExecSession, openWatch } from './grpc-streams';
import type {
  AgentInfo,
  BuildHandle,
  BuildRequest,
  BuildStreamEvent,
  ExecOptions,
  ExecSession,
  HostAgent,
  RemoveOptions,
  WatchHandle,
  WorkspaceContainerState,
  WorkspaceSpec,
  WorkspaceState,
} from './host-agent';

export type GrpcHostAgentOptions = AgentConnectionOptions;

const STATE_FROM_WIRE: Record<string, WorkspaceContainerState> = {
  STATE_RUNNING: 'running',
  STATE_STOPPED: 'stopped',
  STATE_MISSING: 'missing',
};

interface WireState {
  name: string;
  id: string;
  state: string;
  labels: Record<string, string>;
  image: string;
}

interface WireInfo {
  agentVersion: string;
  hostName: string;
  platforms: { type: string; name: string; socket: string; active: boolean }[];
  runtime: string;
  builders: string[];
  allowedRoots: string[];
  capacity: { cpus: number; memoryBytes: number; runningWorkspaces: number } | null;
  engineReachable: boolean;
  engineError: string;
}

interface WireBuildEvent {
  atUnixMs: number;
  prepared?: {
    builder: string;
    dockerfile: string;
    tag: string;
    inputsHash: string;
    baseImage: { value: string; source: string } | null;
    language: { name: string; version: string; source: string } | null;
    reused: boolean;
  } | null;
  step?: {
    id: string;
    name: string;
    state: string;
    startedAtUnixMs?: number | null;
    completedAtUnixMs?: number | null;
    error: string;
  } | null;
  log?: { stepId: string; stream: string; text: string } | null;
  finished?: {
    status: string;
    imageId: string;
    tags: string[];
    message: string;
    failedStep: string;
    exitCode?: number | null;
  } | null;
}

const STEP_STATE_FROM_WIRE: Record<string, StepState> = {
  BUILD_STEP_STATE_STARTED: 'started',
  BUILD_STEP_STATE_COMPLETED: 'completed',
  BUILD_STEP_STATE_CACHED: 'cached',
  BUILD_STEP_STATE_FAILED: 'failed',
};

function fromWireOutcome(wire: NonNullable<WireBuildEvent['finished']>): BuildOutcome {
  switch (wire.status) {
    case 'BUILD_STATUS_SUCCEEDED':
      return { status: 'succeeded', imageId: wire.imageId, tags: [...wire.tags] };
    case 'BUILD_STATUS_CANCELLED':
      return { status: 'cancelled' };
    default:
      return {
        status: 'failed',
        message: wire.message || 'The build failed.',
        ...(wire.failedStep && { failedStep: wire.failedStep }),
        ...(typeof wire.exitCode === 'number' && { exitCode: wire.exitCode }),
      };
  }
}

/** A BuildEvent message as a BuildStreamEvent; undefined for one this client does not know. */
function fromWireBuildEvent(wire: WireBuildEvent): BuildStreamEvent | undefined {
  if (wire.prepared) {
    const p = wire.prepared;
    return {
      type: 'prepared',
      builder: p.builder,
      dockerfile: p.dockerfile,
      tag: p.tag,
      inputsHash: p.inputsHash,
      baseImage: {
        value: p.baseImage?.value ?? '',
        source: (p.baseImage?.source || 'default') as SettingSource,
      },
      ...(p.language && {
        language: {
          value: {
            name: p.language.name,
            ...(p.language.version && { version: p.language.version }),
          },
          source: (p.language.source || 'detected') as SettingSource,
        },
      }),
      reused: p.reused,
    };
  }
  if (wire.step) {
    const s = wire.step;
    const state = STEP_STATE_FROM_WIRE[s.state];
    if (!state) return undefined;
    return {
      type: 'step',
      id: s.id,
      name: s.name,
      state,
      ...(typeof s.startedAtUnixMs === 'number' && { startedAt: new Date(s.startedAtUnixMs) }),
      ...(typeof s.completedAtUnixMs === 'number' && {
        completedAt: new Date(s.completedAtUnixMs),
      }),
      ...(s.error && { error: s.error }),
    };
  }
  if (wire.log) {
    return {
      type: 'log',
      ...(wire.log.stepId && { stepId: wire.log.stepId }),
      stream: wire.log.stream === 'OUTPUT_STREAM_STDERR' ? 'stderr' : 'stdout',
      text: wire.log.text,
    };
  }
  if (wire.finished) return { type: 'finished', outcome: fromWireOutcome(wire.finished) };
  return undefined;
}

function fromWireState(wire: WireState): WorkspaceState {
  return {
    name: wire.name,
    id: wire.id,
    state: STATE_FROM_WIRE[wire.state] ?? 'missing',
    labels: wire.labels,
    image: wire.image,
  };
}

export class GrpcHostAgent implements HostAgent {
  private readonly agent: AgentConnection;

  constructor(options: GrpcHostAgentOptions) {
    this.agent = new AgentConnection('Agent', options);
  }

  async info(): Promise<AgentInfo> {
    const wire = await this.agent.unary<WireInfo>('Info', {});
    return {
      agentVersion: wire.agentVersion,
      hostName: wire.hostName,
      platforms: wire.platforms.map(({ type, name, socket, active }) => ({
        type,
        name,
        socket,
        active,
      })),
      runtime: wire.runtime,
      builders: [...wire.builders],
      allowedRoots: [...wire.allowedRoots],
      capacity: {
        cpus: wire.capacity?.cpus ?? 0,
        memoryBytes: wire.capacity?.memoryBytes ?? 0,
        runningWorkspaces: wire.capacity?.runningWorkspaces ?? 0,
      },
      engineReachable: wire.engineReachable,
      ...(wire.engineError ? { engineError: wire.engineError } : {}),
    };
  }

  async ensure(spec: WorkspaceSpec): Promise<WorkspaceState> {
    const wire = {
      name: spec.name,
      image: spec.image,
      workspace: spec.workspace,
      labels: spec.labels ?? {},
      command: spec.command ?? [],
      env: spec.env ?? {},
      workingDir: spec.workingDir ?? '',
      mounts: (spec.mounts ?? []).map((m) => ({
        source: m.source,
        target: m.target,
        readOnly: m.readOnly ?? false,
      })),
      networkMode: spec.networkMode ?? '',
      user: spec.user ?? '',
      ...(spec.cpus !== undefined && { cpus: spec.cpus }),
      ...(spec.memoryBytes !== undefined && { memoryBytes: spec.memoryBytes }),
      ...(spec.gitSource && {
        gitSource: {
          url: spec.gitSource.url,
          ref: spec.gitSource.ref ?? '',
          volume: spec.gitSource.volume,
          target: spec.gitSource.target,
        },
      }),
    };
    return fromWireState(await this.agent.unary<WireState>('Ensure', { spec: wire }));
  }

  async start(name: string): Promise<void> {
    await this.agent.unary('Start', { name });
  }

  async stop(name: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.agent.unary('Stop', {
      name,
      ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    });
  }

  async remove(name: string, options: RemoveOptions = {}): Promise<void> {
    await this.agent.unary('Remove', {
      name,
      volumes: options.volumes ?? [],
      image: options.image ?? '',
    });
  }

  async inspect(name: string): Promise<WorkspaceState> {
    return fromWireState(await this.agent.unary<WireState>('Inspect', { name }));
  }

  async list(labelFilter: Record<string, string> = {}): Promise<WorkspaceState[]> {
    const wire = await this.agent.unary<{ workspaces: WireState[] }>('List', { labelFilter });
    return wire.workspaces.map(fromWireState);
  }

  exec(name: string, options: ExecOptions): ExecSession {
    return openExecSession(
      { client: this.agent.client, metadata: this.agent.metadata(), address: this.agent.address },
      name,
      options,
    );
  }

  /**
   * The Build server stream, without a deadline: a build takes as long as it takes, and keepalive
   * pings notice a lost agent (`done` rejects UNAVAILABLE "agent lost: …"). Every event is kept
   * and replayed to each listener that arrives late. `cancel()` cancels the call, which makes the
   * agent stop the build; `done` then resolves `cancelled` at once.
   */
  build(request: BuildRequest): BuildHandle {
    const address = this.agent.address;
    const method = (this.agent.client as unknown as Record<string, (...args: unknown[]) => unknown>)
      .Build!;
    const { workspaceId, ...ref } = request.workspace;
    const call = method.call(
      this.agent.client,
      {
        workspace: { ...ref, workspaceId: workspaceId ?? '' },
        buildId: request.buildId,
        ...('path' in request.source
          ? { sourcePath: request.source.path }
          : { sourceGit: { url: request.source.git.url, ref: request.source.git.ref ?? '' } }),
        settingsJson: JSON.stringify(request.settings),
        repository: request.repository,
        builder: request.builder ?? '',
        noCache: request.noCache ?? false,
        secrets: request.secrets ?? {},
      },
      this.agent.metadata(),
      {},
    ) as grpc.ClientReadableStream<WireBuildEvent>;
    const history: BuildStreamEvent[] = [];
    const listeners: ((event: BuildStreamEvent) => void)[] = [];
    let outcome: BuildOutcome | undefined;
    let cancelled = false;
    let settle: ((result: BuildOutcome) => void) | undefined;

    call.on('data', (wire: WireBuildEvent) => {
      const event = fromWireBuildEvent(wire);
      if (!event || cancelled) return;
      if (event.type === 'finished') outcome = event.outcome;
      history.push(event);
      for (const listener of listeners) listener(event);
    });

    const done = new Promise<BuildOutcome>((resolve, reject) => {
      settle = resolve;
      let status: grpc.StatusObject | undefined;
      let ended = false;
      const finish = () => {
        if (!status || !ended) return;
        if (outcome) return resolve(outcome);
        if (cancelled) return resolve({ status: 'cancelled' });
        if (status.code === grpc.status.OK) {
          return reject(
            new AppError(
              'UNAVAILABLE',
              `agent lost: the host agent at ${address} ended the build without an outcome.`,
            ),
          );
        }
        const [sent] = status.metadata?.get(ERROR_CODE_KEY) ?? [];
        const transport =
          sent === undefined &&
          [grpc.status.UNAVAILABLE, grpc.status.CANCELLED, grpc.status.DEADLINE_EXCEEDED].includes(
            status.code,
          );
        reject(
          transport
            ? new AppError(
                'UNAVAILABLE',
                `agent lost: the build stream to the host agent at ${address} broke (${status.details || 'connection lost'}).`,
                { cause: status },
              )
            : toAppError(status, { address, method: 'Build' }),
        );
      };
      call.on('error', () => undefined); // the same failure arrives as 'status'
      call.on('status', (s: grpc.StatusObject) => {
        status = s;
        finish();
      });
      call.on('end', () => {
        ended = true;
        finish();
      });
    });
    done.catch(() => undefined); // nobody may ask; an unhandled rejection would kill the process

    return {
      onEvent(listener) {
        listeners.push(listener);
        for (const event of history) listener(event);
      },
      done,
      cancel() {
        if (outcome || cancelled) return;
        cancelled = true;
        call.cancel();
        settle?.({ status: 'cancelled' });
      },
    };
  }

  watch(options: { intervalMs?: number } = {}): WatchHandle {
    return openWatch(
      { client: this.agent.client, metadata: this.agent.metadata(), address: this.agent.address },
      options.intervalMs,
    );
  }

  close(): void {
    this.agent.client.close();
  }
}
