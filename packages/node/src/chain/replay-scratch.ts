/**
 * A replay's state on disk (the core's ReplayStore): `machi verify` and a joined node's re-derivation of its older
 * handler results (node/history-results.ts) re-execute the chain from genesis, and the state they build is as large as
 * the ledger's own. In memory that would not fit a chain of hundreds of millions of transactions; in this scratch
 * SQLite file it takes bounded memory, and a re-derivation that stopped (a restart, a fault) resumes from the block it
 * had reached instead of from genesis.
 *
 * Applied blocks are held in memory until `flush` commits their writes and the head in one transaction: the caller
 * flushes once what the blocks gave is stored (a re-derivation's rewritten results), so the file never runs ahead of
 * it. Scratch only: no fsync (a crash loses at most the last flushes, which are executed again; SQLite's WAL keeps
 * each transaction whole), deleted when the replay is done.
 */
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ReplayHead, ReplayStore } from '@machi/core';

/** The scratch file's name in a node's data directory (a joined node's re-derivation). */
export const REPLAY_SCRATCH_FILE = 'replay-scratch.db';
/** Page cache of a scratch store: reads of recently written keys stay in memory; the rest is the OS's file cache. */
const SCRATCH_CACHE_KIB = 32 * 1024;
/** `machi verify` flushes after a block once this many writes are pending (bounded memory on any block size). */
export const SCRATCH_PENDING_WRITES_MAX = 50_000;

export class SqliteReplayStore implements ReplayStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], { value: string }>;
  readonly #put: Database.Statement<[string, string]>;
  readonly #del: Database.Statement<[string]>;
  readonly #setHead: Database.Statement<[string]>;
  /** writes applied and not flushed: a value, or null for a delete */
  readonly #pending = new Map<string, string | null>();
  #pendingHead: ReplayHead | undefined;
  #head: ReplayHead | undefined;

  constructor(file: string) {
    this.file = file;
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = OFF');
    this.#db.pragma(`cache_size = -${SCRATCH_CACHE_KIB}`);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
    `);
    this.#get = this.#db.prepare('SELECT value FROM state WHERE key = ?');
    this.#put = this.#db.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#del = this.#db.prepare('DELETE FROM state WHERE key = ?');
    this.#setHead = this.#db.prepare('INSERT INTO head (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json');
    const row = this.#db.prepare('SELECT json FROM head WHERE id = 1').get() as { json: string } | undefined;
    this.#head = row === undefined ? undefined : (JSON.parse(row.json) as ReplayHead);
  }

  read(key: string): string | undefined {
    const p = this.#pending.get(key);
    if (p !== undefined) return p ?? undefined;
    return this.#get.get(key)?.value;
  }

  apply(writes: readonly [string, string | null][], head: ReplayHead): void {
    for (const [k, v] of writes) this.#pending.set(k, v);
    this.#pendingHead = head;
  }

  head(): ReplayHead | undefined {
    return this.#pendingHead ?? this.#head;
  }

  /** writes applied and not flushed yet */
  get pendingWrites(): number {
    return this.#pending.size;
  }

  /** The head flushed to the file: where the replay resumes after a restart. */
  get flushedHead(): ReplayHead | undefined {
    return this.#head;
  }

  /** Commits the applied blocks' writes and their head in one transaction. */
  flush(): void {
    const head = this.#pendingHead;
    if (head === undefined) return;
    this.#db.transaction(() => {
      for (const [k, v] of this.#pending) {
        if (v === null) this.#del.run(k);
        else this.#put.run(k, v);
      }
      this.#setHead.run(JSON.stringify(head));
    })();
    this.#pending.clear();
    this.#pendingHead = undefined;
    this.#head = head;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Closes the store and deletes its files. */
  remove(): void {
    this.close();
    removeScratch(this.file);
  }
}

/** Deletes a scratch store's files (the database and SQLite's WAL and shared-memory files), if there are any. */
export function removeScratch(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f, { force: true });
}
