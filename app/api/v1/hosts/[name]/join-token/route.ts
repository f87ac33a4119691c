// POST /api/v1/hosts/{name}/join-token — issue a fresh one-time join token for a host, to join or re-join its agent (administrators)

import { rotateJoinToken, type RotateJoinTokenInput } from '@/lib/domain/hosts/rotate-join-token';
import { joinTokenResponse } from '@/lib/http/host-responses';
import { readObjectBody } from '@/lib/http/negotiate';
import { createQuery, resourceQuery } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

// The join token is in this response and nowhere else, ever: only its hash is stored.
export const POST = apiRoute<{ name: string }>(async ({ request, params, ctx }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  const issued = await rotateJoinToken(ctx, params.name, body as RotateJoinTokenInput);
  return joinTokenResponse(format, issued);
});
