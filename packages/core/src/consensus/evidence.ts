/**
 * Checking evidence of equivocation, for the driver before it stores or gossips evidence (the state machine reports
 * duplicate votes whose signatures the driver already verified; the driver finds duplicate proposals; a peer's
 * evidence must be checked in full). docs/spec/consensus.md#evidence
 */
import { verifySignature } from '../crypto.js';
import type { Validator } from '../genesis.js';
import { proposalSignBytes, voteSignBytes } from './sign.js';
import type { Evidence, ProposalEvidence, SignedProposal, Vote, VoteEvidence } from './types.js';

/** Null if `evidence` proves that a validator signed two conflicting votes or proposals; otherwise the reason it does not. */
export function verifyEvidence(chainId: string, validators: readonly Validator[], evidence: Evidence): string | null {
  if (evidence.type !== 'duplicate-vote' && evidence.type !== 'duplicate-proposal') return 'unknown evidence type';
  if (!validators.some((v) => v.publicKey === evidence.validator)) return 'not a validator';
  return evidence.type === 'duplicate-vote' ? verifyVoteEvidence(chainId, evidence) : verifyProposalEvidence(chainId, evidence);
}

function verifyVoteEvidence(chainId: string, evidence: VoteEvidence): string | null {
  const { validator, voteA: a, voteB: b } = evidence;
  if (a.from !== validator || b.from !== validator) return 'votes are not by the named validator';
  if (a.type !== b.type || a.height !== b.height || a.round !== b.round) return 'votes are not for the same type, height and round';
  if (a.blockHash === b.blockHash) return 'votes do not conflict';
  const signed = (v: Vote) => verifySignature(validator, voteSignBytes(chainId, v.type, v.height, v.round, v.blockHash), v.sig);
  if (!signed(a) || !signed(b)) return 'a signature does not verify';
  return null;
}

function verifyProposalEvidence(chainId: string, evidence: ProposalEvidence): string | null {
  const { validator, proposalA: a, proposalB: b } = evidence;
  if (a.from !== validator || b.from !== validator) return 'proposals are not by the named validator';
  if (a.type !== 'proposal' || b.type !== 'proposal' || a.height !== b.height || a.round !== b.round) return 'proposals are not for the same height and round';
  if (a.blockHash === b.blockHash && a.validRound === b.validRound) return 'proposals do not conflict';
  const signed = (p: SignedProposal) => typeof p.sig === 'string' && verifySignature(validator, proposalSignBytes(chainId, p), p.sig);
  if (!signed(a) || !signed(b)) return 'a signature does not verify';
  return null;
}
