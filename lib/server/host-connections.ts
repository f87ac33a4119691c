// One gRPC channel per host, opened on first use with the host's credential decrypted from the
// store, and replaced when the host's address or credential changes (a re-join). The use cases
// see only the HostConnector interface. Terminals get their own channel to the same agent (same
// address and credential, a larger HTTP/2 window), opened and closed together with the agent's.
import type { HostConnector } from '@/lib/domain/runtime/host-connector';
import type { TerminalConnector } from '@/lib/domain/terminals/terminal-connector';
import { AppError } from '@/lib/errors';
import { GrpcHostAgent } from '@/lib/hosts/grpc-host-agent';
import type { HostAgent } from '@/lib/hosts/host-agent';
import { GrpcTerminalHost } from '@/lib/hosts/grpc-terminal-host';
import type { TerminalHost } from '@/lib/hosts/terminal-host';
import type { HostRecord } from '@/lib/store/host-store';

export interface HostConnections extends HostConnector, TerminalConnector {
  /** Drops the cached channel (after a stream broke, or the host was deleted). */
  forget(hostName: string): void;
  closeAll(): void;
}

interface Cached {
  address: string;
  ciphertext: string;
  agent: HostAgent;
  credential: string;
  terminals?: GrpcTerminalHost;
}

/**
 * `tls` is how agents serving TLS (`tls://` addresses) are checked: the CA from
 * DVM_AGENT_CA_FILE, or undefined for the system's trusted roots.
 */
export function hostConnections(
  decrypt: (ciphertext: string) => string,
  tls?: { ca?: Buffer },
): HostConnections {
  // Only `tls://` addresses are dialled with TLS; the CA applies to them alone.
  const tlsFor = (address: string) => (tls && address.startsWith('tls://') ? { tls } : {});
  const cache = new Map<string, Cached>();
  const forget = (name: string) => {
    const cached = cache.get(name);
    cached?.agent.close();
    cached?.terminals?.disconnect();
    cache.delete(name);
  };
  async function connect(host: HostRecord): Promise<Cached> {
    if (!host.address || !host.credentialCiphertext) {
      throw new AppError(
        'UNAVAILABLE',
        `Host "${host.name}" has no agent yet: run dvm-agent on it with its join token (POST /api/v1/hosts/${host.name}/join-token issues a new one).`,
      );
    }
    const cached = cache.get(host.name);
    if (
      cached &&
      cached.address === host.address &&
      cached.ciphertext === host.credentialCiphertext
    ) {
      return cached;
    }
    if (cached) forget(host.name);
    const credential = decrypt(host.credentialCiphertext);
    const agent = new GrpcHostAgent({ address: host.address, credential, ...tlsFor(host.address) });
    const entry: Cached = {
      address: host.address,
      ciphertext: host.credentialCiphertext,
      agent,
      credential,
    };
    cache.set(host.name, entry);
    return entry;
  }
  return {
    async agentFor(host: HostRecord): Promise<HostAgent> {
      return (await connect(host)).agent;
    },
    async terminalsFor(host: HostRecord): Promise<TerminalHost> {
      const entry = await connect(host);
      entry.terminals ??= new GrpcTerminalHost({
        address: entry.address,
        credential: entry.credential,
        ...tlsFor(entry.address),
      });
      return entry.terminals;
    },
    forget,
    closeAll() {
      for (const name of [...cache.keys()]) forget(name);
    },
  };
}
