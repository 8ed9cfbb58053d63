/**
 * Machi's own vectors (testdata/machi-merkle, made by generate-vectors.mjs): happy paths verify, every other variant
 * is rejected with exactly its `wantCode`; happy paths also match what MerkleLog produces; the files are up to date.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MachiError } from '../../src/errors.js';
import { hashLeaf, MemoryNodeStore, MerkleLog, verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { generateVectors, leafDataFor, serialize } from './generate-vectors.mjs';

const DIR = new URL('../../testdata/machi-merkle/', import.meta.url);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface Common {
  proof: string[];
  desc: string;
  wantErr: boolean;
  wantCode: string | null;
}
interface InclusionVector extends Common {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  leafData: string;
}
interface ConsistencyVector extends Common {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
}

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as T;

function outcome(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof MachiError) return e.code;
    throw e;
  }
}

// One log over the generator's leaves, to compare happy paths with what MerkleLog builds.
const store = new MemoryNodeStore();
const log = new MerkleLog(store, 0);
store.put(log.appendMany(Array.from({ length: 600 }, (_, i) => hashLeaf(leafDataFor(i)))));

describe('Machi Merkle vectors', () => {
  it('are what generate-vectors.mjs produces', () => {
    const generated = generateVectors();
    expect(files).toEqual(generated.map((g) => g.name).sort());
    for (const { name, vector } of generated) expect(readFileSync(new URL(name, DIR), 'utf8'), name).toBe(serialize(vector));
    expect(files.length).toBeGreaterThan(200);
  });

  it.each(files.filter((f) => f.startsWith('inclusion-')))('%s', (name) => {
    const v = load<InclusionVector>(name);
    expect(v.wantErr).toBe(v.wantCode !== null);
    const leafHash = b64(v.leafHash);
    const proof = v.proof.map(b64);
    expect(outcome(() => verifyInclusion(v.leafIdx, v.treeSize, leafHash, proof, b64(v.root))), v.desc).toBe(v.wantCode);
    if (!v.wantErr) {
      expect(hashLeaf(b64(v.leafData))).toEqual(leafHash);
      expect(log.inclusionProof(v.leafIdx, v.treeSize)).toEqual(proof);
      expect(log.rootAt(v.treeSize)).toEqual(b64(v.root));
    }
  });

  it.each(files.filter((f) => f.startsWith('consistency-')))('%s', (name) => {
    const v = load<ConsistencyVector>(name);
    expect(v.wantErr).toBe(v.wantCode !== null);
    const proof = v.proof.map(b64);
    expect(outcome(() => verifyConsistency(v.size1, v.size2, proof, b64(v.root1), b64(v.root2))), v.desc).toBe(v.wantCode);
    if (!v.wantErr) {
      expect(log.consistencyProof(v.size1, v.size2)).toEqual(proof);
      expect(log.rootAt(v.size1)).toEqual(b64(v.root1));
      expect(log.rootAt(v.size2)).toEqual(b64(v.root2));
    }
  });
});
