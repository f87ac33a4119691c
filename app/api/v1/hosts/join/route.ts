// POST /api/v1/hosts/join — an agent joins its host with the one-time join token (no session or API token: the join token in the body is the credential; throttled per address)

import { joinHost, type JoinHostInput } from '@/lib/domain/hosts/join-host';
import { hostResponse } from '@/lib/http/host-responses';
import { readObjectBody } from '@/lib/http/negotiate';
import { createQuery, resourceQuery } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const POST = apiRoute.public(async ({ request, runtime, publicCtx, address }) => {
  const { format } = resourceQuery(request, createQuery);
  const body = await readObjectBody(request);
  const host = await joinHost(
    {
      ...publicCtx,
      secrets: runtime.secrets,
      connect: runtime.connectAgent,
      ...(address !== undefined && { address }),
    },
    body as JoinHostInput,
  );
  return hostResponse(format, host);
});
