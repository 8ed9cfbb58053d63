/**
 * Proof bundles: a transaction plus everything needed to verify, offline and with only the genesis file, that it is
 * on the chain — its RFC 9162 inclusion proof in the log, the block header that fixes the log root, and the commit
 * certificate over that header. docs/spec/formats.md#proof-bundles
 */
import { fromHex, isHex } from './encoding.js';
import { blockHash, checkCommitShape, checkHeaderShape, verifyCommit, type BlockHeader, type Commit } from './block.js';
import { MachiError, isMachiError } from './errors.js';
import { parseGenesis, validatorsHash, validatorsOf, type Genesis } from './genesis.js';
import { hashLeaf, verifyInclusion } from './merkle/index.js';
import { checkTxShape, txHash, txSignBytes, type SignedTx } from './tx.js';
import { verifySignature } from './crypto.js';

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
}

export interface BundleVerdict {
  txHash: string;
  height: number;
  leafIndex: number;
  /** ids of the organisations whose signatures certify the block */
  signedBy: string[];
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

  const hash = txHash(tx);
  if (b.txHash !== hash) reject('txHash', `does not match the transaction (which hashes to ${hash})`);
  const org = genesis.orgs.find((o) => o.publicKey === tx.signer);
  if (org === undefined) reject('tx.signer', 'is not an organisation of this chain');
  if (!verifySignature(tx.signer, txSignBytes(tx), tx.sig)) reject('tx.sig', 'does not verify');

  const validators = validatorsOf(genesis);
  if (header.validatorsHash !== validatorsHash(validators)) reject('header.validatorsHash', 'does not match the genesis validators');
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
  const names = new Map(genesis.orgs.map((o) => [o.publicKey, o.id]));
  return { txHash: hash, height: header.height, leafIndex, signedBy: commit.signatures.map((s) => names.get(s.validator) ?? s.validator) };
}

export { blockHash };
