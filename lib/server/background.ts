// What the control plane runs besides serving requests: the embedded local agent (unless
// DVM_LOCAL_AGENT=off), the host monitor (heartbeats, health, reconciliation) and the build runner
// (queued builds to their hosts' agents, DVM_BUILD_CONCURRENCY per host). Started once by
// server.ts; the Next bundle never starts it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAppError } from '@/lib/errors';
import { buildEventHub } from './build-events';
import { startBuildRunner, type BuildRunner } from './build-runner';
import { ensureEmbeddedAgent } from './embedded-agent';
import { startHostMonitor, type HostMonitor } from './host-monitor';
import type { Runtime } from './runtime';

type Log = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface Background {
  monitor: HostMonitor;
  builds: BuildRunner;
  /** Ends live build-log streams (call before waiting for open requests to finish). */
  closeStreams(): void;
  stop(): void;
}

/** The version agents report; an embedded agent of another version is replaced. */
export function productVersion(projectRoot: string): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function startBackground(
  runtime: Runtime,
  { projectRoot, log }: { projectRoot: string; log: Log },
): Promise<Background> {
  const { config, store, hosts, secrets } = runtime;
  if (config.localAgent) {
    try {
      const agent = await ensureEmbeddedAgent({
        store,
        dataDir: config.dataDir,
        allowedRoots: config.allowedPaths,
        projectRoot,
        env: process.env,
        agentVersion: productVersion(projectRoot),
        encrypt: (plain) => secrets.seal(plain),
        decrypt: (sealed) => secrets.open(sealed),
        log: (msg, fields) => log('warn', msg, fields),
      });
      log('info', agent.reused ? 'reusing the local agent' : 'started the local agent', {
        host: 'local',
        address: agent.files.address,
        log: agent.files.logFile,
        engine: agent.info.engineReachable ? 'reachable' : `unreachable: ${agent.info.engineError}`,
      });
    } catch (error) {
      // The control plane still serves (hosts, the API, the dashboard); host `local` stays
      // unhealthy with the reason, and the log says what to fix.
      log(
        'error',
        'the local agent could not be started; workspaces on host "local" are unavailable',
        {
          ...(isAppError(error)
            ? { code: error.code, detail: error.message }
            : { error: String(error) }),
        },
      );
    }
  }
  const monitor = startHostMonitor({
    store,
    hosts,
    heartbeatMs: config.heartbeatMs,
    reconcileMs: config.reconcileMs,
    log,
  });
  const hub = buildEventHub();
  const builds = startBuildRunner({
    store,
    hosts,
    hub,
    concurrency: config.buildConcurrency,
    log,
  });
  // server.ts answers SIGINT/SIGTERM by waiting for open requests to finish; a follower of a
  // running build would hold that up, so live build logs end the moment the signal arrives (the
  // client reconnects to another replica or after the restart, with Last-Event-ID). Only
  // server.ts starts the background, and it handles the signals itself, so listening here does
  // not change how the process reacts to them.
  const closeStreams = () => hub.closeFollowers();
  process.on('SIGINT', closeStreams);
  process.on('SIGTERM', closeStreams);
  return {
    monitor,
    builds,
    closeStreams,
    stop() {
      process.off('SIGINT', closeStreams);
      process.off('SIGTERM', closeStreams);
      hub.closeFollowers();
      builds.stop();
      monitor.stop();
      hosts.closeAll();
    },
  };
}
