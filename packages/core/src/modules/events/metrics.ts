/**
 * Contribution and timeliness, computed from the ledger state alone (GB/T 30428.4 style evaluation): per department,
 * what it was given, handled, handled on time, had sent back, flagged and answered; per grid worker, patrol coverage
 * and reporting timeliness. Pure functions over records (the queries gather them), so every node computes the same
 * numbers and a reader can recompute them from proofs. docs/spec/events.md#contribution-and-timeliness
 */
import { ackMissed, handlingOverdue } from './transitions.js';
import { EVENTS_REPORT_TIMELY_MS, type EventRecord, type GridRecord, type PatrolRecord, type VisitRecord } from './types.js';

export interface DepartmentMetrics {
  org: string;
  /** events where it has a part */
  assigned: number;
  /** parts it was asked for help on / parts it asked others for */
  helpGiven: number;
  helpRequested: number;
  /** major-event parts with an acknowledgement deadline; acknowledged by it; missed */
  acknowledgementsDue: number;
  acknowledgedOnTime: number;
  acknowledgementsMissed: number;
  /** results it reported (`event.handle` steps), and those by the deadline then in force */
  handled: number;
  handledOnTime: number;
  /** parts not handled and past their deadline, in open events, at `now` */
  overdue: number;
  /** times the command centre sent its results back */
  sentBack: number;
  /** flags it raised on others' steps; flags raised on its steps; of those, answered */
  flagsRaised: number;
  flagsReceived: number;
  flagsAnswered: number;
  /** its parts escalated (any level) */
  escalated: number;
  /**
   * Imported events (`event.import`, legacy times the command centre recorded in its previous system): counted here
   * only, never in the ledger-timed figures above.
   */
  imported: ImportedMetrics;
}

/** A department's part in imported events, by the previous system's times. */
export interface ImportedMetrics {
  assigned: number;
  handled: number;
  /** handled by the deadline the previous system recorded */
  handledOnTime: number;
  sentBack: number;
}

function countImported(m: ImportedMetrics, e: EventRecord, org: string): void {
  for (const a of e.assignments) {
    if (a.org !== org) continue;
    m.assigned += 1;
    m.sentBack += a.sentBack;
    if (a.handledAt === null) continue;
    m.handled += 1;
    if (a.handledAt <= a.dueAt) m.handledOnTime += 1;
  }
}

/** A department's record over `events` (those it is on; others are ignored), at `now` (ms). */
export function departmentMetrics(events: readonly EventRecord[], org: string, now: number): DepartmentMetrics {
  const m: DepartmentMetrics = {
    org,
    assigned: 0,
    helpGiven: 0,
    helpRequested: 0,
    acknowledgementsDue: 0,
    acknowledgedOnTime: 0,
    acknowledgementsMissed: 0,
    handled: 0,
    handledOnTime: 0,
    overdue: 0,
    sentBack: 0,
    flagsRaised: 0,
    flagsReceived: 0,
    flagsAnswered: 0,
    escalated: 0,
    imported: { assigned: 0, handled: 0, handledOnTime: 0, sentBack: 0 },
  };
  for (const e of events) {
    if (e.imported === true) {
      countImported(m.imported, e, org);
      continue;
    }
    for (const a of e.assignments) {
      if (a.requestedBy === org) m.helpRequested += 1;
      if (a.org !== org) continue;
      m.assigned += 1;
      if (a.via === 'help') m.helpGiven += 1;
      if (a.ackDueAt !== null) {
        m.acknowledgementsDue += 1;
        if (a.acknowledgedAt !== null && a.acknowledgedAt <= a.ackDueAt) m.acknowledgedOnTime += 1;
        if (ackMissed(a, now)) m.acknowledgementsMissed += 1;
      }
      if (e.status === 'dispatched' && handlingOverdue(a, now)) m.overdue += 1;
      m.sentBack += a.sentBack;
      if (a.escalation > 0) m.escalated += 1;
    }
    for (const s of e.steps) {
      if (s.action !== 'handle' || s.org !== org) continue;
      m.handled += 1;
      if (s.dueAt !== undefined && s.at <= s.dueAt) m.handledOnTime += 1;
    }
    for (const f of e.flags) {
      if (f.by === org) m.flagsRaised += 1;
      if (f.target === org) {
        m.flagsReceived += 1;
        if (f.answer !== null) m.flagsAnswered += 1;
      }
    }
  }
  return m;
}

export interface GridWorkerMetrics {
  grid: string;
  worker: string;
  /** households in the grid (its definition) */
  households: number;
  /** distinct households the worker visited in the period, at most each building's count */
  householdsVisited: number;
  /** householdsVisited ÷ households (0 for an empty grid) */
  coverage: number;
  buildings: number;
  /** distinct buildings the worker checked in at in the period */
  buildingsPatrolled: number;
  /** events of the grid the worker reported in the period */
  reports: number;
  /** of those, reported within EVENTS_REPORT_TIMELY_MS of being observed */
  timelyReports: number;
  /** events of the grid residents reported in the period (what patrols did not find first) */
  residentReports: number;
}

export interface MetricsPeriod {
  /** ms, inclusive */
  from: number;
  /** ms, exclusive */
  to: number;
}

const inPeriod = (at: number, p: MetricsPeriod): boolean => at >= p.from && at < p.to;

/**
 * A grid worker's record over a period: patrol coverage = distinct households visited ÷ households in the grid (a
 * household is the opaque token a visit records; per building at most its household count), buildings patrolled,
 * reports and their timeliness. `visits`, `patrols`, `events` are the grid's (others are ignored).
 */
export function gridWorkerMetrics(
  grid: GridRecord,
  worker: string,
  records: { visits: readonly VisitRecord[]; patrols: readonly PatrolRecord[]; events: readonly EventRecord[] },
  period: MetricsPeriod,
): GridWorkerMetrics {
  const households = grid.buildings.reduce((n, b) => n + b.households, 0);
  const seen = new Map<string, Set<string>>();
  for (const v of records.visits) {
    if (v.grid !== grid.grid || v.worker !== worker || !inPeriod(v.at, period)) continue;
    const set = seen.get(v.building) ?? new Set<string>();
    for (const h of v.households) set.add(h);
    seen.set(v.building, set);
  }
  let householdsVisited = 0;
  for (const b of grid.buildings) householdsVisited += Math.min(seen.get(b.building)?.size ?? 0, b.households);
  const patrolled = new Set(records.patrols.filter((p) => p.grid === grid.grid && p.worker === worker && inPeriod(p.at, period)).map((p) => p.building));
  // imported events carry legacy times: not part of a grid worker's ledger-timed record
  const inGrid = records.events.filter((e) => e.grid === grid.grid && e.imported !== true && inPeriod(e.reportedAt, period));
  const mine = inGrid.filter((e) => e.reporterKind === 'grid-worker' && e.reporter === worker);
  return {
    grid: grid.grid,
    worker,
    households,
    householdsVisited,
    coverage: households === 0 ? 0 : householdsVisited / households,
    buildings: grid.buildings.length,
    buildingsPatrolled: grid.buildings.filter((b) => patrolled.has(b.building)).length,
    reports: mine.length,
    timelyReports: mine.filter((e) => e.reportedAt - e.observedAt <= EVENTS_REPORT_TIMELY_MS).length,
    residentReports: inGrid.filter((e) => e.reporterKind === 'resident').length,
  };
}
