/**
 * The history of a node that joined from a snapshot (docs/spec/membership.md#history). Such a node holds the blocks from
 * the snapshot's replay window on; the older ones are fetched from peers in the background (consensus/history-fetch.ts),
 * newest first, each verified before it is stored: its hash is the `prevHash` of the lowest block held (so the chain of
 * hashes leads back from the snapshot's certified header), its transactions match its tx root, its log position meets
 * the block above, its commit carries more than 2/3 of the power of the set of its height. The log nodes the new leaves
 * complete are computed and stored with them; where such a node is one of the snapshot's frontier nodes (verified at
 * join against the certified log root) it must equal it. Progress is meta `history`, written in the same transaction
 * as the blocks: a restart resumes where it stopped. Their transactions' handler results are re-derived once the
 * history is complete (history-results.ts).
 *
 * Newest first: the hash links are checked as blocks arrive (oldest first would need the whole range before the first
 * check), and the recent history — what is asked for most — comes back first.
 */
import {
  MachiError,
  blockHash,
  genesisHead,
  hashChildren,
  hashLeaf,
  setAtHeight,
  toHex,
  txHashOfCanonical,
  txRootOf,
  validatorsOfOrgs,
  verifyCommit,
  verifySetChanges,
  fromHex,
  isMachiError,
  type Commit,
  type Genesis,
  type MemberSet,
  type MerkleNode,
  type SetChange,
  type TxTypeRegistry,
} from '@machi/core';
import type { LedgerStore, StoredBlock, StoredTx } from '../storage/store.js';
import { HistoryResults, type ResultsFault } from './history-results.js';
import type { WireBlock } from './node.js';

/** Meta key of the history's progress (absent: the store holds every block from height 1). */
export const HISTORY_META = 'history';

export interface HistoryProgress {
  /** height of the snapshot the node joined from */
  snapshotHeight: number;
  /** log size after the snapshot's block */
  snapshotLogSize: number;
  /** the lowest block held: every block from it to the head is stored (1: the history is complete) */
  lowestHeight: number;
  /** log position of that block's first transaction: every leaf and log node from it up to snapshotLogSize is stored */
  lowestSeq: number;
}

/** What a node's history reaches (for /v1/health, /metrics and errors). */
export interface HistoryView {
  complete: boolean;
  lowestHeight: number;
  snapshotHeight?: number;
  /**
   * Every stored transaction at or below this height has its handler result here: the head's height once all do; on
   * a node joined from a snapshot, until it has re-derived them (history-results.ts), how far that has come.
   */
  resultsHeight: number;
  /** the re-execution that re-derives them stopped at a block whose app hash it could not reproduce */
  resultsFault?: ResultsFault;
}

/** The positions (`level/index`) of a log's frontier: its largest complete subtrees, as frontierNodes lists them. */
export function frontierPositions(size: number): Set<string> {
  const out = new Set<string>();
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      out.add(`${level}/${start / width}`);
      start += width;
    }
  }
  return out;
}

/**
 * The log nodes above the leaves of every complete subtree that starts in [from, to) and ends at or before `size`.
 * `leaf(i)` is leaf i's hash for i in [from, to); `stored(level, index)` reads a node held already (the subtrees
 * starting at or after `to`, and the frontier of `size`). A computed node at a frontier position is not returned: it
 * must equal the stored one, else this throws BLOCK_INVALID.
 */
export function historyLogNodes(from: number, to: number, size: number, leaf: (i: number) => Uint8Array, stored: (level: number, index: number) => Uint8Array): MerkleNode[] {
  const frontier = frontierPositions(size);
  const out: MerkleNode[] = [];
  let below = new Map<number, Uint8Array>();
  for (let i = from; i < to; i++) below.set(i, leaf(i));
  for (let level = 1; 2 ** level <= size && below.size > 0; level++) {
    const width = 2 ** level;
    const here = new Map<number, Uint8Array>();
    const child = (j: number): Uint8Array => below.get(j) ?? stored(level - 1, j);
    for (let i = Math.ceil(from / width); i * width < to && (i + 1) * width <= size; i++) {
      const h = hashChildren(child(2 * i), child(2 * i + 1));
      here.set(i, h);
      if (!frontier.has(`${level}/${i}`)) out.push({ level, index: i, hash: h });
      else if (toHex(stored(level, i)) !== toHex(h)) {
        throw new MachiError('BLOCK_INVALID', `the fetched history does not fold to the snapshot's log frontier (node ${level}/${i})`);
      }
    }
    below = here;
  }
  return out;
}

function invalid(height: number, why: string): never {
  throw new MachiError('BLOCK_INVALID', `history block ${height}: ${why}`, { height });
}

export class History {
  readonly #store: LedgerStore;
  readonly #genesis: Genesis;
  readonly #setChanges: () => readonly SetChange[];
  #progress: HistoryProgress | undefined;
  #sets: { count: number; sets: MemberSet[] } | undefined;
  /** the handler results of the transactions up to the snapshot, re-derived once the history is complete */
  readonly results: HistoryResults;

  constructor(store: LedgerStore, genesis: Genesis, setChanges: () => readonly SetChange[], registry: TxTypeRegistry, replayScratchFile?: string) {
    this.#store = store;
    this.#genesis = genesis;
    this.#setChanges = setChanges;
    const raw = store.getMeta(HISTORY_META);
    this.#progress = raw === undefined ? undefined : (JSON.parse(raw) as HistoryProgress);
    this.results = new HistoryResults(store, genesis, registry, this, replayScratchFile);
  }

  /** Progress of a node joined from a snapshot; undefined for a node that has every block since genesis. */
  get progress(): Readonly<HistoryProgress> | undefined {
    return this.#progress;
  }

  get complete(): boolean {
    return this.#progress === undefined || this.#progress.lowestHeight <= 1;
  }

  get view(): HistoryView {
    const p = this.#progress;
    const head = this.#store.height();
    if (p === undefined) return { complete: true, lowestHeight: head === 0 ? 0 : 1, resultsHeight: head };
    const r = this.results;
    const fault = r.progress.fault;
    return {
      complete: this.complete, lowestHeight: p.lowestHeight, snapshotHeight: p.snapshotHeight, resultsHeight: r.done ? head : r.progress.height,
      ...(fault === undefined ? {} : { resultsFault: fault }),
    };
  }

  /** Whether a proof (inclusion in the log as of the block at `height`) can be built from what is stored. */
  provable(height: number): boolean {
    return this.complete || height > this.#progress!.snapshotHeight;
  }

  /** HISTORY_INCOMPLETE for something older than what this node holds. */
  incomplete(what: string): MachiError {
    const p = this.#progress!;
    return new MachiError('HISTORY_INCOMPLETE',
      `${what}: this node joined from a snapshot at height ${p.snapshotHeight} and holds blocks from ${p.lowestHeight} on (proofs from ${p.snapshotHeight + 1}); older history is being fetched — ask another node or retry later`,
      { lowestHeight: p.lowestHeight, snapshotHeight: p.snapshotHeight });
  }

  /** The heights to ask for next, newest first ([from, to], at most `max`); undefined once complete. */
  next(max: number): { from: number; to: number } | undefined {
    if (this.complete) return undefined;
    const to = this.#progress!.lowestHeight - 1;
    return { from: Math.max(1, to - max + 1), to };
  }

  #setsNow(): MemberSet[] {
    const changes = this.#setChanges();
    if (this.#sets?.count !== changes.length) this.#sets = { count: changes.length, sets: verifySetChanges(this.#genesis, changes) };
    return this.#sets.sets;
  }

  /**
   * Verifies `blocks` — the ones just below the lowest held, newest first (as peers answer a history request) — and
   * stores them in one transaction. Stops at the first block that is not the next one down (a shorter answer is fine).
   * Returns how many were stored. Throws BLOCK_INVALID (nothing of the batch stored) if one does not verify.
   */
  add(blocks: readonly { block: WireBlock; commit: Commit }[]): number {
    const p = this.#progress;
    const store = this.#store;
    if (p === undefined || this.complete || store.commitHistory === undefined) return 0;
    let above: StoredBlock = store.getBlock(p.lowestHeight)!;
    const batch: { block: StoredBlock; txs: StoredTx[] }[] = [];
    const leaves = new Map<number, Uint8Array>();
    const sets = this.#setsNow();
    for (const { block, commit } of blocks) {
      const header = block.header;
      const height = above.header.height - 1;
      if (header?.height !== height) break;
      if (blockHash(header) !== above.header.prevHash) invalid(height, 'its hash is not the previous-hash of the block above');
      if (header.chainId !== this.#genesis.chainId) invalid(height, 'another chain');
      const texts = block.txs;
      if (!Array.isArray(texts) || texts.length !== header.txCount || !texts.every((t) => typeof t === 'string')) invalid(height, 'transactions');
      const hashes = texts.map((t) => txHashOfCanonical(t));
      if (txRootOf(hashes) !== header.txRoot) invalid(height, 'transactions do not match the tx root');
      if (header.logSize !== above.firstSeq) invalid(height, `log size ${header.logSize}, the block above starts at ${above.firstSeq}`);
      if (height === 1 && header.prevHash !== genesisHead(this.#genesis).hash) invalid(height, 'does not follow the genesis');
      try {
        verifyCommit(header, commit, validatorsOfOrgs(setAtHeight(sets, height).orgs));
      } catch (e) {
        if (isMachiError(e)) invalid(height, `commit certificate: ${e.message}`);
        throw e;
      }
      const firstSeq = header.logSize - header.txCount;
      const txs: StoredTx[] = texts.map((body, i) => {
        const t = JSON.parse(body) as { signer: string; nonce: string };
        leaves.set(firstSeq + i, hashLeaf(fromHex(hashes[i]!)));
        // handler results are not on the chain's hashes: stored as applied, re-derived once the history is complete
        // (history-results.ts; docs/spec/membership.md#history)
        return { hash: hashes[i]!, seq: firstSeq + i, height, body, signer: t.signer, nonce: t.nonce, code: null, message: null };
      });
      above = { header, commit, hash: blockHash(header), firstSeq };
      batch.push({ block: above, txs });
    }
    if (batch.length === 0) return 0;
    const from = above.firstSeq;
    const logNodes = historyLogNodes(from, p.lowestSeq, p.snapshotLogSize, (i) => leaves.get(i) ?? store.getNode(0, i), (l, i) => store.getNode(l, i));
    const next: HistoryProgress = { ...p, lowestHeight: above.header.height, lowestSeq: from };
    store.commitHistory({ blocks: batch, logNodes, meta: [[HISTORY_META, JSON.stringify(next)]] });
    this.#progress = next;
    return batch.length;
  }
}
