/**
 * Handler results of a joined node's older transactions (docs/spec/membership.md#history). A node that joined from a
 * snapshot stores the transactions of the snapshot's replay window, and later those of the history it fetches, without
 * their handler results (`code` null, as if applied): the chain's hashes do not carry them alone. Once its history is
 * complete (every block from height 1), it re-executes the chain from genesis up to the snapshot's height with the
 * core's ChainReplay — checking each block's previous-hash link, tx root and, by re-execution, app hash against the
 * header — and rewrites the stored results that differ, so its receipts say what a node that replayed the chain says.
 *
 * In bounded steps (`step`, RESULTS_CHUNK_TXS transactions' worth of blocks each; consensus/history-results.ts runs
 * them between other work). Progress is meta `history_results`, written in the same store transaction as the results
 * it covers. The re-executed state is kept in a scratch file (chain/replay-scratch.ts; memory when the node has none):
 * bounded memory on any chain length. It is flushed after each step's results are stored, so it never runs ahead of
 * them: after a restart the replay resumes from the block the file reached — blocks between it and the stored progress
 * are executed again with nothing written — and the file is deleted when the work is done. A block whose app hash
 * re-execution does not give is a fault: nothing from it on is rewritten, the fault is recorded with the progress
 * (health, metrics) and the node retries only at its next start.
 */
import { ChainReplay, MachiError, isMachiError, type Genesis, type TxTypeRegistry } from '@machi/core';
import { SqliteReplayStore, removeScratch } from '../chain/replay-scratch.js';
import type { LedgerStore, TxResultRewrite } from '../storage/store.js';
import type { History } from './history.js';

/** Meta key of the re-derivation's progress (absent: none done yet, or a node that executed every block itself). */
export const RESULTS_META = 'history_results';

/**
 * Transactions re-executed per step, about (whole blocks: at least one, and each block counts one more for its own
 * reads and hashes). A step runs on the node's thread: measured, about 5–25 ms for 512 notary records on a busy
 * machine (reads, hashes, execution), about what executing a block of that size takes anyway.
 */
export const RESULTS_CHUNK_TXS = 512;

export interface ResultsFault {
  /** the block re-execution could not reproduce */
  height: number;
  reason: string;
}

export interface ResultsProgress {
  /** the results of every transaction up to this height are re-derived (the snapshot's height once done) */
  height: number;
  /** stored results the re-derivation changed so far (handler rejections the node had stored as applied) */
  changed: number;
  /** set when the re-execution of block `height + 1` failed: nothing from it on is rewritten */
  fault?: ResultsFault;
}

/** What one step did: no work left, the history is still being fetched, more to do, or it stopped at a fault. */
export type ResultsStep = 'done' | 'waiting' | 'more' | 'fault';

export class HistoryResults {
  readonly #store: LedgerStore;
  readonly #genesis: Genesis;
  readonly #registry: TxTypeRegistry;
  readonly #history: History;
  #progress: ResultsProgress;
  #replay: ChainReplay | undefined;
  /** where the replay's state is (undefined: in memory) */
  readonly #scratchFile: string | undefined;
  #scratch: SqliteReplayStore | undefined;
  /** a fault in this run: no more steps until the node starts again */
  #stopped = false;

  constructor(store: LedgerStore, genesis: Genesis, registry: TxTypeRegistry, history: History, scratchFile?: string) {
    this.#store = store;
    this.#genesis = genesis;
    this.#registry = registry;
    this.#history = history;
    this.#scratchFile = scratchFile;
    const raw = store.getMeta(RESULTS_META);
    this.#progress = raw === undefined ? { height: 0, changed: 0 } : (JSON.parse(raw) as ResultsProgress);
    // done before a crash could delete it
    if (this.done && scratchFile !== undefined) removeScratch(scratchFile);
  }

  /** The block the scratch file's state is at (resumption point; undefined: none, or in memory). */
  get scratchHeight(): number | undefined {
    return this.#scratch?.flushedHead?.height;
  }

  /**
   * The replay, resumed from the scratch file when it holds this chain's blocks up to at most the stored progress
   * (else — another chain, a restored older store — the file starts again from genesis).
   */
  #open(): ChainReplay {
    const file = this.#scratchFile;
    if (file === undefined) return new ChainReplay(this.#genesis, this.#registry);
    let scratch = new SqliteReplayStore(file);
    const head = scratch.head();
    if (head !== undefined && (head.height > this.#progress.height || this.#store.getBlock(head.height)?.hash !== head.hash)) {
      scratch.remove();
      scratch = new SqliteReplayStore(file);
    }
    this.#scratch = scratch;
    return new ChainReplay(this.#genesis, this.#registry, scratch);
  }

  /** The block the re-execution has reached (opening the replay: from the scratch file, else genesis). */
  replayHeight(): number {
    return (this.#replay ??= this.#open()).head.height;
  }

  /** Done: the state of the snapshot's height is the store's own, the replay's copy (and its file) goes. */
  #finish(): void {
    this.#scratch?.remove();
    this.#scratch = undefined;
    this.#replay = undefined;
  }

  /** Closes the scratch file (kept: the work resumes from it at the next start). */
  close(): void {
    this.#scratch?.close();
    this.#scratch = undefined;
    this.#replay = undefined;
  }

  /** The height the results are re-derived up to: the snapshot's; undefined for a node that executed every block. */
  get target(): number | undefined {
    return this.#history.progress?.snapshotHeight;
  }

  get progress(): Readonly<ResultsProgress> {
    return this.#progress;
  }

  /** Whether every stored transaction's result is known (nothing to re-derive, or all of it done). */
  get done(): boolean {
    const target = this.target;
    return target === undefined || this.#progress.height >= target;
  }

  /** Whether the stored result of a transaction at `height` is known (executed here, or re-derived). */
  known(height: number): boolean {
    const target = this.target;
    return target === undefined || height > target || height <= this.#progress.height;
  }

  /**
   * Re-executes the next blocks (about `maxTxs` transactions; at least one block) and rewrites the stored results that
   * differ, with the progress, in one store transaction.
   */
  step(maxTxs: number = RESULTS_CHUNK_TXS): ResultsStep {
    const target = this.target;
    if (target === undefined || this.done) {
      this.#finish();
      return 'done';
    }
    if (this.#stopped) return 'fault';
    if (!this.#history.complete) return 'waiting';
    const store = this.#store;
    const replay = (this.#replay ??= this.#open());
    const done = this.#progress.height;
    const rewrites: TxResultRewrite[] = [];
    let cost = 0;
    let fault: ResultsFault | undefined;
    while (replay.head.height < target && cost < maxTxs) {
      const h = replay.head.height + 1;
      const block = store.getBlock(h);
      const txs = store.blockTxs(h);
      let results;
      try {
        if (block === undefined) throw new MachiError('BLOCK_INVALID', `block ${h} is missing`, { reason: `block ${h} is missing` });
        results = replay.replayNext(block.header, txs.map((t) => t.body));
      } catch (e) {
        if (!isMachiError(e)) throw e;
        fault = { height: h, reason: typeof e.detail?.reason === 'string' ? e.detail.reason : e.message };
        break;
      }
      cost += 1 + txs.length;
      if (h <= done) continue; // rewritten before a restart: executed again only to rebuild the state
      txs.forEach((t, i) => {
        const code = results[i]!.code ?? null;
        const message = results[i]!.message ?? null;
        if (t.code !== code || t.message !== message) rewrites.push({ seq: t.seq, code, message });
      });
    }
    const top = replay.head.height;
    if (fault !== undefined) {
      // re-execution confirmed the blocks below the fault (top = fault.height - 1, also when it was reached again
      // after a restart, below what was done before): results from the fault on stay as stored, not known
      const next: ResultsProgress = { height: top, changed: this.#progress.changed + rewrites.length, fault };
      store.rewriteResults({ results: rewrites, meta: [[RESULTS_META, JSON.stringify(next)]] });
      this.#progress = next;
      this.#stopped = true;
      // the state below the fault is kept: the retry at the next start resumes at the faulty block
      this.#scratch?.flush();
      this.close();
      return 'fault';
    }
    if (top > done) {
      const next: ResultsProgress = { height: top, changed: this.#progress.changed + rewrites.length };
      store.rewriteResults({ results: rewrites, meta: [[RESULTS_META, JSON.stringify(next)]] });
      this.#progress = next;
    }
    // after the results it covers: the file never runs ahead of the stored progress
    this.#scratch?.flush();
    if (top < target) return 'more';
    this.#finish();
    return 'done';
  }
}
