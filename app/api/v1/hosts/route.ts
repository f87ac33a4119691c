// GET|POST /api/v1/hosts — list hosts (?limit, ?cursor, ?labelSelector; anyone signed in); register one and get its one-time join token (administrators)

import { createHost, type CreateHostInput } from '@/lib/domain/hosts/create-host';
import { listHosts } from '@/lib/domain/hosts/list-hosts';
import { hostPageResponse, joinTokenResponse } from '@/lib/http/host-responses';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import { createQuery, listQuery, resourceQuery } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute(async ({ request, ctx }) => {
  const { query, format } = resourceQuery(request, listQuery);
  const { limit, cursor, labelSelector } = query;
  const page = await listHosts(ctx, defined({ limit, cursor, labels: labelSelector }));
  return hostPageResponse(request, format, page);
});

// The join token is in this response and nowhere else, ever: only its hash is stored.
export const POST = apiRoute(async ({ request, ctx }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  const created = await createHost(ctx, body as CreateHostInput);
  return joinTokenResponse(format, created, {
    status: 201,
    headers: { Location: `/api/v1/hosts/${encodeURIComponent(created.host.metadata.name)}` },
  });
});
