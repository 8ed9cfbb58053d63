/**
 * Tendermint consensus (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus", 2018, Algorithm 1) as a pure
 * state machine: `step(state, event) -> { state, outputs }`. No clock, no network, no signatures: the driver turns
 * outputs into effects and effects back into events. Line numbers in comments are Algorithm 1's.
 * Specification, rules, deviations and the safety argument: docs/spec/consensus.md
 *
 * Cost: an event touches one round; the touched round's records are copied (O(validators)), the rest is shared.
 */
import { assert } from '../assert.js';
import type { CommitSignature } from '../block.js';
import { PROPOSALS_PER_ROUND_MAX, ROUNDS_AHEAD_MAX, VOTE_VALUES_PER_VALIDATOR_MAX, isOneThird, isQuorum, timeoutMs } from './params.js';
import { proposerOfSorted } from './proposer.js';
import { emptyRound, freshHeight, sameMessage, signedKey } from './state.js';
import type {
  ConsensusEvent,
  ConsensusOutput,
  ConsensusState,
  Proposal,
  RoundState,
  Step,
  UnsignedMessage,
  Vote,
  VoteSet,
} from './types.js';

/** Key of nil votes in VoteSet.powerByValue (a block hash is 64 hex characters, so it cannot collide). */
export const NIL_KEY = 'nil';
const BLOCK_HASH_RE = /^[0-9a-f]{64}$/;
/** Rule firings per event: each firing advances the step, the round or a once-per-round flag, so a few suffice. */
const FIRINGS_PER_EVENT_MAX = 64;

export function step(state: ConsensusState, event: ConsensusEvent): { state: ConsensusState; outputs: ConsensusOutput[] } {
  const m = new Machine(state);
  switch (event.type) {
    case 'start-height':
      m.onStartHeight(event.height);
      break;
    case 'proposal':
      m.onProposal(event.proposal, event.valid);
      break;
    case 'vote':
      m.onVote(event.vote);
      break;
    case 'timeout':
      m.onTimeout(event.step, event.height, event.round);
      break;
    case 'value':
      m.onValue(event.height, event.round, event.blockHash);
      break;
  }
  return m.changed ? { state: m.s, outputs: m.out } : { state, outputs: m.out };
}

/** The proposer of (state.height, round) under the state's validator set. */
export function proposerOf(state: ConsensusState, round: number): string {
  return proposerOfSorted(state.validators, state.totalPower, state.height, round);
}

/** The value with more than 2/3 of the votes in `votes` (NIL_KEY for nil), or null. */
export function quorumValue(votes: VoteSet, totalPower: number): string | null {
  for (const [value, power] of Object.entries(votes.powerByValue)) if (isQuorum(power, totalPower)) return value;
  return null;
}

function isRound(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isBlockHash(h: unknown): h is string {
  return typeof h === 'string' && BLOCK_HASH_RE.test(h);
}

/** One event's worth of work on a copy-on-write view of the state. */
class Machine {
  s: ConsensusState;
  readonly out: ConsensusOutput[] = [];
  changed = false;
  private roundsCopied = false;
  private readonly copiedRounds = new Set<number>();
  private signedCopied = false;

  constructor(private readonly original: ConsensusState) {
    this.s = original;
  }

  // ---- copy-on-write ---------------------------------------------------------------------------------------------

  /** The writable state: a shallow copy made on first write. */
  private w(): ConsensusState {
    if (!this.changed) {
      this.s = { ...this.original };
      this.changed = true;
    }
    return this.s;
  }

  private roundOf(r: number): RoundState | undefined {
    return this.s.rounds[String(r)];
  }

  /** The writable record of round r, created if missing; copied (with its inner records) once per event. */
  private mutRound(r: number): RoundState {
    const s = this.w();
    if (!this.roundsCopied) {
      s.rounds = { ...s.rounds };
      this.roundsCopied = true;
    }
    const key = String(r);
    if (!this.copiedRounds.has(r)) {
      const old = s.rounds[key];
      s.rounds[key] = old === undefined ? emptyRound() : copyRound(old);
      this.copiedRounds.add(r);
    }
    const rs = s.rounds[key];
    assert(rs !== undefined, 'round record exists after mutRound');
    return rs;
  }

  private get amValidator(): boolean {
    const self = this.s.self;
    return self !== null && Object.hasOwn(this.s.powers, self);
  }

  private isProposer(round: number): boolean {
    return this.amValidator && proposerOf(this.s, round) === this.s.self;
  }

  // ---- events ----------------------------------------------------------------------------------------------------

  onStartHeight(height: number): void {
    if (!Number.isSafeInteger(height) || height < this.s.height) return;
    if (height === this.s.height && this.s.started) return;
    if (height > this.s.height) {
      // The driver stored this height's predecessor by other means (sync): start afresh, as at line 53.
      Object.assign(this.w(), freshHeight(height));
      this.roundsCopied = false;
      this.copiedRounds.clear();
      this.signedCopied = false;
    }
    this.w().started = true;
    if (Object.keys(this.s.signed).length === 0) this.startRound(0);
    else this.resume();
    this.progressAll();
  }

  onProposal(p: Proposal, valid: boolean): void {
    const s = this.s;
    if (p.type !== 'proposal' || p.height !== s.height || !isRound(p.round) || p.round > s.round + ROUNDS_AHEAD_MAX) return;
    if (!Number.isSafeInteger(p.validRound) || p.validRound < -1 || p.validRound >= p.round || !isBlockHash(p.blockHash)) return;
    if (p.from !== proposerOf(s, p.round)) return;
    const existing = this.roundOf(p.round)?.proposals ?? [];
    if (existing.length >= PROPOSALS_PER_ROUND_MAX || existing.some((q) => q.blockHash === p.blockHash)) return;
    const rs = this.mutRound(p.round);
    rs.proposals.push({ validRound: p.validRound, blockHash: p.blockHash, valid: valid === true });
    this.addSender(rs, p.from);
    this.progress(p.round);
  }

  onVote(v: Vote): void {
    const s = this.s;
    if ((v.type !== 'prevote' && v.type !== 'precommit') || v.height !== s.height || !isRound(v.round)) return;
    if (v.round > s.round + ROUNDS_AHEAD_MAX || !Object.hasOwn(s.powers, v.from)) return;
    if (v.blockHash !== null && !isBlockHash(v.blockHash)) return;
    if (typeof v.sig !== 'string') return;
    const kind = v.type === 'prevote' ? 'prevotes' : 'precommits';
    const before = this.roundOf(v.round)?.[kind].byValidator[v.from] ?? [];
    if (before.some((r) => r.blockHash === v.blockHash) || before.length >= VOTE_VALUES_PER_VALIDATOR_MAX) return;
    const rs = this.mutRound(v.round);
    const votes = rs[kind];
    const power = s.powers[v.from] ?? 0;
    const key = v.blockHash ?? NIL_KEY;
    votes.byValidator[v.from] = [...before, { blockHash: v.blockHash, sig: v.sig }];
    votes.powerByValue[key] = (votes.powerByValue[key] ?? 0) + power;
    const first = before[0];
    if (first === undefined) {
      votes.powerAny += power;
      this.addSender(rs, v.from);
    } else if (before.length === 1) {
      this.reportEquivocation(v, first);
    }
    this.progress(v.round);
  }

  onTimeout(timeoutStep: Step, height: number, round: number): void {
    const s = this.s;
    if (!s.started || height !== s.height || round !== s.round) return;
    if (timeoutStep === 'propose' && s.step === 'propose') {
      // lines 57–60: OnTimeoutPropose
      this.broadcastVote('prevote', null);
      this.w().step = 'prevote';
    } else if (timeoutStep === 'prevote' && s.step === 'prevote') {
      // lines 61–64: OnTimeoutPrevote
      this.broadcastVote('precommit', null);
      this.w().step = 'precommit';
    } else if (timeoutStep === 'precommit') {
      // lines 65–67: OnTimeoutPrecommit
      this.startRound(s.round + 1);
    } else {
      return;
    }
    this.progress(this.s.round);
  }

  onValue(height: number, round: number, blockHash: string): void {
    const s = this.s;
    if (!s.started || height !== s.height || round !== s.round || s.step !== 'propose' || !isBlockHash(blockHash)) return;
    if (!this.isProposer(round) || s.validValue !== null || s.signed[signedKey(round, 'proposal')] !== undefined) return;
    // line 18–19: proposal ← getValue(); broadcast ⟨PROPOSAL, h_p, round_p, proposal, validRound_p (= −1)⟩
    this.sign({ type: 'proposal', height, round, validRound: -1, blockHash, from: this.s.self as string });
  }

  // ---- rules -----------------------------------------------------------------------------------------------------

  /** lines 11–21: StartRound(round). Deviation: every process schedules timeoutPropose, the proposer too. */
  private startRound(round: number): void {
    const s = this.w();
    s.round = round;
    s.step = 'propose';
    if (this.isProposer(round)) {
      const restored = s.signed[signedKey(round, 'proposal')];
      if (restored !== undefined) this.out.push({ type: 'broadcast', message: restored });
      else if (s.validValue !== null) {
        this.sign({ type: 'proposal', height: s.height, round, validRound: s.validRound, blockHash: s.validValue, from: s.self as string });
      } else this.out.push({ type: 'get-value', height: s.height, round });
    }
    this.scheduleTimeout('propose', round);
  }

  /**
   * Re-entering a height after restoreConsensus: resend what we signed in the current round (identical bytes, which
   * the guard allows) and re-arm the current step's timeout, since the timers died with the process.
   */
  private resume(): void {
    const s = this.s;
    for (const type of ['proposal', 'prevote', 'precommit'] as const) {
      const m = s.signed[signedKey(s.round, type)];
      if (m !== undefined) this.out.push({ type: 'broadcast', message: m });
    }
    this.scheduleTimeout(s.step, s.round);
  }

  /** After start or resume: decide from any stored round, then skip to the highest round with f+1 senders. */
  private progressAll(): void {
    const rounds = Object.keys(this.s.rounds).map(Number).sort((a, b) => a - b);
    for (const r of rounds) if (this.tryDecide(r)) return;
    for (const r of rounds.reverse()) {
      if (r > this.s.round && this.canSkipTo(r)) {
        this.startRound(r);
        break;
      }
    }
    this.progress(this.s.round);
  }

  /** Apply every rule that an event touching round `touched` may have enabled, until none fires. */
  private progress(touched: number): void {
    for (let i = 0; i < FIRINGS_PER_EVENT_MAX; i++) {
      const s = this.s;
      if (!s.started) return;
      if (this.tryDecide(touched) || (touched !== s.round && this.tryDecide(s.round))) return;
      if (touched > s.round && this.canSkipTo(touched)) {
        // lines 55–56: f + 1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p → StartRound(round)
        this.startRound(touched);
        continue;
      }
      if (!this.applyCurrentRoundRule()) return;
    }
    assert(false, `consensus rules settle within ${FIRINGS_PER_EVENT_MAX} firings`);
  }

  private canSkipTo(r: number): boolean {
    const rs = this.roundOf(r);
    return rs !== undefined && isOneThird(rs.senderPower, this.s.totalPower);
  }

  /** Fires at most one rule of the current round (lines 22–48); true if one fired. */
  private applyCurrentRoundRule(): boolean {
    const s = this.s;
    const r = s.round;
    const rs = this.roundOf(r);
    if (rs === undefined) return false;
    if (s.step === 'propose' && this.applyProposalRule(rs)) return true;
    if (s.step !== 'propose' && this.applyPrevoteRules(rs)) return true;
    if (s.firedLine47Round !== r && isQuorum(rs.precommits.powerAny, s.totalPower)) {
      // lines 47–48 (in any step)
      this.w().firedLine47Round = r;
      this.scheduleTimeout('precommit', r);
      return true;
    }
    return false;
  }

  /** lines 22–33, in step propose. */
  private applyProposalRule(rs: RoundState): boolean {
    const s = this.s;
    for (const p of rs.proposals) {
      if (p.validRound === -1) {
        // lines 22–27
        const ok = p.valid && (s.lockedRound === -1 || s.lockedValue === p.blockHash);
        this.broadcastVote('prevote', ok ? p.blockHash : null);
        this.w().step = 'prevote';
        return true;
      }
      const polka = this.roundOf(p.validRound);
      if (polka !== undefined && this.hasQuorumFor(polka.prevotes, p.blockHash)) {
        // lines 28–33 (0 ≤ vr < round_p is checked on receipt)
        const ok = p.valid && (s.lockedRound <= p.validRound || s.lockedValue === p.blockHash);
        this.broadcastVote('prevote', ok ? p.blockHash : null);
        this.w().step = 'prevote';
        return true;
      }
    }
    return false;
  }

  /** lines 34–46, in step prevote or precommit. */
  private applyPrevoteRules(rs: RoundState): boolean {
    const s = this.s;
    const r = s.round;
    if (s.step === 'prevote' && s.firedLine34Round !== r && isQuorum(rs.prevotes.powerAny, s.totalPower)) {
      // lines 34–35
      this.w().firedLine34Round = r;
      this.scheduleTimeout('prevote', r);
      return true;
    }
    const polka = quorumValue(rs.prevotes, s.totalPower);
    if (polka !== null && polka !== NIL_KEY && s.firedLine36Round !== r && rs.proposals.some((p) => p.blockHash === polka && p.valid)) {
      // lines 36–43 (step ≥ prevote here)
      const w = this.w();
      w.firedLine36Round = r;
      if (s.step === 'prevote') {
        w.lockedValue = polka;
        w.lockedRound = r;
        this.broadcastVote('precommit', polka);
        w.step = 'precommit';
      }
      w.validValue = polka;
      w.validRound = r;
      return true;
    }
    if (s.step === 'prevote' && polka === NIL_KEY) {
      // lines 44–46
      this.broadcastVote('precommit', null);
      this.w().step = 'precommit';
      return true;
    }
    return false;
  }

  /** lines 49–54: a valid proposal from round r's proposer and 2f + 1 precommits for it decide the height. */
  private tryDecide(r: number): boolean {
    const s = this.s;
    const rs = this.roundOf(r);
    if (rs === undefined) return false;
    const value = quorumValue(rs.precommits, s.totalPower);
    if (value === null || value === NIL_KEY || !rs.proposals.some((p) => p.blockHash === value && p.valid)) return false;
    const signatures: CommitSignature[] = [];
    for (const [validator, votes] of Object.entries(rs.precommits.byValidator)) {
      const vote = votes.find((x) => x.blockHash === value);
      if (vote !== undefined) signatures.push({ validator, sig: vote.sig });
    }
    signatures.sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
    const height = s.height;
    this.out.push({ type: 'decide', height, round: r, blockHash: value, commit: { height, round: r, blockHash: value, signatures } });
    // lines 51–53; StartRound(0) of the next height waits for 'start-height' (the driver stores the block first)
    const w = this.w();
    Object.assign(w, freshHeight(height + 1));
    w.lastDecision = { height, round: r, blockHash: value };
    this.roundsCopied = false;
    this.copiedRounds.clear();
    this.signedCopied = false;
    return true;
  }

  // ---- helpers ---------------------------------------------------------------------------------------------------

  private hasQuorumFor(votes: VoteSet, blockHash: string): boolean {
    return isQuorum(votes.powerByValue[blockHash] ?? 0, this.s.totalPower);
  }

  private addSender(rs: RoundState, from: string): void {
    if (Object.hasOwn(rs.senders, from)) return;
    rs.senders[from] = true;
    rs.senderPower += this.s.powers[from] ?? 0;
  }

  private reportEquivocation(v: Vote, first: { blockHash: string | null; sig: string }): void {
    const voteA: Vote = { type: v.type, height: v.height, round: v.round, blockHash: first.blockHash, from: v.from, sig: first.sig };
    const voteB: Vote = { type: v.type, height: v.height, round: v.round, blockHash: v.blockHash, from: v.from, sig: v.sig };
    this.out.push({ type: 'evidence', evidence: { type: 'duplicate-vote', validator: v.from, voteA, voteB } });
  }

  private scheduleTimeout(timeoutStep: Step, round: number): void {
    const s = this.s;
    this.out.push({ type: 'schedule-timeout', step: timeoutStep, height: s.height, round, durationMs: timeoutMs(s.timeouts, timeoutStep, round) });
  }

  private broadcastVote(type: Vote['type'], blockHash: string | null): void {
    const s = this.s;
    if (!this.amValidator) return;
    this.sign({ type, height: s.height, round: s.round, blockHash, from: s.self as string });
  }

  /**
   * Record what we sign and ask the driver to sign and send it. A validator that restarted may find it already
   * signed something for this (round, type): then it sends nothing new (never a conflicting message).
   */
  private sign(message: UnsignedMessage): void {
    if (!this.amValidator) return;
    const key = signedKey(message.round, message.type);
    const before = this.s.signed[key];
    if (before !== undefined) {
      if (!sameMessage(before, message)) return;
      this.out.push({ type: 'broadcast', message: before });
      return;
    }
    const s = this.w();
    if (!this.signedCopied) {
      s.signed = { ...s.signed };
      this.signedCopied = true;
    }
    s.signed[key] = message;
    this.out.push({ type: 'broadcast', message });
  }
}

function copyVoteSet(v: VoteSet): VoteSet {
  return { byValidator: { ...v.byValidator }, powerByValue: { ...v.powerByValue }, powerAny: v.powerAny };
}

function copyRound(r: RoundState): RoundState {
  return {
    proposals: [...r.proposals],
    prevotes: copyVoteSet(r.prevotes),
    precommits: copyVoteSet(r.precommits),
    senders: { ...r.senders },
    senderPower: r.senderPower,
  };
}
