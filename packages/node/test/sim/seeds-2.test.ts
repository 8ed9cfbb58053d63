/** Seeds 101–200 of the real-driver simulator (seeds 1–100: seeds.test.ts), in their own worker. */
import { describe, expect, it } from 'vitest';
import { runSeeds } from '../../src/sim/index.js';

describe('real-driver simulator: no violations (2)', () => {
  it('CONS-SAFETY-1, CONS-SAFETY-2, CONS-LIVE-1, CONS-GUARD-1, CONS-EVIDENCE-1, CONS-PROPOSAL-1, CONS-PEER-1: seeds 101–200 of 4 validators with every fault', async () => {
    const s = await runSeeds(101, 100);
    const explain = s.firstViolations.map(({ seed, violation: v }) => `seed ${seed}: ${v.kind}: ${v.message} (npm run sim -- --seed ${seed})`).join('\n');
    expect(s.violations, explain).toBe(0);
    expect(s.faults['honest-disconnect']).toBe(0);
    expect(s.faults.crash + s.faults.partition + s.faults.byzantine + s.faults.drop).toBeGreaterThan(0);
  }, 300_000); // generous: other jobs may share the machine
});
