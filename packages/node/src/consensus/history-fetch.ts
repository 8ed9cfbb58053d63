/**
 * Background history for a node joined from a snapshot (docs/spec/membership.md#history): it asks one peer at a time
 * for up to SYNC_BLOCKS_MAX blocks (fewer when they are large: HISTORY_TXS_PER_REQUEST) just below the lowest it holds (`get-history`, answered newest first by
 * `serveHistory`), and hands each answer to node.history, which verifies the blocks against the hash chain and stores
 * them. It never competes with the chain's progress: one request at a time, at most one per HISTORY_FETCH_INTERVAL_MS,
 * and none while the node is behind its peers or a block sync is out. Peers that hold no older blocks (joined from a
 * snapshot themselves) or do not answer are skipped for SYNC_PEER_BACKOFF_MS. CONS-HISTORY-1
 */
import { SYNC_ANSWER_MS_MAX, SYNC_BLOCKS_MAX, SYNC_BYTES_MAX, SYNC_PEER_BACKOFF_MS, isMachiError } from '@machi/core';
import type { MachiNode } from '../node/node.js';
import { checkBlocks, checkGetBlocks } from './checks.js';
import { every, type Clock, type Timer } from './clock.js';
import type { PeerTransport } from './transport.js';

/** Time between two history requests, ms: the pace of the background fetch (SYNC_BLOCKS_MAX blocks at most each). */
export const HISTORY_FETCH_INTERVAL_MS = 500;
/**
 * Transactions one request aims at (its blocks estimated from the lowest block held): verifying and storing an
 * answer runs on the node's thread, so an answer of full blocks would hold it up for as long as it takes.
 */
export const HISTORY_TXS_PER_REQUEST = 2_048;

export interface HistoryFetchOptions {
  node: MachiNode;
  net: PeerTransport | null;
  clock: Clock;
  log: (line: string) => void;
  misbehaved(peer: string, why: string): void;
  /** heights peers reported (their status messages) */
  peerHeights: ReadonlyMap<string, number>;
  /** whether a block sync is out (the head comes first) */
  syncing(): boolean;
}

export class HistoryFetch {
  readonly #o: HistoryFetchOptions;
  #stop: (() => void) | undefined;
  #asked: { peer: string; from: number; to: number; timer: Timer } | undefined;
  readonly #backoff = new Map<string, number>();
  #turn = 0;

  constructor(o: HistoryFetchOptions) {
    this.#o = o;
    if (o.net !== null && !o.node.history.complete) {
      this.#stop = every(o.clock, HISTORY_FETCH_INTERVAL_MS, () => this.#tick());
    }
  }

  #tick(): void {
    const { node, net, clock, peerHeights } = this.#o;
    const lowest = node.store.getBlock(node.history.view.lowestHeight);
    const blocks = Math.min(SYNC_BLOCKS_MAX, Math.max(1, Math.floor(HISTORY_TXS_PER_REQUEST / Math.max(1, lowest?.header.txCount ?? 0))));
    const range = node.history.next(blocks);
    if (range === undefined) return this.close();
    if (this.#asked !== undefined || net === null || this.#o.syncing()) return;
    const top = Math.max(0, ...peerHeights.values());
    if (top > node.head.height + 1) return; // behind: catching up comes first
    const now = clock.now();
    const peers = [...peerHeights.keys()].filter((k) => (this.#backoff.get(k) ?? 0) <= now).sort();
    if (peers.length === 0) return;
    const peer = peers[this.#turn++ % peers.length]!;
    const timer = clock.setTimer(SYNC_ANSWER_MS_MAX, () => {
      if (this.#asked?.peer !== peer) return;
      this.#asked = undefined;
      this.#backoff.set(peer, clock.now() + SYNC_PEER_BACKOFF_MS);
    }, true);
    this.#asked = { peer, ...range, timer };
    net.send(peer, { t: 'get-history', ...range });
  }

  /** Answers a get-history: the stored blocks from `to` down (at most SYNC_BLOCKS_MAX), stopping at the first we lack. */
  serve(peer: string, m: { from?: unknown; to?: unknown }): void {
    const { node, net } = this.#o;
    const checked = checkGetBlocks(m);
    if (!checked.ok) return checked.action === 'reject' ? this.#o.misbehaved(peer, checked.reason) : undefined;
    const { from, to } = checked.value;
    const blocks = [];
    let bytes = 0;
    for (let h = Math.min(to, node.head.height); h >= Math.max(from, to - SYNC_BLOCKS_MAX + 1) && bytes < SYNC_BYTES_MAX; h--) {
      const b = node.wireBlock(h);
      if (b === undefined) break;
      bytes += Buffer.byteLength(JSON.stringify(b));
      blocks.push(b);
    }
    net?.send(peer, { t: 'history', blocks });
  }

  /** Applies the answer of the peer we asked (anything else is ignored). */
  apply(peer: string, m: { blocks?: unknown }): void {
    const { node, clock } = this.#o;
    const asked = this.#asked;
    if (asked?.peer !== peer) return;
    clock.clearTimer(asked.timer);
    this.#asked = undefined;
    const checked = checkBlocks(m);
    if (!checked.ok) return checked.action === 'reject' ? this.#o.misbehaved(peer, checked.reason) : undefined;
    try {
      const stored = node.history.add(checked.value);
      if (stored === 0) this.#backoff.set(peer, clock.now() + SYNC_PEER_BACKOFF_MS);
      else if (node.history.complete) {
        this.#o.log('history: complete, every block from height 1 is stored');
        this.close();
      }
    } catch (e) {
      if (!isMachiError(e)) throw e;
      this.#backoff.set(peer, clock.now() + SYNC_PEER_BACKOFF_MS);
      this.#o.misbehaved(peer, `history: ${e.message}`);
    }
  }

  close(): void {
    this.#stop?.();
    this.#stop = undefined;
    if (this.#asked !== undefined) this.#o.clock.clearTimer(this.#asked.timer);
    this.#asked = undefined;
  }
}
