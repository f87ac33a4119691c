// A read-modify-write without If-Match asked for no concurrency check: a concurrent writer in
// between is not the caller's conflict, so the change is re-read and re-applied. With If-Match the
// CONFLICT is the answer the caller asked for and is never retried.
import { hasErrorCode } from '@/lib/errors';

const ATTEMPTS = 8;

export async function retryUnlessVersioned<T>(
  expectedVersion: number | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  if (expectedVersion !== undefined) return attempt();
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= ATTEMPTS || !hasErrorCode(error, 'CONFLICT')) throw error;
    }
  }
}
