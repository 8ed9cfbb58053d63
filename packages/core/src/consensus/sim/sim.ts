/**
 * A deterministic, seeded simulator of a validator cluster running the real `step`: simulated clock and event queue,
 * message delay, drop, duplication and reordering, partitions that heal, crashes with restart from persisted state,
 * and Byzantine validators (equivocating proposals and votes, invalid blocks, silence). Each node's "driver" is
 * modelled as the node driver must behave: sign, write the double-sign guard before sending, feed its own messages
 * back, schedule timeouts, build blocks, store and persist on decide, gossip and sync. Pure: a run is a function of
 * its options. Fault model and checkers: docs/spec/consensus.md#simulator
 */
import { sha256Hex } from '../../crypto.js';
import type { Commit } from '../../block.js';
import { initConsensus, restoreConsensus } from '../state.js';
import { step } from '../step.js';
import type { ConsensusEvent, ConsensusMessage, ConsensusOutput, ConsensusState, Proposal, UnsignedMessage, Vote } from '../types.js';
import { Checkers, type Violation } from './checkers.js';
import { fakeSig, fakeSigValid } from './fakesig.js';
import { Prng } from './prng.js';
import { EventQueue, type Timed } from './queue.js';

export type InjectedBug =
  /** f + 1 colluding Byzantine validators: more than the algorithm tolerates (the checkers must catch it) */
  | 'byzantine-over-f'
  /** honest drivers lose lockedValue/lockedRound before every event (amnesia) */
  | 'forget-locks'
  /** honest drivers keep no double-sign guard: a restarted node forgets what it signed at the current height */
  | 'no-double-sign-guard'
  /** honest drivers lose their message log in a crash: a restarted node may hold a lock whose polka nobody can show */
  | 'no-message-log';

export interface SimOptions {
  seed: number;
  /** validators, equal power (default 4) */
  validators?: number;
  /** liveness: after GST, every live honest node must store this many more heights than the highest at GST (default 3) */
  heightsAfterGst?: number;
  /** inject network faults, crashes and Byzantine validators (default true) */
  faults?: boolean;
  /** exact number of Byzantine validators (default: random in [0, f] when faults are on) */
  byzantine?: number;
  /** random voting powers 1..5 instead of equal ones; Byzantine (and permanently crashed) power stays below 1/3 */
  weighted?: boolean;
  /** test only: break an assumption so the checkers can be seen to fail */
  inject?: InjectedBug;
  /** collect a human-readable trace */
  trace?: boolean;
}

export const FAULT_KINDS = [
  'drop',
  'duplicate',
  'reorder',
  'delay-spike',
  'partition',
  'partition-drop',
  'crash',
  'restart',
  'permanent-crash',
  'byzantine',
  'equivocating-proposal',
  'equivocating-vote',
  'invalid-proposal',
  'invalid-vote',
  'silent',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SimResult {
  seed: number;
  validators: number;
  /** voting power of each validator, in key order */
  powers: number[];
  f: number;
  byzantine: string[];
  gstMs: number;
  endMs: number;
  /** lowest height stored by every live honest node */
  decidedHeight: number;
  requiredHeight: number;
  /** highest round in which any honest node decided */
  maxDecisionRound: number;
  /** simulated time from GST until the last live honest node reached the required height */
  recoveryMs: number;
  faults: Record<FaultKind, number>;
  /** evidence outputs by honest nodes, and equivocations honest nodes were shown (each must have produced evidence) */
  evidenceReported: number;
  equivocationsSeen: number;
  violations: Violation[];
  events: number;
  steps: number;
  trace: string[];
}

/** Assumed bound on message delay after GST, and the delay spread before it. */
const DELTA_MS = 100;
const GOSSIP_INTERVAL_MS = 1000;
const SYNC_BLOCKS_MAX = 16;
const SYNC_REQUEST_GAP_MS = 200;
const WAL_MESSAGES_MAX = 4096;
const EVENTS_MAX = 2_000_000;
/** Liveness bound after GST: generous against growing timeouts (rounds reached during faults carry their length). */
const LIVENESS_BASE_MS = 60_000;
const LIVENESS_PER_HEIGHT_MS = 10_000;

interface StoredBlock {
  height: number;
  round: number;
  blockHash: string;
  commit: Commit;
}

interface ByzantineProfile {
  equivocate: boolean;
  invalid: boolean;
  silent: boolean;
}

interface SimNode {
  index: number;
  key: string;
  byzantine: ByzantineProfile | null;
  up: boolean;
  permanentlyDown: boolean;
  incarnation: number;
  state: ConsensusState;
  /** JSON of the state as of the last stored block: what survives a crash */
  persisted: string;
  /** the driver's write-ahead double-sign record, by `${height}/${round}/${type}`: survives a crash */
  guard: Map<string, UnsignedMessage>;
  store: Map<number, StoredBlock>;
  storedHeight: number;
  /**
   * The driver's message log (WAL) for the current height: every consensus message received or sent, persisted
   * before it is given to the state machine; replayed on restart, re-sent by gossip. Survives a crash.
   */
  wal: Map<string, ConsensusMessage>;
  walHeight: number;
  lastStoreMs: number;
  lastSyncRequestMs: Map<number, number>;
}

type NetMsg =
  | { kind: 'consensus'; msg: ConsensusMessage }
  | { kind: 'status'; height: number }
  | { kind: 'blocks'; blocks: StoredBlock[] };

type SimEventBody =
    | { kind: 'deliver'; to: number; from: number; linkSeq: number; msg: NetMsg }
    | { kind: 'local'; to: number; incarnation: number; event: ConsensusEvent }
    | { kind: 'gossip'; node: number }
    | { kind: 'crash'; node: number; permanent: boolean }
    | { kind: 'restart'; node: number }
    | { kind: 'partition'; groups: number[] }
    | { kind: 'heal' }
    | { kind: 'gst' };
type SimEvent = Timed & SimEventBody;

interface NetworkParams {
  gstMs: number;
  dropP: number;
  dupP: number;
  delayMaxMs: number;
  spikeP: number;
  spikeMaxMs: number;
}

export function runSim(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation {
  private readonly rng: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private seq = 0;
  private nowMs = 0;
  private readonly nodes: SimNode[] = [];
  private readonly n: number;
  private readonly f: number;
  private readonly chainId: string;
  private readonly validators: { publicKey: string; power: number }[];
  private readonly totalPower: number;
  private readonly net: NetworkParams;
  private readonly blocks = new Map<string, { height: number; valid: boolean }>();
  private readonly checkers: Checkers;
  private readonly faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  private readonly trace: string[] = [];
  private partition: number[] | null = null;
  private readonly linkSent = new Map<string, number>();
  private readonly linkDelivered = new Map<string, number>();
  /** what colluding Byzantine nodes show each half of the honest nodes in a round where one of them proposes */
  private readonly coalition = new Map<string, { a: string; b: string }>();
  private readonly knownHashes = new Map<number, string[]>();
  private readonly invalidHashes = new Map<number, string[]>();
  private gstReached = false;
  private requiredHeight = Number.POSITIVE_INFINITY;
  private readonly heightsAfterGst: number;
  private steps = 0;
  private events = 0;
  private maxDecisionRound = 0;
  private recoveredAtMs = -1;

  constructor(private readonly options: SimOptions) {
    this.rng = new Prng(options.seed);
    this.n = options.validators ?? 4;
    this.f = Math.floor((this.n - 1) / 3);
    this.heightsAfterGst = options.heightsAfterGst ?? 3;
    this.chainId = `sim-${options.seed}`;
    const keys = Array.from({ length: this.n }, (_, i) => `val${String(i).padStart(2, '0')}`);
    this.validators = keys.map((publicKey) => ({ publicKey, power: options.weighted ? this.rng.int(1, 5) : 1 }));
    this.totalPower = this.validators.reduce((sum, v) => sum + v.power, 0);
    const faultsOn = options.faults ?? true;
    this.net = faultsOn ? this.randomNetwork() : { gstMs: 0, dropP: 0, dupP: 0, delayMaxMs: 40, spikeP: 0, spikeMaxMs: 0 };

    const byzWanted =
      options.inject === 'byzantine-over-f'
        ? this.f + 1
        : (options.byzantine ?? (faultsOn && this.f > 0 && this.rng.chance(0.6) ? this.rng.int(1, this.f) : 0));
    const byzIdx = new Set<number>();
    for (const i of this.rng.shuffle(keys.map((_, j) => j))) {
      if (byzIdx.size >= byzWanted) break;
      // tolerated: Byzantine power below 1/3 (the over-f bug takes f + 1 nodes whatever their power)
      if (options.inject === 'byzantine-over-f' || 3 * (this.powerOfIndices(byzIdx) + this.power(i)) < this.totalPower) byzIdx.add(i);
    }
    for (const [i, key] of keys.entries()) {
      const byzantine = byzIdx.has(i) ? this.byzantineProfile() : null;
      const state = initConsensus({ chainId: this.chainId, validators: this.validators, self: key, height: 1 });
      this.nodes.push({
        index: i,
        key,
        byzantine,
        up: true,
        permanentlyDown: false,
        incarnation: 0,
        state,
        persisted: JSON.stringify(state),
        guard: new Map(),
        store: new Map(),
        storedHeight: 0,
        wal: new Map(),
        walHeight: 1,
        lastStoreMs: 0,
        lastSyncRequestMs: new Map(),
      });
      if (byzantine) {
        this.faults.byzantine++;
        if (byzantine.silent) this.faults.silent++;
      }
    }
    const honest = new Set(this.nodes.filter((x) => !x.byzantine).map((x) => x.key));
    this.checkers = new Checkers({
      validators: this.validators.map((v) => ({ key: v.publicKey, power: v.power })),
      honest,
      blockValid: (hash, height) => this.blockValid(hash, height),
    });
    if (faultsOn) this.scheduleFaults(byzIdx);
    this.log(`seed ${options.seed}: n=${this.n} powers=[${this.validators.map((v) => v.power).join(',')}] f=${this.f} byzantine=[${this.byzantineKeys().join(', ')}] gst=${this.net.gstMs}ms ` +
      `drop=${this.net.dropP.toFixed(2)} dup=${this.net.dupP.toFixed(2)} delay≤${this.net.delayMaxMs}ms spike=${this.net.spikeP.toFixed(2)}`);
  }

  // ---- setup -----------------------------------------------------------------------------------------------------

  private randomNetwork(): NetworkParams {
    const r = this.rng;
    return {
      gstMs: r.int(1500, 8000),
      dropP: r.pick([0, 0.02, 0.1, 0.25]),
      dupP: r.float() * 0.1,
      delayMaxMs: r.int(10, 400),
      spikeP: r.chance(0.5) ? r.float() * 0.05 : 0,
      spikeMaxMs: r.int(500, 3000),
    };
  }

  private byzantineProfile(): ByzantineProfile {
    if (this.options.inject === 'byzantine-over-f') return { equivocate: true, invalid: false, silent: false };
    const kind = this.rng.int(0, 4);
    return { equivocate: kind <= 2, invalid: kind === 1 || kind === 3, silent: kind === 4 };
  }

  private power(i: number): number {
    return this.validators[i]?.power ?? 0;
  }

  private powerOfIndices(indices: Iterable<number>): number {
    let sum = 0;
    for (const i of indices) sum += this.power(i);
    return sum;
  }

  private scheduleFaults(byzIdx: ReadonlySet<number>): void {
    const r = this.rng;
    const gst = this.net.gstMs;
    for (let i = r.int(0, 2); i > 0; i--) {
      const start = r.int(0, gst - 100);
      const end = Math.min(gst, start + r.int(200, 4000));
      const groups = this.nodes.map(() => r.int(0, 1));
      if (groups.every((g) => g === groups[0])) groups[0] = 1 - (groups[0] ?? 0);
      this.push({ atMs: start, kind: 'partition', groups });
      this.push({ atMs: end, kind: 'heal' });
    }
    const honest = this.nodes.filter((x) => !x.byzantine).map((x) => x.index);
    for (let i = r.int(0, 2); i > 0; i--) {
      const node = r.pick(honest);
      const at = r.int(0, gst - 100);
      this.push({ atMs: at, kind: 'crash', node, permanent: false });
      this.push({ atMs: Math.min(gst, at + r.int(100, 4000)), kind: 'restart', node });
    }
    const victim = r.pick(honest);
    if (r.chance(0.15) && 3 * (this.powerOfIndices(byzIdx) + this.power(victim)) < this.totalPower) {
      this.push({ atMs: r.int(0, gst), kind: 'crash', node: victim, permanent: true });
    }
    this.push({ atMs: gst, kind: 'gst' });
  }

  // ---- main loop -------------------------------------------------------------------------------------------------

  run(): SimResult {
    if (this.options.faults === false) this.push({ atMs: 0, kind: 'gst' });
    for (const node of this.nodes) {
      this.local(node, { type: 'start-height', height: 1 }, 0);
      this.push({ atMs: this.rng.int(0, GOSSIP_INTERVAL_MS), kind: 'gossip', node: node.index });
    }
    let deadline = Number.POSITIVE_INFINITY;
    for (;;) {
      const ev = this.queue.pop();
      if (ev === undefined) break;
      if (ev.atMs > deadline) break;
      this.nowMs = ev.atMs;
      if (++this.events > EVENTS_MAX) {
        this.checkers.violations.push({ kind: 'event-limit', atMs: this.nowMs, message: `more than ${EVENTS_MAX} events` });
        break;
      }
      this.handle(ev);
      if (this.gstReached) {
        if (deadline === Number.POSITIVE_INFINITY) deadline = this.nowMs + LIVENESS_BASE_MS + LIVENESS_PER_HEIGHT_MS * this.heightsAfterGst;
        if (this.liveHonest().every((x) => x.storedHeight >= this.requiredHeight)) {
          this.recoveredAtMs = this.nowMs;
          break;
        }
      }
    }
    const live = this.liveHonest();
    this.checkers.finish(live.map((x) => ({ key: x.key, storedHeight: x.storedHeight })), this.requiredHeight, this.nowMs, deadline);
    if (this.checkers.violations.length > 0) for (const node of this.nodes) this.log(describe(node));
    for (const v of this.checkers.violations) this.log(`VIOLATION ${v.kind} at ${v.atMs}ms: ${v.message} (seed ${this.options.seed})`);
    return {
      seed: this.options.seed,
      validators: this.n,
      powers: this.validators.map((v) => v.power),
      f: this.f,
      byzantine: this.byzantineKeys(),
      gstMs: this.net.gstMs,
      endMs: this.nowMs,
      decidedHeight: Math.min(...live.map((x) => x.storedHeight)),
      requiredHeight: this.requiredHeight,
      maxDecisionRound: this.maxDecisionRound,
      recoveryMs: this.recoveredAtMs < 0 ? -1 : this.recoveredAtMs - this.net.gstMs,
      faults: this.faults,
      evidenceReported: this.checkers.evidenceReported,
      equivocationsSeen: this.checkers.equivocationsSeen,
      violations: this.checkers.violations,
      events: this.events,
      steps: this.steps,
      trace: this.trace,
    };
  }

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'deliver':
        return this.deliver(ev.to, ev.from, ev.linkSeq, ev.msg);
      case 'local': {
        const node = this.node(ev.to);
        if (node.up && node.incarnation === ev.incarnation) this.stepNode(node, ev.event);
        return;
      }
      case 'gossip':
        return this.gossip(this.node(ev.node));
      case 'crash':
        return this.crash(this.node(ev.node), ev.permanent);
      case 'restart':
        return this.restart(this.node(ev.node));
      case 'partition':
        this.partition = ev.groups;
        this.faults.partition++;
        this.log(`${this.nowMs}ms partition ${ev.groups.join('')}`);
        return;
      case 'heal':
        this.partition = null;
        this.log(`${this.nowMs}ms partition healed`);
        return;
      case 'gst': {
        this.partition = null;
        this.gstReached = true;
        const top = Math.max(0, ...this.nodes.filter((x) => !x.byzantine).map((x) => x.storedHeight));
        this.requiredHeight = top + this.heightsAfterGst;
        this.log(`${this.nowMs}ms GST: highest honest height ${top}, liveness requires ${this.requiredHeight}`);
        return;
      }
    }
  }

  // ---- nodes and their drivers -----------------------------------------------------------------------------------

  private stepNode(node: SimNode, event: ConsensusEvent): void {
    let state = node.state;
    if (this.options.inject === 'forget-locks' && !node.byzantine) state = { ...state, lockedRound: -1, lockedValue: null };
    const result = step(state, event);
    this.steps++;
    node.state = result.state;
    if (node.walHeight !== node.state.height) {
      node.wal.clear();
      node.walHeight = node.state.height;
    }
    if (node.byzantine) this.byzantineOutputs(node, result.outputs);
    else this.honestOutputs(node, result.outputs);
  }

  private honestOutputs(node: SimNode, outputs: ConsensusOutput[]): void {
    for (const o of outputs) {
      switch (o.type) {
        case 'broadcast': {
          const m = o.message;
          this.checkers.onSigned(node.key, m, this.nowMs);
          // write-ahead guard: never sign a different message for a (height, round, type) signed before
          const gk = `${m.height}/${m.round}/${m.type}`;
          const before = node.guard.get(gk);
          if (before !== undefined && guardContent(before) !== guardContent(m)) break;
          node.guard.set(gk, m);
          this.sendAll(node, this.signed(node, m));
          break;
        }
        case 'schedule-timeout':
          this.local(node, { type: 'timeout', step: o.step, height: o.height, round: o.round }, o.durationMs);
          break;
        case 'get-value':
          this.local(node, { type: 'value', height: o.height, round: o.round, blockHash: this.newBlock(o.height, o.round, node.key, true) }, this.rng.int(1, 20));
          break;
        case 'decide':
          this.checkers.onDecide(node.key, o, this.nowMs);
          this.maxDecisionRound = Math.max(this.maxDecisionRound, o.round);
          this.storeBlock(node, { height: o.height, round: o.round, blockHash: o.blockHash, commit: o.commit }, node.state);
          break;
        case 'evidence':
          this.checkers.onEvidence(node.key, o.evidence, this.nowMs);
          break;
      }
    }
  }

  /**
   * Store a decided block and persist, in one write: the block, and the state 'decide' returned (the next height,
   * not started) — what survives a crash. Prune the guard below it. Then start the next height.
   */
  private storeBlock(node: SimNode, b: StoredBlock, stateAfterDecide: ConsensusState): void {
    this.persistBlock(node, b, stateAfterDecide);
    if (this.options.trace && !node.byzantine) this.log(`${this.nowMs}ms ${node.key} decided h=${b.height} r=${b.round} ${b.blockHash.slice(0, 8)}`);
    this.local(node, { type: 'start-height', height: b.height + 1 }, 0);
  }

  private persistBlock(node: SimNode, b: StoredBlock, state: ConsensusState): void {
    node.store.set(b.height, b);
    node.storedHeight = b.height;
    node.lastStoreMs = this.nowMs;
    node.persisted = JSON.stringify(state);
    for (const k of node.guard.keys()) if (Number(k.split('/')[0]) <= b.height) node.guard.delete(k);
  }

  private signed(node: SimNode, m: UnsignedMessage): ConsensusMessage {
    if (m.type === 'proposal') return m;
    return { ...m, sig: fakeSig(node.key, m.type, m.height, m.round, m.blockHash) };
  }

  private crash(node: SimNode, permanent: boolean): void {
    if (!node.up || node.byzantine) return;
    node.up = false;
    node.permanentlyDown = permanent;
    node.incarnation++;
    this.faults[permanent ? 'permanent-crash' : 'crash']++;
    this.log(`${this.nowMs}ms ${node.key} crashed${permanent ? ' for good' : ''} at h=${node.state.height} r=${node.state.round}`);
  }

  private restart(node: SimNode): void {
    if (node.up || node.permanentlyDown) return;
    node.up = true;
    node.incarnation++;
    this.faults.restart++;
    const persisted = JSON.parse(node.persisted) as ConsensusState;
    const guard = this.options.inject === 'no-double-sign-guard' ? [] : [...node.guard.values()];
    if (this.options.inject === 'no-double-sign-guard') node.guard.clear();
    node.state = restoreConsensus(persisted, guard);
    if (this.options.inject === 'no-message-log') node.wal.clear();
    this.log(`${this.nowMs}ms ${node.key} restarted at h=${node.state.height} r=${node.state.round} step=${node.state.step}, replaying ${node.walHeight === node.state.height ? node.wal.size : 0} logged messages`);
    this.local(node, { type: 'start-height', height: node.state.height }, 0);
    if (node.walHeight === node.state.height) for (const m of node.wal.values()) this.local(node, this.asEvent(m), 0);
  }

  // ---- Byzantine drivers -----------------------------------------------------------------------------------------

  /** Byzantine nodes run the honest state machine to keep time with the others, then lie about its outputs. */
  private byzantineOutputs(node: SimNode, outputs: ConsensusOutput[]): void {
    const profile = node.byzantine as ByzantineProfile;
    for (const o of outputs) {
      switch (o.type) {
        case 'broadcast':
          if (profile.silent) this.local(node, this.asEvent(this.signed(node, o.message)), 0);
          else if (o.message.type === 'proposal') this.byzantinePropose(node, profile, o.message);
          else this.byzantineVote(node, profile, o.message);
          break;
        case 'schedule-timeout':
          this.local(node, { type: 'timeout', step: o.step, height: o.height, round: o.round }, o.durationMs);
          break;
        case 'get-value':
          this.local(node, { type: 'value', height: o.height, round: o.round, blockHash: this.newBlock(o.height, o.round, node.key, true) }, 1);
          break;
        case 'decide':
          this.storeBlock(node, { height: o.height, round: o.round, blockHash: o.blockHash, commit: o.commit }, node.state);
          break;
        case 'evidence':
          break;
      }
    }
  }

  private byzantinePropose(node: SimNode, profile: ByzantineProfile, p: Proposal): void {
    const r = this.rng;
    if (profile.equivocate && (this.options.inject === 'byzantine-over-f' || r.chance(0.7))) {
      const alt: Proposal = { ...p, validRound: -1, blockHash: this.newBlock(p.height, p.round, node.key, r.chance(0.5)) };
      this.coalition.set(`${p.height}/${p.round}`, { a: p.blockHash, b: alt.blockHash });
      const [groupA, groupB] = this.split(p.height);
      for (const to of groupA) this.send(node, to, { kind: 'consensus', msg: p });
      for (const to of groupB) this.send(node, to, { kind: 'consensus', msg: alt });
      this.faults['equivocating-proposal']++;
      this.local(node, this.asEvent(p), 0);
      return;
    }
    if (profile.invalid && r.chance(0.5)) {
      const bad: Proposal = { ...p, validRound: -1, blockHash: this.newBlock(p.height, p.round, node.key, false) };
      this.faults['invalid-proposal']++;
      this.sendAll(node, bad);
      return;
    }
    this.sendAll(node, p);
  }

  private byzantineVote(node: SimNode, profile: ByzantineProfile, v: Omit<Vote, 'sig'>): void {
    const r = this.rng;
    const sign = (blockHash: string | null): Vote => ({ ...v, blockHash, sig: fakeSig(node.key, v.type, v.height, v.round, blockHash) });
    const coalition = this.coalition.get(`${v.height}/${v.round}`);
    this.local(node, this.asEvent(sign(v.blockHash)), 0);
    if (profile.equivocate && coalition !== undefined && coalition.a !== coalition.b) {
      const [groupA, groupB] = this.split(v.height);
      for (const to of groupA) if (to !== node.index) this.send(node, to, { kind: 'consensus', msg: sign(coalition.a) });
      for (const to of groupB) if (to !== node.index) this.send(node, to, { kind: 'consensus', msg: sign(coalition.b) });
      this.faults['equivocating-vote']++;
      return;
    }
    if (profile.equivocate && r.chance(0.3)) {
      const options = [null, ...(this.knownHashes.get(v.height) ?? [])].filter((h) => h !== v.blockHash);
      const alt = options.length > 0 ? r.pick(options) : this.newBlock(v.height, v.round, node.key, false);
      for (const other of this.nodes) {
        if (other !== node) this.send(node, other.index, { kind: 'consensus', msg: sign(r.chance(0.5) ? v.blockHash : alt) });
      }
      this.faults['equivocating-vote']++;
      return;
    }
    const invalid = this.invalidHashes.get(v.height) ?? [];
    if (profile.invalid && invalid.length > 0 && r.chance(0.5)) {
      const msg = sign(r.pick(invalid));
      for (const other of this.nodes) if (other !== node) this.send(node, other.index, { kind: 'consensus', msg });
      this.faults['invalid-vote']++;
      return;
    }
    for (const other of this.nodes) if (other !== node) this.send(node, other.index, { kind: 'consensus', msg: sign(v.blockHash) });
  }

  /** The two halves of the nodes that colluding Byzantine nodes show different values at a height (same for all of them). */
  private split(height: number): [number[], number[]] {
    const r = new Prng((this.options.seed ^ Math.imul(height, 0x9e3779b1)) >>> 0);
    const honest = r.shuffle(this.nodes.filter((x) => !x.byzantine).map((x) => x.index));
    const half = Math.ceil(honest.length / 2);
    const byz = this.nodes.filter((x) => x.byzantine).map((x) => x.index);
    return [[...honest.slice(0, half), ...byz], honest.slice(half)];
  }

  // ---- network ---------------------------------------------------------------------------------------------------

  private sendAll(node: SimNode, msg: ConsensusMessage): void {
    // the driver feeds its own message back to its state machine at once; peers get it over the network
    this.local(node, this.asEvent(msg), 0);
    if (!node.byzantine) this.logMessage(node, msg);
    for (const other of this.nodes) if (other !== node) this.send(node, other.index, { kind: 'consensus', msg });
  }

  private send(from: SimNode, to: number, msg: NetMsg): void {
    if (to === from.index) {
      if (msg.kind === 'consensus') this.local(from, this.asEvent(msg.msg), 0);
      return;
    }
    const beforeGst = this.nowMs < this.net.gstMs;
    if (this.partition !== null && this.partition[from.index] !== this.partition[to]) {
      this.faults['partition-drop']++;
      return;
    }
    if (beforeGst && this.rng.chance(this.net.dropP)) {
      this.faults.drop++;
      return;
    }
    const link = `${from.index}>${to}`;
    const linkSeq = (this.linkSent.get(link) ?? 0) + 1;
    this.linkSent.set(link, linkSeq);
    const delayMaxMs = beforeGst ? this.net.delayMaxMs : Math.min(this.net.delayMaxMs, DELTA_MS);
    let delay = this.rng.int(1, delayMaxMs);
    if (beforeGst && this.rng.chance(this.net.spikeP)) {
      delay = this.rng.int(delayMaxMs, this.net.spikeMaxMs);
      this.faults['delay-spike']++;
    }
    this.push({ atMs: this.nowMs + delay, kind: 'deliver', to, from: from.index, linkSeq, msg });
    if (this.rng.chance(this.net.dupP)) {
      this.faults.duplicate++;
      this.push({ atMs: this.nowMs + this.rng.int(1, delayMaxMs), kind: 'deliver', to, from: from.index, linkSeq, msg });
    }
  }

  private deliver(to: number, from: number, linkSeq: number, msg: NetMsg): void {
    const node = this.node(to);
    if (!node.up) return;
    const link = `${from}>${to}`;
    const last = this.linkDelivered.get(link) ?? 0;
    if (linkSeq < last) this.faults.reorder++;
    else this.linkDelivered.set(link, linkSeq);
    if (msg.kind === 'status') return this.onStatus(node, from, msg.height);
    if (msg.kind === 'blocks') return this.onBlocks(node, msg.blocks);
    const m = msg.msg;
    if (m.height > node.state.height) return this.requestSync(node, from);
    if (m.height < node.state.height) return;
    if (m.type !== 'proposal' && !fakeSigValid(m)) return;
    if (!node.byzantine) {
      this.logMessage(node, m);
      if (m.type !== 'proposal') this.checkers.onVoteDelivered(node.key, node.incarnation, m, node.state.height, node.state.round, this.nowMs);
    } else if (m.type === 'proposal') {
      const known = this.knownHashes.get(m.height) ?? [];
      if (!known.includes(m.blockHash)) this.knownHashes.set(m.height, [...known, m.blockHash]);
    }
    this.stepNode(node, this.asEvent(m));
  }

  private logMessage(node: SimNode, m: ConsensusMessage): void {
    if (m.height === node.walHeight && node.wal.size < WAL_MESSAGES_MAX) node.wal.set(messageKey(m), m);
  }

  private asEvent(m: ConsensusMessage): ConsensusEvent {
    if (m.type === 'proposal') return { type: 'proposal', proposal: m, valid: this.blockValid(m.blockHash, m.height) };
    return { type: 'vote', vote: m };
  }

  /** Periodically: tell peers our height (they send blocks we lack); if stuck, re-send this height's messages. */
  private gossip(node: SimNode): void {
    this.push({ atMs: this.nowMs + GOSSIP_INTERVAL_MS, kind: 'gossip', node: node.index });
    if (!node.up) return;
    for (const other of this.nodes) if (other !== node) this.send(node, other.index, { kind: 'status', height: node.state.height });
    if (node.byzantine || this.nowMs - node.lastStoreMs < GOSSIP_INTERVAL_MS) return;
    for (const m of node.wal.values()) {
      for (const other of this.nodes) if (other !== node) this.send(node, other.index, { kind: 'consensus', msg: m });
    }
  }

  private requestSync(node: SimNode, peer: number): void {
    const last = node.lastSyncRequestMs.get(peer) ?? -Infinity;
    if (this.nowMs - last < SYNC_REQUEST_GAP_MS) return;
    node.lastSyncRequestMs.set(peer, this.nowMs);
    this.send(node, peer, { kind: 'status', height: node.state.height });
  }

  private onStatus(node: SimNode, from: number, height: number): void {
    if (node.storedHeight < height) return;
    const blocks: StoredBlock[] = [];
    for (let h = height; h <= Math.min(node.storedHeight, height + SYNC_BLOCKS_MAX - 1); h++) {
      const b = node.store.get(h);
      if (b !== undefined) blocks.push(b);
    }
    if (blocks.length > 0) this.send(node, from, { kind: 'blocks', blocks });
  }

  /** The driver's sync path: check each block's commit (and validity), store it, start the next height. */
  private onBlocks(node: SimNode, blocks: StoredBlock[]): void {
    for (const b of blocks) {
      if (b.height !== node.state.height || !this.commitValid(b) || !this.blockValid(b.blockHash, b.height)) continue;
      if (!node.byzantine) this.checkers.onStore(node.key, b.height, b.blockHash, b.commit, this.nowMs);
      const fresh = initConsensus({ chainId: this.chainId, validators: this.validators, self: node.key, height: b.height + 1 });
      this.persistBlock(node, b, fresh);
      if (this.options.trace && !node.byzantine) this.log(`${this.nowMs}ms ${node.key} synced h=${b.height}`);
      this.stepNode(node, { type: 'start-height', height: b.height + 1 });
    }
  }

  /** What the node driver checks before storing a synced block (verifyCommit, with fake signatures). */
  private commitValid(b: StoredBlock): boolean {
    const c = b.commit;
    if (c.height !== b.height || c.blockHash !== b.blockHash) return false;
    const seen = new Set<string>();
    let power = 0;
    for (const s of c.signatures) {
      const v = this.validators.find((x) => x.publicKey === s.validator);
      if (v === undefined || seen.has(s.validator)) return false;
      if (!fakeSigValid({ type: 'precommit', height: c.height, round: c.round, blockHash: c.blockHash, from: s.validator, sig: s.sig })) return false;
      seen.add(s.validator);
      power += v.power;
    }
    return 3 * power > 2 * this.totalPower;
  }

  // ---- blocks, helpers -------------------------------------------------------------------------------------------

  private newBlock(height: number, round: number, proposer: string, valid: boolean): string {
    const hash = sha256Hex(`sim-block/${this.options.seed}/${height}/${round}/${proposer}/${this.rng.nextU32()}/${valid ? 'valid' : 'invalid'}`);
    this.blocks.set(hash, { height, valid });
    const into = valid ? this.knownHashes : this.invalidHashes;
    into.set(height, [...(into.get(height) ?? []), hash]);
    return hash;
  }

  /** The honest validity function: the block exists, is for this height, and was built valid. */
  private blockValid(hash: string, height: number): boolean {
    const b = this.blocks.get(hash);
    return b !== undefined && b.valid && b.height === height;
  }

  private local(node: SimNode, event: ConsensusEvent, delayMs: number): void {
    this.push({ atMs: this.nowMs + delayMs, kind: 'local', to: node.index, incarnation: node.incarnation, event });
  }

  private push(ev: SimEventBody & { atMs: number }): void {
    this.queue.push({ ...ev, seq: this.seq++ });
  }

  private node(i: number): SimNode {
    const node = this.nodes[i];
    if (node === undefined) throw new Error(`invariant violated: no node ${i}`);
    return node;
  }

  private liveHonest(): SimNode[] {
    return this.nodes.filter((x) => !x.byzantine && !x.permanentlyDown);
  }

  private byzantineKeys(): string[] {
    return this.nodes.filter((x) => x.byzantine).map((x) => x.key);
  }

  private log(line: string): void {
    if (this.options.trace) this.trace.push(line);
  }
}

function describe(node: SimNode): string {
  const s = node.state;
  const rounds = Object.entries(s.rounds)
    .map(([r, rs]) => `r${r}{p:${rs.proposals.map((p) => `${p.blockHash.slice(0, 6)}${p.valid ? '' : '!'}/${p.validRound}`).join(',')} ` +
      `pv:${tally(rs.prevotes.powerByValue)} pc:${tally(rs.precommits.powerByValue)} senders:${rs.senderPower}}`)
    .join(' ');
  return `  ${node.key}${node.byzantine ? ' (byzantine)' : ''}${node.up ? '' : ' (down)'} stored=${node.storedHeight} h=${s.height} ` +
    `r=${s.round} ${s.step} started=${s.started} locked=${s.lockedValue?.slice(0, 6) ?? '-'}@${s.lockedRound} ` +
    `valid=${s.validValue?.slice(0, 6) ?? '-'}@${s.validRound} ${rounds}`;
}

function tally(powerByValue: Record<string, number>): string {
  return Object.entries(powerByValue).map(([v, p]) => `${v.slice(0, 6)}=${p}`).join('+') || '0';
}

function guardContent(m: UnsignedMessage): string {
  return m.type === 'proposal' ? `proposal/${m.blockHash}/${m.validRound}` : `${m.type}/${m.blockHash}`;
}

function messageKey(m: ConsensusMessage): string {
  return m.type === 'proposal' ? `p/${m.round}/${m.blockHash}` : `${m.type}/${m.round}/${m.from}/${m.blockHash}`;
}

// ---- many seeds ------------------------------------------------------------------------------------------------------

export interface SimSummary {
  seedsRun: number;
  firstSeed: number;
  failedSeeds: number[];
  violations: number;
  violationsByKind: Record<string, number>;
  faults: Record<FaultKind, number>;
  /** sum over seeds of the height every live honest node reached */
  decidedHeights: number;
  evidenceReported: number;
  equivocationsSeen: number;
  maxDecisionRound: number;
  maxRecoveryMs: number;
  steps: number;
  events: number;
  firstViolations: Array<{ seed: number; violation: Violation }>;
}

export function runSeeds(first: number, count: number, options: Omit<SimOptions, 'seed'> = {}): SimSummary {
  const s: SimSummary = {
    seedsRun: 0,
    firstSeed: first,
    failedSeeds: [],
    violations: 0,
    violationsByKind: {},
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    decidedHeights: 0,
    evidenceReported: 0,
    equivocationsSeen: 0,
    maxDecisionRound: 0,
    maxRecoveryMs: 0,
    steps: 0,
    events: 0,
    firstViolations: [],
  };
  for (let seed = first; seed < first + count; seed++) {
    const r = runSim({ ...options, seed });
    s.seedsRun++;
    s.decidedHeights += r.decidedHeight;
    s.evidenceReported += r.evidenceReported;
    s.equivocationsSeen += r.equivocationsSeen;
    s.maxDecisionRound = Math.max(s.maxDecisionRound, r.maxDecisionRound);
    s.maxRecoveryMs = Math.max(s.maxRecoveryMs, r.recoveryMs);
    s.steps += r.steps;
    s.events += r.events;
    for (const k of FAULT_KINDS) s.faults[k] += r.faults[k];
    if (r.violations.length > 0) {
      s.failedSeeds.push(seed);
      s.violations += r.violations.length;
      for (const v of r.violations) s.violationsByKind[v.kind] = (s.violationsByKind[v.kind] ?? 0) + 1;
      if (s.firstViolations.length < 10) s.firstViolations.push({ seed, violation: r.violations[0] as Violation });
    }
  }
  return s;
}
