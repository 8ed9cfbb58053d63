/**
 * What the funds routes take (params, queries, bodies) and what the public routes show, as JSON schemas built from
 * the core's patterns and catalogues. Money is integer fen; texts are bounded; no route takes an ID number.
 */
import {
  ALERT_KINDS,
  CREDENTIAL_TYPE_IDS,
  FUND_APPLICATION_ID_PATTERN,
  FUND_CODE_PATTERN,
  FUND_PAYMENT_ID_PATTERN,
  FUND_PERIOD_PATTERN,
  FUND_RECURRENCES,
  FUNDS_AMOUNT_FEN_MAX,
  FUNDS_BUDGET_FEN_MAX,
  FUNDS_CATEGORIES_MAX,
  FUNDS_CLAIMS_MAX,
  FUNDS_CODE_CHARS_MAX,
  FUNDS_COMMUNITIES_MAX,
  FUNDS_ELIGIBILITY_MAX,
  FUNDS_EXCLUDES_MAX,
  FUNDS_NOTICE_APPLICATIONS_MAX,
  FUNDS_OBJECTIONS_MAX,
  IDENTITY_STATUS_LIST_ENTRIES_MAX,
  IDENTITY_TIME_MS_MAX,
  OBJECTION_GROUNDS,
  OBJECTION_OUTCOMES,
  PAYMENT_FAILURE_REASONS,
  PERSON_STATUSES,
  RECEIPT_RESULTS,
  REVIEW_DECISIONS,
  REVIEW_REASONS,
  VERIFY_REJECT_REASONS,
  VERIFY_RESULTS,
} from '@machi/core';
import { ref } from '../../api/shared-schemas.js';
import { FUNDS_TEXT_CHARS_MAX } from './store.js';

const code = { type: 'string', minLength: 1, maxLength: FUNDS_CODE_CHARS_MAX, pattern: FUND_CODE_PATTERN } as const;
const en = <const T extends readonly string[]>(values: T) => ({ type: 'string', enum: values }) as const;
const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const;
const obj = <const R extends readonly string[], const P extends Record<string, unknown>>(required: R, properties: P) =>
  ({ type: 'object', additionalProperties: false, required, properties }) as const;
const text = { type: 'string', minLength: 1, maxLength: FUNDS_TEXT_CHARS_MAX } as const;
/** A bank account number: digits only (hashed on arrival; never stored in clear). */
const accountNumber = { type: 'string', pattern: '^[0-9]{8,30}$' } as const;
/** Integer fen (a number with a fraction is refused: 400). */
const fen = int(1, FUNDS_AMOUNT_FEN_MAX);

export const programmeParam = obj(['programme'], { programme: code });
export const applicationParam = obj(['application'], { application: { type: 'string', pattern: FUND_APPLICATION_ID_PATTERN } });
export const objectionParam = obj(['application', 'objection'], { application: { type: 'string', pattern: FUND_APPLICATION_ID_PATTERN }, objection: int(0, FUNDS_OBJECTIONS_MAX - 1) });
export const paymentParam = obj(['payment'], { payment: { type: 'string', pattern: FUND_PAYMENT_ID_PATTERN } });
export const subjectParam = obj(['subject'], { subject: ref('SubjectId') });

export const programmeBody = obj(['recurrence', 'eligibility', 'categories', 'budgetFen', 'excludes', 'communities', 'reviewer', 'treasury', 'bank'], {
  recurrence: en(FUND_RECURRENCES),
  eligibility: {
    type: 'array', minItems: 1, maxItems: FUNDS_ELIGIBILITY_MAX,
    items: obj(['type', 'claims'], {
      type: en(CREDENTIAL_TYPE_IDS),
      // a type list, not anyOf: the API coerces types, and only a value of none of the listed types is coerced (1 stays 1)
      claims: { type: 'object', maxProperties: FUNDS_CLAIMS_MAX, additionalProperties: { type: ['boolean', 'integer', 'string'], maxLength: FUNDS_CODE_CHARS_MAX } },
    }),
  },
  categories: { type: 'array', minItems: 1, maxItems: FUNDS_CATEGORIES_MAX, items: obj(['category', 'amountFen'], { category: code, amountFen: fen }) },
  budgetFen: int(1, FUNDS_BUDGET_FEN_MAX),
  excludes: { type: 'array', maxItems: FUNDS_EXCLUDES_MAX, uniqueItems: true, items: code },
  communities: { type: 'array', minItems: 1, maxItems: FUNDS_COMMUNITIES_MAX, uniqueItems: true, items: ref('OrgId') },
  reviewer: ref('OrgId'),
  treasury: ref('OrgId'),
  bank: ref('OrgId'),
});

const applyProperties = {
  programme: code,
  subject: ref('SubjectId'),
  name: { type: 'string', minLength: 1, maxLength: 64 },
  building: code,
  category: code,
  accountNumber,
  credential: obj(['type', 'issuer', 'statusIndex', 'expiresAt'], {
    type: en(CREDENTIAL_TYPE_IDS), issuer: ref('OrgId'), statusIndex: int(0, IDENTITY_STATUS_LIST_ENTRIES_MAX - 1), expiresAt: int(0, IDENTITY_TIME_MS_MAX),
  }),
  /** the desk session in which the resident presented the credential (instead of `credential`) */
  session: ref('SessionId'),
} as const;
const applyRequired = ['programme', 'subject', 'name', 'building', 'category', 'accountNumber'] as const;
export const applyBody = obj(applyRequired, applyProperties);
export const importBody = obj([...applyRequired, 'approvedOn'], { ...applyProperties, approvedOn: int(0, Number.MAX_SAFE_INTEGER) });
export const verifyBody = obj(['result'], { result: en(VERIFY_RESULTS), reason: en(VERIFY_REJECT_REASONS) });
export const noticeBody = obj(['programme', 'applications'], {
  programme: code,
  applications: { type: 'array', minItems: 1, maxItems: FUNDS_NOTICE_APPLICATIONS_MAX, uniqueItems: true, items: { type: 'string', pattern: FUND_APPLICATION_ID_PATTERN } },
});
export const objectionBody = obj(['ground', 'text'], { ground: en(OBJECTION_GROUNDS), text });
export const answerBody = obj(['outcome', 'finding'], { outcome: en(OBJECTION_OUTCOMES), finding: text });
export const reviewBody = obj(['decision', 'reason'], { decision: en(REVIEW_DECISIONS), reason: en(REVIEW_REASONS) });
export const instructBody = obj(['application', 'period', 'amountFen'], { application: { type: 'string', pattern: FUND_APPLICATION_ID_PATTERN }, period: { type: 'string', pattern: FUND_PERIOD_PATTERN }, amountFen: fen });
export const reissueBody = obj([], { accountNumber });
export const receiptBody = obj(['result', 'amountFen', 'accountNumber'], { result: en(RECEIPT_RESULTS), reason: en(PAYMENT_FAILURE_REASONS), amountFen: fen, accountNumber });
export const reconcileBody = obj(['programme', 'period', 'paidCount', 'paidFen', 'failedCount'], {
  programme: code, period: { type: 'string', pattern: FUND_PERIOD_PATTERN }, paidCount: int(0, Number.MAX_SAFE_INTEGER), paidFen: int(0, Number.MAX_SAFE_INTEGER), failedCount: int(0, Number.MAX_SAFE_INTEGER),
});
export const personStatusBody = obj(['status'], { status: en(PERSON_STATUSES) });
export const alertsQuery = obj([], { programme: { type: 'string', maxLength: FUNDS_CODE_CHARS_MAX }, kind: en(ALERT_KINDS) });
export const feedQuery = obj([], { since: int(0, Number.MAX_SAFE_INTEGER), limit: int(1, 200) });

export const stepResultSchema = obj(['id', 'txHash', 'height'], { id: { type: 'string' }, txHash: { type: 'string' }, height: { type: 'integer' } });
/** Views for staff and regulators: records as the ledger holds them (codes, pseudonyms, hashes), with proofs. */
export const recordSchema = { type: 'object', additionalProperties: true } as const;
export const listOf = (items: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', items } } }) as const;

// ---- what the public sees: listed field by field, so nothing else can leave ----

export const publicTotalsSchema = obj(['programme', 'recurrence', 'categories', 'budgetFenPerPeriod', 'beneficiaries', 'applications', 'paidFen', 'paidCount', 'periods', 'alerts'], {
  programme: { type: 'string' },
  recurrence: { type: 'string' },
  categories: { type: 'array', items: obj(['category', 'amountFen'], { category: { type: 'string' }, amountFen: { type: 'integer' } }) },
  budgetFenPerPeriod: { type: 'integer' },
  beneficiaries: { type: 'integer' },
  applications: { type: 'integer' },
  paidFen: { type: 'integer' },
  paidCount: { type: 'integer' },
  periods: { type: 'array', items: obj(['period', 'budgetFen', 'paidFen', 'paidCount'], { period: { type: 'string' }, budgetFen: { type: 'integer' }, paidFen: { type: 'integer' }, paidCount: { type: 'integer' } }) },
  alerts: { type: 'integer' },
});

export const noticeLineSchema = obj(['name', 'building', 'category', 'amountFen'], { name: { type: 'string' }, building: { type: 'string' }, category: { type: 'string' }, amountFen: { type: 'integer' } });
export const publicNoticesSchema = listOf(obj(['notice', 'programme', 'community', 'publishedAt', 'endsAt', 'listHash', 'lines', 'txHash'], {
  notice: { type: 'string' }, programme: { type: 'string' }, community: { type: 'string' }, publishedAt: { type: 'integer' }, endsAt: { type: 'integer' }, listHash: { type: 'string' },
  lines: { anyOf: [{ type: 'array', items: noticeLineSchema }, { type: 'null' }] }, txHash: { type: 'string' },
}));
export const publicProgrammesSchema = listOf(obj(['programme', 'recurrence', 'owner'], { programme: { type: 'string' }, recurrence: { type: 'string' }, owner: { type: 'string' } }));
/** The organisations this node signs funds steps for (its own and the members whose keys it hosts): offered at sign-in. */
export const signersSchema = listOf({ type: 'string' });
