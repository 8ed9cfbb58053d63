/**
 * The handlers over an in-memory state: what each writes (the record, its parts, flags, steps and indexes), that each
 * re-checks the transition against the state, the payload's pseudonym and the signing organisation — a department
 * not assigned, or a step out of order, is rejected with nothing written — the major-event fan-out with a missed
 * acknowledgement found from the state later, the grid's transactions, and determinism.
 */
import { describe, expect, it } from 'vitest';
import {
  configureDepartment,
  eventAccept,
  eventAcknowledge,
  eventAnswerFlag,
  eventClose,
  eventDispatch,
  eventEscalate,
  eventFlag,
  eventHandle,
  eventKey,
  eventRate,
  eventRecord,
  eventReport,
  eventRequestHelp,
  eventSendBack,
  eventTimeline,
  eventTimers,
  eventTriage,
  gridDefine,
  gridKey,
  gridPatrol,
  gridVisit,
  inbox,
  missedAcknowledgements,
  openEventsInGrid,
  openEventsOfOrg,
  eventsOfOrg,
  patrolsOf,
  reportsOf,
  visitsOf,
  type EventRecord,
} from '../../../src/index.js';
import {
  AUDITOR,
  CIVIL,
  CLERK,
  COMMANDER,
  COMP,
  EV,
  GRID,
  GRID_WORKER,
  HOUR_MS,
  INSPECTOR,
  JUDICIARY,
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
  rejected,
  reportPayload,
  txHashOf,
} from './fixtures.js';

const record = (s: MemState, id = EV): EventRecord => s.get(eventKey(id)) as EventRecord;
const part = (s: MemState, org: string, id = EV) => record(s, id).assignments.find((a) => a.org === org)!;

function withGrid(): MemState {
  const s = new MemState();
  apply(gridDefine, s, STREET, gridPayload(), T0 - DAY);
  return s;
}
const DAY = 24 * HOUR_MS;

function reported(): MemState {
  const s = withGrid();
  apply(eventReport, s, STREET, reportPayload());
  return s;
}

/** The story: report → triage accept → dispatch police (60 min) and urban management (120 min), a minute per step. */
const STORY = ['triage', 'dispatch', 'police-accept', 'urban-ack', 'urban-accept', 'police-handle', 'urban-handle', 'close', 'rate'] as const;
type StoryStep = (typeof STORY)[number];

function storyTo(until: StoryStep): MemState {
  const s = reported();
  let t = T0;
  for (const step of STORY) {
    t += MIN_MS;
    if (step === 'triage') apply(eventTriage, s, STREET, { event: EV, decision: 'accept', by: COMMANDER }, t);
    if (step === 'dispatch') apply(eventDispatch, s, STREET, { event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 60 }, { org: URBAN.id, deadlineMinutes: 120 }], by: COMMANDER }, t);
    if (step === 'police-accept') apply(eventAccept, s, POLICE, { event: EV, by: OFFICER }, t);
    if (step === 'urban-ack') apply(eventAcknowledge, s, URBAN, { event: EV, by: INSPECTOR }, t);
    if (step === 'urban-accept') apply(eventAccept, s, URBAN, { event: EV, by: INSPECTOR }, t);
    if (step === 'police-handle') apply(eventHandle, s, POLICE, { event: EV, result: 'resolved', photoHashes: [hex64('after')], by: OFFICER }, t);
    if (step === 'urban-handle') apply(eventHandle, s, URBAN, { event: EV, result: 'resolved', photoHashes: [], by: INSPECTOR }, t);
    if (step === 'close') apply(eventClose, s, STREET, { event: EV, check: 'verified-resolved', photoHashes: [hex64('check')], by: COMMANDER }, t);
    if (step === 'rate') apply(eventRate, s, STREET, { event: EV, reporter: GRID_WORKER, rating: 5 }, t);
    if (step === until) break;
  }
  return s;
}

describe('event.report', () => {
  it('writes the record (block time, reporter org, centre, first step) and its indexes', () => {
    const s = reported();
    const p = reportPayload();
    expect(record(s)).toEqual({
      event: EV,
      status: 'reported',
      category: 'safety-hazard',
      severity: 'serious',
      major: false,
      grid: GRID,
      location: { kind: 'building', code: 'b1' },
      descriptionHash: p.descriptionHash,
      reporter: GRID_WORKER,
      reporterKind: 'grid-worker',
      reporterOrg: STREET.id,
      centre: STREET.id,
      observedAt: p.observedAt,
      reportedAt: T0,
      assignments: [],
      flags: [],
      steps: [{ action: 'report', status: 'reported', at: T0, org: STREET.id, actor: GRID_WORKER, txHash: txHashOf('event.report', STREET, p, T0), photoHashes: p.photoHashes }],
      mergedInto: null,
      duplicates: [],
      closedAt: null,
      rating: null,
    });
    expect(s.keys('events/').filter((k) => !k.startsWith('events/grid/'))).toEqual([
      `events/by-grid/${GRID}/${EV}`,
      `events/by-org/street-office/${EV}`,
      `events/by-reporter/street-office/${GRID_WORKER}/${EV}`,
      eventKey(EV),
      `events/open-grid/${GRID}/${EV}`,
      `events/open-org/street-office/${EV}`,
    ]);
  });

  it('a resident reports a common area through their own organisation', () => {
    const s = withGrid();
    apply(eventReport, s, PROPERTY, reportPayload({ reporter: RESIDENT, reporterKind: 'resident', location: { kind: 'common-area', code: 'north-gate' } }));
    expect(record(s)).toMatchObject({ reporterOrg: PROPERTY.id, centre: STREET.id, status: 'reported' });
  });

  it('refuses an existing id, an unknown grid, a building outside the grid, another grid\'s worker, a stale or future observation', () => {
    const s = reported();
    expect(rejected(eventReport, s, STREET, reportPayload())).toMatch(/already exists/);
    const g = withGrid();
    expect(rejected(eventReport, g, STREET, reportPayload({ grid: 'g-west-9' }), T0)).toMatch(/no grid/);
    expect(rejected(eventReport, g, STREET, reportPayload({ location: { kind: 'building', code: 'b9' } }), T0)).toMatch(/not in grid/);
    expect(rejected(eventReport, g, STREET, reportPayload({ reporter: OTHER_WORKER }), T0)).toMatch(/grid worker/);
    // a grid worker's report is signed by the grid's organisation
    expect(rejected(eventReport, g, PROPERTY, reportPayload(), T0)).toMatch(/grid worker/);
    expect(rejected(eventReport, g, STREET, reportPayload({ observedAt: T0 - 8 * DAY }), T0)).toMatch(/7 days/);
    expect(rejected(eventReport, g, STREET, reportPayload({ observedAt: T0 + HOUR_MS }), T0)).toMatch(/future/);
    expect(rejected(eventReport, g, STREET, reportPayload({ centre: 'nobody' }), T0)).toMatch(/not an organisation/);
  });
});

describe('the happy path', () => {
  it('moves through every status, each step signed by the organisation that acted', () => {
    const statuses: Record<StoryStep, string> = {
      triage: 'filed',
      dispatch: 'dispatched',
      'police-accept': 'dispatched',
      'urban-ack': 'dispatched',
      'urban-accept': 'dispatched',
      'police-handle': 'dispatched',
      'urban-handle': 'handled',
      close: 'closed',
      rate: 'closed',
    };
    for (const step of STORY) expect(record(storyTo(step)).status, step).toBe(statuses[step]);
    const done = storyTo('rate');
    expect(eventTimeline(record(done)).map((e) => [e.index, e.action, e.org, e.status])).toEqual([
      [0, 'report', STREET.id, 'reported'],
      [1, 'triage', STREET.id, 'filed'],
      [2, 'dispatch', STREET.id, 'dispatched'],
      [3, 'accept', POLICE.id, 'dispatched'],
      [4, 'acknowledge', URBAN.id, 'dispatched'],
      [5, 'accept', URBAN.id, 'dispatched'],
      [6, 'handle', POLICE.id, 'dispatched'],
      [7, 'handle', URBAN.id, 'handled'],
      [8, 'close', STREET.id, 'closed'],
      [9, 'rate', STREET.id, 'closed'],
    ]);
    expect(record(done)).toMatchObject({ closedAt: T0 + 8 * MIN_MS, rating: 5 });
  });

  it('records each department\'s part with block times and deadlines', () => {
    const s = storyTo('police-handle');
    expect(part(s, POLICE.id)).toEqual({
      org: POLICE.id,
      via: 'dispatch',
      status: 'handled',
      assignedAt: T0 + 2 * MIN_MS,
      ackDueAt: null,
      acknowledgedAt: T0 + 3 * MIN_MS,
      acceptedAt: T0 + 3 * MIN_MS,
      dueAt: T0 + 62 * MIN_MS,
      handledAt: T0 + 6 * MIN_MS,
      result: 'resolved',
      sentBack: 0,
      escalation: 0,
    });
    expect(part(s, URBAN.id)).toMatchObject({ status: 'accepted', acknowledgedAt: T0 + 4 * MIN_MS, dueAt: T0 + 122 * MIN_MS });
    expect(record(s).steps[6]).toMatchObject({ action: 'handle', result: 'resolved', dueAt: T0 + 62 * MIN_MS });
  });

  it('keeps the open indexes in step: grid, centre and departments while open; by-org and by-grid for ever', () => {
    const open = storyTo('dispatch');
    expect(open.keys('events/open-org/')).toEqual([`events/open-org/police/${EV}`, `events/open-org/street-office/${EV}`, `events/open-org/urban-management/${EV}`]);
    expect(openEventsInGrid(open.read, open.scan, GRID).map((r) => r.event)).toEqual([EV]);
    expect(inbox(open.read, open.scan, POLICE.id).map((r) => r.event)).toEqual([EV]);
    expect(inbox(storyTo('police-handle').read, storyTo('police-handle').scan, POLICE.id)).toEqual([]);
    const closed = storyTo('close');
    expect(closed.keys('events/open-')).toEqual([]);
    expect(openEventsOfOrg(closed.read, closed.scan, STREET.id)).toEqual([]);
    expect(eventsOfOrg(closed.read, closed.scan, POLICE.id).map((r) => r.status)).toEqual(['closed']);
    expect(closed.get(`events/by-grid/${GRID}/${EV}`)).toBe('closed');
    expect(reportsOf(closed.read, closed.scan, STREET.id, GRID_WORKER).map((r) => [r.event, r.status])).toEqual([[EV, 'closed']]);
    expect(reportsOf(closed.read, closed.scan, PROPERTY.id, GRID_WORKER)).toEqual([]);
  });
});

describe('steps out of order are rejected with nothing written', () => {
  it('before triage, before dispatch, before accept, before every part is handled, after close', () => {
    expect(rejected(eventDispatch, reported(), STREET, { event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 60 }], by: COMMANDER })).toMatch(/it is reported/);
    expect(rejected(eventAccept, storyTo('triage'), POLICE, { event: EV, by: OFFICER })).toMatch(/it is filed/);
    expect(rejected(eventHandle, storyTo('dispatch'), POLICE, { event: EV, result: 'resolved', photoHashes: [], by: OFFICER })).toMatch(/accept it before handling/);
    expect(rejected(eventAcknowledge, storyTo('police-accept'), POLICE, { event: EV, by: OFFICER })).toMatch(/only a newly assigned part/);
    expect(rejected(eventAccept, storyTo('urban-accept'), URBAN, { event: EV, by: INSPECTOR })).toMatch(/already accepted/);
    expect(rejected(eventClose, storyTo('police-handle'), STREET, { event: EV, check: 'verified-resolved', photoHashes: [], by: COMMANDER })).toMatch(/it is dispatched/);
    expect(rejected(eventTriage, storyTo('triage'), STREET, { event: EV, decision: 'accept', by: COMMANDER })).toMatch(/it is filed/);
    expect(rejected(eventHandle, storyTo('close'), URBAN, { event: EV, result: 'resolved', photoHashes: [], by: INSPECTOR })).toMatch(/it is closed/);
    expect(rejected(eventRate, storyTo('urban-handle'), STREET, { event: EV, reporter: GRID_WORKER, rating: 4 })).toMatch(/it is handled/);
    expect(rejected(eventRate, storyTo('rate'), STREET, { event: EV, reporter: GRID_WORKER, rating: 4 })).toMatch(/already rated/);
    expect(rejected(eventAccept, storyTo('dispatch'), POLICE, { event: ev('none'), by: OFFICER })).toMatch(/no such event/);
  });
});

describe('a department the event is not assigned to', () => {
  it('is refused for every department step, whatever it signs', () => {
    const s = storyTo('dispatch');
    expect(rejected(eventAccept, s, JUDICIARY, { event: EV, by: CLERK })).toMatch(/judiciary is not assigned/);
    expect(rejected(eventAcknowledge, s, CIVIL, { event: EV, by: CLERK })).toMatch(/not assigned/);
    expect(rejected(eventHandle, storyTo('police-accept'), JUDICIARY, { event: EV, result: 'resolved', photoHashes: [], by: CLERK })).toMatch(/not assigned/);
    expect(rejected(eventRequestHelp, s, JUDICIARY, { event: EV, to: CIVIL.id, reason: 'manpower', deadlineMinutes: 60, by: CLERK })).toMatch(/not assigned/);
    expect(rejected(eventFlag, storyTo('police-handle'), JUDICIARY, { event: EV, step: 6, kind: 'result-disputed', evidenceHashes: [], by: CLERK })).toMatch(/neither/);
  });

  it('cannot act for the command centre, and the reporter alone rates', () => {
    const s = reported();
    expect(rejected(eventTriage, s, POLICE, { event: EV, decision: 'reject', reason: 'not-an-event', by: OFFICER })).toMatch(/only the command centre/);
    expect(rejected(eventClose, storyTo('urban-handle'), POLICE, { event: EV, check: 'verified-resolved', photoHashes: [], by: OFFICER })).toMatch(/command centre/);
    expect(rejected(eventRate, storyTo('close'), STREET, { event: EV, reporter: COMMANDER, rating: 1 })).toMatch(/only the reporter/);
    expect(rejected(eventRate, storyTo('close'), PROPERTY, { event: EV, reporter: GRID_WORKER, rating: 1 })).toMatch(/only the reporter/);
  });
});

describe('event.triage', () => {
  it('rejects with a reason code: final, out of the open indexes', () => {
    const s = reported();
    apply(eventTriage, s, STREET, { event: EV, decision: 'reject', reason: 'outside-area', by: COMMANDER }, T0 + MIN_MS);
    expect(record(s)).toMatchObject({ status: 'rejected' });
    expect(record(s).steps[1]).toMatchObject({ action: 'triage', decision: 'reject', reason: 'outside-area' });
    expect(s.keys('events/open-')).toEqual([]);
  });

  it('merges a duplicate into an open event, which lists it', () => {
    const s = storyTo('dispatch');
    const dup = ev('dup');
    apply(eventReport, s, PROPERTY, reportPayload({ event: dup, reporter: RESIDENT, reporterKind: 'resident' }), T0 + 5 * MIN_MS);
    apply(eventTriage, s, STREET, { event: dup, decision: 'merge', into: EV, by: COMMANDER }, T0 + 6 * MIN_MS);
    expect(record(s, dup)).toMatchObject({ status: 'merged', mergedInto: EV });
    expect(record(s).duplicates).toEqual([dup]);
  });

  it('refuses a merge into a missing, final or the same event', () => {
    const s = reported();
    expect(rejected(eventTriage, s, STREET, { event: EV, decision: 'merge', into: ev('ghost'), by: COMMANDER })).toMatch(/no event/);
    expect(rejected(eventTriage, s, STREET, { event: EV, decision: 'merge', into: EV, by: COMMANDER })).toMatch(/itself/);
    const closed = storyTo('close');
    const dup = ev('late');
    apply(eventReport, closed, STREET, reportPayload({ event: dup }), T0 + HOUR_MS);
    expect(rejected(eventTriage, closed, STREET, { event: dup, decision: 'merge', into: EV, by: COMMANDER })).toMatch(/is closed/);
  });
});

describe('event.dispatch', () => {
  it('refuses a department already on the event, an organisation outside the chain, the same one twice', () => {
    const s = storyTo('dispatch');
    expect(rejected(eventDispatch, s, STREET, { event: EV, departments: [{ org: POLICE.id, deadlineMinutes: 30 }], by: COMMANDER })).toMatch(/already assigned/);
    expect(rejected(eventDispatch, s, STREET, { event: EV, departments: [{ org: 'fire-brigade', deadlineMinutes: 30 }], by: COMMANDER })).toMatch(/not an organisation/);
    expect(rejected(eventDispatch, s, STREET, { event: EV, departments: [{ org: CIVIL.id, deadlineMinutes: 30 }, { org: CIVIL.id, deadlineMinutes: 60 }], by: COMMANDER })).toMatch(/named twice/);
  });

  it('adds a department while others work, and after all had handled (the event is dispatched again)', () => {
    const s = storyTo('urban-handle');
    apply(eventDispatch, s, STREET, { event: EV, departments: [{ org: CIVIL.id, deadlineMinutes: 240 }], by: COMMANDER }, T0 + HOUR_MS);
    expect(record(s).status).toBe('dispatched');
    expect(part(s, CIVIL.id)).toMatchObject({ via: 'dispatch', status: 'assigned', dueAt: T0 + 5 * HOUR_MS });
  });
});

describe('event.request_help', () => {
  it('adds the helper with its own deadline; the event is handled only when the helper has handled too', () => {
    const s = storyTo('urban-accept');
    apply(eventRequestHelp, s, POLICE, { event: EV, to: CIVIL.id, reason: 'expertise', deadlineMinutes: 90, by: OFFICER }, T0 + 10 * MIN_MS);
    expect(part(s, CIVIL.id)).toMatchObject({ via: 'help', requestedBy: POLICE.id, dueAt: T0 + 100 * MIN_MS, status: 'assigned' });
    apply(eventHandle, s, POLICE, { event: EV, result: 'resolved', photoHashes: [], by: OFFICER }, T0 + 11 * MIN_MS);
    apply(eventHandle, s, URBAN, { event: EV, result: 'resolved', photoHashes: [], by: INSPECTOR }, T0 + 12 * MIN_MS);
    expect(record(s).status).toBe('dispatched');
    apply(eventAccept, s, CIVIL, { event: EV, by: CLERK }, T0 + 13 * MIN_MS);
    apply(eventHandle, s, CIVIL, { event: EV, result: 'resolved', photoHashes: [], by: CLERK }, T0 + 14 * MIN_MS);
    expect(record(s).status).toBe('handled');
    expect(rejected(eventRequestHelp, storyTo('urban-accept'), POLICE, { event: EV, to: URBAN.id, reason: 'manpower', deadlineMinutes: 60, by: OFFICER })).toMatch(/already assigned/);
    expect(rejected(eventRequestHelp, storyTo('police-handle'), POLICE, { event: EV, to: CIVIL.id, reason: 'manpower', deadlineMinutes: 60, by: OFFICER })).toMatch(/already handled/);
  });
});

describe('flags (mutual supervision)', () => {
  const URBAN_HANDLE = 7;

  it('a department flags another\'s step, the flagged department answers; both stay on the record', () => {
    const s = storyTo('urban-handle');
    apply(eventFlag, s, POLICE, { event: EV, step: URBAN_HANDLE, kind: 'result-disputed', evidenceHashes: [hex64('still blocked')], by: OFFICER }, T0 + 20 * MIN_MS);
    expect(record(s).flags).toEqual([{ step: URBAN_HANDLE, kind: 'result-disputed', by: POLICE.id, target: URBAN.id, raisedAt: T0 + 20 * MIN_MS, answer: null, answeredAt: null }]);
    apply(eventAnswerFlag, s, URBAN, { event: EV, flag: 0, answer: 'redo-agreed', evidenceHashes: [], by: INSPECTOR }, T0 + 30 * MIN_MS);
    expect(record(s).flags[0]).toMatchObject({ answer: 'redo-agreed', answeredAt: T0 + 30 * MIN_MS });
    expect(record(s).steps.slice(-2).map((x) => [x.action, x.org])).toEqual([['flag', POLICE.id], ['answer_flag', URBAN.id]]);
    expect(rejected(eventAnswerFlag, s, URBAN, { event: EV, flag: 0, answer: 'result-upheld', evidenceHashes: [], by: INSPECTOR })).toMatch(/already answered/);
  });

  it('the command centre may flag too, also after closing', () => {
    const s = storyTo('close');
    apply(eventFlag, s, STREET, { event: EV, step: 6, kind: 'not-handled', evidenceHashes: [], by: COMMANDER }, T0 + DAY);
    expect(record(s).flags[0]).toMatchObject({ by: STREET.id, target: POLICE.id, kind: 'not-handled' });
  });

  it('refuses a step that does not exist, one\'s own step, a step that is not a department\'s, a second open flag, answers by others', () => {
    const s = storyTo('urban-handle');
    expect(rejected(eventFlag, s, POLICE, { event: EV, step: 42, kind: 'not-handled', evidenceHashes: [], by: OFFICER })).toMatch(/no step 42/);
    expect(rejected(eventFlag, s, POLICE, { event: EV, step: 6, kind: 'not-handled', evidenceHashes: [], by: OFFICER })).toMatch(/own step/);
    expect(rejected(eventFlag, s, POLICE, { event: EV, step: 0, kind: 'not-handled', evidenceHashes: [], by: OFFICER })).toMatch(/not a department's step/);
    apply(eventFlag, s, POLICE, { event: EV, step: URBAN_HANDLE, kind: 'not-handled', evidenceHashes: [], by: OFFICER }, T0 + HOUR_MS);
    expect(rejected(eventFlag, s, POLICE, { event: EV, step: URBAN_HANDLE, kind: 'result-disputed', evidenceHashes: [], by: OFFICER })).toMatch(/already has an open flag/);
    expect(rejected(eventAnswerFlag, s, POLICE, { event: EV, flag: 0, answer: 'handled-now', evidenceHashes: [], by: OFFICER })).toMatch(/only the flagged department/);
    expect(rejected(eventAnswerFlag, s, URBAN, { event: EV, flag: 3, answer: 'handled-now', evidenceHashes: [], by: INSPECTOR })).toMatch(/no flag 3/);
  });
});

describe('event.send_back and event.escalate', () => {
  it('sends a handled part back with a new deadline; the department handles it again', () => {
    const s = storyTo('urban-handle');
    apply(eventSendBack, s, STREET, { event: EV, departments: [{ org: URBAN.id, deadlineMinutes: 60 }], reason: 'incomplete', by: COMMANDER }, T0 + HOUR_MS);
    expect(record(s).status).toBe('dispatched');
    expect(part(s, URBAN.id)).toMatchObject({ status: 'accepted', dueAt: T0 + 2 * HOUR_MS, handledAt: null, result: null, sentBack: 1 });
    apply(eventHandle, s, URBAN, { event: EV, result: 'resolved', photoHashes: [], by: INSPECTOR }, T0 + 90 * MIN_MS);
    expect(record(s).status).toBe('handled');
    expect(rejected(eventSendBack, storyTo('police-handle'), STREET, { event: EV, departments: [{ org: URBAN.id, deadlineMinutes: 60 }], reason: 'incomplete', by: COMMANDER })).toMatch(/no handled part/);
  });

  it('escalates only past a deadline by block time, one level at a time', () => {
    const s = storyTo('dispatch');
    expect(rejected(eventEscalate, s, STREET, { event: EV, department: POLICE.id, level: 1, by: COMMANDER }, T0 + 30 * MIN_MS)).toMatch(/missed neither/);
    apply(eventEscalate, s, STREET, { event: EV, department: POLICE.id, level: 1, by: COMMANDER }, T0 + 63 * MIN_MS);
    expect(part(s, POLICE.id).escalation).toBe(1);
    expect(rejected(eventEscalate, s, STREET, { event: EV, department: POLICE.id, level: 3, by: COMMANDER }, T0 + 2 * HOUR_MS)).toMatch(/level 2, not 3/);
    expect(rejected(eventEscalate, s, STREET, { event: EV, department: CIVIL.id, level: 1, by: COMMANDER }, T0 + 2 * HOUR_MS)).toMatch(/not assigned/);
  });
});

describe('major events', () => {
  const FIRE = ev('fire');
  const fire = (s: MemState) => apply(eventReport, s, STREET, reportPayload({ event: FIRE, category: 'fire', severity: 'serious' }), T0);

  it('fan out at report to every responsible department of the chain, with acknowledgement and handling deadlines', () => {
    const s = withGrid();
    fire(s);
    const r = record(s, FIRE);
    expect(r).toMatchObject({ status: 'dispatched', major: true });
    // police, urban-management, property, utilities (water-company; power and gas companies are not in this chain), comprehensive-management
    expect(r.assignments.map((a) => [a.org, a.department, a.via])).toEqual([
      [POLICE.id, 'police', 'fan-out'],
      [URBAN.id, 'urban-management', 'fan-out'],
      [PROPERTY.id, 'property', 'fan-out'],
      [WATER.id, 'utilities', 'fan-out'],
      [COMP.id, 'comprehensive-management', 'fan-out'],
    ]);
    for (const a of r.assignments) expect(a).toMatchObject({ ackDueAt: T0 + 5 * MIN_MS, dueAt: T0 + 60 * MIN_MS, acknowledgedAt: null });
    expect(r.steps[0]!.departments).toHaveLength(5);
    for (const o of [POLICE, URBAN, PROPERTY, WATER, COMP]) expect(inbox(s.read, s.scan, o.id).map((e) => e.event)).toEqual([FIRE]);
  });

  it('a missed acknowledgement is found from the state at any later time, and escalated', () => {
    const s = withGrid();
    fire(s);
    apply(eventAcknowledge, s, POLICE, { event: FIRE, by: OFFICER }, T0 + 2 * MIN_MS);
    apply(eventAcknowledge, s, URBAN, { event: FIRE, by: INSPECTOR }, T0 + 4 * MIN_MS);
    apply(eventAccept, s, PROPERTY, { event: FIRE, by: CLERK }, T0 + 5 * MIN_MS); // exactly at the deadline: on time
    apply(eventAcknowledge, s, WATER, { event: FIRE, by: CLERK }, T0 + 9 * MIN_MS); // late
    // comprehensive management never acknowledges
    const later = eventRecord(s.read, FIRE)!;
    expect(missedAcknowledgements(later, T0 + 4 * MIN_MS)).toEqual([]);
    expect(missedAcknowledgements(later, T0 + 6 * MIN_MS)).toEqual([WATER.id, COMP.id]);
    expect(missedAcknowledgements(later, T0 + 30 * DAY)).toEqual([WATER.id, COMP.id]);
    expect(eventTimers(later, T0 + 6 * MIN_MS).map((t) => [t.org, t.ackMissed])).toEqual([
      [POLICE.id, false],
      [URBAN.id, false],
      [PROPERTY.id, false],
      [WATER.id, true],
      [COMP.id, true],
    ]);
    expect(rejected(eventEscalate, s, STREET, { event: FIRE, department: POLICE.id, level: 1, by: COMMANDER }, T0 + 6 * MIN_MS)).toMatch(/missed neither/);
    apply(eventEscalate, s, STREET, { event: FIRE, department: COMP.id, level: 1, by: COMMANDER }, T0 + 6 * MIN_MS);
    expect(part(s, COMP.id, FIRE).escalation).toBe(1);
    expect(record(s, FIRE).steps.at(-1)).toMatchObject({ action: 'escalate', org: STREET.id, to: COMP.id, level: 1, at: T0 + 6 * MIN_MS });
  });

  it('a second report of the same fire is merged into the first: its parts leave the departments\' inboxes', () => {
    const s = withGrid();
    fire(s);
    const again = ev('fire again');
    apply(eventReport, s, PROPERTY, reportPayload({ event: again, category: 'fire', severity: 'serious', reporter: RESIDENT, reporterKind: 'resident' }), T0 + MIN_MS);
    expect(inbox(s.read, s.scan, POLICE.id).map((e) => e.event).sort()).toEqual([FIRE, again].sort());
    apply(eventTriage, s, STREET, { event: again, decision: 'merge', into: FIRE, by: COMMANDER }, T0 + 2 * MIN_MS);
    expect(inbox(s.read, s.scan, POLICE.id).map((e) => e.event)).toEqual([FIRE]);
    expect(record(s, FIRE).duplicates).toEqual([again]);
    expect(rejected(eventTriage, s, STREET, { event: FIRE, decision: 'accept', by: COMMANDER })).toMatch(/dispatched at report/);
    expect(rejected(eventTriage, storyTo('dispatch'), STREET, { event: EV, decision: 'reject', reason: 'not-an-event', by: COMMANDER })).toMatch(/already dispatched/);
  });

  it('below the rule\'s severity an event is not major; a command centre\'s directory replaces the defaults', () => {
    const s = withGrid();
    apply(eventReport, s, STREET, reportPayload({ event: ev('minor hazard'), category: 'safety-hazard', severity: 'serious' }));
    expect(record(s, ev('minor hazard'))).toMatchObject({ status: 'reported', major: false, assignments: [] });
    apply(configureDepartment, s, STREET, { department: 'utilities', orgs: [AUDITOR.id], by: COMMANDER }, T0);
    apply(configureDepartment, s, STREET, { department: 'property', orgs: [], by: COMMANDER }, T0);
    apply(eventReport, s, STREET, reportPayload({ event: ev('gas'), category: 'gas-leak', severity: 'minor' }), T0 + MIN_MS);
    expect(record(s, ev('gas')).assignments.map((a) => a.org)).toEqual([AUDITOR.id, POLICE.id, COMP.id]);
    expect(rejected(configureDepartment, s, STREET, { department: 'police', orgs: ['nobody'], by: COMMANDER })).toMatch(/not an organisation/);
  });
});

describe('grids: definition, patrols, visits', () => {
  it('writes the grid; only its organisation redefines it', () => {
    const s = withGrid();
    expect(s.get(gridKey(GRID))).toMatchObject({ grid: GRID, org: STREET.id, workers: [GRID_WORKER] });
    apply(gridDefine, s, STREET, gridPayload({ workers: [GRID_WORKER, OTHER_WORKER] }), T0);
    expect(rejected(gridDefine, s, POLICE, gridPayload({ by: OFFICER }))).toMatch(/belongs to street-office/);
    expect(rejected(gridDefine, new MemState(), STREET, gridPayload({ buildings: [{ building: 'b1', households: 1 }, { building: 'b1', households: 2 }] }))).toMatch(/listed twice/);
  });

  it('records patrols and visits of the grid\'s workers, in time order', () => {
    const s = withGrid();
    apply(gridPatrol, s, STREET, { grid: GRID, building: 'b2', worker: GRID_WORKER }, T0 + HOUR_MS);
    apply(gridPatrol, s, STREET, { grid: GRID, building: 'b1', worker: GRID_WORKER }, T0);
    apply(gridVisit, s, STREET, { grid: GRID, building: 'b1', worker: GRID_WORKER, households: [household('1'), household('2')], purpose: 'routine' }, T0 + MIN_MS);
    expect(patrolsOf(s.scan, GRID).map((p) => [p.building, p.at])).toEqual([['b1', T0], ['b2', T0 + HOUR_MS]]);
    expect(patrolsOf(s.scan, GRID, T0 + 1, T0 + 2 * HOUR_MS).map((p) => p.building)).toEqual(['b2']);
    expect(patrolsOf(s.scan, GRID, T0, T0 + HOUR_MS).map((p) => p.building)).toEqual(['b1']); // `to` is exclusive
    expect(patrolsOf(s.scan, GRID, T0 + HOUR_MS, T0)).toEqual([]);
    expect(visitsOf(s.scan, GRID)).toEqual([{ grid: GRID, building: 'b1', worker: GRID_WORKER, households: [household('1'), household('2')], purpose: 'routine', at: T0 + MIN_MS, txHash: expect.any(String) }]);
  });

  it('refuses another worker, another organisation, a building outside the grid, an unknown grid', () => {
    const s = withGrid();
    expect(rejected(gridPatrol, s, STREET, { grid: GRID, building: 'b1', worker: OTHER_WORKER })).toMatch(/only a grid worker/);
    expect(rejected(gridPatrol, s, PROPERTY, { grid: GRID, building: 'b1', worker: GRID_WORKER })).toMatch(/only a grid worker/);
    expect(rejected(gridVisit, s, STREET, { grid: GRID, building: 'b7', worker: GRID_WORKER, households: [household('1')], purpose: 'routine' })).toMatch(/not in grid/);
    expect(rejected(gridPatrol, s, STREET, { grid: 'g-nowhere', building: 'b1', worker: GRID_WORKER })).toMatch(/no grid/);
  });
});

describe('determinism', () => {
  it('the same transactions write the same keys and values in the same order', () => {
    const a = storyTo('rate');
    const b = storyTo('rate');
    expect(a.log).toEqual(b.log);
    expect([...a.map.entries()]).toEqual([...b.map.entries()]);
    // no value depends on anything but the transactions and block times
    const c = storyTo('rate');
    expect(canonical(c)).toBe(canonical(a));
  });
});

const canonical = (s: MemState): string => JSON.stringify([...s.map.entries()].sort(([x], [y]) => (x < y ? -1 : 1)));
