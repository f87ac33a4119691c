// GET|PUT /api/v1/ecosystems/{eco}/members — the ecosystem's members; add a user or change their role

import { listMemberships } from '@/lib/domain/list-memberships';
import { setMembership } from '@/lib/domain/set-membership';
import { readJsonBody } from '@/lib/http/body';
import { defined, parseInput, setMemberRequest } from '@/lib/http/identity-requests';
import { apiRoute, json } from '@/lib/http/route';

export const GET = apiRoute<{ eco: string }>(async ({ params, ctx }) =>
  json({ items: await listMemberships(ctx, { ecosystem: params.eco }), nextCursor: null }),
);

export const PUT = apiRoute<{ eco: string }>(async ({ request, params, ctx }) => {
  const body = parseInput(setMemberRequest, await readJsonBody(request), 'The membership');
  return json(await setMembership(ctx, defined({ ecosystem: params.eco, ...body })));
});
