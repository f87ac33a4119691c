// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app} — one app: read; replace, merge-patch or delete (?cascade=true) (developers)

import { deleteObject } from '@/lib/domain/delete-object';
import { getObject } from '@/lib/domain/get-object';
import { patchResource } from '@/lib/domain/patch-resource';
import { replaceResource } from '@/lib/domain/replace-resource';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import {
  appKey,
  type AppParams,
  deleteQuery,
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

export const GET = apiRoute<AppParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, getQuery);
  return objectResponse(format, await getObject(ctx, { level: 'app', key: appKey(params) }));
});

export const PUT = apiRoute<AppParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const body = await readObjectBody(request);
  const result = await replaceResource(
    ctx,
    defined({ level: 'app' as const, key: appKey(params), body, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const PATCH = apiRoute<AppParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const patch = await readObjectBody(request);
  const result = await patchResource(
    ctx,
    defined({ level: 'app' as const, key: appKey(params), patch, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const DELETE = apiRoute<AppParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, deleteQuery);
  const removed = await withCascadeHint(
    deleteObject(
      ctx,
      defined({ level: 'app' as const, key: appKey(params), cascade: query.cascade }),
    ),
  );
  return deletedResponse(format, removed);
});
