/**
 * Explainable alerts beyond fixed rules (docs/spec/dashboard.md#analytics). Each compares an observed value with a
 * baseline taken from the same read model and says both, with the threshold and the records behind it:
 *
 * - events per grid × category in the last DASHBOARD_WINDOW_DAYS against the DASHBOARD_BASELINE_WINDOWS windows of
 *   the same length before it (a whole number of weeks, so the weekly season cancels out): flagged when observed ≥
 *   mean + DASHBOARD_ANOMALY_SIGMAS × max(sd, floor) and ≥ mean + DASHBOARD_ANOMALY_EXCESS_MIN;
 * - data accesses per accessor (organisation/actor), the same way;
 * - payments in the window above DASHBOARD_PAYMENT_MEDIAN_FACTOR × the median amount of their programme's payments
 *   over the baseline windows and the window.
 *
 * Pure: `now` comes in as an argument.
 */
import { dayOf } from './cube.js';
import { fieldsOf, ref, type DashboardModel } from './model.js';
import type { AnalyticsAlert, AnalyticsView } from './api.js';
import {
  DASHBOARD_ALERTS_MAX, DASHBOARD_ANOMALY_EXCESS_MIN, DASHBOARD_ANOMALY_SD_FLOOR, DASHBOARD_ANOMALY_SIGMAS,
  DASHBOARD_BASELINE_WINDOWS, DASHBOARD_DAY_MS, DASHBOARD_PAYMENT_MEDIAN_FACTOR, DASHBOARD_WINDOW_DAYS,
} from './types.js';

/** Records listed with one alert. */
export const DASHBOARD_ALERT_RECORDS_MAX = 20;

export interface Baseline {
  mean: number;
  sd: number;
  threshold: number;
}

/** Mean, standard deviation and the flagging threshold of a series of window counts. */
export function baselineOf(windows: readonly number[]): Baseline {
  const n = windows.length;
  const mean = n === 0 ? 0 : windows.reduce((s, v) => s + v, 0) / n;
  const sd = n === 0 ? 0 : Math.sqrt(windows.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const threshold = Math.max(mean + DASHBOARD_ANOMALY_SIGMAS * Math.max(sd, DASHBOARD_ANOMALY_SD_FLOOR), mean + DASHBOARD_ANOMALY_EXCESS_MIN);
  return { mean, sd, threshold };
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** Per key, the counts of each window: index 0 = the oldest baseline window, the last = the observed window. */
function windowed(query: (fromDay: number, toDay: number) => Map<string, { n: number }>, nowDay: number): Map<string, number[]> {
  const w = DASHBOARD_BASELINE_WINDOWS + 1;
  const out = new Map<string, number[]>();
  for (let i = 0; i < w; i++) {
    const toDay = nowDay - (w - 1 - i) * DASHBOARD_WINDOW_DAYS;
    for (const [key, c] of query(toDay - DASHBOARD_WINDOW_DAYS + 1, toDay)) {
      let series = out.get(key);
      if (series === undefined) out.set(key, (series = new Array<number>(w).fill(0)));
      series[i] = series[i]! + c.n;
    }
  }
  return out;
}

export function analytics(m: DashboardModel, now: number): AnalyticsView {
  const nowDay = dayOf(now);
  const windowFrom = (nowDay - DASHBOARD_WINDOW_DAYS + 1) * DASHBOARD_DAY_MS - 8 * 60 * 60 * 1000;
  const range = { from: windowFrom, to: now };
  const alerts: AnalyticsAlert[] = [];
  const flag = (kind: 'events' | 'access', series: Map<string, number[]>, records: (key: string) => AnalyticsAlert['records']): void => {
    for (const [key, s] of series) {
      const observed = s[s.length - 1]!;
      const base = s.slice(0, -1);
      const b = baselineOf(base);
      if (observed < b.threshold) continue;
      alerts.push({
        kind, subject: key.replace('\u0000', '/'), from: range.from, to: range.to, observed,
        baseline: { mean: round2(b.mean), sd: round2(b.sd), windows: base }, threshold: round2(b.threshold),
        explain: `dashboard.analytics.explain.${kind}`, records: records(key),
      });
    }
  };
  flag('events', windowed((f, t) => m.events.query(f, t, [], [1, 0]), nowDay), (key) => {
    const [grid, category] = key.split('\u0000') as [string, string];
    return m.records('events', 'category', category, { ...range, grid }, DASHBOARD_ALERT_RECORDS_MAX).records;
  });
  flag('access', windowed((f, t) => m.accesses.query(f, t, [], [3]), nowDay), (key) =>
    m.records('privacy', 'accessor', key, range, DASHBOARD_ALERT_RECORDS_MAX).records);

  // payments: each in the window against its programme's median over the whole span
  const spanFrom = (nowDay - (DASHBOARD_BASELINE_WINDOWS + 1) * DASHBOARD_WINDOW_DAYS + 1) * DASHBOARD_DAY_MS - 8 * 60 * 60 * 1000;
  const all = m.records('funds', undefined, undefined, { from: spanFrom, to: now }, Number.MAX_SAFE_INTEGER).records;
  const amounts = new Map<string, number[]>();
  for (const r of all) {
    const p = String(r.fields.programme);
    const a = amounts.get(p) ?? [];
    a.push(Number(r.fields.amountFen));
    amounts.set(p, a);
  }
  const medians = new Map([...amounts].map(([p, list]) => [p, { median: medianOf(list), n: list.length }]));
  for (const r of all) {
    if (r.at < range.from) continue;
    const { median, n: count } = medians.get(String(r.fields.programme))!;
    const threshold = DASHBOARD_PAYMENT_MEDIAN_FACTOR * median;
    const amount = Number(r.fields.amountFen);
    if (count < 3 || amount <= threshold) continue;
    const f = m.get('payment', r.id)!;
    alerts.push({
      kind: 'payment', subject: r.id, from: range.from, to: range.to, observed: amount,
      baseline: { mean: median, sd: 0, windows: [] }, threshold, explain: 'dashboard.analytics.explain.payment',
      records: [ref(f as Parameters<typeof ref>[0], fieldsOf(f as Parameters<typeof fieldsOf>[0]))],
    });
  }
  alerts.sort((a, b) => b.observed / Math.max(b.threshold, 1) - a.observed / Math.max(a.threshold, 1) || (a.subject < b.subject ? -1 : 1));
  return { now, windowDays: DASHBOARD_WINDOW_DAYS, baselineWindows: DASHBOARD_BASELINE_WINDOWS, alerts: alerts.slice(0, DASHBOARD_ALERTS_MAX) };
}

export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
