/**
 * LedgerStore on SQLite (better-sqlite3): WAL journal, one SQLite transaction per block commit, synchronous=FULL so
 * an acknowledged commit survives a crash of the process or the machine. Schema in docs/spec/storage.md.
 */
import Database from 'better-sqlite3';
import { assert, hashLeaf } from '@machi/core';
import type { BlockToCommit, HistoryBatch, LedgerStore, ResultsBatch, StateSnapshotReader, StoredBlock, StoredTx } from './store.js';

const SCHEMA_VERSION = '1';
/** SQLite's page cache of the node's connection, KiB (its default is 2 MiB): reads of receipts and proofs hit it. */
export const SQLITE_CACHE_KIB = 64 * 1024;
/**
 * WAL pages after which a commit checkpoints them into the database file (SQLite's default is 1,000, 4 MB). A busy
 * block dirties a few thousand pages (its transactions land on random pages of the hash index and the state), so at
 * the default every commit checkpointed, writing the B-trees' upper pages, which every block changes, again each time.
 * At 16,384 (64 MB of WAL) one checkpoint serves several busy blocks: measured, about a sixth less CPU per committed
 * transaction in the store.
 */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 16_384;

/**
 * `meta` is an ordinary (rowid) table: the consensus guard record carries the block this node is locked on, hundreds
 * of KB rewritten at every height, and SQLite rewrites a large value in a rowid table in about half the time it takes
 * in a WITHOUT ROWID one (measured: 800 KB, 4.0 vs 8.0 ms). Stores made before keep their WITHOUT ROWID table: same
 * rows, same answers.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  header TEXT NOT NULL,
  commit_cert TEXT NOT NULL,
  first_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS txs (
  seq INTEGER PRIMARY KEY,
  hash BLOB NOT NULL,
  height INTEGER NOT NULL,
  signer TEXT NOT NULL,
  nonce TEXT NOT NULL,
  body TEXT NOT NULL,
  code TEXT,
  message TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS txs_hash ON txs(hash);
CREATE TABLE IF NOT EXISTS log_nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/** Log nodes above the leaves are keyed by level * 2^44 + index: one integer key, no composite index. */
const LEVEL_SHIFT = 2 ** 44;

interface TxRow {
  seq: number;
  hash: Buffer;
  height: number;
  signer: string;
  nonce: string;
  body: string;
  code: string | null;
  message: string | null;
}

function toStoredTx(r: TxRow): StoredTx {
  return { ...r, hash: r.hash.toString('hex') };
}

export class SqliteStore implements LedgerStore {
  readonly #db: Database.Database;
  readonly #file: string;
  readonly #q;
  #height: number;
  #logSize: number;

  constructor(file: string, opts: { readonly?: boolean } = {}) {
    this.#file = file;
    this.#db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    if (!opts.readonly) {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
      this.#db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
      this.#db.exec(SCHEMA);
      const v = this.#db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema_version') as string | undefined;
      if (v === undefined) this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
      else if (v !== SCHEMA_VERSION) throw new Error(`store schema version ${v} is not ${SCHEMA_VERSION}`);
    }
    const db = this.#db;
    this.#q = {
      insertBlock: db.prepare('INSERT INTO blocks (height, hash, header, commit_cert, first_seq) VALUES (?, ?, ?, ?, ?)'),
      insertTx: db.prepare('INSERT INTO txs (seq, hash, height, signer, nonce, body, code, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insertNode: db.prepare('INSERT INTO log_nodes (id, hash) VALUES (?, ?)'),
      putState: db.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      delState: db.prepare('DELETE FROM state WHERE key = ?'),
      getState: db.prepare('SELECT value FROM state WHERE key = ?').pluck(),
      scan: db.prepare('SELECT key, value FROM state WHERE key >= ? AND key < ? ORDER BY key LIMIT ?').raw(),
      getBlock: db.prepare('SELECT hash, header, commit_cert, first_seq FROM blocks WHERE height = ?'),
      txRange: db.prepare('SELECT seq, hash, height, signer, nonce, body, code, message FROM txs WHERE seq >= ? AND seq < ? ORDER BY seq'),
      txByHash: db.prepare('SELECT seq, hash, height, signer, nonce, body, code, message FROM txs WHERE hash = ?'),
      txAt: db.prepare('SELECT seq, hash, height, signer, nonce, body, code, message FROM txs WHERE seq = ?'),
      hasTx: db.prepare('SELECT 1 FROM txs WHERE hash = ?').pluck(),
      leafTxHash: db.prepare('SELECT hash FROM txs WHERE seq = ?').pluck(),
      node: db.prepare('SELECT hash FROM log_nodes WHERE id = ?').pluck(),
      setResult: db.prepare('UPDATE txs SET code = ?, message = ? WHERE seq = ?'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      maxHeight: db.prepare('SELECT coalesce(max(height), 0) FROM blocks').pluck(),
      maxSeq: db.prepare('SELECT coalesce(max(seq) + 1, 0) FROM txs').pluck(),
      begin: db.prepare('BEGIN'),
      end: db.prepare('COMMIT'),
    };
    this.#height = this.#q.maxHeight.get() as number;
    this.#logSize = this.#q.maxSeq.get() as number;
    this.commitBlock = db.transaction(this.#commit.bind(this)) as (c: BlockToCommit) => void;
    this.commitHistory = db.transaction(this.#commitHistory.bind(this)) as (b: HistoryBatch) => void;
    this.rewriteResults = db.transaction(this.#rewriteResults.bind(this)) as (b: ResultsBatch) => void;
  }

  height(): number {
    return this.#height;
  }

  logSize(): number {
    return this.#logSize;
  }

  /** Atomic: runs #commit inside one SQLite transaction (set in the constructor). */
  commitBlock: (c: BlockToCommit) => void;

  #commit({ block, txs, logNodes, writes }: BlockToCommit): void {
    const q = this.#q;
    // An empty store may start at any height: a node that joins from a snapshot (docs/spec/consensus.md#snapshots).
    assert(block.header.height === this.#height + 1 || (this.#height === 0 && this.#logSize === 0), `commit of ${block.header.height} after ${this.#height}`);
    q.insertBlock.run(block.header.height, block.hash, JSON.stringify(block.header), JSON.stringify(block.commit), block.firstSeq);
    for (const t of txs) q.insertTx.run(t.seq, Buffer.from(t.hash, 'hex'), t.height, t.signer, t.nonce, t.body, t.code, t.message);
    for (const n of logNodes) if (n.level > 0) q.insertNode.run(n.level * LEVEL_SHIFT + n.index, n.hash);
    for (const [k, v] of writes) {
      if (v === null) q.delState.run(k);
      else q.putState.run(k, v);
    }
    this.#height = block.header.height;
    this.#logSize = block.firstSeq + txs.length;
  }

  /** Atomic: runs #commitHistory inside one SQLite transaction (set in the constructor). */
  commitHistory: (b: HistoryBatch) => void;

  #commitHistory({ blocks, logNodes, meta }: HistoryBatch): void {
    const q = this.#q;
    for (const { block, txs } of blocks) {
      assert(block.header.height < this.#height && block.firstSeq + txs.length <= this.#logSize, `history block ${block.header.height} is not below the head`);
      q.insertBlock.run(block.header.height, block.hash, JSON.stringify(block.header), JSON.stringify(block.commit), block.firstSeq);
      for (const t of txs) q.insertTx.run(t.seq, Buffer.from(t.hash, 'hex'), t.height, t.signer, t.nonce, t.body, t.code, t.message);
    }
    for (const n of logNodes) if (n.level > 0) q.insertNode.run(n.level * LEVEL_SHIFT + n.index, n.hash);
    for (const [k, v] of meta) q.setMeta.run(k, v);
  }

  /** Atomic: runs #rewriteResults inside one SQLite transaction (set in the constructor). */
  rewriteResults: (b: ResultsBatch) => void;

  #rewriteResults({ results, meta }: ResultsBatch): void {
    const q = this.#q;
    for (const r of results) {
      if (q.setResult.run(r.code, r.message, r.seq).changes !== 1) throw new Error(`no stored transaction at log position ${r.seq}`);
    }
    for (const [k, v] of meta) q.setMeta.run(k, v);
  }

  /**
   * The state as of now, through a second connection that holds a read transaction: WAL snapshot isolation keeps
   * its view while this connection commits more blocks (the WAL is not checkpointed past it until it is closed).
   */
  stateSnapshot(): StateSnapshotReader | undefined {
    if (this.#file === ':memory:' || this.#file === '') return undefined;
    const db = new Database(this.#file, { readonly: true, fileMustExist: true });
    db.exec('BEGIN');
    const first = db.prepare('SELECT key, value FROM state ORDER BY key LIMIT ?').raw();
    const next = db.prepare('SELECT key, value FROM state WHERE key > ? ORDER BY key LIMIT ?').raw();
    first.all(1); // the read transaction's snapshot is taken at its first read: now
    return {
      page: (after, limit) => (after === undefined ? first.all(limit) : next.all(after, limit)) as [string, string][],
      close: () => {
        db.exec('COMMIT');
        db.close();
      },
    };
  }

  getBlock(height: number): StoredBlock | undefined {
    const r = this.#q.getBlock.get(height) as { hash: string; header: string; commit_cert: string; first_seq: number } | undefined;
    if (r === undefined) return undefined;
    return { hash: r.hash, header: JSON.parse(r.header), commit: JSON.parse(r.commit_cert), firstSeq: r.first_seq };
  }

  blockTxs(height: number): StoredTx[] {
    const b = this.getBlock(height);
    return b === undefined ? [] : this.txRange(b.firstSeq, b.firstSeq + b.header.txCount);
  }

  txRange(fromSeq: number, toSeq: number): StoredTx[] {
    return (this.#q.txRange.all(fromSeq, toSeq) as TxRow[]).map(toStoredTx);
  }

  getTx(hash: string): StoredTx | undefined {
    const r = this.#q.txByHash.get(Buffer.from(hash, 'hex')) as TxRow | undefined;
    return r === undefined ? undefined : toStoredTx(r);
  }

  txAt(seq: number): StoredTx | undefined {
    const r = this.#q.txAt.get(seq) as TxRow | undefined;
    return r === undefined ? undefined : toStoredTx(r);
  }

  hasTx(hash: string): boolean {
    return this.#q.hasTx.get(Buffer.from(hash, 'hex')) !== undefined;
  }

  reading<T>(fn: () => T): T {
    if (this.#db.inTransaction) return fn();
    this.#q.begin.run();
    try {
      return fn();
    } finally {
      this.#q.end.run();
    }
  }

  read(key: string): string | undefined {
    return this.#q.getState.get(key) as string | undefined;
  }

  scan(prefix: string, limit: number): [string, string][] {
    return this.#q.scan.all(prefix, `${prefix}\uffff`, limit) as [string, string][];
  }

  getNode(level: number, index: number): Uint8Array {
    if (level === 0) {
      const h = this.#q.leafTxHash.get(index) as Buffer | undefined;
      assert(h !== undefined, `no log leaf ${index}`);
      return hashLeaf(h);
    }
    const h = this.#q.node.get(level * LEVEL_SHIFT + index) as Buffer | undefined;
    assert(h !== undefined, `no log node (${level}, ${index})`);
    return h;
  }

  getMeta(key: string): string | undefined {
    return this.#q.getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.#q.setMeta.run(key, value);
  }

  close(): void {
    this.#db.close();
  }
}
