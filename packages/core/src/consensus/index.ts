/** Consensus: Tendermint as a pure state machine. docs/spec/consensus.md */
export * from './types.js';
export { ROUNDS_AHEAD_MAX, PROPOSALS_PER_ROUND_MAX, VOTE_VALUES_PER_VALIDATOR_MAX, TIMEOUT_MS_MAX, DEFAULT_TIMEOUTS, timeoutMs, isQuorum, isOneThird } from './params.js';
export { voteSignBytes, proposalSignBytes } from './sign.js';
export { proposer } from './proposer.js';
export { initConsensus, restoreConsensus, type InitConsensusParams } from './state.js';
export { step, proposerOf, NIL_KEY } from './step.js';
export { verifyEvidence } from './evidence.js';
