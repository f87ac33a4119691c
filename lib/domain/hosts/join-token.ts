// One-time join tokens: `dvmj_` and 256 random bits, so one SHA-256 is the right hash at rest
// (like API tokens, lib/auth/secrets.ts). The token is shown once; only the hash is stored.
import { randomBytes } from 'node:crypto';

import { hashSecret } from '@/lib/auth/secrets';
import { DEFAULT_JOIN_TOKEN_SECONDS, JOIN_TOKEN_PREFIX } from '@/lib/contracts/host';

export interface NewJoinToken {
  token: string;
  hash: string;
  expiresAt: Date;
}

export function newJoinToken(
  now: Date,
  expiresInSeconds = DEFAULT_JOIN_TOKEN_SECONDS,
): NewJoinToken {
  const token = JOIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return {
    token,
    hash: hashSecret(token),
    expiresAt: new Date(now.getTime() + expiresInSeconds * 1000),
  };
}
