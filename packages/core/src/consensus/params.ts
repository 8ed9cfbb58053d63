/**
 * Consensus limits and timeouts, named with the unit last. docs/spec/consensus.md#timeouts and #limits
 */
import type { Step, TimeoutParams } from './types.js';

/** Messages for rounds beyond round_p + ROUNDS_AHEAD_MAX are dropped: bounds what a peer can make us store. */
export const ROUNDS_AHEAD_MAX = 10;
/** Distinct proposals kept per round (an equivocating proposer sends several; one extra suffices for liveness). */
export const PROPOSALS_PER_ROUND_MAX = 4;
/** Distinct values one validator's votes are counted for per (round, type): nil and block values of an equivocator. */
export const VOTE_VALUES_PER_VALIDATOR_MAX = 3;
/** Longest single timeout, whatever the round. Liveness needs it to exceed the real message delay after GST. */
export const TIMEOUT_MS_MAX = 60_000;

/** Defaults for validators on one LAN or loopback. */
export const DEFAULT_TIMEOUTS: Readonly<TimeoutParams> = Object.freeze({
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 500,
  prevoteDeltaMs: 250,
  precommitMs: 500,
  precommitDeltaMs: 250,
});

/** timeoutPropose(round), timeoutPrevote(round), timeoutPrecommit(round): grow linearly with the round. */
export function timeoutMs(params: TimeoutParams, step: Step, round: number): number {
  const [base, delta] =
    step === 'propose'
      ? [params.proposeMs, params.proposeDeltaMs]
      : step === 'prevote'
        ? [params.prevoteMs, params.prevoteDeltaMs]
        : [params.precommitMs, params.precommitDeltaMs];
  return Math.min(TIMEOUT_MS_MAX, base + round * delta);
}

/** "2f + 1" in power: more than 2/3 of the total. */
export function isQuorum(power: number, totalPower: number): boolean {
  return 3 * power > 2 * totalPower;
}

/** "f + 1" in power: more than 1/3 of the total, so at least one honest validator among them. */
export function isOneThird(power: number, totalPower: number): boolean {
  return 3 * power > totalPower;
}
