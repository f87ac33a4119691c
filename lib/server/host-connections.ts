// One gRPC channel per host, opened on first use with the host's credential decrypted from the
// store, and replaced when the host's address or credential changes (a re-join). The use cases
// see only the HostConnector interface.
import type { HostConnector } from '@/lib/domain/runtime/host-connector';
import { AppError } from '@/lib/errors';
import { GrpcHostAgent } from '@/lib/hosts/grpc-host-agent';
import type { HostAgent } from '@/lib/hosts/host-agent';
import type { HostRecord } from '@/lib/store/host-store';

export interface HostConnections extends HostConnector {
  /** Drops the cached channel (after a stream broke, or the host was deleted). */
  forget(hostName: string): void;
  closeAll(): void;
}

interface Cached {
  address: string;
  ciphertext: string;
  agent: HostAgent;
}

export function hostConnections(decrypt: (ciphertext: string) => string): HostConnections {
  const cache = new Map<string, Cached>();
  const forget = (name: string) => {
    cache.get(name)?.agent.close();
    cache.delete(name);
  };
  return {
    async agentFor(host: HostRecord): Promise<HostAgent> {
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
        return cached.agent;
      }
      if (cached) forget(host.name);
      const agent = new GrpcHostAgent({
        address: host.address,
        credential: decrypt(host.credentialCiphertext),
      });
      cache.set(host.name, { address: host.address, ciphertext: host.credentialCiphertext, agent });
      return agent;
    },
    forget,
    closeAll() {
      for (const name of [...cache.keys()]) forget(name);
    },
  };
}
