/**
 * Building and re-checking blocks. `buildBlock` is what a proposer runs; `ChainVerifier` replays a chain from
 * genesis and checks every block the way `machi verify` and a syncing node must: hash chain, transactions and their
 * signatures, tx root, log size and root, app-hash chain (by re-execution), commit certificate. `ChainReplay`
 * re-executes a chain already verified, for its transactions' handler results.
 */
import { blockHash, verifyCommit, type BlockHeader, type Commit } from './block.js';
import { canonicalJson, fromHex, toHex } from './encoding.js';
import { MachiError, isMachiError } from './errors.js';
import { genesisHash, orgByKey, validatorsHash, validatorsOfOrgs, type Genesis, type Org, type Validator } from './genesis.js';
import { memberSetAt, type MemberSet } from './modules/consortium/set.js';
import { BLOCK_TXS_MAX, TX_TIME_SKEW_MS_MAX } from './limits.js';
import { RecentNonces, nonceKey, txTimeValid } from './replay.js';
import { hashLeaf, MerkleLog, MemoryNodeStore, type MerkleNode } from './merkle/index.js';
import { executeBlock, type BlockExecution, type StateReader, type TxResult } from './state/execute.js';
import type { TxTypeRegistry } from './state/registry.js';
import { checkTx, txHashOfCanonical, type CheckedTx, type SignedTx } from './tx.js';

/** What a node must know of the last committed block to build or check the next one. */
export interface ChainHead {
  height: number;
  hash: string;
  time: number;
  appHash: string;
}

export function genesisHead(genesis: Genesis): ChainHead {
  const h = genesisHash(genesis);
  return { height: 0, hash: h, time: Date.parse(genesis.genesisTime), appHash: h };
}

/** RFC 9162 root over a block's transaction hashes. */
export function txRootOf(txHashes: readonly string[]): string {
  return rootOfLeaves(txHashes.map((h) => hashLeaf(fromHex(h))));
}

function rootOfLeaves(leafHashes: readonly Uint8Array[]): string {
  const log = new MerkleLog(new MemoryNodeStore(), 0);
  log.appendMany(leafHashes);
  return toHex(log.root());
}

export interface BuiltBlock {
  header: BlockHeader;
  execution: BlockExecution;
  /** complete log subtrees created by this block, to persist with it */
  logNodes: MerkleNode[];
}

export interface BuildInput {
  genesis: Genesis;
  registry: TxTypeRegistry;
  /** the organisations of the member set at this block's height, by public key (memberSetAt): who may sign, who votes */
  orgs: ReadonlyMap<string, Org>;
  prev: ChainHead;
  time: number;
  proposer: string;
  /** the chain's log; appended to in place */
  log: MerkleLog;
  state: StateReader;
  txs: readonly CheckedTx[];
}

/** Executes `txs` on top of `prev` and returns the header (not yet signed). Appends to `log` in place. */
export function buildBlock(input: BuildInput): BuiltBlock {
  const { prev, txs, log } = input;
  if (txs.length > BLOCK_TXS_MAX) throw new Error(`invariant violated: ${txs.length} txs > BLOCK_TXS_MAX`);
  const height = prev.height + 1;
  const time = Math.max(input.time, prev.time);
  const firstSeq = log.size;
  const execution = executeBlock(
    input.registry,
    input.orgs,
    input.state,
    prev.appHash,
    { height, time },
    txs.map((t, i) => ({ tx: t.tx, hash: t.hash, seq: firstSeq + i })),
  );
  const leaves = txs.map((t) => hashLeaf(fromHex(t.hash)));
  const logNodes = log.appendMany(leaves);
  const header: BlockHeader = {
    chainId: input.genesis.chainId,
    height,
    time,
    prevHash: prev.hash,
    txRoot: rootOfLeaves(leaves),
    txCount: txs.length,
    logSize: log.size,
    logRoot: toHex(log.root()),
    appHash: execution.appHash,
    proposer: input.proposer,
    validatorsHash: validatorsHash(validatorsOfOrgs([...input.orgs.values()])),
  };
  return { header, execution, logNodes };
}

function bad(height: number, why: string): never {
  throw new MachiError('BLOCK_INVALID', `block ${height}: ${why}`, { height, reason: why });
}

/** The last block a replay executed, and the log size after it: where a replay kept on disk resumes. */
export interface ReplayHead extends ChainHead {
  logSize: number;
}

/**
 * Where a replay from genesis keeps the state it re-executes on. In memory by default (MemoryReplayStore); a node
 * gives one on disk (node/replay-scratch.ts), so that a chain of any length replays in bounded memory, and a
 * re-derivation that stopped resumes from the block it reached instead of from genesis.
 */
export interface ReplayStore {
  read(key: string): string | undefined;
  /** Applies one block's writes and records `head` as executed (for the reader: all or nothing with the writes). */
  apply(writes: readonly [string, string | null][], head: ReplayHead): void;
  /** The last block applied: undefined for a store that starts from genesis. */
  head(): ReplayHead | undefined;
}

export class MemoryReplayStore implements ReplayStore {
  readonly #values = new Map<string, string>();
  #head: ReplayHead | undefined;

  read(key: string): string | undefined {
    return this.#values.get(key);
  }

  apply(writes: readonly [string, string | null][], head: ReplayHead): void {
    for (const [k, v] of writes) {
      if (v === null) this.#values.delete(k);
      else this.#values.set(k, v);
    }
    this.#head = head;
  }

  head(): ReplayHead | undefined {
    return this.#head;
  }
}

function byKey(set: MemberSet): Map<string, Org> {
  return new Map(set.orgs.map((o) => [o.publicKey, o]));
}

/** The state of a replay from genesis (in its ReplayStore), and the organisations of the member set its next height has. */
class ReplayState implements StateReader {
  readonly #genesis: Genesis;
  readonly #store: ReplayStore;
  orgs: Map<string, Org>;

  constructor(genesis: Genesis, store: ReplayStore) {
    this.#genesis = genesis;
    this.#store = store;
    const head = store.head();
    this.orgs = head === undefined ? orgByKey(genesis) : byKey(this.#membersAfter(head.height));
  }

  read(key: string): string | undefined {
    return this.#store.read(key);
  }

  /** Applies the writes of block `head.height`; returns the member set of the next height (a change may take effect). */
  apply(writes: readonly [string, string | null][], head: ReplayHead): MemberSet {
    this.#store.apply(writes, head);
    const set = this.#membersAfter(head.height);
    this.orgs = byKey(set);
    return set;
  }

  #membersAfter(height: number): MemberSet {
    return memberSetAt(this.#genesis.orgs, (k) => this.#store.read(k), height + 1);
  }
}

/**
 * Replays a chain from genesis, checking each block. Keeps the log frontier and the recent nonces in memory, the state
 * in `store` (memory by default; `machi verify` gives one on disk). Always from genesis: a store that holds a replay
 * already is refused.
 */
export class ChainVerifier {
  readonly #genesis: Genesis;
  readonly #registry: TxTypeRegistry;
  #validators: Validator[];
  readonly #ctx;
  readonly #state: ReplayState;
  readonly #nonces = new RecentNonces();
  #log = new MerkleLog(new MemoryNodeStore(), 0);
  #head: ChainHead;
  txCount = 0;

  constructor(genesis: Genesis, registry: TxTypeRegistry, store: ReplayStore = new MemoryReplayStore()) {
    if (store.head() !== undefined) throw new Error('invariant violated: ChainVerifier replays from genesis, on an empty store');
    this.#genesis = genesis;
    this.#registry = registry;
    this.#state = new ReplayState(genesis, store);
    this.#validators = validatorsOfOrgs(genesis.orgs);
    // Who may sign changes with the member set: execution refuses a non-member's transaction (TX_UNKNOWN_SIGNER).
    this.#ctx = { chainId: genesis.chainId, registry };
    this.#head = genesisHead(genesis);
  }

  get head(): ChainHead {
    return this.#head;
  }

  /**
   * Checks the next block; `txs` are the stored canonical texts in block order. Throws BLOCK_INVALID. Returns its
   * transactions' handler results as re-executed (`machi verify` compares a store's with them).
   */
  verifyNext(header: BlockHeader, commit: Commit, txs: readonly string[]): TxResult[] {
    const height = this.#head.height + 1;
    if (header.height !== height) bad(height, `header says height ${header.height}`);
    if (header.chainId !== this.#genesis.chainId) bad(height, `chain id ${header.chainId} is not the genesis chain id`);
    if (header.prevHash !== this.#head.hash) bad(height, 'previous-hash link is broken (prevHash does not match the previous block)');
    if (header.time < this.#head.time) bad(height, 'time goes backwards');
    if (header.validatorsHash !== validatorsHash(this.#validators)) bad(height, 'validatorsHash does not match the validators of the member set at this height');
    if (!this.#validators.some((v) => v.publicKey === header.proposer)) bad(height, 'proposer is not a validator');
    if (header.txCount !== txs.length) bad(height, `header counts ${header.txCount} txs, ${txs.length} are stored`);
    if (txs.length > BLOCK_TXS_MAX) bad(height, `${txs.length} txs is more than the ${BLOCK_TXS_MAX} a block may hold`);

    const checked: CheckedTx[] = [];
    const blockNonces = new Set<string>();
    txs.forEach((text, i) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        bad(height, `tx ${i} is not valid JSON`);
      }
      let c: CheckedTx;
      try {
        c = checkTx(parsed, this.#ctx);
      } catch (e) {
        if (isMachiError(e)) bad(height, `tx ${i}: ${e.code}: ${e.message}`);
        throw e;
      }
      if (c.canonical !== text) bad(height, `tx ${i} is not stored in canonical form`);
      if (!txTimeValid(c.tx.time, header.time)) bad(height, `tx ${i} time is more than ${TX_TIME_SKEW_MS_MAX} ms from the block time`);
      const key = nonceKey(c.tx.signer, c.tx.nonce);
      if (this.#nonces.has(key, header.time) || blockNonces.has(key)) bad(height, `tx ${i} replays nonce ${c.tx.nonce}`);
      blockNonces.add(key);
      checked.push(c);
    });

    // Build on a copy of the log frontier: a rejected block must leave the verifier as it was.
    const log = new MerkleLog(new MemoryNodeStore(), this.#log.size, this.#log.frontier());
    const built = buildBlock({
      genesis: this.#genesis,
      registry: this.#registry,
      orgs: this.#state.orgs,
      prev: this.#head,
      time: header.time,
      proposer: header.proposer,
      log,
      state: this.#state,
      txs: checked,
    });
    const want = built.header;
    if (want.txRoot !== header.txRoot) bad(height, 'txRoot does not match the stored transactions');
    if (want.logSize !== header.logSize) bad(height, `logSize is ${header.logSize}, the log holds ${want.logSize}`);
    if (want.logRoot !== header.logRoot) bad(height, 'logRoot does not match the log of stored transactions');
    if (want.appHash !== header.appHash) bad(height, 'appHash does not match re-execution (state diverged)');
    if (canonicalJson(want) !== canonicalJson(header)) bad(height, 'header does not match the rebuilt header');
    try {
      verifyCommit(header, commit, this.#validators);
    } catch (e) {
      if (isMachiError(e)) bad(height, `commit certificate: ${e.message}`);
      throw e;
    }
    this.#log = log;
    for (const key of blockNonces) this.#nonces.add(key, header.time);
    this.#nonces.prune(header.time);
    this.#head = { height, hash: blockHash(header), time: header.time, appHash: header.appHash };
    this.txCount += txs.length;
    // The member set of the next height (a change approved two blocks ago takes effect now).
    this.#validators = validatorsOfOrgs(this.#state.apply(built.execution.writes, { ...this.#head, logSize: header.logSize }).orgs);
    return built.execution.results;
  }
}

/**
 * Re-executes a chain from genesis for what its hashes do not carry alone: each transaction's handler result (a node
 * that joined from a snapshot and fetched the older blocks re-derives them: docs/spec/membership.md#history). For
 * blocks verified when they were stored (hash links, tx roots and commit certificates; signatures by the validators
 * that committed them), so it checks only what is cheap — the previous-hash link, the log position, the tx root — and,
 * by re-execution, the app hash; no signatures, nonces, times or commits (ChainVerifier does those). Keeps the state in
 * `store` (memory by default); a store that holds a replay already (its `head()`) is resumed from the block after it.
 */
export class ChainReplay {
  readonly #registry: TxTypeRegistry;
  readonly #state: ReplayState;
  #head: ChainHead;
  #logSize = 0;

  constructor(genesis: Genesis, registry: TxTypeRegistry, store: ReplayStore = new MemoryReplayStore()) {
    this.#registry = registry;
    this.#state = new ReplayState(genesis, store);
    const head = store.head();
    this.#head = head === undefined ? genesisHead(genesis) : { height: head.height, hash: head.hash, time: head.time, appHash: head.appHash };
    this.#logSize = head?.logSize ?? 0;
  }

  /** the last block replayed (the genesis head before the first) */
  get head(): ChainHead {
    return this.#head;
  }

  /**
   * Executes the next block (`txs`: its stored canonical texts in order) and returns its transactions' results.
   * Throws BLOCK_INVALID, with the replay left as it was, when the block does not follow, its transactions do not
   * match its tx root, or re-execution does not give its app hash (`detail.reason`).
   */
  replayNext(header: BlockHeader, txs: readonly string[]): TxResult[] {
    const height = this.#head.height + 1;
    if (header.height !== height) bad(height, `header says height ${header.height}`);
    if (header.prevHash !== this.#head.hash) bad(height, 'previous-hash link is broken (prevHash does not match the previous block)');
    if (header.txCount !== txs.length || header.logSize !== this.#logSize + txs.length) bad(height, `header counts ${header.txCount} txs ending at log size ${header.logSize}, ${txs.length} follow log size ${this.#logSize}`);
    const hashes = txs.map((t) => txHashOfCanonical(t));
    if (txRootOf(hashes) !== header.txRoot) bad(height, 'txRoot does not match the transactions');
    const executable = txs.map((text, i) => {
      let tx: SignedTx;
      try {
        tx = JSON.parse(text) as SignedTx;
      } catch {
        bad(height, `tx ${i} is not valid JSON`);
      }
      return { tx, hash: hashes[i]!, seq: this.#logSize + i };
    });
    let execution: BlockExecution;
    try {
      execution = executeBlock(this.#registry, this.#state.orgs, this.#state, this.#head.appHash, { height, time: header.time }, executable);
    } catch (e) {
      // a handler that throws other than a MachiError on a committed block: this code does not execute the chain's way
      bad(height, `re-execution failed: ${(e as Error).message}`);
    }
    if (execution.appHash !== header.appHash) bad(height, 'appHash does not match re-execution (state diverged)');
    this.#head = { height, hash: blockHash(header), time: header.time, appHash: header.appHash };
    this.#logSize = header.logSize;
    this.#state.apply(execution.writes, { ...this.#head, logSize: header.logSize });
    return execution.results;
  }
}
