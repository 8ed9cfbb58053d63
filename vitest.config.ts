import { defineConfig } from 'vitest/config';
import { PROCESS_FILES } from './scripts/process-files.mjs';

// Test tiers live in their own folders: packages/*/test/{unit,merkle,vectors} (pure, fast),
// packages/node/test/{api,e2e} (real processes, real SQLite). Benchmarks are not tests: see bench/ and `npm run bench:*`.
//
// Two projects, so that `npm test` (scripts/test.mjs) can run them side by side:
// - `processes`: files that start real node processes (a consortium, a receiver) or a browser, run one file per
//   vitest run; two at once (eight nodes on a two-core machine) only at the tail, once `in-process` is done;
// - `in-process`: everything else (the pure core, the simulator, one-node API tests), CPU-bound or quick.
// The list is scripts/process-files.mjs (scripts/test.mjs reads it too).
//
// `in-process` runs without isolation (`isolate: false`): one worker imports the code once for all its files instead
// of once per file (the imports were a quarter of its time) and keeps it warm. So a file there must leave no global
// behind: restore spies on shared objects (vi.restoreAllMocks) and globals it replaces (fetch), and mock no module. A
// file that needs a fresh module graph (vi.mock) goes in IN_PROCESS_ISOLATED, the `in-process-isolated` project,
// which scripts/test.mjs runs with `in-process` (run one such file with `npx vitest run <file>`).
export const PROCESSES = PROCESS_FILES;
const ALL = ['packages/*/test/**/*.test.ts'];
export const IN_PROCESS_ISOLATED = [
  'packages/node/test/api/web.test.ts', // vi.mock('node:fs'): the server's static files must see the mock
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Longer limits: most of them run beside another file's consortium (npm test's two lanes), and some restart nodes
      // several times within one test (stores.test.ts: backup, kill, restore, two starts).
      { extends: true, test: { name: 'processes', include: PROCESSES, testTimeout: 180_000, hookTimeout: 180_000 } },
      { extends: true, test: { name: 'in-process', include: ALL, exclude: [...PROCESSES, ...IN_PROCESS_ISOLATED], isolate: false } },
      { extends: true, test: { name: 'in-process-isolated', include: IN_PROCESS_ISOLATED } },
    ],
  },
});
