// The embedded default: a local agent as its own process on a private unix socket, registered as
// host `local`. On start-up an agent already serving that socket with our credential is reused
// (so terminal sessions and builds outlive a control-plane restart); one that answers with another
// version or other allowed roots is replaced; otherwise a fresh one is spawned with a new
// credential, which is stored only encrypted (the agent keeps just its SHA-256).
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { AppError, hasErrorCode } from '@/lib/errors';
import { GrpcHostAgent } from '@/lib/hosts/grpc-host-agent';
import type { AgentInfo } from '@/lib/hosts/host-agent';
import {
  agentLogTail,
  localAgentFiles,
  spawnLocalAgent,
  stopLocalAgent,
  writeCredentialHash,
  type LocalAgentFiles,
} from '@/lib/hosts/local-agent-process';
import type { DataStore } from '@/lib/store/data-store';
import { hostInfoRecord } from '@/lib/domain/runtime/host-info';

export const LOCAL_HOST = 'local';
const START_TIMEOUT_MS = 30_000;

export interface EmbeddedAgentOptions {
  store: DataStore;
  dataDir: string;
  allowedRoots: string[];
  projectRoot: string;
  env: NodeJS.ProcessEnv;
  agentVersion: string;
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  log(msg: string, fields?: Record<string, unknown>): void;
}

export interface EmbeddedAgent {
  files: LocalAgentFiles;
  reused: boolean;
  info: AgentInfo;
}

function realRoots(roots: string[]): string[] {
  return roots
    .map((root) => {
      try {
        return realpathSync(root);
      } catch {
        return path.resolve(root);
      }
    })
    .sort();
}

async function probe(
  address: string,
  credential: string,
  deadlineMs: number,
): Promise<AgentInfo | undefined> {
  const agent = new GrpcHostAgent({ address, credential, deadlineMs });
  try {
    return await agent.info();
  } catch (error) {
    if (hasErrorCode(error, 'UNAVAILABLE') || hasErrorCode(error, 'UNAUTHENTICATED'))
      return undefined;
    throw error;
  } finally {
    agent.close();
  }
}

function sameRoots(info: AgentInfo, wanted: string[]): boolean {
  const have = [...info.allowedRoots].sort();
  return have.length === wanted.length && have.every((root, i) => root === wanted[i]);
}

export async function ensureEmbeddedAgent(options: EmbeddedAgentOptions): Promise<EmbeddedAgent> {
  const { store } = options;
  const files = localAgentFiles(options.dataDir);
  const wantedRoots = realRoots(options.allowedRoots);
  const existing = await store.hosts.find(LOCAL_HOST);

  const register = async (info: AgentInfo) => {
    // Health right away, so the first request after start-up need not wait for a heartbeat.
    await store.hosts.recordHeartbeat(LOCAL_HOST, {
      at: new Date(),
      ...(info.engineReachable
        ? { status: 'healthy' as const }
        : {
            status: 'unhealthy' as const,
            statusReason: `the agent cannot reach its container engine: ${info.engineError ?? 'no answer'}`,
          }),
      info: hostInfoRecord(info),
    });
  };

  if (existing?.credentialCiphertext && existing.address === files.address) {
    let credential: string | undefined;
    try {
      credential = options.decrypt(existing.credentialCiphertext);
    } catch (error) {
      options.log('the stored local agent credential cannot be decrypted; starting a new agent', {
        reason: (error as Error).message,
      });
    }
    const info = credential && (await probe(files.address, credential, 2000));
    if (info && info.agentVersion === options.agentVersion && sameRoots(info, wantedRoots)) {
      await register(info);
      return { files, reused: true, info };
    }
    if (info) {
      options.log('replacing the local agent: its version or allowed roots differ', {
        agentVersion: info.agentVersion,
        allowedRoots: info.allowedRoots,
      });
    }
  }

  await stopLocalAgent(files);
  const credential = randomBytes(32).toString('base64url');
  writeCredentialHash(files, credential);
  const pid = spawnLocalAgent({
    files,
    projectRoot: options.projectRoot,
    allowedRoots: options.allowedRoots,
    env: options.env,
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  let info: AgentInfo | undefined;
  while (!info && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    info = await probe(files.address, credential, 1000);
  }
  if (!info) {
    await stopLocalAgent(files);
    throw new AppError(
      'UNAVAILABLE',
      `The local agent (pid ${pid}) did not answer on ${files.address} within ${START_TIMEOUT_MS / 1000}s. Its log (${files.logFile}) ends with:\n${agentLogTail(files)}`,
    );
  }

  const credentialCiphertext = options.encrypt(credential);
  if (existing) {
    await store.hosts.update(LOCAL_HOST, { address: files.address, credentialCiphertext });
  } else {
    await store.hosts.create({ name: LOCAL_HOST, address: files.address, credentialCiphertext });
  }
  await register(info);
  return { files, reused: false, info };
}
