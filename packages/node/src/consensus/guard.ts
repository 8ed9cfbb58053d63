/**
 * The double-sign guard: every message this validator signed at the current height, written durably before anything
 * signed leaves the node, and refused for a second, different message with the same (height, round, type).
 * docs/spec/consensus.md — CONS-GUARD-1 (refuse a different message), CONS-GUARD-2 (durable before sending),
 * CONS-RESTART-1 (restored after a crash).
 */
import type { UnsignedMessage, Vote } from '@machi/core';
import type { LedgerStore } from '../storage/store.js';
import { KeptBlocks, type KeptRecord } from './kept.js';

/** The store key of the guard record (one record: the current height's). */
export const GUARD_META_KEY = 'consensus_signed';

/** What survives a crash of the consensus state. */
export interface GuardRecord extends Partial<KeptRecord> {
  height: number;
  messages: UnsignedMessage[];
  /** others' votes received at this height when we signed: after a restart they show the polka behind our lock */
  received?: Vote[];
  // blocks, proposals: the blocks of this height we built or checked valid, with their proposals (kept.ts)
}

/** 'new': not signed yet; 'again': the identical message was signed (re-signing is fine); 'conflict': refuse. */
export type GuardVerdict = 'new' | 'again' | 'conflict';

export class DoubleSignGuard {
  readonly #store: Pick<LedgerStore, 'getMeta' | 'setMeta'>;
  /** test-only: a driver that forgets its guard (the simulator must catch the double-signing that follows) */
  readonly #forgetful: boolean;
  signed: UnsignedMessage[] = [];
  /** the blocks of this height written with every record (CONS-RESTART-1) */
  readonly kept = new KeptBlocks();

  constructor(store: Pick<LedgerStore, 'getMeta' | 'setMeta'>, forgetful = false) {
    this.#store = store;
    this.#forgetful = forgetful;
  }

  /** The persisted record if it is for `height` (older ones are stale: that height is stored). */
  load(height: number): GuardRecord | undefined {
    if (this.#forgetful) return undefined;
    const saved = this.#store.getMeta(GUARD_META_KEY);
    if (saved === undefined) return undefined;
    const guard = JSON.parse(saved) as GuardRecord;
    if (guard.height !== height) return undefined;
    this.signed = guard.messages;
    this.kept.restore(guard);
    return guard;
  }

  check(message: UnsignedMessage): GuardVerdict {
    const clash = this.signed.find((m) => sameKey(m, message));
    if (clash === undefined) return 'new';
    if (sameContent(clash, message)) return 'again';
    return this.#forgetful ? 'new' : 'conflict';
  }

  /** Adds a new message and writes the record durably, with the kept blocks: call before sending. */
  record(message: UnsignedMessage, received: Vote[]): void {
    this.signed.push(message);
    if (this.#forgetful) return;
    // Written with every signature, at no extra fsync: the votes we hold then include the polka that justifies any
    // lock we take (docs/spec/consensus.md, crash recovery), so a restarted node can still show it to others.
    const guard: GuardRecord = { height: message.height, messages: this.signed, received };
    // The kept blocks go in from the first precommit for a block on (the lock: a restarted node must be able to show
    // and check the block it is locked on), spliced in as JSON serialised once per block. Before that they would only
    // add bytes to every write: a node that is not locked loses nothing by fetching again after a restart.
    const locked = this.signed.some((m) => m.type === 'precommit' && m.blockHash !== null);
    const json = JSON.stringify(guard);
    this.#store.setMeta(GUARD_META_KEY, locked ? `${json.slice(0, -1)},${this.kept.fragment()}}` : json);
  }

  /** A new height: nothing signed at it yet (the stored record is superseded by the next write). */
  reset(): void {
    this.signed = [];
    this.kept.reset();
  }
}

function sameKey(a: UnsignedMessage, b: UnsignedMessage): boolean {
  return a.height === b.height && a.round === b.round && a.type === b.type;
}

function sameContent(a: UnsignedMessage, b: UnsignedMessage): boolean {
  return a.blockHash === b.blockHash && a.from === b.from && !(a.type === 'proposal' && b.type === 'proposal' && a.validRound !== b.validRound);
}
