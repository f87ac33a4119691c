// GET|POST /api/v1/users — list accounts; create one (administrators)

import { createUser } from '@/lib/domain/create-user';
import { listUsers } from '@/lib/domain/list-users';
import { queryObject, readJsonBody } from '@/lib/http/body';
import { createUserRequest, defined, pageQuery, parseInput } from '@/lib/http/identity-requests';
import { apiRoute, json } from '@/lib/http/route';

export const GET = apiRoute(async ({ request, ctx }) => {
  const query = parseInput(pageQuery, queryObject(request), 'The query');
  const page = await listUsers(ctx, defined(query));
  return json({ items: page.items, nextCursor: page.nextCursor ?? null });
});

export const POST = apiRoute(async ({ request, ctx }) => {
  const body = parseInput(createUserRequest, await readJsonBody(request), 'The user');
  const user = await createUser(ctx, defined(body));
  return json(user, {
    status: 201,
    headers: { Location: `/api/v1/users/${encodeURIComponent(user.id)}` },
  });
});
