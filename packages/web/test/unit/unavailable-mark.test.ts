/**
 * The marks of records a node cannot prove yet (joined from a snapshot, the history below it not fetched:
 * docs/spec/membership.md#history): a record shown with `proof: null` (or none) and a proof fetch answering 503
 * HISTORY_INCOMPLETE are `unavailable` — the neutral mark, not a failure — in every module's check; a record shown
 * otherwise than recorded, a bundle that does not verify and any other failed fetch still give `failed`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, signTx, toHex, type EventTimelineStep, type ProofBundle, type SignedTx, type TimelineStep } from '@machi/core';
import { TestChain, clone, freshNonce, makeNet, makeOrg } from '../../../core/test/unit/helpers.js';
import { forgetGenesis, verifyRecords } from '../../src/verify/ledger';
import { checkShown } from '../../src/modules/funds/verify';
import { verifyDisclosure, verifySteps as verifyPropertySteps } from '../../src/modules/property/api';
import { verifySteps as verifyRepairSteps } from '../../src/modules/repairs/verify';
import { verifyEventSteps } from '../../src/modules/events/verify';
import { proveRecord } from '../../src/modules/dashboard/api';

const company = makeOrg('property-company', 1);
const net = makeNet({ powers: [1], reuse: [company] });
const chain = new TestChain(net);
const T0 = Date.parse('2026-12-01T00:00:00Z');
const payload = { period: '2026-11', by: 'a'.repeat(32), lines: [{ account: 'common-area', kind: 'income', item: 'advertising', label: '电梯广告', amountFen: 1_200_000 }] };
let bundle: ProofBundle;
const OLD = 'c'.repeat(64);
const GONE = 'd'.repeat(64);
const BUSY = 'e'.repeat(64);

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const realFetch = globalThis.fetch;

beforeAll(() => {
  const tx: SignedTx = signTx({ chainId: net.genesis.chainId, type: 'property.disclose', payload, signer: company.publicKey, nonce: freshNonce(), time: T0 }, (m) => company.signer.sign(m));
  const b = chain.add([tx], { time: T0 + 1000 });
  if (b.execution.results[0]!.code !== undefined) throw new Error(`refused: ${b.execution.results[0]!.code}`);
  bundle = {
    format: BUNDLE_FORMAT, tx: JSON.parse(b.txs[0]!) as SignedTx, txHash: b.checked[0]!.hash, leafIndex: b.firstSeq,
    inclusionProof: chain.log.inclusionProof(b.firstSeq, b.header.logSize).map(toHex), header: clone(b.header), commit: clone(b.commit),
  };
  // the node: this chain's genesis; the proof route answers the bundle, HISTORY_INCOMPLETE below the snapshot, 404, another 503
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url === '/v1/genesis') return json(200, net.genesis);
    if (url === `/v1/txs/${bundle.txHash}/proof`) return json(200, bundle);
    if (url === `/v1/txs/${OLD}/proof`) return json(503, { code: 'HISTORY_INCOMPLETE', message: 'this node joined from a snapshot and has not fetched this part of the history yet' });
    if (url === `/v1/txs/${BUSY}/proof`) return json(503, { code: 'OVERLOADED', message: 'busy' });
    return json(404, { code: 'NOT_FOUND', message: 'no such transaction' });
  }) as typeof fetch;
  forgetGenesis();
});
// put back for the next files (the in-process project shares one worker, and this module's genesis, between files)
afterAll(() => {
  globalThis.fetch = realFetch;
  forgetGenesis();
});

const record = () => ({ ...clone(payload), txHash: bundle.txHash });
const tampered = (): ProofBundle => {
  const b = clone(bundle);
  (b.tx.payload as { lines: { amountFen: number }[] }).lines[0]!.amountFen = 1;
  return b;
};

describe('a record the node cannot prove yet', () => {
  it('verifyRecords: proof null or absent is unavailable; a record shown otherwise or a tampered bundle still fails', async () => {
    const shownOtherwise = { ...record(), by: 'b'.repeat(32) };
    const marks = await verifyRecords([
      { record: record(), proof: clone(bundle) }, { record: record(), proof: null }, { record: record() },
      { record: shownOtherwise, proof: clone(bundle) }, { record: record(), proof: tampered() },
    ], 'property.disclose');
    expect(marks.map((m) => m.state)).toEqual(['verified', 'unavailable', 'unavailable', 'failed', 'failed']);
    expect(marks[3]).toMatchObject({ field: 'record.by' });
  });

  it('funds, property, repairs and events checks: the same', async () => {
    const genesis = net.genesis as unknown;
    expect(checkShown({ txHash: bundle.txHash, org: company.id, proof: null }, genesis).state).toBe('unavailable');
    // a bundle of another module's transaction is still a failure
    expect(checkShown({ txHash: bundle.txHash, org: company.id, proof: clone(bundle) }, genesis)).toMatchObject({ state: 'failed', field: 'tx.type' });

    const steps = await verifyPropertySteps([{ txHash: bundle.txHash, proof: clone(bundle) }, { txHash: bundle.txHash, proof: null }, { txHash: OLD, proof: clone(bundle) }]);
    expect(steps.map((m) => m.state)).toEqual(['verified', 'unavailable', 'failed']);

    const disclosure = { ...record(), lines: clone(payload.lines), totals: {} } as unknown as Parameters<typeof verifyDisclosure>[0];
    const d = await verifyDisclosure({ ...disclosure, proof: null });
    expect([...d.lines, d.totals].map((m) => m.state)).toEqual(['unavailable', 'unavailable']);
    expect((await verifyDisclosure({ ...disclosure, proof: tampered() })).totals.state).toBe('failed');

    const step = { txHash: bundle.txHash, action: 'create', at: T0 + 1000, actor: 'p'.repeat(32), status: 'received' };
    const repair = await verifyRepairSteps('r_1', [{ ...step, proof: null }, { ...step, proof: clone(bundle) }] as unknown as TimelineStep[]);
    expect(repair.map((m) => m.state)).toEqual(['unavailable', 'failed']);
    const event = await verifyEventSteps('ev_1', [{ ...step, action: 'report', proof: null }, { ...step, action: 'report', proof: clone(bundle) }] as unknown as EventTimelineStep[]);
    expect(event.map((m) => m.state)).toEqual(['unavailable', 'failed']);
  });

  it('proveRecord: a 503 HISTORY_INCOMPLETE proof answer is unavailable; 404, another 503 or a wrong subject fail', async () => {
    expect((await proveRecord(bundle.txHash)).mark.state).toBe('verified');
    const old = await proveRecord(OLD);
    expect(old).toMatchObject({ mark: { state: 'unavailable' }, proof: null });
    expect((old.mark as { reason: string }).reason).toContain('HISTORY_INCOMPLETE');
    expect((await proveRecord(GONE)).mark).toMatchObject({ state: 'failed', field: 'proof' });
    expect((await proveRecord(BUSY)).mark).toMatchObject({ state: 'failed', field: 'proof' });
    expect((await proveRecord(bundle.txHash, 'pa_nothing')).mark).toMatchObject({ state: 'failed', field: 'about' });
  });
});
