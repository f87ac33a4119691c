// GET|POST /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces — list the app's workspaces (?limit, ?cursor, ?labelSelector); create one (developers)

import { createResource } from '@/lib/domain/create-resource';
import { listObjects } from '@/lib/domain/list-objects';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import {
  type AppParams,
  createQuery,
  listQuery,
  resourceQuery,
  workspaceParent,
} from '@/lib/http/resource-requests';
import { pageResponse, writtenResponse } from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<AppParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, listQuery);
  const { labelSelector, limit, cursor } = query;
  const page = await listObjects(
    ctx,
    defined({
      level: 'workspace' as const,
      parent: workspaceParent(params),
      limit,
      cursor,
      labels: labelSelector,
    }),
  );
  return pageResponse(request, format, page);
});

export const POST = apiRoute<AppParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  const result = await createResource(ctx, {
    level: 'workspace',
    parent: workspaceParent(params),
    body,
  });
  return writtenResponse(format, result, { created: true });
});
