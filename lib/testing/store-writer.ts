// A second process for concurrency tests: opens the store given in DVM_TEST_STORE (JSON of
// openDataStore's config) and increments the `counter` ecosystem's spec.hits COUNT times with
// optimistic concurrency, creating one domain per increment. Prints `done <n>` on success.
import { isAppError } from '../errors';
import { openDataStore } from '../store/open-data-store';

const config = JSON.parse(process.env.DVM_TEST_STORE ?? '{}') as {
  dataDir: string;
  databaseUrl?: string;
};
const count = Number(process.env.COUNT ?? '10');
const tag = process.env.TAG ?? String(process.pid);
const store = await openDataStore(config);

for (let i = 0; i < count; i++) {
  for (;;) {
    try {
      await store.transaction(async (tx) => {
        const current = await tx.ecosystems.get({ name: 'counter' });
        await tx.domains.create({ ecosystem: 'counter' }, { name: `${tag}-${i}` });
        await tx.ecosystems.update(
          { name: 'counter' },
          { name: 'counter', spec: { hits: Number(current.spec.hits) + 1 } },
          { expectedVersion: current.version },
        );
      });
      break;
    } catch (error) {
      if (!(isAppError(error) && error.code === 'CONFLICT')) throw error;
    }
  }
}
await store.close();
console.log(`done ${count}`);
