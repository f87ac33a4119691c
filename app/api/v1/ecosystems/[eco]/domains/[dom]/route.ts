// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco}/domains/{dom} — one domain: read; replace, merge-patch or delete (?cascade=true) (owners)

import { deleteObject } from '@/lib/domain/delete-object';
import { getObject } from '@/lib/domain/get-object';
import { patchResource } from '@/lib/domain/patch-resource';
import { replaceResource } from '@/lib/domain/replace-resource';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import {
  deleteQuery,
  domainKey,
  type DomainParams,
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

export const GET = apiRoute<DomainParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, getQuery);
  return objectResponse(format, await getObject(ctx, { level: 'domain', key: domainKey(params) }));
});

export const PUT = apiRoute<DomainParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const body = await readObjectBody(request);
  const result = await replaceResource(
    ctx,
    defined({ level: 'domain' as const, key: domainKey(params), body, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const PATCH = apiRoute<DomainParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const patch = await readObjectBody(request);
  const result = await patchResource(
    ctx,
    defined({ level: 'domain' as const, key: domainKey(params), patch, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const DELETE = apiRoute<DomainParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, deleteQuery);
  const removed = await withCascadeHint(
    deleteObject(
      ctx,
      defined({ level: 'domain' as const, key: domainKey(params), cascade: query.cascade }),
    ),
  );
  return deletedResponse(format, removed);
});
