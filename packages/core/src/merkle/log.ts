/**
 * An append-only RFC 9162 Merkle log over a store of complete-subtree hashes.
 *
 * Node model: the node (level, index) is the hash of the COMPLETE (perfect) subtree over leaves
 * [index * 2^level, (index + 1) * 2^level). Level 0 holds the leaf hashes. Only complete subtrees are ever stored: a
 * node on the right edge of a tree whose size is not a power of two (an "ephemeral" node, such as MTH(D[4:7])) is
 * recomputed when needed from the O(log n) complete nodes that cover it. Stored nodes never change once written,
 * whatever the log grows to, so storage is append-only too.
 *
 * In memory the log keeps only its frontier: the hashes of the complete subtrees that make up [0, size), one per set
 * bit of `size`. Appending needs nothing else, so the log can run ahead of storage: `append`/`appendMany` return the
 * new complete nodes and the caller persists them (e.g. once per block). Proofs and past roots are read from the node
 * store, so they can only be asked for tree sizes whose nodes the caller has persisted; asking for others makes the
 * reader fail (a bug in the caller, not an expected error).
 */
import { assert } from '../assert.js';
import { MachiError } from '../errors.js';
import { bytesEqual, EMPTY_ROOT, hashChildren, MERKLE_HASH_SIZE } from './hash.js';
import { half, isOdd, isSafeCount, popCount, trailingZeros } from './math.js';

/** A complete-subtree hash, as produced by `MerkleLog.append` for storage to persist. */
export interface MerkleNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/**
 * Read access to stored complete-subtree hashes. `getNode(level, index)` returns the hash of the complete subtree over
 * leaves [index * 2^level, (index + 1) * 2^level); it is only called for nodes that exist (complete, and persisted
 * by the caller), and should throw if the node is missing, since that is a bug.
 */
export interface MerkleNodeReader {
  getNode(level: number, index: number): Uint8Array;
}

function checkCount(name: string, n: number): void {
  if (!isSafeCount(n)) throw new MachiError('PROOF_MALFORMED', `${name} is not a non-negative safe integer`, { [name]: n });
}

/**
 * MTH(D[start:end]) for a node of the RFC tree: `start` must be a multiple of a power of two that is >= end - start
 * (true of every node of a tree of size >= end, including an ephemeral right-edge node). Reads the complete subtrees
 * covering the range, left to right by decreasing size, and folds them from the right as RFC 9162 §2.1.1 splits.
 * O(log n) reads.
 */
function rangeHash(reader: MerkleNodeReader, start: number, end: number): Uint8Array {
  assert(end > start, 'rangeHash of an empty range');
  const parts: Uint8Array[] = [];
  let width = 1;
  let level = 0;
  while (width * 2 <= end - start) {
    width *= 2;
    level++;
  }
  for (let pos = start; pos < end; width /= 2, level--) {
    if (end - pos >= width) {
      parts.push(reader.getNode(level, pos / width));
      pos += width;
    }
  }
  let acc = parts[parts.length - 1]!;
  for (let k = parts.length - 2; k >= 0; k--) acc = hashChildren(parts[k]!, acc);
  return acc;
}

/**
 * The root of the tree of the first `size` leaves, from stored nodes: reads one node per set bit of `size` (the
 * empty tree's root is SHA-256 of the empty string).
 */
export function rootFromNodes(reader: MerkleNodeReader, size: number): Uint8Array {
  checkCount('size', size);
  return size === 0 ? EMPTY_ROOT.slice() : rangeHash(reader, 0, size);
}

/**
 * The nodes needed to recompute the root of a tree of `size` leaves from the complete node (level, index), bottom-up:
 * the audit path of RFC 9162 §2.1.3.1 generalised to a subtree. Requires (index + 1) * 2^level <= size.
 */
function pathProof(reader: MerkleNodeReader, level: number, index: number, size: number): Uint8Array[] {
  const proof: Uint8Array[] = [];
  let width = 2 ** level; // leaves under one node of the current level
  let i = index;
  let count = Math.ceil(size / width); // nodes at this level, counting an incomplete right-edge one
  while (count > 1) {
    if (isOdd(i)) {
      proof.push(reader.getNode(level, i - 1)); // a left sibling is always complete
    } else if (i + 1 < count) {
      const siblingStart = (i + 1) * width;
      proof.push(size - siblingStart >= width ? reader.getNode(level, i + 1) : rangeHash(reader, siblingStart, size));
    } // else: the last node of its level has no sibling; RFC 9162 carries it up unchanged
    i = half(i);
    level++;
    width *= 2;
    count = Math.ceil(count / 2);
  }
  return proof;
}

/**
 * The inclusion proof (RFC 9162 §2.1.3.1 PATH) of leaf `index` in the tree of the first `size` leaves, from stored
 * nodes. O(log n) reads. Throws PROOF_MALFORMED / PROOF_INDEX_OUT_OF_RANGE for bad arguments.
 */
export function inclusionProofFromNodes(reader: MerkleNodeReader, index: number, size: number): Uint8Array[] {
  checkCount('index', index);
  checkCount('size', size);
  if (index >= size) throw new MachiError('PROOF_INDEX_OUT_OF_RANGE', `leaf index ${index} is not inside a tree of size ${size}`, { index, size });
  return pathProof(reader, 0, index, size);
}

/**
 * The consistency proof (RFC 9162 §2.1.4.1 PROOF) from the tree of `size1` leaves to the tree of `size2` leaves, from
 * stored nodes: the hash of the largest complete subtree ending at size1 (left out when size1 is a power of two, as
 * it is then root1 itself), followed by that subtree's path in the tree of size2. O(log n) reads.
 * Requires 0 < size1 <= size2 (PROOF_INDEX_OUT_OF_RANGE otherwise); size1 == size2 gives an empty proof.
 */
export function consistencyProofFromNodes(reader: MerkleNodeReader, size1: number, size2: number): Uint8Array[] {
  checkCount('size1', size1);
  checkCount('size2', size2);
  if (size1 > size2) throw new MachiError('PROOF_INDEX_OUT_OF_RANGE', `size1 ${size1} is larger than size2 ${size2}`, { size1, size2 });
  if (size1 === 0) {
    throw new MachiError('PROOF_INDEX_OUT_OF_RANGE', 'a consistency proof from the empty tree is meaningless (size1 must be > 0)', { size1, size2 });
  }
  if (size1 === size2) return [];
  const level = trailingZeros(size1);
  const width = 2 ** level;
  const index = size1 / width - 1; // exact: size1 is a multiple of width
  const proof = index === 0 ? [] : [reader.getNode(level, index)];
  for (const node of pathProof(reader, level, index, size2)) proof.push(node);
  return proof;
}

/**
 * The append-only log. Holds the tree size and its frontier; reads stored nodes only for proofs and past roots.
 *
 * Returned hashes (in `MerkleNode`s and the frontier) are shared with the log: callers must not mutate them.
 */
export class MerkleLog {
  readonly #reader: MerkleNodeReader;
  #size: number;
  /** #levels[l] is the frontier hash at level l, present iff bit l of #size is set. */
  readonly #levels: (Uint8Array | undefined)[] = [];
  #root: Uint8Array | undefined;

  /**
   * A log of `size` leaves whose nodes are in `reader`. `frontier` is the log's frontier as returned by `frontier()`
   * (left to right, one hash per set bit of size); when omitted it is read from `reader` (O(log n) reads).
   */
  constructor(reader: MerkleNodeReader, size = 0, frontier?: readonly Uint8Array[]) {
    assert(isSafeCount(size), 'Merkle log size is a non-negative safe integer');
    this.#reader = reader;
    this.#size = size;
    const hashes = frontier ?? MerkleLog.#readFrontier(reader, size);
    assert(hashes.length === popCount(size), 'frontier has one hash per set bit of the size');
    // Left to right is from the highest set bit down.
    let k = hashes.length - 1;
    for (let level = 0, m = size; m > 0; level++, m = half(m)) {
      if (isOdd(m)) {
        const h = hashes[k--]!;
        assert(h instanceof Uint8Array && h.length === MERKLE_HASH_SIZE, 'frontier hashes are 32 bytes');
        this.#levels[level] = h;
      }
    }
  }

  /** Rebuilds a log of `size` leaves from its stored nodes (reads its frontier: one node per set bit of size). */
  static fromReader(reader: MerkleNodeReader, size: number): MerkleLog {
    return new MerkleLog(reader, size);
  }

  static #readFrontier(reader: MerkleNodeReader, size: number): Uint8Array[] {
    const hashes: Uint8Array[] = [];
    let width = 1;
    let level = 0;
    while (width * 2 <= size) {
      width *= 2;
      level++;
    }
    for (let pos = 0; pos < size; width /= 2, level--) {
      if (size - pos >= width) {
        hashes.push(reader.getNode(level, pos / width));
        pos += width;
      }
    }
    return hashes;
  }

  /** Number of leaves appended so far (persisted or not). */
  get size(): number {
    return this.#size;
  }

  /** The frontier: hashes of the complete subtrees covering [0, size), left to right (largest first). */
  frontier(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let level = this.#levels.length - 1; level >= 0; level--) {
      const h = this.#levels[level];
      if (h !== undefined) out.push(h);
    }
    return out;
  }

  /**
   * Appends one leaf hash (SHA-256(0x00 || data), see `hashLeaf`) and returns the complete nodes this creates, level 0
   * first: the leaf itself and every subtree it completes. The caller persists them; the log does not need them.
   */
  append(leafHash: Uint8Array): MerkleNode[] {
    const nodes: MerkleNode[] = [];
    this.#append(leafHash, nodes);
    return nodes;
  }

  /** Appends leaf hashes in order and returns all the complete nodes created, in creation order. */
  appendMany(leafHashes: Iterable<Uint8Array>): MerkleNode[] {
    const nodes: MerkleNode[] = [];
    for (const h of leafHashes) this.#append(h, nodes);
    return nodes;
  }

  #append(leafHash: Uint8Array, out: MerkleNode[]): void {
    assert(leafHash instanceof Uint8Array && leafHash.length === MERKLE_HASH_SIZE, 'leaf hashes are 32 bytes');
    assert(this.#size < Number.MAX_SAFE_INTEGER, 'Merkle log size stays a safe integer');
    let index = this.#size;
    let level = 0;
    let h = leafHash;
    out.push({ level, index, hash: h });
    // Each set low bit of the old size is a complete left sibling on the frontier: merge and carry up.
    while (isOdd(index)) {
      const left = this.#levels[level];
      assert(left !== undefined, 'frontier has a node for every set bit of the size');
      this.#levels[level] = undefined;
      h = hashChildren(left, h);
      index = half(index);
      level++;
      out.push({ level, index, hash: h });
    }
    this.#levels[level] = h;
    this.#size++;
    this.#root = undefined;
  }

  /** The current root (RFC 9162 MTH of all leaves appended so far), from the frontier: no reads, O(log n) hashes. */
  root(): Uint8Array {
    if (this.#root === undefined) {
      let acc: Uint8Array | undefined;
      for (const h of this.#levels) {
        if (h !== undefined) acc = acc === undefined ? h : hashChildren(h, acc);
      }
      this.#root = acc ?? EMPTY_ROOT;
    }
    return this.#root.slice();
  }

  /**
   * The root of the tree of the first `size` leaves (size <= this.size). The current size is answered from the
   * frontier; other sizes read one stored node per set bit of `size` from `reader` (default: the log's reader).
   */
  rootAt(size: number, reader: MerkleNodeReader = this.#reader): Uint8Array {
    this.#checkSize('size', size);
    return size === this.#size ? this.root() : rootFromNodes(reader, size);
  }

  /**
   * Inclusion proof of leaf `index` in the tree of the first `size` leaves (default: the current size). Requires
   * index < size <= this.size (PROOF_INDEX_OUT_OF_RANGE), and the nodes of that tree persisted in the reader.
   */
  inclusionProof(index: number, size: number = this.#size): Uint8Array[] {
    this.#checkSize('size', size);
    return inclusionProofFromNodes(this.#reader, index, size);
  }

  /**
   * Consistency proof from the tree of `size1` leaves to the tree of `size2` leaves (default: the current size).
   * Requires 0 < size1 <= size2 <= this.size (PROOF_INDEX_OUT_OF_RANGE), and the nodes of the tree of size2
   * persisted in the reader.
   */
  consistencyProof(size1: number, size2: number = this.#size): Uint8Array[] {
    this.#checkSize('size2', size2);
    return consistencyProofFromNodes(this.#reader, size1, size2);
  }

  #checkSize(name: string, size: number): void {
    checkCount(name, size);
    if (size > this.#size) {
      throw new MachiError('PROOF_INDEX_OUT_OF_RANGE', `tree size ${size} is larger than the log (${this.#size})`, { [name]: size, logSize: this.#size });
    }
  }
}

/** An in-memory node store, for tests and simple uses (e.g. replaying a chain). */
export class MemoryNodeStore implements MerkleNodeReader {
  readonly #levels: Uint8Array[][] = [];

  /** Stores nodes (as returned by `MerkleLog.append`/`appendMany`). Storing a node again with the same hash is a no-op. */
  put(nodes: Iterable<MerkleNode>): void {
    for (const { level, index, hash } of nodes) {
      const row = (this.#levels[level] ??= []);
      const old = row[index];
      assert(old === undefined || bytesEqual(old, hash), 'a stored Merkle node never changes');
      row[index] = hash;
    }
  }

  has(level: number, index: number): boolean {
    return this.#levels[level]?.[index] !== undefined;
  }

  getNode(level: number, index: number): Uint8Array {
    const h = this.#levels[level]?.[index];
    assert(h !== undefined, `Merkle node (${level}, ${index}) is stored`);
    return h;
  }
}
