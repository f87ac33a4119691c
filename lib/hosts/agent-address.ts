// How an agent address says whether to use TLS: `tls://host:port` is dialled with TLS (trusting
// the CA given by the control plane's DVM_AGENT_CA_FILE, else the system's roots), `host:port`
// and `unix:///path` in clear (a private socket, or a network the operator trusts).
import * as grpc from '@grpc/grpc-js';

export const TLS_SCHEME = 'tls://';

export interface AgentTransport {
  /** What grpc-js dials. */
  target: string;
  credentials: grpc.ChannelCredentials;
}

export function agentTransport(address: string, tls?: { ca?: Buffer }): AgentTransport {
  if (address.startsWith(TLS_SCHEME)) {
    return {
      target: address.slice(TLS_SCHEME.length),
      credentials: grpc.credentials.createSsl(tls?.ca ?? null),
    };
  }
  return {
    target: address,
    credentials: tls
      ? grpc.credentials.createSsl(tls.ca ?? null)
      : grpc.credentials.createInsecure(),
  };
}
