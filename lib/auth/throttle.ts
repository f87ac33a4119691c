// Slowing down password guessing (sign-in and the HTTP Basic token route). Two keys per attempt:
// the account, so one account cannot be guessed from many addresses, and the address, so one
// address cannot try many accounts. A few failures are free; after that each attempt must wait
// twice as long as the previous one, up to a cap. The store only counts; the policy is here.

import { AppError, isAppError } from '@/lib/errors';
import type { DataStore } from '@/lib/store/data-store';

export interface ThrottlePolicy {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** A run of failures older than this starts again. */
  windowMs: number;
  /** The longest delay ever asked for. */
  maxDelayMs: number;
}

/** People mistype passwords; five tries are free per account. */
export const ACCOUNT_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  windowMs: 15 * 60_000,
  maxDelayMs: 15 * 60_000,
};

/** Several people may share one address (an office NAT), so an address gets more free tries. */
export const ADDRESS_POLICY: ThrottlePolicy = {
  freeFailures: 20,
  windowMs: 15 * 60_000,
  maxDelayMs: 15 * 60_000,
};

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/** The keys one sign-in attempt counts against. */
export function throttleKeys(email: string, address: string | undefined): ThrottleKey[] {
  const keys: ThrottleKey[] = [
    { key: `account:${email.trim().toLowerCase()}`, policy: ACCOUNT_POLICY },
  ];
  if (address) keys.push({ key: `address:${address}`, policy: ADDRESS_POLICY });
  return keys;
}

/** The wait after `failures` failures in a run: none for the free ones, then 1 s, 2 s, 4 s, … */
export function delayMs(failures: number, policy: ThrottlePolicy): number {
  const over = failures - policy.freeFailures;
  if (over < 0) return 0;
  return Math.min(1000 * 2 ** over, policy.maxDelayMs);
}

/** When attempts must wait, how long (whole seconds, at least 1); undefined when they may go on. */
export async function checkThrottle(
  store: DataStore,
  keys: ThrottleKey[],
  now: Date,
): Promise<{ retryAfterSeconds: number } | undefined> {
  let waitMs = 0;
  for (const { key, policy } of keys) {
    const record = await store.throttle.get(key);
    if (!record) continue;
    if (now.getTime() - record.firstFailureAt.getTime() >= policy.windowMs) continue;
    const until = record.lastFailureAt.getTime() + delayMs(record.failures, policy);
    waitMs = Math.max(waitMs, until - now.getTime());
  }
  return waitMs > 0 ? { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } : undefined;
}

export async function recordFailure(store: DataStore, keys: ThrottleKey[], now: Date) {
  for (const { key, policy } of keys) await store.throttle.recordFailure(key, now, policy.windowMs);
}

/**
 * After a successful sign-in the account starts afresh. The address keeps its count: a success
 * on one account must not reset the budget for guessing others from the same address.
 */
export async function clearOnSuccess(store: DataStore, keys: ThrottleKey[]) {
  for (const { key } of keys) if (key.startsWith('account:')) await store.throttle.clear(key);
}

const RETRY_AFTER = Symbol.for('devopsmaestro.retryAfterSeconds');

/**
 * The error for a throttled attempt: UNAUTHENTICATED (the credentials were not even checked)
 * carrying the wait, which transports turn into `429` + `Retry-After` via retryAfterSeconds().
 */
export function throttledError(retryAfterSeconds: number): AppError {
  const error = new AppError(
    'UNAUTHENTICATED',
    `Too many failed sign-ins; try again in ${describeWait(retryAfterSeconds)}.`,
  );
  Object.defineProperty(error, RETRY_AFTER, { value: retryAfterSeconds, enumerable: false });
  return error;
}

/** The wait carried by a throttledError (also across module copies); undefined for others. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (!isAppError(error)) return undefined;
  const value = (error as unknown as Record<symbol, unknown>)[RETRY_AFTER];
  return typeof value === 'number' ? value : undefined;
}

function describeWait(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
