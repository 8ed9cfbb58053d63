/**
 * Transaction gossip: transactions our clients submitted go to every peer, batched (at least every GOSSIP_FLUSH_MS),
 * in slices that fit a peer frame. Peers admit them like any submission (each node verifies each transaction once).
 */
import { GOSSIP_FLUSH_MS, GOSSIP_SLICE_TXS_MAX } from '@machi/core';
import type { Clock, Timer } from './clock.js';
import type { PeerTransport } from './transport.js';

export class TxGossip {
  readonly #net: PeerTransport | null;
  readonly #clock: Clock;
  #queued: unknown[] = [];
  #timer: Timer | undefined;

  constructor(net: PeerTransport | null, clock: Clock) {
    this.#net = net;
    this.#clock = clock;
  }

  queue(txs: readonly unknown[]): void {
    if (this.#net === null) return;
    this.#queued.push(...txs);
    if (this.#queued.length >= GOSSIP_SLICE_TXS_MAX) this.flush();
    else this.#timer ??= this.#clock.setTimer(GOSSIP_FLUSH_MS, () => this.flush());
  }

  flush(): void {
    this.close();
    while (this.#queued.length > 0) this.#net?.broadcast({ t: 'txs', txs: this.#queued.splice(0, GOSSIP_SLICE_TXS_MAX) });
  }

  close(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
