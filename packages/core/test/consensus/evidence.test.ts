// CONS-EVIDENCE-2 (docs/spec/consensus.md#evidence): duplicate-proposal evidence, checked by verifyEvidence.
import { describe, expect, it } from 'vitest';
import { proposalSignBytes, verifyEvidence, type ProposalEvidence, type SignedProposal } from '../../src/index.js';
import { CHAIN, makeValidators, validatorSet, value } from './harness.js';

const vals = makeValidators([1, 1, 1, 1]);
const set = validatorSet(vals);
const [bad, other] = vals as [(typeof vals)[number], (typeof vals)[number]];

function signed(blockHash: string, over: Partial<SignedProposal> = {}, by = bad): SignedProposal {
  const p = { type: 'proposal' as const, height: 3, round: 1, validRound: -1, blockHash, from: by.key, ...over };
  return { ...p, sig: by.signer.sign(proposalSignBytes(CHAIN, p)) };
}
const evidence = (a: SignedProposal, b: SignedProposal, validator = bad.key): ProposalEvidence => ({ type: 'duplicate-proposal', validator, proposalA: a, proposalB: b });

describe('CONS-EVIDENCE-2: duplicate-proposal evidence', () => {
  it('accepts two signed proposals of one proposer for one height and round with another block or validRound', () => {
    expect(verifyEvidence(CHAIN, set, evidence(signed(value('a')), signed(value('b'))))).toBeNull();
    expect(verifyEvidence(CHAIN, set, evidence(signed(value('a')), signed(value('a'), { validRound: 0 })))).toBeNull();
  });
  it('refuses what is not equivocation or not proven', () => {
    const a = signed(value('a'));
    expect(verifyEvidence(CHAIN, set, evidence(a, { ...a }))).toBe('proposals do not conflict');
    expect(verifyEvidence(CHAIN, set, evidence(a, signed(value('b'), { round: 2 })))).toBe('proposals are not for the same height and round');
    expect(verifyEvidence(CHAIN, set, evidence(a, signed(value('b'), { height: 4 })))).toBe('proposals are not for the same height and round');
    expect(verifyEvidence(CHAIN, set, evidence(a, { ...signed(value('b')), sig: a.sig }))).toBe('a signature does not verify');
    expect(verifyEvidence(CHAIN, set, evidence(a, signed(value('b'), {}, other)))).toBe('proposals are not by the named validator');
    expect(verifyEvidence(CHAIN, set, evidence(a, signed(value('b')), 'nobody'))).toBe('not a validator');
    expect(verifyEvidence(CHAIN, set, { ...evidence(a, signed(value('b'))), type: 'other' } as unknown as ProposalEvidence)).toBe('unknown evidence type');
  });
});
