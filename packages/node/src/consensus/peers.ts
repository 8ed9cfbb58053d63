/**
 * Peers that gossip invalid transactions: each transaction no honest node would send — one that is malformed, too
 * large, for another chain, by an unknown signer, or badly signed — counts against the peer that sent it; past
 * PEER_INVALID_TXS_MAX within PEER_INVALID_TXS_WINDOW_MS the driver disconnects it and ignores it for
 * PEER_BACKOFF_MS. Not counted: what honest peers also send — duplicates, replays, transactions late or early for our
 * clock, a full mempool — and unknown types or payload schemas (a peer on a newer release may know more types).
 * An honest peer forwards only transactions it admitted with the same genesis, so it is never charged.
 * docs/spec/consensus.md — CONS-PEER-1.
 */
import { PEER_BACKOFF_MS, PEER_INVALID_TXS_MAX, PEER_INVALID_TXS_WINDOW_MS, type ErrorCode } from '@machi/core';
import type { SubmitOutcome } from '../node/node.js';
import type { Clock } from './clock.js';

/** Admission failures that only a broken or malicious peer gossips. */
export const INVALID_GOSSIP_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TX_MALFORMED', 'TX_TOO_LARGE', 'TX_WRONG_CHAIN', 'TX_UNKNOWN_SIGNER', 'TX_BAD_SIGNATURE',
]);

/** How many of a gossip message's admission outcomes count against its sender. */
export function invalidGossipCount(outcomes: readonly SubmitOutcome[]): number {
  let n = 0;
  for (const o of outcomes) if (!o.ok && INVALID_GOSSIP_CODES.has(o.code)) n++;
  return n;
}

export interface Offence {
  invalid: number;
  windowMs: number;
  backoffMs: number;
}

/** Per peer (by authenticated key, so at most one entry per organisation): a window of invalid transactions. */
export class PeerScores {
  readonly #clock: Clock;
  readonly #windows = new Map<string, { startMs: number; invalid: number }>();
  readonly #backoffUntil = new Map<string, number>();
  readonly #offences = new Map<string, Offence>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Counts `n` invalid transactions from `peer`; true when it has just gone past the limit (disconnect it now). */
  chargeInvalidTxs(peer: string, n: number): boolean {
    if (this.backingOff(peer)) return false;
    const now = this.#clock.now();
    let w = this.#windows.get(peer);
    if (w === undefined || now - w.startMs >= PEER_INVALID_TXS_WINDOW_MS) {
      w = { startMs: now, invalid: 0 };
      this.#windows.set(peer, w);
    }
    w.invalid += n;
    if (w.invalid <= PEER_INVALID_TXS_MAX) return false;
    this.#windows.delete(peer);
    this.#backoffUntil.set(peer, now + PEER_BACKOFF_MS);
    this.#offences.set(peer, { invalid: w.invalid, windowMs: PEER_INVALID_TXS_WINDOW_MS, backoffMs: PEER_BACKOFF_MS });
    return true;
  }

  /** What the peer was last disconnected for. */
  lastOffence(peer: string): Offence {
    return this.#offences.get(peer) ?? { invalid: 0, windowMs: PEER_INVALID_TXS_WINDOW_MS, backoffMs: PEER_BACKOFF_MS };
  }

  /** True while `peer` is backed off: its messages are ignored and its links dropped. */
  backingOff(peer: string): boolean {
    const until = this.#backoffUntil.get(peer);
    if (until === undefined) return false;
    if (this.#clock.now() < until) return true;
    this.#backoffUntil.delete(peer);
    return false;
  }
}
