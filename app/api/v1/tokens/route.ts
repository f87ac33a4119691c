// GET|POST /api/v1/tokens — list the caller's API tokens; create one (session, Bearer, or HTTP Basic email:password)

import { createToken } from '@/lib/domain/create-token';
import { createTokenWithPassword } from '@/lib/domain/create-token-with-password';
import { listTokens } from '@/lib/domain/list-tokens';
import { queryObject, readJsonBody } from '@/lib/http/body';
import {
  createTokenRequest,
  defined,
  listTokensQuery,
  parseInput,
} from '@/lib/http/identity-requests';
import { apiRoute, json } from '@/lib/http/route';

export const GET = apiRoute(async ({ request, ctx }) => {
  const query = parseInput(listTokensQuery, queryObject(request), 'The query');
  return json({ items: await listTokens(ctx, defined(query)) });
});

// The secret is in this response and nowhere else, ever: it is not stored, logged or listed.
export const POST = apiRoute.withPassword(async (call) => {
  const body = parseInput(
    createTokenRequest(new Date()),
    await readJsonBody(call.request),
    'The token',
  );
  const { token, secret } = call.basic
    ? await createTokenWithPassword(call.publicCtx, {
        ...body,
        ...call.basic,
        ...(call.address && { address: call.address }),
        source: call.request.headers.get('x-dvm-client')?.trim() === 'cli' ? 'cli' : 'api',
      })
    : await createToken(call.ctx, body);
  return json({ ...token, secret }, { status: 201 });
});
