/**
 * Creating and restoring consensus state. docs/spec/consensus.md#state and #crash-recovery
 */
import { assert } from '../assert.js';
import type { Validator } from '../genesis.js';
import { DEFAULT_TIMEOUTS } from './params.js';
import { sortValidators } from './proposer.js';
import type { ConsensusState, RoundState, TimeoutParams, UnsignedMessage, VoteSet } from './types.js';

export interface InitConsensusParams {
  chainId: string;
  validators: Validator[];
  /** our public key, or null for a non-validator observer */
  self: string | null;
  /** the height to decide next (last stored height + 1) */
  height: number;
  timeouts?: Partial<TimeoutParams>;
}

/** State for deciding `height`, not yet started: send { type: 'start-height', height } to begin. */
export function initConsensus(params: InitConsensusParams): ConsensusState {
  const validators = sortValidators(params.validators);
  assert(validators.length > 0, 'consensus needs at least one validator');
  const powers: Record<string, number> = {};
  let totalPower = 0;
  for (const v of validators) {
    assert(Number.isSafeInteger(v.power) && v.power > 0, `validator ${v.publicKey} has a positive integer power`);
    assert(!Object.hasOwn(powers, v.publicKey), `validator ${v.publicKey} is listed once`);
    powers[v.publicKey] = v.power;
    totalPower += v.power;
  }
  assert(Number.isSafeInteger(3 * totalPower), 'total power × 3 is a safe integer');
  assert(Number.isSafeInteger(params.height) && params.height >= 1, 'height is a positive integer');
  const timeouts = { ...DEFAULT_TIMEOUTS, ...params.timeouts };
  for (const [k, v] of Object.entries(timeouts)) assert(Number.isFinite(v) && v >= 0, `timeout ${k} is a non-negative number`);
  return {
    chainId: params.chainId,
    validators,
    powers,
    totalPower,
    self: params.self,
    timeouts,
    ...freshHeight(params.height),
    lastDecision: null,
  };
}

/** The per-height part of the state, as at line 53 of Algorithm 1 (and the initialisation, lines 2–9). */
export function freshHeight(height: number): Pick<
  ConsensusState,
  | 'height'
  | 'started'
  | 'round'
  | 'step'
  | 'lockedValue'
  | 'lockedRound'
  | 'validValue'
  | 'validRound'
  | 'rounds'
  | 'firedLine34Round'
  | 'firedLine36Round'
  | 'firedLine47Round'
  | 'signed'
> {
  return {
    height,
    started: false,
    round: 0,
    step: 'propose',
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    rounds: {},
    firedLine34Round: -1,
    firedLine36Round: -1,
    firedLine47Round: -1,
    signed: {},
  };
}

export function emptyVoteSet(): VoteSet {
  return { byValidator: {}, powerByValue: {}, powerAny: 0 };
}

export function emptyRound(): RoundState {
  return { proposals: [], prevotes: emptyVoteSet(), precommits: emptyVoteSet(), senders: {}, senderPower: 0 };
}

export function signedKey(round: number, type: UnsignedMessage['type']): string {
  return `${round}/${type}`;
}

/**
 * After a crash. `state` is what the driver persisted (the state returned with the last 'decide', or initConsensus
 * for the first height): not started. `signed` is the driver's double-sign guard — every message it signed; those for
 * other heights or other signers are ignored. Returns a state that
 * - never signs anything different for a (round, type) it signed before,
 * - resumes in the latest round it signed in, at the step after its last message there,
 * - holds the lock its precommits imply (lockedValue/lockedRound are set exactly when a non-nil precommit is signed,
 *   lines 38–40, so the highest such precommit is the lock; validValue/validRound start from it too).
 * Then send { type: 'start-height', height: state.height } as usual.
 */
export function restoreConsensus(state: ConsensusState, signed: readonly UnsignedMessage[]): ConsensusState {
  assert(!state.started, 'restoreConsensus takes a persisted, not yet started, state');
  const mine = signed.filter((m) => m.height === state.height && m.from === state.self && state.self !== null);
  if (mine.length === 0) return state;
  const next: ConsensusState = { ...state, signed: { ...state.signed } };
  for (const m of mine) {
    const key = signedKey(m.round, m.type);
    const before = next.signed[key];
    assert(before === undefined || sameMessage(before, m), `guard holds one message for ${key}`);
    next.signed[key] = stripSig(m);
    if (m.round > next.round) next.round = m.round;
    if (m.type === 'precommit' && m.blockHash !== null && m.round > next.lockedRound) {
      next.lockedRound = m.round;
      next.lockedValue = m.blockHash;
      next.validRound = m.round;
      next.validValue = m.blockHash;
    }
  }
  const r = next.round;
  next.step = next.signed[signedKey(r, 'precommit')] ? 'precommit' : next.signed[signedKey(r, 'prevote')] ? 'prevote' : 'propose';
  // The rules that fire once per round must not fire again for what we already did in round r.
  if (next.step !== 'propose' && next.lockedRound === r) next.firedLine36Round = r;
  return next;
}

function stripSig(m: UnsignedMessage): UnsignedMessage {
  if (m.type === 'proposal') return { type: 'proposal', height: m.height, round: m.round, validRound: m.validRound, blockHash: m.blockHash, from: m.from };
  return { type: m.type, height: m.height, round: m.round, blockHash: m.blockHash, from: m.from };
}

export function sameMessage(a: UnsignedMessage, b: UnsignedMessage): boolean {
  if (a.type !== b.type || a.height !== b.height || a.round !== b.round || a.blockHash !== b.blockHash || a.from !== b.from) return false;
  return a.type !== 'proposal' || b.type !== 'proposal' || a.validRound === b.validRound;
}
