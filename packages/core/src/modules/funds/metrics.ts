/**
 * What the regulator and the owner measure of a programme, computed from the ledger alone: how long each stage takes
 * (the running averages the `stage-slow` rule keeps), how payments end (paid, failed, blocked, reissued, waiting), the
 * time from instruction to the bank's receipt, and the alerts by kind. Integers only (ms, counts, per mille).
 * docs/spec/funds.md#metrics
 */
import type { StateRead, StateScan } from '../../foundation/state.js';
import { ALERT_KINDS, TIMED_STAGES, type AlertKind, type PaymentStatus, type TimedStage } from './catalogue.js';
import { alerts } from './queries.js';
import { FUNDS_QUERY_ITEMS_MAX, paymentKey, periodPaymentsPrefix, stageStatsKey, type PaymentRecord, type StageStats } from './types.js';

export type FundsMetrics = {
  programme: string;
  stages: Record<TimedStage, { count: number; averageMs: number }>;
  payments: Record<PaymentStatus, number>;
  /** paid among payments the bank answered (paid + failed + reissued), per mille; null before any answer */
  paidPerMille: number | null;
  /** mean time from instruction to the accepted receipt of settled payments, ms; null before any */
  settleAverageMs: number | null;
  alerts: Record<AlertKind, number>;
};

/** The programme's metrics over `periods` (its payments are read per period: one scan each). */
export function fundsMetrics(read: StateRead, scan: StateScan, programme: string, periods: readonly string[]): FundsMetrics {
  const stages = Object.fromEntries(TIMED_STAGES.map((stage) => {
    const s = JSON.parse(read(stageStatsKey(programme, stage)) ?? '{"count":0,"totalMs":0}') as StageStats;
    return [stage, { count: s.count, averageMs: s.count === 0 ? 0 : Math.floor(s.totalMs / s.count) }];
  })) as FundsMetrics['stages'];
  const payments: Record<PaymentStatus, number> = { blocked: 0, instructed: 0, paid: 0, failed: 0, reissued: 0 };
  let settledMs = 0;
  let settled = 0;
  for (const period of periods) {
    for (const [, id] of scan(periodPaymentsPrefix(programme, period), FUNDS_QUERY_ITEMS_MAX)) {
      const text = read(paymentKey(JSON.parse(id) as string));
      if (text === undefined) continue;
      const p = JSON.parse(text) as PaymentRecord;
      payments[p.status] += 1;
      if (p.settledAt !== null) {
        settled += 1;
        settledMs += p.settledAt - p.instructedAt;
      }
    }
  }
  const answered = payments.paid + payments.failed + payments.reissued;
  const byKind = Object.fromEntries(ALERT_KINDS.map((k) => [k, 0])) as Record<AlertKind, number>;
  for (const a of alerts(read, scan, { programme })) byKind[a.kind] += 1;
  return {
    programme,
    stages,
    payments,
    paidPerMille: answered === 0 ? null : Math.floor((payments.paid * 1000) / answered),
    settleAverageMs: settled === 0 ? null : Math.floor(settledMs / settled),
    alerts: byKind,
  };
}
