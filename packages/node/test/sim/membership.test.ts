/**
 * Membership by decision in the real-driver simulator (docs/spec/consensus.md#membership): a fifth organisation,
 * outside the genesis, follows the chain from the start; the validators admit it (> 2/3 of the power approve), then
 * remove the last genesis validator — under message loss, delays, partitions, crashes with restart and a Byzantine
 * validator. Every live honest node must end in the final set, the admitted organisation's precommits must count in
 * commits, and agreement, validity (each commit > 2/3 of the set of its height), double-signing and liveness hold.
 */
import { describe, expect, it } from 'vitest';
import { runSim } from '../../src/sim/index.js';

describe('real-driver simulator: a validator-set change under faults', () => {
  it('CONS-MEMBER-1, CONS-SAFETY-1, CONS-SAFETY-2, CONS-LIVE-1: admit one organisation, remove another, seeds 1–6', async () => {
    let byzantine = 0;
    let crashes = 0;
    let honestDisconnects = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const r = await runSim({ seed, membership: true });
      expect(r.violations, `seed ${seed}: ${JSON.stringify(r.violations.slice(0, 3))} (npm run sim -- --seed ${seed} --membership)`).toEqual([]);
      expect(r.membership!.epochs.every((e) => e === 2), `seed ${seed}`).toBe(true);
      expect(r.membership!.joinerSigned).toBeGreaterThan(0);
      byzantine += r.byzantine.length;
      crashes += r.faults.crash + r.faults['permanent-crash'];
      honestDisconnects += r.faults['honest-disconnect'];
    }
    expect(byzantine).toBeGreaterThan(0);
    expect(crashes).toBeGreaterThan(0);
    expect(honestDisconnects).toBe(0);
  }, 120_000);
});
