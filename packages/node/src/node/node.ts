/**
 * A Machi node's ledger side: admits transactions into a bounded mempool (each checked once, off the main thread),
 * prepares blocks for proposals, checks blocks proposed or synced from peers, and commits decided blocks atomically.
 * Deciding *which* block commits is consensus's job (../consensus/driver.ts), which calls into this class.
 */
import { EventEmitter } from 'node:events';
import {
  BLOCK_TXS_MAX,
  BLOCK_TX_BYTES_MAX,
  BUNDLE_FORMAT,
  MEMPOOL_TXS_MAX,
  MachiError,
  MerkleLog,
  NONCE_WINDOW_MS,
  RecentNonces,
  TX_BYTES_MAX,
  TX_TIME_SKEW_MS_MAX,
  assert,
  blockHash,
  buildBlock,
  canonicalJson,
  createRegistry,
  genesisHead,
  isMachiError,
  nonceKey,
  orgByKey,
  toHex,
  txHashOfCanonical,
  txHash,
  checkTxShape,
  txTimeValid,
  validatorsOf,
  verifyCommit,
  type BlockExecution,
  type BlockHeader,
  type ChainHead,
  type CheckedTx,
  type Commit,
  type ErrorCode,
  type Genesis,
  type MerkleNode,
  type Org,
  type ProofBundle,
  type SignedTx,
  type TxTypeRegistry,
  type Validator,
  CONSORTIUM_NEXT_KEY,
  genesisSet,
  memberSetAt,
  orgKeyHistory,
  validatorsOfOrgs,
  type OrgKey,
  type MemberSet,
  type SetChange,
} from '@machi/core';
import type { LedgerStore, StoredBlock, StoredTx } from '../storage/store.js';
import type { CheckOutcome, TxChecker } from './checker.js';
import { History } from './history.js';

export { BLOCK_TX_BYTES_MAX } from '@machi/core'; // [consensus] moved to the core's limits (issue 10)
/** A proposed block's time may be at most this far ahead of our clock. */
export const BLOCK_TIME_AHEAD_MS_MAX = 10_000;

export interface NodeOptions {
  genesis: Genesis;
  /** this node's organisation key (public part) */
  publicKey: string;
  store: LedgerStore;
  checker: TxChecker;
  /** ms since the epoch; injectable for tests */
  clock?: () => number;
  /** the transaction types (default: a new `createRegistry()`); the simulator shares one across its nodes */
  registry?: TxTypeRegistry;
  /** the organisation id of a node whose key is not (yet) in the member set: it follows the chain without a vote */
  orgId?: string;
  /**
   * Whether this node holds the private key of `publicKey` (a rotated key: keys.ts). When the member set names another
   * key for this node's organisation and it holds it, the node signs with it from that height on (`signing-key`).
   */
  holdsKey?: (publicKey: string) => boolean;
  /**
   * A file for the state a joined node re-executes its older blocks on (node/history-results.ts): bounded memory on
   * any chain length, and the work resumes after a restart. Default: in memory (tests, tools).
   */
  replayScratchFile?: string;
}

/** Meta keys of the set-change certificates, by epoch. */
export const SET_CHANGE_META = 'setchange/';

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
  /**
   * `false` when this node does not know the handler result yet (then `code` is absent and does not mean applied): it
   * joined from a snapshot and re-derives the results of the transactions up to it once it holds the whole history
   * (docs/spec/membership.md#history). Absent otherwise.
   */
  resultKnown?: false;
}

/** A block executed on top of the current head, ready to be committed if consensus decides it. */
export interface PreparedBlock {
  header: BlockHeader;
  hash: string;
  txs: CheckedTx[];
  execution: BlockExecution;
  logNodes: MerkleNode[];
  /** the log after this block (a copy: the node's own log moves only on commit) */
  log: MerkleLog;
}

/** What travels between nodes for a block: its header and its transactions' canonical texts. */
export interface WireBlock {
  header: BlockHeader;
  txs: string[];
  /** the transactions' hashes (a hint for matching the mempool; never trusted on its own) */
  hashes?: string[];
}

export interface NodeEvents {
  block: [StoredBlock];
  /** transactions admitted from a client (not from a peer): gossip them */
  admitted: [SignedTx[]];
  /** the mempool received transactions */
  mempool: [];
  /** the organisation's key in force changed (a key rotation took effect): sign with this one from the next height */
  'signing-key': [string];
  /**
   * a joined node's older transactions have more of their handler results known (a step of the re-derivation:
   * history-results.ts): feeds waiting at those blocks (webhooks) go on without waiting for the next block
   */
  'history-results': [number];
}

interface Waiter {
  ok(r: Receipt): void;
  fail(e: MachiError): void;
}

/**
 * Transactions in signature checks at once before client submissions wait (gossip from peers is never held back): a
 * quarter of a second of one core's checking, so a proposal that waits for the admissions in flight (settled) is
 * checked within the propose timeout even when clients submit faster than the chain commits.
 */
export const ADMISSION_TXS_MAX = 2048;

/** The mempool is swept for expired transactions at most this often (block time, ms). */
export const MEMPOOL_SWEEP_MS = 1000;

export class MachiNode extends EventEmitter<NodeEvents> {
  readonly genesis: Genesis;
  readonly registry: TxTypeRegistry;
  /** the member set of the next height (head + 1): who may sign transactions, by public key */
  orgs: Map<string, Org>;
  /** its validators (power > 0), sorted by public key */
  validators: Validator[];
  /** its epoch (0 = the genesis set; docs/spec/consensus.md#membership) */
  epoch = 0;
  /** this node's organisation (a non-member — an organisation not yet admitted — has power 0 and votes nowhere) */
  self: Org;
  /** certificates of every validator-set change since genesis, in order (attached to proof bundles) */
  readonly setChanges: SetChange[] = [];
  readonly store: LedgerStore;
  /** how far back the stored blocks reach (a node joined from a snapshot fetches the older ones: history.ts) */
  readonly history: History;
  readonly #checker: TxChecker;
  readonly clock: () => number;
  #log: MerkleLog;
  #head: ChainHead;
  readonly #mempool = new Map<string, CheckedTx>();
  /** the (signer, nonce) keys of the mempool's transactions → their hashes */
  readonly #pendingNonces = new Map<string, string>();
  /** block time of the last sweep of expired mempool transactions */
  #sweptAt = 0;
  /** nonces of committed txs inside the replay window (see @machi/core replay.ts) */
  readonly #recentNonces = new RecentNonces();
  readonly #waiters = new Map<string, Waiter[]>();
  /** admissions whose stateless checks are in flight (see settled) */
  readonly #admitting = new Set<Promise<unknown>>();
  /** transactions in those admissions, and clients waiting for room (submit) */
  #admittingTxs = 0;
  readonly #roomWaiters: (() => void)[] = [];
  #txsChecked = 0;
  #closed = false;
  /** the newest committed block's transactions, stored and parsed: its 'block' listeners read them from here */
  #newest: { height: number; txs: CommittedTx[] } | undefined;

  constructor(opts: NodeOptions) {
    super();
    this.setMaxListeners(100);
    this.genesis = opts.genesis;
    this.store = opts.store;
    this.#checker = opts.checker;
    this.clock = opts.clock ?? Date.now;
    this.registry = opts.registry ?? createRegistry({ ...(opts.genesis.rules === undefined ? {} : { rules: opts.genesis.rules }) });
    this.orgs = orgByKey(opts.genesis);
    this.validators = validatorsOf(opts.genesis);
    this.#publicKey = opts.publicKey;
    this.#holdsKey = opts.holdsKey ?? (() => false);
    this.self = this.orgs.get(opts.publicKey) ?? { id: opts.orgId ?? '', name: opts.orgId ?? '', publicKey: opts.publicKey, power: 0 };
    this.#log = MerkleLog.fromReader(this.store, this.store.logSize());
    this.#head = this.#loadHead();
    this.#loadSetChanges();
    this.history = new History(this.store, this.genesis, () => this.setChanges, this.registry, opts.replayScratchFile);
    this.#refreshMembers();
    if (!this.orgs.has(this.#publicKey) && opts.orgId === undefined) {
      throw new MachiError('GENESIS_INVALID', "this node's key is not an organisation of the genesis file or of the chain's current member set");
    }
    this.#loadRecentNonces();
  }

  /** the key this node signs with for its organisation: the one the member set of the next height names */
  #publicKey: string;
  readonly #holdsKey: (publicKey: string) => boolean;

  get signingKey(): string {
    return this.#publicKey;
  }

  /** The member set of the next height, from the committed state; `self` follows it (a key rotation, an admission). */
  #refreshMembers(): void {
    const set: MemberSet = memberSetAt(this.genesis.orgs, (k) => this.store.read(k), this.#head.height + 1);
    if (set.epoch === this.epoch && this.#head.height > 0 && this.orgs.size === set.orgs.length) return;
    this.epoch = set.epoch;
    this.orgs = new Map(set.orgs.map((o) => [o.publicKey, o]));
    this.validators = validatorsOfOrgs(set.orgs);
    const self = this.orgs.get(this.#publicKey) ?? set.orgs.find((o) => o.id === this.self?.id);
    // A key rotation of our organisation took effect with this set: sign with the new key if we hold it (keys.ts).
    // Emitted synchronously, before consensus starts the next height. docs/spec/membership.md#key-rotation
    if (self !== undefined && self.publicKey !== this.#publicKey && this.#holdsKey(self.publicKey)) {
      this.#publicKey = self.publicKey;
      this.emit('signing-key', self.publicKey);
    }
    if (self !== undefined) this.self = self.publicKey === this.#publicKey ? self : { ...self, power: 0 };
    else if (this.self !== undefined) this.self = { ...this.self, power: 0 };
  }

  /** Set-change certificates written by earlier commits (meta `setchange/<epoch>`), kept only for stored blocks. */
  #loadSetChanges(): void {
    for (let epoch = 1; ; epoch++) {
      const raw = this.store.getMeta(`${SET_CHANGE_META}${epoch}`);
      if (raw === undefined) break;
      const c = JSON.parse(raw) as SetChange;
      // written before a commit that did not happen (a node joined from a snapshot lacks the older blocks: its
      // certificates were verified with the snapshot)
      const b = this.store.getBlock(c.header.height);
      if (b === undefined ? c.header.height > this.store.height() : b.hash !== blockHash(c.header)) break;
      this.setChanges.push(c);
    }
  }

  #keyHistory: { changes: number; history: Map<string, OrgKey[]> } | undefined;

  /**
   * Each organisation's keys with the heights they are in force (core `orgKeyHistory`), from the genesis set and the
   * sets of the set-change certificates — the sets consensus runs on. A change waiting for its height is included
   * (its key's `from` is above the head). Recomputed only when a change is committed.
   */
  keyHistory(): ReadonlyMap<string, readonly OrgKey[]> {
    if (this.#keyHistory?.changes !== this.setChanges.length) {
      this.#keyHistory = { changes: this.setChanges.length, history: orgKeyHistory([genesisSet(this.genesis.orgs), ...this.setChanges.map((c) => c.set)]) };
    }
    return this.#keyHistory.history;
  }

  /** Adds set-change certificates from outside (a snapshot), each stored under its epoch. */
  adoptSetChanges(changes: readonly SetChange[]): void {
    for (const c of changes) {
      if (c.set.epoch !== this.setChanges.length + 1) continue;
      this.store.setMeta(`${SET_CHANGE_META}${c.set.epoch}`, JSON.stringify(c));
      this.setChanges.push(c);
    }
  }

  /** Rebuilds the replay window from the newest blocks back to the first one older than the window. */
  #loadRecentNonces(): void {
    const blocks: StoredBlock[] = [];
    for (let h = this.#head.height; h >= 1; h--) {
      const b = this.store.getBlock(h);
      if (b === undefined) break; // a node started from a snapshot holds the window's blocks only
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

  /** Transactions handed to the checker (signature included) since the node started: each should be checked once. */
  get txsChecked(): number {
    return this.#txsChecked;
  }

  get mempoolSize(): number {
    return this.#mempool.size;
  }

  /**
   * Checks and admits a batch; outcomes are in input order. Nothing is stored until a block commits. Transactions
   * from clients are announced with 'admitted' for gossip; those from peers are not re-announced (full mesh).
   */
  async submit(values: readonly unknown[], from: 'client' | 'peer' = 'client'): Promise<SubmitOutcome[]> {
    // Clients wait while the checker has ADMISSION_TXS_MAX in hand (gossip from peers never waits: it is what
    // proposals name). A proposal naming transactions still in admission waits for them all (settled), so an unbounded
    // backlog would outlast the propose timeout and cost a round.
    if (from === 'client') {
      while (this.#admittingTxs > 0 && this.#admittingTxs + values.length > ADMISSION_TXS_MAX) {
        await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
      }
    }
    // Transactions whose nonce is already taken (e.g. gossip arriving after the block that held them) are refused
    // before the signature check: each node verifies each transaction once.
    const now0 = this.clock();
    const fresh: unknown[] = [];
    const early: (CheckOutcome | undefined)[] = values.map((v) => {
      const t = v as Partial<SignedTx> | null;
      if (typeof t === 'object' && t !== null && typeof t.signer === 'string' && typeof t.nonce === 'string') {
        const key = nonceKey(t.signer, t.nonce);
        if (this.#pendingNonces.has(key) || this.#recentNonces.has(key, now0)) return this.#nonceTaken(v);
      }
      fresh.push(v);
      return undefined;
    });
    this.#txsChecked += fresh.length;
    const checking = this.#checker.check(fresh);
    this.#admitting.add(checking);
    this.#admittingTxs += fresh.length;
    let checkedFresh: CheckOutcome[];
    try {
      checkedFresh = await checking;
    } finally {
      this.#admitting.delete(checking);
      this.#admittingTxs -= fresh.length;
      for (const wake of this.#roomWaiters.splice(0)) wake();
    }
    let k = 0;
    const checked = early.map((e) => e ?? checkedFresh[k++]!);
    const now = this.clock();
    const admitted: SignedTx[] = [];
    const out: SubmitOutcome[] = checked.map((c, i) => {
      if (!c.ok) return c;
      const tx = values[i] as SignedTx;
      const fail = (code: ErrorCode, message?: string): SubmitOutcome => ({ ok: false, hash: c.hash, code, message: message ?? new MachiError(code).message });
      if (!this.orgs.has(tx.signer)) return fail('TX_UNKNOWN_SIGNER', 'signer is not an organisation of the current member set');
      if (Math.abs(tx.time - now) > TX_TIME_SKEW_MS_MAX) return fail('TX_TIME_SKEW', `transaction time is ${Math.round((tx.time - now) / 1000)} s from the node clock; at most ${TX_TIME_SKEW_MS_MAX / 1000} s allowed`);
      // Identical bytes carry the same (signer, nonce), so only a nonce hit needs the (random-access) hash lookup.
      const key = nonceKey(tx.signer, tx.nonce);
      if (this.#pendingNonces.has(key) || this.#recentNonces.has(key, now)) return { ...this.#nonceTaken(tx), hash: c.hash };
      if (this.#mempool.size >= MEMPOOL_TXS_MAX) return fail('MEMPOOL_FULL');
      this.#mempool.set(c.hash, { tx, hash: c.hash, canonical: c.canonical });
      this.#pendingNonces.set(key, c.hash);
      admitted.push(tx);
      return { ok: true, hash: c.hash };
    });
    if (admitted.length > 0 && from === 'client') this.emit('admitted', admitted);
    if (admitted.length > 0) this.emit('mempool');
    return out;
  }

  /** The same bytes again are a duplicate; other bytes with a taken (signer, nonce) are a replay. */
  #nonceTaken(value: unknown): { ok: false; code: ErrorCode; message: string } {
    let dup = false;
    try {
      const hash = txHash(checkTxShape(value));
      dup = this.#mempool.has(hash) || this.store.hasTx(hash);
    } catch {
      // malformed: not the same bytes as anything admitted
    }
    const code: ErrorCode = dup ? 'TX_DUPLICATE' : 'TX_REPLAYED';
    return { ok: false, code, message: new MachiError(code).message };
  }

  /**
   * Resolves once every admission in flight now has reached the mempool (or been refused): a compact proposal that
   * names transactions gossiped just before it finds them there instead of fetching them again.
   */
  async settled(): Promise<void> {
    if (this.#admitting.size > 0) await Promise.allSettled([...this.#admitting]);
  }

  /** The canonical text of a mempool transaction (verified on admission), for compact proposals and serving peers. */
  mempoolText(hash: string): string | undefined {
    return this.#mempool.get(hash)?.canonical;
  }

  /**
   * Takes the transactions of a block that checked valid into the mempool (those not there yet, whose nonce is free, while
   * there is room): they were verified while checking it, so the same transactions gossiped later are duplicates and
   * never verified again, and they stay proposable if another block wins. Not announced (no gossip).
   */
  adopt(txs: readonly CheckedTx[]): void {
    const now = this.clock();
    for (const c of txs) {
      if (this.#mempool.size >= MEMPOOL_TXS_MAX) return;
      const key = nonceKey(c.tx.signer, c.tx.nonce);
      if (this.#mempool.has(c.hash) || this.#pendingNonces.has(key) || this.#recentNonces.has(key, now)) continue;
      this.#mempool.set(c.hash, c);
      this.#pendingNonces.set(key, c.hash);
    }
  }

  receipt(hash: string): Receipt | undefined {
    if (this.#mempool.has(hash)) return { hash, status: 'pending' };
    const t = this.store.getTx(hash);
    return t === undefined ? undefined : committedReceipt(t, this.history.results.known(t.height));
  }

  /** Resolves with the committed receipt, or rejects with COMMIT_TIMEOUT (or TX_EXPIRED if it was dropped). */
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

  /** Up to BLOCK_TXS_MAX mempool transactions valid in a block at `time`, in arrival order; drops expired ones. */
  takeForProposal(time: number): CheckedTx[] {
    const txs: CheckedTx[] = [];
    let bytes = 0;
    for (const c of this.#mempool.values()) {
      if (!txTimeValid(c.tx.time, time) || this.#recentNonces.has(nonceKey(c.tx.signer, c.tx.nonce), time)) {
        this.#drop(c, 'TX_EXPIRED');
        continue;
      }
      bytes += c.canonical.length;
      if (txs.length >= BLOCK_TXS_MAX || bytes > BLOCK_TX_BYTES_MAX) break;
      txs.push(c);
    }
    return txs;
  }

  /** Executes `txs` on top of the head; the node's own log and state do not move until `commit`. */
  prepare(txs: CheckedTx[], time: number, proposer: string): PreparedBlock {
    const log = new MerkleLog(this.store, this.#log.size, this.#log.frontier());
    const build = (): ReturnType<typeof buildBlock> => buildBlock({
      genesis: this.genesis,
      registry: this.registry,
      orgs: this.orgs,
      prev: this.#head,
      time: Math.max(time, this.#head.time),
      proposer,
      log,
      state: this.store,
      txs,
    });
    // every transaction reads the state: one read transaction for the block (LedgerStore.reading)
    const built = this.store.reading === undefined ? build() : this.store.reading(build);
    return { header: built.header, hash: blockHash(built.header), txs, execution: built.execution, logNodes: built.logNodes, log };
  }

  /**
   * Checks a block from a peer on top of our head: every transaction (signatures verified only for those not already
   * admitted to our mempool — each node verifies each transaction once), the replay rules, then re-executes it and
   * compares the header. Throws BLOCK_INVALID with the reason.
   */
  async checkBlock(block: WireBlock): Promise<PreparedBlock> {
    const { header, txs: texts } = block;
    const bad = (why: string): never => {
      throw new MachiError('BLOCK_INVALID', `block ${header.height}: ${why}`, { height: header.height, reason: why });
    };
    if (header.height !== this.#head.height + 1) bad(`expected height ${this.#head.height + 1}`);
    if (header.prevHash !== this.#head.hash) bad('prevHash is not our head');
    if (header.time < this.#head.time) bad('time goes backwards');
    if (header.time > this.clock() + BLOCK_TIME_AHEAD_MS_MAX) bad('time is too far in the future');
    if (!this.validators.some((v) => v.publicKey === header.proposer)) bad('proposer is not a validator');
    if (!Array.isArray(texts) || texts.length !== header.txCount || texts.length > BLOCK_TXS_MAX) bad('transaction count does not match the header');
    const txs: (CheckedTx | undefined)[] = new Array(texts.length);
    const unknown: { index: number; value: unknown }[] = [];
    let bytes = 0;
    // A proposal names its transactions' hashes: those already in our mempool (verified on admission) are matched by
    // hash and identical text, with no parsing, hashing or signature check; only the others are checked.
    const hashes = Array.isArray(block.hashes) && block.hashes.length === texts.length ? block.hashes : undefined;
    texts.forEach((text, i) => {
      if (typeof text !== 'string' || text.length > TX_BYTES_MAX) bad(`tx ${i} is not a transaction text`);
      bytes += text.length;
      const known = this.#mempool.get(hashes?.[i] ?? txHashOfCanonical(text));
      if (known !== undefined && known.canonical === text) {
        txs[i] = known;
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        bad(`tx ${i} is not JSON`);
      }
      unknown.push({ index: i, value });
    });
    if (bytes > BLOCK_TX_BYTES_MAX) bad('transactions exceed the block byte limit');
    if (unknown.length > 0) {
      this.#txsChecked += unknown.length;
      const outcomes = await this.#checker.check(unknown.map((u) => u.value));
      outcomes.forEach((o, k) => {
        const { index, value } = unknown[k]!;
        if (!o.ok) return bad(`tx ${index}: ${o.code}: ${o.message}`);
        if (o.canonical !== texts[index]) bad(`tx ${index} is not in canonical form`);
        txs[index] = { tx: value as SignedTx, hash: o.hash, canonical: o.canonical };
      });
    }
    if (header.height !== this.#head.height + 1) bad('the chain moved on while the block was being checked');
    const seen = new Set<string>();
    const checked = txs as CheckedTx[];
    checked.forEach((c, i) => {
      if (!txTimeValid(c.tx.time, header.time)) bad(`tx ${i} time is outside the window of the block time`);
      const key = nonceKey(c.tx.signer, c.tx.nonce);
      if (seen.has(key) || this.#recentNonces.has(key, header.time)) bad(`tx ${i} replays a nonce`);
      seen.add(key);
    });
    const prepared = this.prepare(checked, header.time, header.proposer);
    if (canonicalJson(prepared.header) !== canonicalJson(header)) {
      const diff = (Object.keys(header) as (keyof BlockHeader)[]).filter((k) => prepared.header[k] !== header[k]);
      bad(`header does not match re-execution (${diff.join(', ') || 'shape'})`);
    }
    return prepared;
  }

  /** Checks a decided block from a peer (block sync) including its commit certificate, and commits it. */
  async applySynced(block: WireBlock, commit: Commit): Promise<void> {
    try {
      verifyCommit(block.header, commit, this.validators);
    } catch (e) {
      if (isMachiError(e)) throw new MachiError('BLOCK_INVALID', `block ${block.header.height}: commit certificate: ${e.message}`);
      throw e;
    }
    const prepared = await this.checkBlock(block);
    this.commit(prepared, commit);
  }

  /** Stores a decided block atomically, then moves the head, the log and the replay window, and answers waiters. */
  commit(p: PreparedBlock, commit: Commit): StoredBlock {
    assert(p.header.height === this.#head.height + 1 && p.header.prevHash === this.#head.hash, `commit of block ${p.header.height} on head ${this.#head.height}`);
    const firstSeq = p.log.size - p.txs.length;
    const stored: StoredTx[] = p.txs.map((c, i) => ({
      hash: c.hash,
      seq: firstSeq + i,
      height: p.header.height,
      signer: c.tx.signer,
      nonce: c.tx.nonce,
      body: c.canonical,
      code: p.execution.results[i]!.code ?? null,
      message: p.execution.results[i]!.message ?? null,
    }));
    const block: StoredBlock = { header: p.header, commit, hash: p.hash, firstSeq };
    // A block that approves a membership change: keep what certifies it (written first; ignored on load if the block
    // is not there), so proof bundles of later blocks can carry it. docs/spec/consensus.md#membership
    const next = p.execution.writes.find(([k, v]) => k === CONSORTIUM_NEXT_KEY && v !== null);
    if (next !== undefined) {
      const change: SetChange = {
        set: JSON.parse(next[1]!) as MemberSet, header: p.header, commit, prevAppHash: this.#head.appHash, writes: p.execution.writes,
        results: p.execution.results.map((r) => r.code ?? ''),
      };
      this.store.setMeta(`${SET_CHANGE_META}${change.set.epoch}`, JSON.stringify(change));
      this.setChanges.push(change);
    }
    this.store.commitBlock({ block, txs: stored, logNodes: p.logNodes, writes: p.execution.writes });
    this.#newest = { height: p.header.height, txs: stored.map((t, i) => ({ stored: t, tx: p.txs[i]!.tx })) };
    this.#log = new MerkleLog(this.store, p.log.size, p.log.frontier());
    this.#head = { height: p.header.height, hash: p.hash, time: p.header.time, appHash: p.header.appHash };
    this.#refreshMembers();
    this.#recentNonces.prune(p.header.time);
    for (const t of stored) {
      const key = nonceKey(t.signer, t.nonce);
      // A transaction that another proposer included replaces ours with the same nonce: drop the loser.
      const pending = this.#pendingNonces.get(key);
      const loser = pending === undefined || pending === t.hash ? undefined : this.#mempool.get(pending);
      if (loser !== undefined) this.#drop(loser, 'TX_REPLAYED');
      this.#mempool.delete(t.hash);
      this.#pendingNonces.delete(key);
      this.#recentNonces.add(key, p.header.time);
      const waiters = this.#waiters.get(t.hash);
      if (waiters !== undefined) {
        this.#waiters.delete(t.hash);
        const r = committedReceipt(t);
        for (const w of waiters) w.ok(r);
      }
    }
    // Drop what has expired (a node that never proposes must not fill up with them): a walk over the whole mempool,
    // so at most once per MEMPOOL_SWEEP_MS of block time, not at every block.
    if (p.header.time - this.#sweptAt >= MEMPOOL_SWEEP_MS) {
      this.#sweptAt = p.header.time;
      for (const c of this.#mempool.values()) {
        if (!txTimeValid(c.tx.time, p.header.time) && c.tx.time < p.header.time) this.#drop(c, 'TX_EXPIRED');
      }
    }
    this.emit('block', block);
    return block;
  }

  /** Removes a transaction that can no longer be committed and tells whoever waits for it. */
  #drop(c: CheckedTx, code: ErrorCode): void {
    this.#mempool.delete(c.hash);
    this.#pendingNonces.delete(nonceKey(c.tx.signer, c.tx.nonce));
    const waiters = this.#waiters.get(c.hash);
    this.#waiters.delete(c.hash);
    for (const w of waiters ?? []) w.fail(new MachiError(code, undefined, { hash: c.hash }));
  }

  /**
   * A committed block's transactions with their parsed bodies. The newest block's come from memory (kept by commit),
   * so the 'block' listeners (dashboard, webhooks, streams) neither read them back from the store nor parse them again.
   */
  committedTxs(height: number): CommittedTx[] {
    if (this.#newest?.height === height) return this.#newest.txs;
    return this.store.blockTxs(height).map((stored) => ({ stored, tx: JSON.parse(stored.body) as SignedTx }));
  }

  /** A stored block with its transactions' texts, as sent to a syncing peer. */
  wireBlock(height: number): { block: WireBlock; commit: Commit } | undefined {
    const b = this.store.getBlock(height);
    if (b === undefined) return undefined;
    return { block: { header: b.header, txs: this.store.blockTxs(height).map((t) => t.body) }, commit: b.commit };
  }

  /**
   * Proof bundle for a committed transaction: verifiable offline with the genesis file alone. Undefined for a
   * transaction this node does not hold, or cannot prove yet: on a node joined from a snapshot, one at or before the
   * snapshot's height until the history below it is fetched (its proof needs log nodes below the lowest block held;
   * the API answers HISTORY_INCOMPLETE for it, node/history.ts). The modules' views show such a step without a proof.
   */
  /**
   * HISTORY_INCOMPLETE when `proof(hash)` has nothing because this node, joined from a snapshot, lacks the history
   * below it (a transaction it holds at or before the snapshot's height, or one it does not hold and has not in its
   * mempool: it may be older); undefined otherwise (a proof, or a plain not-found or not-committed-yet).
   */
  proofIncomplete(hash: string): MachiError | undefined {
    if (this.history.complete) return undefined;
    const t = this.store.getTx(hash);
    const missing = t === undefined ? !this.#mempool.has(hash) : !this.history.provable(t.height);
    return missing ? this.history.incomplete(`no proof of transaction ${hash} here yet`) : undefined;
  }

  proof(hash: string): ProofBundle | undefined {
    const t = this.store.getTx(hash);
    if (t === undefined || !this.history.provable(t.height)) return undefined;
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
      ...this.setChangesUpTo(b.header.height),
    };
  }

  /** `{setChanges}` for a bundle of a block at `height`: the changes in force by then (nothing while there are none). */
  setChangesUpTo(height: number): { setChanges?: SetChange[] } {
    const changes = this.setChanges.filter((c) => c.set.from <= height);
    return changes.length === 0 ? {} : { setChanges: changes };
  }

  consistencyProof(size1: number, size2: number): string[] {
    return this.#log.consistencyProof(size1, size2).map(toHex);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.history.results.close();
    await this.#checker.close();
  }
}

/** A committed transaction: as stored, and its body parsed (read-only: shared by every listener of the block). */
export interface CommittedTx {
  stored: StoredTx;
  tx: Readonly<SignedTx>;
}

/** The receipt of a stored transaction; `resultKnown` false: its stored result is not known (history-results.ts). */
export function committedReceipt(t: StoredTx, resultKnown = true): Receipt {
  const r: Receipt = { hash: t.hash, status: 'committed', height: t.height, seq: t.seq };
  if (!resultKnown) {
    r.resultKnown = false;
    return r;
  }
  if (t.code !== null) r.code = t.code;
  if (t.message !== null) r.message = t.message;
  return r;
}
