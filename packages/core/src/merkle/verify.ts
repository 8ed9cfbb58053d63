/**
 * Verification of RFC 9162 §2.1.3 inclusion proofs and §2.1.4 consistency proofs. Pure functions: they read only their
 * arguments and throw a `MachiError` (never a plain Error) on any rejection:
 *
 * - `PROOF_MALFORMED`: a size or index is not a non-negative safe integer, or a hash that enters a hash computation
 *   (leaf hash, proof node, and for consistency proofs between different sizes, the roots) is not 32 bytes.
 * - `PROOF_INDEX_OUT_OF_RANGE`: index >= size (inclusion); size1 > size2 or size1 == 0 (consistency).
 * - `PROOF_SIZE_MISMATCH`: the proof does not have the number of nodes the sizes call for.
 * - `PROOF_ROOT_MISMATCH`: the proof does not lead to the expected root; `detail` holds `expected` and `computed` (hex)
 *   and, for consistency proofs, `which` ('root1' or 'root2').
 *
 * The arithmetic follows transparency-dev/merkle (proof/verify.go), which is equivalent to the iterative algorithms of
 * RFC 9162 §2.1.3.2 and §2.1.4.2; the tests check both against a recursive reference built from the RFC text.
 *
 * Note that a root does not commit to the tree size: for some (index, size) pairs a proof also verifies against the
 * same root with a neighbouring size (the proof shape is the same). The size must come from the same signed head as
 * the root.
 */
import { MachiError } from '../errors.js';
import { bytesEqual, hashChildren, MERKLE_HASH_SIZE } from './hash.js';
import { decomposeInclusion, half, isOdd, isSafeCount, trailingZeros } from './math.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function checkCount(name: string, n: number): void {
  if (!isSafeCount(n)) throw new MachiError('PROOF_MALFORMED', `${name} is not a non-negative safe integer`, { [name]: n });
}

function checkHash(what: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== MERKLE_HASH_SIZE) {
    throw new MachiError('PROOF_MALFORMED', `${what} is not a ${MERKLE_HASH_SIZE}-byte hash`, {
      what,
      length: h instanceof Uint8Array ? h.length : null,
    });
  }
}

function checkProofNodes(proof: readonly Uint8Array[], expected: number): void {
  if (!Array.isArray(proof) || proof.length !== expected) {
    throw new MachiError('PROOF_SIZE_MISMATCH', `proof has ${Array.isArray(proof) ? proof.length : 'no'} nodes, expected ${expected}`, {
      expected,
      actual: Array.isArray(proof) ? proof.length : null,
    });
  }
  for (let i = 0; i < proof.length; i++) checkHash(`proof[${i}]`, proof[i]!);
}

function rootMismatch(expected: Uint8Array, computed: Uint8Array, which?: 'root1' | 'root2'): MachiError {
  const detail: Record<string, unknown> = { expected: hex(expected), computed: hex(computed) };
  if (which !== undefined) detail.which = which;
  return new MachiError('PROOF_ROOT_MISMATCH', which === undefined ? undefined : `proof does not lead to ${which}`, detail);
}

/**
 * Computes the root of a tree of `size` leaves from the hash of leaf `index` and its inclusion proof (RFC 9162
 * §2.1.3.2): the caller compares it with a root it trusts for that size.
 *
 * Preconditions (checked, each violation throws): `index` and `size` are non-negative safe integers
 * (`PROOF_MALFORMED`); `index < size` (`PROOF_INDEX_OUT_OF_RANGE`); `leafHash` is 32 bytes (`PROOF_MALFORMED`);
 * `proof` has exactly the number of nodes a tree of this size has on this leaf's path (`PROOF_SIZE_MISMATCH`), each
 * 32 bytes (`PROOF_MALFORMED`). Proof nodes are ordered from the leaf up.
 */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkCount('index', index);
  checkCount('size', size);
  if (index >= size) throw new MachiError('PROOF_INDEX_OUT_OF_RANGE', `leaf index ${index} is not inside a tree of size ${size}`, { index, size });
  checkHash('leafHash', leafHash);
  const { inner, border } = decomposeInclusion(index, size);
  checkProofNodes(proof, inner + border);

  let h = leafHash;
  let i = index;
  for (let k = 0; k < inner; k++) {
    const p = proof[k]!;
    h = isOdd(i) ? hashChildren(p, h) : hashChildren(h, p);
    i = half(i);
  }
  for (let k = inner; k < proof.length; k++) h = hashChildren(proof[k]!, h);
  return h;
}

/**
 * Checks that `proof` proves leaf `index` (with hash `leafHash`) is in the tree of `size` leaves whose root is `root`.
 * Same preconditions as `rootFromInclusionProof`; throws `PROOF_ROOT_MISMATCH` (detail: expected, computed) when the
 * proof leads to another root. A `root` of the wrong length simply never matches.
 */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (!bytesEqual(computed, root)) throw rootMismatch(root, computed);
}

/**
 * Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with root `root1`
 * (RFC 9162 §2.1.4.2), using a consistency proof as produced by `MerkleLog.consistencyProof`.
 *
 * Preconditions and cases, in order (as transparency-dev/merkle):
 * - sizes are non-negative safe integers, else `PROOF_MALFORMED`;
 * - `size1 <= size2`, else `PROOF_INDEX_OUT_OF_RANGE`;
 * - `size1 > 0`, else `PROOF_INDEX_OUT_OF_RANGE`: a proof from the empty tree is meaningless (RFC 9162 requires
 *   0 < size1), and this includes size1 == size2 == 0;
 * - `size1 == size2`: the proof must be empty (`PROOF_SIZE_MISMATCH`) and `root1` must equal `root2` byte for byte
 *   (`PROOF_ROOT_MISMATCH`); nothing is hashed, so the roots' length is not checked;
 * - otherwise: the proof must have the exact number of nodes (`PROOF_SIZE_MISMATCH`; in particular it is never empty),
 *   every node and both roots must be 32 bytes (`PROOF_MALFORMED`), and the proof must reproduce `root1` and then
 *   `root2` (`PROOF_ROOT_MISMATCH` with `which`).
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  checkCount('size1', size1);
  checkCount('size2', size2);
  if (size1 > size2) throw new MachiError('PROOF_INDEX_OUT_OF_RANGE', `size1 ${size1} is larger than size2 ${size2}`, { size1, size2 });
  if (size1 === 0) {
    throw new MachiError('PROOF_INDEX_OUT_OF_RANGE', 'a consistency proof from the empty tree is meaningless (size1 must be > 0)', { size1, size2 });
  }
  if (size1 === size2) {
    checkProofNodes(proof, 0);
    if (!bytesEqual(root1, root2)) throw rootMismatch(root2, root1, 'root2');
    return;
  }

  // The proof is, optionally, the hash of the largest complete subtree ending at size1 (its "seed"; omitted when size1
  // is a power of two, because that subtree is the whole old tree and its hash is root1), followed by the inclusion
  // proof of that subtree in the new tree, with the levels below the subtree cut off.
  const shift = trailingZeros(size1);
  const seedInProof = size1 !== 2 ** shift;
  const decomposition = decomposeInclusion(size1 - 1, size2);
  const inner = decomposition.inner - shift; // > 0 since size1 < size2
  const start = seedInProof ? 1 : 0;
  checkProofNodes(proof, start + inner + decomposition.border);
  checkHash('root1', root1);
  checkHash('root2', root2);

  const seed = seedInProof ? proof[0]! : root1;
  let h1 = seed; // the old tree's root, from the left-hand nodes only
  let h2 = seed; // the new tree's root, from all nodes
  let mask = Math.floor((size1 - 1) / 2 ** shift); // (size1 - 1) >> shift: the path starts at level `shift`
  for (let k = 0; k < inner; k++) {
    const p = proof[start + k]!;
    if (isOdd(mask)) {
      h1 = hashChildren(p, h1);
      h2 = hashChildren(p, h2);
    } else {
      h2 = hashChildren(h2, p);
    }
    mask = half(mask);
  }
  for (let k = start + inner; k < proof.length; k++) {
    const p = proof[k]!;
    h1 = hashChildren(p, h1);
    h2 = hashChildren(p, h2);
  }
  if (!bytesEqual(h1, root1)) throw rootMismatch(root1, h1, 'root1');
  if (!bytesEqual(h2, root2)) throw rootMismatch(root2, h2, 'root2');
}
