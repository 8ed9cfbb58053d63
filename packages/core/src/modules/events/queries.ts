/**
 * Pure queries over the events state, through a key reader and a prefix scan (values are canonical JSON text, as
 * stored), and pure helpers over one event record: its timeline and its timers at a given time.
 * docs/spec/events.md#queries
 */
import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';
import type { EventStatus } from './catalogue.js';
import { ackMissed, handlingOverdue } from './transitions.js';
import {
  EVENTS_QUERY_ITEMS_MAX,
  directoryKey,
  eventKey,
  gridEventPrefix,
  gridKey,
  openGridPrefix,
  openOrgPrefix,
  orgEventPrefix,
  patrolPrefix,
  reporterEventPrefix,
  eventsTimeCode,
  visitPrefix,
  type Assignment,
  type DepartmentConfigRecord,
  type EventRecord,
  type EventStep,
  type GridRecord,
  type PatrolRecord,
  type VisitRecord,
} from './types.js';
import type { DepartmentCode } from './catalogue.js';
import { departmentMetrics, gridWorkerMetrics, type DepartmentMetrics, type GridWorkerMetrics, type MetricsPeriod } from './metrics.js';

export function eventRecord(read: StateRead, event: string): EventRecord | undefined {
  return parse<EventRecord>(read(eventKey(event)));
}

export function gridRecord(read: StateRead, grid: string): GridRecord | undefined {
  return parse<GridRecord>(read(gridKey(grid)));
}

export function departmentConfig(read: StateRead, centre: string, department: DepartmentCode): DepartmentConfigRecord | undefined {
  return parse<DepartmentConfigRecord>(read(directoryKey(centre, department)));
}

export interface EventsQueryOptions {
  /** only these statuses (read from the index) */
  statuses?: readonly EventStatus[];
  /** index entries read, at most */
  limit?: number;
}

const byAge = (a: EventRecord, b: EventRecord): number => a.reportedAt - b.reportedAt || (a.event < b.event ? -1 : a.event > b.event ? 1 : 0);

/** The records behind the index entries under `prefix` (`…/<event>` → status), oldest first. */
function under(read: StateRead, scan: StateScan, prefix: string, options: EventsQueryOptions): EventRecord[] {
  const out: EventRecord[] = [];
  for (const [key, value] of scan(prefix, options.limit ?? EVENTS_QUERY_ITEMS_MAX)) {
    if (options.statuses !== undefined && !options.statuses.includes(JSON.parse(value) as EventStatus)) continue;
    const record = eventRecord(read, key.slice(key.lastIndexOf('/') + 1));
    if (record !== undefined) out.push(record);
  }
  return out.sort(byAge);
}

/** Open events of a grid (the grid worker's list), oldest first. */
export const openEventsInGrid = (read: StateRead, scan: StateScan, grid: string, options: EventsQueryOptions = {}): EventRecord[] => under(read, scan, openGridPrefix(grid), options);
/** Open events an organisation is on: a command centre's board, a department's inbox; oldest first. */
export const openEventsOfOrg = (read: StateRead, scan: StateScan, org: string, options: EventsQueryOptions = {}): EventRecord[] => under(read, scan, openOrgPrefix(org), options);
/** Every event an organisation was ever on (open or not): what its metrics are computed from. */
export const eventsOfOrg = (read: StateRead, scan: StateScan, org: string, options: EventsQueryOptions = {}): EventRecord[] => under(read, scan, orgEventPrefix(org), options);
/** Every event of a grid. */
export const eventsOfGrid = (read: StateRead, scan: StateScan, grid: string, options: EventsQueryOptions = {}): EventRecord[] => under(read, scan, gridEventPrefix(grid), options);

/** The events a reporter (pseudonym of `org`) reported, open or not: a grid worker's or resident's "my reports". */
export const reportsOf = (read: StateRead, scan: StateScan, org: string, reporter: string, options: EventsQueryOptions = {}): EventRecord[] =>
  under(read, scan, reporterEventPrefix(org, reporter), options);

/** A department's inbox: open events where `org` has a part not yet handled. */
export function inbox(read: StateRead, scan: StateScan, org: string, options: EventsQueryOptions = {}): EventRecord[] {
  return openEventsOfOrg(read, scan, org, options).filter((r) => r.assignments.some((a) => a.org === org && a.status !== 'handled'));
}

/** Records under a time-keyed prefix with `from ≤ at < to`, in time order (at most `limit`). */
function timed<T extends { at: number }>(scan: StateScan, prefix: string, from: number, to: number, limit: number): T[] {
  // keys are `<prefix><15-digit time>/<txHash>`: scan under the digits `from` and `to − 1` share, then cut
  if (to <= from) return [];
  const [a, b] = [eventsTimeCode(from), eventsTimeCode(to - 1)];
  let shared = 0;
  while (shared < a.length && a[shared] === b[shared]) shared += 1;
  const out: T[] = [];
  for (const [key, value] of scan(prefix + a.slice(0, shared), limit)) {
    const at = key.slice(prefix.length, prefix.length + eventsTimeCode(0).length);
    if (at >= eventsTimeCode(from) && at < eventsTimeCode(to)) out.push(JSON.parse(value) as T);
  }
  return out;
}

/** Patrol check-ins of a grid with `from ≤ at < to`, oldest first. */
export const patrolsOf = (scan: StateScan, grid: string, from = 0, to = Number.MAX_SAFE_INTEGER, limit = EVENTS_QUERY_ITEMS_MAX): PatrolRecord[] => timed(scan, patrolPrefix(grid), from, to, limit);
/** Visit records of a grid with `from ≤ at < to`, oldest first. */
export const visitsOf = (scan: StateScan, grid: string, from = 0, to = Number.MAX_SAFE_INTEGER, limit = EVENTS_QUERY_ITEMS_MAX): VisitRecord[] => timed(scan, visitPrefix(grid), from, to, limit);

export type EventTimelineEntry = EventStep & {
  /** index of the step (what a flag names) */
  index: number;
};

/** The event's steps, oldest first, each with its index and the status it led to. */
export function eventTimeline(r: EventRecord): EventTimelineEntry[] {
  return r.steps.map((step, index) => ({ ...step, index }));
}

/** One department's timers at a time `now`. */
export interface PartTimers {
  org: string;
  status: Assignment['status'];
  ackDueAt: number | null;
  acknowledgedAt: number | null;
  /** the major-event acknowledgement deadline passed without (or before) an acknowledgement */
  ackMissed: boolean;
  dueAt: number;
  /** not handled and past dueAt */
  overdue: boolean;
  escalation: number;
}

/** Every department's timers at `now` (block time or the node's clock): what the command centre's board shows. */
export function eventTimers(r: EventRecord, now: number): PartTimers[] {
  return r.assignments.map((a) => ({
    org: a.org,
    status: a.status,
    ackDueAt: a.ackDueAt,
    acknowledgedAt: a.acknowledgedAt,
    ackMissed: ackMissed(a, now),
    dueAt: a.dueAt,
    overdue: r.status === 'dispatched' && handlingOverdue(a, now),
    escalation: a.escalation,
  }));
}

/** Departments that missed their acknowledgement at `now` (escalate them: `event.escalate`). */
export function missedAcknowledgements(r: EventRecord, now: number): string[] {
  return r.assignments.filter((a) => ackMissed(a, now)).map((a) => a.org);
}

/** A department's contribution and timeliness at `now`, over every event it was on (at most `limit` of them). */
export function departmentRecord(read: StateRead, scan: StateScan, org: string, now: number, limit = EVENTS_QUERY_ITEMS_MAX): DepartmentMetrics {
  return departmentMetrics(eventsOfOrg(read, scan, org, { limit }), org, now);
}

/** A grid worker's coverage and reporting over `period`, or undefined if the grid is not defined. */
export function gridWorkerRecord(read: StateRead, scan: StateScan, grid: string, worker: string, period: MetricsPeriod): GridWorkerMetrics | undefined {
  const g = gridRecord(read, grid);
  if (g === undefined) return undefined;
  const records = { visits: visitsOf(scan, grid, period.from, period.to), patrols: patrolsOf(scan, grid, period.from, period.to), events: eventsOfGrid(read, scan, grid) };
  return gridWorkerMetrics(g, worker, records, period);
}
