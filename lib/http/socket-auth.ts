// Who may open a WebSocket under /ws/ (DESIGN.md §7), decided before the upgrade is accepted:
//
//   1. Origin: a browser always sends one, and its cookies ride along, so a page on another site
//      must not get a socket acting as the signed-in user. An Origin outside the allowlist is
//      refused (403). Without an Origin (not a browser) the session cookie is not accepted.
//   2. Credentials, in this order: `?ticket=` (single-use, minted by POST /api/v1/tickets for
//      this socket's purpose), `Authorization: Bearer dvm_…`, the session cookie. None → 401.
//
// server.ts calls this for every upgrade and writes the refusal on the raw socket.

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { authenticate, clientAddress } from '@/lib/auth/authenticate';
import { isAllowedOrigin } from '@/lib/auth/origin';
import type { Principal } from '@/lib/auth/principal';
import { loadSessionSecret } from '@/lib/auth/session-secret';
import { redeemSocketTicket } from '@/lib/domain/redeem-socket-ticket';
import { isAppError } from '@/lib/errors';
import type { Runtime } from '@/lib/server/runtime';
import { logError, statusOf } from './problem';

export interface UpgradeRequest {
  url: string;
  headers: IncomingHttpHeaders;
  remoteAddress?: string;
}

export type UpgradeDecision =
  | { ok: true; principal: Principal; purpose: string }
  | {
      ok: false;
      status: number;
      code: string;
      detail: string;
      headers?: Record<string, string>;
    };

/** What a ticket for this socket path must have been minted for, e.g. `terminal:<sessionId>`. */
export function socketPurpose(pathname: string): string {
  const terminal = /^\/ws\/terminals\/([^/]+)\/?$/.exec(pathname);
  if (terminal) return `terminal:${decodeURIComponent(terminal[1]!)}`;
  return `socket:${pathname}`;
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function refuse(status: number, code: string, detail: string): UpgradeDecision {
  return {
    ok: false,
    status,
    code,
    detail,
    ...(status === 401 && { headers: { 'WWW-Authenticate': 'Bearer realm="devopsmaestro"' } }),
  };
}

/** Decides whether the upgrade may proceed and as whom. Never throws. */
export async function authorizeUpgrade(
  request: UpgradeRequest,
  runtime: Runtime,
): Promise<UpgradeDecision> {
  try {
    const url = new URL(request.url, 'http://localhost');
    const headers = toHeaders(request.headers);
    const origin = headers.get('origin') ?? undefined;
    if (origin !== undefined && !isAllowedOrigin(origin, runtime.config.allowedOrigins)) {
      return refuse(
        403,
        'FORBIDDEN',
        'WebSockets may only be opened from this server’s own pages (the Origin is not allowed; see DVM_PUBLIC_URL and DVM_ALLOWED_ORIGINS).',
      );
    }
    const purpose = socketPurpose(url.pathname);
    const address = clientAddress(headers, request.remoteAddress);
    const ticket = url.searchParams.get('ticket');
    if (ticket !== null) {
      const principal = await redeemSocketTicket(
        { store: runtime.store },
        { ticket, purpose, ...(address && { address }) },
      );
      return { ok: true, principal, purpose };
    }
    // Without an Origin this is not a browser; cookies are a browser's credential only.
    if (origin === undefined) headers.delete('cookie');
    const principal = await authenticate(
      { headers },
      {
        store: runtime.store,
        sessionSecret: await loadSessionSecret(runtime.store, runtime.config),
        ...(address && { address }),
      },
    );
    return { ok: true, principal, purpose };
  } catch (error) {
    if (isAppError(error) && statusOf(error.code) !== 500) {
      const status = statusOf(error.code);
      return refuse(status, error.code, error.message);
    }
    // The URL may hold a ticket: log the path only.
    const id = randomUUID();
    logError('websocket upgrade failed', {
      id,
      path: new URL(request.url, 'http://localhost').pathname,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return refuse(
      500,
      'INTERNAL',
      `The server failed to handle this request. Quote error id ${id} to the operator.`,
    );
  }
}

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** Answers an upgrade request on the raw socket with problem+json (no response object exists). */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const title = REASONS[status] ?? 'Error';
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, code, errors: [] });
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      'Cache-Control: no-store\r\n' +
      extra +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
