// GET /api/v1/audit — the audit log, newest first: filters actor, action, source, ecosystem, since, until; ?limit&cursor

import { listAudit } from '@/lib/domain/list-audit';
import { queryObject } from '@/lib/http/body';
import { auditQuery, defined, parseInput } from '@/lib/http/identity-requests';
import { apiRoute, json } from '@/lib/http/route';

export const GET = apiRoute(async ({ request, ctx }) => {
  const { actor, ...filter } = parseInput(auditQuery, queryObject(request), 'The query');
  const page = await listAudit(ctx, defined({ ...filter, actorId: actor }));
  return json({ items: page.items, nextCursor: page.nextCursor ?? null });
});
