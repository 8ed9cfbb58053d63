/**
 * The funds API on one node, stage by stage: each step signed by its own organisation (the street office's desk,
 * civil affairs, the finance bureau, the agent bank — the latter three hosted members), stages out of order refused
 * with nothing recorded, every step's proof verifying with the genesis.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { periodOf, verifyBundle } from '@machi/core';
import {
  BANK, CIVIL, DAY_MS, FINANCE, HOST, PROGRAMME, applyFor, approveAll, defineProgrammes, fundsNode, instruct, ok, programmeBody, type FundsNode,
} from './helpers.js';

let s: FundsNode;
beforeEach(async () => {
  s = await fundsNode();
  await defineProgrammes(s);
});
afterEach(async () => s.close());

const month = (): string => periodOf('monthly', s.node.clock());
const ledgerHeight = (): number => s.node.head.height;

describe('funds stages', () => {
  it('takes an application from the desk to a paid, reconciled payment, each step signed by its organisation with a proof', async () => {
    const alice = await applyFor(s, { name: '张三丰', resident: 'resident1' });
    await approveAll(s, [alice.application]);
    const pay = ok(await instruct(s, alice.application, month()));
    ok(await s.call('POST', `/v1/funds/payments/${pay.id}/receipts`, { as: 'sun.bank', body: { result: 'paid', amountFen: 80_000, accountNumber: alice.accountNumber } }));
    ok(await s.call('POST', '/v1/funds/reconciliations', { as: 'sun.bank', body: { programme: PROGRAMME, period: month(), paidCount: 1, paidFen: 80_000, failedCount: 0 } }));

    const view = ok(await s.call('GET', `/v1/funds/applications/${alice.application}`, { as: 'he.audit' }), 200);
    expect(view.stage).toBe('approved');
    const steps = [...view.steps, ...view.payments[0].steps];
    expect(steps.map((x: { action: string; org: string }) => `${x.action}@${x.org}`)).toEqual([`apply@${HOST}`, `verify@${HOST}`, `notice@${HOST}`, `review@${CIVIL}`, `instruct@${FINANCE}`, `receipt@${BANK}`]);
    for (const step of steps) {
      const verdict = verifyBundle(step.proof, s.genesis);
      expect(verdict.txHash).toBe(step.txHash);
      expect(s.genesis.orgs.find((o) => o.publicKey === (step.proof.tx as { signer: string }).signer)?.id).toBe(step.org);
    }
    const budget = ok(await s.call('GET', `/v1/funds/programmes/${PROGRAMME}/budget`, { as: 'he.audit' }), 200);
    expect(budget).toMatchObject({ paidFen: 80_000, paidCount: 1 });
    expect(budget.reconciliations[0]).toMatchObject({ matches: true });

    // the resident sees their benefit with every step and its proof
    const mine = ok(await s.call('GET', '/v1/funds/me/benefits', { as: 'resident1' }), 200);
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0].payments[0]).toMatchObject({ status: 'paid', amountFen: 80_000 });
    expect(mine.items[0].application.steps.every((x: { proof: unknown }) => x.proof !== null)).toBe(true);
    expect(ok(await s.call('GET', '/v1/funds/me/benefits', { as: 'resident2' }), 200).items).toEqual([]);

    // the regulator's feed lists every step with its proof
    const feed = ok(await s.call('GET', '/v1/funds/feed', { as: 'he.audit' }), 200);
    expect(feed.items.map((e: { type: string }) => e.type)).toEqual(['programme', 'programme', 'application', 'application', 'notice', 'application', 'payment', 'receipt', 'reconciliation']);
    for (const e of feed.items) expect(verifyBundle(e.proof, s.genesis).txHash).toBe(e.txHash);
  });

  it('refuses stages out of order with 409 and records nothing', async () => {
    const bob = await applyFor(s, { name: 'Li Si' });
    let h = ledgerHeight();
    expect((await instruct(s, bob.application, month())).json.code).toBe('FUND_CONFLICT'); // pay before approval
    expect((await s.call('POST', `/v1/funds/applications/${bob.application}/review`, { as: 'zhou.civil', body: { decision: 'approve', reason: 'meets-criteria' } })).status).toBe(409);
    expect((await s.call('POST', '/v1/funds/notices', { as: 'liu.desk', body: { programme: PROGRAMME, applications: [bob.application] } })).status).toBe(409); // not verified
    expect(ledgerHeight()).toBe(h);
    ok(await s.call('POST', `/v1/funds/applications/${bob.application}/verify`, { as: 'liu.desk', body: { result: 'verified' } }));
    ok(await s.call('POST', '/v1/funds/notices', { as: 'liu.desk', body: { programme: PROGRAMME, applications: [bob.application] } }));
    h = ledgerHeight();
    const approve = { as: 'zhou.civil', body: { decision: 'approve', reason: 'meets-criteria' } };
    const during = await s.call('POST', `/v1/funds/applications/${bob.application}/review`, approve);
    expect(during.status).toBe(409); // approve during the notice period
    expect(during.json.message).toMatch(/notice/);
    // an objection during the notice, answered; then the review after 7 working days
    ok(await s.call('POST', `/v1/funds/applications/${bob.application}/objections`, { as: 'liu.desk', body: { ground: 'income-understated', text: 'a neighbour says he runs a shop' } }));
    s.clock.offsetMs += 12 * DAY_MS;
    expect((await s.call('POST', `/v1/funds/applications/${bob.application}/objections`, { as: 'liu.desk', body: { ground: 'other', text: 'late' } })).status).toBe(409);
    expect((await s.call('POST', `/v1/funds/applications/${bob.application}/review`, approve)).json.message).toMatch(/objection/);
    ok(await s.call('POST', `/v1/funds/applications/${bob.application}/objections/0/answer`, { as: 'liu.desk', body: { outcome: 'dismissed', finding: 'the shop is his brother’s' } }));
    expect(ledgerHeight()).toBeGreaterThan(h);
    // the community may not review, the reviewer may
    expect((await s.call('POST', `/v1/funds/applications/${bob.application}/review`, { ...approve, as: 'liu.desk' })).status).toBe(403);
    ok(await s.call('POST', `/v1/funds/applications/${bob.application}/review`, approve));
    // one payment per period; only the treasury instructs
    expect((await s.call('POST', '/v1/funds/payments', { as: 'sun.bank', body: { application: bob.application, period: month(), amountFen: 80_000 } })).json.code).toBe('FUND_FORBIDDEN');
    ok(await instruct(s, bob.application, month()));
    expect((await instruct(s, bob.application, month())).status).toBe(409);
  });

  it('takes whole fen only and refuses an instruction beyond the budget', async () => {
    ok(await s.call('PUT', `/v1/funds/programmes/${PROGRAMME}`, { as: 'zhou.civil', body: programmeBody({ budgetFen: 150_000 }) }));
    const a = await applyFor(s, { name: '王五' });
    const b = await applyFor(s, { name: '赵六' });
    await approveAll(s, [a.application, b.application]);
    const fraction = await instruct(s, a.application, month(), 800.5);
    expect(fraction.status).toBe(400);
    ok(await instruct(s, a.application, month()));
    const over = await instruct(s, b.application, month());
    expect(over.status).toBe(409);
    expect(over.json.message).toMatch(/budget/);
    expect((await s.call('PUT', `/v1/funds/programmes/${PROGRAMME}`, { as: 'liu.desk', body: programmeBody() })).status).toBe(403); // not the owner
  });

  it('reissues a failed payment to a new account', async () => {
    const a = await applyFor(s, { name: '孙七' });
    await approveAll(s, [a.application]);
    const first = ok(await instruct(s, a.application, month()));
    ok(await s.call('POST', `/v1/funds/payments/${first.id}/receipts`, { as: 'sun.bank', body: { result: 'failed', reason: 'account-closed', amountFen: 80_000, accountNumber: a.accountNumber } }));
    const again = ok(await s.call('POST', `/v1/funds/payments/${first.id}/reissue`, { as: 'qian.finance', body: { accountNumber: '6222000011112222' } }));
    ok(await s.call('POST', `/v1/funds/payments/${again.id}/receipts`, { as: 'sun.bank', body: { result: 'paid', amountFen: 80_000, accountNumber: '6222000011112222' } }));
    expect(ok(await s.call('GET', `/v1/funds/payments/${first.id}`, { as: 'he.audit' }), 200)).toMatchObject({ status: 'reissued', failure: 'account-closed', reissuedAs: again.id });
    expect(ok(await s.call('GET', `/v1/funds/payments/${again.id}`, { as: 'he.audit' }), 200)).toMatchObject({ status: 'paid', reissueOf: first.id });
  });

  it('lets no resident or anonymous caller take a step, and no staff read a resident’s benefits', async () => {
    expect((await s.call('POST', '/v1/funds/payments', { as: 'resident1', body: { application: `fa_${'0'.repeat(32)}`, period: month(), amountFen: 1 } })).status).toBe(403);
    expect((await s.call('GET', '/v1/funds/alerts')).status).toBe(401);
    expect((await s.call('GET', '/v1/funds/me/benefits', { as: 'he.audit' })).status).toBe(403);
  });
});
