import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './lib/store/sqlite/schema.ts',
  out: './drizzle/sqlite',
});
