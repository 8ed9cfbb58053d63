/**
 * The transparency-dev/merkle test vectors (testdata/rfc9162, Apache-2.0, see its README and LICENSE): every file with
 * `wantErr: false` (the happy paths) must verify, every other one must be rejected with a PROOF_* MachiError.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MachiError } from '../../src/errors.js';
import { verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';

const ROOT = new URL('../../testdata/rfc9162/', import.meta.url);

function jsonFiles(dir: URL, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? jsonFiles(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`) : e.name.endsWith('.json') ? [`${prefix}${e.name}`] : []))
    .sort();
}

function b64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function b64List(list: string[] | null): Uint8Array[] {
  return (list ?? []).map(b64);
}

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

/** 'ok', or the MachiError code; any other exception fails the test. */
function outcome(f: () => void): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof MachiError) return e.code;
    throw e;
  }
}

const files = jsonFiles(ROOT);
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, ROOT), 'utf8')) as T;

describe('RFC 9162 vectors from transparency-dev/merkle', () => {
  it('finds the vector files', () => {
    expect(files.filter((f) => f.startsWith('inclusion/')).length).toBe(98);
    expect(files.filter((f) => f.startsWith('consistency/')).length).toBe(98);
    expect(files.length).toBe(196);
  });

  it.each(files.filter((f) => f.startsWith('inclusion/')))('%s', (name) => {
    const v = load<InclusionVector>(name);
    const got = outcome(() => verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), b64List(v.proof), b64(v.root)));
    if (v.wantErr) expect(got, v.desc).toMatch(/^PROOF_/);
    else expect(got, v.desc).toBe('ok');
  });

  it.each(files.filter((f) => f.startsWith('consistency/')))('%s', (name) => {
    const v = load<ConsistencyVector>(name);
    const got = outcome(() => verifyConsistency(v.size1, v.size2, b64List(v.proof), b64(v.root1), b64(v.root2)));
    if (v.wantErr) expect(got, v.desc).toMatch(/^PROOF_/);
    else expect(got, v.desc).toBe('ok');
  });
});
