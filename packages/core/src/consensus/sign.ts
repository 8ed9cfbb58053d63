/**
 * The bytes a validator signs for consensus messages. Precommits for a block are exactly `precommitSignBytes` from
 * block.ts, so a decided commit is a commit certificate `verifyCommit` accepts. docs/spec/consensus.md#messages
 */
import { canonicalJson, tagged } from '../encoding.js';
import type { Proposal, Vote } from './types.js';

/** Vote sign bytes; blockHash null is a nil vote. For a precommit for a block this equals precommitSignBytes. */
export function voteSignBytes(chainId: string, type: Vote['type'], height: number, round: number, blockHash: string | null): Uint8Array {
  return tagged('machi.vote.v1', canonicalJson({ type, chainId, height, round, blockHash }));
}

/** Proposal sign bytes: what the driver signs and checks for a proposal (the state machine never sees them). */
export function proposalSignBytes(chainId: string, proposal: Omit<Proposal, 'from'> & { from?: string }): Uint8Array {
  const { height, round, validRound, blockHash } = proposal;
  return tagged('machi.proposal.v1', canonicalJson({ type: 'proposal', chainId, height, round, validRound, blockHash }));
}
