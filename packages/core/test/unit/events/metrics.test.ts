/**
 * Contribution and timeliness from the ledger: per department (handled, on time, sent back, acknowledgements, flags,
 * help, escalations) and per grid worker (patrol coverage, buildings patrolled, reporting timeliness), on synthetic
 * records and on a state built by the handlers; pure and order-independent.
 */
import { describe, expect, it } from 'vitest';
import {
  departmentMetrics,
  departmentRecord,
  gridWorkerRecord,
  eventAccept,
  eventAcknowledge,
  eventFlag,
  eventHandle,
  eventReport,
  eventSendBack,
  eventsOfGrid,
  eventsOfOrg,
  gridDefine,
  gridRecord,
  gridVisit,
  gridPatrol,
  gridWorkerMetrics,
  patrolsOf,
  visitsOf,
  type Assignment,
  type EventRecord,
  type EventStep,
  type GridRecord,
  type PatrolRecord,
  type VisitRecord,
} from '../../../src/index.js';
import {
  COMMANDER,
  COMP,
  DAY_MS,
  GRID,
  GRID_WORKER,
  HOUR_MS,
  INSPECTOR,
  MIN_MS,
  MemState,
  OFFICER,
  OTHER_WORKER,
  POLICE,
  PROPERTY,
  RESIDENT,
  STREET,
  T0,
  URBAN,
  WATER,
  apply,
  ev,
  gridPayload,
  hex64,
  household,
  reportPayload,
} from './fixtures.js';

const part = (org: string, over: Partial<Assignment> = {}): Assignment => ({
  org,
  via: 'dispatch',
  status: 'handled',
  assignedAt: T0,
  ackDueAt: null,
  acknowledgedAt: T0,
  acceptedAt: T0,
  dueAt: T0 + HOUR_MS,
  handledAt: T0 + 30 * MIN_MS,
  result: 'resolved',
  sentBack: 0,
  escalation: 0,
  ...over,
});

const step = (action: EventStep['action'], org: string, at: number, over: Partial<EventStep> = {}): EventStep => ({ action, status: 'dispatched', at, org, actor: hex64(org).slice(0, 32), txHash: hex64(`${action} ${org} ${at}`), ...over });

const event = (label: string, over: Partial<EventRecord> = {}): EventRecord => ({
  event: ev(label),
  status: 'closed',
  category: 'safety-hazard',
  severity: 'serious',
  major: false,
  grid: GRID,
  location: { kind: 'building', code: 'b1' },
  descriptionHash: hex64(label),
  reporter: GRID_WORKER,
  reporterKind: 'grid-worker',
  reporterOrg: STREET.id,
  centre: STREET.id,
  observedAt: T0 - 10 * MIN_MS,
  reportedAt: T0,
  assignments: [],
  flags: [],
  steps: [],
  mergedInto: null,
  duplicates: [],
  closedAt: null,
  rating: null,
  ...over,
});

describe('departmentMetrics on synthetic records', () => {
  // 1: police on time; urban late, sent back once, flagged by police, answered
  const e1 = event('1', {
    assignments: [part(POLICE.id), part(URBAN.id, { sentBack: 1, dueAt: T0 + 3 * HOUR_MS })],
    steps: [step('handle', POLICE.id, T0 + 30 * MIN_MS, { dueAt: T0 + HOUR_MS }), step('handle', URBAN.id, T0 + 2 * HOUR_MS, { dueAt: T0 + HOUR_MS }), step('handle', URBAN.id, T0 + 150 * MIN_MS, { dueAt: T0 + 3 * HOUR_MS })],
    flags: [{ step: 1, kind: 'result-disputed', by: POLICE.id, target: URBAN.id, raisedAt: T0, answer: 'redo-agreed', answeredAt: T0 + MIN_MS }],
  });
  // 2: a major event still open: police acknowledged in time, urban late, water never; urban asked water for help
  const e2 = event('2', {
    status: 'dispatched',
    major: true,
    assignments: [
      part(POLICE.id, { via: 'fan-out', status: 'accepted', ackDueAt: T0 + 5 * MIN_MS, acknowledgedAt: T0 + 2 * MIN_MS, handledAt: null, result: null }),
      part(URBAN.id, { via: 'fan-out', status: 'acknowledged', ackDueAt: T0 + 5 * MIN_MS, acknowledgedAt: T0 + 9 * MIN_MS, handledAt: null, result: null, escalation: 1 }),
      part(WATER.id, { via: 'help', requestedBy: URBAN.id, status: 'assigned', acknowledgedAt: null, acceptedAt: null, handledAt: null, result: null }),
    ],
    flags: [{ step: 0, kind: 'not-handled', by: URBAN.id, target: WATER.id, raisedAt: T0, answer: null, answeredAt: null }],
  });
  // 3: not police's at all
  const e3 = event('3', { assignments: [part(COMP.id)], steps: [step('handle', COMP.id, T0)] });
  const NOW = T0 + 2 * HOUR_MS;

  it('counts each department\'s part of the record', () => {
    expect(departmentMetrics([e1, e2, e3], POLICE.id, NOW)).toEqual({
      org: POLICE.id,
      assigned: 2,
      helpGiven: 0,
      helpRequested: 0,
      acknowledgementsDue: 1,
      acknowledgedOnTime: 1,
      acknowledgementsMissed: 0,
      handled: 1,
      handledOnTime: 1,
      overdue: 1,
      sentBack: 0,
      flagsRaised: 1,
      flagsReceived: 0,
      flagsAnswered: 0,
      escalated: 0,
      imported: { assigned: 0, handled: 0, handledOnTime: 0, sentBack: 0 },
    });
    expect(departmentMetrics([e1, e2, e3], URBAN.id, NOW)).toMatchObject({
      assigned: 2,
      helpRequested: 1,
      acknowledgementsDue: 1,
      acknowledgedOnTime: 0,
      acknowledgementsMissed: 1,
      handled: 2,
      handledOnTime: 1,
      sentBack: 1,
      flagsRaised: 1,
      flagsReceived: 1,
      flagsAnswered: 1,
      escalated: 1,
      imported: { assigned: 0, handled: 0, handledOnTime: 0, sentBack: 0 },
    });
    expect(departmentMetrics([e1, e2, e3], WATER.id, NOW)).toMatchObject({ assigned: 1, helpGiven: 1, acknowledgementsDue: 0, overdue: 1, flagsReceived: 1, flagsAnswered: 0 });
  });

  it('depends on the time only through the deadlines, and not on the order of the records', () => {
    expect(departmentMetrics([e2], POLICE.id, T0 + HOUR_MS).overdue).toBe(0);
    expect(departmentMetrics([e2], POLICE.id, T0 + HOUR_MS + 1).overdue).toBe(1);
    expect(departmentMetrics([e3, e2, e1], URBAN.id, NOW)).toEqual(departmentMetrics([e1, e2, e3], URBAN.id, NOW));
    expect(departmentMetrics([], POLICE.id, NOW)).toMatchObject({ assigned: 0, handled: 0 });
  });
});

describe('gridWorkerMetrics on synthetic records', () => {
  const grid: GridRecord = { grid: GRID, org: STREET.id, buildings: [{ building: 'b1', households: 4 }, { building: 'b2', households: 6 }, { building: 'b3', households: 0 }], workers: [GRID_WORKER], by: COMMANDER, at: T0, txHash: hex64('g') };
  const visit = (building: string, hs: string[], at = T0, worker = GRID_WORKER): VisitRecord => ({ grid: GRID, building, worker, households: hs.map(household), purpose: 'routine', at, txHash: hex64(`${building}${at}${hs.join()}`) });
  const patrol = (building: string, at = T0, worker = GRID_WORKER): PatrolRecord => ({ grid: GRID, building, worker, at, txHash: hex64(`p${building}${at}`) });
  const period = { from: T0, to: T0 + 30 * DAY_MS };

  it('coverage = distinct households visited ÷ households, capped per building; buildings patrolled; reporting timeliness', () => {
    const visits = [
      visit('b1', ['1', '2']),
      visit('b1', ['2', '3'], T0 + DAY_MS), // household 2 again: counted once
      visit('b2', ['a', 'b', 'c', 'd', 'e', 'f', 'g']), // 7 tokens, 6 households: capped
      visit('b2', ['x'], T0 - 1), // before the period
      visit('b1', ['9'], T0, OTHER_WORKER), // someone else
    ];
    const patrols = [patrol('b1'), patrol('b1', T0 + DAY_MS), patrol('b3', T0 + 31 * DAY_MS)];
    const events = [
      event('on time'), // observed 10 min before
      event('late', { observedAt: T0 - 2 * HOUR_MS }),
      event('exactly an hour', { observedAt: T0 - HOUR_MS }),
      event('by a resident', { reporter: RESIDENT, reporterKind: 'resident', reporterOrg: PROPERTY.id }),
      event('other grid', { grid: 'g-west' }),
    ];
    expect(gridWorkerMetrics(grid, GRID_WORKER, { visits, patrols, events }, period)).toEqual({
      grid: GRID,
      worker: GRID_WORKER,
      households: 10,
      householdsVisited: 9,
      coverage: 0.9,
      buildings: 3,
      buildingsPatrolled: 1,
      reports: 3,
      timelyReports: 2,
      residentReports: 1,
    });
  });

  it('an empty grid has coverage 0; another worker has their own record', () => {
    expect(gridWorkerMetrics({ ...grid, buildings: [{ building: 'b1', households: 0 }] }, GRID_WORKER, { visits: [], patrols: [], events: [] }, period).coverage).toBe(0);
    expect(gridWorkerMetrics(grid, OTHER_WORKER, { visits: [visit('b1', ['9'], T0, OTHER_WORKER)], patrols: [], events: [] }, period)).toMatchObject({ householdsVisited: 1, coverage: 0.1, reports: 0 });
  });
});

describe('metrics over a state built by the handlers', () => {
  it('read back through the queries, the numbers are what happened', () => {
    const s = new MemState();
    apply(gridDefine, s, STREET, gridPayload(), T0 - DAY_MS);
    const FIRE = ev('fire');
    apply(eventReport, s, STREET, reportPayload({ event: FIRE, category: 'fire', severity: 'minor' }), T0);
    apply(eventAcknowledge, s, POLICE, { event: FIRE, by: OFFICER }, T0 + MIN_MS);
    apply(eventAccept, s, POLICE, { event: FIRE, by: OFFICER }, T0 + 2 * MIN_MS);
    apply(eventAccept, s, URBAN, { event: FIRE, by: INSPECTOR }, T0 + 20 * MIN_MS);
    apply(eventHandle, s, POLICE, { event: FIRE, result: 'resolved', photoHashes: [], by: OFFICER }, T0 + 40 * MIN_MS);
    apply(eventHandle, s, URBAN, { event: FIRE, result: 'temporary-measure', photoHashes: [], by: INSPECTOR }, T0 + 70 * MIN_MS);
    apply(eventFlag, s, POLICE, { event: FIRE, step: 5, kind: 'result-disputed', evidenceHashes: [], by: OFFICER }, T0 + 71 * MIN_MS);
    apply(eventSendBack, s, STREET, { event: FIRE, departments: [{ org: URBAN.id, deadlineMinutes: 60 }], reason: 'incomplete', by: COMMANDER }, T0 + 75 * MIN_MS);
    apply(gridPatrol, s, STREET, { grid: GRID, building: 'b1', worker: GRID_WORKER }, T0 - HOUR_MS);
    apply(gridVisit, s, STREET, { grid: GRID, building: 'b2', worker: GRID_WORKER, households: [household('1'), household('2'), household('3')], purpose: 'safety-check' }, T0 - HOUR_MS);
    const now = T0 + 80 * MIN_MS;
    const police = departmentMetrics(eventsOfOrg(s.read, s.scan, POLICE.id), POLICE.id, now);
    const urban = departmentMetrics(eventsOfOrg(s.read, s.scan, URBAN.id), URBAN.id, now);
    expect(police).toMatchObject({ assigned: 1, acknowledgementsDue: 1, acknowledgedOnTime: 1, acknowledgementsMissed: 0, handled: 1, handledOnTime: 1, flagsRaised: 1, sentBack: 0 });
    // accepted at 20 min: the acknowledgement (due at 5 min) was missed; handled at 70 min, past the 60-minute deadline
    expect(urban).toMatchObject({ assigned: 1, acknowledgementsMissed: 1, acknowledgedOnTime: 0, handled: 1, handledOnTime: 0, flagsReceived: 1, flagsAnswered: 0, sentBack: 1 });
    const worker = gridWorkerMetrics(gridRecord(s.read, GRID)!, GRID_WORKER, { visits: visitsOf(s.scan, GRID), patrols: patrolsOf(s.scan, GRID), events: eventsOfGrid(s.read, s.scan, GRID) }, { from: T0 - DAY_MS, to: now });
    expect(worker).toMatchObject({ households: 10, householdsVisited: 3, coverage: 0.3, buildingsPatrolled: 1, reports: 1, timelyReports: 1 });
    expect(gridWorkerRecord(s.read, s.scan, GRID, GRID_WORKER, { from: T0 - DAY_MS, to: now })).toEqual(worker);
    expect(gridWorkerRecord(s.read, s.scan, 'g-none', GRID_WORKER, { from: T0, to: now })).toBeUndefined();
    expect(departmentRecord(s.read, s.scan, URBAN.id, now)).toEqual(urban);
    // a period that ends before the visit and the patrol sees neither
    expect(gridWorkerRecord(s.read, s.scan, GRID, GRID_WORKER, { from: T0 - DAY_MS, to: T0 - HOUR_MS })).toMatchObject({ householdsVisited: 0, buildingsPatrolled: 0 });
  });
});
