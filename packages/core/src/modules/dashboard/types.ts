/**
 * Limits, facts and views of the dashboard module: read models (projections of committed blocks) for the command
 * centre's panels. A fact is what one record of another module contributes to the counters, taken from its state
 * record after the block (facts.ts); the read model replaces an entity's old fact by its new one. docs/spec/dashboard.md
 */

/** Community local time for day and month buckets (China Standard Time, UTC+8; no daylight saving). */
export const DASHBOARD_TZ_OFFSET_MS = 8 * 60 * 60 * 1000;
export const DASHBOARD_DAY_MS = 24 * 60 * 60 * 1000;
/** Values one counter dimension interns; past it new values count as `(other)`. */
export const DASHBOARD_DIM_VALUES_MAX = 1024;
/** Longest time range a query may span, days. */
export const DASHBOARD_RANGE_DAYS_MAX = 800;
/** Records one click-through returns (newest first). */
export const DASHBOARD_RECORDS_MAX = 200;
/** Analytics: a window is this many days, compared with this many windows before it (the weekly season). */
export const DASHBOARD_WINDOW_DAYS = 7;
export const DASHBOARD_BASELINE_WINDOWS = 8;
/** Analytics: flagged when observed ≥ mean + this many standard deviations … */
export const DASHBOARD_ANOMALY_SIGMAS = 3;
/** … and at least this many more than the mean (so a quiet series does not flag on one extra) … */
export const DASHBOARD_ANOMALY_EXCESS_MIN = 5;
/** … with the deviation taken as at least this (a perfectly flat baseline is not infinitely sure). */
export const DASHBOARD_ANOMALY_SD_FLOOR = 1;
/** Analytics: a payment is unusual above this many times its programme's median amount. */
export const DASHBOARD_PAYMENT_MEDIAN_FACTOR = 3;
/** Alerts one analytics answer lists, highest excess first. */
export const DASHBOARD_ALERTS_MAX = 100;
/** Rows one export writes. */
export const DASHBOARD_EXPORT_ROWS_MAX = 100_000;

/** An event (events module): one per event, by its report time. */
export type EventFact = {
  kind: 'event';
  id: string;
  at: number;
  category: string;
  grid: string;
  building: string;
  status: string;
  open: boolean;
  /** the first department on it (organisation), '' before dispatch */
  department: string;
  /** each department's part that has a result: handled by its deadline or not, at the handling time */
  sla: { org: string; at: number; met: boolean }[];
  /** the report's (or import's) transaction and the last step's */
  tx: string;
  lastTx: string;
};

export type RepairFact = { kind: 'repair'; id: string; at: number; category: string; building: string; org: string; status: string; open: boolean; tx: string; lastTx: string };
export type AlarmFact = { kind: 'alarm'; id: string; at: number; class: string; building: string; org: string; status: string; open: boolean; tx: string; lastTx: string };
export type PaymentFact = { kind: 'payment'; id: string; at: number; programme: string; amountFen: number; status: string; tx: string; lastTx: string };
/** one programme period's budget (`at`: the period's first day; `once`: no time) */
export type BudgetFact = { kind: 'budget'; id: string; at: number | null; programme: string; period: string; budgetFen: number };
export type AccessFact = {
  kind: 'access';
  id: string;
  at: number;
  org: string;
  /** `org/actor`: the accessor */
  accessor: string;
  purpose: string;
  decision: string;
  /** the anomaly rules it raised (privacy module) */
  alerts: string[];
  tx: string;
};

/**
 * A property bill (property module): one per unit and period, at the period's first day. `grid`: the events module's
 * grid of its building ('' when no grid lists it). Arrears are its unpaid fen once it is past due (decided at query
 * time: the day after its due day). `dunning`: the steps sent, with their times.
 */
export type BillFact = {
  kind: 'bill';
  id: string;
  at: number;
  unit: string;
  period: string;
  building: string;
  grid: string;
  dueFen: number;
  paidFen: number;
  status: string;
  open: boolean;
  dueAt: number;
  dunning: { step: string; at: number }[];
  /** the bill's (issuing) transaction and its latest payment or dunning step */
  tx: string;
  lastTx: string;
};

export type Fact = EventFact | RepairFact | AlarmFact | PaymentFact | BudgetFact | AccessFact | BillFact;
export type FactKind = Fact['kind'];
