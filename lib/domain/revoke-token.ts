// Revokes an API token (the caller's own, or anyone's for an administrator); sockets opened with
// it are closed. Idempotent: revoking a revoked token keeps the first revocation time. A token
// may always revoke itself (logging out); revoking another token needs the write scope.

import { CLOSE_SIGNED_OUT, closeSockets } from '@/lib/auth/live-sockets';
import { AppError, hasErrorCode } from '@/lib/errors';

import type { TokenRecord } from '@/lib/store/identity-store';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { authorize, requireActive, scopeAllows } from './authorize';
import { tokenTarget } from './create-token';

export interface RevokeTokenInput {
  tokenId: string;
}

const NOT_FOUND = 'The API token does not exist.';

/** NOT_FOUND for unknown tokens and for other users' tokens (unless the caller is an admin). */
export async function revokeToken(
  ctx: ActionContext,
  input: RevokeTokenInput,
): Promise<TokenRecord> {
  requireActive(ctx);
  const { principal } = ctx;
  let token: TokenRecord;
  try {
    token = await ctx.store.tokens.get(input.tokenId);
  } catch (error) {
    if (hasErrorCode(error, 'NOT_FOUND')) throw new AppError('NOT_FOUND', NOT_FOUND);
    throw error;
  }
  if (token.userId !== principal.user.id) {
    if (!principal.user.isAdmin) throw new AppError('NOT_FOUND', NOT_FOUND);
    await authorize(ctx, 'users.manage');
  } else if (token.id !== principal.tokenId && !scopeAllows(principal.scope, 'write')) {
    throw new AppError(
      'FORBIDDEN',
      `This API token has the "${principal.scope}" scope; "write" is needed to revoke other tokens.`,
    );
  }
  if (token.revokedAt) return token;
  const now = nowOf(ctx);
  const revoked = await ctx.store.transaction(async (tx) => {
    const updated = await tx.tokens.revoke(token.id, now);
    await tx.audit.append(
      auditEntry(
        principal,
        {
          action: 'token.revoke',
          target: tokenTarget(token),
          before: { revokedAt: null },
          after: { revokedAt: updated.revokedAt?.toISOString() ?? null },
          ...(token.userId !== principal.user.id && { detail: { owner: token.userId } }),
        },
        now,
      ),
    );
    return updated;
  });
  closeSockets({ tokenId: token.id }, CLOSE_SIGNED_OUT, 'token revoked');
  return revoked;
}
