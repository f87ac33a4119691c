// GET|POST /api/v1/ecosystems/{eco}/domains/{dom}/apps — list the domain's apps (?limit, ?cursor, ?labelSelector); create one (developers; kind Project is converted)

import { createResource } from '@/lib/domain/create-resource';
import { listObjects } from '@/lib/domain/list-objects';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import {
  appParent,
  createQuery,
  type DomainParams,
  listQuery,
  resourceQuery,
} from '@/lib/http/resource-requests';
import { pageResponse, writtenResponse } from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<DomainParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, listQuery);
  const { labelSelector, limit, cursor } = query;
  const page = await listObjects(
    ctx,
    defined({
      level: 'app' as const,
      parent: appParent(params),
      limit,
      cursor,
      labels: labelSelector,
    }),
  );
  return pageResponse(request, format, page);
});

export const POST = apiRoute<DomainParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  const result = await createResource(ctx, { level: 'app', parent: appParent(params), body });
  return writtenResponse(format, result, { created: true });
});
