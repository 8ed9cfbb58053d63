/**
 * The API fuzz test (harness.ts): every operation of the served OpenAPI document, as every role and as nobody, with
 * inputs generated from its schemas. The default run is short (FUZZ_RUNS, default 4 requests per route and identity,
 * within FUZZ_BUDGET_MS); `npm run fuzz:api -- --runs N` runs N per route and identity and prints the figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFuzzNode, type FuzzNode } from './harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 25_000);

let f: FuzzNode;
beforeAll(async () => {
  f = await startFuzzNode();
}, 120_000);
afterAll(async () => f?.close());

describe('API fuzz from /docs/openapi.json', () => {
  it('never answers 5xx, never crashes and writes nothing on refusal, for every route, role and nobody', async () => {
    const report = await f.fuzz({
      runsPerPair: RUNS, seed: SEED, deadlineMs: BUDGET_MS,
      onProgress: (r) => console.log(`fuzz: ${r.requests} requests in ${(r.ms / 1000).toFixed(1)} s`),
    });
    const statuses = Object.entries(report.statuses).sort().map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(`fuzz: seed ${SEED}, ${report.routes} routes × ${f.tokens.size + 1} identities × ${RUNS} run(s): ${report.requests} requests in ${(report.ms / 1000).toFixed(1)} s; statuses ${statuses}`);
    console.log(`fuzz: records written on refusal by design: ${JSON.stringify(report.refusalRecords)}; private-store writes on refusal that changed nothing: ${JSON.stringify(report.ioOnRefusal)}`);
    for (const x of report.findings) console.log(`fuzz finding: ${x.kind} ${x.route} as ${x.identity} → ${x.status}\n  ${JSON.stringify(x.request).slice(0, 600)}\n  ${x.detail.slice(0, 600)}`);
    expect(report.requests).toBeGreaterThan(0);
    // the node still serves
    expect((await f.running.app.inject('/v1/health')).statusCode).toBe(200);
    expect(report.findings.map((x) => `${x.kind} ${x.route} as ${x.identity} → ${x.status}: ${x.detail ?? ""}`.slice(0, 300))).toEqual([]);
  }, Number(process.env.FUZZ_TIMEOUT_MS ?? 90_000));
});
