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

describe('driver checks across a validator-set change', () => {
  it('CONS-MEMBER-1: a removed validator\'s vote for our height is refused; a vote for a later height from outside our set is only ignored', async () => {
    const { generateKeyPair, signerFromJwk, voteSignBytes } = await import('@machi/core');
    const { checkVote } = await import('../../src/consensus/checks.js');
    const [a, b, c, removed, admitted] = Array.from({ length: 5 }, () => signerFromJwk(generateKeyPair().jwk));
    const view = { chainId: 'machi-test', validators: [a!, b!, c!, admitted!].map((s) => ({ publicKey: s.publicKey, power: 1 })), height: 12, round: 0 };
    const vote = (s: typeof a, height: number) => ({ type: 'prevote' as const, height, round: 0, blockHash: null, from: s!.publicKey, sig: s!.sign(voteSignBytes('machi-test', 'prevote', height, 0, null)) });
    expect(checkVote(view, vote(removed, 12))).toEqual({ ok: false, action: 'reject', reason: 'vote from a non-validator' });
    expect(checkVote(view, vote(removed, 13))).toEqual({ ok: false, action: 'ignore' });
    expect(checkVote(view, vote(admitted, 12)).ok).toBe(true);
  });
});
