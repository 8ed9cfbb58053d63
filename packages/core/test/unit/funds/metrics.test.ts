import { describe, expect, it } from 'vitest';
import { fundInstruct, fundReceipt, fundsMetrics, type ReceiptPayload } from '../../../src/index.js';
import { BANK, BANKER, DIBAO, FINANCE, HOUR_MS, TREASURER, account, apply, approve, fp, fr, inMonth, monthCode, withProgrammes } from './fixtures.js';

const receipt = (payment: string, label: string, over: Partial<ReceiptPayload> = {}): ReceiptPayload => ({
  receipt: fr(payment), payment, result: 'paid', amountFen: 80_000, accountHash: account(label), by: BANKER, ...over,
});

describe('funds metrics', () => {
  it('counts payments by outcome, the paid rate, the settlement time and the alerts, from the ledger alone', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    const b = approve(s, 'bob');
    const c = approve(s, 'carol');
    for (const [id, label] of [[a, 'alice'], [b, 'bob'], [c, 'carol']] as const) {
      apply(fundInstruct, s, FINANCE, { payment: fp(`${id} 1`), application: id, period: monthCode(1), amountFen: label === 'carol' ? 90_000 : 80_000, by: TREASURER }, inMonth(1));
      if (label !== 'carol') apply(fundReceipt, s, BANK, receipt(fp(`${id} 1`), label, label === 'bob' ? { result: 'failed', reason: 'account-closed' } : {}), inMonth(1) + 2 * HOUR_MS);
    }
    const m = fundsMetrics(s.read, s.scan, DIBAO, [monthCode(1)]);
    expect(m.payments).toEqual({ blocked: 1, instructed: 0, paid: 1, failed: 1, reissued: 0 });
    expect(m.paidPerMille).toBe(500);
    expect(m.settleAverageMs).toBe(2 * HOUR_MS);
    expect(m.alerts['amount-above-standard']).toBe(1);
    expect(m.stages.verify).toMatchObject({ count: 3 });
    expect(m.stages.receipt).toEqual({ count: 2, averageMs: 2 * HOUR_MS });
    expect(fundsMetrics(s.read, s.scan, DIBAO, []).paidPerMille).toBeNull();
  });
});
