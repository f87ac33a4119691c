// The read-modify-write that concurrency tests race: bump the `counter` ecosystem's spec.hits with
// optimistic concurrency, retrying on CONFLICT. `alsoInside` runs in the same transaction.
import { isAppError } from '../errors';
import type { DataStore } from '../store/data-store';

export async function incrementCounter(
  store: DataStore,
  alsoInside?: (tx: DataStore) => Promise<unknown>,
): Promise<void> {
  for (;;) {
    try {
      await store.transaction(async (tx) => {
        const current = await tx.ecosystems.get({ name: 'counter' });
        await alsoInside?.(tx);
        await tx.ecosystems.update(
          { name: 'counter' },
          { name: 'counter', spec: { hits: Number(current.spec.hits) + 1 } },
          { expectedVersion: current.version },
        );
      });
      return;
    } catch (error) {
      if (!(isAppError(error) && error.code === 'CONFLICT')) throw error;
    }
  }
}
