// The test files that start real processes (a consortium, a receiver) or a browser: vitest.config.ts's `processes`
// project, which scripts/test.mjs runs file by file. A new file that starts processes goes in a folder named e2e/ or
// browser/, or in this list.
export const PROCESS_FILES = [
  'packages/*/test/e2e/**/*.test.ts',
  'packages/*/test/browser/**/*.test.ts',
  'packages/node/test/devices/consortium.test.ts',
  'packages/node/test/identity/e2e.test.ts',
  'packages/node/test/privacy/ledger-scan.test.ts',
  'packages/node/test/webhooks/delivery.test.ts',
  'packages/node/test/webhooks/process.test.ts',
];
