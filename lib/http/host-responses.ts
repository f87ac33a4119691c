// The REST answers of the hosts API, from what the host use cases return: the `kind: Host`
// manifest as JSON or YAML, or, for `?output=table`, the columns a person reads in a terminal.
import type { HostJoinToken, HostManifest } from '@/lib/contracts/host';
import type { Page } from '@/lib/store/data-store';
import type { RenderData } from '@/lib/render/renderer';
import { formatted, type OutputFormat } from './negotiate';

const LIST_HEADERS = ['NAME', 'STATUS', 'ADDRESS', 'AGENT', 'LAST HEARTBEAT', 'REASON'];

function row(host: HostManifest): string[] {
  const { status } = host;
  return [
    host.metadata.name,
    status.status,
    host.spec.address || '-',
    status.agentVersion ?? '-',
    status.lastHeartbeat ?? '-',
    status.reason ?? '',
  ];
}

function details(host: HostManifest): RenderData {
  const { status } = host;
  const labels = Object.entries(host.metadata.labels).map(([k, v]) => `${k}=${v}`);
  const pairs: Array<[string, string]> = [
    ['NAME', host.metadata.name],
    ['STATUS', status.status],
    ['REASON', status.reason ?? ''],
    ['ADDRESS', host.spec.address || '-'],
    ['LABELS', labels.join(',') || '-'],
    ['JOINED', status.joinedAt ?? (status.joined ? 'yes' : 'no')],
    ['JOIN TOKEN EXPIRES', status.joinTokenExpiresAt ?? '-'],
    ['AGENT', status.agentVersion ?? '-'],
    ['RUNTIME', status.runtime ?? '-'],
    [
      'PLATFORMS',
      (status.platforms ?? []).map((p) => `${p.name}${p.active ? '*' : ''}`).join(', ') || '-',
    ],
    ['LAST HEARTBEAT', status.lastHeartbeat ?? '-'],
  ];
  return { type: 'keyvalue', pairs: pairs.filter(([, value]) => value !== '') };
}

/** One host. */
export function hostResponse(
  format: OutputFormat,
  host: HostManifest,
  init: { status?: number; headers?: HeadersInit } = {},
): Response {
  return formatted(format, host, { ...init, table: details(host) });
}

/** A page of hosts: `{items, nextCursor}` (null on the last page), and `Link: rel="next"`. */
export function hostPageResponse(
  request: Request,
  format: OutputFormat,
  page: Page<HostManifest>,
): Response {
  const headers = new Headers();
  let next: string | undefined;
  if (page.nextCursor !== undefined) {
    const url = new URL(request.url);
    url.searchParams.set('cursor', page.nextCursor);
    next = `${url.pathname}${url.search}`;
    headers.set('Link', `<${next}>; rel="next"`);
  }
  return formatted(
    format,
    { items: page.items, nextCursor: page.nextCursor ?? null },
    {
      headers,
      table: {
        type: 'table',
        headers: LIST_HEADERS,
        rows: page.items.map(row),
        empty: 'No hosts. An administrator adds one with POST /api/v1/hosts.',
      },
      ...(next !== undefined && { tableFooter: `More: ${next}\n` }),
    },
  );
}

/** A host with its new join token: the only answer that ever carries the token. */
export function joinTokenResponse(
  format: OutputFormat,
  result: HostJoinToken,
  init: { status?: number; headers?: HeadersInit } = {},
): Response {
  return formatted(format, result, {
    ...init,
    table: {
      type: 'keyvalue',
      pairs: [
        ['NAME', result.host.metadata.name],
        ['JOIN TOKEN', result.joinToken],
        ['EXPIRES', result.expiresAt],
      ],
    },
  });
}
