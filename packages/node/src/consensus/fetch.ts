/**
 * Missing transactions of compact proposals. A proposal names its transactions by hash; a validator takes the bodies
 * from its mempool (after letting admissions in flight finish: the proposer flushes its gossip before proposing),
 * asks the proposal's sender for the rest (`get-txs`), after TX_FETCH_RETRY_MS every peer, and again every
 * TX_FETCH_RESEND_MS until the height ends. Each answer's texts are matched to the asked hashes by hashing them, so a
 * peer cannot substitute a body; the node then checks the block as usual (each fetched transaction verified once).
 * Nodes serve the bodies they hold: their mempool and the blocks of the current height they built or checked.
 * docs/spec/consensus.md#compact-proposals — CONS-FETCH-1.
 */
import { BLOCK_TX_BYTES_MAX, TX_FETCH_RESEND_MS, TX_FETCH_RETRY_MS, TX_FETCH_SERVES_PER_PEER_MAX, txHashOfCanonical } from '@machi/core';
import type { MachiNode } from '../node/node.js';
import type { Clock, Timer } from './clock.js';
import type { PeerTransport } from './transport.js';

interface Pending {
  height: number;
  hashes: string[];
  texts: (string | undefined)[];
  /** positions of each missing hash in the block */
  where: Map<string, number[]>;
  resolve: (texts: string[] | undefined) => void;
  timer: Timer | undefined;
}

export interface FetchCounts {
  /** proposals that needed bodies from peers */
  fetches: number;
  /** transactions asked for (first requests) */
  asked: number;
  /** transaction bodies received that we had asked for */
  received: number;
  /** requests answered */
  served: number;
}

export class TxFetcher {
  readonly #node: MachiNode;
  readonly #net: PeerTransport | null;
  readonly #clock: Clock;
  readonly #pending = new Map<string, Pending>();
  /** bodies held for this height's blocks (built, checked or fetched), by hash, besides the mempool's */
  readonly #texts = new Map<string, string>();
  readonly #served = new Map<string, number>();
  readonly counts: FetchCounts = { fetches: 0, asked: 0, received: 0, served: 0 };
  /** bumped by reset: a fetch started at an earlier height gives up */
  #epoch = 0;

  constructor(node: MachiNode, net: PeerTransport | null, clock: Clock) {
    this.#node = node;
    this.#net = net;
    this.#clock = clock;
  }

  #text(hash: string): string | undefined {
    return this.#node.mempoolText(hash) ?? this.#texts.get(hash);
  }

  /** Bodies of a block this node holds (built or checked): served to peers until the height ends. */
  hold(hashes: readonly string[], texts: readonly string[]): void {
    hashes.forEach((h, i) => this.#texts.set(h, texts[i]!));
  }

  /**
   * The texts of `hashes`, in order: from the mempool or held bodies, else fetched from `peer` and then from every
   * peer. Resolves undefined if the height ends first (reset).
   */
  async bodies(peer: string, height: number, blockHash: string, hashes: readonly string[]): Promise<string[] | undefined> {
    let texts = hashes.map((h) => this.#text(h));
    if (texts.every((t) => t !== undefined)) return texts as string[];
    // Gossip the proposer flushed just before its proposal may still be in admission: wait for it, then look again.
    const epoch = this.#epoch;
    await this.#node.settled();
    if (epoch !== this.#epoch) return undefined;
    texts = hashes.map((h) => this.#text(h));
    if (texts.every((t) => t !== undefined)) return texts as string[];
    const existing = this.#pending.get(blockHash);
    if (existing !== undefined) return new Promise((resolve) => {
      const prev = existing.resolve;
      existing.resolve = (t) => {
        prev(t);
        resolve(t);
      };
    });
    return new Promise((resolve) => {
      const where = new Map<string, number[]>();
      texts.forEach((t, i) => {
        if (t === undefined) where.set(hashes[i]!, [...(where.get(hashes[i]!) ?? []), i]);
      });
      const p: Pending = { height, hashes: [...hashes], texts, where, resolve, timer: undefined };
      this.#pending.set(blockHash, p);
      this.counts.fetches++;
      this.counts.asked += where.size;
      this.#net?.send(peer, { t: 'get-txs', height, blockHash, hashes: [...where.keys()] });
      this.#arm(blockHash, p, TX_FETCH_RETRY_MS);
    });
  }

  /** Still missing after `ms`: look in the mempool again (gossip may have brought them), then ask every peer. */
  #arm(blockHash: string, p: Pending, ms: number): void {
    p.timer = this.#clock.setTimer(ms, () => {
      if (this.#pending.get(blockHash) !== p) return;
      for (const [h, idx] of p.where) {
        const t = this.#text(h);
        if (t !== undefined) this.#fill(p, h, idx, t);
      }
      if (this.#finish(blockHash, p)) return;
      this.#net?.broadcast({ t: 'get-txs', height: p.height, blockHash, hashes: [...p.where.keys()] });
      this.#arm(blockHash, p, TX_FETCH_RESEND_MS);
    });
  }

  #fill(p: Pending, hash: string, idx: number[], text: string): void {
    for (const i of idx) p.texts[i] = text;
    p.where.delete(hash);
  }

  #finish(blockHash: string, p: Pending): boolean {
    if (p.where.size > 0) return false;
    if (p.timer !== undefined) this.#clock.clearTimer(p.timer);
    this.#pending.delete(blockHash);
    p.resolve(p.texts as string[]);
    return true;
  }

  /** An answer: bodies whose hash we asked for (for that block) are taken; anything else is dropped. */
  onAnswer(blockHash: string, txs: readonly string[]): void {
    const p = this.#pending.get(blockHash);
    if (p === undefined) return; // late, or unsolicited: nothing to hash
    for (const text of txs) {
      const h = txHashOfCanonical(text);
      const idx = p.where.get(h);
      if (idx === undefined) continue;
      this.#texts.set(h, text);
      this.counts.received++;
      this.#fill(p, h, idx, text);
    }
    this.#finish(blockHash, p);
  }

  /** Answers a peer's request with the bodies we hold (at most TX_FETCH_SERVES_PER_PEER_MAX requests per height). */
  serve(peer: string, height: number, blockHash: string, hashes: readonly string[]): void {
    const n = (this.#served.get(peer) ?? 0) + 1;
    if (n > TX_FETCH_SERVES_PER_PEER_MAX) return;
    this.#served.set(peer, n);
    const txs: string[] = [];
    let chars = 0;
    for (const h of hashes) {
      const t = this.#text(h);
      if (t === undefined) continue;
      txs.push(t);
      chars += t.length;
      if (chars >= BLOCK_TX_BYTES_MAX) break; // what one block can hold: the answer fits a frame (limits.ts)
    }
    if (txs.length === 0) return;
    this.counts.served++;
    this.#net?.send(peer, { t: 'block-txs', height, blockHash, txs });
  }

  /** The height ended (decided or synced): pending fetches resolve with nothing; held bodies and counts go. */
  reset(): void {
    this.#epoch++;
    for (const p of this.#pending.values()) {
      if (p.timer !== undefined) this.#clock.clearTimer(p.timer);
      p.resolve(undefined);
    }
    this.#pending.clear();
    this.#texts.clear();
    this.#served.clear();
  }
}
