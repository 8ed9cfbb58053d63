/**
 * TEST-ONLY naive reference for RFC 9162 §2.1, written straight from the RFC text and independent of src/merkle:
 * recursive MTH, PATH (§2.1.3.1), PROOF/SUBPROOF (§2.1.4.1), and the RFC's own iterative verification algorithms
 * (§2.1.3.2, §2.1.4.2) as an oracle for accept/reject. MTH is memoised per (start, end) so the property tests stay
 * fast; nothing else is clever. Sizes here are small, so bitwise operators are fine.
 */
import { createHash } from 'node:crypto';

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const ZERO = new Uint8Array([0x00]);
const ONE = new Uint8Array([0x01]);

/** RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)). */
export function refLeafHash(data: Uint8Array): Uint8Array {
  return sha256(ZERO, data);
}

/** RFC 9162 §2.1.1: HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). */
export function refNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(ONE, left, right);
}

/** The largest power of two smaller than n (n > 1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Leaf data for tests: a stand-in for a 32-byte transaction hash. */
export function leafData(i: number): Uint8Array {
  return sha256(new TextEncoder().encode(`machi-merkle-test-leaf-${i}`));
}

export interface PathStep {
  hash: Uint8Array;
  /** whether the sibling is to the right of the path */
  right: boolean;
}

/** A list of entries D[0:n] and the RFC definitions over its prefixes and sub-ranges. */
export class ReferenceTree {
  readonly #data: Uint8Array[];
  readonly #memo = new Map<string, Uint8Array>();

  constructor(data: Uint8Array[]) {
    this.#data = data;
  }

  /** MTH(D[a:b]) */
  mth(a: number, b: number): Uint8Array {
    const n = b - a;
    if (n === 0) return sha256();
    const key = `${a}:${b}`;
    const hit = this.#memo.get(key);
    if (hit) return hit;
    let h: Uint8Array;
    if (n === 1) {
      h = refLeafHash(this.#data[a]!);
    } else {
      const k = splitPoint(n);
      h = refNodeHash(this.mth(a, a + k), this.mth(a + k, b));
    }
    this.#memo.set(key, h);
    return h;
  }

  /** PATH(m, D[a:b]) with the side of each sibling. */
  pathSteps(m: number, a: number, b: number): PathStep[] {
    const n = b - a;
    if (n === 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...this.pathSteps(m, a, a + k), { hash: this.mth(a + k, b), right: true }];
    return [...this.pathSteps(m - k, a + k, b), { hash: this.mth(a, a + k), right: false }];
  }

  /** PATH(m, D[n]): the inclusion proof of leaf m in the tree of the first n entries. */
  path(m: number, n: number): Uint8Array[] {
    return this.pathSteps(m, 0, n).map((s) => s.hash);
  }

  /** SUBPROOF(m, D[a:b], flag) */
  subproof(m: number, a: number, b: number, flag: boolean): Uint8Array[] {
    const n = b - a;
    if (m === n) return flag ? [] : [this.mth(a, b)];
    const k = splitPoint(n);
    if (m <= k) return [...this.subproof(m, a, a + k, flag), this.mth(a + k, b)];
    return [...this.subproof(m - k, a + k, b, false), this.mth(a, a + k)];
  }

  /** PROOF(m, D[n]) for 0 < m < n; [] when m == n (transparency-dev's convention). */
  proof(m: number, n: number): Uint8Array[] {
    return m === n ? [] : this.subproof(m, 0, n, true);
  }
}

/** RFC 9162 §2.1.3.2, step by step. */
export function rfcVerifyInclusion(leafIndex: number, treeSize: number, hash: Uint8Array, path: Uint8Array[], rootHash: Uint8Array): boolean {
  if (leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = hash;
  for (const p of path) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = refNodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = refNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && bytesEq(r, rootHash);
}

/**
 * RFC 9162 §2.1.4.2, step by step, for 0 < first < second; plus the conventions outside the RFC's range that
 * transparency-dev (and we) use: first == 0 is rejected, first == second needs an empty proof and equal roots.
 */
export function rfcVerifyConsistency(first: number, second: number, path: Uint8Array[], firstHash: Uint8Array, secondHash: Uint8Array): boolean {
  if (first <= 0 || first > second) return false;
  if (first === second) return path.length === 0 && bytesEq(firstHash, secondHash);
  if (path.length === 0) return false;
  const c = (first & (first - 1)) === 0 ? [firstHash, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while ((fn & 1) === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr = c[0]!;
  let sr = c[0]!;
  for (const x of c.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = refNodeHash(x, fr);
      sr = refNodeHash(x, sr);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = refNodeHash(sr, x);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return bytesEq(fr, firstHash) && bytesEq(sr, secondHash) && sn === 0;
}

/** Shape only (no hashing): for each node of PATH(m, D[n]), bottom-up, whether the sibling is on the right. */
export function refPathSides(m: number, n: number): boolean[] {
  if (n === 1) return [];
  const k = splitPoint(n);
  return m < k ? [...refPathSides(m, k), true] : [...refPathSides(m - k, n - k), false];
}

/** Shape only: the number of nodes of PROOF(m, D[n]) for 0 < m <= n (0 when m == n). */
export function refProofSize(m: number, n: number, flag = true): number {
  if (m === n) return flag ? 0 : 1;
  const k = splitPoint(n);
  return m <= k ? refProofSize(m, k, flag) + 1 : refProofSize(m - k, n - k, false) + 1;
}
