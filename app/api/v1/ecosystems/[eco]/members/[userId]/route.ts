// DELETE /api/v1/ecosystems/{eco}/members/{userId} — remove a user from the ecosystem

import { removeMembership } from '@/lib/domain/remove-membership';
import { apiRoute, noContent } from '@/lib/http/route';

export const DELETE = apiRoute<{ eco: string; userId: string }>(async ({ params, ctx }) => {
  await removeMembership(ctx, { ecosystem: params.eco, userId: params.userId });
  return noContent();
});
