// GET|PATCH|DELETE /api/v1/hosts/{name} — one host: read (anyone signed in); change its address or labels, or remove it (administrators)

import { deleteHost } from '@/lib/domain/hosts/delete-host';
import { getHost } from '@/lib/domain/hosts/get-host';
import { patchHost, type PatchHostInput } from '@/lib/domain/hosts/patch-host';
import { queryObject } from '@/lib/http/body';
import { hostResponse } from '@/lib/http/host-responses';
import { parseInput } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import { createQuery, getQuery, noQuery, resourceQuery } from '@/lib/http/resource-requests';
import { apiRoute, noContent } from '@/lib/http/route';

type HostParams = { name: string };

export const GET = apiRoute<HostParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, getQuery);
  return hostResponse(format, await getHost(ctx, params.name));
});

export const PATCH = apiRoute<HostParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  return hostResponse(format, await patchHost(ctx, params.name, body as PatchHostInput));
});

export const DELETE = apiRoute<HostParams>(async ({ request, params, ctx }) => {
  parseInput(noQuery, queryObject(request), 'The query');
  await deleteHost(ctx, params.name);
  return noContent();
});
