// GET /api/v1/openapi.json — the OpenAPI 3.1 document of /api/v1, generated from the zod contracts and the route registry in lib/http/openapi.ts (any signed-in user)

import { queryObject } from '@/lib/http/body';
import { parseInput } from '@/lib/http/identity-requests';
import { openApiDocument } from '@/lib/http/openapi';
import { noQuery } from '@/lib/http/resource-requests';
import { apiRoute, json } from '@/lib/http/route';

export const GET = apiRoute(async ({ request }) => {
  parseInput(noQuery, queryObject(request), 'The query');
  return json(openApiDocument());
});
