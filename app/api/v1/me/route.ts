// GET /api/v1/me — who is calling: the account, its ecosystem roles, how it authenticated and the scope

import { listMemberships } from '@/lib/domain/list-memberships';
import { toUserView } from '@/lib/domain/user-view';
import { apiRoute, json } from '@/lib/http/route';

export const GET = apiRoute(async ({ ctx }) => {
  const { principal } = ctx;
  const memberships = await listMemberships(ctx, { userId: principal.user.id });
  return json({
    user: toUserView(principal.user),
    roles: memberships.map(({ ecosystem, role }) => ({ ecosystem, role })),
    via: principal.via,
    scope: principal.scope,
    ...(principal.tokenId && { token: { id: principal.tokenId, prefix: principal.tokenPrefix } }),
  });
});
