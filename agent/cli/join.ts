// Joining a host: POST {"token","address","credential"} to <control plane>/api/v1/hosts/join. The
// control plane calls the agent's Info back at `address` with `credential` before it accepts, so
// the agent must already be serving. Success is 200 with the host's name ({"host": name}, or the
// Host manifest's metadata.name); any other answer is a JoinError carrying the problem+json detail.
export class JoinError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'JoinError';
  }
}

export interface JoinRequest {
  controlPlane: string;
  token: string;
  address: string;
  credential: string;
  /** Default 60 s: the control plane dials back within its own deadline. */
  timeoutMs?: number;
}

function hostName(body: unknown): string | undefined {
  const b = body as { host?: unknown; metadata?: { name?: unknown } } | null;
  if (typeof b?.host === 'string') return b.host;
  if (typeof b?.metadata?.name === 'string') return b.metadata.name;
  return undefined;
}

/** The host name the control plane joined this agent as; JoinError otherwise. */
export async function joinControlPlane(request: JoinRequest): Promise<string> {
  const url = `${request.controlPlane}/api/v1/hosts/join`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        token: request.token,
        address: request.address,
        credential: request.credential,
      }),
      signal: AbortSignal.timeout(request.timeoutMs ?? 60_000),
      redirect: 'error',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new JoinError(
      `Cannot reach the control plane at ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status === 200) {
    const host = hostName(body);
    if (host) return host;
    throw new JoinError(`The control plane answered the join without a host name.`, 200);
  }
  const problem = body as { detail?: unknown; title?: unknown } | undefined;
  const detail =
    typeof problem?.detail === 'string'
      ? problem.detail
      : typeof problem?.title === 'string'
        ? problem.title
        : text.slice(0, 200) || response.statusText;
  throw new JoinError(
    `The control plane refused the join (${response.status}): ${detail}`,
    response.status,
    detail,
  );
}
