/**
 * The real-driver simulator (src/sim): the real ConsensusDriver and MachiNode on simulated network, disk and clock,
 * over many seeds with message loss, duplication, delay, reordering, partitions, crashes with restart and f Byzantine
 * validators. A failure names its seed: replay it with `npm run sim -- --seed N`. docs/spec/consensus.md#simulator
 */
import { describe, expect, it } from 'vitest';
import { runSeeds, runSim, type SimSummary } from '../../src/sim/index.js';

function explain(s: SimSummary): string {
  return s.firstViolations.map(({ seed, violation: v }) => `seed ${seed}: ${v.kind}: ${v.message} (npm run sim -- --seed ${seed})`).join('\n');
}

describe('real-driver simulator: no violations', () => {
  // Seeds 101–200 run in seeds-2.test.ts (another worker): 200 seeds in all, about 45 s of CPU on this machine.
  it('CONS-SAFETY-1, CONS-SAFETY-2, CONS-LIVE-1, CONS-GUARD-1, CONS-EVIDENCE-1, CONS-PROPOSAL-1, CONS-PEER-1: seeds 1–100 of 4 validators with every fault', async () => {
    const s = await runSeeds(1, 100);
    expect(s.violations, explain(s)).toBe(0);
    expect(s.seedsRun).toBe(100);
    // the faults really happened
    for (const k of ['drop', 'duplicate', 'reorder', 'delay-spike', 'partition', 'partition-drop', 'crash', 'restart', 'byzantine',
      'equivocating-proposal', 'flooding-proposal', 'equivocating-vote', 'invalid-proposal', 'invalid-vote', 'bad-signature', 'invalid-tx', 'silent',
      'disconnect', 'gossip-disconnect', 'withheld', 'tx-fetch', 'tx-fetched'] as const) {
      expect(s.faults[k], k).toBeGreaterThan(0);
    }
    // rejections and gossip penalties hit only the adversary: no honest node ever disconnects another (CONS-CHECK-1..3,
    // CONS-PEER-1); block checks stay within one per round with a proposal (CONS-PROPOSAL-1: 'check-bound' violations)
    expect(s.faults['honest-disconnect']).toBe(0);
    expect(s.heights).toBeGreaterThan(100 * 3);
    expect(s.evidenceReported).toBeGreaterThan(0);
  }, 300_000); // generous: other jobs may share the machine

  it('CONS-FETCH-1, CONS-LIVE-1: a proposer that withholds transaction bodies (no gossip, no answers to fetches): safety holds and the others commit by round change', async () => {
    const s = await runSeeds(1, 10, { byzantine: 1, profiles: ['withhold'] });
    expect(s.violations, explain(s)).toBe(0);
    expect(s.faults.withheld).toBeGreaterThan(0);
    expect(s.faults['tx-fetch']).toBeGreaterThan(0);
    expect(s.heights).toBeGreaterThan(10 * 3);
  }, 120_000);

  it('CONS-LIVE-1: without faults, 4 validators store 10 heights', async () => {
    const r = await runSim({ seed: 7, faults: false, heightsAfterGst: 10 });
    expect(r.violations).toEqual([]);
    expect(r.decidedHeight).toBeGreaterThanOrEqual(10);
  });

  it('CONS-SIM-1: deterministic — one seed, one run (trace included)', async () => {
    const a = await runSim({ seed: 123, trace: true });
    const b = await runSim({ seed: 123, trace: true });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect((await runSim({ seed: 124 })).endMs).not.toBe(a.endMs);
  });
});
