/**
 * RFC 9162 §2.1.1 hashing with SHA-256: leaves are hashed with a 0x00 prefix, interior nodes with a 0x01 prefix, so a
 * leaf hash can never be passed off as an interior node (second-preimage resistance).
 *
 * These functions are on the hot path (one leaf plus on average one interior hash per transaction, and O(log n)
 * interior hashes per proof), so they hash one contiguous buffer with the one-shot `crypto.hash` rather than building
 * a `Hash` object per call. `crypto.hash` is synchronous, so reusing a module-level scratch buffer is safe.
 */
import { hash } from 'node:crypto';

/** Size in bytes of every hash in the tree (SHA-256). */
export const MERKLE_HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** Scratch for the common cases: a 32-byte leaf (a transaction hash) and two 32-byte children. */
const leafScratch = new Uint8Array(1 + MERKLE_HASH_SIZE);
const nodeScratch = new Uint8Array(1 + 2 * MERKLE_HASH_SIZE);
leafScratch[0] = LEAF_PREFIX;
nodeScratch[0] = NODE_PREFIX;

/** SHA-256 of `data`, as a plain Uint8Array (not a Buffer, whose `slice` would share memory). */
function sha256(data: Uint8Array): Uint8Array {
  const b = hash('sha256', data, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** SHA-256 of the empty string: the root of the empty tree (RFC 9162 §2.1.1, MTH({}) = HASH()). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** Leaf hash: SHA-256(0x00 || data). In Machi, `data` is the 32-byte transaction hash. */
export function hashLeaf(data: Uint8Array): Uint8Array {
  if (data.length === MERKLE_HASH_SIZE) {
    leafScratch.set(data, 1);
    return sha256(leafScratch);
  }
  const buf = new Uint8Array(1 + data.length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return sha256(buf);
}

/**
 * Interior node hash: SHA-256(0x01 || left || right). Any lengths are accepted (callers that take hashes from outside
 * check for 32 bytes first); the common case of two 32-byte children uses a scratch buffer.
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === MERKLE_HASH_SIZE && right.length === MERKLE_HASH_SIZE) {
    nodeScratch.set(left, 1);
    nodeScratch.set(right, 1 + MERKLE_HASH_SIZE);
    return sha256(nodeScratch);
  }
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** Byte equality (not constant-time: everything compared here is public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
