import { describe, expect, it } from 'vitest';
import {
  alerts,
  applicationRecord,
  benefitsOf,
  budgetOf,
  fundAnswerObjection,
  fundApply,
  fundDefineProgramme,
  fundImport,
  fundInstruct,
  fundObject,
  fundPersonStatus,
  fundPublishNotice,
  fundReceipt,
  fundReconcile,
  fundReissue,
  fundReview,
  fundVerify,
  identityStatus,
  paymentRecord,
  publicTotals,
  feedSince,
  type InstructPayload,
  type ReceiptPayload,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import {
  BANK, BANKER, CIVIL, CLERK, DAY_MS, DIBAO, FINANCE, HOUR_MS, NOTICE_END, OTHER_BANK, OWNER, REVIEWER, STREET, T0, TEKUN, TREASURER,
  account, apply, applyPayload, approve, checkSchema, credential, fa, fc, fn, fp, fr, hex64, inMonth, issueCredential, monthCode, person,
  programmePayload, rejected, withProgrammes,
} from './fixtures.js';

const instruct = (application: string, month: number, over: Partial<InstructPayload> = {}): InstructPayload => ({
  payment: fp(`${application} ${month}`), application, period: monthCode(month), amountFen: 80_000, by: TREASURER, ...over,
});
const receipt = (payment: string, over: Partial<ReceiptPayload> = {}): ReceiptPayload => ({
  receipt: fr(payment), payment, result: 'paid', amountFen: 80_000, accountHash: account('alice'), by: BANKER, ...over,
});

describe('the stage machine', () => {
  it('takes an application from apply to a paid, reconciled payment, each step signed by its organisation', () => {
    const s = withProgrammes();
    const id = approve(s, 'alice');
    expect(applicationRecord(s.read, id)?.stage).toBe('approved');
    expect(applicationRecord(s.read, id)?.steps.map((x) => [x.action, x.org])).toEqual([
      ['apply', STREET.id], ['verify', STREET.id], ['notice', STREET.id], ['review', CIVIL.id],
    ]);
    apply(fundInstruct, s, FINANCE, instruct(id, 1), inMonth(1));
    apply(fundReceipt, s, BANK, receipt(fp(`${id} 1`)), inMonth(1) + HOUR_MS);
    const pay = paymentRecord(s.read, fp(`${id} 1`))!;
    expect(pay.status).toBe('paid');
    expect(pay.receipts[0]!.standing).toBe('accepted');
    expect(budgetOf(s.read, s.scan, DIBAO)).toMatchObject({ paidFen: 80_000, paidCount: 1, failedCount: 0 });
    apply(fundReconcile, s, BANK, { reconciliation: fc('jan'), programme: DIBAO, period: '2025-01', paidCount: 1, paidFen: 80_000, failedCount: 0, by: BANKER }, inMonth(2));
    expect(alerts(s.read, s.scan)).toEqual([]);
    expect(benefitsOf(s.read, s.scan, person('alice'))[0]!.payments.map((p) => p.status)).toEqual(['paid']);
    expect(feedSince(s.read, s.scan).map((e) => e.type)).toEqual(['programme', 'programme', 'application', 'application', 'notice', 'application', 'payment', 'receipt', 'reconciliation']);
  });

  it('runs the notice for 7 working days (China time) and refuses the review before it ends', () => {
    const s = withProgrammes();
    const p = applyPayload('bob', issueCredential(s, 'bob'));
    apply(fundApply, s, STREET, p, T0);
    rejected(fundPublishNotice, s, STREET, { notice: fn('bob'), programme: DIBAO, applications: [p.application], listHash: hex64('l'), by: CLERK }); // not verified
    apply(fundVerify, s, STREET, { application: p.application, result: 'verified', by: CLERK }, T0 + HOUR_MS);
    rejected(fundVerify, s, STREET, { application: p.application, result: 'verified', by: CLERK });
    rejected(fundInstruct, s, FINANCE, instruct(p.application, 1), inMonth(1)); // pay before approval
    apply(fundPublishNotice, s, STREET, { notice: fn('bob'), programme: DIBAO, applications: [p.application], listHash: hex64('l'), by: CLERK }, T0 + 2 * HOUR_MS);
    expect((s.get(`funds/notice/${fn('bob')}`) as { endsAt: number }).endsAt).toBe(NOTICE_END);
    const review = { application: p.application, decision: 'approve' as const, reason: 'meets-criteria' as const, by: REVIEWER };
    expect(rejected(fundReview, s, CIVIL, review, NOTICE_END - 1)).toMatch(/still running/);
    rejected(fundReview, s, STREET, review, NOTICE_END); // the community does not review
    apply(fundReview, s, CIVIL, review, NOTICE_END);
    expect(applicationRecord(s.read, p.application)?.stage).toBe('approved');
  });

  it('records objections during the notice only; an upheld one stops an approval, an unanswered one any review', () => {
    const s = withProgrammes();
    const p = applyPayload('carol', issueCredential(s, 'carol'));
    apply(fundApply, s, STREET, p, T0);
    apply(fundVerify, s, STREET, { application: p.application, result: 'verified', by: CLERK }, T0);
    apply(fundPublishNotice, s, STREET, { notice: fn('c'), programme: DIBAO, applications: [p.application], listHash: hex64('l'), by: CLERK }, T0);
    apply(fundObject, s, STREET, { application: p.application, ground: 'income-understated', contentHash: hex64('o'), by: CLERK }, T0 + DAY_MS);
    rejected(fundObject, s, STREET, { application: p.application, ground: 'other', contentHash: hex64('late'), by: CLERK }, NOTICE_END);
    const approveIt = { application: p.application, decision: 'approve' as const, reason: 'meets-criteria' as const, by: REVIEWER };
    expect(rejected(fundReview, s, CIVIL, approveIt, NOTICE_END)).toMatch(/not answered/);
    apply(fundAnswerObjection, s, STREET, { application: p.application, objection: 0, outcome: 'upheld', findingHash: hex64('f'), by: CLERK }, NOTICE_END);
    rejected(fundAnswerObjection, s, STREET, { application: p.application, objection: 0, outcome: 'dismissed', findingHash: hex64('f'), by: CLERK }, NOTICE_END);
    expect(rejected(fundReview, s, CIVIL, approveIt, NOTICE_END)).toMatch(/upheld/);
    rejected(fundReview, s, CIVIL, { ...approveIt, decision: 'refuse', reason: 'meets-criteria' }, NOTICE_END);
    apply(fundReview, s, CIVIL, { ...approveIt, decision: 'refuse', reason: 'objection-upheld' }, NOTICE_END);
    expect(applicationRecord(s.read, p.application)?.stage).toBe('refused');
  });

  it('lets only the named organisations sign: community applies, treasury instructs, owner redefines', () => {
    const s = withProgrammes();
    const index = issueCredential(s, 'dan');
    rejected(fundApply, s, BANK, applyPayload('dan', index));
    rejected(fundDefineProgramme, s, STREET, programmePayload());
    const id = approve(s, 'erin');
    rejected(fundInstruct, s, BANK, instruct(id, 1), inMonth(1));
    rejected(fundInstruct, s, FINANCE, instruct(id, 12), inMonth(1)); // the period has not started
    rejected(fundInstruct, s, FINANCE, instruct(id, 1, { period: '2025-q1' }), inMonth(1)); // not a monthly period
    apply(fundInstruct, s, FINANCE, instruct(id, 1), inMonth(1));
    rejected(fundInstruct, s, FINANCE, instruct(id, 1, { payment: fp('again') }), inMonth(1)); // one payment per period
  });

  it('refuses a revoked or unknown credential, and a second live application of the person, at application', () => {
    const s = withProgrammes();
    const index = issueCredential(s, 'fay');
    apply(identityStatus, s, CIVIL, { credentialHash: credential('fay'), status: 'revoked', reason: 'eligibility-ended', actor: OWNER }, T0 - HOUR_MS);
    expect(rejected(fundApply, s, STREET, applyPayload('fay', index))).toMatch(/credential-revoked/);
    rejected(fundApply, s, STREET, applyPayload('fay', 999));
    const id = approve(s, 'gus');
    rejected(fundApply, s, STREET, applyPayload('gus', 0, { application: fa('gus again') }));
    expect(id).toBe(fa('gus'));
  });
});

describe('money', () => {
  it('takes integer fen only and refuses an instruction beyond the period budget', () => {
    const s = withProgrammes();
    const id = approve(s, 'alice');
    expect(machiError(() => checkSchema('fund.instruct', instruct(id, 1, { amountFen: 800.5 }))).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => checkSchema('fund.instruct', instruct(id, 1, { amountFen: 0 }))).code).toBe('TX_PAYLOAD_INVALID');
    apply(fundDefineProgramme, s, CIVIL, programmePayload({ budgetFen: 150_000 }), T0);
    const second = approve(s, 'bob');
    apply(fundInstruct, s, FINANCE, instruct(id, 1), inMonth(1));
    expect(rejected(fundInstruct, s, FINANCE, instruct(second, 1), inMonth(1))).toMatch(/budget/);
  });

  it('frees the budget of a failed payment, which the treasury reissues to a new account', () => {
    const s = withProgrammes();
    const id = approve(s, 'alice');
    const first = fp(`${id} 1`);
    apply(fundInstruct, s, FINANCE, instruct(id, 1), inMonth(1));
    rejected(fundReceipt, s, BANK, receipt(first, { result: 'failed' })); // a failure names its reason
    apply(fundReceipt, s, BANK, receipt(first, { result: 'failed', reason: 'account-closed' }), inMonth(1) + HOUR_MS);
    expect(budgetOf(s.read, s.scan, DIBAO).periods[0]).toMatchObject({ committedFen: 0, failedCount: 1 });
    rejected(fundReissue, s, BANK, { payment: fp('re'), of: first, accountHash: account('alice new'), by: TREASURER });
    apply(fundReissue, s, FINANCE, { payment: fp('re'), of: first, accountHash: account('alice new'), by: TREASURER }, inMonth(1) + 2 * HOUR_MS);
    rejected(fundReissue, s, FINANCE, { payment: fp('re2'), of: first, accountHash: account('alice new'), by: TREASURER });
    apply(fundReceipt, s, BANK, receipt(fp('re'), { receipt: fr('re'), accountHash: account('alice new') }), inMonth(1) + 3 * HOUR_MS);
    expect(paymentRecord(s.read, first)).toMatchObject({ status: 'reissued', reissuedAs: fp('re'), failure: 'account-closed' });
    expect(paymentRecord(s.read, fp('re'))).toMatchObject({ status: 'paid', reissueOf: first });
    expect(budgetOf(s.read, s.scan, DIBAO)).toMatchObject({ paidFen: 80_000, paidCount: 1, failedCount: 1 });
  });
});

describe('rules (alerts for the regulator and the owner)', () => {
  const kinds = (s: ReturnType<typeof withProgrammes>): string[] => alerts(s.read, s.scan).map((a) => a.kind);

  it('a revoked credential stops the next monthly payment', () => {
    const s = withProgrammes();
    const id = approve(s, 'alice');
    apply(fundInstruct, s, FINANCE, instruct(id, 1), inMonth(1));
    apply(identityStatus, s, CIVIL, { credentialHash: credential('alice'), status: 'revoked', reason: 'eligibility-ended', actor: OWNER }, inMonth(1) + DAY_MS);
    apply(fundInstruct, s, FINANCE, instruct(id, 2), inMonth(2));
    expect(paymentRecord(s.read, fp(`${id} 1`))?.status).toBe('instructed');
    expect(paymentRecord(s.read, fp(`${id} 2`))).toMatchObject({ status: 'blocked', blockedBy: ['credential-revoked'] });
    const [alert] = alerts(s.read, s.scan);
    expect(alert).toMatchObject({ kind: 'credential-revoked', programme: DIBAO, owner: CIVIL.id, application: id, payment: fp(`${id} 2`) });
    expect(budgetOf(s.read, s.scan, DIBAO).periods[1]).toMatchObject({ period: '2025-02', committedFen: 0, blockedCount: 1 });
  });

  it('a suspended or expired credential blocks too', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    apply(identityStatus, s, CIVIL, { credentialHash: credential('alice'), status: 'suspended', reason: 'under-review', actor: OWNER }, inMonth(1));
    apply(fundInstruct, s, FINANCE, instruct(a, 1), inMonth(1));
    const b = approve(s, 'bob', { eligibility: { type: 'low-income', issuer: CIVIL.id, statusIndex: 1, expiresAt: inMonth(2) } });
    apply(fundInstruct, s, FINANCE, instruct(b, 1), inMonth(1));
    apply(fundInstruct, s, FINANCE, instruct(b, 2), inMonth(2));
    expect(kinds(s)).toEqual(['credential-suspended', 'credential-expired']);
    expect(paymentRecord(s.read, fp(`${b} 1`))?.status).toBe('instructed');
  });

  it('the same person in programmes that exclude each other', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    const b = approve(s, 'alice-tekun', { person: person('alice'), accountHash: account('alice'), programme: TEKUN });
    expect(kinds(s)).toEqual(['excluded-programmes']); // at the second application
    apply(fundInstruct, s, FINANCE, instruct(b, 1, { amountFen: 150_000 }), inMonth(1));
    expect(paymentRecord(s.read, fp(`${b} 1`))).toMatchObject({ status: 'blocked', blockedBy: ['excluded-programmes'] });
    expect(a).toBe(fa('alice'));
    expect(b).toBe(fa('alice-tekun'));
  });

  it('an amount above the category standard', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    apply(fundInstruct, s, FINANCE, instruct(a, 1, { amountFen: 80_001 }), inMonth(1));
    expect(paymentRecord(s.read, fp(`${a} 1`))?.blockedBy).toEqual(['amount-above-standard']);
    expect(alerts(s.read, s.scan)[0]!.data).toMatchObject({ standardFen: 80_000, amountFen: 80_001 });
  });

  it('one bank account for different people', () => {
    const s = withProgrammes();
    approve(s, 'alice');
    const b = approve(s, 'bob', { accountHash: account('alice') });
    expect(kinds(s)).toEqual(['shared-account']);
    apply(fundInstruct, s, FINANCE, instruct(b, 1), inMonth(1));
    expect(paymentRecord(s.read, fp(`${b} 1`))?.status).toBe('blocked');
    expect(kinds(s)).toEqual(['shared-account', 'shared-account']);
  });

  it('a person recorded as moved away or deceased', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    const b = approve(s, 'bob');
    apply(fundPersonStatus, s, STREET, { person: person('alice'), status: 'moved-away', by: CLERK }, inMonth(1));
    apply(fundPersonStatus, s, STREET, { person: person('bob'), status: 'deceased', by: CLERK }, inMonth(1));
    apply(fundPersonStatus, s, BANK, { person: person('alice'), status: 'present', by: BANKER }, inMonth(1)); // another org's word does not count
    apply(fundInstruct, s, FINANCE, instruct(a, 1), inMonth(1));
    apply(fundInstruct, s, FINANCE, instruct(b, 1), inMonth(1) + 1);
    expect(kinds(s)).toEqual(['person-moved-away', 'person-deceased']);
  });

  it('receipts that do not match, have no instruction, or come from another bank are recorded, not applied', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    const pay = fp(`${a} 1`);
    apply(fundInstruct, s, FINANCE, instruct(a, 1), inMonth(1));
    apply(fundReceipt, s, BANK, receipt(pay, { receipt: fr('amount'), amountFen: 90_000 }), inMonth(1) + 1);
    apply(fundReceipt, s, BANK, receipt(pay, { receipt: fr('account'), accountHash: account('mallory') }), inMonth(1) + 2);
    apply(fundReceipt, s, OTHER_BANK, receipt(pay, { receipt: fr('other bank') }), inMonth(1) + 3);
    apply(fundReceipt, s, BANK, receipt(fp('nothing'), { receipt: fr('orphan') }), inMonth(1) + 4);
    expect(kinds(s)).toEqual(['receipt-mismatch', 'receipt-mismatch', 'receipt-wrong-bank', 'receipt-without-instruction']);
    expect(paymentRecord(s.read, pay)).toMatchObject({ status: 'instructed', settledAt: null });
    expect(paymentRecord(s.read, pay)?.receipts.map((r) => r.standing)).toEqual(['mismatch', 'mismatch', 'wrong-bank']);
    expect(budgetOf(s.read, s.scan, DIBAO).paidFen).toBe(0);
    rejected(fundReceipt, s, BANK, receipt(pay, { receipt: fr('amount') })); // a receipt id once
    apply(fundReceipt, s, BANK, receipt(pay), inMonth(1) + 5);
    apply(fundReceipt, s, BANK, receipt(pay, { receipt: fr('twice') }), inMonth(1) + 6); // a second receipt for a paid payment
    expect(paymentRecord(s.read, pay)?.status).toBe('paid');
    expect(kinds(s).at(-1)).toBe('receipt-mismatch');
  });

  it('a reconciliation whose totals differ from the ledger', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    apply(fundInstruct, s, FINANCE, instruct(a, 1), inMonth(1));
    apply(fundReceipt, s, BANK, receipt(fp(`${a} 1`)), inMonth(1));
    rejected(fundReconcile, s, STREET, { reconciliation: fc('x'), programme: DIBAO, period: '2025-01', paidCount: 1, paidFen: 80_000, failedCount: 0, by: CLERK });
    apply(fundReconcile, s, BANK, { reconciliation: fc('x'), programme: DIBAO, period: '2025-01', paidCount: 2, paidFen: 160_000, failedCount: 0, by: BANKER }, inMonth(2));
    expect(alerts(s.read, s.scan)).toMatchObject([{ kind: 'reconciliation-mismatch', data: { reportedPaidFen: 160_000, ledgerPaidFen: 80_000 } }]);
  });

  it('a stage far slower than usual', () => {
    const s = withProgrammes();
    for (let i = 0; i < 5; i++) {
      const p = applyPayload(`quick ${i}`, issueCredential(s, `quick ${i}`));
      apply(fundApply, s, STREET, p, T0);
      apply(fundVerify, s, STREET, { application: p.application, result: 'verified', by: CLERK }, T0 + HOUR_MS);
    }
    // three times the average, but under a day: not a risk
    const quick = applyPayload('quick', issueCredential(s, 'quick'));
    apply(fundApply, s, STREET, quick, T0);
    apply(fundVerify, s, STREET, { application: quick.application, result: 'verified', by: CLERK }, T0 + 3 * HOUR_MS + 1);
    expect(alerts(s.read, s.scan)).toEqual([]);
    const slow = applyPayload('slow', issueCredential(s, 'slow'));
    apply(fundApply, s, STREET, slow, T0);
    apply(fundVerify, s, STREET, { application: slow.application, result: 'verified', by: CLERK }, T0 + 3 * DAY_MS);
    expect(alerts(s.read, s.scan)).toMatchObject([{ kind: 'stage-slow', application: slow.application, data: { stage: 'verify' } }]);
  });
});

describe('what the public sees', () => {
  it('totals per programme carry no pseudonym, account or credential reference', () => {
    const s = withProgrammes();
    const a = approve(s, 'alice');
    apply(fundInstruct, s, FINANCE, instruct(a, 1), inMonth(1));
    apply(fundReceipt, s, BANK, receipt(fp(`${a} 1`)), inMonth(1));
    const totals = publicTotals(s.read, s.scan, DIBAO)!;
    expect(totals).toMatchObject({ beneficiaries: 1, paidFen: 80_000, paidCount: 1, budgetFenPerPeriod: 1_000_000 });
    const text = JSON.stringify(totals);
    for (const secret of [person('alice'), account('alice'), a, 'statusIndex']) expect(text).not.toContain(secret);
  });

  it('a person is a funds pseudonym (psn_), never a subject id', () => {
    const p = applyPayload('x', 0, { person: `sub_${'a'.repeat(32)}` });
    expect(machiError(() => checkSchema('fund.apply', p)).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => checkSchema('fund.define_programme', programmePayload({ eligibility: [{ type: 'low-income', claims: { name: 'Zhang San' } }] }))).code).toBe('TX_PAYLOAD_INVALID');
  });

  it('a programme cannot require a name or an ID number', () => {
    const s = withProgrammes();
    expect(rejected(fundDefineProgramme, s, CIVIL, programmePayload({ eligibility: [{ type: 'low-income', claims: { idNumber: 'x1' } }] }))).toMatch(/cannot require/);
  });
});

describe('an existing roll and determinism', () => {
  it('the reviewer imports an approved beneficiary; no one else may, nor with a future approval date', () => {
    const s = withProgrammes();
    const p = { ...applyPayload('old', issueCredential(s, 'old')), approvedOn: T0 - 400 * DAY_MS };
    rejected(fundImport, s, STREET, p);
    rejected(fundImport, s, CIVIL, { ...p, approvedOn: T0 + 2 * HOUR_MS });
    apply(fundImport, s, CIVIL, p, T0);
    expect(applicationRecord(s.read, p.application)).toMatchObject({ stage: 'approved', community: STREET.id, review: { decision: 'approve', at: T0 - 400 * DAY_MS } });
    apply(fundInstruct, s, FINANCE, instruct(p.application, 1), inMonth(1));
    expect(paymentRecord(s.read, fp(`${p.application} 1`))?.status).toBe('instructed');
  });

  it('the same transactions write the same state, in the same order', () => {
    const run = (): [string, string | null][] => {
      const s = withProgrammes();
      const id = approve(s, 'alice');
      apply(fundInstruct, s, FINANCE, instruct(id, 1, { amountFen: 90_000 }), inMonth(1));
      apply(fundReceipt, s, OTHER_BANK, receipt(fp(`${id} 1`)), inMonth(1));
      return s.log;
    };
    expect(run()).toEqual(run());
  });
});
