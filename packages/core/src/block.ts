/**
 * Blocks and commit certificates. A block header fixes the whole history: the previous block, this block's
 * transactions (txRoot), the log of every transaction so far (logSize, logRoot), the state (appHash) and who may sign
 * (validatorsHash). A commit certificate is the validators' precommit signatures over the header's hash; it is valid
 * with more than 2/3 of the voting power. docs/spec/formats.md#blocks
 */
import { canonicalJson, isBase64url, isHex, tagged } from './encoding.js';
import { sha256Hex, verifySignature } from './crypto.js';
import { MachiError } from './errors.js';
import type { Validator } from './genesis.js';

export interface BlockHeader {
  chainId: string;
  height: number;
  /** ms since the Unix epoch; never earlier than the previous block's */
  time: number;
  /** hash of the previous header; the genesis hash for height 1 */
  prevHash: string;
  /** RFC 9162 root over this block's transaction hashes (leaf data = tx hash) */
  txRoot: string;
  txCount: number;
  /** size and root of the log of every transaction on the chain, after this block */
  logSize: number;
  logRoot: string;
  /** app-hash chain value after executing this block */
  appHash: string;
  /** public key of the proposing validator */
  proposer: string;
  validatorsHash: string;
}

export interface CommitSignature {
  validator: string;
  sig: string;
}

export interface Commit {
  height: number;
  round: number;
  blockHash: string;
  signatures: CommitSignature[];
}

export function blockHash(header: BlockHeader): string {
  return sha256Hex(tagged('machi.block.v1', canonicalJson(header)));
}

/** What a validator signs when it precommits a block: the same bytes consensus votes use. */
export function precommitSignBytes(chainId: string, height: number, round: number, hash: string): Uint8Array {
  return tagged('machi.vote.v1', canonicalJson({ type: 'precommit', chainId, height, round, blockHash: hash }));
}

function bad(why: string): never {
  throw new MachiError('BLOCK_INVALID', why);
}

const HEADER_KEYS = ['appHash', 'chainId', 'height', 'logRoot', 'logSize', 'prevHash', 'proposer', 'time', 'txCount', 'txRoot', 'validatorsHash'];

/** Shape check of a header read from outside (a proof bundle, a peer); throws BLOCK_INVALID naming the field. */
export function checkHeaderShape(value: unknown): BlockHeader {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('header is not an object');
  const h = value as Record<string, unknown>;
  const keys = Object.keys(h).sort();
  if (keys.join() !== HEADER_KEYS.join()) bad(`header fields are [${keys.join(', ')}], expected [${HEADER_KEYS.join(', ')}]`);
  for (const k of ['height', 'time', 'txCount', 'logSize']) {
    if (typeof h[k] !== 'number' || !Number.isSafeInteger(h[k]) || (h[k] as number) < 0) bad(`header.${k} is not a non-negative integer`);
  }
  for (const k of ['prevHash', 'txRoot', 'logRoot', 'appHash', 'validatorsHash']) if (!isHex(h[k], 64)) bad(`header.${k} is not a 64-char hex hash`);
  if (typeof h.chainId !== 'string') bad('header.chainId is not a string');
  if (!isBase64url(h.proposer, 32)) bad('header.proposer is not a public key');
  return h as unknown as BlockHeader;
}

export function checkCommitShape(value: unknown): Commit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('commit is not an object');
  const c = value as Record<string, unknown>;
  if (!Number.isSafeInteger(c.height) || !Number.isSafeInteger(c.round)) bad('commit height/round are not integers');
  if (!isHex(c.blockHash, 64)) bad('commit.blockHash is not a 64-char hex hash');
  if (!Array.isArray(c.signatures)) bad('commit.signatures is not a list');
  for (const s of c.signatures as unknown[]) {
    const sig = s as Record<string, unknown>;
    if (typeof sig !== 'object' || sig === null || !isBase64url(sig.validator, 32) || !isBase64url(sig.sig, 64)) bad('a commit signature is malformed');
  }
  return c as unknown as Commit;
}

/**
 * Checks that `commit` certifies `header` under `validators`: the hashes match, every signature is by a distinct
 * validator and verifies, and the signers hold more than 2/3 of the total power. Throws BLOCK_INVALID with the reason.
 */
export function verifyCommit(header: BlockHeader, commit: Commit, validators: readonly Validator[]): void {
  const hash = blockHash(header);
  if (commit.height !== header.height) bad(`commit is for height ${commit.height}, header is ${header.height}`);
  if (commit.blockHash !== hash) bad(`commit signs block ${commit.blockHash}, header hashes to ${hash}`);
  const power = new Map(validators.map((v) => [v.publicKey, v.power]));
  const total = validators.reduce((s, v) => s + v.power, 0);
  const seen = new Set<string>();
  let signed = 0;
  const message = precommitSignBytes(header.chainId, header.height, commit.round, hash);
  for (const { validator, sig } of commit.signatures) {
    const p = power.get(validator);
    if (p === undefined) bad(`commit signature by ${validator}, which is not a validator`);
    if (seen.has(validator)) bad(`commit has two signatures by ${validator}`);
    if (!verifySignature(validator, message, sig)) bad(`commit signature by ${validator} does not verify`);
    seen.add(validator);
    signed += p;
  }
  if (3 * signed <= 2 * total) bad(`commit carries ${signed} of ${total} voting power; more than 2/3 is needed`);
}
