import { describe, expect, it } from 'vitest';
import { MachiError } from '../../src/errors.js';
import {
  EMPTY_ROOT,
  MemoryNodeStore,
  MerkleLog,
  hashChildren,
  hashLeaf,
  rootFromInclusionProof,
  rootFromNodes,
  verifyConsistency,
  verifyInclusion,
  type MerkleNode,
  type MerkleNodeReader,
} from '../../src/merkle/index.js';
import { buildFixture, consistencyPairs } from './fixture.js';
import { bytesEq, refLeafHash, refNodeHash, sha256 } from './reference.js';

/** Fast equality for lists of hashes (vitest's deep equality is slow on tens of thousands of byte arrays). */
function hashesEq(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, k) => bytesEq(x, b[k]!));
}

const N = 300;
const fx = buildFixture(N);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MachiError) return e.code;
    throw e;
  }
  return 'none';
}

describe('hashing', () => {
  it('matches RFC 9162 §2.1.1 and known answers', () => {
    expect(Buffer.from(EMPTY_ROOT).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // RFC 6962 test vector: the leaf hash of the empty entry
    expect(Buffer.from(hashLeaf(new Uint8Array(0))).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    for (const len of [0, 1, 31, 32, 33, 100]) {
      const data = new Uint8Array(len).fill(len);
      expect(hashLeaf(data)).toEqual(refLeafHash(data));
    }
    const a = sha256(new Uint8Array([1]));
    const b = sha256(new Uint8Array([2]));
    expect(hashChildren(a, b)).toEqual(refNodeHash(a, b));
    expect(hashChildren(a.subarray(0, 5), b)).toEqual(refNodeHash(a.subarray(0, 5), b));
  });

  it('returns fresh plain Uint8Arrays (the scratch buffers are not leaked)', () => {
    const x = hashLeaf(fx.data[0]!);
    const y = hashLeaf(fx.data[1]!);
    expect(x).not.toEqual(y);
    expect(x.constructor).toBe(Uint8Array);
    expect(x.byteLength).toBe(32);
    const p = hashChildren(x, y);
    const q = hashChildren(y, x);
    expect(p).not.toEqual(q);
    expect(p).toEqual(refNodeHash(x, y));
  });
});

describe('MerkleLog against the RFC reference', () => {
  it('has the reference root at every size 0..300, from the frontier and from stored nodes', () => {
    expect(fx.roots[0]).toEqual(EMPTY_ROOT);
    for (let n = 0; n <= N; n++) {
      const want = fx.ref.mth(0, n);
      expect(fx.roots[n]).toEqual(want);
      expect(fx.log.rootAt(n)).toEqual(want);
      expect(rootFromNodes(fx.store, n)).toEqual(want);
    }
  });

  it('emits exactly the complete subtrees, each with the reference hash', () => {
    const store = new MemoryNodeStore();
    const log = new MerkleLog(store, 0);
    const seen = new Set<string>();
    for (let n = 0; n < N; n++) {
      const nodes = log.append(fx.leafHashes[n]!);
      expect(nodes[0]).toEqual({ level: 0, index: n, hash: fx.leafHashes[n] });
      for (const [k, node] of nodes.entries()) {
        expect(node.level).toBe(k);
        const w = 2 ** node.level;
        expect((node.index + 1) * w).toBe(n + 1); // every new complete subtree ends at the new leaf
        expect(node.hash).toEqual(fx.ref.mth(node.index * w, (node.index + 1) * w));
        const key = `${node.level}:${node.index}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    }
    expect(seen.size).toBe(2 * N - [...N.toString(2)].filter((c) => c === '1').length);
  });

  it('appendMany equals repeated append', () => {
    const one = new MerkleLog(new MemoryNodeStore(), 0);
    const single: MerkleNode[] = fx.leafHashes.flatMap((h) => one.append(h));
    const many = new MerkleLog(new MemoryNodeStore(), 0);
    const batched = [...many.appendMany(fx.leafHashes.slice(0, 7)), ...many.appendMany(fx.leafHashes.slice(7))];
    expect(batched).toEqual(single);
    expect(many.root()).toEqual(one.root());
    expect(many.size).toBe(N);
  });

  it('inclusion proofs equal PATH for every size 1..300 and every index, and verify', () => {
    let count = 0;
    for (let n = 1; n <= N; n++) {
      const root = fx.roots[n]!;
      for (let i = 0; i < n; i++) {
        const proof = fx.log.inclusionProof(i, n);
        if (!hashesEq(proof, fx.ref.path(i, n))) expect.fail(`inclusion proof (${i}, ${n}) differs from PATH`);
        verifyInclusion(i, n, fx.leafHashes[i]!, proof, root);
        if (!bytesEq(rootFromInclusionProof(i, n, fx.leafHashes[i]!, proof), root)) expect.fail(`root from proof (${i}, ${n})`);
        count++;
      }
    }
    expect(count).toBe((N * (N + 1)) / 2);
  });

  it('defaults the proof size to the current size', () => {
    expect(fx.log.inclusionProof(17)).toEqual(fx.ref.path(17, N));
    expect(fx.log.consistencyProof(17)).toEqual(fx.ref.proof(17, N));
  });

  const pairs = consistencyPairs(N, 3000);
  it(`consistency proofs equal PROOF for ${pairs.length} (size1, size2) pairs, and verify`, () => {
    for (const [m, n] of pairs) {
      const proof = fx.log.consistencyProof(m, n);
      if (!hashesEq(proof, fx.ref.proof(m, n))) expect.fail(`consistency proof (${m}, ${n}) differs from PROOF`);
      verifyConsistency(m, n, proof, fx.roots[m]!, fx.roots[n]!);
    }
  });

  it('rejects bad proof requests with typed errors', () => {
    const log = fx.log;
    expect(code(() => log.inclusionProof(5, 5))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(code(() => log.inclusionProof(0, 0))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(code(() => log.inclusionProof(0, N + 1))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(code(() => log.inclusionProof(-1, 5))).toBe('PROOF_MALFORMED');
    expect(code(() => log.inclusionProof(1.5, 5))).toBe('PROOF_MALFORMED');
    expect(code(() => log.consistencyProof(0, 5))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(code(() => log.consistencyProof(6, 5))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(code(() => log.consistencyProof(1, N + 1))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(code(() => log.consistencyProof(Number.NaN, 5))).toBe('PROOF_MALFORMED');
    expect(code(() => log.rootAt(N + 1))).toBe('PROOF_INDEX_OUT_OF_RANGE');
    expect(log.consistencyProof(5, 5)).toEqual([]);
  });
});

describe('frontier and restart', () => {
  it('fromReader rebuilds the frontier of every size, and the rebuilt log continues identically', () => {
    for (let n = 0; n <= N; n++) {
      const reads: string[] = [];
      const reader: MerkleNodeReader = {
        getNode: (l, i) => {
          reads.push(`${l}:${i}`);
          return fx.store.getNode(l, i);
        },
      };
      const log = MerkleLog.fromReader(reader, n);
      expect(reads.length).toBe([...n.toString(2)].filter((c) => c === '1').length);
      expect(log.size).toBe(n);
      expect(log.frontier()).toEqual(fx.frontiers[n]);
      expect(log.root()).toEqual(fx.roots[n]);
      if (n % 37 === 0) {
        const rest = log.appendMany(fx.leafHashes.slice(n));
        expect(log.root()).toEqual(fx.roots[N]);
        const ref = new MerkleLog(new MemoryNodeStore(), 0);
        const all = ref.appendMany(fx.leafHashes);
        expect(rest).toEqual(all.filter((node) => (node.index + 1) * 2 ** node.level > n));
      }
    }
  });

  it('accepts an explicit frontier without reading', () => {
    const noReads: MerkleNodeReader = {
      getNode: () => {
        throw new Error('no reads expected');
      },
    };
    for (const n of [0, 1, 2, 3, 7, 8, 100, 255, 256, 300]) {
      const log = new MerkleLog(noReads, n, fx.frontiers[n]);
      expect(log.root()).toEqual(fx.roots[n]);
      if (n < N) {
        log.append(fx.leafHashes[n]!);
        expect(log.root()).toEqual(fx.roots[n + 1]);
      }
    }
    expect(() => new MerkleLog(noReads, 3, fx.frontiers[2])).toThrow(/invariant/);
  });

  it('appends without the store; proofs only need the persisted sizes', () => {
    const store = new MemoryNodeStore();
    const log = new MerkleLog(store, 0);
    store.put(log.appendMany(fx.leafHashes.slice(0, 10)));
    const pending = log.appendMany(fx.leafHashes.slice(10, 20)); // not yet persisted
    expect(log.size).toBe(20);
    expect(log.root()).toEqual(fx.roots[20]); // from the frontier
    expect(log.inclusionProof(3, 10)).toEqual(fx.ref.path(3, 10));
    expect(log.consistencyProof(4, 10)).toEqual(fx.ref.proof(4, 10));
    expect(() => log.inclusionProof(3, 20)).toThrow(/invariant violated/);
    store.put(pending);
    expect(log.inclusionProof(3, 20)).toEqual(fx.ref.path(3, 20));
    expect(log.rootAt(13)).toEqual(fx.roots[13]);
  });

  it('root() returns a copy', () => {
    const log = new MerkleLog(new MemoryNodeStore(), 0);
    log.appendMany(fx.leafHashes.slice(0, 5));
    const r = log.root();
    r[0] = r[0]! ^ 0xff;
    expect(log.root()).toEqual(fx.roots[5]);
  });

  it('asserts on invalid leaf hashes and conflicting stored nodes', () => {
    const log = new MerkleLog(new MemoryNodeStore(), 0);
    expect(() => log.append(new Uint8Array(31))).toThrow(/invariant/);
    const store = new MemoryNodeStore();
    store.put([{ level: 0, index: 0, hash: fx.leafHashes[0]! }]);
    store.put([{ level: 0, index: 0, hash: fx.leafHashes[0]! }]);
    expect(() => store.put([{ level: 0, index: 0, hash: fx.leafHashes[1]! }])).toThrow(/never changes/);
    expect(store.has(0, 0)).toBe(true);
    expect(store.has(3, 0)).toBe(false);
  });
});

describe('sizes beyond 32 bits', () => {
  // Every leaf is the same, so the node (level, i) is the same for every i: a consistent virtual store of any size.
  const perLevel: Uint8Array[] = [fx.leafHashes[0]!];
  for (let l = 1; l <= 53; l++) perLevel.push(hashChildren(perLevel[l - 1]!, perLevel[l - 1]!));
  function virtualStore(size: number): MerkleNodeReader {
    return {
      getNode(level, index) {
        expect(Number.isSafeInteger(index) && index >= 0).toBe(true);
        expect((index + 1) * 2 ** level).toBeLessThanOrEqual(size); // only complete subtrees inside the tree
        return perLevel[level]!;
      },
    };
  }

  it('proves and verifies inclusion and consistency at sizes around 2^33 and 2^52', () => {
    const cases: [number, number][] = [
      [2 ** 32 + 7, 2 ** 33 + 5],
      [2 ** 31, 2 ** 32 + 1],
      [2 ** 40 - 1, 2 ** 40],
      [2 ** 52 + 3, Number.MAX_SAFE_INTEGER],
      [5, 2 ** 35 + 12345],
    ];
    for (const [a, b] of cases) {
      const store = virtualStore(b);
      const log = MerkleLog.fromReader(store, b);
      const rootB = log.root();
      expect(rootFromNodes(store, b)).toEqual(rootB);
      const rootA = log.rootAt(a);
      for (const i of [0, 1, a - 1, Math.floor(a / 3), b - 1]) {
        verifyInclusion(i, b, perLevel[0]!, log.inclusionProof(i, b), rootB);
      }
      verifyInclusion(a - 1, a, perLevel[0]!, log.inclusionProof(a - 1, a), rootA);
      const proof = log.consistencyProof(a, b);
      verifyConsistency(a, b, proof, rootA, rootB);
      expect(() => verifyConsistency(a, b, proof.slice(1), rootA, rootB)).toThrow(MachiError);
    }
  });

  it('keeps appending across 2^32', () => {
    const n = 2 ** 32 - 3;
    const log = MerkleLog.fromReader(virtualStore(n), n);
    for (let k = 0; k < 6; k++) {
      const nodes = log.append(perLevel[0]!);
      for (const node of nodes) expect(node.hash).toEqual(perLevel[node.level]);
    }
    expect(log.size).toBe(2 ** 32 + 3);
    expect(log.root()).toEqual(rootFromNodes(virtualStore(log.size), log.size));
  });
});
