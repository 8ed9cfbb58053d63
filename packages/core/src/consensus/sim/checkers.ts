/**
 * The simulator's checkers. They sit outside the code under test: they see only what a driver sees (messages signed,
 * votes delivered, decisions, evidence, stored blocks) and recompute quorums themselves. docs/spec/consensus.md#checkers
 */
import type { Commit } from '../../block.js';
import { ROUNDS_AHEAD_MAX } from '../params.js';
import type { UnsignedMessage, Vote, VoteEvidence } from '../types.js';
import { fakeSigValid } from './fakesig.js';

export type ViolationKind =
  | 'agreement'
  | 'validity'
  | 'double-sign'
  | 'evidence-missing'
  | 'evidence-bogus'
  | 'liveness'
  | 'event-limit'
  /** the code under test threw where it must not (the real-driver simulator) */
  | 'exception'
  /** an honest node checked more blocks at one height than the rules allow (the real-driver simulator; CONS-PROPOSAL-1) */
  | 'check-bound'
  /** a membership change the run drove did not take effect on every live honest node (the real-driver simulator) */
  | 'membership';

export interface Violation {
  kind: ViolationKind;
  atMs: number;
  message: string;
}

export interface CheckerConfig {
  validators: ReadonlyArray<{ key: string; power: number }>;
  /** keys of the validators that follow the protocol (crashes allowed) */
  honest: ReadonlySet<string>;
  /** the honest validity function: is this a valid block for this height? */
  blockValid(blockHash: string, height: number): boolean;
  /** checks a vote's signature (default: the step-level simulator's fake signatures) */
  sigValid?: (v: Vote) => boolean;
  /** the validators of a height when the set changes by decision (docs/spec/consensus.md#membership); default `validators` */
  validatorsAt?: (height: number) => ReadonlyArray<{ key: string; power: number }>;
}

/** Agreement, validity, no double-signing by honest nodes, evidence for every equivocation seen, liveness. */
export class Checkers {
  readonly violations: Violation[] = [];
  /** decided (or stored) block per height, and who first reported it */
  private readonly chain = new Map<number, { blockHash: string; by: string }>();
  private readonly signedBy = new Map<string, string>();
  /** per node: the first vote its current incarnation accepted at its current height, by round/type/validator */
  private readonly firstVote = new Map<string, { incarnation: number; height: number; votes: Map<string, string> }>();
  private readonly expectedEvidence = new Map<string, { atMs: number; node: string }>();
  private readonly reportedEvidence = new Set<string>();
  private readonly power = new Map<string, number>();
  private readonly totalPower: number;
  private readonly sigValid: (v: Vote) => boolean;
  decisions = 0;
  evidenceReported = 0;

  constructor(private readonly cfg: CheckerConfig) {
    for (const v of cfg.validators) this.power.set(v.key, v.power);
    this.totalPower = cfg.validators.reduce((s, v) => s + v.power, 0);
    this.sigValid = cfg.sigValid ?? fakeSigValid;
  }

  /** A violation found by a check outside this class (the real-driver simulator's own observations). */
  report(kind: ViolationKind, atMs: number, message: string): void {
    this.fail(kind, atMs, message);
  }

  /** Evidence a node recorded, known only by the validator it names: it must not name an honest one. */
  onEvidenceRecord(node: string, validator: string, atMs: number): void {
    this.evidenceReported++;
    if (this.cfg.honest.has(validator)) this.fail('evidence-bogus', atMs, `${node} recorded evidence against honest ${validator}`);
  }

  private fail(kind: ViolationKind, atMs: number, message: string): void {
    this.violations.push({ kind, atMs, message });
  }

  /** Every message an honest node's state machine asked to sign (before the driver's guard). */
  onSigned(node: string, m: UnsignedMessage, atMs: number): void {
    const key = `${node}/${m.height}/${m.round}/${m.type}`;
    const content = m.type === 'proposal' ? `${m.blockHash}/${m.validRound}` : String(m.blockHash);
    const before = this.signedBy.get(key);
    if (before === undefined) this.signedBy.set(key, content);
    else if (before !== content) this.fail('double-sign', atMs, `${node} signed ${m.type} h=${m.height} r=${m.round} for ${before} and ${content}`);
  }

  /** A 'decide' output of an honest node. */
  onDecide(node: string, d: { height: number; round: number; blockHash: string; commit: Commit }, atMs: number): void {
    this.decisions++;
    if (!this.cfg.blockValid(d.blockHash, d.height)) this.fail('validity', atMs, `${node} decided invalid block ${short(d.blockHash)} at h=${d.height}`);
    const c = d.commit;
    if (c.height !== d.height || c.round !== d.round || c.blockHash !== d.blockHash) {
      this.fail('validity', atMs, `${node}'s commit at h=${d.height} does not match its decision`);
    }
    this.checkCommit(node, c, atMs);
    this.agree(node, d.height, d.blockHash, atMs);
  }

  /** A block an honest node stored after syncing it from a peer (its driver checked the commit). */
  onStore(node: string, height: number, blockHash: string, commit: Commit, atMs: number): void {
    if (!this.cfg.blockValid(blockHash, height)) this.fail('validity', atMs, `${node} stored invalid block ${short(blockHash)} at h=${height}`);
    this.checkCommit(node, commit, atMs);
    this.agree(node, height, blockHash, atMs);
  }

  private checkCommit(node: string, c: Commit, atMs: number): void {
    const seen = new Set<string>();
    let signed = 0;
    const set = this.cfg.validatorsAt?.(c.height);
    const power = set === undefined ? this.power : new Map(set.map((v) => [v.key, v.power]));
    const totalPower = set === undefined ? this.totalPower : set.reduce((s, v) => s + v.power, 0);
    for (const s of c.signatures) {
      const p = power.get(s.validator);
      const vote = { type: 'precommit' as const, height: c.height, round: c.round, blockHash: c.blockHash, from: s.validator, sig: s.sig };
      if (p === undefined || seen.has(s.validator) || !this.sigValid(vote)) {
        this.fail('validity', atMs, `${node}'s commit at h=${c.height} has a bad signature entry for ${s.validator}`);
        return;
      }
      seen.add(s.validator);
      signed += p;
    }
    if (3 * signed <= 2 * totalPower) this.fail('validity', atMs, `${node}'s commit at h=${c.height} has ${signed}/${totalPower} power`);
  }

  private agree(node: string, height: number, blockHash: string, atMs: number): void {
    const known = this.chain.get(height);
    if (known === undefined) this.chain.set(height, { blockHash, by: node });
    else if (known.blockHash !== blockHash) {
      this.fail('agreement', atMs, `h=${height}: ${known.by} has ${short(known.blockHash)}, ${node} has ${short(blockHash)}`);
    }
  }

  /**
   * A vote about to be given to an honest node's state machine, with that node's height and round. A node keeps the
   * first vote per (validator, round, type) of its current height within ROUNDS_AHEAD_MAX rounds; a second, different
   * one in the same incarnation must produce evidence.
   */
  onVoteDelivered(node: string, incarnation: number, v: Vote, nodeHeight: number, nodeRound: number, atMs: number): void {
    if (v.height !== nodeHeight || v.round > nodeRound + ROUNDS_AHEAD_MAX || !this.power.has(v.from) || !this.sigValid(v)) return;
    let mem = this.firstVote.get(node);
    if (mem === undefined || mem.incarnation !== incarnation || mem.height !== nodeHeight) {
      mem = { incarnation, height: nodeHeight, votes: new Map() };
      this.firstVote.set(node, mem);
    }
    const key = `${v.round}/${v.type}/${v.from}`;
    const first = mem.votes.get(key);
    const value = String(v.blockHash);
    if (first === undefined) mem.votes.set(key, value);
    else if (first !== value) {
      const ev = evidenceKey(node, v.from, v.height, v.round, v.type);
      if (!this.expectedEvidence.has(ev)) this.expectedEvidence.set(ev, { atMs, node });
    }
  }

  onEvidence(node: string, e: VoteEvidence, atMs: number): void {
    const { voteA: a, voteB: b } = e;
    const genuine =
      a.from === e.validator && b.from === e.validator && a.type === b.type && a.height === b.height && a.round === b.round &&
      a.blockHash !== b.blockHash && this.sigValid(a) && this.sigValid(b);
    if (!genuine) this.fail('evidence-bogus', atMs, `${node} reported evidence that does not prove equivocation by ${e.validator}`);
    if (this.cfg.honest.has(e.validator)) this.fail('evidence-bogus', atMs, `${node} reported evidence against honest ${e.validator}`);
    this.evidenceReported++;
    this.reportedEvidence.add(evidenceKey(node, e.validator, a.height, a.round, a.type));
  }

  /** At the end of a run: every expected evidence reported; every live honest node at the required height. */
  finish(live: ReadonlyArray<{ key: string; storedHeight: number }>, requiredHeight: number, atMs: number, livenessDeadlineMs: number): void {
    for (const [k, { atMs: t, node }] of this.expectedEvidence) {
      if (!this.reportedEvidence.has(k)) this.fail('evidence-missing', t, `${node} saw an equivocation (${k}) and reported no evidence`);
    }
    const behind = live.filter((n) => n.storedHeight < requiredHeight);
    if (behind.length > 0) {
      const who = behind.map((n) => `${n.key}@${n.storedHeight}`).join(', ');
      this.fail('liveness', atMs, `by ${livenessDeadlineMs} ms, ${who} had not stored height ${requiredHeight}`);
    }
  }

  get equivocationsSeen(): number {
    return this.expectedEvidence.size;
  }

  get decidedHeights(): number {
    return this.chain.size;
  }
}

function evidenceKey(node: string, validator: string, height: number, round: number, type: string): string {
  return `${node}/${validator}/${height}/${round}/${type}`;
}

function short(hash: string): string {
  return hash.slice(0, 8);
}
