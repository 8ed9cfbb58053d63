/**
 * The property pages' checks in the browser (src/modules/property/api.ts), on a chain built by the core's own block
 * builder and handlers: a disclosure's lines and totals, and a tender from its commitments to its opening record.
 * Genuine records pass; a line, a total, a revealed price, a bid's status or the ranking shown otherwise fails, naming
 * what differs; a reveal that does not open its commitment is confirmed as a withdrawal. An owner read's fields are
 * checked against the owner's commitment (the privacy module's per-field formula).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, commitmentOfDigests, disclosureKey, fieldDigest, sha256Hex, signTx, tenderCommitmentText, tenderKey, toHex, type DisclosureRecord, type ProofBundle, type SignedTx, type TenderRecord } from '@machi/core';
import { TestChain, clone, freshNonce, makeNet, makeOrg, type TestOrg } from '../../../core/test/unit/helpers.js';
import { disclosureTotals, emergencyCapFen, verifyDisclosure, verifyOwnerRead, verifyTender, withinCap } from '../../src/modules/property/api';
import { ApiError } from '../../src/api';
import { forgetGenesis } from '../../src/verify/ledger';

const company = makeOrg('property-company', 1);
const net = makeNet({ powers: [1], reuse: [company] });
const chain = new TestChain(net);
const T0 = Date.parse('2026-12-01T00:00:00Z');
const BY = 'a'.repeat(32);
const bundles = new Map<string, ProofBundle>();

function tx(org: TestOrg, type: string, payload: Record<string, unknown>, time: number): SignedTx {
  return signTx({ chainId: net.genesis.chainId, type, payload, signer: org.publicKey, nonce: freshNonce(), time }, (m) => org.signer.sign(m));
}

/** Adds a block and keeps each transaction's proof bundle, as the node's proof route serves it. */
function block(txs: SignedTx[], time: number): void {
  const b = chain.add(txs, { time });
  b.checked.forEach((c, i) => {
    const r = b.execution.results[i]!;
    if (r.code !== undefined) throw new Error(`${c.tx.type} refused: ${r.code} ${r.message ?? ''}`);
    bundles.set(c.hash, {
      format: BUNDLE_FORMAT, tx: JSON.parse(b.txs[i]!) as SignedTx, txHash: c.hash, leafIndex: b.firstSeq + i,
      inclusionProof: chain.log.inclusionProof(b.firstSeq + i, b.header.logSize).map(toHex), header: clone(b.header), commit: clone(b.commit),
    });
  });
}
const stateOf = <T>(key: string): T => JSON.parse(chain.state.get(key)!) as T;
const fetchProof = async (h: string): Promise<unknown> => clone(bundles.get(h)) ?? Promise.reject(new Error(`no ${h}`));

const tender = `pt_${'1'.repeat(32)}`;
const bid = (n: number) => `pb_${String(n).repeat(32)}`;
const salt = (n: number) => String(n).repeat(32);
// [bidder, price, reveal]: 1 and 3 open their commitments, 2 reveals another salt, 4 never reveals
const BIDS = [['A', 4_580_000, 'right'], ['B', 4_120_000, 'wrong'], ['C', 5_030_000, 'right'], ['D', 3_990_000, 'none']] as const;

const realFetch = globalThis.fetch;
// put back for the next files (the in-process project shares one worker between files)
afterAll(() => {
  globalThis.fetch = realFetch;
  forgetGenesis();
});

beforeAll(() => {
  // the verifier fetches the genesis from the node: here, this chain's
  globalThis.fetch = (async () => new Response(JSON.stringify(net.genesis))) as typeof fetch;
  forgetGenesis();
  block([tx(company, 'property.disclose', { period: '2026-11', by: BY, lines: [
    { account: 'common-area', kind: 'income', item: 'advertising', label: '电梯广告', amountFen: 1_200_000 },
    { account: 'common-area', kind: 'spending', item: 'cleaning', label: '公共区域保洁', amountFen: 450_000 },
    { account: 'maintenance-fund', kind: 'income', item: 'interest', label: '维修资金利息', amountFen: 31_500 },
  ] }, T0)], T0 + 1000);
  block([tx(company, 'property.tender_open', { tender, title: '外墙清洗服务', deadline: T0 + 60_000, revealUntil: T0 + 120_000, by: BY }, T0 + 1500)], T0 + 2000);
  block(BIDS.map(([bidder, price], i) => tx(company, 'property.tender_commit', { tender, bid: bid(i + 1), bidder, commitment: sha256Hex(tenderCommitmentText(tender, bid(i + 1), price, salt(i + 1))) }, T0 + 2500)), T0 + 3000);
  block(BIDS.flatMap(([, price, reveal], i) => (reveal === 'none' ? [] : [tx(company, 'property.tender_reveal', { tender, bid: bid(i + 1), priceFen: price, salt: reveal === 'right' ? salt(i + 1) : salt(9) }, T0 + 61_000)])), T0 + 61_000);
  block([tx(company, 'property.tender_close', { tender, by: BY }, T0 + 121_000)], T0 + 121_000);
});

const disclosure = () => {
  const d = stateOf<DisclosureRecord>(disclosureKey('2026-11'));
  return { ...d, proof: clone(bundles.get(d.txHash)) };
};
const opened = () => stateOf<TenderRecord>(tenderKey(tender));

describe('a disclosure checked in the browser', () => {
  it('verifies every line and the totals of a genuine disclosure', async () => {
    const m = await verifyDisclosure(disclosure());
    expect(m.lines.map((l) => l.state)).toEqual(['verified', 'verified', 'verified']);
    expect(m.totals.state).toBe('verified');
    expect(disclosureTotals(disclosure().lines)).toEqual(disclosure().totals);
  });

  it('fails the one line shown otherwise, totals that do not sum, a bundle of another transaction', async () => {
    const d = disclosure();
    d.lines[1] = { ...d.lines[1]!, amountFen: 45_000 };
    const m = await verifyDisclosure(d);
    expect(m.lines.map((l) => l.state)).toEqual(['verified', 'failed', 'verified']);
    expect(m.lines[1]).toMatchObject({ field: 'lines.1' });
    const e = disclosure();
    e.totals['common-area'].incomeFen += 100;
    expect((await verifyDisclosure(e)).totals).toMatchObject({ state: 'failed', field: 'totals.common-area' });
    const f = { ...disclosure(), proof: clone(bundles.get(opened().txHash)) };
    expect((await verifyDisclosure(f)).lines.every((l) => l.state === 'failed')).toBe(true);
  });
});

describe('a tender checked in the browser', () => {
  it('verifies the commitments, each reveal re-hashed (the mismatch as a withdrawal), and the opening record recomputed', async () => {
    const t = opened();
    expect(t.opened!.ranking.map((r) => r.bidder)).toEqual(['A', 'C']);
    expect(t.bids.map((b) => b.withdrawnFor)).toEqual([null, 'reveal-mismatch', null, 'not-revealed']);
    const m = await verifyTender(t, fetchProof);
    expect(m.commits.map((c) => c.state)).toEqual(['verified', 'verified', 'verified', 'verified']);
    expect(m.reveals.map((r) => r?.state ?? null)).toEqual(['verified', 'verified', 'verified', null]);
    expect(m.opening?.state).toBe('verified');
  });

  it('fails a price, a status, a commitment or a ranking shown otherwise', async () => {
    const price = opened();
    price.bids[0]!.priceFen = 4_000_000;
    expect((await verifyTender(price, fetchProof)).reveals[0]).toMatchObject({ state: 'failed', field: 'record.priceFen' });
    // a mismatching reveal shown as revealed: the re-hash says it counts as withdrawn
    const status = opened();
    status.bids[1] = { ...status.bids[1]!, status: 'revealed', priceFen: 4_120_000, withdrawnFor: null };
    expect((await verifyTender(status, fetchProof)).reveals[1]).toMatchObject({ state: 'failed', field: 'record.status' });
    const commitment = opened();
    commitment.bids[3]!.commitment = 'f'.repeat(64);
    expect((await verifyTender(commitment, fetchProof)).commits[3]).toMatchObject({ state: 'failed', field: 'record.commitment' });
    const ranking = opened();
    ranking.opened!.ranking.reverse();
    expect((await verifyTender(ranking, fetchProof)).opening).toMatchObject({ state: 'failed', field: 'opened.ranking' });
    const withdrawn = opened();
    withdrawn.opened!.withdrawn = [bid(2)];
    expect((await verifyTender(withdrawn, fetchProof)).opening).toMatchObject({ state: 'failed', field: 'opened.withdrawn' });
  });

  it('marks bundles a joined node has not fetched yet (503 HISTORY_INCOMPLETE) unavailable, and the opening it cannot recompute', async () => {
    const t = opened();
    const commits = new Set(t.bids.map((b) => b.commitTx));
    const older = async (h: string): Promise<unknown> => (commits.has(h) ? Promise.reject(new ApiError(503, 'HISTORY_INCOMPLETE', 'not fetched yet')) : fetchProof(h));
    const m = await verifyTender(t, older);
    expect(m.commits.map((c) => c.state)).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
    expect(m.reveals.map((r) => r?.state ?? null)).toEqual(['verified', 'verified', 'verified', null]);
    expect(m.opening?.state).toBe('unavailable');
    // any other failed fetch is still a failure
    const gone = async (h: string): Promise<unknown> => (commits.has(h) ? Promise.reject(new ApiError(404, 'NOT_FOUND', 'no such transaction')) : fetchProof(h));
    expect((await verifyTender(t, gone)).commits.map((c) => c.state)).toEqual(['failed', 'failed', 'failed', 'failed']);
    const d = await verifyDisclosure({ ...disclosure(), proof: null });
    expect([...d.lines, d.totals].map((l) => l.state)).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
  });

  it('holds an emergency first transfer to 60 % of the budget, exactly', () => {
    expect(emergencyCapFen(2_345_650)).toBe(1_407_390);
    expect([withinCap(1_407_390, 2_345_650), withinCap(1_407_391, 2_345_650), withinCap(60, 100), withinCap(61, 100)]).toEqual([true, false, true, false]);
  });
});

describe("an owner read checked in the browser", () => {
  it("passes fields that open the owner's commitment, fails one shown otherwise, and a missing access record's proof", async () => {
    const held = { name: '张三', idNumber: '310101199001011234', building: 'b1', unit: 'b1-u0101' };
    const salts = Object.fromEntries(Object.keys(held).map((f, i) => [f, Buffer.alloc(32, i + 1)]));
    const digests = Object.fromEntries(Object.entries(held).map(([f, v]) => [f, fieldDigest(salts[f]!, v)]));
    const read = {
      txHash: 'ab'.repeat(32), commitment: commitmentOfDigests(digests), fields: { name: held.name, idNumber: held.idNumber },
      opening: { salts: { name: salts.name!.toString('base64url'), idNumber: salts.idNumber!.toString('base64url') }, digests: { building: digests.building, unit: digests.unit } },
    };
    const ok = await verifyOwnerRead(read);
    expect(ok.fields).toBe(true);
    // no committed access record with that hash here: its mark fails
    expect(ok.access.state).toBe('failed');
    expect((await verifyOwnerRead({ ...read, fields: { ...read.fields, name: '李四' } })).fields).toBe(false);
    expect((await verifyOwnerRead({ ...read, commitment: '' })).fields).toBe(false);
  });
});
