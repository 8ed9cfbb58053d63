/**
 * A single-validator Machi node: admits transactions into a bounded mempool (each checked once, off the main thread),
 * builds a block as soon as there is something to commit, signs its commit certificate and stores it atomically.
 * Multi-organisation BFT consensus replaces `#produce` in the consortium; everything else stays.
 */
import { EventEmitter } from 'node:events';
import {
  BLOCK_TXS_MAX,
  MEMPOOL_TXS_MAX,
  TX_TIME_SKEW_MS_MAX,
  BUNDLE_FORMAT,
  MachiError,
  MerkleLog,
  NONCE_WINDOW_MS,
  RecentNonces,
  nonceKey,
  txTimeValid,
  blockHash,
  buildBlock,
  genesisHead,
  orgByKey,
  precommitSignBytes,
  toHex,
  createRegistry,
  validatorsOf,
  type ChainHead,
  type CheckedTx,
  type ErrorCode,
  type Genesis,
  type Org,
  type ProofBundle,
  type Signer,
  type SignedTx,
  type TxTypeRegistry,
} from '@machi/core';
import type { LedgerStore, StoredBlock, StoredTx } from '../storage/store.js';
import type { TxChecker } from './checker.js';

export interface NodeOptions {
  genesis: Genesis;
  signer: Signer;
  store: LedgerStore;
  checker: TxChecker;
  /** ms since the epoch; injectable for tests */
  clock?: () => number;
}

export type SubmitOutcome = { ok: true; hash: string } | { ok: false; hash?: string; code: ErrorCode; message: string };

export interface Receipt {
  hash: string;
  status: 'pending' | 'committed';
  height?: number;
  /** position in the chain's log */
  seq?: number;
  /** set when the transaction's handler rejected it (it is still on the ledger, with no effect) */
  code?: string;
  message?: string;
}

interface Waiter {
  ok(r: Receipt): void;
  fail(e: MachiError): void;
}

export interface NodeEvents {
  block: [StoredBlock];
}

export class MachiNode extends EventEmitter<NodeEvents> {
  readonly genesis: Genesis;
  readonly registry: TxTypeRegistry;
  readonly orgs: Map<string, Org>;
  readonly self: Org;
  readonly store: LedgerStore;
  readonly #signer: Signer;
  readonly #checker: TxChecker;
  readonly #clock: () => number;
  readonly #isValidator: boolean;
  #log: MerkleLog;
  #head: ChainHead;
  readonly #mempool = new Map<string, CheckedTx>();
  readonly #pendingNonces = new Set<string>();
  /** nonces of committed txs inside the replay window (see @machi/core replay.ts) */
  readonly #recentNonces = new RecentNonces();
  readonly #waiters = new Map<string, Waiter[]>();
  #producing = false;
  #closed = false;

  constructor(opts: NodeOptions) {
    super();
    this.genesis = opts.genesis;
    this.store = opts.store;
    this.#signer = opts.signer;
    this.#checker = opts.checker;
    this.#clock = opts.clock ?? Date.now;
    this.registry = createRegistry();
    this.orgs = orgByKey(opts.genesis);
    const self = this.orgs.get(opts.signer.publicKey);
    if (self === undefined) throw new MachiError('GENESIS_INVALID', "this node's key is not an organisation in the genesis file");
    this.self = self;
    this.#isValidator = validatorsOf(opts.genesis).some((v) => v.publicKey === opts.signer.publicKey);
    this.#log = MerkleLog.fromReader(this.store, this.store.logSize());
    this.#head = this.#loadHead();
    this.#loadRecentNonces();
  }

  /** Rebuilds the replay window from the newest blocks back to the first one older than the window. */
  #loadRecentNonces(): void {
    const blocks: StoredBlock[] = [];
    for (let h = this.#head.height; h >= 1; h--) {
      const b = this.store.getBlock(h)!;
      if (b.header.time < this.#head.time - NONCE_WINDOW_MS) break;
      blocks.push(b);
    }
    for (const b of blocks.reverse()) {
      for (const t of this.store.txRange(b.firstSeq, b.firstSeq + b.header.txCount)) this.#recentNonces.add(nonceKey(t.signer, t.nonce), b.header.time);
    }
  }

  #loadHead(): ChainHead {
    const h = this.store.height();
    if (h === 0) return genesisHead(this.genesis);
    const b = this.store.getBlock(h)!;
    return { height: h, hash: b.hash, time: b.header.time, appHash: b.header.appHash };
  }

  get head(): ChainHead {
    return this.#head;
  }

  get mempoolSize(): number {
    return this.#mempool.size;
  }

  /** Checks and admits a batch; outcomes are in input order. Nothing is stored until a block commits. */
  async submit(values: readonly unknown[]): Promise<SubmitOutcome[]> {
    const checked = await this.#checker.check(values);
    const now = this.#clock();
    const out: SubmitOutcome[] = checked.map((c, i) => {
      if (!c.ok) return c;
      const tx = values[i] as SignedTx;
      const fail = (code: ErrorCode, message?: string): SubmitOutcome => ({ ok: false, hash: c.hash, code, message: message ?? new MachiError(code).message });
      if (Math.abs(tx.time - now) > TX_TIME_SKEW_MS_MAX) return fail('TX_TIME_SKEW', `transaction time is ${Math.round((tx.time - now) / 1000)} s from the node clock; at most ${TX_TIME_SKEW_MS_MAX / 1000} s allowed`);
      // Identical bytes carry the same (signer, nonce), so only a nonce hit needs the (random-access) hash lookup.
      const key = nonceKey(tx.signer, tx.nonce);
      if (this.#pendingNonces.has(key) || this.#recentNonces.has(key, now)) {
        return fail(this.#mempool.has(c.hash) || this.store.hasTx(c.hash) ? 'TX_DUPLICATE' : 'TX_REPLAYED');
      }
      if (this.#mempool.size >= MEMPOOL_TXS_MAX) return fail('MEMPOOL_FULL');
      this.#mempool.set(c.hash, { tx, hash: c.hash, canonical: c.canonical });
      this.#pendingNonces.add(key);
      return { ok: true, hash: c.hash };
    });
    this.#scheduleBlock();
    return out;
  }

  receipt(hash: string): Receipt | undefined {
    if (this.#mempool.has(hash)) return { hash, status: 'pending' };
    const t = this.store.getTx(hash);
    return t === undefined ? undefined : committedReceipt(t);
  }

  /** Resolves with the committed receipt, or rejects with COMMIT_TIMEOUT. */
  waitCommitted(hash: string, timeoutMs: number): Promise<Receipt> {
    const r = this.receipt(hash);
    if (r?.status === 'committed') return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(hash) ?? [];
      const timer = setTimeout(() => {
        const l = this.#waiters.get(hash);
        if (l !== undefined) {
          l.splice(l.indexOf(done), 1);
          if (l.length === 0) this.#waiters.delete(hash);
        }
        reject(new MachiError('COMMIT_TIMEOUT', undefined, { hash }));
      }, timeoutMs);
      const done: Waiter = {
        ok: (rec) => {
          clearTimeout(timer);
          resolve(rec);
        },
        fail: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      list.push(done);
      this.#waiters.set(hash, list);
    });
  }

  #scheduleBlock(): void {
    if (this.#producing || this.#closed || !this.#isValidator || this.#mempool.size === 0) return;
    this.#producing = true;
    setImmediate(() => {
      try {
        this.#produce();
      } finally {
        this.#producing = false;
        this.#scheduleBlock();
      }
    });
  }

  #produce(): void {
    if (this.#closed) return;
    const time = Math.max(this.#clock(), this.#head.time);
    const txs: CheckedTx[] = [];
    for (const c of this.#mempool.values()) {
      if (!txTimeValid(c.tx.time, time) || this.#recentNonces.has(nonceKey(c.tx.signer, c.tx.nonce), time)) {
        this.#drop(c, 'TX_EXPIRED');
        continue;
      }
      txs.push(c);
      if (txs.length >= BLOCK_TXS_MAX) break;
    }
    if (txs.length === 0) return;
    const firstSeq = this.#log.size;
    const built = buildBlock({
      genesis: this.genesis,
      registry: this.registry,
      orgs: this.orgs,
      prev: this.#head,
      time,
      proposer: this.#signer.publicKey,
      log: this.#log,
      state: this.store,
      txs,
    });
    const { header, execution } = built;
    const hash = blockHash(header);
    const commit = {
      height: header.height,
      round: 0,
      blockHash: hash,
      signatures: [{ validator: this.#signer.publicKey, sig: this.#signer.sign(precommitSignBytes(header.chainId, header.height, 0, hash)) }],
    };
    const stored: StoredTx[] = txs.map((c, i) => ({
      hash: c.hash,
      seq: firstSeq + i,
      height: header.height,
      signer: c.tx.signer,
      nonce: c.tx.nonce,
      body: c.canonical,
      code: execution.results[i]!.code ?? null,
      message: execution.results[i]!.message ?? null,
    }));
    const block: StoredBlock = { header, commit, hash, firstSeq };
    try {
      this.store.commitBlock({ block, txs: stored, logNodes: built.logNodes, writes: execution.writes });
    } catch (e) {
      // The store rolled back; rebuild the in-memory log from what is stored and leave the txs in the mempool.
      this.#log = MerkleLog.fromReader(this.store, this.store.logSize());
      throw e;
    }
    this.#head = { height: header.height, hash, time: header.time, appHash: header.appHash };
    this.#recentNonces.prune(header.time);
    for (const t of stored) {
      const key = nonceKey(t.signer, t.nonce);
      this.#mempool.delete(t.hash);
      this.#pendingNonces.delete(key);
      this.#recentNonces.add(key, header.time);
      const waiters = this.#waiters.get(t.hash);
      if (waiters !== undefined) {
        this.#waiters.delete(t.hash);
        const r = committedReceipt(t);
        for (const w of waiters) w.ok(r);
      }
    }
    this.emit('block', block);
  }

  /** Removes a transaction that can no longer be committed and tells whoever waits for it. */
  #drop(c: CheckedTx, code: ErrorCode): void {
    this.#mempool.delete(c.hash);
    this.#pendingNonces.delete(nonceKey(c.tx.signer, c.tx.nonce));
    const waiters = this.#waiters.get(c.hash);
    this.#waiters.delete(c.hash);
    for (const w of waiters ?? []) w.fail(new MachiError(code, undefined, { hash: c.hash }));
  }

  /** Proof bundle for a committed transaction: verifiable offline with the genesis file alone. */
  proof(hash: string): ProofBundle | undefined {
    const t = this.store.getTx(hash);
    if (t === undefined) return undefined;
    const b = this.store.getBlock(t.height)!;
    const proof = this.#log.inclusionProof(t.seq, b.header.logSize);
    return {
      format: BUNDLE_FORMAT,
      tx: JSON.parse(t.body) as SignedTx,
      txHash: t.hash,
      leafIndex: t.seq,
      inclusionProof: proof.map(toHex),
      header: b.header,
      commit: b.commit,
    };
  }

  consistencyProof(size1: number, size2: number): string[] {
    return this.#log.consistencyProof(size1, size2).map(toHex);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#checker.close();
  }
}

function committedReceipt(t: StoredTx): Receipt {
  const r: Receipt = { hash: t.hash, status: 'committed', height: t.height, seq: t.seq };
  if (t.code !== null) r.code = t.code;
  if (t.message !== null) r.message = t.message;
  return r;
}
