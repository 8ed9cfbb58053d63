import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkFieldCommitment, commitmentOfDigests, fieldDigest } from '../../../src/index.js';

const fields = { name: '测试人', phone: '13800000000', idNumber: '110101199001011234' };

function commit(values: Record<string, string>) {
  const salts = Object.fromEntries(Object.keys(values).map((f) => [f, randomBytes(32).toString('base64url')]));
  const digests = Object.fromEntries(Object.entries(values).map(([f, v]) => [f, fieldDigest(Buffer.from(salts[f]!, 'base64url'), v)]));
  return { salts, digests, commitment: commitmentOfDigests(digests) };
}

describe('per-field commitments', () => {
  const c = commit(fields);
  const open = (shown: string[]) => ({
    salts: Object.fromEntries(shown.map((f) => [f, c.salts[f]!])),
    digests: Object.fromEntries(Object.keys(fields).filter((f) => !shown.includes(f)).map((f) => [f, c.digests[f]!])),
  });

  it('a reader of some fields checks exactly those against the commitment', () => {
    expect(checkFieldCommitment(c.commitment, { phone: fields.phone }, open(['phone']))).toBe(true);
    expect(checkFieldCommitment(c.commitment, fields, open(Object.keys(fields)))).toBe(true);
  });

  it('a changed value, a wrong salt, a missing digest or another commitment fails', () => {
    expect(checkFieldCommitment(c.commitment, { phone: '13800000001' }, open(['phone']))).toBe(false);
    const wrongSalt = open(['phone']);
    wrongSalt.salts.phone = randomBytes(32).toString('base64url');
    expect(checkFieldCommitment(c.commitment, { phone: fields.phone }, wrongSalt)).toBe(false);
    const missing = open(['phone']);
    delete missing.digests.name;
    expect(checkFieldCommitment(c.commitment, { phone: fields.phone }, missing)).toBe(false);
    expect(checkFieldCommitment(commit(fields).commitment, { phone: fields.phone }, open(['phone']))).toBe(false);
    // a field passed both as shown and as a digest is refused
    expect(checkFieldCommitment(c.commitment, { phone: fields.phone }, { ...open(['phone']), digests: { ...c.digests } })).toBe(false);
  });
});
