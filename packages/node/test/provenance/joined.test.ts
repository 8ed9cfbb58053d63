/**
 * A preserved record's export package on a node that joined from a snapshot (membership.md#history) and has not
 * fetched the history below it: the package needs the record's proof, which that node cannot build yet, so it answers
 * HISTORY_INCOMPLETE (503: ask another node, or later) — not 404 PRESERVED_NOT_FOUND, which would say there is no
 * such record. A record preserved after the snapshot's height is packaged as on any node. docs/spec/provenance.md
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMachiError, type MachiError } from '@machi/core';
import { oneNode, type OneNode } from '../support/node.js';
import { joinedFrom, type Joined } from '../support/join.js';
import { ProvenanceService, type ProvenanceOptions } from '../../src/modules/provenance/service.js';

let s: OneNode;
let j: Joined;
let oldTx = '';
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const preserve = async (what: string): Promise<string> => {
  const r = await s.call('POST', '/v1/preserved', { as: 'li.staff', body: { hash: sha(what), kind: 'photo', device: 'camera:x', capturedAt: Date.now() - 60_000, keepFile: false } });
  expect(r.status, r.body).toBe(201);
  return r.json.record.txHash as string;
};
const errorOf = (f: () => unknown): MachiError => {
  try {
    f();
  } catch (e) {
    if (isMachiError(e)) return e;
    throw e;
  }
  throw new Error('no error');
};

beforeAll(async () => {
  s = await oneNode({ modules: ['provenance'], otherOrgs: ['police', 'street-office'], publicUrl: 'https://machi.example', demo: true });
  oldTx = await preserve('before the snapshot');
  j = await joinedFrom(s);
}, 120_000);
afterAll(async () => {
  await j?.close();
  await s?.close();
});

describe('export packages on a joined node', () => {
  it('answers HISTORY_INCOMPLETE for a record it cannot prove yet, and packages a later one', async () => {
    const source = s.use<ProvenanceService>('provenance');
    // the same service on the joined node (its private store is the source's: only the ledger side differs)
    const joined = new ProvenanceService({ ...(source as unknown as { o: ProvenanceOptions }).o, node: j.node });
    expect(j.node.store.getTx(oldTx)).toBeUndefined(); // below the blocks it holds
    expect(source.package(oldTx).record.txHash).toBe(oldTx);
    const e = errorOf(() => joined.package(oldTx));
    expect([e.code, e.message]).toEqual(['HISTORY_INCOMPLETE', expect.stringMatching(/joined from a snapshot/)]);
    // a transaction that is not a preserved record's, above the snapshot: still 404
    const later = await preserve('after the snapshot');
    await j.sync();
    expect(joined.package(later).record.txHash).toBe(later);
    expect(errorOf(() => joined.package('0'.repeat(64))).code).toBe('HISTORY_INCOMPLETE'); // not held: maybe older
  });
});
