// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws} — one workspace: read; replace, merge-patch or delete (developers)

import { deleteObject } from '@/lib/domain/delete-object';
import { getObject } from '@/lib/domain/get-object';
import { patchResource } from '@/lib/domain/patch-resource';
import { replaceResource } from '@/lib/domain/replace-resource';
import { defined } from '@/lib/http/identity-requests';
import { readObjectBody } from '@/lib/http/negotiate';
import {
  deleteQuery,
  expectedVersionOf,
  getQuery,
  resourceQuery,
  workspaceKey,
  type WorkspaceParams,
  writeQuery,
} from '@/lib/http/resource-requests';
import {
  deletedResponse,
  objectResponse,
  withCascadeHint,
  writtenResponse,
} from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<WorkspaceParams>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, getQuery);
  return objectResponse(
    format,
    await getObject(ctx, { level: 'workspace', key: workspaceKey(params) }),
  );
});

export const PUT = apiRoute<WorkspaceParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const body = await readObjectBody(request);
  const result = await replaceResource(
    ctx,
    defined({ level: 'workspace' as const, key: workspaceKey(params), body, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const PATCH = apiRoute<WorkspaceParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, writeQuery);
  const expectedVersion = expectedVersionOf(request, query.expectedVersion);
  const patch = await readObjectBody(request);
  const result = await patchResource(
    ctx,
    defined({ level: 'workspace' as const, key: workspaceKey(params), patch, expectedVersion }),
  );
  return writtenResponse(format, result);
});

export const DELETE = apiRoute<WorkspaceParams>(async ({ request, params, ctx }) => {
  const { query, format } = resourceQuery(request, deleteQuery);
  const removed = await withCascadeHint(
    deleteObject(
      ctx,
      defined({ level: 'workspace' as const, key: workspaceKey(params), cascade: query.cascade }),
    ),
  );
  return deletedResponse(format, removed);
});
