// The handlers behind the resource routes, one per verb, the same for all four levels: each route
// file says which level it serves and how its URL names the object or the parent, and wraps the
// handler in apiRoute itself (so authentication stays visible at every route).
import { createResource } from '@/lib/domain/create-resource';
import { deleteWithRuntime } from '@/lib/domain/runtime/delete-with-runtime';
import { getObject } from '@/lib/domain/get-object';
import { listObjects } from '@/lib/domain/list-objects';
import { patchResource } from '@/lib/domain/patch-resource';
import { replaceResource } from '@/lib/domain/replace-resource';
import type { Level, ObjectKey, ParentRef } from '@/lib/store/data-store';
import { defined } from './identity-requests';
import { readObjectBody } from './negotiate';
import {
  createQuery,
  deleteQuery,
  expectedVersionOf,
  getQuery,
  listQuery,
  resourceQuery,
  writeQuery,
} from './resource-requests';
import {
  deletedResponse,
  objectResponse,
  pageResponse,
  withCascadeHint,
  writtenResponse,
} from './resource-responses';
import type { AuthenticatedRequest } from './route';

type Handler<P> = (call: AuthenticatedRequest<P>) => Promise<Response>;

/** GET a collection: one keyset page, `?limit`, `?cursor`, `?labelSelector`. */
export function listHandler<P>(level: Level, parentOf: (params: P) => ParentRef): Handler<P> {
  return async ({ request, params, ctx }) => {
    const { query, format } = resourceQuery(request, listQuery);
    const { labelSelector, limit, cursor } = query;
    const page = await listObjects(
      ctx,
      defined({ level, parent: parentOf(params), limit, cursor, labels: labelSelector }),
    );
    return pageResponse(request, format, page);
  };
}

/** POST to a collection: create from a manifest (or `{metadata, spec}`); 201 with Location. */
export function createHandler<P>(level: Level, parentOf: (params: P) => ParentRef): Handler<P> {
  return async ({ request, params, ctx }) => {
    const { format } = resourceQuery(request, createQuery);
    const body = await readObjectBody(request);
    const result = await createResource(ctx, { level, parent: parentOf(params), body });
    return writtenResponse(format, result, { created: true });
  };
}

/** GET one object, with its version as ETag. */
export function getHandler<P>(level: Level, keyOf: (params: P) => ObjectKey): Handler<P> {
  return async ({ request, params, ctx }) => {
    const { format } = resourceQuery(request, getQuery);
    return objectResponse(format, await getObject(ctx, { level, key: keyOf(params) }));
  };
}

/** PUT one object: replace labels, annotations and spec; `If-Match` for optimistic concurrency. */
export function replaceHandler<P>(level: Level, keyOf: (params: P) => ObjectKey): Handler<P> {
  return async ({ request, params, ctx }) => {
    const { query, format } = resourceQuery(request, writeQuery);
    const expectedVersion = expectedVersionOf(request, query.expectedVersion);
    const body = await readObjectBody(request);
    const result = await replaceResource(
      ctx,
      defined({ level, key: keyOf(params), body, expectedVersion }),
    );
    return writtenResponse(format, result);
  };
}

/** PATCH one object with a JSON merge patch; `If-Match` for optimistic concurrency. */
export function patchHandler<P>(level: Level, keyOf: (params: P) => ObjectKey): Handler<P> {
  return async ({ request, params, ctx }) => {
    const { query, format } = resourceQuery(request, writeQuery);
    const expectedVersion = expectedVersionOf(request, query.expectedVersion);
    const patch = await readObjectBody(request);
    const result = await patchResource(
      ctx,
      defined({ level, key: keyOf(params), patch, expectedVersion }),
    );
    return writtenResponse(format, result);
  };
}

/**
 * DELETE one object; `?cascade=true` removes everything below it too. Workspace containers under
 * it are removed from their hosts first (`removeImage`, `removeVolume`, `force` say how).
 */
export function deleteHandler<P>(level: Level, keyOf: (params: P) => ObjectKey): Handler<P> {
  return async ({ request, params, ctx, runtime }) => {
    const { query, format } = resourceQuery(request, deleteQuery);
    const removed = await withCascadeHint(
      deleteWithRuntime(
        { ...ctx, hosts: runtime.hosts },
        level,
        keyOf(params),
        defined({
          cascade: query.cascade,
          removeImage: query.removeImage,
          removeVolume: query.removeVolume,
          force: query.force,
        }),
      ),
    );
    return deletedResponse(format, removed);
  };
}
