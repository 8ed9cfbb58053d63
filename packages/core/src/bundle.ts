/**
 * Proof bundles: a transaction plus everything needed to verify, offline and with only the genesis file, that it is
 * on the chain — its RFC 9162 inclusion proof in the log, the block header that fixes the log root, and the commit
 * certificate over that header. docs/spec/formats.md#proof-bundles
 */
import { fromHex, isHex } from './encoding.js';
import { blockHash, checkCommitShape, checkHeaderShape, verifyCommit, type BlockHeader, type Commit } from './block.js';
import { MachiError, isMachiError } from './errors.js';
import { parseGenesis, validatorsHash, validatorsOfOrgs, type Genesis } from './genesis.js';
import { hashLeaf, verifyInclusion } from './merkle/index.js';
import { checkTxShape, txHash, txSignBytes, type SignedTx } from './tx.js';
import { verifySignature } from './crypto.js';
import { setAtHeight, verifySetChanges, type SetChange } from './modules/consortium/membership.js';

export const BUNDLE_FORMAT = 'machi.proof.v1';

export interface ProofBundle {
  format: typeof BUNDLE_FORMAT;
  tx: SignedTx;
  txHash: string;
  /** position of the transaction in the chain's log (0-based) */
  leafIndex: number;
  /** RFC 9162 inclusion proof of leafIndex in the log of size header.logSize, hex nodes */
  inclusionProof: string[];
  header: BlockHeader;
  commit: Commit;
  /**
   * the validator-set changes from genesis up to the block's height, each certified by the set before it
   * (modules/consortium/membership.ts); absent or empty while the genesis set still holds
   */
  setChanges?: SetChange[];
}

export interface BundleVerdict {
  txHash: string;
  height: number;
  leafIndex: number;
  /** ids of the organisations whose signatures certify the block */
  signedBy: string[];
  /**
   * id of the organisation that signed the transaction, by the member set of its height: after a key rotation the
   * genesis no longer names its key (docs/spec/membership.md#key-rotation)
   */
  signer: string;
}

function reject(field: string, why: string): never {
  throw new MachiError('BUNDLE_INVALID', `${field}: ${why}`, { field });
}

/** Verifies a bundle against a genesis file. Returns what it proves, or throws BUNDLE_INVALID naming the field. */
export function verifyBundle(value: unknown, genesisValue: Genesis | unknown): BundleVerdict {
  const genesis = parseGenesis(genesisValue);
  if (typeof value !== 'object' || value === null) reject('bundle', 'is not a JSON object');
  const b = value as Record<string, unknown>;
  if (b.format !== BUNDLE_FORMAT) reject('format', `is not "${BUNDLE_FORMAT}"`);

  let header: BlockHeader;
  let commit: Commit;
  let tx: SignedTx;
  try {
    header = checkHeaderShape(b.header);
    commit = checkCommitShape(b.commit);
    tx = checkTxShape(b.tx);
  } catch (e) {
    if (isMachiError(e)) reject(e.code === 'TX_MALFORMED' ? 'tx' : 'header/commit', e.message);
    throw e;
  }
  if (header.chainId !== genesis.chainId) reject('header.chainId', `is "${header.chainId}", the genesis names "${genesis.chainId}"`);
  if (tx.chainId !== genesis.chainId) reject('tx.chainId', `is "${tx.chainId}", the genesis names "${genesis.chainId}"`);

  let sets;
  try {
    sets = verifySetChanges(genesis, b.setChanges === undefined ? [] : Array.isArray(b.setChanges) ? b.setChanges : reject('setChanges', 'is not a list'));
  } catch (e) {
    if (isMachiError(e) && e.code === 'SET_CHANGE_INVALID') reject('setChanges', e.message);
    throw e;
  }
  const set = setAtHeight(sets, header.height);

  const hash = txHash(tx);
  if (b.txHash !== hash) reject('txHash', `does not match the transaction (which hashes to ${hash})`);
  const org = set.orgs.find((o) => o.publicKey === tx.signer);
  if (org === undefined) reject('tx.signer', set.epoch === 0 ? 'is not an organisation of this chain' : `is not an organisation of the chain at height ${header.height} (epoch ${set.epoch})`);
  if (!verifySignature(tx.signer, txSignBytes(tx), tx.sig)) reject('tx.sig', 'does not verify');

  const validators = validatorsOfOrgs(set.orgs);
  if (header.validatorsHash !== validatorsHash(validators)) reject('header.validatorsHash', set.epoch === 0 ? 'does not match the genesis validators' : `does not match the validators of epoch ${set.epoch}`);
  try {
    verifyCommit(header, commit, validators);
  } catch (e) {
    if (isMachiError(e)) reject('commit', e.message);
    throw e;
  }

  const leafIndex = b.leafIndex;
  if (typeof leafIndex !== 'number' || !Number.isSafeInteger(leafIndex) || leafIndex < 0) reject('leafIndex', 'is not a non-negative integer');
  if (leafIndex < header.logSize - header.txCount || leafIndex >= header.logSize) {
    reject('leafIndex', `${leafIndex} is not in block ${header.height} (log positions ${header.logSize - header.txCount}..${header.logSize - 1})`);
  }
  if (!Array.isArray(b.inclusionProof) || !b.inclusionProof.every((n) => isHex(n, 64))) reject('inclusionProof', 'is not a list of 64-char hex hashes');
  try {
    verifyInclusion(leafIndex, header.logSize, hashLeaf(fromHex(hash)), (b.inclusionProof as string[]).map(fromHex), fromHex(header.logRoot));
  } catch (e) {
    if (isMachiError(e)) reject('inclusionProof', e.message);
    throw e;
  }
  const names = new Map(set.orgs.map((o) => [o.publicKey, o.id]));
  return { txHash: hash, height: header.height, leafIndex, signedBy: commit.signatures.map((s) => names.get(s.validator) ?? s.validator), signer: org!.id };
}

export { blockHash };

export type ShownVerdict =
  | { ok: true; verdict: BundleVerdict }
  /** `field`: the bundle field that failed (`bundle.tx.sig`, …) or the shown field that differs (`record.purpose`, …) */
  | { ok: false; field: string; reason: string };

/** Structural equality of JSON values (key order ignored; an absent key equals an undefined one). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Whether a record an API shows is what the ledger recorded: `proof` verifies against the genesis (verifyBundle), its
 * transaction is of `txType`, and every field of the transaction's payload is shown with the same value (extra shown
 * fields the payload does not have, like `txHash` and `height`, are checked against the bundle when present). Never
 * throws. For records whose payload is their content (an access record, a consent, a verification…); repairs' timeline
 * steps have their own check (`verifyTimelineStep`).
 */
/**
 * The common start of every "is what the page shows what the ledger recorded" check: `shown` is a JSON object (named
 * `what` in the answer), its proof bundle is there and verifies against the genesis. Never throws: a failure is the
 * `{ ok: false, field, reason }` to show.
 */
export function verifyShownBundle(shown: unknown, proof: unknown, genesis: unknown, what: string): { ok: false; field: string; reason: string } | { ok: true; verdict: BundleVerdict } {
  if (typeof shown !== 'object' || shown === null || Array.isArray(shown)) return { ok: false, field: what, reason: `the ${what} is not a JSON object` };
  if (proof === null || proof === undefined) return { ok: false, field: 'proof', reason: `the ${what} has no proof bundle` };
  try {
    return { ok: true, verdict: verifyBundle(proof, genesis) };
  } catch (e) {
    if (isMachiError(e)) return { ok: false, field: `bundle.${String(e.detail?.field ?? 'bundle')}`, reason: e.message };
    return { ok: false, field: 'bundle', reason: String(e) };
  }
}

export function verifyShownRecord(record: unknown, proof: unknown, genesis: unknown, txType: string): ShownVerdict {
  const checked = verifyShownBundle(record, proof, genesis, 'record');
  if (!checked.ok) return checked;
  const { verdict } = checked;
  const tx = (proof as ProofBundle).tx;
  if (tx.type !== txType) return { ok: false, field: 'bundle.tx.type', reason: `is ${JSON.stringify(tx.type)}, not ${JSON.stringify(txType)}` };
  const shown = record as Record<string, unknown>;
  const payload = tx.payload as Record<string, unknown>;
  for (const [k, v] of Object.entries(payload)) {
    if (!sameJson(shown[k], v)) return { ok: false, field: `record.${k}`, reason: `the page shows ${JSON.stringify(shown[k])}, the ledger recorded ${JSON.stringify(v)}` };
  }
  if (shown.txHash !== undefined && shown.txHash !== verdict.txHash) return { ok: false, field: 'record.txHash', reason: `is not the bundle's transaction ${verdict.txHash}` };
  if (shown.height !== undefined && shown.height !== verdict.height) return { ok: false, field: 'record.height', reason: `the bundle's block is ${verdict.height}` };
  return { ok: true, verdict };
}
