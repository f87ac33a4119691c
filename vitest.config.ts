import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: { alias: { '@': root.replace(/\/$/, '') } },
  test: {
    // Tests hit real SQLite, PostgreSQL, Docker and Chromium: generous timeouts, no parallel files
    // fighting over one engine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    include: [
      'lib/**/*.test.ts',
      'agent/**/*.test.ts',
      'cli/**/*.test.ts',
      'scripts/**/*.test.ts',
      'e2e/**/*.test.ts',
      'app/**/*.test.ts',
    ],
  },
});
