// Reaching a joined host's agent: its address and its credential, unsealed with the control
// plane's key. The transport is injected (`connect`), so the domain never depends on it; the
// default dials the agent over gRPC.
import type { SecretBox } from '@/lib/auth/sealed-secret';
import { AppError } from '@/lib/errors';
import { GrpcHostAgent } from '@/lib/hosts/grpc-host-agent';
import type { HostAgent } from '@/lib/hosts/host-agent';
import type { DataStore } from '@/lib/store/data-store';

/** Opens a client of the agent at `address` presenting `credential`. */
export type ConnectAgent = (address: string, credential: string) => HostAgent;

export const connectOverGrpc: ConnectAgent = (address, credential) =>
  new GrpcHostAgent({ address, credential });

/**
 * The agent of host `hostName`. NOT_FOUND for an unknown host; UNAVAILABLE while no agent has
 * joined, or when the credential cannot be unsealed with this key. The caller closes the agent.
 */
export async function connectHost(
  store: DataStore,
  secrets: SecretBox,
  hostName: string,
  connect: ConnectAgent = connectOverGrpc,
): Promise<HostAgent> {
  const host = await store.hosts.get(hostName);
  if (!host.address || host.credentialCiphertext === undefined) {
    throw new AppError(
      'UNAVAILABLE',
      `Host "${host.name}" has no agent yet: run dvm-agent on it with its join token (POST /api/v1/hosts/${host.name}/join-token issues a new one).`,
    );
  }
  let credential: string;
  try {
    credential = secrets.open(host.credentialCiphertext);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new AppError('UNAVAILABLE', `Host "${host.name}" cannot be reached: ${why}`, {
      cause: error,
    });
  }
  return connect(host.address, credential);
}
