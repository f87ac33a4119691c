// The agent command shown after registering a host or issuing a join token (README "Hosts and
// joining an agent"). Pure text, shared by the action (which builds it) and the page (which says
// what to replace).

/** The placeholder used when the host was registered without an address. */
export const ADVERTISE_PLACEHOLDER = 'HOST:7443';

/** `dvm-agent --join-token … --control-plane … --advertise …` for one join token. */
export function joinCommand(token: string, url: string, address: string): string {
  // An agent serving TLS advertises host:port and joins as tls://host:port (README).
  const advertise = address ? address.replace(/^tls:\/\//, '') : ADVERTISE_PLACEHOLDER;
  return `dvm-agent --join-token ${token} --control-plane ${url} --advertise ${advertise}`;
}
