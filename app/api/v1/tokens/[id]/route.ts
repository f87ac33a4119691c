// DELETE /api/v1/tokens/{id} — revoke an API token (the caller's own; any, for an administrator)

import { revokeToken } from '@/lib/domain/revoke-token';
import { apiRoute, json } from '@/lib/http/route';

export const DELETE = apiRoute<{ id: string }>(async ({ params, ctx }) =>
  json(await revokeToken(ctx, { tokenId: params.id })),
);
