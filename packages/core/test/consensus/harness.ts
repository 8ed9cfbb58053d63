/**
 * Test harness for the consensus state machine: validators with real Ed25519 keys, a driver that signs like the node
 * driver must (voteSignBytes), and a synchronous all-to-all network whose delivery the test controls.
 */
import {
  generateKeyPair,
  initConsensus,
  sha256Hex,
  signerFromJwk,
  step,
  voteSignBytes,
  type ConsensusEvent,
  type ConsensusMessage,
  type ConsensusOutput,
  type ConsensusState,
  type Proposal,
  type Signer,
  type UnsignedMessage,
  type Validator,
  type Vote,
} from '../../src/index.js';

export const CHAIN = 'machi-consensus-test';

export function value(label: string): string {
  return sha256Hex(`block ${label}`);
}

export interface Keyed {
  signer: Signer;
  key: string;
  power: number;
}

/** `powers.length` validators with fresh keys, sorted by key (the order consensus uses). */
export function makeValidators(powers: number[]): Keyed[] {
  return powers
    .map((power) => {
      const kp = generateKeyPair();
      return { signer: signerFromJwk(kp.jwk), key: kp.publicKey, power };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function validatorSet(vs: Keyed[]): Validator[] {
  return vs.map((v) => ({ publicKey: v.key, power: v.power }));
}

export function signVote(v: Keyed, type: Vote['type'], height: number, round: number, blockHash: string | null): Vote {
  return { type, height, round, blockHash, from: v.key, sig: v.signer.sign(voteSignBytes(CHAIN, type, height, round, blockHash)) };
}

export function proposalFrom(v: Keyed, height: number, round: number, blockHash: string, validRound = -1): Proposal {
  return { type: 'proposal', height, round, validRound, blockHash, from: v.key };
}

/** One process: its state and every output it produced. */
export class Proc {
  state: ConsensusState;
  readonly outputs: ConsensusOutput[] = [];

  constructor(
    readonly me: Keyed | null,
    validators: Validator[],
    height = 1,
  ) {
    this.state = initConsensus({ chainId: CHAIN, validators, self: me?.key ?? null, height });
  }

  /**
   * Feed one event; returns this step's outputs and those of feeding our own broadcasts back to us, signed (as the
   * driver does). With echo false, own messages are not fed back (a Cluster delivers them itself).
   */
  feed(event: ConsensusEvent, echo = true): ConsensusOutput[] {
    const r = step(this.state, event);
    this.state = r.state;
    this.outputs.push(...r.outputs);
    const all = [...r.outputs];
    if (!echo || this.me === null) return all;
    for (const o of r.outputs) {
      if (o.type !== 'broadcast') continue;
      const m = o.message;
      const back: ConsensusEvent =
        m.type === 'proposal' ? { type: 'proposal', proposal: m, valid: true } : { type: 'vote', vote: signVote(this.me, m.type, m.height, m.round, m.blockHash) };
      all.push(...this.feed(back));
    }
    return all;
  }

  vote(v: Vote): ConsensusOutput[] {
    return this.feed({ type: 'vote', vote: v });
  }

  proposal(p: Proposal, valid = true): ConsensusOutput[] {
    return this.feed({ type: 'proposal', proposal: p, valid });
  }

  broadcasts(): UnsignedMessage[] {
    return this.outputs.flatMap((o) => (o.type === 'broadcast' ? [o.message] : []));
  }

  votesSent(type: Vote['type'], round: number): Array<string | null> {
    return this.broadcasts().flatMap((m) => (m.type === type && m.round === round ? [m.blockHash] : []));
  }
}

export function ofType<T extends ConsensusOutput['type']>(outputs: ConsensusOutput[], type: T): Array<Extract<ConsensusOutput, { type: T }>> {
  return outputs.filter((o): o is Extract<ConsensusOutput, { type: T }> => o.type === type);
}

/**
 * A synchronous cluster: `run()` delivers every broadcast to every process (signing votes with the sender's key),
 * answers get-value with `valueFor(height, round)`, and leaves timeouts pending for the test to fire.
 */
export class Cluster {
  readonly procs: Proc[];
  readonly pendingTimeouts: Array<{ proc: Proc; event: Extract<ConsensusEvent, { type: 'timeout' }> }> = [];
  private readonly inbox: Array<{ to: Proc; event: ConsensusEvent }> = [];
  /** processes whose messages are dropped (crashed or partitioned away) */
  readonly silenced = new Set<Proc>();

  constructor(
    readonly vals: Keyed[],
    readonly valueFor: (height: number, round: number) => string = (h, r) => value(`${h}/${r}`),
    observers = 0,
  ) {
    const set = validatorSet(vals);
    this.procs = [...vals.map((v) => new Proc(v, set)), ...Array.from({ length: observers }, () => new Proc(null, set))];
  }

  start(height = 1): void {
    for (const p of this.procs) this.enqueue(p, p.feed({ type: 'start-height', height }, false));
  }

  send(to: Proc, event: ConsensusEvent): void {
    this.inbox.push({ to, event });
  }

  /** Deliver until quiet. */
  run(stepsMax = 100_000): void {
    for (let i = 0; i < stepsMax; i++) {
      const next = this.inbox.shift();
      if (next === undefined) return;
      this.enqueue(next.to, next.to.feed(next.event, false));
    }
    throw new Error('cluster did not settle');
  }

  /** Fire every pending timeout (in scheduling order), then deliver until quiet. */
  fireTimeouts(): void {
    const due = this.pendingTimeouts.splice(0);
    for (const t of due) this.enqueue(t.proc, t.proc.feed(t.event, false));
    this.run();
  }

  private enqueue(from: Proc, outputs: ConsensusOutput[]): void {
    for (const o of outputs) {
      if (o.type === 'schedule-timeout') this.pendingTimeouts.push({ proc: from, event: { type: 'timeout', step: o.step, height: o.height, round: o.round } });
      else if (o.type === 'get-value') this.send(from, { type: 'value', height: o.height, round: o.round, blockHash: this.valueFor(o.height, o.round) });
      else if (o.type === 'broadcast') {
        if (this.silenced.has(from)) continue;
        const m = o.message;
        const signed: ConsensusMessage = m.type === 'proposal' ? m : signVote(from.me as Keyed, m.type, m.height, m.round, m.blockHash);
        const event: ConsensusEvent = signed.type === 'proposal' ? { type: 'proposal', proposal: signed, valid: true } : { type: 'vote', vote: signed };
        for (const p of this.procs) this.send(p, event);
      }
    }
  }
}
