/**
 * Block sync: a node that is behind (it was down, or missed a decision) asks one peer at a time for the blocks it
 * lacks, and serves its own stored blocks with their commit certificates. Each synced block's commit is verified and
 * the block re-executed before it is stored (node.applySynced). docs/spec/consensus.md — CONS-SYNC-1.
 */
import { SYNC_ANSWER_MS_MAX, SYNC_BLOCKS_MAX, SYNC_BYTES_MAX, SYNC_PEER_BACKOFF_MS, checkCommitShape, checkHeaderShape, isMachiError } from '@machi/core';
import type { MachiNode } from '../node/node.js';
import { checkBlocks, checkGetBlocks } from './checks.js';
import type { Clock, Timer } from './clock.js';
import type { PeerTransport } from './transport.js';

export interface BlockSyncOptions {
  node: MachiNode;
  net: PeerTransport | null;
  clock: Clock;
  log: (line: string) => void;
  /** the peer broke the protocol */
  misbehaved(peer: string, why: string): void;
  /** after a sync answer was applied (whatever was stored): consensus moves to the new head */
  synced(peer: string): void;
}

export class BlockSync {
  readonly #o: BlockSyncOptions;
  readonly peerHeights = new Map<string, number>();
  #syncing = false;
  #peer: string | undefined;
  #timer: Timer | undefined;
  readonly #backoff = new Map<string, number>();

  constructor(o: BlockSyncOptions) {
    this.#o = o;
  }

  /** Whether a request is out (the background history fetch waits for it). */
  get busy(): boolean {
    return this.#syncing;
  }

  /** Asks `peer` (or the highest usable peer) for the blocks after our head, unless a request is out. */
  request(peer?: string): void {
    const { node, net, clock } = this.#o;
    if (this.#syncing || net === null) return;
    const from = node.head.height + 1;
    const now = clock.now();
    const usable = (k: string): boolean => (this.#backoff.get(k) ?? 0) <= now && (this.peerHeights.get(k) ?? 0) >= from;
    let target = peer !== undefined && usable(peer) ? peer : undefined;
    if (target === undefined) {
      for (const [k, h] of this.peerHeights) if (usable(k) && (target === undefined || h > this.peerHeights.get(target)!)) target = k;
    }
    if (target === undefined) return;
    this.#syncing = true;
    this.#peer = target;
    const to = Math.min(from + SYNC_BLOCKS_MAX - 1, Math.max(from, this.peerHeights.get(target) ?? from));
    net.send(target, { t: 'get-blocks', from, to });
    // A peer that never answers is skipped for a while.
    this.#timer = clock.setTimer(SYNC_ANSWER_MS_MAX, () => {
      this.#syncing = false;
      this.#peer = undefined;
      this.#backoff.set(target, clock.now() + SYNC_PEER_BACKOFF_MS);
    }, true);
  }

  /** Answers a get-blocks: up to SYNC_BLOCKS_MAX stored blocks, adding none once they reach SYNC_BYTES_MAX on the wire. */
  serve(peer: string, m: { from?: unknown; to?: unknown }): void {
    const { node, net } = this.#o;
    const checked = checkGetBlocks(m);
    if (!checked.ok) return checked.action === 'reject' ? this.#o.misbehaved(peer, checked.reason) : undefined;
    const { from, to } = checked.value;
    const blocks = [];
    let bytes = 0;
    for (let h = from; h <= Math.min(to, from + SYNC_BLOCKS_MAX - 1, node.head.height) && bytes < SYNC_BYTES_MAX; h++) {
      const b = node.wireBlock(h);
      if (b === undefined) break; // below a snapshot join's window, not fetched yet (history-fetch.ts)
      // Its exact size on the wire (a block's worst case, wireBlockBytesMax, is what the frame limit is checked against).
      bytes += Buffer.byteLength(JSON.stringify(b));
      blocks.push(b);
    }
    net?.send(peer, { t: 'blocks', blocks });
  }

  /** Applies a sync answer from the peer we asked; anything unsolicited is ignored. */
  async apply(peer: string, m: { blocks?: unknown }): Promise<void> {
    const { node, clock } = this.#o;
    if (peer !== this.#peer) return; // unsolicited
    if (this.#timer !== undefined) clock.clearTimer(this.#timer);
    this.#peer = undefined;
    const before = node.head.height;
    try {
      const checked = checkBlocks(m);
      if (!checked.ok) return checked.action === 'reject' ? this.#o.misbehaved(peer, checked.reason) : undefined;
      for (const b of checked.value) {
        const header = checkHeaderShape(b?.block?.header);
        const commit = checkCommitShape(b.commit);
        if (header.height <= node.head.height) continue;
        try {
          await node.applySynced({ header, txs: b.block.txs }, commit);
        } catch (e) {
          if (header.height <= node.head.height) continue; // consensus committed it meanwhile
          throw e;
        }
      }
    } catch (e) {
      if (isMachiError(e)) this.#o.misbehaved(peer, `sync: ${e.message}`);
      else this.#o.log(`sync failed: ${(e as Error).message}`);
    } finally {
      this.#syncing = false;
      // Whatever was stored — even if a later block of the batch failed — consensus moves to the new head.
      this.#o.synced(peer);
    }
    if (node.head.height === before) this.#backoff.set(peer, clock.now() + SYNC_PEER_BACKOFF_MS);
    else if ((this.peerHeights.get(peer) ?? 0) > node.head.height) this.request(peer);
  }

  close(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimer(this.#timer);
  }
}
