/**
 * Transactions: what they are, how they are signed and hashed, and the stateless checks every node runs once on
 * admission. docs/spec/formats.md#transactions
 */
import { canonicalJson, isBase64url, isHex } from './encoding.js';
import { sha256Hex, verifySignature } from './crypto.js';
import { MachiError } from './errors.js';
import { NONCE_HEX_CHARS_MAX, NONCE_HEX_CHARS_MIN, TX_BYTES_MAX, TX_TYPE_CHARS_MAX } from './limits.js';
import type { TxTypeRegistry } from './state/registry.js';

export interface TxBody {
  chainId: string;
  /** e.g. `notary.record` */
  type: string;
  /** JSON object checked against the type's schema; names acting users pseudonymously, never in clear */
  payload: Record<string, unknown>;
  /** Ed25519 public key (base64url) of the signing organisation */
  signer: string;
  /** random hex; (signer, nonce) is unique on the chain — replay protection */
  nonce: string;
  /** the signer's clock, ms since the Unix epoch */
  time: number;
}

export interface SignedTx extends TxBody {
  /** Ed25519 signature (base64url) over txSignBytes(body) */
  sig: string;
}

const TX_KEYS = ['chainId', 'nonce', 'payload', 'sig', 'signer', 'time', 'type'];
const TYPE_RE = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+$/;

export function txSignBytes(body: TxBody): Uint8Array {
  return Buffer.from(`machi.tx.v1\n${canonicalBody(body, canonicalJson(body.payload))}`, 'utf8');
}

/**
 * JCS of the six signed fields, given the payload's JCS. Assembled by hand (the keys are fixed and written here in
 * JCS order) so that the payload, the only nested value, is canonicalised once per transaction instead of twice.
 */
function canonicalBody(b: TxBody, payload: string): string {
  return `{"chainId":${JSON.stringify(b.chainId)},"nonce":${JSON.stringify(b.nonce)},"payload":${payload},"signer":${JSON.stringify(b.signer)},"time":${JSON.stringify(b.time)},"type":${JSON.stringify(b.type)}}`;
}

/** JCS of the signed transaction: the six fields plus `sig`, which sorts between payload and signer. */
function canonicalSigned(t: SignedTx, payload: string): string {
  return `{"chainId":${JSON.stringify(t.chainId)},"nonce":${JSON.stringify(t.nonce)},"payload":${payload},"sig":${JSON.stringify(t.sig)},"signer":${JSON.stringify(t.signer)},"time":${JSON.stringify(t.time)},"type":${JSON.stringify(t.type)}}`;
}

/** Canonical text of a signed transaction: what is stored and what the hash covers. */
export function txCanonical(tx: SignedTx): string {
  return canonicalSigned(tx, canonicalJson(tx.payload));
}

export function txHashOfCanonical(canonical: string): string {
  return sha256Hex(canonical);
}

export function txHash(tx: SignedTx): string {
  return txHashOfCanonical(txCanonical(tx));
}

export function signTx(body: TxBody, sign: (message: Uint8Array) => string): SignedTx {
  return { ...body, sig: sign(txSignBytes(body)) };
}

/** Shape check; returns the value typed as a SignedTx or throws TX_MALFORMED naming the field. */
export function checkTxShape(value: unknown): SignedTx {
  const bad = (field: string, why: string): never => {
    throw new MachiError('TX_MALFORMED', `transaction field "${field}" ${why}`, { field });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('(root)', 'must be a JSON object');
  const tx = value as Record<string, unknown>;
  for (const k of Object.keys(tx)) if (!TX_KEYS.includes(k)) bad(k, 'is not a transaction field');
  if (typeof tx.chainId !== 'string' || tx.chainId.length === 0) bad('chainId', 'must be a non-empty string');
  if (typeof tx.type !== 'string' || tx.type.length > TX_TYPE_CHARS_MAX || !TYPE_RE.test(tx.type)) bad('type', 'must look like "module.action"');
  if (typeof tx.payload !== 'object' || tx.payload === null || Array.isArray(tx.payload)) bad('payload', 'must be a JSON object');
  if (!isBase64url(tx.signer, 32)) bad('signer', 'must be a base64url Ed25519 public key');
  if (!isHex(tx.nonce) || tx.nonce.length < NONCE_HEX_CHARS_MIN || tx.nonce.length > NONCE_HEX_CHARS_MAX) {
    bad('nonce', `must be ${NONCE_HEX_CHARS_MIN}-${NONCE_HEX_CHARS_MAX} lowercase hex characters`);
  }
  if (typeof tx.time !== 'number' || !Number.isSafeInteger(tx.time) || tx.time < 0) bad('time', 'must be a non-negative integer (ms)');
  if (!isBase64url(tx.sig, 64)) bad('sig', 'must be a base64url Ed25519 signature');
  return tx as unknown as SignedTx;
}

export interface TxCheckContext {
  chainId: string;
  /**
   * public keys of the chain's organisations; absent where the member set may change (the node and the chain verifier
   * check membership against the set of the block's height instead: a non-member's transaction is refused there)
   */
  signers?: ReadonlySet<string>;
  registry: TxTypeRegistry;
}

export interface CheckedTx {
  tx: SignedTx;
  hash: string;
  canonical: string;
}

/**
 * Every stateless check, in order from cheapest to dearest; the signature is verified last and only once per node.
 * Throws the first failure as a MachiError.
 */
export function checkTx(value: unknown, ctx: TxCheckContext): CheckedTx {
  const tx = checkTxShape(value);
  if (tx.chainId !== ctx.chainId) throw new MachiError('TX_WRONG_CHAIN', `transaction is for chain "${tx.chainId}", this is "${ctx.chainId}"`);
  const type = ctx.registry.get(tx.type);
  if (type === undefined) throw new MachiError('TX_UNKNOWN_TYPE', `unknown transaction type "${tx.type}"`);
  type.checkPayload(tx.payload);
  if (ctx.signers !== undefined && !ctx.signers.has(tx.signer)) throw new MachiError('TX_UNKNOWN_SIGNER');
  const payload = canonicalJson(tx.payload);
  const canonical = canonicalSigned(tx, payload);
  if (Buffer.byteLength(canonical, 'utf8') > TX_BYTES_MAX) throw new MachiError('TX_TOO_LARGE', `transaction is larger than ${TX_BYTES_MAX} bytes`);
  const signBytes = Buffer.from(`machi.tx.v1\n${canonicalBody(tx, payload)}`, 'utf8');
  if (!verifySignature(tx.signer, signBytes, tx.sig)) throw new MachiError('TX_BAD_SIGNATURE');
  return { tx, hash: txHashOfCanonical(canonical), canonical };
}
