/**
 * Pure queries over the funds state, through a key reader and a prefix scan (the node's state store provides both):
 * a programme's budget against what was paid, a person's benefits (for their holder to show them), alerts, the
 * public totals, notices and the live feed. docs/spec/funds.md#queries
 */
import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';
import type { AlertKind } from './catalogue.js';
import {
  ALERTS_PREFIX,
  FEED_PREFIX,
  FUNDS_QUERY_ITEMS_MAX,
  PROGRAMMES_PREFIX,
  applicationKey,
  applicationPaymentsPrefix,
  budgetPrefix,
  fundsTimeCode,
  noticeKey,
  paymentKey,
  personApplicationsKey,
  programmeAlertsPrefix,
  programmeApplicationsPrefix,
  programmeKey,
  programmeNoticesPrefix,
  programmeReconciliationsPrefix,
  reconciliationKey,
  type AlertRecord,
  type ApplicationRecord,
  type BudgetRecord,
  type NoticeRecord,
  type PaymentRecord,
  type ProgrammeRecord,
  type ReconciliationRecord,
} from './types.js';

export const programmeRecord = (read: StateRead, id: string): ProgrammeRecord | undefined => parse<ProgrammeRecord>(read(programmeKey(id)));
export const applicationRecord = (read: StateRead, id: string): ApplicationRecord | undefined => parse<ApplicationRecord>(read(applicationKey(id)));
export const noticeRecord = (read: StateRead, id: string): NoticeRecord | undefined => parse<NoticeRecord>(read(noticeKey(id)));
export const paymentRecord = (read: StateRead, id: string): PaymentRecord | undefined => parse<PaymentRecord>(read(paymentKey(id)));
export const reconciliationRecord = (read: StateRead, id: string): ReconciliationRecord | undefined => parse<ReconciliationRecord>(read(reconciliationKey(id)));

export function programmes(read: StateRead, scan: StateScan, limit = FUNDS_QUERY_ITEMS_MAX): ProgrammeRecord[] {
  return scan(PROGRAMMES_PREFIX, limit).map(([, v]) => JSON.parse(v) as ProgrammeRecord);
}

export function applicationsOf(read: StateRead, scan: StateScan, programme: string, limit = FUNDS_QUERY_ITEMS_MAX): ApplicationRecord[] {
  const prefix = programmeApplicationsPrefix(programme);
  return scan(prefix, limit).map(([k]) => applicationRecord(read, k.slice(prefix.length))).filter((a): a is ApplicationRecord => a !== undefined);
}

export function paymentsOf(read: StateRead, scan: StateScan, application: string, limit = FUNDS_QUERY_ITEMS_MAX): PaymentRecord[] {
  const prefix = applicationPaymentsPrefix(application);
  return scan(prefix, limit)
    .map(([k]) => paymentRecord(read, k.slice(prefix.length)))
    .filter((p): p is PaymentRecord => p !== undefined)
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.instructedAt - b.instructedAt));
}

/** Budget against committed and paid, per period of a programme (oldest period first), and the sums. */
export type BudgetView = { programme: string; periods: BudgetRecord[]; paidFen: number; paidCount: number; failedCount: number; blockedCount: number };

export function budgetOf(read: StateRead, scan: StateScan, programme: string, limit = FUNDS_QUERY_ITEMS_MAX): BudgetView {
  const periods = scan(budgetPrefix(programme), limit).map(([, v]) => JSON.parse(v) as BudgetRecord);
  const sum = (f: (b: BudgetRecord) => number): number => periods.reduce((s, b) => s + f(b), 0);
  return { programme, periods, paidFen: sum((b) => b.paidFen), paidCount: sum((b) => b.paidCount), failedCount: sum((b) => b.failedCount), blockedCount: sum((b) => b.blockedCount) };
}

/** A person's benefits: each application with its steps and every payment with its steps and receipts. */
export type Benefit = { application: ApplicationRecord; payments: PaymentRecord[] };

export function benefitsOf(read: StateRead, scan: StateScan, person: string): Benefit[] {
  const ids = parse<string[]>(read(personApplicationsKey(person))) ?? [];
  return ids
    .map((id) => applicationRecord(read, id))
    .filter((a): a is ApplicationRecord => a !== undefined)
    .map((application) => ({ application, payments: paymentsOf(read, scan, application.application) }));
}

export type AlertFilter = { programme?: string; kind?: AlertKind; owner?: string; limit?: number };

/** Alerts, oldest first (per programme when named: its prefix sorts by time). */
export function alerts(read: StateRead, scan: StateScan, f: AlertFilter = {}): AlertRecord[] {
  const prefix = f.programme === undefined ? ALERTS_PREFIX : programmeAlertsPrefix(f.programme);
  return scan(prefix, f.limit ?? FUNDS_QUERY_ITEMS_MAX)
    .map(([, v]) => JSON.parse(v) as AlertRecord)
    .filter((a) => (f.kind === undefined || a.kind === f.kind) && (f.owner === undefined || a.owner === f.owner))
    .sort((a, b) => a.at - b.at || (a.txHash < b.txHash ? -1 : a.txHash > b.txHash ? 1 : 0));
}

/** The notices of a programme, newest first. */
export function noticesOf(read: StateRead, scan: StateScan, programme: string, limit = FUNDS_QUERY_ITEMS_MAX): NoticeRecord[] {
  return scan(programmeNoticesPrefix(programme), limit)
    .map(([, v]) => noticeRecord(read, JSON.parse(v) as string))
    .filter((n): n is NoticeRecord => n !== undefined)
    .reverse();
}

/** The notices of a programme running at `now`. */
export const runningNotices = (read: StateRead, scan: StateScan, programme: string, now: number): NoticeRecord[] =>
  noticesOf(read, scan, programme).filter((n) => n.publishedAt <= now && now < n.endsAt);

export function reconciliationsOf(read: StateRead, scan: StateScan, programme: string, limit = FUNDS_QUERY_ITEMS_MAX): ReconciliationRecord[] {
  return scan(programmeReconciliationsPrefix(programme), limit)
    .map(([, v]) => reconciliationRecord(read, JSON.parse(v) as string))
    .filter((r): r is ReconciliationRecord => r !== undefined);
}

/**
 * What the public sees of a programme ("whoever manages, discloses"): its terms and totals — beneficiaries,
 * payments and fen paid, the budget of each period — and nothing about any person.
 */
export type PublicTotals = {
  programme: string;
  recurrence: ProgrammeRecord['recurrence'];
  categories: ProgrammeRecord['categories'];
  budgetFenPerPeriod: number;
  beneficiaries: number;
  applications: number;
  paidFen: number;
  paidCount: number;
  periods: { period: string; budgetFen: number; paidFen: number; paidCount: number }[];
  alerts: number;
};

export function publicTotals(read: StateRead, scan: StateScan, programme: string): PublicTotals | undefined {
  const prog = programmeRecord(read, programme);
  if (prog === undefined) return undefined;
  const apps = applicationsOf(read, scan, programme);
  const budget = budgetOf(read, scan, programme);
  return {
    programme,
    recurrence: prog.recurrence,
    categories: prog.categories.map((c) => ({ category: c.category, amountFen: c.amountFen })),
    budgetFenPerPeriod: prog.budgetFen,
    beneficiaries: apps.filter((a) => a.stage === 'approved').length,
    applications: apps.length,
    paidFen: budget.paidFen,
    paidCount: budget.paidCount,
    periods: budget.periods.map((b) => ({ period: b.period, budgetFen: b.budgetFen, paidFen: b.paidFen, paidCount: b.paidCount })),
    alerts: alerts(read, scan, { programme }).length,
  };
}

/** One entry of the live feed: the transaction that made a step, and what it was about. */
export type FeedEntry = { at: number; txHash: string; type: string; id: string; org: string };

/** The feed from block time `sinceMs` on (inclusive), oldest first. */
export function feedSince(read: StateRead, scan: StateScan, sinceMs = 0, limit = FUNDS_QUERY_ITEMS_MAX): FeedEntry[] {
  const from = fundsTimeCode(sinceMs);
  return scan(FEED_PREFIX, FUNDS_QUERY_ITEMS_MAX * 10)
    .filter(([k]) => k.slice(FEED_PREFIX.length, FEED_PREFIX.length + 15) >= from)
    .slice(0, limit)
    .map(([k, v]) => {
      const [at, txHash] = k.slice(FEED_PREFIX.length).split('/') as [string, string];
      const e = JSON.parse(v) as { type: string; id: string; org: string };
      return { at: Number(at), txHash, type: e.type, id: e.id, org: e.org };
    });
}
