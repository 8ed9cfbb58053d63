/**
 * verifyShownRecord: a record as an API shows it (an access record, a consent…) against its proof bundle — genuine
 * passes; any payload field shown differently, a wrong transaction type, a tampered bundle or another chain fails,
 * naming the field; garbage never throws.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, toHex, verifyShownRecord, type ProofBundle, type SignedTx } from '../../src/index.js';
import { TestChain, clone, makeNet, notaryTx } from './helpers.js';

const net = makeNet({ powers: [1, 1, 1, 1], members: 0 });
const other = makeNet({ powers: [1, 1, 1, 1], members: 0 });
const chain = new TestChain(net);
chain.add([notaryTx(net, net.validators[0]!, { label: 'a' }), notaryTx(net, net.validators[1]!, { label: 'b' })]);

function bundleOf(i: number): ProofBundle {
  const b = chain.blocks[0]!;
  return {
    format: BUNDLE_FORMAT,
    tx: JSON.parse(b.txs[i]!) as SignedTx,
    txHash: b.checked[i]!.hash,
    leafIndex: b.firstSeq + i,
    inclusionProof: chain.log.inclusionProof(b.firstSeq + i, b.header.logSize).map(toHex),
    header: clone(b.header),
    commit: clone(b.commit),
  };
}

/** The record an API would show for the bundle's transaction: its payload, plus where it is. */
const shownOf = (p: ProofBundle) => ({ ...clone(p.tx.payload), txHash: p.txHash, height: p.header.height });

describe('verifyShownRecord', () => {
  it('passes a genuine record, with or without txHash/height', () => {
    const p = bundleOf(0);
    const v = verifyShownRecord(shownOf(p), p, net.genesis, p.tx.type);
    expect(v.ok).toBe(true);
    const { txHash: _t, height: _h, ...bare } = shownOf(p);
    expect(verifyShownRecord(bare, p, net.genesis, p.tx.type).ok).toBe(true);
  });

  it('names a shown field that differs from the payload, a wrong txHash/height, a wrong type', () => {
    const p = bundleOf(0);
    for (const key of Object.keys(p.tx.payload)) {
      const shown = shownOf(p) as Record<string, unknown>;
      shown[key] = typeof shown[key] === 'string' ? `${String(shown[key])}x` : 42;
      expect(verifyShownRecord(shown, p, net.genesis, p.tx.type)).toMatchObject({ ok: false, field: `record.${key}` });
      const missing = shownOf(p) as Record<string, unknown>;
      delete missing[key];
      expect(verifyShownRecord(missing, p, net.genesis, p.tx.type)).toMatchObject({ ok: false, field: `record.${key}` });
    }
    expect(verifyShownRecord({ ...shownOf(p), txHash: bundleOf(1).txHash }, p, net.genesis, p.tx.type)).toMatchObject({ ok: false, field: 'record.txHash' });
    expect(verifyShownRecord({ ...shownOf(p), height: 99 }, p, net.genesis, p.tx.type)).toMatchObject({ ok: false, field: 'record.height' });
    expect(verifyShownRecord(shownOf(p), p, net.genesis, 'privacy.access')).toMatchObject({ ok: false, field: 'bundle.tx.type' });
    // another record's proof
    expect(verifyShownRecord(shownOf(p), bundleOf(1), net.genesis, p.tx.type).ok).toBe(false);
  });

  it('fails a tampered bundle (naming a bundle field), another chain, no proof; never throws on garbage', () => {
    const p = bundleOf(0);
    const forged = clone(p);
    (forged.tx.payload as Record<string, unknown>).label = 'forged';
    const shown = { ...shownOf(p), label: 'forged' };
    const v = verifyShownRecord(shown, forged, net.genesis, p.tx.type);
    expect(v.ok).toBe(false);
    expect(v.ok ? '' : v.field).toMatch(/^bundle\./);
    expect(verifyShownRecord(shownOf(p), p, other.genesis, p.tx.type).ok).toBe(false);
    expect(verifyShownRecord(shownOf(p), null, net.genesis, p.tx.type)).toMatchObject({ ok: false, field: 'proof' });
    for (const junk of [null, 1, 'x', [], { tx: 1 }, { format: BUNDLE_FORMAT }]) {
      expect(() => verifyShownRecord(junk, junk, net.genesis, 'x')).not.toThrow();
      expect(verifyShownRecord(shownOf(p), junk, net.genesis, p.tx.type).ok).toBe(false);
    }
  });
});
