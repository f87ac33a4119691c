// A user creates an API token. The secret is returned once and only its hash is kept. The scope
// cannot exceed what the caller has: only admins get 'admin', and a token cannot mint a token
// broader or longer-lived than itself (otherwise a leaked short-lived token could renew itself).

import { newApiToken } from '@/lib/auth/secrets';
import { AppError, invalid } from '@/lib/errors';

import type { TokenRecord, TokenScope } from '@/lib/store/identity-store';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { requireActive, scopeAllows } from './authorize';

export interface CreateTokenInput {
  name: string;
  scope: TokenScope;
  /** Optional expiry; must lie in the future. */
  expiresAt?: Date;
}

export interface CreatedToken {
  token: TokenRecord;
  /** `dvm_…`: shown to the user now and never again. */
  secret: string;
}

const SCOPES: readonly TokenScope[] = ['read', 'write', 'admin'];
const MAX_NAME_LENGTH = 100;

export function tokenTarget(token: { name: string; prefix: string }): string {
  return `token "${token.name}" (${token.prefix}…)`;
}

export async function createToken(
  ctx: ActionContext,
  input: CreateTokenInput,
): Promise<CreatedToken> {
  requireActive(ctx);
  const { principal } = ctx;
  if (principal.via === 'system') {
    throw new AppError('FORBIDDEN', 'API tokens belong to users; the system cannot hold one.');
  }
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > MAX_NAME_LENGTH) {
    throw invalid('Give the token a name (up to 100 characters) so you can tell it apart.', [
      { path: 'name', message: `must be 1 to ${MAX_NAME_LENGTH} characters` },
    ]);
  }
  if (!SCOPES.includes(input.scope)) {
    throw invalid('The scope must be read, write or admin.', [
      { path: 'scope', message: 'must be one of read, write, admin' },
    ]);
  }
  if (input.scope === 'admin' && !principal.user.isAdmin) {
    throw new AppError('FORBIDDEN', 'Only administrators can create tokens with the admin scope.');
  }
  if (!scopeAllows(principal.scope, input.scope)) {
    throw new AppError(
      'FORBIDDEN',
      `This API token has the "${principal.scope}" scope; it cannot create a token with the "${input.scope}" scope.`,
    );
  }
  const now = nowOf(ctx);
  let expiresAt = input.expiresAt;
  if (
    expiresAt !== undefined &&
    !(expiresAt instanceof Date && expiresAt.getTime() > now.getTime())
  ) {
    throw invalid('The expiry must be a time in the future.', [
      { path: 'expiresAt', message: 'must be in the future' },
    ]);
  }
  if (principal.via === 'token' && principal.tokenId) {
    const parent = await ctx.store.tokens.get(principal.tokenId);
    if (parent.expiresAt) {
      if (expiresAt === undefined) expiresAt = parent.expiresAt;
      else if (expiresAt.getTime() > parent.expiresAt.getTime()) {
        throw invalid('A token cannot create a token that outlives it.', [
          { path: 'expiresAt', message: `must be on or before ${parent.expiresAt.toISOString()}` },
        ]);
      }
    }
  }

  const fresh = newApiToken();
  const token = await ctx.store.transaction(async (tx) => {
    const created = await tx.tokens.create({
      userId: principal.user.id,
      name,
      prefix: fresh.prefix,
      secretHash: fresh.secretHash,
      scope: input.scope,
      ...(expiresAt && { expiresAt }),
    });
    await tx.audit.append(
      auditEntry(
        principal,
        {
          action: 'token.create',
          target: tokenTarget(created),
          after: {
            name: created.name,
            prefix: created.prefix,
            scope: created.scope,
            expiresAt: created.expiresAt?.toISOString() ?? null,
          },
        },
        now,
      ),
    );
    return created;
  });
  return { token, secret: fresh.secret };
}
