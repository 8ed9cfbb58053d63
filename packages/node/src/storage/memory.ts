/**
 * An in-memory LedgerStore for the simulator and tests. What it writes goes to a `MemoryDisk`, which outlives the
 * store: a simulated crash drops the store (and the node and driver above it) and reopens the same disk, keeping
 * exactly what was durably written. Like SqliteStore (WAL, synchronous=FULL) every `commitBlock` and `setMeta` is
 * durable and atomic when it returns, so the disk holds rows as text, never live objects.
 */
import { assert, fromHex, hashLeaf } from '@machi/core';
import type { BlockToCommit, LedgerStore, ResultsBatch, StoredBlock, StoredTx } from './store.js';

/** The durable part: survives a simulated crash. */
export class MemoryDisk {
  readonly blocks: string[] = [];
  readonly txs: string[] = [];
  readonly txSeqByHash = new Map<string, number>();
  readonly nodes = new Map<string, Uint8Array>();
  readonly state = new Map<string, string>();
  readonly meta = new Map<string, string>();
  /** writes so far (commitBlock and setMeta): for the simulator's counts */
  writes = 0;
}

export class MemoryStore implements LedgerStore {
  readonly disk: MemoryDisk;
  #closed = false;

  constructor(disk: MemoryDisk = new MemoryDisk()) {
    this.disk = disk;
  }

  height(): number {
    return this.disk.blocks.length;
  }

  logSize(): number {
    return this.disk.txs.length;
  }

  commitBlock({ block, txs, logNodes, writes }: BlockToCommit): void {
    this.#open();
    const d = this.disk;
    assert(block.header.height === d.blocks.length + 1, `commit of ${block.header.height} after ${d.blocks.length}`);
    assert(block.firstSeq === d.txs.length, `block's first seq ${block.firstSeq} after ${d.txs.length} txs`);
    // One step, nothing that can throw half-way: the block is wholly there or absent, as with one SQLite transaction.
    d.blocks.push(JSON.stringify(block));
    for (const t of txs) {
      d.txSeqByHash.set(t.hash, t.seq);
      d.txs.push(JSON.stringify(t));
    }
    for (const n of logNodes) if (n.level > 0) d.nodes.set(`${n.level}/${n.index}`, Uint8Array.from(n.hash));
    for (const [k, v] of writes) {
      if (v === null) d.state.delete(k);
      else d.state.set(k, v);
    }
    d.writes++;
  }

  rewriteResults({ results, meta }: ResultsBatch): void {
    this.#open();
    const d = this.disk;
    for (const r of results) if (d.txs[r.seq] === undefined) throw new Error(`no stored transaction at log position ${r.seq}`);
    // checked first, then one step with nothing that can throw: all of it or none, as with one SQLite transaction
    for (const r of results) d.txs[r.seq] = JSON.stringify({ ...(JSON.parse(d.txs[r.seq]!) as StoredTx), code: r.code, message: r.message });
    for (const [k, v] of meta) d.meta.set(k, v);
    d.writes++;
  }

  getBlock(height: number): StoredBlock | undefined {
    const b = this.disk.blocks[height - 1];
    return b === undefined ? undefined : (JSON.parse(b) as StoredBlock);
  }

  blockTxs(height: number): StoredTx[] {
    const b = this.getBlock(height);
    return b === undefined ? [] : this.txRange(b.firstSeq, b.firstSeq + b.header.txCount);
  }

  txRange(fromSeq: number, toSeq: number): StoredTx[] {
    return this.disk.txs.slice(Math.max(0, fromSeq), Math.max(0, toSeq)).map((t) => JSON.parse(t) as StoredTx);
  }

  getTx(hash: string): StoredTx | undefined {
    const seq = this.disk.txSeqByHash.get(hash);
    return seq === undefined ? undefined : this.txAt(seq);
  }

  txAt(seq: number): StoredTx | undefined {
    const t = this.disk.txs[seq];
    return t === undefined ? undefined : (JSON.parse(t) as StoredTx);
  }

  hasTx(hash: string): boolean {
    return this.disk.txSeqByHash.has(hash);
  }

  read(key: string): string | undefined {
    return this.disk.state.get(key);
  }

  scan(prefix: string, limit: number): [string, string][] {
    const keys = [...this.disk.state.keys()].filter((k) => k.startsWith(prefix)).sort();
    return keys.slice(0, limit).map((k) => [k, this.disk.state.get(k)!]);
  }

  getNode(level: number, index: number): Uint8Array {
    if (level === 0) {
      const t = this.txAt(index);
      assert(t !== undefined, `no log leaf ${index}`);
      return hashLeaf(fromHex(t.hash));
    }
    const h = this.disk.nodes.get(`${level}/${index}`);
    assert(h !== undefined, `no log node (${level}, ${index})`);
    return h;
  }

  getMeta(key: string): string | undefined {
    return this.disk.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.#open();
    this.disk.meta.set(key, value);
    this.disk.writes++;
  }

  close(): void {
    this.#closed = true;
  }

  /** A crashed (closed) store writes nothing more: whatever its node still does after the crash is lost. */
  #open(): void {
    if (this.#closed) throw new Error('store closed');
  }
}
