// Opens a browser session for a user who just proved who they are (password or SSO): the session
// record the JWT will point at, the user's last sign-in time and the audit entry, together.

import { randomUUID } from 'node:crypto';
import { SESSION_MAX_AGE_SECONDS } from '@/lib/auth/session-jwt';
import type { JsonObject } from '@/lib/store/data-store';

import type { AuditSource, UserRecord } from '@/lib/store/identity-store';
import { nowOf, type PublicContext } from './action-context';
import { anonymousEntry, userTarget } from './audit-entry';
import { toUserView, type UserView } from './user-view';

export interface OpenedSession {
  user: UserView;
  sessionId: string;
  expiresAt: Date;
}

export async function openSession(
  ctx: PublicContext,
  user: UserRecord,
  how: { source: AuditSource; address?: string; detail: JsonObject },
): Promise<OpenedSession> {
  const now = nowOf(ctx);
  const expiresAt = new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000);
  const sessionId = randomUUID();
  const updated = await ctx.store.transaction(async (tx) => {
    await tx.sessions.create({ id: sessionId, userId: user.id, expiresAt });
    const fresh = await tx.users.update(user.id, { lastSignInAt: now });
    await tx.audit.append(
      anonymousEntry(
        {
          actor: user.email,
          actorId: user.id,
          source: how.source,
          ...(how.address && { address: how.address }),
        },
        { action: 'auth.sign_in', target: userTarget(user.email), detail: how.detail },
        now,
      ),
    );
    return fresh;
  });
  return { user: toUserView(updated), sessionId, expiresAt };
}
