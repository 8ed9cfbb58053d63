#!/usr/bin/env node
// `npm run fuzz:api -- --runs N [--seed S]`: the API fuzz test (api.fuzz.test.ts) with N requests per route and
// identity and no time budget; prints how many requests it sent and the status histogram (and any finding).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, seed: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive whole number, not ${values.runs}`);
  process.exit(2);
}
const env = {
  ...process.env,
  FUZZ_RUNS: String(runs),
  FUZZ_BUDGET_MS: String(24 * 3600_000),
  FUZZ_TIMEOUT_MS: String(24 * 3600_000),
  ...(values.seed === undefined ? {} : { FUZZ_SEED: values.seed }),
};
const r = spawnSync('npx', ['vitest', 'run', 'packages/node/test/fuzz'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
