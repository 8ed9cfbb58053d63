/**
 * The consensus contract between the pure state machine (`step`) and the node's driver, which signs, verifies,
 * persists, sends and keeps time. docs/spec/consensus.md
 */
import type { Commit } from '../block.js';
import type { Validator } from '../genesis.js';

export type Step = 'propose' | 'prevote' | 'precommit';

export interface Proposal {
  type: 'proposal';
  height: number;
  round: number;
  /** round of the polka that justifies re-proposing this value (validRound in the paper); -1 if none */
  validRound: number;
  blockHash: string;
  /** validator public key (base64url) */
  from: string;
}

export interface Vote {
  type: 'prevote' | 'precommit';
  height: number;
  round: number;
  /** null = nil */
  blockHash: string | null;
  from: string;
  /** Ed25519 over voteSignBytes(chainId, type, height, round, blockHash), base64url; opaque to the state machine */
  sig: string;
}

export type ConsensusMessage = Proposal | Vote;

/** A message the state machine asks the driver to sign and send; a vote without its signature. */
export type UnsignedMessage = Proposal | Omit<Vote, 'sig'>;

/** A validator signed two different votes of one type for one height and round: both votes, naming the validator. */
export interface VoteEvidence {
  type: 'duplicate-vote';
  validator: string;
  /** the vote received first */
  voteA: Vote;
  /** the conflicting vote (same type, height, round and signer; another blockHash) */
  voteB: Vote;
}

/** A proposal with the proposer's signature over proposalSignBytes (base64url). */
export type SignedProposal = Proposal & { sig: string };

/**
 * A proposer signed two different proposals (another blockHash or validRound) for one height and round: both, naming
 * it. The driver finds these (the state machine never sees the second proposal). docs/spec/consensus.md#evidence
 */
export interface ProposalEvidence {
  type: 'duplicate-proposal';
  validator: string;
  /** the proposal received (and checked) first */
  proposalA: SignedProposal;
  /** the conflicting one (not checked) */
  proposalB: SignedProposal;
}

/** Evidence of equivocation: verifyEvidence checks either kind. */
export type Evidence = VoteEvidence | ProposalEvidence;

export type ConsensusEvent =
  /** after the previous height is decided and stored (or, at boot, after initConsensus / restoreConsensus) */
  | { type: 'start-height'; height: number }
  /** the driver checked the sender's signature and validated the block (valid(v) in the paper); it keeps the block */
  | { type: 'proposal'; proposal: Proposal; valid: boolean }
  /** the driver verified vote.sig */
  | { type: 'vote'; vote: Vote }
  | { type: 'timeout'; step: Step; height: number; round: number }
  /** the driver's answer to a 'get-value' output: it built a block */
  | { type: 'value'; height: number; round: number; blockHash: string };

export type ConsensusOutput =
  /** sign (voteSignBytes / proposalSignBytes), write the double-sign guard, then send to all — including ourselves */
  | { type: 'broadcast'; message: UnsignedMessage }
  | { type: 'schedule-timeout'; step: Step; height: number; round: number; durationMs: number }
  /** we propose and have no validValue: build a block, then send a 'value' event */
  | { type: 'get-value'; height: number; round: number }
  /** precommit signatures (> 2/3 of the power) for blockHash: a commit certificate for verifyCommit */
  | { type: 'decide'; height: number; round: number; blockHash: string; commit: Commit }
  | { type: 'evidence'; evidence: VoteEvidence };

/** timeout(step, round) = base + round × delta, capped at TIMEOUT_MS_MAX. */
export interface TimeoutParams {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
}

/** One validator's vote of a type in a round. */
export interface VoteRecord {
  blockHash: string | null;
  sig: string;
}

/**
 * Votes of one type in one round, with running tallies so the rules never rescan messages. As in the paper, a vote
 * counts towards its value: a validator that signed several values (equivocation) counts once towards each of them
 * (up to VOTE_VALUES_PER_VALIDATOR_MAX values) and once towards "any". With less than 1/3 of the power Byzantine, still
 * at most one value can reach 2/3 (quorum intersection); counting only first votes instead would let an equivocator
 * hide a polka from some honest nodes for ever.
 */
export interface VoteSet {
  /** each validator's votes, by public key, in arrival order: distinct values, the first one first */
  byValidator: Record<string, VoteRecord[]>;
  /** voting power per blockHash; nil votes are under NIL_KEY */
  powerByValue: Record<string, number>;
  /** total power of the validators that voted, whatever the value (each counted once) */
  powerAny: number;
}

export interface ProposalRecord {
  validRound: number;
  blockHash: string;
  valid: boolean;
}

export interface RoundState {
  /** proposals from this round's proposer, distinct blockHash, in arrival order, at most PROPOSALS_PER_ROUND_MAX */
  proposals: ProposalRecord[];
  prevotes: VoteSet;
  precommits: VoteSet;
  /** distinct validators that sent any message for this round, and their power (round-skip rule, line 55) */
  senders: Record<string, true>;
  senderPower: number;
}

/**
 * Everything the state machine knows: plain data, JSON-serialisable. Treat as immutable; `step` returns a new one
 * (sharing the parts it did not touch).
 */
export interface ConsensusState {
  chainId: string;
  /** sorted by public key */
  validators: Validator[];
  /** power by public key */
  powers: Record<string, number>;
  totalPower: number;
  /** our public key; null for an observer (or a key without power): never signs */
  self: string | null;
  timeouts: TimeoutParams;
  /** h_p: the height being decided */
  height: number;
  /** false until 'start-height' for this height arrives (messages are stored meanwhile) */
  started: boolean;
  round: number;
  step: Step;
  lockedValue: string | null;
  lockedRound: number;
  validValue: string | null;
  validRound: number;
  /** messages of this height, by round (as a decimal string) */
  rounds: Record<string, RoundState>;
  /** rounds in which the "for the first time" rules at lines 34, 36 and 47 fired (-1: never at this height) */
  firedLine34Round: number;
  firedLine36Round: number;
  firedLine47Round: number;
  /** what we signed at this height, by `${round}/${type}`: never sign anything else for the same key */
  signed: Record<string, UnsignedMessage>;
  /** the last decision, or null */
  lastDecision: { height: number; round: number; blockHash: string } | null;
}
