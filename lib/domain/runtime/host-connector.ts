// How use cases reach a host's agent without knowing the transport or the credential: the
// composition root (lib/server) hands them a connector that decrypts the host's credential and
// keeps one gRPC channel per host.
import type { HostAgent } from '@/lib/hosts/host-agent';
import type { HostRecord } from '@/lib/store/host-store';
import type { ActionContext, PublicContext } from '../action-context';

export interface HostConnector {
  /** The agent of a joined host. UNAVAILABLE when the host has not joined yet. */
  agentFor(host: HostRecord): Promise<HostAgent>;
}

export interface LifecycleContext extends ActionContext {
  hosts: HostConnector;
}

/** For background loops, which act as the control plane itself. */
export interface LoopContext extends PublicContext {
  hosts: HostConnector;
}
