// Password hashing and the one password rule, shared by sign-up forms, the domain and the
// DVM_ADMIN_PASSWORD check in lib/server/config.ts, so a password accepted in one place is never
// refused in another. Passwords are argon2id hashes at rest and never appear in logs or errors.

import { hash, verify } from '@node-rs/argon2';

/** argon2id (algorithm 2) with OWASP's 19 MiB / 2 passes / 1 lane baseline. */
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;
/** Hashing cost grows with length; a cap keeps one request from pinning a CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Why `plain` is not acceptable as a password, written for the user; undefined when it is fine. */
export function passwordProblem(plain: string): string | undefined {
  if (plain.length < MIN_PASSWORD_LENGTH) {
    return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  }
  if (plain.length > MAX_PASSWORD_LENGTH) {
    return `must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  }
  if ([...plain].every((c) => c === plain[0])) return 'must not repeat a single character';
  return undefined;
}

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, OPTIONS);
}

/** False for a wrong password and for a hash that cannot be parsed (never throws for either). */
export async function verifyPassword(passwordHash: string, plain: string): Promise<boolean> {
  if (plain.length > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(passwordHash, plain);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for unknown emails and users without a password,
 * so response times do not tell which accounts exist.
 */
export async function verifyNothing(plain: string): Promise<false> {
  dummy ??= hashPassword('not a real password, only spends time');
  await verifyPassword(await dummy, plain);
  return false;
}
