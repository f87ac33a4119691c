import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './lib/store/postgres/schema.ts',
  out: './drizzle/postgres',
});
