/**
 * `event.import`: the command centre records a finished event from its previous system with its timeline — legacy
 * times before the block time and within 400 days, in order, marked `imported` on the record and its steps; only the
 * grid's command centre imports; metrics keep imported figures apart from ledger-timed ones.
 */
import { describe, expect, it } from 'vitest';
import {
  EVENTS_IMPORT_AGE_MS_MAX,
  departmentMetrics,
  eventImport,
  eventRecord,
  eventReport,
  eventsOfOrg,
  gridDefine,
  gridWorkerMetrics,
  gridRecord,
  openEventsOfOrg,
  type EventImportPayload,
  type EventRecord,
  type GridRecord,
} from '../../../src/index.js';
import {
  COMMANDER,
  DAY_MS,
  EV,
  GRID,
  GRID_WORKER,
  HOUR_MS,
  MemState,
  POLICE,
  PROPERTY,
  STREET,
  T0,
  URBAN,
  apply,
  checkSchema,
  ev,
  gridPayload,
  hex64,
  rejected,
  reportPayload,
} from './fixtures.js';

const NOW = T0 + 30 * DAY_MS;
const R = T0; // reported 30 days before NOW

function importPayload(over: Partial<EventImportPayload> = {}): EventImportPayload {
  return {
    event: EV,
    category: 'environment-sanitation',
    severity: 'serious',
    grid: GRID,
    location: { kind: 'building', code: 'b1' },
    descriptionHash: hex64('legacy description'),
    reporter: GRID_WORKER,
    reporterKind: 'grid-worker',
    observedAt: R - HOUR_MS,
    reportedAt: R,
    departments: [
      { org: URBAN.id, assignedAt: R + HOUR_MS, dueAt: R + 25 * HOUR_MS, acceptedAt: R + 2 * HOUR_MS, handledAt: R + 20 * HOUR_MS, result: 'resolved', sentBack: 0 },
      // late (handled after its deadline) and sent back once
      { org: POLICE.id, assignedAt: R + HOUR_MS, dueAt: R + 5 * HOUR_MS, acceptedAt: R + 3 * HOUR_MS, handledAt: R + 30 * HOUR_MS, result: 'partially-resolved', sentBack: 1 },
    ],
    check: 'verified-resolved',
    closedAt: R + 2 * DAY_MS,
    by: COMMANDER,
    ...over,
  };
}

function withGrid(): MemState {
  const s = new MemState();
  apply(gridDefine, s, STREET, gridPayload(), T0 - DAY_MS);
  return s;
}

describe('event.import', () => {
  it('records a closed, imported event with its legacy timeline in time order, every step marked imported', () => {
    const s = withGrid();
    apply(eventImport, s, STREET, importPayload(), NOW);
    const r = eventRecord(s.read, EV) as EventRecord;
    expect(r.status).toBe('closed');
    expect(r.imported).toBe(true);
    expect(r.centre).toBe(STREET.id);
    expect(r.reportedAt).toBe(R);
    expect(r.closedAt).toBe(R + 2 * DAY_MS);
    expect(r.steps.map((st) => [st.action, st.org, st.at - R, st.status])).toEqual([
      ['report', STREET.id, 0, 'reported'],
      ['dispatch', STREET.id, HOUR_MS, 'dispatched'],
      ['accept', URBAN.id, 2 * HOUR_MS, 'dispatched'],
      ['accept', POLICE.id, 3 * HOUR_MS, 'dispatched'],
      ['handle', URBAN.id, 20 * HOUR_MS, 'dispatched'],
      ['handle', POLICE.id, 30 * HOUR_MS, 'handled'],
      ['close', STREET.id, 2 * DAY_MS, 'closed'],
    ].flatMap((x) => (x[0] === 'accept' ? [['acknowledge', x[1], x[2], x[3]], x] : [x])));
    expect(r.steps.every((st) => st.imported === true)).toBe(true);
    expect(r.assignments.map((a) => [a.org, a.status, a.sentBack, a.handledAt! <= a.dueAt])).toEqual([
      [URBAN.id, 'handled', 0, true],
      [POLICE.id, 'handled', 1, false],
    ]);
    // indexed for the departments' records, not in any open list
    expect(eventsOfOrg(s.read, s.scan, POLICE.id).map((e) => e.event)).toEqual([EV]);
    expect(openEventsOfOrg(s.read, s.scan, POLICE.id)).toEqual([]);
  });

  it('a major category keeps its acknowledgement deadline from the legacy assignment time', () => {
    const s = withGrid();
    const at = R + 10 * 60 * 1000;
    apply(eventImport, s, STREET, importPayload({ category: 'fire', severity: 'grave', departments: [{ org: POLICE.id, assignedAt: at, dueAt: at + HOUR_MS, acknowledgedAt: at + 60_000, acceptedAt: at + 120_000, handledAt: at + 30 * 60_000, result: 'resolved', sentBack: 0 }] }), NOW);
    const r = eventRecord(s.read, EV) as EventRecord;
    expect(r.major).toBe(true);
    expect(r.assignments[0]).toMatchObject({ via: 'fan-out', ackDueAt: at + 5 * 60_000, acknowledgedAt: at + 60_000 });
  });

  it('refuses future times, times older than 400 days, a timeline out of order, and anyone but the grid’s command centre', () => {
    const s = withGrid();
    expect(rejected(eventImport, s, STREET, importPayload({ closedAt: NOW + HOUR_MS }), NOW)).toMatch(/not before the block time/);
    expect(rejected(eventImport, s, STREET, importPayload({ observedAt: NOW - EVENTS_IMPORT_AGE_MS_MAX - 1 }), NOW)).toMatch(/400 days/);
    const [u, p] = importPayload().departments;
    expect(rejected(eventImport, s, STREET, importPayload({ departments: [{ ...u!, handledAt: u!.acceptedAt - 1 }, p!] }), NOW)).toMatch(/accepted ≤ handled/);
    expect(rejected(eventImport, s, STREET, importPayload({ closedAt: R + 10 * HOUR_MS }), NOW)).toMatch(/handled ≤ closed/);
    expect(rejected(eventImport, s, STREET, importPayload({ reportedAt: R - 2 * HOUR_MS }), NOW)).toMatch(/observedAt is after reportedAt/);
    expect(rejected(eventImport, s, POLICE, importPayload(), NOW)).toMatch(/only the command centre/);
    expect(rejected(eventImport, s, STREET, importPayload({ location: { kind: 'building', code: 'b9' } }), NOW)).toMatch(/not in grid/);
    expect(rejected(eventImport, s, STREET, importPayload({ departments: [u!, { ...u! }] }), NOW)).toMatch(/named twice/);
    expect(rejected(eventImport, s, STREET, importPayload({ grid: 'g-none' }), NOW)).toMatch(/no grid/);
    apply(eventImport, s, STREET, importPayload(), NOW);
    expect(rejected(eventImport, s, STREET, importPayload(), NOW)).toMatch(/exists/);
  });

  it('the schema bounds departments and send-backs and allows no free text', () => {
    const d = importPayload().departments[0]!;
    expect(() => checkSchema('event.import', importPayload({ departments: Array.from({ length: 9 }, () => d) }))).toThrow();
    expect(() => checkSchema('event.import', importPayload({ departments: [{ ...d, sentBack: 6 }] }))).toThrow();
    expect(() => checkSchema('event.import', importPayload({ departments: [] }))).toThrow();
    expect(() => checkSchema('event.import', { ...importPayload(), note: 'free text' })).toThrow();
    checkSchema('event.import', importPayload());
  });

  it('metrics: imported parts count only in the separate imported figures, ledger-timed ones stay apart', () => {
    const s = withGrid();
    apply(eventImport, s, STREET, importPayload(), NOW);
    apply(eventImport, s, STREET, importPayload({ event: ev('2'), departments: [importPayload().departments[1]!] }), NOW);
    apply(eventReport, s, STREET, reportPayload({ event: ev('live'), observedAt: NOW - 60_000 }), NOW);
    const events = eventsOfOrg(s.read, s.scan, POLICE.id);
    const police = departmentMetrics(events, POLICE.id, NOW);
    expect(police.imported).toEqual({ assigned: 2, handled: 2, handledOnTime: 0, sentBack: 2 });
    expect([police.assigned, police.handled, police.handledOnTime, police.sentBack]).toEqual([0, 0, 0, 0]);
    const urban = departmentMetrics(events, URBAN.id, NOW);
    expect(urban.imported).toEqual({ assigned: 1, handled: 1, handledOnTime: 1, sentBack: 0 });
    expect(departmentMetrics(events, PROPERTY.id, NOW).imported.assigned).toBe(0);
    const all = [...events, eventRecord(s.read, ev('live')) as EventRecord];
    const worker = gridWorkerMetrics(gridRecord(s.read, GRID) as GridRecord, GRID_WORKER, { visits: [], patrols: [], events: all }, { from: 0, to: NOW + 1 });
    expect(worker.reports).toBe(1); // the live report, not the imported ones
  });
});
