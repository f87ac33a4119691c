// POST /api/v1/apply — create or update every manifest of a YAML/JSON body (multi-document, kind: List) in one transaction; ?dryRun=true computes the changes with diffs and writes nothing

import { applyManifests } from '@/lib/domain/apply-manifests';
import { defined } from '@/lib/http/identity-requests';
import { readManifestText } from '@/lib/http/negotiate';
import { applyQuery, resourceQuery } from '@/lib/http/resource-requests';
import { applyResponse } from '@/lib/http/resource-responses';
import { apiRoute } from '@/lib/http/route';

export const POST = apiRoute(async ({ request, ctx }) => {
  const { query, format } = resourceQuery(request, applyQuery);
  const text = await readManifestText(request);
  return applyResponse(format, await applyManifests(ctx, defined({ text, dryRun: query.dryRun })));
});
