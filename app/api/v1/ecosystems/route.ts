// GET|POST /api/v1/ecosystems — list the ecosystems the caller can see (?limit, ?cursor, ?labelSelector); create one (administrators)

import { createResource } from '@/lib/domain/create-resource';
import { listObjects } from '@/lib/domain/list-objects';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import { createQuery, listQuery, resourceQuery } from '@/lib/http/resource-requests';
import { pageResponse, writtenResponse } from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute(async ({ request, ctx }) => {
  const { query, format } = resourceQuery(request, listQuery);
  const { labelSelector, limit, cursor } = query;
  const page = await listObjects(
    ctx,
    defined({ level: 'ecosystem' as const, limit, cursor, labels: labelSelector }),
  );
  return pageResponse(request, format, page);
});

export const POST = apiRoute(async ({ request, ctx }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  const result = await createResource(ctx, { level: 'ecosystem', parent: {}, body });
  return writtenResponse(format, result, { created: true });
});
