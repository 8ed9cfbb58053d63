/**
 * The catalogues of the funds module (民生资金, one-card subsidy payments): recurrences, the stages an application
 * passes, the codes every step carries (verification, review, objection, payment failure, person status) and the
 * kinds of alert the ledger's rules raise. Everything a payload says is a code from here, an amount in integer fen, a
 * hash or a pseudonym — no free text and no personal data on the ledger. docs/spec/funds.md#catalogue
 */

/** How often a programme pays: one period per month, quarter or year, or once. */
export const FUND_RECURRENCES = ['monthly', 'quarterly', 'yearly', 'once'] as const;
export type FundRecurrence = (typeof FUND_RECURRENCES)[number];

/**
 * An application's stage. `applied` → `verified` (or `rejected`) by the community → `noticed` (the public notice runs,
 * objections are recorded and answered) → `approved` or `refused` by the department's review. Payments follow an
 * approved application, one per period.
 */
export const FUND_STAGES = ['applied', 'verified', 'rejected', 'noticed', 'approved', 'refused'] as const;
export type FundStage = (typeof FUND_STAGES)[number];

/** Application actions, one per transaction type `fund.<action>` on an application. */
export const FUND_APPLICATION_ACTIONS = ['apply', 'import', 'verify', 'notice', 'object', 'answer_objection', 'review'] as const;
export type FundApplicationAction = (typeof FUND_APPLICATION_ACTIONS)[number];

export const VERIFY_RESULTS = ['verified', 'rejected'] as const;
export type VerifyResult = (typeof VERIFY_RESULTS)[number];
/** Why the community rejected an application at verification. */
export const VERIFY_REJECT_REASONS = ['not-resident', 'not-eligible', 'documents-incomplete', 'duplicate', 'withdrawn'] as const;

/** What an objection says (its text stays off the ledger: only its hash is recorded). */
export const OBJECTION_GROUNDS = ['income-understated', 'not-resident', 'household-misstated', 'assets-undeclared', 'other'] as const;
export type ObjectionGround = (typeof OBJECTION_GROUNDS)[number];
export const OBJECTION_OUTCOMES = ['upheld', 'dismissed'] as const;
export type ObjectionOutcome = (typeof OBJECTION_OUTCOMES)[number];

export const REVIEW_DECISIONS = ['approve', 'refuse'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
/** Reason codes of a review: `meets-criteria` for an approval, any other for a refusal. */
export const REVIEW_REASONS = ['meets-criteria', 'income-above-threshold', 'not-eligible', 'objection-upheld', 'documents-insufficient', 'excluded-programme'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/**
 * A payment's status: `blocked` by a rule at instruction (nothing goes to the bank), `instructed` (waits for the
 * bank's receipt), `paid`, `failed` (with the bank's reason), `reissued` (a failed payment the treasury instructed
 * again under a new id).
 */
export const PAYMENT_STATUSES = ['blocked', 'instructed', 'paid', 'failed', 'reissued'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const RECEIPT_RESULTS = ['paid', 'failed'] as const;
export type ReceiptResult = (typeof RECEIPT_RESULTS)[number];
/** Why a bank could not pay. */
export const PAYMENT_FAILURE_REASONS = ['account-closed', 'account-frozen', 'name-mismatch', 'invalid-account', 'bank-error'] as const;
export type PaymentFailureReason = (typeof PAYMENT_FAILURE_REASONS)[number];
/**
 * How a receipt was recorded: `accepted` (it settled its payment), or kept only as evidence — `mismatch` (amount or
 * account differ from the instruction, or the payment was not waiting for a receipt), `no-instruction` (no such
 * payment), `wrong-bank` (signed by an organisation that is not the programme's paying bank).
 */
export const RECEIPT_STANDINGS = ['accepted', 'mismatch', 'no-instruction', 'wrong-bank'] as const;
export type ReceiptStanding = (typeof RECEIPT_STANDINGS)[number];

/** What the community records about a person (from its household register): payments stop for the two last. */
export const PERSON_STATUSES = ['present', 'moved-away', 'deceased'] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];

/**
 * The rules the handlers apply (docs/spec/funds.md#rules); each raises an alert with this kind. Those marked
 * blocking in ALERT_BLOCKS stop the payment they are found on.
 */
export const ALERT_KINDS = [
  'credential-revoked',
  'credential-suspended',
  'credential-expired',
  'excluded-programmes',
  'amount-above-standard',
  'shared-account',
  'person-moved-away',
  'person-deceased',
  'receipt-mismatch',
  'receipt-without-instruction',
  'receipt-wrong-bank',
  'reconciliation-mismatch',
  'stage-slow',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The kinds that block a payment at instruction. */
export const BLOCKING_ALERTS = [
  'credential-revoked',
  'credential-suspended',
  'credential-expired',
  'excluded-programmes',
  'amount-above-standard',
  'shared-account',
  'person-moved-away',
  'person-deceased',
] as const satisfies readonly AlertKind[];

/** The stages whose duration the `stage-slow` rule watches: from the step before to this one. */
export const TIMED_STAGES = ['verify', 'notice', 'review', 'instruct', 'receipt'] as const;
export type TimedStage = (typeof TIMED_STAGES)[number];

const has = <T extends string>(list: readonly T[], value: unknown): value is T => (list as readonly unknown[]).includes(value);
export const isFundStage = (v: unknown): v is FundStage => has(FUND_STAGES, v);
export const isAlertKind = (v: unknown): v is AlertKind => has(ALERT_KINDS, v);
export const isBlockingAlert = (v: unknown): boolean => has(BLOCKING_ALERTS, v);
