/**
 * Payloads, state records, limits, id patterns and state keys of the funds module. docs/spec/funds.md
 *
 * Payloads are type aliases (not interfaces) so that they are assignable to the registry's generic payload record.
 * Money is integer fen (分) everywhere; a person is a per-context pseudonym `psn_…` the community derives for the
 * context `funds` (rule `ledger.context-pseudonyms`), never a subject id another module sees.
 */
import type { CredentialTypeId } from '../identity/catalogue.js';
import type {
  AlertKind,
  FundRecurrence,
  FundStage,
  ObjectionGround,
  ObjectionOutcome,
  PaymentFailureReason,
  PaymentStatus,
  PersonStatus,
  ReceiptResult,
  ReceiptStanding,
  ReviewDecision,
  ReviewReason,
  TimedStage,
  VerifyResult,
} from './catalogue.js';

// ---------------------------------------------------------------------------------------------------------------------
// Limits (named, unit last)
// ---------------------------------------------------------------------------------------------------------------------

/** Largest amount of one payment or category standard, fen (¥1,000,000). */
export const FUNDS_AMOUNT_FEN_MAX = 100_000_000;
/** Largest budget of one programme period, fen (¥10,000,000,000: well inside the safe integers when summed). */
export const FUNDS_BUDGET_FEN_MAX = 1_000_000_000_000;
/** Categories of one programme. */
export const FUNDS_CATEGORIES_MAX = 16;
/** Credential types one programme's eligibility names. */
export const FUNDS_ELIGIBILITY_MAX = 4;
/** Claims one eligibility requirement names. */
export const FUNDS_CLAIMS_MAX = 8;
/** Programmes one programme excludes. */
export const FUNDS_EXCLUDES_MAX = 16;
/** Community organisations that apply for one programme. */
export const FUNDS_COMMUNITIES_MAX = 16;
/** Applications one public notice lists. */
export const FUNDS_NOTICE_APPLICATIONS_MAX = 200;
/** Applications one person may have across programmes. */
export const FUNDS_PERSON_APPLICATIONS_MAX = 32;
/** Objections one application may carry. */
export const FUNDS_OBJECTIONS_MAX = 20;
/** Steps one application or payment may record. */
export const FUNDS_STEPS_MAX = 100;
/** Receipts one payment may carry (the accepted one and evidence of mismatching ones). */
export const FUNDS_RECEIPTS_MAX = 20;
/** Codes (programme, category, building, claim values). */
export const FUNDS_CODE_CHARS_MAX = 32;
/** The public notice runs this many working days (Monday to Friday, China time). */
export const FUNDS_NOTICE_WORKING_DAYS = 7;
/** China Standard Time (UTC+8): the calendar working days are counted in. */
export const FUNDS_TZ_OFFSET_MS = 8 * 60 * 60 * 1000;
export const FUNDS_DAY_MS = 24 * 60 * 60 * 1000;
/**
 * `stage-slow`: a stage is far slower than usual when it took more than FUNDS_SLOW_FACTOR times the programme's
 * running average for that stage (once FUNDS_SLOW_SAMPLES_MIN were seen, and at least FUNDS_STAGE_SLOW_MS_MIN), or more
 * than FUNDS_STAGE_MS_MAX in any case.
 */
export const FUNDS_SLOW_FACTOR = 3;
export const FUNDS_SLOW_SAMPLES_MIN = 5;
export const FUNDS_STAGE_MS_MAX = 60 * FUNDS_DAY_MS;
/** Never slow below this: a stage of minutes is not a risk, however quick the others were. */
export const FUNDS_STAGE_SLOW_MS_MIN = FUNDS_DAY_MS;
/** Most entries a query reads with one prefix scan. */
export const FUNDS_QUERY_ITEMS_MAX = 5000;

// ---------------------------------------------------------------------------------------------------------------------
// Id patterns
// ---------------------------------------------------------------------------------------------------------------------

/** A programme, category or building code: lowercase ASCII starting with a letter (no ID or phone number fits). */
export const FUND_CODE_PATTERN = '^[a-z][a-z0-9-]*$';
export const FUND_APPLICATION_ID_PATTERN = '^fa_[0-9a-f]{32}$';
export const FUND_NOTICE_ID_PATTERN = '^fn_[0-9a-f]{32}$';
export const FUND_PAYMENT_ID_PATTERN = '^fp_[0-9a-f]{32}$';
export const FUND_RECEIPT_ID_PATTERN = '^fr_[0-9a-f]{32}$';
export const FUND_RECONCILIATION_ID_PATTERN = '^fc_[0-9a-f]{32}$';
/** A period: `2026-03` (monthly), `2026-q1` (quarterly), `2026` (yearly) or `once`. */
export const FUND_PERIOD_PATTERN = '^([0-9]{4}(-(0[1-9]|1[0-2]|q[1-4]))?|once)$';
/**
 * A bank account as the ledger knows it: SHA-256 hex of `machi-funds-account\n<chain id>\n<account number>` (the
 * chain id is the per-chain salt: the same account hashes differently on another chain). Never the number in clear.
 */
export const ACCOUNT_HASH_PATTERN = '^[0-9a-f]{64}$';

// ---------------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------------

/** A claim value an eligibility rule requires: booleans, enum codes and integers only (no names, no ID numbers). */
export type FundClaimValue = boolean | string | number;

export type EligibilityRule = {
  type: CredentialTypeId;
  /** claim name → the value it must have (the desk checks it on the presentation) */
  claims: Record<string, FundClaimValue>;
};

export type FundCategory = {
  category: string;
  /** the standard amount per period for this category, fen */
  amountFen: number;
};

export type DefineProgrammePayload = {
  programme: string;
  recurrence: FundRecurrence;
  /** any of these credentials makes a person eligible (with its required claims) */
  eligibility: EligibilityRule[];
  categories: FundCategory[];
  /** budget of each period, fen */
  budgetFen: number;
  /** programmes a person may not draw at the same time as this one (the rule applies both ways) */
  excludes: string[];
  /** the organisations of each part: community desks that apply, the reviewing department, the treasury, the paying bank */
  communities: string[];
  reviewer: string;
  treasury: string;
  bank: string;
  by: string;
};

export type EligibilityRef = {
  type: CredentialTypeId;
  /** the credential's status-list entry: its issuer and index (identity/status/<issuer>/<index>) */
  issuer: string;
  statusIndex: number;
  /** the credential's expiry, ms (read from the verified presentation) */
  expiresAt: number;
};

export type ApplyPayload = {
  application: string;
  programme: string;
  person: string;
  category: string;
  building: string;
  eligibility: EligibilityRef;
  accountHash: string;
  by: string;
};

/**
 * `fund.import`: a beneficiary approved before the programme came onto the ledger (the existing roll, 存量), recorded
 * by the programme's reviewer as approved on `approvedOn`; the payment rules apply to them like to any other.
 */
export type ImportPayload = ApplyPayload & { approvedOn: number };

export type VerifyApplicationPayload = {
  application: string;
  result: VerifyResult;
  reason?: string;
  by: string;
};

export type PublishNoticePayload = {
  notice: string;
  programme: string;
  applications: string[];
  /** SHA-256 of the masked list as published (off the ledger) */
  listHash: string;
  by: string;
};

export type ObjectPayload = {
  application: string;
  ground: ObjectionGround;
  /** SHA-256 of the objection as received (off the ledger) */
  contentHash: string;
  by: string;
};

export type AnswerObjectionPayload = {
  application: string;
  objection: number;
  outcome: ObjectionOutcome;
  /** SHA-256 of the finding (off the ledger) */
  findingHash: string;
  by: string;
};

export type ReviewPayload = {
  application: string;
  decision: ReviewDecision;
  reason: ReviewReason;
  by: string;
};

export type InstructPayload = {
  payment: string;
  application: string;
  period: string;
  amountFen: number;
  by: string;
};

export type ReissuePayload = {
  payment: string;
  /** the failed payment it replaces */
  of: string;
  /** a new account (the person gave another), or the same */
  accountHash: string;
  by: string;
};

export type ReceiptPayload = {
  receipt: string;
  payment: string;
  result: ReceiptResult;
  reason?: PaymentFailureReason;
  amountFen: number;
  accountHash: string;
  by: string;
};

export type ReconcilePayload = {
  reconciliation: string;
  programme: string;
  period: string;
  /** the bank's own totals for the period: payments paid and their sum, payments failed */
  paidCount: number;
  paidFen: number;
  failedCount: number;
  by: string;
};

export type PersonStatusPayload = {
  person: string;
  status: PersonStatus;
  by: string;
};

export type FundPayload =
  | DefineProgrammePayload
  | ApplyPayload
  | ImportPayload
  | VerifyApplicationPayload
  | PublishNoticePayload
  | ObjectPayload
  | AnswerObjectionPayload
  | ReviewPayload
  | InstructPayload
  | ReissuePayload
  | ReceiptPayload
  | ReconcilePayload
  | PersonStatusPayload;

// ---------------------------------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------------------------------

/** `funds/programme/<programme>` */
export type ProgrammeRecord = Omit<DefineProgrammePayload, 'by'> & {
  /** the organisation that defined it (civil affairs, the street office): only it redefines it */
  owner: string;
  by: string;
  at: number;
  txHash: string;
};

/** One signed step of an application or a payment: who (organisation, pseudonym) did what, when, in which transaction. */
export type FundStep = {
  action: string;
  at: number;
  org: string;
  actor: string;
  txHash: string;
  /** codes of the step (result, reason, outcome, decision, ground, notice, objection index, receipt, …) */
  detail?: Record<string, string | number>;
};

export type Objection = {
  ground: ObjectionGround;
  contentHash: string;
  receivedAt: number;
  outcome: ObjectionOutcome | null;
  findingHash: string | null;
  answeredAt: number | null;
};

/** `funds/application/<application>` */
export type ApplicationRecord = {
  application: string;
  programme: string;
  /** the community organisation that applied for the person (and holds the pseudonym) */
  community: string;
  person: string;
  category: string;
  building: string;
  eligibility: EligibilityRef;
  accountHash: string;
  stage: FundStage;
  notice: string | null;
  objections: Objection[];
  review: { decision: ReviewDecision; reason: ReviewReason; at: number } | null;
  appliedAt: number;
  steps: FundStep[];
};

/** `funds/notice/<notice>` */
export type NoticeRecord = {
  notice: string;
  programme: string;
  community: string;
  applications: string[];
  listHash: string;
  publishedAt: number;
  /** the end of the 7th working day (China time) after publication, ms */
  endsAt: number;
  by: string;
  txHash: string;
};

export type ReceiptEntry = {
  receipt: string;
  org: string;
  result: ReceiptResult;
  reason: PaymentFailureReason | null;
  amountFen: number;
  accountHash: string;
  standing: ReceiptStanding;
  at: number;
  txHash: string;
};

/** `funds/payment/<payment>` */
export type PaymentRecord = {
  payment: string;
  programme: string;
  application: string;
  person: string;
  period: string;
  amountFen: number;
  accountHash: string;
  treasury: string;
  bank: string;
  status: PaymentStatus;
  /** blocked: the rules that stopped it */
  blockedBy: AlertKind[];
  failure: PaymentFailureReason | null;
  reissueOf: string | null;
  reissuedAs: string | null;
  receipts: ReceiptEntry[];
  instructedAt: number;
  settledAt: number | null;
  steps: FundStep[];
};

/** `funds/receipt/<receipt>`: every receipt, whatever its standing (the evidence of a refused one stays). */
export type ReceiptRecord = ReceiptEntry & { payment: string; programme: string | null };

/** `funds/budget/<programme>/<period>` */
export type BudgetRecord = {
  programme: string;
  period: string;
  budgetFen: number;
  /** instructed and not failed: what the period has committed */
  committedFen: number;
  paidFen: number;
  paidCount: number;
  failedCount: number;
  blockedCount: number;
};

/** `funds/reconciliation/<reconciliation>` */
export type ReconciliationRecord = ReconcilePayload & {
  org: string;
  /** the ledger's totals for the period at the time */
  ledger: { paidCount: number; paidFen: number; failedCount: number; instructedCount: number };
  matches: boolean;
  at: number;
  txHash: string;
};

/** `funds/person/<community>/<person>` */
export type PersonRecord = {
  person: string;
  community: string;
  status: PersonStatus;
  at: number;
  txHash: string;
};

/** `funds/alert/<programme>/<time>/<txHash>/<n>` */
export type AlertRecord = {
  kind: AlertKind;
  programme: string;
  /** the programme's owner: it sees the alert with the regulator */
  owner: string;
  application: string | null;
  payment: string | null;
  /** the data behind it: ids, codes, amounts (no personal data) */
  data: Record<string, string | number | boolean>;
  at: number;
  org: string;
  txHash: string;
};

/** `funds/stage-stats/<programme>/<stage>`: the running average the `stage-slow` rule compares with. */
export type StageStats = { count: number; totalMs: number };

// ---------------------------------------------------------------------------------------------------------------------
// State keys (docs/spec/funds.md#state-keys)
// ---------------------------------------------------------------------------------------------------------------------

export const FUNDS_PREFIX = 'funds/';
/** Block times as 15 digits, so keys sort by time. */
export const fundsTimeCode = (ms: number): string => String(ms).padStart(15, '0');
export const programmeKey = (programme: string): string => `funds/programme/${programme}`;
export const PROGRAMMES_PREFIX = 'funds/programme/';
export const applicationKey = (application: string): string => `funds/application/${application}`;
/** applications of a programme; value: the stage */
export const programmeApplicationsPrefix = (programme: string): string => `funds/by-programme/${programme}/`;
export const programmeApplicationKey = (programme: string, application: string): string => `${programmeApplicationsPrefix(programme)}${application}`;
/** a person's applications; value: the application ids, oldest first (handlers read it: they cannot scan) */
export const personApplicationsKey = (person: string): string => `funds/by-person/${person}`;
/** the person an account hash pays; value: the pseudonym (the first to use it) */
export const accountKey = (accountHash: string): string => `funds/account/${accountHash}`;
export const noticeKey = (notice: string): string => `funds/notice/${notice}`;
/** notices of a programme by time; value: the notice id */
export const programmeNoticesPrefix = (programme: string): string => `funds/notices/${programme}/`;
export const programmeNoticeKey = (programme: string, at: number, notice: string): string => `${programmeNoticesPrefix(programme)}${fundsTimeCode(at)}/${notice}`;
export const paymentKey = (payment: string): string => `funds/payment/${payment}`;
/** payments of an application; value: the period */
export const applicationPaymentsPrefix = (application: string): string => `funds/payments-of/${application}/`;
export const applicationPaymentKey = (application: string, payment: string): string => `${applicationPaymentsPrefix(application)}${payment}`;
/** the live payment of an application's period (not blocked, not failed); value: the payment id */
export const periodPaymentKey = (application: string, period: string): string => `funds/period-payment/${application}/${period}`;
/** payments of a programme's period; value: the payment id */
export const periodPaymentsPrefix = (programme: string, period: string): string => `funds/period-payments/${programme}/${period}/`;
export const periodPaymentsKey = (programme: string, period: string, payment: string): string => `${periodPaymentsPrefix(programme, period)}${payment}`;
export const receiptKey = (receipt: string): string => `funds/receipt/${receipt}`;
export const budgetKey = (programme: string, period: string): string => `funds/budget/${programme}/${period}`;
export const budgetPrefix = (programme: string): string => `funds/budget/${programme}/`;
export const reconciliationKey = (reconciliation: string): string => `funds/reconciliation/${reconciliation}`;
export const programmeReconciliationsPrefix = (programme: string): string => `funds/reconciliations/${programme}/`;
export const programmeReconciliationKey = (programme: string, period: string, id: string): string => `${programmeReconciliationsPrefix(programme)}${period}/${id}`;
export const personKey = (community: string, person: string): string => `funds/person/${community}/${person}`;
export const ALERTS_PREFIX = 'funds/alert/';
export const programmeAlertsPrefix = (programme: string): string => `${ALERTS_PREFIX}${programme}/`;
export const fundAlertKey = (programme: string, at: number, txHash: string, n: number): string => `${programmeAlertsPrefix(programme)}${fundsTimeCode(at)}/${txHash}/${n}`;
/** receipts that named no payment of the ledger (no programme to file them under) */
export const ORPHAN_PROGRAMME = '-';
export const stageStatsKey = (programme: string, stage: TimedStage): string => `funds/stage-stats/${programme}/${stage}`;
/** every step of the module in order, for the regulators' live feed; value: {kind, id} */
export const FEED_PREFIX = 'funds/feed/';
export const feedKey = (at: number, txHash: string): string => `${FEED_PREFIX}${fundsTimeCode(at)}/${txHash}`;
