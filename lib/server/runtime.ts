// Server-only (the `server-only` package is not installed, so this comment is the marker): the
// composition root. It reads the configuration, opens the DataStore (which runs the migrations)
// and hands both out; code below takes them as parameters and never opens a store itself.
//
// The runtime lives on `globalThis`, not in a module variable: server.ts (run by tsx) and the Next
// bundle load separate copies of this module in one process, and both must share one store.

import { readFileSync } from 'node:fs';
import { loadSecretBox, type SecretBox } from '@/lib/auth/sealed-secret';
import type { ConnectAgent } from '@/lib/domain/hosts/connect-host';
import { AppError } from '@/lib/errors';
import { GrpcHostAgent } from '@/lib/hosts/grpc-host-agent';
import type { DataStore } from '@/lib/store/data-store';
import { openDataStore } from '@/lib/store/open-data-store';
import { loadConfig, type Config } from './config';
import { hostConnections, type HostConnections } from './host-connections';

export interface Runtime {
  store: DataStore;
  config: Config;
  /** Seals and unseals host agent credentials. */
  secrets: SecretBox;
  /** One gRPC channel per host, shared by every request of this process. */
  hosts: HostConnections;
  /** Opens a client of an agent (TLS for `tls://` addresses, trusting DVM_AGENT_CA_FILE). */
  connectAgent: ConnectAgent;
}

const KEY = Symbol.for('devopsmaestro.runtime');
const holder = globalThis as typeof globalThis & { [KEY]?: Promise<Runtime> };

/**
 * The process-wide runtime, created on first use. Concurrent first calls share one creation; a
 * failed creation (bad configuration, unreachable database) is forgotten so a later call retries.
 */
export function getRuntime(): Promise<Runtime> {
  let runtime = holder[KEY];
  if (!runtime) {
    const created = createRuntime();
    holder[KEY] = runtime = created;
    created.catch(() => {
      if (holder[KEY] === created) delete holder[KEY];
    });
  }
  return runtime;
}

/** The CA agents' certificates are checked against, when DVM_AGENT_CA_FILE names one. */
function loadAgentTls(config: Config): { ca: Buffer } | undefined {
  if (!config.agentCaFile) return undefined;
  try {
    return { ca: readFileSync(config.agentCaFile) };
  } catch (error) {
    throw new AppError('INVALID', `DVM_AGENT_CA_FILE cannot be read: ${(error as Error).message}`, {
      errors: [{ path: 'DVM_AGENT_CA_FILE', message: 'cannot be read' }],
    });
  }
}

async function createRuntime(): Promise<Runtime> {
  const config = loadConfig(process.env);
  const secrets = loadSecretBox(config);
  const agentTls = loadAgentTls(config);
  const connectAgent: ConnectAgent = (address, credential) =>
    new GrpcHostAgent({
      address,
      credential,
      ...(agentTls && address.startsWith('tls://') && { tls: agentTls }),
    });
  const store = await openDataStore(config);
  return {
    store,
    config,
    secrets,
    connectAgent,
    hosts: hostConnections((sealed) => secrets.open(sealed), agentTls),
  };
}

/** Closes the store, if one was opened; the next getRuntime() opens a fresh one. */
export async function closeRuntime(): Promise<void> {
  const runtime = holder[KEY];
  delete holder[KEY];
  if (!runtime) return;
  let opened: Runtime;
  try {
    opened = await runtime;
  } catch {
    return; // never opened, nothing to close
  }
  opened.hosts.closeAll();
  await opened.store.close();
}
