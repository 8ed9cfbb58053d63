/**
 * The `fund.*` transaction types: strict payload schemas (ids, codes, integer fen, hashes, pseudonyms, bounded arrays
 * — no free text, no names, no account numbers) and deterministic handlers. Each handler re-checks its step with the
 * pure checks of transitions.ts (a refusal records nothing), runs the rules (each hit is an alert record for the
 * regulator and the programme's owner; a blocking hit blocks the payment), takes every time from the block, and
 * writes its records, indexes and one entry of the live feed. docs/spec/funds.md#transactions
 */
import { MachiError } from '../../errors.js';
import { ID_CHARS_MAX } from '../../limits.js';
import type { HandlerContext, TxType } from '../../state/registry.js';
import { ACTOR_PATTERN, HASH_HEX_PATTERN, ORG_ID_PATTERN, PSEUDONYM_PATTERN, closedObject, enumString, integerIn, patternString, type JsonSchema } from '../../foundation/patterns.js';
import { CREDENTIAL_TYPE_IDS } from '../identity/catalogue.js';
import { IDENTITY_STATUS_LIST_ENTRIES_MAX, IDENTITY_TIME_MS_MAX } from '../identity/types.js';
import {
  FUND_RECURRENCES,
  OBJECTION_GROUNDS,
  OBJECTION_OUTCOMES,
  PAYMENT_FAILURE_REASONS,
  PERSON_STATUSES,
  RECEIPT_RESULTS,
  REVIEW_DECISIONS,
  REVIEW_REASONS,
  VERIFY_REJECT_REASONS,
  VERIFY_RESULTS,
  type ReceiptStanding,
  type TimedStage,
} from './catalogue.js';
import {
  applicationRules,
  blocks,
  checkAnswerObjection,
  checkApply,
  checkDefineProgramme,
  checkInstruct,
  checkNotice,
  checkObject,
  checkReceipt,
  checkReconcile,
  checkReissue,
  checkReview,
  checkVerify,
  noticeEndsAt,
  paymentRules,
  readApplication,
  readBudget,
  readNotice,
  readPayment,
  readProgramme,
  slowStage,
  type FundCheck,
  type RuleHit,
} from './transitions.js';
import {
  ACCOUNT_HASH_PATTERN,
  FUNDS_AMOUNT_FEN_MAX,
  FUNDS_BUDGET_FEN_MAX,
  FUNDS_CATEGORIES_MAX,
  FUNDS_CLAIMS_MAX,
  FUNDS_CODE_CHARS_MAX,
  FUNDS_COMMUNITIES_MAX,
  FUNDS_ELIGIBILITY_MAX,
  FUNDS_EXCLUDES_MAX,
  FUNDS_NOTICE_APPLICATIONS_MAX,
  FUNDS_RECEIPTS_MAX,
  FUND_APPLICATION_ID_PATTERN,
  FUND_CODE_PATTERN,
  FUND_NOTICE_ID_PATTERN,
  FUND_PAYMENT_ID_PATTERN,
  FUND_PERIOD_PATTERN,
  FUND_RECEIPT_ID_PATTERN,
  FUND_RECONCILIATION_ID_PATTERN,
  ORPHAN_PROGRAMME,
  accountKey,
  fundAlertKey,
  applicationKey,
  applicationPaymentKey,
  budgetKey,
  feedKey,
  noticeKey,
  paymentKey,
  periodPaymentKey,
  periodPaymentsKey,
  personApplicationsKey,
  personKey,
  programmeApplicationKey,
  programmeKey,
  programmeNoticeKey,
  programmeReconciliationKey,
  receiptKey,
  reconciliationKey,
  stageStatsKey,
  type AlertRecord,
  type AnswerObjectionPayload,
  type ApplicationRecord,
  type ApplyPayload,
  type ImportPayload,
  type BudgetRecord,
  type DefineProgrammePayload,
  type FundPayload,
  type FundStep,
  type InstructPayload,
  type NoticeRecord,
  type ObjectPayload,
  type PaymentRecord,
  type PersonRecord,
  type PersonStatusPayload,
  type ProgrammeRecord,
  type PublishNoticePayload,
  type ReceiptEntry,
  type ReceiptPayload,
  type ReceiptRecord,
  type ReconcilePayload,
  type ReconciliationRecord,
  type ReissuePayload,
  type ReviewPayload,
  type VerifyApplicationPayload,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------------
// Schema pieces
// ---------------------------------------------------------------------------------------------------------------------

const actor = patternString(ACTOR_PATTERN);
const hash = patternString(HASH_HEX_PATTERN);
const orgId: JsonSchema = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX };
const code: JsonSchema = { type: 'string', minLength: 1, maxLength: FUNDS_CODE_CHARS_MAX, pattern: FUND_CODE_PATTERN };
const applicationId = patternString(FUND_APPLICATION_ID_PATTERN);
const paymentId = patternString(FUND_PAYMENT_ID_PATTERN);
const period = patternString(FUND_PERIOD_PATTERN);
const accountHash = patternString(ACCOUNT_HASH_PATTERN);
/** Money: integer fen, at least 1 (a JSON number with a fraction is refused by the schema). */
const amountFen = integerIn(1, FUNDS_AMOUNT_FEN_MAX);
const count = integerIn(0, Number.MAX_SAFE_INTEGER);
const orgList = (max: number): JsonSchema => ({ type: 'array', minItems: 1, maxItems: max, uniqueItems: true, items: orgId });

// ---------------------------------------------------------------------------------------------------------------------
// Writing helpers
// ---------------------------------------------------------------------------------------------------------------------

function reject(why: string): never {
  throw new MachiError('HANDLER_REJECTED', why);
}

const must = (c: FundCheck): void => {
  if (!c.ok) reject(c.reason);
};

const get = (ctx: HandlerContext) => (key: string): unknown => ctx.state.get(key);

const stepOf = (ctx: HandlerContext, action: string, by: string, detail?: FundStep['detail']): FundStep => ({
  action, at: ctx.time, org: ctx.org.id, actor: by, txHash: ctx.txHash, ...(detail === undefined ? {} : { detail }),
});

/** One entry of the regulators' live feed per transaction. */
const feed = (ctx: HandlerContext, kind: string, id: string): void => ctx.state.set(feedKey(ctx.time, ctx.txHash), { type: kind, id, org: ctx.org.id });

/** Records each rule hit as an alert of the programme (visible to the regulator and the owner). */
function raise(ctx: HandlerContext, prog: { programme: string; owner: string }, hits: readonly RuleHit[], ids: { application?: string; payment?: string }, first = 0): void {
  hits.forEach((h, i) => {
    const record: AlertRecord = {
      kind: h.kind,
      programme: prog.programme,
      owner: prog.owner,
      application: ids.application ?? null,
      payment: ids.payment ?? null,
      data: { ...h.data },
      at: ctx.time,
      org: ctx.org.id,
      txHash: ctx.txHash,
    };
    ctx.state.set(fundAlertKey(prog.programme, ctx.time, ctx.txHash, first + i), record);
  });
}

/** Times a stage and raises `stage-slow` when it was far slower than usual. Returns the hits (0 or 1). */
function timeStage(ctx: HandlerContext, programme: string, stage: TimedStage, sinceMs: number): RuleHit[] {
  const { hit, stats } = slowStage(get(ctx), programme, stage, Math.max(0, ctx.time - sinceMs));
  ctx.state.set(stageStatsKey(programme, stage), stats);
  return hit === null ? [] : [hit];
}

const saveApplication = (ctx: HandlerContext, a: ApplicationRecord): void => {
  ctx.state.set(applicationKey(a.application), a);
  ctx.state.set(programmeApplicationKey(a.programme, a.application), a.stage);
};

const saveBudget = (ctx: HandlerContext, b: BudgetRecord): void => ctx.state.set(budgetKey(b.programme, b.period), b);

// ---------------------------------------------------------------------------------------------------------------------
// Programmes
// ---------------------------------------------------------------------------------------------------------------------

const claimValue: JsonSchema = { anyOf: [{ type: 'boolean' }, code, integerIn(0, Number.MAX_SAFE_INTEGER)] };

export const fundDefineProgramme: TxType<DefineProgrammePayload> = {
  type: 'fund.define_programme',
  schema: closedObject(['programme', 'recurrence', 'eligibility', 'categories', 'budgetFen', 'excludes', 'communities', 'reviewer', 'treasury', 'bank', 'by'], {
    programme: code,
    recurrence: enumString(FUND_RECURRENCES),
    eligibility: {
      type: 'array', minItems: 1, maxItems: FUNDS_ELIGIBILITY_MAX,
      items: closedObject(['type', 'claims'], {
        type: enumString(CREDENTIAL_TYPE_IDS),
        claims: { type: 'object', maxProperties: FUNDS_CLAIMS_MAX, propertyNames: { pattern: '^[a-zA-Z][a-zA-Z0-9]*$', maxLength: FUNDS_CODE_CHARS_MAX }, additionalProperties: claimValue },
      }),
    },
    categories: { type: 'array', minItems: 1, maxItems: FUNDS_CATEGORIES_MAX, items: closedObject(['category', 'amountFen'], { category: code, amountFen }) },
    budgetFen: integerIn(1, FUNDS_BUDGET_FEN_MAX),
    excludes: { type: 'array', maxItems: FUNDS_EXCLUDES_MAX, uniqueItems: true, items: code },
    communities: orgList(FUNDS_COMMUNITIES_MAX),
    reviewer: orgId,
    treasury: orgId,
    bank: orgId,
    by: actor,
  }),
  handle(ctx, p) {
    must(checkDefineProgramme(get(ctx), ctx.org.id, p, ctx.orgsById));
    const record: ProgrammeRecord = {
      programme: p.programme,
      recurrence: p.recurrence,
      eligibility: p.eligibility.map((e) => ({ type: e.type, claims: { ...e.claims } })),
      categories: p.categories.map((c) => ({ category: c.category, amountFen: c.amountFen })),
      budgetFen: p.budgetFen,
      excludes: [...p.excludes],
      communities: [...p.communities],
      reviewer: p.reviewer,
      treasury: p.treasury,
      bank: p.bank,
      owner: ctx.org.id,
      by: p.by,
      at: ctx.time,
      txHash: ctx.txHash,
    };
    ctx.state.set(programmeKey(p.programme), record);
    feed(ctx, 'programme', p.programme);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// Applications: apply, verify, notice, objections, review
// ---------------------------------------------------------------------------------------------------------------------

const applyProperties = {
  application: applicationId,
  programme: code,
  person: patternString(PSEUDONYM_PATTERN),
  category: code,
  building: code,
  eligibility: closedObject(['type', 'issuer', 'statusIndex', 'expiresAt'], {
    type: enumString(CREDENTIAL_TYPE_IDS),
    issuer: orgId,
    statusIndex: integerIn(0, IDENTITY_STATUS_LIST_ENTRIES_MAX - 1),
    expiresAt: integerIn(0, IDENTITY_TIME_MS_MAX),
  }),
  accountHash,
  by: actor,
};
const applyRequired = ['application', 'programme', 'person', 'category', 'building', 'eligibility', 'accountHash', 'by'];

/** Records a new application (applied) or an imported beneficiary (approved). */
function newApplication(ctx: HandlerContext, p: ApplyPayload, imported?: { approvedOn: number }): void {
  const g = get(ctx);
  must(checkApply(g, ctx.org.id, p, ctx.time, imported));
  const prog = readProgramme(g, p.programme) as ProgrammeRecord;
  raise(ctx, prog, applicationRules(g, prog, p), { application: p.application });
  const record: ApplicationRecord = {
    application: p.application,
    programme: p.programme,
    // an import is filed under the programme's first community (the reviewer signs it)
    community: imported === undefined ? ctx.org.id : (prog.communities[0] as string),
    person: p.person,
    category: p.category,
    building: p.building,
    eligibility: { ...p.eligibility },
    accountHash: p.accountHash,
    stage: imported === undefined ? 'applied' : 'approved',
    notice: null,
    objections: [],
    review: imported === undefined ? null : { decision: 'approve', reason: 'meets-criteria', at: imported.approvedOn },
    appliedAt: ctx.time,
    steps: [stepOf(ctx, imported === undefined ? 'apply' : 'import', p.by, imported === undefined ? { category: p.category } : { category: p.category, approvedOn: imported.approvedOn })],
  };
  saveApplication(ctx, record);
  const mine = (g(personApplicationsKey(p.person)) as string[] | undefined) ?? [];
  ctx.state.set(personApplicationsKey(p.person), [...mine, p.application]);
  if (g(accountKey(p.accountHash)) === undefined) ctx.state.set(accountKey(p.accountHash), p.person);
  feed(ctx, 'application', p.application);
}

export const fundApply: TxType<ApplyPayload> = {
  type: 'fund.apply',
  schema: closedObject(applyRequired, applyProperties),
  handle: (ctx, p) => newApplication(ctx, p),
};

export const fundImport: TxType<ImportPayload> = {
  type: 'fund.import',
  schema: closedObject([...applyRequired, 'approvedOn'], { ...applyProperties, approvedOn: integerIn(0, Number.MAX_SAFE_INTEGER) }),
  handle: (ctx, p) => {
    const { approvedOn, ...application } = p;
    newApplication(ctx, application, { approvedOn });
  },
};

export const fundVerify: TxType<VerifyApplicationPayload> = {
  type: 'fund.verify',
  schema: closedObject(['application', 'result', 'by'], { application: applicationId, result: enumString(VERIFY_RESULTS), reason: enumString(VERIFY_REJECT_REASONS), by: actor }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkVerify(g, ctx.org.id, p));
    const app = readApplication(g, p.application) as ApplicationRecord;
    const prog = readProgramme(g, app.programme) as ProgrammeRecord;
    raise(ctx, prog, timeStage(ctx, prog.programme, 'verify', app.appliedAt), { application: app.application });
    const detail = { result: p.result, ...(p.reason === undefined ? {} : { reason: p.reason }) };
    saveApplication(ctx, { ...app, stage: p.result === 'verified' ? 'verified' : 'rejected', steps: [...app.steps, stepOf(ctx, 'verify', p.by, detail)] });
    feed(ctx, 'application', app.application);
  },
};

export const fundPublishNotice: TxType<PublishNoticePayload> = {
  type: 'fund.publish_notice',
  schema: closedObject(['notice', 'programme', 'applications', 'listHash', 'by'], {
    notice: patternString(FUND_NOTICE_ID_PATTERN),
    programme: code,
    applications: { type: 'array', minItems: 1, maxItems: FUNDS_NOTICE_APPLICATIONS_MAX, uniqueItems: true, items: applicationId },
    listHash: hash,
    by: actor,
  }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkNotice(g, ctx.org.id, p));
    const prog = readProgramme(g, p.programme) as ProgrammeRecord;
    const notice: NoticeRecord = {
      notice: p.notice, programme: p.programme, community: ctx.org.id, applications: [...p.applications], listHash: p.listHash,
      publishedAt: ctx.time, endsAt: noticeEndsAt(ctx.time), by: p.by, txHash: ctx.txHash,
    };
    ctx.state.set(noticeKey(p.notice), notice);
    ctx.state.set(programmeNoticeKey(p.programme, ctx.time, p.notice), p.notice);
    let n = 0;
    for (const id of p.applications) {
      const app = readApplication(g, id) as ApplicationRecord;
      const verifiedAt = app.steps[app.steps.length - 1]?.at ?? app.appliedAt;
      const hits = timeStage(ctx, prog.programme, 'notice', verifiedAt);
      raise(ctx, prog, hits, { application: id }, n);
      n += hits.length;
      saveApplication(ctx, { ...app, stage: 'noticed', notice: p.notice, steps: [...app.steps, stepOf(ctx, 'notice', p.by, { notice: p.notice, endsAt: notice.endsAt })] });
    }
    feed(ctx, 'notice', p.notice);
  },
};

export const fundObject: TxType<ObjectPayload> = {
  type: 'fund.object',
  schema: closedObject(['application', 'ground', 'contentHash', 'by'], { application: applicationId, ground: enumString(OBJECTION_GROUNDS), contentHash: hash, by: actor }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkObject(g, ctx.org.id, p, ctx.time));
    const app = readApplication(g, p.application) as ApplicationRecord;
    const objection = { ground: p.ground, contentHash: p.contentHash, receivedAt: ctx.time, outcome: null, findingHash: null, answeredAt: null };
    saveApplication(ctx, { ...app, objections: [...app.objections, objection], steps: [...app.steps, stepOf(ctx, 'object', p.by, { ground: p.ground, objection: app.objections.length })] });
    feed(ctx, 'application', app.application);
  },
};

export const fundAnswerObjection: TxType<AnswerObjectionPayload> = {
  type: 'fund.answer_objection',
  schema: closedObject(['application', 'objection', 'outcome', 'findingHash', 'by'], {
    application: applicationId, objection: integerIn(0, 1000), outcome: enumString(OBJECTION_OUTCOMES), findingHash: hash, by: actor,
  }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkAnswerObjection(g, ctx.org.id, p));
    const app = readApplication(g, p.application) as ApplicationRecord;
    const objections = app.objections.map((o, i) => (i === p.objection ? { ...o, outcome: p.outcome, findingHash: p.findingHash, answeredAt: ctx.time } : o));
    saveApplication(ctx, { ...app, objections, steps: [...app.steps, stepOf(ctx, 'answer_objection', p.by, { objection: p.objection, outcome: p.outcome })] });
    feed(ctx, 'application', app.application);
  },
};

export const fundReview: TxType<ReviewPayload> = {
  type: 'fund.review',
  schema: closedObject(['application', 'decision', 'reason', 'by'], { application: applicationId, decision: enumString(REVIEW_DECISIONS), reason: enumString(REVIEW_REASONS), by: actor }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkReview(g, ctx.org.id, p, ctx.time));
    const app = readApplication(g, p.application) as ApplicationRecord;
    const prog = readProgramme(g, app.programme) as ProgrammeRecord;
    const notice = readNotice(g, app.notice as string) as NoticeRecord;
    raise(ctx, prog, timeStage(ctx, prog.programme, 'review', notice.endsAt), { application: app.application });
    saveApplication(ctx, {
      ...app,
      stage: p.decision === 'approve' ? 'approved' : 'refused',
      review: { decision: p.decision, reason: p.reason, at: ctx.time },
      steps: [...app.steps, stepOf(ctx, 'review', p.by, { decision: p.decision, reason: p.reason })],
    });
    feed(ctx, 'application', app.application);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// Payments: instruct, reissue, receipt, reconcile
// ---------------------------------------------------------------------------------------------------------------------

/** A new payment of an approved application: the rules decide `instructed` or `blocked`; the budget counts the former. */
function newPayment(ctx: HandlerContext, app: ApplicationRecord, prog: ProgrammeRecord, o: { payment: string; period: string; amountFen: number; accountHash: string; by: string; reissueOf: string | null; sinceMs: number }): void {
  const g = get(ctx);
  const hits = paymentRules(g, prog, app, o.amountFen, o.accountHash, ctx.time);
  const blocked = blocks(hits);
  const slow = o.reissueOf === null ? [] : timeStage(ctx, prog.programme, 'instruct', o.sinceMs);
  raise(ctx, prog, [...hits, ...slow], { application: app.application, payment: o.payment });
  const budget = readBudget(g, prog, o.period);
  saveBudget(ctx, blocked ? { ...budget, blockedCount: budget.blockedCount + 1 } : { ...budget, committedFen: budget.committedFen + o.amountFen });
  const record: PaymentRecord = {
    payment: o.payment,
    programme: prog.programme,
    application: app.application,
    person: app.person,
    period: o.period,
    amountFen: o.amountFen,
    accountHash: o.accountHash,
    treasury: prog.treasury,
    bank: prog.bank,
    status: blocked ? 'blocked' : 'instructed',
    blockedBy: hits.map((h) => h.kind).filter((k, i, all) => all.indexOf(k) === i),
    failure: null,
    reissueOf: o.reissueOf,
    reissuedAs: null,
    receipts: [],
    instructedAt: ctx.time,
    settledAt: null,
    steps: [stepOf(ctx, o.reissueOf === null ? 'instruct' : 'reissue', o.by, { period: o.period, amountFen: o.amountFen, ...(blocked ? { blocked: hits[0]!.kind } : {}) })],
  };
  ctx.state.set(paymentKey(o.payment), record);
  ctx.state.set(applicationPaymentKey(app.application, o.payment), o.period);
  ctx.state.set(periodPaymentsKey(prog.programme, o.period, o.payment), o.payment);
  // a blocked payment leaves the period open: once the cause is cleared the treasury may instruct it again
  if (!blocked) ctx.state.set(periodPaymentKey(app.application, o.period), o.payment);
  if (g(accountKey(o.accountHash)) === undefined) ctx.state.set(accountKey(o.accountHash), app.person);
  feed(ctx, 'payment', o.payment);
}

export const fundInstruct: TxType<InstructPayload> = {
  type: 'fund.instruct',
  schema: closedObject(['payment', 'application', 'period', 'amountFen', 'by'], { payment: paymentId, application: applicationId, period, amountFen, by: actor }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkInstruct(g, ctx.org.id, p, ctx.time));
    const app = readApplication(g, p.application) as ApplicationRecord;
    const prog = readProgramme(g, app.programme) as ProgrammeRecord;
    newPayment(ctx, app, prog, { payment: p.payment, period: p.period, amountFen: p.amountFen, accountHash: app.accountHash, by: p.by, reissueOf: null, sinceMs: ctx.time });
  },
};

export const fundReissue: TxType<ReissuePayload> = {
  type: 'fund.reissue',
  schema: closedObject(['payment', 'of', 'accountHash', 'by'], { payment: paymentId, of: paymentId, accountHash, by: actor }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkReissue(g, ctx.org.id, p));
    const old = readPayment(g, p.of) as PaymentRecord;
    const app = readApplication(g, old.application) as ApplicationRecord;
    const prog = readProgramme(g, old.programme) as ProgrammeRecord;
    ctx.state.set(paymentKey(old.payment), { ...old, status: 'reissued', reissuedAs: p.payment, steps: [...old.steps, stepOf(ctx, 'reissued', p.by, { as: p.payment })] } satisfies PaymentRecord);
    newPayment(ctx, app, prog, { payment: p.payment, period: old.period, amountFen: old.amountFen, accountHash: p.accountHash, by: p.by, reissueOf: old.payment, sinceMs: old.settledAt ?? old.instructedAt });
  },
};

/** How a receipt stands against the payment it names (and the programme's bank). */
function standingOf(ctx: HandlerContext, pay: PaymentRecord | undefined, p: ReceiptPayload): ReceiptStanding {
  if (pay === undefined) return 'no-instruction';
  if (ctx.org.id !== pay.bank) return 'wrong-bank';
  if (pay.status !== 'instructed' || p.amountFen !== pay.amountFen || p.accountHash !== pay.accountHash || pay.receipts.length >= FUNDS_RECEIPTS_MAX) return 'mismatch';
  return 'accepted';
}

const STANDING_ALERTS = { 'no-instruction': 'receipt-without-instruction', 'wrong-bank': 'receipt-wrong-bank', mismatch: 'receipt-mismatch' } as const;

export const fundReceipt: TxType<ReceiptPayload> = {
  type: 'fund.receipt',
  schema: closedObject(['receipt', 'payment', 'result', 'amountFen', 'accountHash', 'by'], {
    receipt: patternString(FUND_RECEIPT_ID_PATTERN), payment: paymentId, result: enumString(RECEIPT_RESULTS), reason: enumString(PAYMENT_FAILURE_REASONS), amountFen, accountHash, by: actor,
  }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkReceipt(g, p));
    const pay = readPayment(g, p.payment);
    const standing = standingOf(ctx, pay, p);
    const entry: ReceiptEntry = {
      receipt: p.receipt, org: ctx.org.id, result: p.result, reason: p.reason ?? null, amountFen: p.amountFen, accountHash: p.accountHash, standing, at: ctx.time, txHash: ctx.txHash,
    };
    ctx.state.set(receiptKey(p.receipt), { ...entry, payment: p.payment, programme: pay?.programme ?? null } satisfies ReceiptRecord);
    feed(ctx, 'receipt', p.receipt);
    if (pay === undefined) {
      raise(ctx, { programme: ORPHAN_PROGRAMME, owner: ORPHAN_PROGRAMME }, [{ kind: 'receipt-without-instruction', data: { payment: p.payment, receipt: p.receipt, amountFen: p.amountFen } }], { payment: p.payment });
      return;
    }
    const prog = readProgramme(g, pay.programme) as ProgrammeRecord;
    const step = stepOf(ctx, 'receipt', p.by, { receipt: p.receipt, result: p.result, standing, ...(p.reason === undefined ? {} : { reason: p.reason }) });
    if (standing !== 'accepted') {
      const data = { receipt: p.receipt, amountFen: p.amountFen, instructedFen: pay.amountFen, accountMatches: p.accountHash === pay.accountHash, status: pay.status, bank: pay.bank, signer: ctx.org.id };
      raise(ctx, prog, [{ kind: STANDING_ALERTS[standing], data }], { application: pay.application, payment: pay.payment });
      // the evidence is kept on the payment too (bounded), its status is unchanged
      if (pay.receipts.length < FUNDS_RECEIPTS_MAX) ctx.state.set(paymentKey(pay.payment), { ...pay, receipts: [...pay.receipts, entry], steps: [...pay.steps, step] } satisfies PaymentRecord);
      return;
    }
    raise(ctx, prog, timeStage(ctx, prog.programme, 'receipt', pay.instructedAt), { application: pay.application, payment: pay.payment });
    const budget = readBudget(g, prog, pay.period);
    if (p.result === 'paid') {
      saveBudget(ctx, { ...budget, paidFen: budget.paidFen + pay.amountFen, paidCount: budget.paidCount + 1 });
    } else {
      saveBudget(ctx, { ...budget, committedFen: budget.committedFen - pay.amountFen, failedCount: budget.failedCount + 1 });
      ctx.state.delete(periodPaymentKey(pay.application, pay.period));
    }
    const settled: PaymentRecord = {
      ...pay, status: p.result, failure: p.reason ?? null, settledAt: ctx.time, receipts: [...pay.receipts, entry], steps: [...pay.steps, step],
    };
    ctx.state.set(paymentKey(pay.payment), settled);
  },
};

export const fundReconcile: TxType<ReconcilePayload> = {
  type: 'fund.reconcile',
  schema: closedObject(['reconciliation', 'programme', 'period', 'paidCount', 'paidFen', 'failedCount', 'by'], {
    reconciliation: patternString(FUND_RECONCILIATION_ID_PATTERN), programme: code, period, paidCount: count, paidFen: integerIn(0, Number.MAX_SAFE_INTEGER), failedCount: count, by: actor,
  }),
  handle(ctx, p) {
    const g = get(ctx);
    must(checkReconcile(g, ctx.org.id, p));
    const prog = readProgramme(g, p.programme) as ProgrammeRecord;
    const b = readBudget(g, prog, p.period);
    const ledger = { paidCount: b.paidCount, paidFen: b.paidFen, failedCount: b.failedCount, instructedCount: b.paidCount + b.failedCount };
    const matches = ledger.paidCount === p.paidCount && ledger.paidFen === p.paidFen && ledger.failedCount === p.failedCount;
    const record: ReconciliationRecord = {
      reconciliation: p.reconciliation, programme: p.programme, period: p.period, paidCount: p.paidCount, paidFen: p.paidFen, failedCount: p.failedCount, by: p.by,
      org: ctx.org.id, ledger, matches, at: ctx.time, txHash: ctx.txHash,
    };
    ctx.state.set(reconciliationKey(p.reconciliation), record);
    ctx.state.set(programmeReconciliationKey(p.programme, p.period, p.reconciliation), p.reconciliation);
    if (!matches) {
      raise(ctx, prog, [{ kind: 'reconciliation-mismatch', data: { period: p.period, reportedPaidFen: p.paidFen, ledgerPaidFen: ledger.paidFen, reportedPaidCount: p.paidCount, ledgerPaidCount: ledger.paidCount, reportedFailedCount: p.failedCount, ledgerFailedCount: ledger.failedCount } }], {});
    }
    feed(ctx, 'reconciliation', p.reconciliation);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// The household register's word on a person
// ---------------------------------------------------------------------------------------------------------------------

/** The signing community records a person it holds as present, moved away or deceased (payments stop for the latter). */
export const fundPersonStatus: TxType<PersonStatusPayload> = {
  type: 'fund.person_status',
  schema: closedObject(['person', 'status', 'by'], { person: patternString(PSEUDONYM_PATTERN), status: enumString(PERSON_STATUSES), by: actor }),
  handle(ctx, p) {
    const record: PersonRecord = { person: p.person, community: ctx.org.id, status: p.status, at: ctx.time, txHash: ctx.txHash };
    ctx.state.set(personKey(ctx.org.id, p.person), record);
    feed(ctx, 'person', p.person);
  },
};

export const fundsTypes: readonly TxType<FundPayload>[] = [
  fundDefineProgramme,
  fundApply,
  fundImport,
  fundVerify,
  fundPublishNotice,
  fundObject,
  fundAnswerObjection,
  fundReview,
  fundInstruct,
  fundReissue,
  fundReceipt,
  fundReconcile,
  fundPersonStatus,
] as readonly TxType<never>[] as readonly TxType<FundPayload>[];
