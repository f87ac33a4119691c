// dvm-agent's start-up and shutdown. `main` parses the configuration (exit 2 on bad input, with
// the message on stderr), `runAgent` does the rest and returns the exit status:
//   1. the state directory (0700) and the credential: the hash file, or a new credential when
//      joining (a join token this agent already used is not sent again);
//   2. the engine, found by platform detection (DVM_PLATFORM, DOCKER_HOST, known sockets) — an
//      engine that is down is no reason not to start: Info and heartbeats report it;
//   3. the socket: a stale unix socket is replaced, a live one is left alone (exit 1);
//   4. serve, log {"msg":"listening"}, then join if asked (the control plane calls Info back);
//   5. on SIGTERM/SIGINT stop serving and exit 0, leaving workspace containers running.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAppError } from '../../lib/errors';
import { BuildService } from '../build/build-service';
import {
  AGENT_VERSION,
  hashCredential,
  startAgentServer,
  type AgentServer,
} from '../grpc/agent-service';
import {
  DockerRuntime,
  dockerConnectionFor,
  type DockerConnection,
} from '../runtime/docker-runtime';
import { activePlatform, type Env } from '../runtime/platform';
import { UsageError, USAGE, parseAgentArgs, type AgentConfig } from './args';
import { JoinError, joinControlPlane } from './join';
import { jsonLogger, type Logger } from './log';
import {
  ensureStateDir,
  joinRecordFile,
  readCredentialHash,
  readIfExists,
  readJoinRecord,
  sha256Hex,
  writeAtomically,
} from './state-files';
import { claimSocketPath } from './unix-socket';

const DEFAULT_ENGINE = '/var/run/docker.sock';

export interface RunDeps {
  env: Env;
  log: Logger;
  /** Resolves with the signal's name when the agent should stop. */
  stopSignal: Promise<string>;
  /** Where configuration errors go (exit 2); default stderr. */
  printError?: (text: string) => void;
}

interface Credential {
  hash: string;
  /** Set when this start joins: the secret to send, and the hash file's content to restore. */
  joining?: { credential: string; previous: string | undefined };
}

class ConfigError extends Error {}

async function credentialFor(config: AgentConfig, log: Logger): Promise<Credential> {
  if (config.join) {
    const record = await readJoinRecord(config.stateDir);
    const existing = await readCredentialHash(config.credentialHashFile);
    if (record?.tokenSha256 === sha256Hex(config.join.token) && existing.kind === 'ok') {
      log('info', 'already joined with this token; serving with the stored credential', {
        host: record.host,
      });
      return { hash: existing.hash };
    }
    const credential = randomBytes(32).toString('base64url');
    log.redact(credential);
    return {
      hash: hashCredential(credential),
      joining: { credential, previous: await readIfExists(config.credentialHashFile) },
    };
  }
  const file = await readCredentialHash(config.credentialHashFile);
  if (file.kind === 'ok') return { hash: file.hash };
  if (file.kind === 'invalid') {
    throw new ConfigError(`the credential hash file ${config.credentialHashFile} ${file.reason}`);
  }
  throw new ConfigError(
    `no credential: ${config.credentialHashFile} does not exist. Either join a host registered on ` +
      'the control plane (--join-token with --control-plane), or give --credential-hash-file a ' +
      "file holding the hex SHA-256 of this host's credential.",
  );
}

/** The engine the active platform names; the default socket when none is found (yet). */
function engineConnection(env: Env, log: Logger): DockerConnection {
  try {
    return dockerConnectionFor(activePlatform(env, existsSync).socket);
  } catch (error) {
    if (isAppError(error) && error.code === 'UNAVAILABLE') {
      log('warn', 'no container engine found; using the default socket until one appears', {
        socket: `unix://${DEFAULT_ENGINE}`,
        reason: error.message,
      });
      return { socketPath: DEFAULT_ENGINE };
    }
    throw new ConfigError(isAppError(error) ? error.message : String(error));
  }
}

async function readTls(config: AgentConfig): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!config.tls) return undefined;
  try {
    return { cert: await readFile(config.tls.certFile), key: await readFile(config.tls.keyFile) };
  } catch (error) {
    throw new ConfigError(`cannot read the TLS files: ${(error as Error).message}`);
  }
}

function advertisedAddress(config: AgentConfig): string {
  const address = config.join!.advertise;
  return config.tls && !address.startsWith('unix:') && !address.startsWith('tls://')
    ? `tls://${address}`
    : address;
}

async function join(
  config: AgentConfig,
  server: AgentServer,
  credential: Credential,
  log: Logger,
): Promise<boolean> {
  const { join: joinConfig } = config;
  const joining = credential.joining;
  if (!joinConfig || !joining) return true;
  log.redact(joinConfig.token);
  await writeAtomically(config.credentialHashFile, `${credential.hash}\n`);
  try {
    const host = await joinControlPlane({
      controlPlane: joinConfig.controlPlane,
      token: joinConfig.token,
      // An agent serving TLS says so in its address, so the control plane dials it with TLS.
      address: advertisedAddress(config),
      credential: joining.credential,
    });
    await writeAtomically(
      joinRecordFile(config.stateDir),
      `${JSON.stringify({
        tokenSha256: sha256Hex(joinConfig.token),
        host,
        controlPlane: joinConfig.controlPlane,
        address: joinConfig.advertise,
        at: new Date().toISOString(),
      })}\n`,
    );
    log('info', 'joined', {
      host,
      controlPlane: joinConfig.controlPlane,
      address: joinConfig.advertise,
    });
    return true;
  } catch (error) {
    // The credential was never accepted: do not leave its hash behind as if it had been.
    if (joining.previous === undefined) await rm(config.credentialHashFile, { force: true });
    else await writeAtomically(config.credentialHashFile, joining.previous);
    log('error', 'the join failed', {
      controlPlane: joinConfig.controlPlane,
      address: server.address,
      error: (error as Error).message,
      ...(error instanceof JoinError && error.status !== undefined && { status: error.status }),
      ...(error instanceof JoinError && error.detail !== undefined && { detail: error.detail }),
    });
    return false;
  }
}

export async function runAgent(config: AgentConfig, deps: RunDeps): Promise<number> {
  const { log, env } = deps;
  const printError = deps.printError ?? ((text) => process.stderr.write(text));
  let credential: Credential;
  let tls: { cert: Buffer; key: Buffer } | undefined;
  let connection: DockerConnection;
  try {
    await ensureStateDir(config.stateDir);
    credential = await credentialFor(config, log);
    tls = await readTls(config);
    connection = engineConnection(env, log);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      log('error', 'cannot prepare the state directory', {
        stateDir: config.stateDir,
        error: (error as Error).message,
      });
      return 1;
    }
    printError(`dvm-agent: ${error.message}\n`);
    return 2;
  }

  const runtime = new DockerRuntime({ connection, allowedMountRoots: config.allowedRoots });
  const builds = new BuildService({
    connection,
    allowedRoots: config.allowedRoots,
    ...(config.builder && { defaultBuilder: config.builder }),
    log: (level, msg, fields) => log(level, msg, fields),
  });
  const socketPath = config.listen.startsWith('unix://')
    ? config.listen.slice('unix://'.length)
    : undefined;
  let server: AgentServer;
  try {
    if (socketPath && (await claimSocketPath(socketPath)) === 'stale') {
      log('info', 'removed a stale socket left by an earlier agent', { socket: socketPath });
    }
    server = await startAgentServer({
      address: config.listen,
      credentialHash: credential.hash,
      runtime,
      builds,
      env,
      terminals: config.terminals,
      ...(tls && { tls }),
      log: (msg, fields) => log('error', msg, fields),
    });
  } catch (error) {
    log('error', 'cannot listen', { address: config.listen, error: (error as Error).message });
    return 1;
  }

  log('info', 'listening', {
    address: server.address,
    version: AGENT_VERSION,
    runtime: config.runtime,
    builder: config.builder ?? 'auto',
    engine:
      'socketPath' in connection
        ? `unix://${connection.socketPath}`
        : `${connection.protocol}://${connection.host}:${connection.port}`,
    allowedRoots: runtime.allowedRoots(),
    tls: tls !== undefined,
  });
  if (!socketPath && !tls) {
    log(
      'warn',
      'serving plain TCP: the credential crosses the network unencrypted; use --tls-cert and --tls-key',
      {
        address: server.address,
      },
    );
  }

  const stopping = async () => {
    await server.stop();
    if (socketPath) await rm(socketPath, { force: true });
  };
  if (!(await join(config, server, credential, log))) {
    await stopping();
    return 1;
  }

  const signal = await deps.stopSignal;
  log('info', 'stopping', { signal });
  await stopping();
  log('info', 'stopped', { signal });
  return 0;
}

/** Resolves with the first SIGTERM or SIGINT. */
function stopSignals(): Promise<string> {
  return new Promise((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => resolve(signal));
    }
  });
}

/** The whole command; returns the exit status. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  let parsed;
  try {
    parsed = parseAgentArgs(argv, env, homedir());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`dvm-agent: ${error.message}\nRun dvm-agent --help for the options.\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`dvm-agent ${AGENT_VERSION}\n`);
    return 0;
  }
  return runAgent(parsed.config, { env, log: jsonLogger(), stopSignal: stopSignals() });
}
