// GET|PATCH /api/v1/users/{id} — one account; disable/enable it or grant/take the administrator role

import { setUserDisabled } from '@/lib/domain/set-user-disabled';
import { readJsonBody } from '@/lib/http/body';
import { parseInput, updateUserRequest } from '@/lib/http/identity-requests';
import { getUser } from '@/lib/domain/get-user';
import { setUserAdmin } from '@/lib/domain/set-user-admin';
import { apiRoute, json } from '@/lib/http/route';

export const GET = apiRoute<{ id: string }>(async ({ params, ctx }) =>
  json(await getUser(ctx, { userId: params.id })),
);

export const PATCH = apiRoute<{ id: string }>(async ({ request, params, ctx }) => {
  const change = parseInput(updateUserRequest, await readJsonBody(request), 'The change');
  const user =
    'disabled' in change
      ? await setUserDisabled(ctx, { userId: params.id, disabled: change.disabled })
      : await setUserAdmin(ctx, { userId: params.id, isAdmin: change.isAdmin });
  return json(user);
});
