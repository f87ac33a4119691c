// Optimistic concurrency for the resource use cases: the version a caller read (`If-Match`) must
// still be the stored one, even when the write turns out to change nothing.

import { AppError } from '@/lib/errors';
import type { Level, StoredObject } from '@/lib/store/data-store';
import { objectTarget } from './object-rules';

export function checkVersion(
  level: Level,
  stored: StoredObject,
  expectedVersion: number | undefined,
): void {
  if (expectedVersion === undefined || stored.version === expectedVersion) return;
  throw new AppError(
    'CONFLICT',
    `${objectTarget(level, stored)} was changed by someone else (version ${stored.version}, expected ${expectedVersion}). Read it again and retry.`,
  );
}
