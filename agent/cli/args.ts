// dvm-agent's configuration: flags, each with an environment fallback (flags win), checked all at
// once into an AgentConfig. Pure — argv, environment and home directory in, config or UsageError
// out — so every rule is unit-tested without starting anything. What needs the file system (the
// credential hash file, TLS files, the socket) is checked when the agent starts.
import path from 'node:path';
import { isAppError } from '../../lib/errors';
import { requestedPlatform, type Env } from '../runtime/platform';
import { TERMINAL_DEFAULTS } from '../terminal/session-manager';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface JoinConfig {
  /** The one-time join token (`dvmj_…`); never logged. */
  token: string;
  /** The control plane's base URL, e.g. https://dvm.example.com. */
  controlPlane: string;
  /** The address the control plane dials: `unix:///…` or `host:port`. */
  advertise: string;
}

export interface AgentConfig {
  /** `unix:///absolute/path.sock` or `host:port`. */
  listen: string;
  stateDir: string;
  credentialHashFile: string;
  join?: JoinConfig;
  /** Absolute host path roots workspaces may bind-mount. */
  allowedRoots: string[];
  runtime: 'docker';
  /** The host's image builder when a build names none; unset: BuildKit when the engine has it. */
  builder?: 'docker-api' | 'buildkit';
  tls?: { certFile: string; keyFile: string };
  /** Terminal sessions' retained output and per-viewer ack budget, in bytes; unset: defaults. */
  terminals: { windowBytes?: number; ackBudgetBytes?: number };
}

export type ParsedArgs =
  { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: AgentConfig };

/** Each flag and the variable it falls back to. */
export const FLAGS = {
  listen: ['--listen', 'DVM_AGENT_LISTEN'],
  stateDir: ['--state-dir', 'DVM_AGENT_STATE_DIR'],
  credentialHashFile: ['--credential-hash-file', 'DVM_AGENT_CREDENTIAL_HASH_FILE'],
  joinToken: ['--join-token', 'DVM_AGENT_JOIN_TOKEN'],
  controlPlane: ['--control-plane', 'DVM_CONTROL_PLANE_URL'],
  advertise: ['--advertise', 'DVM_AGENT_ADVERTISE'],
  allowedRoots: ['--allowed-roots', 'DVM_ALLOWED_PATHS'],
  runtime: ['--runtime', 'DVM_AGENT_RUNTIME'],
  builder: ['--builder', 'DVM_AGENT_BUILDER'],
  tlsCert: ['--tls-cert', 'DVM_AGENT_TLS_CERT'],
  tlsKey: ['--tls-key', 'DVM_AGENT_TLS_KEY'],
  terminalWindow: ['--terminal-window', 'DVM_AGENT_TERMINAL_WINDOW'],
  terminalAckBudget: ['--terminal-ack-budget', 'DVM_AGENT_TERMINAL_ACK_BUDGET'],
} as const;

type Key = keyof typeof FLAGS;

export const USAGE = `dvm-agent — the DevOpsMaestro host agent: runs workspace containers for the control plane,
which reaches it over gRPC (proto/agent/v1/agent.proto) with this host's own credential.

Usage: dvm-agent [options]          (every option can also be set by its environment variable)

  --listen ADDRESS              DVM_AGENT_LISTEN
        Where to serve: unix:///absolute/path.sock or host:port.
        Default: unix://<state-dir>/agent.sock
  --state-dir DIR               DVM_AGENT_STATE_DIR
        The agent's private directory (created with mode 0700).
        Default: ~/.local/state/dvm-agent
  --credential-hash-file FILE   DVM_AGENT_CREDENTIAL_HASH_FILE
        File holding the hex SHA-256 of this host's credential: the agent keeps only the hash.
        Default: <state-dir>/credential.sha256
  --join-token TOKEN            DVM_AGENT_JOIN_TOKEN
  --control-plane URL           DVM_CONTROL_PLANE_URL
  --advertise ADDRESS           DVM_AGENT_ADVERTISE
        Join a host registered on the control plane (POST /api/v1/hosts/{name} answers the
        one-time token): once listening, the agent makes a new credential, writes its hash to
        the hash file and sends the token, the credential and the --advertise address (default:
        the listen address) to <URL>/api/v1/hosts/join. The control plane calls the agent back
        before accepting. A token this agent has already used is not sent again.
  --allowed-roots PATHS         DVM_ALLOWED_PATHS
        Absolute host paths, separated by ":", that workspaces may bind-mount. Default: none.
  --runtime NAME                DVM_AGENT_RUNTIME
        Container runtime: docker (default). containerd is not implemented yet.
  --builder NAME                DVM_AGENT_BUILDER
        Image builder for builds that name none: buildkit (BuildKit over gRPC, through the
        engine's /grpc) or docker-api (POST /build). Default: buildkit when the engine has it,
        else docker-api.
  --tls-cert FILE               DVM_AGENT_TLS_CERT
  --tls-key FILE                DVM_AGENT_TLS_KEY
        Serve TLS with this PEM certificate chain and key (both or neither).
  --terminal-window SIZE        DVM_AGENT_TERMINAL_WINDOW
        Output each terminal session keeps for resuming viewers (bytes, or with KiB/MiB).
        From 1MiB to 1024MiB; default 8MiB. Memory grows with a session's output up to it.
  --terminal-ack-budget SIZE    DVM_AGENT_TERMINAL_ACK_BUDGET
        Output a terminal viewer may have unacknowledged; at least 64KiB and at most half the
        window; default 2MiB (a quarter of a smaller window).
  --help, -h                    Print this help.
  --version                     Print the agent's version.

The container engine is found like the dvm CLI finds it: DVM_PLATFORM (docker-host, docker-desktop,
orbstack, colima, podman, podman-rootless, docker-native), else DOCKER_HOST, else the known sockets.

Either a join token or a credential hash file is required. Logs are JSON lines on stdout; the line
{"msg":"listening",...} says the agent is serving. SIGTERM or SIGINT stops serving (workspace
containers keep running) and exits 0. Exit status 2: bad configuration; 1: failed to start or join.
`;

const TCP_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]', '::']);
/** sun_path holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107;

function blank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Flag values by key; `--flag value` and `--flag=value`; the last one wins. */
function readFlags(argv: readonly string[]): Partial<Record<Key, string>> | 'help' | 'version' {
  const byFlag = new Map<string, Key>(
    Object.entries(FLAGS).map(([key, [flag]]) => [flag, key as Key]),
  );
  const values: Partial<Record<Key, string>> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--version') return 'version';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const key = byFlag.get(flag);
    if (!key) {
      throw new UsageError(
        arg.startsWith('-') ? `unknown option ${flag}` : `unexpected argument "${arg}"`,
      );
    }
    let value: string | undefined;
    if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i += 1;
      if (value === undefined || value.startsWith('--')) {
        throw new UsageError(`${flag} needs a value`);
      }
    }
    values[key] = value;
  }
  return values;
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** Each session's window is one buffer, and Node's buffers stop at a few GiB. */
const MAX_TERMINAL_WINDOW = 1024 * MiB;

/** `4194304`, `512KiB` or `8MiB` in bytes; undefined when unset. */
function byteSize(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,10})(KiB|MiB)?$/.exec(value);
  if (!match) throw new UsageError(`${what} "${value}": give bytes, e.g. 4194304, 512KiB or 8MiB`);
  const unit = match[2] === 'MiB' ? MiB : match[2] === 'KiB' ? KiB : 1;
  return Number(match[1]) * unit;
}

/** `unix:///abs/path` or `host:port`; `what` names the option in messages. */
export function checkAddress(value: string, what: string): void {
  if (value.startsWith('unix:')) {
    const socket = value.slice('unix://'.length);
    if (!value.startsWith('unix://') || !path.isAbsolute(socket)) {
      throw new UsageError(`${what} "${value}": a unix socket is unix:///absolute/path.sock`);
    }
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      throw new UsageError(
        `${what}: the socket path ${socket} is longer than ${MAX_SOCKET_PATH} bytes; choose a shorter one`,
      );
    }
    return;
  }
  const match = TCP_ADDRESS.exec(value);
  if (!match || Number(match[1]) > 65535) {
    throw new UsageError(`${what} "${value}" is neither unix:///absolute/path.sock nor host:port`);
  }
}

export function parseAgentArgs(argv: readonly string[], env: Env, home: string): ParsedArgs {
  const flags = readFlags(argv);
  if (flags === 'help' || flags === 'version') return { kind: flags };
  const get = (key: Key) => blank(flags[key]) ?? blank(env[FLAGS[key][1]]);
  const name = (key: Key) => `${FLAGS[key][0]} (${FLAGS[key][1]})`;

  const stateDir = path.resolve(get('stateDir') ?? path.join(home, '.local', 'state', 'dvm-agent'));
  const listen = get('listen') ?? `unix://${path.join(stateDir, 'agent.sock')}`;
  checkAddress(listen, name('listen'));
  const credentialHashFile = path.resolve(
    get('credentialHashFile') ?? path.join(stateDir, 'credential.sha256'),
  );

  const allowedRoots: string[] = [];
  for (const entry of (get('allowedRoots') ?? '').split(':')) {
    const root = entry.trim();
    if (!root) continue;
    if (!path.isAbsolute(root)) {
      throw new UsageError(
        `${name('allowedRoots')} takes absolute paths separated by ":", got "${root}"`,
      );
    }
    const resolved = path.resolve(root);
    if (!allowedRoots.includes(resolved)) allowedRoots.push(resolved);
  }

  const runtime = (get('runtime') ?? 'docker').toLowerCase();
  if (runtime === 'containerd') {
    throw new UsageError('the containerd runtime is not implemented yet; use docker');
  }
  if (runtime !== 'docker') {
    throw new UsageError(`${name('runtime')}: unknown runtime "${runtime}"; use docker`);
  }

  const builder = get('builder')?.toLowerCase();
  if (builder !== undefined && builder !== 'docker-api' && builder !== 'buildkit') {
    throw new UsageError(
      `${name('builder')}: unknown builder "${builder}"; use buildkit or docker-api`,
    );
  }

  const certFile = get('tlsCert');
  const keyFile = get('tlsKey');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError(
      `TLS needs both ${name('tlsCert')} and ${name('tlsKey')}; only ${certFile ? 'the certificate' : 'the key'} was given`,
    );
  }

  let join: JoinConfig | undefined;
  const token = get('joinToken');
  if (token) {
    const controlPlane = get('controlPlane');
    if (!controlPlane) {
      throw new UsageError(
        `${name('joinToken')} needs ${name('controlPlane')}: the control plane's URL`,
      );
    }
    let url: URL;
    try {
      url = new URL(controlPlane);
    } catch {
      throw new UsageError(`${name('controlPlane')} "${controlPlane}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UsageError(`${name('controlPlane')} must be an http:// or https:// URL`);
    }
    const advertise = get('advertise') ?? listen;
    checkAddress(advertise, name('advertise'));
    const host = advertise.startsWith('unix:')
      ? ''
      : advertise.slice(0, advertise.lastIndexOf(':'));
    if (WILDCARD_HOSTS.has(host)) {
      throw new UsageError(
        `the agent listens on ${advertise}, which the control plane cannot dial: give ${name('advertise')}, e.g. build-1.example.com:${advertise.slice(advertise.lastIndexOf(':') + 1)}`,
      );
    }
    join = { token, controlPlane: controlPlane.replace(/\/+$/, ''), advertise };
  }

  const windowBytes = byteSize(get('terminalWindow'), name('terminalWindow'));
  let ackBudgetBytes = byteSize(get('terminalAckBudget'), name('terminalAckBudget'));
  if (windowBytes !== undefined && (windowBytes < MiB || windowBytes > MAX_TERMINAL_WINDOW)) {
    throw new UsageError(`${name('terminalWindow')} must be from 1MiB to 1024MiB`);
  }
  const window = windowBytes ?? TERMINAL_DEFAULTS.windowBytes;
  if (ackBudgetBytes !== undefined) {
    if (ackBudgetBytes < 64 * KiB || ackBudgetBytes > window / 2) {
      throw new UsageError(
        `${name('terminalAckBudget')} must be at least 64KiB and at most half the window (${window / 2} bytes)`,
      );
    }
  } else if (TERMINAL_DEFAULTS.ackBudgetBytes > window / 4) {
    // A smaller window than the default: the default budget shrinks with it.
    ackBudgetBytes = Math.floor(window / 4);
  }

  try {
    requestedPlatform(env);
  } catch (error) {
    throw new UsageError(isAppError(error) ? error.message : String(error));
  }

  return {
    kind: 'run',
    config: {
      listen,
      stateDir,
      credentialHashFile,
      ...(join && { join }),
      allowedRoots,
      runtime: 'docker',
      ...(builder && { builder }),
      terminals: {
        ...(windowBytes !== undefined && { windowBytes }),
        ...(ackBudgetBytes !== undefined && { ackBudgetBytes }),
      },
      ...(certFile &&
        keyFile && { tls: { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) } }),
    },
  };
}
