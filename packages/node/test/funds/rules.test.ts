/**
 * The ledger's rules through the API: each raises an alert the regulator sees (and the programme's owner), and the
 * blocking ones stop the payment — including a credential revoked between two monthly payments.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { periodOf } from '@machi/core';
import {
  CIVIL, DAY_MS, OTHER_PROGRAMME, PROGRAMME, applyFor, approveAll, defineProgrammes, fundsNode, instruct, ok, revokeCredential, type FundsNode,
} from './helpers.js';

let s: FundsNode;
beforeEach(async () => {
  s = await fundsNode();
  await defineProgrammes(s);
});
afterEach(async () => s.close());

const month = (): string => periodOf('monthly', s.node.clock());
const alertKinds = async (as = 'he.audit'): Promise<string[]> => ok(await s.call('GET', '/v1/funds/alerts', { as }), 200).items.map((a: { kind: string }) => a.kind);
const payment = async (id: string): Promise<any> => ok(await s.call('GET', `/v1/funds/payments/${id}`, { as: 'he.audit' }), 200);

describe('funds rules', () => {
  it('a revoked credential stops the next monthly payment', async () => {
    const a = await applyFor(s, { name: '张三丰' });
    await approveAll(s, [a.application]);
    const jan = ok(await instruct(s, a.application, month()));
    expect((await payment(jan.id)).status).toBe('instructed');
    await revokeCredential(s, a.credentialHash);
    s.clock.offsetMs += 31 * DAY_MS;
    const feb = ok(await instruct(s, a.application, month()));
    expect(await payment(feb.id)).toMatchObject({ status: 'blocked', blockedBy: ['credential-revoked'] });
    const [alert] = ok(await s.call('GET', '/v1/funds/alerts', { as: 'he.audit' }), 200).items;
    expect(alert).toMatchObject({ kind: 'credential-revoked', programme: PROGRAMME, owner: CIVIL, payment: feb.id });
    // the owner sees it too, with its proof
    expect(await alertKinds('zhou.civil')).toEqual(['credential-revoked']);
    expect(alert.proof).not.toBeNull();
  });

  it('an expired credential, an amount above the standard, a person moved away or deceased block the payment', async () => {
    const expiring = await applyFor(s, { name: '王一', validMs: 20 * DAY_MS });
    const greedy = await applyFor(s, { name: '王二' });
    const moved = await applyFor(s, { name: '王三' });
    const dead = await applyFor(s, { name: '王四' });
    await approveAll(s, [expiring.application, greedy.application, moved.application, dead.application]);
    ok(await s.call('POST', `/v1/funds/people/${moved.subject}/status`, { as: 'liu.desk', body: { status: 'moved-away' } }));
    ok(await s.call('POST', `/v1/funds/people/${dead.subject}/status`, { as: 'liu.desk', body: { status: 'deceased' } }));
    s.clock.offsetMs += 10 * DAY_MS;
    const ids = [
      ok(await instruct(s, expiring.application, month())).id,
      ok(await instruct(s, greedy.application, month(), 90_000)).id,
      ok(await instruct(s, moved.application, month())).id,
      ok(await instruct(s, dead.application, month())).id,
    ];
    const blocked = await Promise.all(ids.map(async (id) => (await payment(id)).blockedBy));
    expect(blocked).toEqual([['credential-expired'], ['amount-above-standard'], ['person-moved-away'], ['person-deceased']]);
    expect(await alertKinds()).toEqual(['credential-expired', 'amount-above-standard', 'person-moved-away', 'person-deceased']);
  });

  it('one account for two people, and the same person in programmes that exclude each other', async () => {
    const a = await applyFor(s, { name: '李一' });
    const b = await applyFor(s, { name: '李二', accountNumber: a.accountNumber });
    const c = await applyFor(s, { name: '李一', subject: a.subject, accountNumber: a.accountNumber, programme: OTHER_PROGRAMME });
    expect(await alertKinds()).toEqual(['shared-account', 'excluded-programmes']);
    await approveAll(s, [a.application, b.application]);
    await approveAll(s, [c.application], OTHER_PROGRAMME);
    ok(await instruct(s, a.application, month()));
    const shared = ok(await instruct(s, b.application, month()));
    const excluded = ok(await instruct(s, c.application, month(), 150_000));
    expect((await payment(shared.id)).blockedBy).toEqual(['shared-account']);
    expect((await payment(excluded.id)).blockedBy).toEqual(['excluded-programmes']);
    // the account is on the ledger only as a salted hash
    const view = ok(await s.call('GET', `/v1/funds/applications/${a.application}`, { as: 'he.audit' }), 200);
    expect(JSON.stringify(view)).not.toContain(a.accountNumber);
    expect(view.accountHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('receipts from another bank, without an instruction or not matching it are refused and recorded', async () => {
    const a = await applyFor(s, { name: '周一' });
    await approveAll(s, [a.application]);
    const pay = ok(await instruct(s, a.application, month()));
    const receipt = (as: string, payment: string, over: Record<string, unknown> = {}) =>
      s.call('POST', `/v1/funds/payments/${payment}/receipts`, { as, body: { result: 'paid', amountFen: 80_000, accountNumber: a.accountNumber, ...over } });
    const wrongBank = await receipt('ma.otherbank', pay.id);
    expect(wrongBank.status).toBe(403);
    expect(wrongBank.json.message).toMatch(/recorded/);
    expect((await receipt('sun.bank', `fp_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await receipt('sun.bank', pay.id, { amountFen: 90_000 })).status).toBe(409);
    expect((await receipt('sun.bank', pay.id, { accountNumber: '6222999988887777' })).status).toBe(409);
    expect(await alertKinds()).toEqual(['receipt-wrong-bank', 'receipt-without-instruction', 'receipt-mismatch', 'receipt-mismatch']);
    const p = await payment(pay.id);
    expect(p.status).toBe('instructed');
    expect(p.receipts.map((r: { standing: string; org: string }) => `${r.standing}@${r.org}`)).toEqual(['wrong-bank@other-bank', 'mismatch@agent-bank', 'mismatch@agent-bank']);
    ok(await receipt('sun.bank', pay.id));
    expect((await payment(pay.id)).status).toBe('paid');
  });

  it('a reconciliation that does not match the ledger', async () => {
    const a = await applyFor(s, { name: '吴一' });
    await approveAll(s, [a.application]);
    const pay = ok(await instruct(s, a.application, month()));
    ok(await s.call('POST', `/v1/funds/payments/${pay.id}/receipts`, { as: 'sun.bank', body: { result: 'paid', amountFen: 80_000, accountNumber: a.accountNumber } }));
    ok(await s.call('POST', '/v1/funds/reconciliations', { as: 'sun.bank', body: { programme: PROGRAMME, period: month(), paidCount: 2, paidFen: 160_000, failedCount: 0 } }));
    const [alert] = ok(await s.call('GET', '/v1/funds/alerts', { as: 'he.audit', query: { kind: 'reconciliation-mismatch' } }), 200).items;
    expect(alert.data).toMatchObject({ reportedPaidFen: 160_000, ledgerPaidFen: 80_000 });
  });
});
