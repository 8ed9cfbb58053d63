/**
 * The storage interface a node needs. SQLite (embedded, the default) implements it; a PostgreSQL backend can follow
 * behind the same interface. Each `commitBlock` is atomic: after a crash a block is either wholly there or absent.
 */
import type { BlockHeader, Commit, MerkleNode, MerkleNodeReader, StateReader } from '@machi/core';

export interface StoredBlock {
  header: BlockHeader;
  commit: Commit;
  hash: string;
  /** log position of the block's first transaction */
  firstSeq: number;
}

export interface StoredTx {
  hash: string;
  seq: number;
  height: number;
  /** canonical JSON of the signed transaction */
  body: string;
  signer: string;
  nonce: string;
  /** rejection code from the handler; null when applied */
  code: string | null;
  message: string | null;
}

export interface BlockToCommit {
  block: StoredBlock;
  txs: StoredTx[];
  logNodes: MerkleNode[];
  /** key → canonical JSON, or null to delete */
  writes: [string, string | null][];
}

/**
 * Older blocks fetched after a snapshot join (docs/spec/membership.md#history), stored below the lowest block held:
 * blocks, their transactions and the log nodes they complete, and the meta rows recording how far history reaches —
 * all in one transaction. Heights and log positions are below what the store holds, so the head does not move.
 */
export interface HistoryBatch {
  blocks: { block: StoredBlock; txs: StoredTx[] }[];
  /** log nodes above the leaves, none of which the store holds yet */
  logNodes: MerkleNode[];
  meta: [string, string][];
}

/** A stored transaction's handler result, rewritten: `code` null = applied. */
export interface TxResultRewrite {
  seq: number;
  code: string | null;
  message: string | null;
}

/**
 * Handler results re-derived by re-executing the chain (a node joined from a snapshot stored its older transactions
 * without them: docs/spec/membership.md#history), and the meta rows recording how far that has come — one transaction.
 */
export interface ResultsBatch {
  results: TxResultRewrite[];
  meta: [string, string][];
}

/** The whole state as of one moment, read in pages (key order) while commits go on; close it when done. */
export interface StateSnapshotReader {
  /** up to `limit` entries with keys after `after` (from the first key when undefined) */
  page(after: string | undefined, limit: number): [string, string][];
  close(): void;
}

export interface LedgerStore extends StateReader, MerkleNodeReader {
  /** Height of the last committed block, 0 when empty. */
  height(): number;
  /** Number of transactions in the log. */
  logSize(): number;
  commitBlock(c: BlockToCommit): void;
  getBlock(height: number): StoredBlock | undefined;
  blockTxs(height: number): StoredTx[];
  /** transactions at log positions [fromSeq, toSeq), in order */
  txRange(fromSeq: number, toSeq: number): StoredTx[];
  getTx(hash: string): StoredTx | undefined;
  /** the transaction at log position `seq` */
  txAt(seq: number): StoredTx | undefined;
  hasTx(hash: string): boolean;
  /** state values whose key starts with `prefix`, in key order, at most `limit` */
  scan(prefix: string, limit: number): [string, string][];
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /**
   * Runs `fn`, a burst of reads and no writes (executing a block against the state), in one read transaction where the
   * engine has them: outside a transaction SQLite takes and drops its WAL read lock around every statement, about
   * 5 µs of a 6.5 µs point read (measured: 7.2 → 1.3 µs per read). Absent: `fn` runs as is.
   */
  reading?<T>(fn: () => T): T;
  /** A consistent view of the state as of the last commit, read without holding up later commits (absent: scan). */
  stateSnapshot?(): StateSnapshotReader | undefined;
  /** Stores older history of a node joined from a snapshot (absent: the store cannot hold one). Atomic. */
  commitHistory?(batch: HistoryBatch): void;
  /**
   * Rewrites the `code` and `message` of stored transactions (by log position) and sets the meta rows, atomically.
   * Every `seq` must be a stored transaction: otherwise it throws and nothing is written. Nothing else of a
   * transaction changes.
   */
  rewriteResults(batch: ResultsBatch): void;
  close(): void;
}
