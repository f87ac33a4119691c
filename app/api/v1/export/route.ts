// GET /api/v1/export — every object the caller can read as one kind: List (JSON, or YAML with ?output=yaml / Accept), ready for apply

import { exportResources } from '@/lib/domain/export-resources';
import { exportQuery, resourceQuery } from '@/lib/http/resource-requests';
import { exportResponse } from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute(async ({ request, ctx }) => {
  const { format } = resourceQuery(request, exportQuery);
  return exportResponse(format, await exportResources(ctx));
});
