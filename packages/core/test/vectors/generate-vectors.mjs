#!/usr/bin/env node
/**
 * Generates Machi's own RFC 9162 Merkle proof vectors into packages/core/testdata/machi-merkle/ (see the README
 * there). Plain JavaScript so that it runs with Node alone:
 *
 *   node packages/core/test/vectors/generate-vectors.mjs
 *
 * Independent of src/merkle on purpose: hashes, proofs and expected outcomes come from a recursive implementation of
 * the RFC 9162 §2.1 definitions (MTH, PATH, SUBPROOF) and the RFC's step-by-step verification algorithms, written
 * here. The expected error codes follow docs/spec/merkle.md. Output is deterministic; machi-merkle.test.ts checks that
 * the committed files are what this script produces.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const OUT_DIR = new URL('../../testdata/machi-merkle/', import.meta.url);

const INCLUSION_CASES = [
  [0, 1],
  [1, 2],
  [3, 7],
  [5, 6],
  [0, 8],
  [7, 8],
  [12, 13],
  [123, 300],
];
const CONSISTENCY_CASES = [
  [1, 2],
  [2, 3],
  [3, 7],
  [4, 8],
  [6, 8],
  [7, 13],
  [1, 300],
  [100, 300],
  [5, 5],
];

function sha256(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
const leafHash = (d) => sha256(Uint8Array.of(0), d);
const nodeHash = (l, r) => sha256(Uint8Array.of(1), l, r);
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

/** Leaf i's data: a stand-in for a 32-byte transaction hash. */
export function leafDataFor(i) {
  return sha256(new TextEncoder().encode(`machi-merkle-vector-leaf-${i}`));
}

function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const memo = new Map();
/** MTH(D[a:b]) over the leaves leafDataFor(a..b-1). */
function mth(a, b) {
  if (b === a) return sha256();
  const key = `${a}:${b}`;
  let h = memo.get(key);
  if (!h) {
    h = b - a === 1 ? leafHash(leafDataFor(a)) : nodeHash(mth(a, a + split(b - a)), mth(a + split(b - a), b));
    memo.set(key, h);
  }
  return h;
}

/** PATH(m, D[a:b]) */
function path(m, a, b) {
  if (b - a === 1) return [];
  const k = split(b - a);
  return m < k ? [...path(m, a, a + k), mth(a + k, b)] : [...path(m - k, a + k, b), mth(a, a + k)];
}

/** SUBPROOF(m, D[a:b], flag) */
function subproof(m, a, b, flag) {
  if (m === b - a) return flag ? [] : [mth(a, b)];
  const k = split(b - a);
  return m <= k ? [...subproof(m, a, a + k, flag), mth(a + k, b)] : [...subproof(m - k, a + k, b, false), mth(a, a + k)];
}
const consistency = (m, n) => (m === n ? [] : subproof(m, 0, n, true));
const pathLength = (m, n) => (n === 1 ? 0 : m < split(n) ? pathLength(m, split(n)) + 1 : pathLength(m - split(n), n - split(n)) + 1);
const proofLength = (m, n) => consistency(m, n).length;

/** RFC 9162 §2.1.3.2 */
function rfcInclusion(index, size, hash, proof, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = hash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && eq(r, root);
}

/** RFC 9162 §2.1.4.2 for 0 < first < second */
function rfcConsistency(first, second, proof, firstHash, secondHash) {
  if (proof.length === 0) return false;
  const c = (first & (first - 1)) === 0 ? [firstHash, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) [fn, sn] = [fn >> 1, sn >> 1];
  let fr = c[0];
  let sr = c[0];
  for (const x of c.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(x, fr);
      sr = nodeHash(x, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else {
      sr = nodeHash(sr, x);
    }
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return eq(fr, firstHash) && eq(sr, secondHash) && sn === 0;
}

const isCount = (n) => Number.isSafeInteger(n) && n >= 0;

/** The outcome docs/spec/merkle.md requires of verifyInclusion: null (accepted) or an error code. */
function inclusionCode(i, n, leaf, proof, root) {
  if (!isCount(i) || !isCount(n)) return 'PROOF_MALFORMED';
  if (i >= n) return 'PROOF_INDEX_OUT_OF_RANGE';
  if (leaf.length !== 32) return 'PROOF_MALFORMED';
  if (proof.length !== pathLength(i, n)) return 'PROOF_SIZE_MISMATCH';
  if (proof.some((p) => p.length !== 32)) return 'PROOF_MALFORMED';
  return rfcInclusion(i, n, leaf, proof, root) ? null : 'PROOF_ROOT_MISMATCH';
}

/** The outcome docs/spec/merkle.md requires of verifyConsistency: null (accepted) or an error code. */
function consistencyCode(m, n, proof, r1, r2) {
  if (!isCount(m) || !isCount(n)) return 'PROOF_MALFORMED';
  if (m > n || m === 0) return 'PROOF_INDEX_OUT_OF_RANGE';
  if (m === n) return proof.length !== 0 ? 'PROOF_SIZE_MISMATCH' : eq(r1, r2) ? null : 'PROOF_ROOT_MISMATCH';
  if (proof.length !== proofLength(m, n)) return 'PROOF_SIZE_MISMATCH';
  if (proof.some((p) => p.length !== 32) || r1.length !== 32 || r2.length !== 32) return 'PROOF_MALFORMED';
  return rfcConsistency(m, n, proof, r1, r2) ? null : 'PROOF_ROOT_MISMATCH';
}

function flip(h, bit) {
  const c = h.slice();
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
}
const EXTRA = sha256(new TextEncoder().encode('machi-merkle-vector-extra-node'));

function inclusionVectors(i, n) {
  const leaf = leafHash(leafDataFor(i));
  const proof = path(i, 0, n);
  const root = mth(0, n);
  const out = [];
  const add = (variant, desc, v) => {
    const code = inclusionCode(v.i, v.n, v.leaf, v.proof, v.root);
    if (variant !== 'happy-path' && code === null) return; // still verifies (same proof shape): not a negative vector
    out.push({
      name: `inclusion-${n}-${i}-${variant}.json`,
      vector: {
        leafIdx: v.i,
        treeSize: v.n,
        root: b64(v.root),
        leafHash: b64(v.leaf),
        leafData: b64(leafDataFor(i)),
        proof: v.proof.map(b64),
        desc,
        wantErr: code !== null,
        wantCode: code,
      },
    });
  };
  const base = { i, n, leaf, proof, root };
  add('happy-path', 'happy path', base);
  proof.forEach((p, k) => {
    const bit = (k * 37 + 3) % 256;
    add(`modified-proof-${k}-bit-${bit}`, `bit ${bit} of proof[${k}] flipped`, { ...base, proof: proof.map((q, j) => (j === k ? flip(q, bit) : q)) });
  });
  add('wrong-leaf', 'bit 0 of the leaf hash flipped', { ...base, leaf: flip(leaf, 0) });
  add('wrong-root', 'bit 255 of the root flipped', { ...base, root: flip(root, 255) });
  add('leafIdx-plus-1', 'leaf index + 1', { ...base, i: i + 1 });
  if (i > 0) add('leafIdx-sub-1', 'leaf index - 1', { ...base, i: i - 1 });
  add('treeSize-plus-1', 'tree size + 1', { ...base, n: n + 1 });
  add('treeSize-sub-1', 'tree size - 1', { ...base, n: n - 1 });
  add('treeSize-mul-2', 'tree size * 2', { ...base, n: n * 2 });
  if (proof.length > 0) {
    add('truncated-proof', 'last proof node removed', { ...base, proof: proof.slice(0, -1) });
    add('short-proof-node', 'proof[0] is 31 bytes', { ...base, proof: [proof[0].subarray(1), ...proof.slice(1)] });
  }
  add('extra-proof-node', 'a node appended to the proof', { ...base, proof: [...proof, EXTRA] });
  add('preceding-proof-node', 'a node prepended to the proof', { ...base, proof: [EXTRA, ...proof] });
  return out;
}

function consistencyVectors(m, n) {
  const proof = consistency(m, n);
  const r1 = mth(0, m);
  const r2 = mth(0, n);
  const out = [];
  const add = (variant, desc, v) => {
    const code = consistencyCode(v.m, v.n, v.proof, v.r1, v.r2);
    if (variant !== 'happy-path' && code === null) return;
    out.push({
      name: `consistency-${m}-${n}-${variant}.json`,
      vector: { size1: v.m, size2: v.n, root1: b64(v.r1), root2: b64(v.r2), proof: v.proof.map(b64), desc, wantErr: code !== null, wantCode: code },
    });
  };
  const base = { m, n, proof, r1, r2 };
  add('happy-path', 'happy path', base);
  proof.forEach((p, k) => {
    const bit = (k * 37 + 3) % 256;
    add(`modified-proof-${k}-bit-${bit}`, `bit ${bit} of proof[${k}] flipped`, { ...base, proof: proof.map((q, j) => (j === k ? flip(q, bit) : q)) });
  });
  add('wrong-root1', 'bit 0 of root1 flipped', { ...base, r1: flip(r1, 0) });
  add('wrong-root2', 'bit 0 of root2 flipped', { ...base, r2: flip(r2, 0) });
  if (m !== n) add('swapped-roots', 'root1 and root2 swapped', { ...base, r1: r2, r2: r1 });
  add('size1-plus-1', 'size1 + 1', { ...base, m: m + 1 });
  add('size1-sub-1', 'size1 - 1', { ...base, m: m - 1 });
  add('size2-plus-1', 'size2 + 1', { ...base, n: n + 1 });
  add('size2-sub-1', 'size2 - 1', { ...base, n: n - 1 });
  add('size2-mul-2', 'size2 * 2', { ...base, n: n * 2 });
  if (proof.length > 0) {
    add('truncated-proof', 'last proof node removed', { ...base, proof: proof.slice(0, -1) });
    add('empty-proof', 'proof emptied', { ...base, proof: [] });
  }
  add('extra-proof-node', 'a node appended to the proof', { ...base, proof: [...proof, EXTRA] });
  return out;
}

/** All vector files, as { name, vector } in a stable order. */
export function generateVectors() {
  return [...INCLUSION_CASES.flatMap(([i, n]) => inclusionVectors(i, n)), ...CONSISTENCY_CASES.flatMap(([m, n]) => consistencyVectors(m, n))];
}

/** The exact text written for a vector. */
export function serialize(vector) {
  return `${JSON.stringify(vector, null, 2)}\n`;
}

function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const f of readdirSync(OUT_DIR)) if (f.endsWith('.json')) rmSync(new URL(f, OUT_DIR));
  const files = generateVectors();
  for (const { name, vector } of files) writeFileSync(new URL(name, OUT_DIR), serialize(vector));
  console.log(`wrote ${files.length} vector files to testdata/machi-merkle/`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
