/** Shared test fixture: one log of N leaves, its persisted nodes, and the reference tree over the same data. */
import { hashLeaf, MemoryNodeStore, MerkleLog } from '../../src/merkle/index.js';
import { leafData, ReferenceTree } from './reference.js';

export interface Fixture {
  data: Uint8Array[];
  leafHashes: Uint8Array[];
  ref: ReferenceTree;
  store: MemoryNodeStore;
  log: MerkleLog;
  /** roots[n] = log.root() after n appends */
  roots: Uint8Array[];
  /** frontiers[n] = log.frontier() after n appends */
  frontiers: Uint8Array[][];
}

export function buildFixture(n: number): Fixture {
  const data = Array.from({ length: n }, (_, i) => leafData(i));
  const leafHashes = data.map(hashLeaf);
  const store = new MemoryNodeStore();
  const log = new MerkleLog(store, 0);
  const roots = [log.root()];
  const frontiers = [log.frontier()];
  for (const h of leafHashes) {
    store.put(log.append(h));
    roots.push(log.root());
    frontiers.push(log.frontier());
  }
  return { data, leafHashes, ref: new ReferenceTree(data), store, log, roots, frontiers };
}

/** Deterministic PRNG (mulberry32) so sampled cases are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** (size1, size2) pairs: all 1 <= size1 <= size2 <= 64, around powers of two up to max, and a random sample. */
export function consistencyPairs(max: number, samples: number): [number, number][] {
  const pairs = new Map<string, [number, number]>();
  const add = (a: number, b: number) => {
    if (a >= 1 && a <= b && b <= max) pairs.set(`${a}:${b}`, [a, b]);
  };
  for (let b = 1; b <= 64; b++) for (let a = 1; a <= b; a++) add(a, b);
  const edges: number[] = [];
  for (let p = 1; p <= max; p *= 2) edges.push(p - 1, p, p + 1);
  edges.push(max - 1, max);
  for (const a of edges) for (const b of edges) add(a, b);
  const rnd = prng(9162);
  while (pairs.size < 2080 + samples) {
    const x = 1 + Math.floor(rnd() * max);
    const y = 1 + Math.floor(rnd() * max);
    add(Math.min(x, y), Math.max(x, y));
  }
  return [...pairs.values()];
}
