// High-entropy secrets handed to clients: API tokens and socket tickets. They carry 256 random
// bits, so one SHA-256 is the right hash at rest (a slow password hash would only add latency to
// every request: nobody can brute-force 2^256). Only the hash reaches the store.

import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'dvm_';
/** How many leading characters of a token are kept in clear to tell tokens apart. */
export const TOKEN_PREFIX_LENGTH = 12;

const TOKEN_PATTERN = /^dvm_[A-Za-z0-9_-]{43}$/;

export interface NewApiToken {
  /** Shown to the user once; never stored. */
  secret: string;
  /** `dvm_` and the next 8 characters, stored and shown in lists. */
  prefix: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newApiToken(): NewApiToken {
  const secret = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { secret, prefix: secret.slice(0, TOKEN_PREFIX_LENGTH), secretHash: hashSecret(secret) };
}

export function newTicket(): { secret: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, secretHash: hashSecret(secret) };
}

/** True when `value` has the shape of one of our API tokens (says nothing about validity). */
export function looksLikeApiToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
