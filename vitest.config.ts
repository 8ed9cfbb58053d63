import { defineConfig } from 'vitest/config';

// Test tiers live in their own folders: packages/*/test/{unit,merkle,vectors} (pure, fast),
// packages/node/test/{api,e2e} (real processes, real SQLite). Benchmarks are not tests: see bench/ and `npm run bench:*`.
//
// Two projects, so that `npm test` (scripts/test.mjs) can run them side by side, each one file at a time:
// - `processes`: files that start real node processes (a consortium, a receiver) or a browser. Two of them at once
//   would start eight nodes on a two-core machine, so they run one after another;
// - `in-process`: everything else (the pure core, the simulator, one-node API tests), CPU-bound or quick.
// A new file that starts processes goes in a folder named e2e/ or browser/, or in the list below.
export const PROCESSES = [
  'packages/*/test/e2e/**/*.test.ts',
  'packages/*/test/browser/**/*.test.ts',
  'packages/node/test/devices/consortium.test.ts',
  'packages/node/test/identity/e2e.test.ts',
  'packages/node/test/privacy/ledger-scan.test.ts',
  'packages/node/test/webhooks/delivery.test.ts',
  'packages/node/test/webhooks/process.test.ts',
];
const ALL = ['packages/*/test/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'processes', include: PROCESSES } },
      { extends: true, test: { name: 'in-process', include: ALL, exclude: PROCESSES } },
    ],
  },
});
