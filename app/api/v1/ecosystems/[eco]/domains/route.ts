// GET|POST /api/v1/ecosystems/{eco}/domains — list the ecosystem's domains (?limit, ?cursor, ?labelSelector); create one (owners)

import { createResource } from '@/lib/domain/create-resource';
import { listObjects } from '@/lib/domain/list-objects';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import {
  createQuery,
  domainParent,
  type EcosystemParams,
  listQuery,
  resourceQuery,
} from '@/lib/http/resource-requests';
import { pageResponse, writtenResponse } from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<EcosystemParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, listQuery);
  const { labelSelector, limit, cursor } = query;
  const page = await listObjects(
    ctx,
    defined({
      level: 'domain' as const,
      parent: domainParent(params),
      limit,
      cursor,
      labels: labelSelector,
    }),
  );
  return pageResponse(request, format, page);
});

export const POST = apiRoute<EcosystemParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  const result = await createResource(ctx, { level: 'domain', parent: domainParent(params), body });
  return writtenResponse(format, result, { created: true });
});
