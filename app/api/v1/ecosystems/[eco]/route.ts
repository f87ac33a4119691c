// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco} — one ecosystem: read; replace (owners); merge-patch (owners); delete (administrators, ?cascade=true)

import { deleteObject } from '@/lib/domain/delete-object';
import { getObject } from '@/lib/domain/get-object';
import { patchResource } from '@/lib/domain/patch-resource';
import { replaceResource } from '@/lib/domain/replace-resource';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import {
  deleteQuery,
  ecosystemKey,
  type EcosystemParams,
  expectedVersionOf,
  getQuery,
  resourceQuery,
  writeQuery,
} from '@/lib/http/resource-requests';
import {
  deletedResponse,
  objectResponse,
  withCascadeHint,
  writtenResponse,
} from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<EcosystemParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, getQuery);
  return objectResponse(
    format,
    await getObject(ctx, { level: 'ecosystem', key: ecosystemKey(params) }),
  );
});

export const PUT = apiRoute<EcosystemParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const body = await readObjectBody(request);
  const result = await replaceResource(
    ctx,
    defined({ level: 'ecosystem' as const, key: ecosystemKey(params), body, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const PATCH = apiRoute<EcosystemParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const patch = await readObjectBody(request);
  const result = await patchResource(
    ctx,
    defined({ level: 'ecosystem' as const, key: ecosystemKey(params), patch, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const DELETE = apiRoute<EcosystemParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, deleteQuery);
  const removed = await withCascadeHint(
    deleteObject(
      ctx,
      defined({ level: 'ecosystem' as const, key: ecosystemKey(params), cascade: query.cascade }),
    ),
  );
  return deletedResponse(format, removed);
});
