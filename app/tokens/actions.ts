'use server';

// Server actions of /tokens. createToken and revokeToken authorise: users create and revoke their
// own tokens (administrators may revoke anyone's), and a token's scope never exceeds the caller's.

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { EXPIRY_DAYS } from './expiry';
import { createToken } from '@/lib/domain/create-token';
import { revokeToken } from '@/lib/domain/revoke-token';
import {
  actionContext,
  actionFailure,
  invalidInput,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';

export interface CreateTokenState extends ActionState {
  /** The new token's secret, shown once. */
  created?: { name: string; secret: string };
}

const createSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Name the token after where it is used, e.g. "laptop CLI".')
    .max(100, 'Use at most 100 characters.'),
  scope: z.enum(['read', 'write', 'admin'], { error: 'Choose read, write or admin.' }),
  expires: z.enum(EXPIRY_DAYS, { error: 'Choose when the token expires.' }),
});

const DAY_MS = 24 * 60 * 60 * 1000;

export async function createTokenAction(
  _previous: CreateTokenState,
  formData: FormData,
): Promise<CreateTokenState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const raw = {
    name: String(formData.get('name') ?? ''),
    scope: formData.get('scope'),
    expires: formData.get('expires'),
  };
  const values = {
    name: raw.name,
    scope: typeof raw.scope === 'string' ? raw.scope : '',
    expires: typeof raw.expires === 'string' ? raw.expires : '',
  };
  const parsed = createSchema.safeParse(raw);
  if (!parsed.success) return invalidInput(parsed.error, values);
  const { name, scope, expires } = parsed.data;
  let created: CreateTokenState['created'];
  try {
    const result = await createToken(ctx, {
      name,
      scope,
      ...(expires !== 'never' && { expiresAt: new Date(Date.now() + Number(expires) * DAY_MS) }),
    });
    created = { name: result.token.name, secret: result.secret };
  } catch (error) {
    return actionFailure(error, { values, fields: { expiresAt: 'expires' } });
  }
  revalidatePath('/tokens');
  return { ok: true, message: `Created the token "${created.name}".`, created };
}

const revokeSchema = z.object({ tokenId: z.string().min(1).max(100) });

export async function revokeTokenAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const parsed = revokeSchema.safeParse({ tokenId: formData.get('tokenId') });
  if (!parsed.success) return invalidInput(parsed.error);
  let name: string;
  try {
    name = (await revokeToken(ctx, parsed.data)).name;
  } catch (error) {
    return actionFailure(error);
  }
  revalidatePath('/tokens');
  return { ok: true, message: `Revoked "${name}".` };
}
