// A second process for concurrency tests: opens the store given in DVM_TEST_STORE (JSON of
// openDataStore's config) and increments the `counter` ecosystem's spec.hits COUNT times with
// optimistic concurrency, creating one domain per increment. Prints `done <n>` on success.
import { openDataStore } from '../store/open-data-store';
import { incrementCounter } from './counter';

const config = JSON.parse(process.env.DVM_TEST_STORE ?? '{}') as {
  dataDir: string;
  databaseUrl?: string;
};
const count = Number(process.env.COUNT ?? '10');
const tag = process.env.TAG ?? String(process.pid);
const store = await openDataStore(config);

for (let i = 0; i < count; i++) {
  await incrementCounter(store, (tx) =>
    tx.domains.create({ ecosystem: 'counter' }, { name: `${tag}-${i}` }),
  );
}
await store.close();
console.log(`done ${count}`);
