/**
 * Verification: every honest proof is accepted, and every mutation is rejected with the right code. Where a mutation
 * of a size or index can legitimately still verify (a root does not commit to the tree size), the expected outcome
 * comes from the RFC 9162 step-by-step algorithms in reference.ts, so our verifier must agree with the RFC on every
 * input here.
 */
import { describe, expect, it } from 'vitest';
import { MachiError } from '../../src/errors.js';
import { EMPTY_ROOT, rootFromInclusionProof, verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { buildFixture, prng } from './fixture.js';
import { bytesEq, refPathSides, refProofSize, rfcVerifyConsistency, rfcVerifyInclusion, sha256 } from './reference.js';

const N = 300;
const fx = buildFixture(N);
const rnd = prng(6962);
const OK = 'ok';

function outcome(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MachiError) return e.code;
    throw e; // anything but a MachiError is a bug
  }
  return OK;
}

function flipBit(h: Uint8Array, bit = Math.floor(rnd() * h.length * 8)): Uint8Array {
  const c = h.slice();
  c[bit >> 3] = c[bit >> 3]! ^ (1 << (bit & 7));
  return c;
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const extraNode = sha256(new TextEncoder().encode('extra'));

/** What verifyInclusion must answer, derived from the RFC alone. */
function expectInclusion(i: number, n: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): string {
  if (!isCount(i) || !isCount(n)) return 'PROOF_MALFORMED';
  if (i >= n) return 'PROOF_INDEX_OUT_OF_RANGE';
  if (leaf.length !== 32) return 'PROOF_MALFORMED';
  if (proof.length !== refPathSides(i, n).length) return 'PROOF_SIZE_MISMATCH';
  if (proof.some((p) => p.length !== 32)) return 'PROOF_MALFORMED';
  return rfcVerifyInclusion(i, n, leaf, proof, root) ? OK : 'PROOF_ROOT_MISMATCH';
}

/** What verifyConsistency must answer, derived from the RFC (plus transparency-dev's size1 == size2 / 0 rules). */
function expectConsistency(m: number, n: number, proof: Uint8Array[], r1: Uint8Array, r2: Uint8Array): string {
  if (!isCount(m) || !isCount(n)) return 'PROOF_MALFORMED';
  if (m > n || m === 0) return 'PROOF_INDEX_OUT_OF_RANGE';
  if (m === n) return proof.length !== 0 ? 'PROOF_SIZE_MISMATCH' : bytesEq(r1, r2) ? OK : 'PROOF_ROOT_MISMATCH';
  if (proof.length !== refProofSize(m, n)) return 'PROOF_SIZE_MISMATCH';
  if (proof.some((p) => p.length !== 32) || r1.length !== 32 || r2.length !== 32) return 'PROOF_MALFORMED';
  return rfcVerifyConsistency(m, n, proof, r1, r2) ? OK : 'PROOF_ROOT_MISMATCH';
}

function inclusionCases(): [number, number][] {
  const cases: [number, number][] = [];
  for (let n = 1; n <= 64; n++) for (let i = 0; i < n; i++) cases.push([i, n]);
  for (let k = 0; k < 2000; k++) {
    const n = 65 + Math.floor(rnd() * (N - 64));
    cases.push([Math.floor(rnd() * n), n]);
  }
  return cases;
}

function consistencyCases(): [number, number][] {
  const cases: [number, number][] = [];
  for (let n = 1; n <= 64; n++) for (let m = 1; m <= n; m++) cases.push([m, n]);
  for (let k = 0; k < 1000; k++) {
    const a = 1 + Math.floor(rnd() * N);
    const b = 1 + Math.floor(rnd() * N);
    cases.push([Math.min(a, b), Math.max(a, b)]);
  }
  return cases;
}

describe('inclusion proof mutations', () => {
  const cases = inclusionCases();
  const stats = { checked: 0, acceptedSizeOrIndexMutations: 0 };

  it(`rejects every mutation of ${cases.length} proofs with the right code`, () => {
    for (const [i, n] of cases) {
      const leaf = fx.leafHashes[i]!;
      const proof = fx.log.inclusionProof(i, n);
      const root = fx.roots[n]!;
      const check = (what: string, i2: number, n2: number, l2: Uint8Array, p2: Uint8Array[], r2: Uint8Array, want?: string) => {
        const got = outcome(() => verifyInclusion(i2, n2, l2, p2, r2));
        const expected = want ?? expectInclusion(i2, n2, l2, p2, r2);
        if (got !== expected) expect.fail(`(${i}, ${n}) ${what}: got ${got}, want ${expected}`);
        stats.checked++;
        return got;
      };

      check('happy path', i, n, leaf, proof, root, OK);
      const flips = n <= 64 ? proof.map((_, k) => k) : proof.length > 0 ? [Math.floor(rnd() * proof.length)] : [];
      for (const k of flips) {
        check(`flipped bit in proof[${k}]`, i, n, leaf, proof.map((p, j) => (j === k ? flipBit(p) : p)), root, 'PROOF_ROOT_MISMATCH');
      }
      check('flipped bit in leaf', i, n, flipBit(leaf), proof, root, 'PROOF_ROOT_MISMATCH');
      check('flipped bit in root', i, n, leaf, proof, flipBit(root), 'PROOF_ROOT_MISMATCH');
      check('truncated root', i, n, leaf, proof, root.subarray(0, 31), 'PROOF_ROOT_MISMATCH');
      check('extra node', i, n, leaf, [...proof, extraNode], root, 'PROOF_SIZE_MISMATCH');
      check('preceding node', i, n, leaf, [extraNode, ...proof], root, 'PROOF_SIZE_MISMATCH');
      check('short leaf', i, n, leaf.subarray(1), proof, root, 'PROOF_MALFORMED');
      if (proof.length > 0) {
        check('truncated proof', i, n, leaf, proof.slice(0, -1), root, 'PROOF_SIZE_MISMATCH');
        check('short node', i, n, leaf, [proof[0]!.subarray(1), ...proof.slice(1)], root, 'PROOF_MALFORMED');
        check('long node', i, n, leaf, [...proof.slice(0, -1), new Uint8Array([...proof.at(-1)!, 0])], root, 'PROOF_MALFORMED');
      }
      const variants: [string, number, number][] = [
        ['index + 1', i + 1, n],
        ['index - 1', i - 1, n],
        ['index ^ 2', i ^ 2, n],
        ['size + 1', i, n + 1],
        ['size - 1', i, n - 1],
        ['size * 2', i, n * 2],
        ['size / 2', i, Math.floor(n / 2)],
        ['fractional index', i + 0.5, n],
      ];
      for (const [what, i2, n2] of variants) {
        const got = check(what, i2, n2, leaf, proof, root);
        if (got === OK) {
          // Only possible when the proof has the very same shape, so the same hashes are computed.
          expect(refPathSides(i2, n2)).toEqual(refPathSides(i, n));
          expect(i2).toBe(i); // changing the index always changes the computation here
          stats.acceptedSizeOrIndexMutations++;
        }
      }
    }
    expect(stats.checked).toBeGreaterThan(40000);
    // A root does not commit to its tree size: some size mutations do verify (see below).
    expect(stats.acceptedSizeOrIndexMutations).toBeGreaterThan(0);
  });

  it('a root does not bind the tree size (why the size must be signed with the root)', () => {
    // Leaf 0 of the tree of size 6 has the same proof shape in a tree of size 7: [h1, h23, h45].
    const proof = fx.log.inclusionProof(0, 6);
    verifyInclusion(0, 7, fx.leafHashes[0]!, proof, fx.roots[6]!);
    expect(outcome(() => verifyInclusion(0, 7, fx.leafHashes[0]!, proof, fx.roots[7]!))).toBe('PROOF_ROOT_MISMATCH');
  });

  it('reports expected and computed roots', () => {
    const proof = fx.log.inclusionProof(3, 10);
    const wrong = flipBit(fx.roots[10]!, 0);
    try {
      verifyInclusion(3, 10, fx.leafHashes[3]!, proof, wrong);
      expect.fail('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(MachiError);
      const err = e as MachiError;
      expect(err.code).toBe('PROOF_ROOT_MISMATCH');
      expect(err.detail).toEqual({ expected: Buffer.from(wrong).toString('hex'), computed: Buffer.from(fx.roots[10]!).toString('hex') });
      expect(err.status).toBe(400);
    }
    expect(rootFromInclusionProof(3, 10, fx.leafHashes[3]!, proof)).toEqual(fx.roots[10]);
  });

  it('checks index and size first', () => {
    expect(outcome(() => rootFromInclusionProof(0, 0, fx.leafHashes[0]!, []))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(outcome(() => rootFromInclusionProof(-1, 3, fx.leafHashes[0]!, []))).toBe('PROOF_MALFORMED');
    expect(outcome(() => rootFromInclusionProof(0, Number.MAX_SAFE_INTEGER + 1, fx.leafHashes[0]!, []))).toBe('PROOF_MALFORMED');
    expect(outcome(() => rootFromInclusionProof(0, Number.POSITIVE_INFINITY, fx.leafHashes[0]!, []))).toBe('PROOF_MALFORMED');
    expect(outcome(() => verifyInclusion(0, 1, fx.leafHashes[0]!, [], fx.roots[1]!))).toBe(OK);
  });
});

describe('consistency proof mutations', () => {
  const cases = consistencyCases();

  it(`rejects every mutation of ${cases.length} proofs with the right code`, () => {
    let checked = 0;
    let accepted = 0;
    for (const [m, n] of cases) {
      const proof = fx.log.consistencyProof(m, n);
      const r1 = fx.roots[m]!;
      const r2 = fx.roots[n]!;
      const check = (what: string, m2: number, n2: number, p2: Uint8Array[], a: Uint8Array, b: Uint8Array, want?: string) => {
        const got = outcome(() => verifyConsistency(m2, n2, p2, a, b));
        const expected = want ?? expectConsistency(m2, n2, p2, a, b);
        if (got !== expected) expect.fail(`(${m}, ${n}) ${what}: got ${got}, want ${expected}`);
        checked++;
        return got;
      };

      check('happy path', m, n, proof, r1, r2, OK);
      const flips = n <= 64 ? proof.map((_, k) => k) : proof.length > 0 ? [Math.floor(rnd() * proof.length)] : [];
      for (const k of flips) {
        check(`flipped bit in proof[${k}]`, m, n, proof.map((p, j) => (j === k ? flipBit(p) : p)), r1, r2, 'PROOF_ROOT_MISMATCH');
      }
      check('flipped bit in root1', m, n, proof, flipBit(r1), r2, 'PROOF_ROOT_MISMATCH');
      check('flipped bit in root2', m, n, proof, r1, flipBit(r2), 'PROOF_ROOT_MISMATCH');
      check('extra node', m, n, [...proof, extraNode], r1, r2, 'PROOF_SIZE_MISMATCH');
      check('preceding node', m, n, [extraNode, ...proof], r1, r2, 'PROOF_SIZE_MISMATCH');
      if (m !== n) {
        check('swapped roots', m, n, proof, r2, r1, 'PROOF_ROOT_MISMATCH');
        check('truncated proof', m, n, proof.slice(0, -1), r1, r2, 'PROOF_SIZE_MISMATCH');
        check('empty proof', m, n, [], r1, r2, 'PROOF_SIZE_MISMATCH');
        check('short node', m, n, [proof[0]!.subarray(1), ...proof.slice(1)], r1, r2, 'PROOF_MALFORMED');
        check('short root1', m, n, proof, r1.subarray(1), r2, 'PROOF_MALFORMED');
      }
      const variants: [string, number, number][] = [
        ['size1 + 1', m + 1, n],
        ['size1 - 1', m - 1, n],
        ['size1 / 2', Math.floor(m / 2), n],
        ['size2 + 1', m, n + 1],
        ['size2 - 1', m, n - 1],
        ['size2 * 2', m, n * 2],
        ['size2 / 2', m, Math.floor(n / 2)],
      ];
      for (const [what, m2, n2] of variants) {
        if (check(what, m2, n2, proof, r1, r2) === OK) {
          expect(m2).toBe(m); // only size2 changes can keep the shape
          accepted++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30000);
    expect(accepted).toBeGreaterThan(0);
  });

  it('follows transparency-dev on the edge cases', () => {
    const r = fx.roots;
    const short = new TextEncoder().encode("don't care 2"); // 12 bytes
    expect(outcome(() => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(outcome(() => verifyConsistency(0, 5, [], EMPTY_ROOT, r[5]!))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(outcome(() => verifyConsistency(3, 2, [], r[3]!, r[2]!))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(outcome(() => verifyConsistency(5, 5, [], r[5]!, r[5]!))).toBe(OK);
    expect(outcome(() => verifyConsistency(1, 1, [], short, short))).toBe(OK); // only compared, never hashed
    expect(outcome(() => verifyConsistency(5, 5, [r[5]!], r[5]!, r[5]!))).toBe('PROOF_SIZE_MISMATCH');
    expect(outcome(() => verifyConsistency(5, 5, [], r[5]!, r[4]!))).toBe('PROOF_ROOT_MISMATCH');
    expect(outcome(() => verifyConsistency(1, 2, [], r[1]!, r[2]!))).toBe('PROOF_SIZE_MISMATCH');
    expect(outcome(() => verifyConsistency(1.5, 2, [], r[1]!, r[2]!))).toBe('PROOF_MALFORMED');
    try {
      verifyConsistency(3, 7, fx.log.consistencyProof(3, 7), r[3]!, r[6]!);
      expect.fail('accepted');
    } catch (e) {
      expect((e as MachiError).detail).toMatchObject({ which: 'root2', expected: Buffer.from(r[6]!).toString('hex') });
    }
  });
});
