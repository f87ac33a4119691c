// `POST /api/v1/tokens` with HTTP Basic email + password (how `dvm login` gets its first token):
// throttled and audited exactly like a browser sign-in, then the same rules as createToken.

import type { AuditSource } from '@/lib/store/identity-store';
import type { PublicContext } from './action-context';
import { checkPassword } from './check-password';
import { createToken, type CreatedToken, type CreateTokenInput } from './create-token';

export interface CreateTokenWithPasswordInput extends CreateTokenInput {
  email: string;
  password: string;
  address?: string;
  /** 'api' by default; 'cli' for the dvm CLI. */
  source?: AuditSource;
}

export async function createTokenWithPassword(
  ctx: PublicContext,
  input: CreateTokenWithPasswordInput,
): Promise<CreatedToken> {
  const source = input.source ?? 'api';
  const user = await checkPassword(ctx, {
    email: input.email,
    password: input.password,
    ...(input.address && { address: input.address }),
    source,
    method: 'basic',
  });
  return createToken(
    {
      ...ctx,
      principal: {
        user,
        via: 'password',
        scope: 'admin',
        source,
        ...(input.address && { address: input.address }),
      },
    },
    {
      name: input.name,
      scope: input.scope,
      ...(input.expiresAt && { expiresAt: input.expiresAt }),
    },
  );
}
