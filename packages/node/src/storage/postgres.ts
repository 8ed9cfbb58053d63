/**
 * LedgerStore on PostgreSQL: the same tables as SqliteStore (docs/spec/storage.md) in one schema per node, so several
 * nodes can share a database server. One PostgreSQL transaction per block commit, durable when `commitBlock` returns
 * (synchronous_commit as the server has it, on by default). Calls are synchronous through PgSync (a worker thread
 * holds the `pg` client); state values and Merkle log nodes are cached read-through — this node is the only writer to
 * its schema, so the caches stay exact. Why synchronous: docs/decisions/0002-postgres-store.md.
 */
import { assert, hashLeaf } from '@machi/core';
import { PgSync, SCHEMA_RE, type PgStatement } from './pg-sync.js';
import type { BlockToCommit, HistoryBatch, LedgerStore, ResultsBatch, StateSnapshotReader, StoredBlock, StoredTx } from './store.js';

const SCHEMA_VERSION = '1';
/** State values and log nodes kept in memory (each cache), entries; the oldest go first beyond it. */
export const PG_CACHE_ENTRIES = 200_000;
/**
 * Up to this many state keys, the store keeps the set of all of them in memory (loaded at open): a read of a key that
 * does not exist (every new record's first read) then needs no round trip. Beyond it, such reads ask PostgreSQL.
 */
export const PG_KEY_INDEX_MAX = 2_000_000;
/** Block rows kept in memory, the newest and the most read. */
export const PG_BLOCK_CACHE_ENTRIES = 10_000;
/** Keys per page when the key set is loaded. */
const KEY_PAGE = 50_000;
/** Log nodes above the leaves are keyed by level * 2^44 + index, as in SqliteStore. */
const LEVEL_SHIFT = 2 ** 44;

// COLLATE "C": keys order by bytes, as in SQLite, so `scan` pages the same on both backends.
const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)',
  `CREATE TABLE IF NOT EXISTS blocks (height BIGINT PRIMARY KEY, hash TEXT NOT NULL, header TEXT NOT NULL, commit_cert TEXT NOT NULL, first_seq BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS txs (seq BIGINT PRIMARY KEY, hash BYTEA NOT NULL, height BIGINT NOT NULL, signer TEXT NOT NULL, nonce TEXT NOT NULL, body TEXT NOT NULL, code TEXT, message TEXT)`,
  'CREATE UNIQUE INDEX IF NOT EXISTS txs_hash ON txs(hash)',
  'CREATE TABLE IF NOT EXISTS log_nodes (id BIGINT PRIMARY KEY, hash BYTEA NOT NULL)',
  'CREATE TABLE IF NOT EXISTS state (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)',
];

export interface PgLocation {
  /** connection string without the `schema` parameter */
  connectionString: string;
  schema: string;
}

/** Splits `postgres://…?schema=NAME` into the connection string and the schema (`fallback` when absent). */
export function parsePgUrl(url: string, fallback: string): PgLocation {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--store must be a postgres://user@host:port/database URL, got "${url}"`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`--store must be a postgres:// URL, got "${u.protocol}"`);
  const schema = u.searchParams.get('schema') ?? fallback;
  u.searchParams.delete('schema');
  if (!SCHEMA_RE.test(schema)) throw new Error(`PostgreSQL schema "${schema}" must be lower-case letters, digits and _`);
  return { connectionString: u.toString(), schema };
}

/** The default schema of an organisation's node: machi_<org id with - as _>. */
export const defaultSchema = (orgId: string): string => `machi_${orgId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);

/** The other child of the same parent (arithmetic: indexes pass 2^32). */
const sibling = (i: number): number => (i % 2 === 0 ? i + 1 : i - 1);

type TxRow = [number, Uint8Array, number, string, string, string, string | null, string | null];
const TX_COLS = 'seq, hash, height, signer, nonce, body, code, message';

function toStoredTx(r: TxRow): StoredTx {
  return { seq: r[0], hash: Buffer.from(r[1]).toString('hex'), height: r[2], signer: r[3], nonce: r[4], body: r[5], code: r[6], message: r[7] };
}

/** A Map that forgets its oldest entries beyond `max`. */
class Cache<K, V> {
  readonly #m = new Map<K, V>();
  constructor(readonly max: number) {}
  get(k: K): V | undefined {
    return this.#m.get(k);
  }
  has(k: K): boolean {
    return this.#m.has(k);
  }
  set(k: K, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    if (this.#m.size > this.max) this.#m.delete(this.#m.keys().next().value as K);
  }
}

export class PgStore implements LedgerStore {
  readonly #db: PgSync;
  readonly location: PgLocation;
  #height: number;
  #logSize: number;
  /** state key → value, or null when known absent */
  readonly #state = new Cache<string, string | null>(PG_CACHE_ENTRIES);
  readonly #nodes = new Cache<number, Uint8Array>(PG_CACHE_ENTRIES);
  readonly #meta = new Map<string, string>();
  /** block rows as stored (parsed afresh per read: callers get their own objects) */
  readonly #blocks = new Cache<number, [string, string, string, number]>(PG_BLOCK_CACHE_ENTRIES);
  /** every state key, while there are at most PG_KEY_INDEX_MAX; null beyond */
  #keys: Set<string> | null = null;

  constructor(location: PgLocation, opts: { readonly?: boolean } = {}) {
    this.location = location;
    this.#db = new PgSync(location.connectionString, opts.readonly === true ? null : location.schema);
    try {
      if (opts.readonly === true) {
        const found = this.#db.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'blocks'", [location.schema]);
        if (found[0]?.n !== 1) throw new Error(`no ledger in PostgreSQL schema ${location.schema}`);
        this.#db.query(`SET search_path TO ${location.schema}`);
        this.#db.query('SET default_transaction_read_only = on');
      } else {
        this.#db.transaction(SCHEMA.map((text) => ({ text })));
      }
      for (const [k, v] of this.#db.queryArrays<[string, string]>('SELECT key, value FROM meta')) this.#meta.set(k, v);
      const v = this.#meta.get('schema_version');
      if (v === undefined && opts.readonly !== true) this.setMeta('schema_version', SCHEMA_VERSION);
      else if (v !== undefined && v !== SCHEMA_VERSION) throw new Error(`store schema version ${v} is not ${SCHEMA_VERSION}`);
      this.#height = this.#db.queryArrays<[number]>('SELECT coalesce(max(height), 0) FROM blocks')[0]![0];
      this.#logSize = this.#db.queryArrays<[number]>('SELECT coalesce(max(seq) + 1, 0) FROM txs')[0]![0];
      this.#keys = this.#loadKeys();
    } catch (e) {
      this.#db.close();
      throw e;
    }
  }

  #loadKeys(): Set<string> | null {
    const n = this.#db.queryArrays<[number]>('SELECT count(*)::bigint FROM state')[0]![0];
    if (n > PG_KEY_INDEX_MAX) return null;
    const keys = new Set<string>();
    let after = '';
    for (;;) {
      const page = this.#db.queryArrays<[string]>('SELECT key FROM state WHERE key > $1 ORDER BY key LIMIT $2', [after, KEY_PAGE]);
      for (const [k] of page) keys.add(k);
      if (page.length < KEY_PAGE) return keys;
      after = page[page.length - 1]![0];
    }
  }

  height(): number {
    return this.#height;
  }

  logSize(): number {
    return this.#logSize;
  }

  commitBlock({ block, txs, logNodes, writes }: BlockToCommit): void {
    // An empty store may start at any height: a node that joins from a snapshot (docs/spec/membership.md#snapshots).
    assert(block.header.height === this.#height + 1 || (this.#height === 0 && this.#logSize === 0), `commit of ${block.header.height} after ${this.#height}`);
    const st: PgStatement[] = [
      { text: 'INSERT INTO blocks (height, hash, header, commit_cert, first_seq) VALUES ($1, $2, $3, $4, $5)', values: [block.header.height, block.hash, JSON.stringify(block.header), JSON.stringify(block.commit), block.firstSeq] },
    ];
    if (txs.length > 0) {
      st.push({
        text: `INSERT INTO txs (${TX_COLS}) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
        values: [txs.map((t) => t.seq), txs.map((t) => Buffer.from(t.hash, 'hex')), txs.map((t) => t.height), txs.map((t) => t.signer), txs.map((t) => t.nonce), txs.map((t) => t.body), txs.map((t) => t.code), txs.map((t) => t.message)],
      });
    }
    const nodes = logNodes.filter((n) => n.level > 0);
    if (nodes.length > 0) {
      st.push({ text: 'INSERT INTO log_nodes (id, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])', values: [nodes.map((n) => n.level * LEVEL_SHIFT + n.index), nodes.map((n) => Buffer.from(n.hash))] });
    }
    // one row per key (the last write wins): an upsert may not touch a row twice
    const last = new Map(writes);
    const puts = [...last].filter((w): w is [string, string] => w[1] !== null);
    const dels = [...last].filter(([, v]) => v === null).map(([k]) => k);
    if (puts.length > 0) {
      st.push({ text: 'INSERT INTO state (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (key) DO UPDATE SET value = excluded.value', values: [puts.map((p) => p[0]), puts.map((p) => p[1])] });
    }
    if (dels.length > 0) st.push({ text: 'DELETE FROM state WHERE key = ANY($1::text[])', values: [dels] });
    this.#db.transaction(st);
    this.#height = block.header.height;
    this.#logSize = block.firstSeq + txs.length;
    const [, ...row] = st[0]!.values as [number, string, string, string, number];
    this.#blocks.set(block.header.height, row);
    for (const [k, v] of last) {
      this.#state.set(k, v);
      if (v === null) this.#keys?.delete(k);
      else this.#keys?.add(k);
    }
    if (this.#keys !== null && this.#keys.size > PG_KEY_INDEX_MAX) this.#keys = null;
    for (const n of nodes) this.#nodes.set(n.level * LEVEL_SHIFT + n.index, Uint8Array.from(n.hash));
  }

  /**
   * The state as of now through a second connection (its own worker) holding a REPEATABLE READ transaction, whose
   * snapshot is taken at its first statement, here: later commits on this store's connection do not change it.
   */
  stateSnapshot(): StateSnapshotReader | undefined {
    const db = new PgSync(this.location.connectionString, null);
    try {
      db.query(`SET search_path TO ${this.location.schema}`);
      db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      db.queryArrays('SELECT key FROM state LIMIT 1');
    } catch (e) {
      db.close();
      throw e;
    }
    return {
      page: (after, limit) => after === undefined
        ? db.queryArrays<[string, string]>('SELECT key, value FROM state ORDER BY key LIMIT $1', [limit])
        : db.queryArrays<[string, string]>('SELECT key, value FROM state WHERE key > $1 ORDER BY key LIMIT $2', [after, limit]),
      close: () => {
        try {
          db.query('COMMIT');
        } finally {
          db.close();
        }
      },
    };
  }

  commitHistory({ blocks, logNodes, meta }: HistoryBatch): void {
    const st: PgStatement[] = [];
    const txs = blocks.flatMap((b) => b.txs);
    for (const { block, txs: t } of blocks) assert(block.header.height < this.#height && block.firstSeq + t.length <= this.#logSize, `history block ${block.header.height} is not below the head`);
    if (blocks.length > 0) {
      st.push({
        text: 'INSERT INTO blocks (height, hash, header, commit_cert, first_seq) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[])',
        values: [blocks.map((b) => b.block.header.height), blocks.map((b) => b.block.hash), blocks.map((b) => JSON.stringify(b.block.header)), blocks.map((b) => JSON.stringify(b.block.commit)), blocks.map((b) => b.block.firstSeq)],
      });
    }
    if (txs.length > 0) {
      st.push({
        text: `INSERT INTO txs (${TX_COLS}) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
        values: [txs.map((t) => t.seq), txs.map((t) => Buffer.from(t.hash, 'hex')), txs.map((t) => t.height), txs.map((t) => t.signer), txs.map((t) => t.nonce), txs.map((t) => t.body), txs.map((t) => t.code), txs.map((t) => t.message)],
      });
    }
    const nodes = logNodes.filter((n) => n.level > 0);
    if (nodes.length > 0) {
      st.push({ text: 'INSERT INTO log_nodes (id, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])', values: [nodes.map((n) => n.level * LEVEL_SHIFT + n.index), nodes.map((n) => Buffer.from(n.hash))] });
    }
    if (meta.length > 0) {
      st.push({ text: 'INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (key) DO UPDATE SET value = excluded.value', values: [meta.map((m) => m[0]), meta.map((m) => m[1])] });
    }
    if (st.length === 0) return;
    this.#db.transaction(st);
    for (const [k, v] of meta) this.#meta.set(k, v);
    for (const n of nodes) this.#nodes.set(n.level * LEVEL_SHIFT + n.index, Uint8Array.from(n.hash));
  }

  rewriteResults({ results, meta }: ResultsBatch): void {
    const st: PgStatement[] = [];
    if (results.length > 0) {
      const seqs = results.map((r) => r.seq);
      // this node is the only writer of its schema: what is stored now is what the update below finds
      const found = this.#db.queryArrays<[number]>('SELECT count(*)::bigint FROM txs WHERE seq = ANY($1::bigint[])', [seqs])[0]![0];
      if (found !== new Set(seqs).size) throw new Error(`a result to rewrite names a log position with no stored transaction (${seqs.length - found} of ${seqs.length})`);
      st.push({
        text: 'UPDATE txs SET code = u.code, message = u.message FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(seq, code, message) WHERE txs.seq = u.seq',
        values: [seqs, results.map((r) => r.code), results.map((r) => r.message)],
      });
    }
    if (meta.length > 0) {
      st.push({ text: 'INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (key) DO UPDATE SET value = excluded.value', values: [meta.map((m) => m[0]), meta.map((m) => m[1])] });
    }
    if (st.length === 0) return;
    this.#db.transaction(st);
    for (const [k, v] of meta) this.#meta.set(k, v);
  }

  getBlock(height: number): StoredBlock | undefined {
    let r = this.#blocks.get(height);
    if (r === undefined) {
      r = this.#db.queryArrays<[string, string, string, number]>('SELECT hash, header, commit_cert, first_seq FROM blocks WHERE height = $1', [height])[0];
      if (r === undefined) return undefined;
      this.#blocks.set(height, r);
    }
    return { hash: r[0], header: JSON.parse(r[1]), commit: JSON.parse(r[2]), firstSeq: r[3] };
  }

  blockTxs(height: number): StoredTx[] {
    const b = this.getBlock(height);
    return b === undefined ? [] : this.txRange(b.firstSeq, b.firstSeq + b.header.txCount);
  }

  txRange(fromSeq: number, toSeq: number): StoredTx[] {
    return this.#db.queryArrays<TxRow>(`SELECT ${TX_COLS} FROM txs WHERE seq >= $1 AND seq < $2 ORDER BY seq`, [fromSeq, toSeq]).map(toStoredTx);
  }

  getTx(hash: string): StoredTx | undefined {
    const r = this.#db.queryArrays<TxRow>(`SELECT ${TX_COLS} FROM txs WHERE hash = $1`, [Buffer.from(hash, 'hex')])[0];
    return r === undefined ? undefined : toStoredTx(r);
  }

  txAt(seq: number): StoredTx | undefined {
    const r = this.#db.queryArrays<TxRow>(`SELECT ${TX_COLS} FROM txs WHERE seq = $1`, [seq])[0];
    return r === undefined ? undefined : toStoredTx(r);
  }

  hasTx(hash: string): boolean {
    return this.#db.queryArrays('SELECT 1 FROM txs WHERE hash = $1', [Buffer.from(hash, 'hex')]).length > 0;
  }

  read(key: string): string | undefined {
    const c = this.#state.get(key);
    if (c !== undefined) return c ?? undefined;
    if (this.#keys !== null && !this.#keys.has(key)) return undefined;
    const r = this.#db.queryArrays<[string]>('SELECT value FROM state WHERE key = $1', [key])[0];
    this.#state.set(key, r === undefined ? null : r[0]);
    return r?.[0];
  }

  scan(prefix: string, limit: number): [string, string][] {
    return this.#db.queryArrays<[string, string]>('SELECT key, value FROM state WHERE key >= $1 AND key < $2 ORDER BY key LIMIT $3', [prefix, `${prefix}\uffff`, limit]);
  }

  getNode(level: number, index: number): Uint8Array {
    const id = level * LEVEL_SHIFT + index; // a leaf's id is its index
    const c = this.#nodes.get(id);
    if (c !== undefined) return c;
    // A miss is usually the first read of an inclusion proof, which then reads the sibling of each ancestor: fetch
    // those with it, in one round trip per table (the ones not stored, at the log's right edge, are simply absent).
    const leaves = level === 0 ? [index, sibling(index)] : [];
    const ids = level === 0 ? [] : [id];
    for (let l = level + 1, j = Math.floor(index / 2); l < 64 && 2 ** l <= this.#logSize; l++, j = Math.floor(j / 2)) {
      const sib = l * LEVEL_SHIFT + sibling(j);
      if (!this.#nodes.has(sib)) ids.push(sib);
    }
    if (leaves.length > 0) {
      for (const [seq, hash] of this.#db.queryArrays<[number, Uint8Array]>('SELECT seq, hash FROM txs WHERE seq = ANY($1::bigint[])', [leaves])) this.#nodes.set(seq, hashLeaf(hash));
    }
    if (ids.length > 0) {
      for (const [nid, hash] of this.#db.queryArrays<[number, Uint8Array]>('SELECT id, hash FROM log_nodes WHERE id = ANY($1::bigint[])', [ids])) this.#nodes.set(nid, Uint8Array.from(hash));
    }
    const h = this.#nodes.get(id);
    assert(h !== undefined, level === 0 ? `no log leaf ${index}` : `no log node (${level}, ${index})`);
    return h;
  }

  getMeta(key: string): string | undefined {
    return this.#meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.#db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    this.#meta.set(key, value);
  }

  close(): void {
    this.#db.close();
  }
}
