/**
 * State snapshots for a node that joins late: the state at a height (every key and value), the log's frontier there,
 * the block's header and commit, the validator-set changes since genesis, the validators' checkpoints — their signed
 * `consortium.checkpoint` transactions naming (height, block hash, state digest), with proof bundles — and the recent
 * blocks a joining node needs for the replay window. `verifySnapshot` checks all of it with the genesis alone; the
 * state itself is checked against the digest as it is read (`StateDigest`). docs/spec/consensus.md#snapshots
 */
import { createHash, type Hash } from 'node:crypto';
import { blockHash, checkCommitShape, checkHeaderShape, verifyCommit, type BlockHeader, type Commit } from '../../block.js';
import { verifyBundle, type ProofBundle } from '../../bundle.js';
import { fromHex, isHex, toHex } from '../../encoding.js';
import { MachiError, isMachiError } from '../../errors.js';
import { validatorsHash, validatorsOfOrgs, type Genesis } from '../../genesis.js';
import { MerkleLog, MemoryNodeStore, hashLeaf } from '../../merkle/index.js';
import { txRootOf } from '../../chain.js';
import { txHashOfCanonical } from '../../tx.js';
import type { CheckpointPayload } from './index.js';
import type { MemberSet } from './set.js';
import { setAtHeight, verifySetChanges, type SetChange } from './membership.js';

export const SNAPSHOT_FORMAT = 'machi.snapshot.v1';
/** A validator's node takes a snapshot and signs a checkpoint at every multiple of this height (default). */
export const SNAPSHOT_INTERVAL_HEIGHTS = 1000;

/** A block as a joining node stores it: header, commit, its transactions' canonical texts. */
export interface SnapshotBlock {
  header: BlockHeader;
  commit: Commit;
  txs: string[];
}

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  height: number;
  header: BlockHeader;
  commit: Commit;
  /** the log frontier at header.logSize, largest subtree first, hex (merkle.md) */
  frontier: string[];
  stateDigest: string;
  /** number of state entries, for progress */
  entries: number;
  setChanges: SetChange[];
  /** proof bundles of the validators' `consortium.checkpoint` transactions for this height */
  checkpoints: ProofBundle[];
  /** the blocks before and at `height` whose transactions' nonces are still in the replay window, oldest first */
  recent: SnapshotBlock[];
}

/** Incremental digest of the state, fed entries in key order: SHA-256(tag ‖ (lp(key) ‖ lp(value))*). */
export class StateDigest {
  readonly #h: Hash = createHash('sha256').update('machi.state.v1\n');
  #last: string | undefined;
  count = 0;
  add(key: string, value: string): void {
    if (this.#last !== undefined && key <= this.#last) throw new MachiError('SNAPSHOT_INVALID', `state entries are not in key order at ${JSON.stringify(key.slice(0, 80))}`);
    this.#last = key;
    this.count++;
    lp(this.#h, key);
    lp(this.#h, value);
  }
  digest(): string {
    return this.#h.digest('hex');
  }
}

function lp(h: Hash, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(bytes.length);
  h.update(len).update(bytes);
}

export function stateDigestOf(entries: Iterable<readonly [string, string]>): string {
  const d = new StateDigest();
  for (const [k, v] of entries) d.add(k, v);
  return d.digest();
}

export interface SnapshotVerdict {
  height: number;
  blockHash: string;
  /** every member set since genesis (verifySetChanges) */
  sets: MemberSet[];
  /** ids of the validators whose checkpoints certify the state digest */
  attestedBy: string[];
}

function bad(field: string, why: string): never {
  throw new MachiError('SNAPSHOT_INVALID', `${field}: ${why}`, { field });
}

/**
 * Checks a snapshot manifest against the genesis: the set changes, the commit of the snapshot's block by the set of
 * its height, the frontier against the header's log root, checkpoints signed by validators of that set holding more
 * than 2/3 of its power for exactly this block and digest (each checkpoint transaction's bundle verifies), and the
 * recent blocks hash-linked up to the snapshot's block with their transactions matching their tx roots.
 */
export function verifySnapshot(value: unknown, genesis: Genesis): SnapshotVerdict {
  if (typeof value !== 'object' || value === null) bad('snapshot', 'is not a JSON object');
  const m = value as Partial<SnapshotManifest>;
  if (m.format !== SNAPSHOT_FORMAT) bad('format', `is not "${SNAPSHOT_FORMAT}"`);
  let header: BlockHeader;
  let commit: Commit;
  try {
    header = checkHeaderShape(m.header);
    commit = checkCommitShape(m.commit);
  } catch (e) {
    if (isMachiError(e)) bad('header/commit', e.message);
    throw e;
  }
  if (header.chainId !== genesis.chainId) bad('header.chainId', 'is another chain');
  if (m.height !== header.height) bad('height', 'is not the header height');
  let sets: MemberSet[];
  try {
    sets = verifySetChanges(genesis, Array.isArray(m.setChanges) ? m.setChanges : bad('setChanges', 'is not a list'));
  } catch (e) {
    if (isMachiError(e)) bad('setChanges', e.message);
    throw e;
  }
  const set = setAtHeight(sets, header.height);
  const validators = validatorsOfOrgs(set.orgs);
  if (header.validatorsHash !== validatorsHash(validators)) bad('header.validatorsHash', `is not the set of epoch ${set.epoch}`);
  try {
    verifyCommit(header, commit, validators);
  } catch (e) {
    if (isMachiError(e)) bad('commit', e.message);
    throw e;
  }
  const hash = blockHash(header);
  if (!Array.isArray(m.frontier) || !m.frontier.every((x) => isHex(x, 64))) bad('frontier', 'is not a list of hashes');
  let root: string;
  try {
    root = toHex(new MerkleLog(new MemoryNodeStore(), header.logSize, m.frontier.map(fromHex)).root());
  } catch (e) {
    bad('frontier', (e as Error).message);
  }
  if (root !== header.logRoot) bad('frontier', 'does not fold to header.logRoot');
  if (!isHex(m.stateDigest, 64)) bad('stateDigest', 'is not a hash');

  // Checkpoints: more than 2/3 of the power of the set at this height signed this block and this digest.
  const power = new Map(set.orgs.filter((o) => o.power > 0).map((o) => [o.publicKey, o]));
  const total = validators.reduce((s, v) => s + v.power, 0);
  const attested = new Map<string, number>();
  for (const [i, b] of (Array.isArray(m.checkpoints) ? m.checkpoints : bad('checkpoints', 'is not a list')).entries()) {
    try {
      verifyBundle({ ...b, setChanges: m.setChanges }, genesis);
    } catch (e) {
      if (isMachiError(e)) bad(`checkpoints[${i}]`, e.message);
      throw e;
    }
    const p = b.tx.payload as unknown as CheckpointPayload;
    if (b.tx.type !== 'consortium.checkpoint' || p.height !== header.height || p.blockHash !== hash || p.stateDigest !== m.stateDigest) bad(`checkpoints[${i}]`, 'is not for this block and digest');
    const org = power.get(b.tx.signer);
    if (org === undefined) bad(`checkpoints[${i}]`, `is not signed by a validator of epoch ${set.epoch}`);
    attested.set(org.id, org.power);
  }
  const signed = [...attested.values()].reduce((s, p) => s + p, 0);
  if (3 * signed <= 2 * total) bad('checkpoints', `validators holding ${signed} of ${total} power attest the state; more than 2/3 is needed`);

  // Recent blocks: a hash chain ending at the snapshot's block, each block's transactions matching its tx root.
  const recent = Array.isArray(m.recent) ? m.recent : bad('recent', 'is not a list');
  let next = hash;
  for (let i = recent.length - 1; i >= 0; i--) {
    const r = recent[i]!;
    let h: BlockHeader;
    try {
      h = checkHeaderShape(r.header);
    } catch (e) {
      if (isMachiError(e)) bad(`recent[${i}]`, e.message);
      throw e;
    }
    if (blockHash(h) !== next) bad(`recent[${i}]`, 'is not linked to the block after it');
    if (!Array.isArray(r.txs) || r.txs.length !== h.txCount || !r.txs.every((t) => typeof t === 'string')) bad(`recent[${i}]`, 'transactions');
    if (txRootOf(r.txs.map((t) => txHashOfCanonical(t))) !== h.txRoot) bad(`recent[${i}]`, 'transactions do not match the tx root');
    next = h.prevHash;
  }
  if (recent.length === 0 || blockHash(recent[recent.length - 1]!.header) !== hash) bad('recent', 'does not end with the snapshot block');
  return { height: header.height, blockHash: hash, sets, attestedBy: [...attested.keys()].sort() };
}

