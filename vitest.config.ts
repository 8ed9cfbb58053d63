import { defineConfig } from 'vitest/config';

// Test tiers live in their own folders: packages/*/test/{unit,merkle,vectors} (pure, fast),
// packages/node/test/{api,e2e} (real processes, real SQLite). Benchmarks are not tests: see bench/ and `npm run bench:*`.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
