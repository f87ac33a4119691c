// How terminal use cases reach a host's terminal sessions without knowing the transport or the
// credential: the composition root (lib/server/host-connections.ts) hands them a connector that
// keeps one terminal channel per host, beside the host's agent channel.
import type { TerminalHost } from '@/lib/hosts/terminal-host';
import type { HostRecord } from '@/lib/store/host-store';
import type { ActionContext } from '../action-context';

export interface TerminalConnector {
  /** The terminal service of a joined host's agent. UNAVAILABLE when the host has not joined. */
  terminalsFor(host: HostRecord): Promise<TerminalHost>;
}

export interface TerminalContext extends ActionContext {
  terminals: TerminalConnector;
}
