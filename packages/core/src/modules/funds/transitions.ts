/**
 * The funds stage machine and rules as pure functions over a reader of parsed state values: the API calls them
 * before anything is recorded (answering 400 / 403 / 404 / 409 with nothing written) and the handlers call the same
 * functions (rejecting), so the two cannot disagree. The risk rules (`paymentRules`, `applicationRules`,
 * `slowStage`) never refuse: they return the alerts to record and whether the payment is blocked.
 * docs/spec/funds.md#stage-machine and #rules
 */
import type { Role } from '../../foundation/roles.js';
import { hasOrg, type OrgIds } from '../../foundation/state.js';
import { CREDENTIAL_TYPES, type CredentialTypeId } from '../identity/catalogue.js';
import { STATUS_VALUES, statusEntryKey } from '../identity/types.js';
import { BLOCKING_ALERTS, type AlertKind, type FundRecurrence, type TimedStage } from './catalogue.js';
import {
  FUNDS_DAY_MS,
  FUNDS_NOTICE_WORKING_DAYS,
  FUNDS_OBJECTIONS_MAX,
  FUNDS_PERSON_APPLICATIONS_MAX,
  FUNDS_SLOW_FACTOR,
  FUNDS_SLOW_SAMPLES_MIN,
  FUNDS_STAGE_MS_MAX,
  FUNDS_STAGE_SLOW_MS_MIN,
  FUNDS_STEPS_MAX,
  FUNDS_TZ_OFFSET_MS,
  accountKey,
  applicationKey,
  budgetKey,
  noticeKey,
  paymentKey,
  periodPaymentKey,
  personApplicationsKey,
  personKey,
  programmeKey,
  receiptKey,
  reconciliationKey,
  stageStatsKey,
  type AnswerObjectionPayload,
  type ApplicationRecord,
  type ApplyPayload,
  type BudgetRecord,
  type DefineProgrammePayload,
  type InstructPayload,
  type NoticeRecord,
  type ObjectPayload,
  type PaymentRecord,
  type PersonRecord,
  type ProgrammeRecord,
  type PublishNoticePayload,
  type ReceiptPayload,
  type ReconcilePayload,
  type ReissuePayload,
  type ReviewPayload,
  type StageStats,
  type VerifyApplicationPayload,
} from './types.js';

/** A parsed state value by key (the handlers' `ctx.state.get`; the node parses its committed reads). */
export type FundsGet = (key: string) => unknown;

export type FundCheck = { ok: true } | { ok: false; status: 400 | 403 | 404 | 409; reason: string };
const OK: FundCheck = { ok: true };
const no = (status: 400 | 403 | 404 | 409, reason: string): FundCheck => ({ ok: false, status, reason });

/** Roles of the staff who act in each part (the node's route classes use them). */
export const PROGRAMME_OWNER_ROLES = ['official'] as const satisfies readonly Role[];
export const COMMUNITY_ROLES = ['official', 'grid-worker'] as const satisfies readonly Role[];
export const REVIEWER_ROLES = ['official'] as const satisfies readonly Role[];
export const TREASURY_ROLES = ['official'] as const satisfies readonly Role[];
export const BANK_ROLES = ['official'] as const satisfies readonly Role[];

export const readProgramme = (get: FundsGet, id: string): ProgrammeRecord | undefined => get(programmeKey(id)) as ProgrammeRecord | undefined;
export const readApplication = (get: FundsGet, id: string): ApplicationRecord | undefined => get(applicationKey(id)) as ApplicationRecord | undefined;
export const readNotice = (get: FundsGet, id: string): NoticeRecord | undefined => get(noticeKey(id)) as NoticeRecord | undefined;
export const readPayment = (get: FundsGet, id: string): PaymentRecord | undefined => get(paymentKey(id)) as PaymentRecord | undefined;
export const readBudget = (get: FundsGet, programme: ProgrammeRecord, period: string): BudgetRecord =>
  (get(budgetKey(programme.programme, period)) as BudgetRecord | undefined) ?? {
    programme: programme.programme, period, budgetFen: programme.budgetFen, committedFen: 0, paidFen: 0, paidCount: 0, failedCount: 0, blockedCount: 0,
  };

// ---------------------------------------------------------------------------------------------------------------------
// Calendar: working days and periods (China time; public holidays are not modelled)
// ---------------------------------------------------------------------------------------------------------------------

/** 0 = Sunday … 6 = Saturday, in China time, of the day starting at local midnight `localDayMs` (1970-01-01 was a Thursday). */
const weekday = (localDayMs: number): number => (Math.floor(localDayMs / FUNDS_DAY_MS) + 4) % 7;

/**
 * When a notice published at `publishedAt` ends: the end of the FUNDS_NOTICE_WORKING_DAYS-th working day (Monday to
 * Friday, China time) after the day of publication.
 */
export function noticeEndsAt(publishedAt: number): number {
  let day = Math.floor((publishedAt + FUNDS_TZ_OFFSET_MS) / FUNDS_DAY_MS) * FUNDS_DAY_MS;
  for (let n = 0; n < FUNDS_NOTICE_WORKING_DAYS;) {
    day += FUNDS_DAY_MS;
    const wd = weekday(day);
    if (wd >= 1 && wd <= 5) n += 1;
  }
  return day + FUNDS_DAY_MS - FUNDS_TZ_OFFSET_MS;
}

/** The first instant (ms) of a period of `recurrence`, or undefined when the code is not such a period. */
export function periodStart(recurrence: FundRecurrence, period: string): number | undefined {
  if (recurrence === 'once') return period === 'once' ? 0 : undefined;
  const m = /^([0-9]{4})(?:-(0[1-9]|1[0-2])|-q([1-4]))?$/.exec(period);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = m[2] !== undefined ? Number(m[2]) - 1 : m[3] !== undefined ? (Number(m[3]) - 1) * 3 : 0;
  const kind: FundRecurrence = m[2] !== undefined ? 'monthly' : m[3] !== undefined ? 'quarterly' : 'yearly';
  return kind === recurrence ? Date.UTC(year, month, 1) - FUNDS_TZ_OFFSET_MS : undefined;
}

/** The period of `recurrence` that `ms` falls in. */
export function periodOf(recurrence: FundRecurrence, ms: number): string {
  if (recurrence === 'once') return 'once';
  const d = new Date(ms + FUNDS_TZ_OFFSET_MS);
  const y = d.getUTCFullYear();
  if (recurrence === 'yearly') return String(y);
  if (recurrence === 'quarterly') return `${y}-q${Math.floor(d.getUTCMonth() / 3) + 1}`;
  return `${y}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Stage checks (refusals: nothing is recorded)
// ---------------------------------------------------------------------------------------------------------------------

const firstRepeat = (values: readonly string[]): string | undefined => values.find((v, i) => values.indexOf(v) !== i);

export function checkDefineProgramme(get: FundsGet, signer: string, p: DefineProgrammePayload, orgIds: OrgIds): FundCheck {
  const existing = readProgramme(get, p.programme);
  if (existing !== undefined && existing.owner !== signer) return no(403, `programme ${p.programme} belongs to ${existing.owner}`);
  const stranger = [...p.communities, p.reviewer, p.treasury, p.bank].find((o) => !hasOrg(orgIds, o));
  if (stranger !== undefined) return no(400, `${stranger} is not an organisation of this chain`);
  const twice = firstRepeat(p.communities) ?? firstRepeat(p.categories.map((c) => c.category)) ?? firstRepeat(p.excludes) ?? firstRepeat(p.eligibility.map((e) => e.type));
  if (twice !== undefined) return no(400, `${twice} is named twice`);
  if (p.excludes.includes(p.programme)) return no(400, 'a programme cannot exclude itself');
  for (const rule of p.eligibility) {
    const claims = CREDENTIAL_TYPES[rule.type].claims as Record<string, { value: { kind: string; values?: readonly string[]; min?: number; max?: number } }>;
    for (const [name, value] of Object.entries(rule.claims)) {
      const claim = claims[name];
      if (claim === undefined) return no(400, `${rule.type} has no claim ${name}`);
      const k = claim.value;
      const fits = k.kind === 'boolean' ? typeof value === 'boolean'
        : k.kind === 'enum' ? typeof value === 'string' && (k.values ?? []).includes(value)
          : k.kind === 'integer' ? Number.isInteger(value) && (value as number) >= (k.min ?? 0) && (value as number) <= (k.max ?? Number.MAX_SAFE_INTEGER)
            : false; // names, ID numbers, dates and free text are never a programme's rule
      if (!fits) return no(400, `claim ${name} of ${rule.type} cannot require ${JSON.stringify(value)}`);
    }
  }
  if (p.categories.some((c) => c.amountFen > p.budgetFen)) return no(400, 'a category standard above the period budget');
  return OK;
}

/** The credential's status-list value (0 valid, 1 revoked, 2 suspended), or undefined when no such entry was issued. */
export const credentialStatusValue = (get: FundsGet, issuer: string, statusIndex: number): number | undefined =>
  get(statusEntryKey(issuer, statusIndex)) as number | undefined;

/** What is wrong with an eligibility credential at `now`: a blocking alert kind, or null. */
export function credentialProblem(get: FundsGet, e: ApplicationRecord['eligibility'], now: number): AlertKind | null {
  const v = credentialStatusValue(get, e.issuer, e.statusIndex);
  if (v === STATUS_VALUES.revoked) return 'credential-revoked';
  if (v === STATUS_VALUES.suspended) return 'credential-suspended';
  if (e.expiresAt <= now) return 'credential-expired';
  return null;
}

/** An application (`fund.apply`, signed by a community of the programme) or an import (by its reviewer, `imported`). */
export function checkApply(get: FundsGet, signer: string, p: ApplyPayload, now: number, imported?: { approvedOn: number }): FundCheck {
  const prog = readProgramme(get, p.programme);
  if (prog === undefined) return no(404, `no programme ${p.programme}`);
  if (imported === undefined && !prog.communities.includes(signer)) return no(403, `${signer} does not apply for programme ${p.programme}`);
  if (imported !== undefined && prog.reviewer !== signer) return no(403, `${signer} is not the reviewer of ${p.programme}`);
  if (imported !== undefined && imported.approvedOn > now) return no(400, 'an import is approved on a past date');
  if (readApplication(get, p.application) !== undefined) return no(409, `application ${p.application} exists`);
  if (!prog.categories.some((c) => c.category === p.category)) return no(400, `programme ${p.programme} has no category ${p.category}`);
  if (!prog.eligibility.some((e) => e.type === p.eligibility.type)) return no(400, `a ${p.eligibility.type} credential does not make one eligible for ${p.programme}`);
  if (!(CREDENTIAL_TYPES[p.eligibility.type as CredentialTypeId].issuers as readonly string[]).includes(p.eligibility.issuer)) return no(400, `${p.eligibility.issuer} does not issue ${p.eligibility.type} credentials`);
  if (credentialStatusValue(get, p.eligibility.issuer, p.eligibility.statusIndex) === undefined) return no(404, 'no such credential status entry');
  const problem = credentialProblem(get, p.eligibility, now);
  if (problem !== null) return no(409, `the eligibility credential is not valid (${problem})`);
  const person = imported === undefined ? (get(personKey(signer, p.person)) as PersonRecord | undefined) : undefined;
  if (person !== undefined && person.status !== 'present') return no(409, `the person is recorded as ${person.status}`);
  const mine = (get(personApplicationsKey(p.person)) as string[] | undefined) ?? [];
  if (mine.length >= FUNDS_PERSON_APPLICATIONS_MAX) return no(409, 'the person has too many applications');
  const live = mine.map((a) => readApplication(get, a)).find((a) => a !== undefined && a.programme === p.programme && !['rejected', 'refused'].includes(a.stage));
  if (live !== undefined) return no(409, `the person already has application ${live.application} in ${p.programme}`);
  return OK;
}

const stepsFull = (r: { steps: unknown[] }): boolean => r.steps.length >= FUNDS_STEPS_MAX;

/** The application an action names, with the stage it must be in and the organisation that must sign it. */
function admitApplication(get: FundsGet, id: string, stages: readonly string[], signer: string, who: (a: ApplicationRecord, prog: ProgrammeRecord) => string): FundCheck & { app?: ApplicationRecord; prog?: ProgrammeRecord } {
  const app = readApplication(get, id);
  if (app === undefined) return no(404, `no application ${id}`);
  const prog = readProgramme(get, app.programme) as ProgrammeRecord;
  if (who(app, prog) !== signer) return no(403, `${signer} does not sign this step of application ${id}`);
  if (!stages.includes(app.stage)) return no(409, `application ${id} is ${app.stage}`);
  if (stepsFull(app)) return no(409, `application ${id} has too many steps`);
  return { ok: true, app, prog };
}

export const checkVerify = (get: FundsGet, signer: string, p: VerifyApplicationPayload): FundCheck => {
  const c = admitApplication(get, p.application, ['applied'], signer, (a) => a.community);
  if (!c.ok) return c;
  if (p.result === 'rejected' && p.reason === undefined) return no(400, 'a rejection carries a reason code');
  if (p.result === 'verified' && p.reason !== undefined) return no(400, 'a verification carries no reason');
  return OK;
};

export function checkNotice(get: FundsGet, signer: string, p: PublishNoticePayload): FundCheck {
  if (readNotice(get, p.notice) !== undefined) return no(409, `notice ${p.notice} exists`);
  const prog = readProgramme(get, p.programme);
  if (prog === undefined) return no(404, `no programme ${p.programme}`);
  if (!prog.communities.includes(signer)) return no(403, `${signer} does not publish notices for ${p.programme}`);
  const twice = firstRepeat(p.applications);
  if (twice !== undefined) return no(400, `${twice} is listed twice`);
  for (const id of p.applications) {
    const app = readApplication(get, id);
    if (app === undefined) return no(404, `no application ${id}`);
    if (app.programme !== p.programme || app.community !== signer) return no(403, `application ${id} is not ${signer}'s in ${p.programme}`);
    if (app.stage !== 'verified') return no(409, `application ${id} is ${app.stage}`);
  }
  return OK;
}

export function checkObject(get: FundsGet, signer: string, p: ObjectPayload, now: number): FundCheck {
  const c = admitApplication(get, p.application, ['noticed'], signer, (a) => a.community);
  if (!c.ok) return c;
  const notice = readNotice(get, c.app!.notice as string) as NoticeRecord;
  if (now >= notice.endsAt) return no(409, 'the notice period has ended');
  if (c.app!.objections.length >= FUNDS_OBJECTIONS_MAX) return no(409, 'too many objections');
  return OK;
}

export function checkAnswerObjection(get: FundsGet, signer: string, p: AnswerObjectionPayload): FundCheck {
  const c = admitApplication(get, p.application, ['noticed'], signer, (a) => a.community);
  if (!c.ok) return c;
  const o = c.app!.objections[p.objection];
  if (o === undefined) return no(404, `no objection ${p.objection}`);
  if (o.outcome !== null) return no(409, `objection ${p.objection} was answered`);
  return OK;
}

export function checkReview(get: FundsGet, signer: string, p: ReviewPayload, now: number): FundCheck {
  const c = admitApplication(get, p.application, ['noticed'], signer, (_a, prog) => prog.reviewer);
  if (!c.ok) return c;
  const notice = readNotice(get, c.app!.notice as string) as NoticeRecord;
  if (now < notice.endsAt) return no(409, 'the public notice is still running');
  if (c.app!.objections.some((o) => o.outcome === null)) return no(409, 'an objection is not answered yet');
  if (p.decision === 'approve' && p.reason !== 'meets-criteria') return no(400, 'an approval carries the reason meets-criteria');
  if (p.decision === 'refuse' && p.reason === 'meets-criteria') return no(400, 'a refusal carries a refusal reason');
  if (p.decision === 'approve' && c.app!.objections.some((o) => o.outcome === 'upheld')) return no(409, 'an objection was upheld: the application cannot be approved');
  return OK;
}

/** The budget check of a new instruction: the period's committed amount plus this one within its budget. */
export function checkBudget(get: FundsGet, prog: ProgrammeRecord, period: string, amountFen: number): FundCheck {
  const b = readBudget(get, prog, period);
  if (b.committedFen + amountFen > b.budgetFen) return no(409, `the ${period} budget of ${prog.programme} would be exceeded (${b.committedFen} + ${amountFen} > ${b.budgetFen} fen)`);
  return OK;
}

export function checkInstruct(get: FundsGet, signer: string, p: InstructPayload, now: number): FundCheck {
  if (readPayment(get, p.payment) !== undefined) return no(409, `payment ${p.payment} exists`);
  const app = readApplication(get, p.application);
  if (app === undefined) return no(404, `no application ${p.application}`);
  const prog = readProgramme(get, app.programme) as ProgrammeRecord;
  if (prog.treasury !== signer) return no(403, `${signer} is not the treasury of ${prog.programme}`);
  if (app.stage !== 'approved') return no(409, `application ${p.application} is ${app.stage}, not approved`);
  const start = periodStart(prog.recurrence, p.period);
  if (start === undefined) return no(400, `${p.period} is not a ${prog.recurrence} period`);
  if (start > now) return no(409, `period ${p.period} has not started`);
  if (get(periodPaymentKey(p.application, p.period)) !== undefined) return no(409, `application ${p.application} already has a payment for ${p.period}`);
  return checkBudget(get, prog, p.period, p.amountFen);
}

export function checkReissue(get: FundsGet, signer: string, p: ReissuePayload): FundCheck {
  if (readPayment(get, p.payment) !== undefined) return no(409, `payment ${p.payment} exists`);
  const old = readPayment(get, p.of);
  if (old === undefined) return no(404, `no payment ${p.of}`);
  if (old.treasury !== signer) return no(403, `${signer} is not the treasury of payment ${p.of}`);
  if (old.status !== 'failed') return no(409, `payment ${p.of} is ${old.status}, not failed`);
  const prog = readProgramme(get, old.programme) as ProgrammeRecord;
  return checkBudget(get, prog, old.period, old.amountFen);
}

/** A receipt is refused only when its id was used; every other receipt is recorded (its standing says how). */
export const checkReceipt = (get: FundsGet, p: ReceiptPayload): FundCheck => {
  if (get(receiptKey(p.receipt)) !== undefined) return no(409, `receipt ${p.receipt} exists`);
  if (p.result === 'failed' && p.reason === undefined) return no(400, 'a failed payment carries a reason code');
  if (p.result === 'paid' && p.reason !== undefined) return no(400, 'a paid receipt carries no reason');
  return OK;
};

export function checkReconcile(get: FundsGet, signer: string, p: ReconcilePayload): FundCheck {
  if (get(reconciliationKey(p.reconciliation)) !== undefined) return no(409, `reconciliation ${p.reconciliation} exists`);
  const prog = readProgramme(get, p.programme);
  if (prog === undefined) return no(404, `no programme ${p.programme}`);
  if (signer !== prog.bank && signer !== prog.treasury) return no(403, `${signer} is neither the bank nor the treasury of ${p.programme}`);
  if (periodStart(prog.recurrence, p.period) === undefined) return no(400, `${p.period} is not a ${prog.recurrence} period`);
  return OK;
}

// ---------------------------------------------------------------------------------------------------------------------
// Rules (alerts; never refusals)
// ---------------------------------------------------------------------------------------------------------------------

export type RuleHit = { kind: AlertKind; data: Record<string, string | number | boolean> };

/** Programmes that exclude each other: either names the other. */
export const excludeEachOther = (a: ProgrammeRecord, b: ProgrammeRecord): boolean => a.excludes.includes(b.programme) || b.excludes.includes(a.programme);

/** The person's other applications, in programmes that exclude `prog`, in one of `stages`. */
function excludedApplications(get: FundsGet, prog: ProgrammeRecord, person: string, self: string, stages: readonly string[]): ApplicationRecord[] {
  const ids = (get(personApplicationsKey(person)) as string[] | undefined) ?? [];
  return ids
    .filter((id) => id !== self)
    .map((id) => readApplication(get, id))
    .filter((a): a is ApplicationRecord => a !== undefined && stages.includes(a.stage))
    .filter((a) => {
      const other = readProgramme(get, a.programme);
      return other !== undefined && excludeEachOther(prog, other);
    });
}

/** Account shared by another person: the first person the account hash paid is someone else. */
function sharedAccount(get: FundsGet, accountHash: string, person: string): RuleHit | null {
  const first = get(accountKey(accountHash)) as string | undefined;
  return first !== undefined && first !== person ? { kind: 'shared-account', data: { accountHash } } : null;
}

/** Rules at application: the same account for another person, a programme the person's other applications exclude. */
export function applicationRules(get: FundsGet, prog: ProgrammeRecord, p: ApplyPayload): RuleHit[] {
  const hits: RuleHit[] = [];
  const shared = sharedAccount(get, p.accountHash, p.person);
  if (shared !== null) hits.push(shared);
  for (const other of excludedApplications(get, prog, p.person, p.application, ['applied', 'verified', 'noticed', 'approved'])) {
    hits.push({ kind: 'excluded-programmes', data: { other: other.application, otherProgramme: other.programme } });
  }
  return hits;
}

/**
 * Rules at a payment instruction (and a reissue), in a fixed order: the eligibility credential revoked, suspended or
 * expired; an approved application in a programme that excludes this one; an amount above the category standard; an
 * account another person is paid into; a person recorded as moved away or deceased. Any hit blocks the payment.
 */
export function paymentRules(get: FundsGet, prog: ProgrammeRecord, app: ApplicationRecord, amountFen: number, accountHash: string, now: number): RuleHit[] {
  const hits: RuleHit[] = [];
  const cred = credentialProblem(get, app.eligibility, now);
  if (cred !== null) hits.push({ kind: cred, data: { issuer: app.eligibility.issuer, statusIndex: app.eligibility.statusIndex, expiresAt: app.eligibility.expiresAt } });
  for (const other of excludedApplications(get, prog, app.person, app.application, ['approved'])) {
    hits.push({ kind: 'excluded-programmes', data: { other: other.application, otherProgramme: other.programme } });
  }
  const standard = prog.categories.find((c) => c.category === app.category)?.amountFen ?? 0;
  if (amountFen > standard) hits.push({ kind: 'amount-above-standard', data: { category: app.category, standardFen: standard, amountFen } });
  const shared = sharedAccount(get, accountHash, app.person);
  if (shared !== null) hits.push(shared);
  const person = get(personKey(app.community, app.person)) as PersonRecord | undefined;
  if (person?.status === 'moved-away') hits.push({ kind: 'person-moved-away', data: { since: person.at } });
  if (person?.status === 'deceased') hits.push({ kind: 'person-deceased', data: { since: person.at } });
  return hits;
}

export const blocks = (hits: readonly RuleHit[]): boolean => hits.some((h) => (BLOCKING_ALERTS as readonly string[]).includes(h.kind));

/**
 * `stage-slow`: whether a stage that took `elapsedMs` is far slower than usual for the programme (FUNDS_SLOW_FACTOR
 * times its running average once FUNDS_SLOW_SAMPLES_MIN were seen and at least FUNDS_STAGE_SLOW_MS_MIN, or beyond
 * FUNDS_STAGE_MS_MAX), and the stats
 * after counting it.
 */
export function slowStage(get: FundsGet, programme: string, stage: TimedStage, elapsedMs: number): { hit: RuleHit | null; stats: StageStats } {
  const s = (get(stageStatsKey(programme, stage)) as StageStats | undefined) ?? { count: 0, totalMs: 0 };
  const averageMs = s.count === 0 ? 0 : Math.floor(s.totalMs / s.count);
  const slow = elapsedMs > FUNDS_STAGE_MS_MAX || (s.count >= FUNDS_SLOW_SAMPLES_MIN && elapsedMs >= FUNDS_STAGE_SLOW_MS_MIN && elapsedMs > FUNDS_SLOW_FACTOR * averageMs);
  return {
    hit: slow ? { kind: 'stage-slow', data: { stage, elapsedMs, averageMs } } : null,
    stats: { count: s.count + 1, totalMs: s.totalMs + elapsedMs },
  };
}

