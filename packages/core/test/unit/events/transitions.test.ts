/**
 * checkEventTransition: the table (every allowed status × action, every forbidden one), who may act (403), what must
 * exist below the event (404), the remaining conflicts (409) and the order of the checks. The expected table is
 * written out here, independently of EVENT_TRANSITIONS.
 */
import { describe, expect, it } from 'vitest';
import {
  EVENT_ACTIONS,
  EVENT_STATUSES,
  EVENT_TRANSITIONS,
  checkEventLedgerTransition,
  checkEventReport,
  checkEventTransition,
  checkGridWork,
  EVENTS_ASSIGNMENTS_MAX,
  EVENTS_FLAGS_MAX,
  EVENTS_STEPS_MAX,
  ERRORS,
  EVENTS_ERRORS,
  eventErrorCode,
  settledStatus,
  type Assignment,
  type AssignmentStatus,
  type EventAction,
  type EventActionInput,
  type EventActorInfo,
  type EventRecord,
  type EventStatus,
  type GridRecord,
} from '../../../src/index.js';
import { ACTOR_FOR, CIVIL, CLERK, COMMANDER, EV, GRID, GRID_WORKER, HOUR_MS, JUDICIARY, MIN_MS, OFFICER, OTHER_WORKER, POLICE, RESIDENT, STREET, T0, URBAN, ev, hex64 } from './fixtures.js';

type Act = Exclude<EventAction, 'report'>;
const FLAGGABLE: EventStatus[] = ['dispatched', 'handled', 'closed'];
const EXPECTED: Record<Act, EventStatus[]> = {
  triage: ['reported', 'dispatched'],
  dispatch: ['filed', 'dispatched', 'handled'],
  acknowledge: ['dispatched'],
  accept: ['dispatched'],
  handle: ['dispatched'],
  request_help: ['dispatched'],
  flag: FLAGGABLE,
  answer_flag: FLAGGABLE,
  close: ['handled'],
  send_back: ['dispatched', 'handled'],
  escalate: ['dispatched'],
  rate: ['closed'],
};
const ACTS = Object.keys(EXPECTED) as Act[];
const ALLOWED = ACTS.flatMap((a) => EXPECTED[a].map((s) => [s, a] as const));
const FORBIDDEN = EVENT_STATUSES.flatMap((s) => ACTS.filter((a) => !EXPECTED[a].includes(s)).map((a) => [s, a] as const));

const assignment = (org: string, status: AssignmentStatus, over: Partial<Assignment> = {}): Assignment => ({
  org,
  via: 'dispatch',
  status,
  assignedAt: T0,
  ackDueAt: null,
  acknowledgedAt: status === 'assigned' ? null : T0,
  acceptedAt: status === 'accepted' || status === 'handled' ? T0 : null,
  dueAt: T0 + HOUR_MS,
  handledAt: status === 'handled' ? T0 : null,
  result: status === 'handled' ? 'resolved' : null,
  sentBack: 0,
  escalation: 0,
  ...over,
});

/** The police part each action needs (the rest of the record is the same for all). */
const POLICE_PART: Record<Act, AssignmentStatus> = {
  triage: 'assigned',
  dispatch: 'assigned',
  acknowledge: 'assigned',
  accept: 'assigned',
  handle: 'accepted',
  request_help: 'accepted',
  flag: 'accepted',
  answer_flag: 'accepted',
  close: 'handled',
  send_back: 'handled',
  escalate: 'assigned',
  rate: 'handled',
};

/** An event in `status`: police (part for `action`, acknowledgement due at T0 + 5 min) and urban management (handled). */
function recordFor(status: EventStatus, action: Act = 'accept', over: Partial<EventRecord> = {}): EventRecord {
  return {
    event: EV,
    status,
    category: 'fire',
    severity: 'minor',
    major: true,
    grid: GRID,
    location: { kind: 'building', code: 'b1' },
    descriptionHash: hex64('d'),
    reporter: GRID_WORKER,
    reporterKind: 'grid-worker',
    reporterOrg: STREET.id,
    centre: STREET.id,
    observedAt: T0,
    reportedAt: T0,
    assignments: [assignment(POLICE.id, POLICE_PART[action], { ackDueAt: T0 + 5 * MIN_MS }), assignment(URBAN.id, 'handled')],
    flags: [{ step: 2, kind: 'result-disputed', by: STREET.id, target: URBAN.id, raisedAt: T0, answer: null, answeredAt: null }],
    steps: [
      { action: 'report', status: 'dispatched', at: T0, org: STREET.id, actor: GRID_WORKER, txHash: hex64('0') },
      { action: 'dispatch', status: 'dispatched', at: T0, org: STREET.id, actor: COMMANDER, txHash: hex64('1') },
      { action: 'handle', status: 'dispatched', at: T0, org: URBAN.id, actor: CLERK, txHash: hex64('2') },
    ],
    mergedInto: null,
    duplicates: [],
    closedAt: null,
    rating: null,
    ...over,
  };
}

/** What each action's payload says in the checks. */
const INPUT: Record<Act, EventActionInput> = {
  triage: { decision: 'reject' },
  dispatch: { departments: [{ org: CIVIL.id }] },
  acknowledge: {},
  accept: {},
  handle: {},
  request_help: { to: CIVIL.id },
  flag: { step: 2 },
  answer_flag: { flag: 0 },
  close: {},
  send_back: { departments: [{ org: URBAN.id }] },
  escalate: { department: POLICE.id, level: 1 },
  rate: {},
};

const LATER = T0 + HOUR_MS + 1;
const who = (action: EventAction, over: Partial<EventActorInfo> = {}): EventActorInfo => ({ ...ACTOR_FOR[action], ...over });
const check = (r: EventRecord | undefined, action: Act, over: Partial<EventActorInfo> = {}, input: EventActionInput = INPUT[action], into?: EventRecord) =>
  checkEventTransition(r, action, who(action, over), input, { now: LATER, into });
const status = (code: number) => expect.objectContaining({ ok: false, status: code });

describe('the transition table', () => {
  it('matches the spec: the statuses every action is allowed from', () => {
    expect(Object.keys(EVENT_TRANSITIONS).sort()).toEqual([...EVENT_ACTIONS].sort());
    for (const a of ACTS) expect([...EVENT_TRANSITIONS[a].from].sort(), a).toEqual([...EXPECTED[a]].sort());
    expect(EVENT_TRANSITIONS.report.from).toEqual([]);
  });

  it('covers every status × action pair exactly once', () => {
    expect(ALLOWED.length + FORBIDDEN.length).toBe(EVENT_STATUSES.length * ACTS.length);
    expect(ALLOWED).toHaveLength(20);
  });

  it('allows every listed pair for the right actor', () => {
    for (const [s, a] of ALLOWED) expect(check(recordFor(s, a), a), `${s} ${a}`).toEqual({ ok: true });
  });

  it('refuses every other pair with 409, whoever asks', () => {
    for (const [s, a] of FORBIDDEN) expect(check(recordFor(s, a), a), `${s} ${a}`).toEqual(status(409));
  });

  it('closed, rejected and merged are final for the work; only flags and the rating touch a closed event', () => {
    for (const s of ['rejected', 'merged'] as const) for (const a of ACTS) expect(check(recordFor(s, a), a), `${s} ${a}`).toEqual(status(409));
    expect(ACTS.filter((a) => EXPECTED[a].includes('closed')).sort()).toEqual(['answer_flag', 'flag', 'rate']);
  });

  it('triage of a dispatched event: only a major one (fanned out at report), only to merge or reject', () => {
    expect(check(recordFor('dispatched'), 'triage', {}, { decision: 'reject' })).toEqual({ ok: true });
    expect(check(recordFor('dispatched'), 'triage', {}, { decision: 'accept' })).toEqual(status(409));
    expect(check(recordFor('dispatched', 'triage', { major: false }), 'triage', {}, { decision: 'reject' })).toEqual(status(409));
    expect(check(recordFor('reported', 'triage', { major: false }), 'triage', {}, { decision: 'accept' })).toEqual({ ok: true });
  });

  it('settles on handled only when every part is handled', () => {
    expect(settledStatus([assignment(POLICE.id, 'handled'), assignment(URBAN.id, 'accepted')])).toBe('dispatched');
    expect(settledStatus([assignment(POLICE.id, 'handled'), assignment(URBAN.id, 'handled')])).toBe('handled');
    expect(settledStatus([])).toBe('dispatched');
  });
});

describe('who may act (403)', () => {
  it('the command centre alone triages, dispatches, closes, sends back, escalates; with the right role', () => {
    for (const a of ['dispatch', 'close', 'send_back', 'escalate'] as const) {
      const r = recordFor(EXPECTED[a][0]!, a);
      expect(check(r, a, { org: POLICE.id, actor: OFFICER }), a).toEqual(status(403));
      expect(check(r, a, { role: 'resident' }), a).toEqual(status(403));
      expect(check(r, a, { role: 'dispatcher' }), a).toEqual({ ok: true });
    }
    expect(check(recordFor('reported'), 'triage', { role: 'grid-worker' })).toEqual(status(403));
  });

  it('a department not assigned to the event is refused every department step', () => {
    for (const a of ['acknowledge', 'accept', 'handle', 'request_help', 'flag'] as const) {
      expect(check(recordFor('dispatched', a), a, { org: JUDICIARY.id, actor: CLERK }), a).toEqual(status(403));
    }
    expect(check(recordFor('dispatched', 'accept'), 'accept', { role: 'resident' })).toEqual(status(403));
    expect(check(recordFor('dispatched', 'accept'), 'accept', { role: 'maintenance-worker' })).toEqual({ ok: true });
  });

  it('only the flagged department answers; only the reporter rates; residents and grid workers report', () => {
    expect(check(recordFor('handled', 'answer_flag'), 'answer_flag', { org: POLICE.id })).toEqual(status(403));
    expect(check(recordFor('closed', 'rate'), 'rate', { actor: RESIDENT })).toEqual(status(403));
    expect(check(recordFor('closed', 'rate'), 'rate', { org: POLICE.id })).toEqual(status(403));
    expect(checkEventTransition(undefined, 'report', who('report', { role: 'official' }))).toEqual(status(403));
    expect(checkEventTransition(undefined, 'report', who('report', { role: 'resident' }))).toEqual({ ok: true });
    expect(checkEventTransition(recordFor('reported'), 'report', who('report'))).toEqual(status(409));
  });
});

describe('what must exist (404) and the remaining conflicts (409)', () => {
  it('no event, no step, no flag, no merge target, no such department', () => {
    expect(check(undefined, 'accept')).toEqual(status(404));
    expect(check(recordFor('dispatched', 'flag'), 'flag', {}, { step: 3 })).toEqual(status(404));
    expect(check(recordFor('dispatched', 'answer_flag'), 'answer_flag', {}, { flag: 1 })).toEqual(status(404));
    expect(check(recordFor('reported'), 'triage', {}, { decision: 'merge', into: ev('ghost') })).toEqual(status(404));
    expect(check(recordFor('dispatched', 'escalate'), 'escalate', {}, { department: CIVIL.id, level: 1 })).toEqual(status(404));
  });

  it('a part in the wrong state, a department already on the event, not overdue, answered, rated, own step', () => {
    expect(check(recordFor('dispatched', 'handle'), 'acknowledge')).toEqual(status(409));
    expect(check(recordFor('dispatched', 'accept'), 'handle')).toEqual(status(409));
    expect(check(recordFor('dispatched', 'dispatch'), 'dispatch', {}, { departments: [{ org: POLICE.id }] })).toEqual(status(409));
    expect(check(recordFor('dispatched', 'request_help'), 'request_help', {}, { to: URBAN.id })).toEqual(status(409));
    expect(check(recordFor('dispatched', 'send_back'), 'send_back', {}, { departments: [{ org: POLICE.id }] }).ok).toBe(true);
    expect(check(recordFor('dispatched', 'accept'), 'send_back', {}, { departments: [{ org: POLICE.id }] })).toEqual(status(409));
    const acked = recordFor('dispatched', 'escalate', { assignments: [assignment(POLICE.id, 'acknowledged', { ackDueAt: T0 + 5 * MIN_MS, acknowledgedAt: T0 + MIN_MS, dueAt: T0 + 2 * HOUR_MS })] });
    expect(check(acked, 'escalate')).toEqual(status(409));
    expect(checkEventTransition(recordFor('dispatched', 'escalate'), 'escalate', who('escalate'), INPUT.escalate, { now: T0 + 5 * MIN_MS })).toEqual(status(409));
    expect(checkEventTransition(recordFor('dispatched', 'escalate'), 'escalate', who('escalate'), INPUT.escalate, { now: T0 + 5 * MIN_MS + 1 })).toEqual({ ok: true });
    expect(check(recordFor('dispatched', 'escalate'), 'escalate', {}, { department: POLICE.id, level: 2 })).toEqual(status(409));
    const answered = recordFor('handled', 'answer_flag');
    answered.flags[0] = { ...answered.flags[0]!, answer: 'result-upheld', answeredAt: T0 };
    expect(check(answered, 'answer_flag')).toEqual(status(409));
    expect(check(recordFor('closed', 'rate', { rating: 4 }), 'rate')).toEqual(status(409));
    expect(check(recordFor('dispatched', 'flag'), 'flag', { org: URBAN.id, actor: CLERK }, { step: 2 })).toEqual(status(409));
    expect(check(recordFor('dispatched', 'flag'), 'flag', {}, { step: 0 })).toEqual(status(409));
  });

  it('limits: steps, departments, flags', () => {
    const r = recordFor('dispatched', 'accept');
    expect(check({ ...r, steps: Array.from({ length: EVENTS_STEPS_MAX }, () => r.steps[0]!) }, 'accept')).toEqual(status(409));
    const many = Array.from({ length: EVENTS_ASSIGNMENTS_MAX }, (_, i) => assignment(`dept-${i}`, 'accepted'));
    expect(check(recordFor('dispatched', 'dispatch', { assignments: many }), 'dispatch')).toEqual(status(409));
    expect(check(recordFor('dispatched', 'request_help', { assignments: [assignment(POLICE.id, 'accepted'), ...many.slice(1)] }), 'request_help')).toEqual(status(409));
    const flags = Array.from({ length: EVENTS_FLAGS_MAX }, () => ({ ...r.flags[0]!, answer: 'result-upheld' as const, answeredAt: T0 }));
    expect(check(recordFor('dispatched', 'flag', { flags }), 'flag')).toEqual(status(409));
  });

  it('merges only into an open event of the same command centre', () => {
    const target = (over: Partial<EventRecord>) => recordFor('dispatched', 'accept', { event: ev('target'), ...over });
    const merge = (into: EventRecord) => check(recordFor('reported'), 'triage', {}, { decision: 'merge', into: into.event }, into);
    expect(merge(target({}))).toEqual({ ok: true });
    expect(merge(target({ status: 'closed' }))).toEqual(status(409));
    expect(merge(target({ centre: 'other-centre' }))).toEqual(status(409));
    expect(merge(recordFor('dispatched'))).toEqual(status(409));
  });
});

describe('the order of the checks', () => {
  it('404 event → 409 status → 404 below the event → 403 actor → 409 conflicts', () => {
    expect(check(undefined, 'flag', { org: JUDICIARY.id })).toEqual(status(404));
    expect(check(recordFor('reported', 'flag'), 'flag', { org: JUDICIARY.id }, { step: 99 })).toEqual(status(409));
    expect(check(recordFor('dispatched', 'flag'), 'flag', { org: JUDICIARY.id }, { step: 99 })).toEqual(status(404));
    expect(check(recordFor('dispatched', 'accept'), 'handle', { org: JUDICIARY.id })).toEqual(status(403));
  });

  it('the ledger applies the same rules without roles', () => {
    const r = recordFor('dispatched', 'accept');
    expect(checkEventLedgerTransition(r, 'accept', { actor: OFFICER, org: POLICE.id }, {}, { now: LATER })).toEqual({ ok: true });
    expect(checkEventLedgerTransition(r, 'accept', { actor: CLERK, org: JUDICIARY.id }, {}, { now: LATER })).toEqual(status(403));
    expect(checkEventLedgerTransition(r, 'close', { actor: COMMANDER, org: STREET.id }, {}, { now: LATER })).toEqual(status(409));
  });
});

describe('reports and grid work', () => {
  const grid: GridRecord = { grid: GRID, org: STREET.id, buildings: [{ building: 'b1', households: 3 }], workers: [GRID_WORKER], by: COMMANDER, at: T0, txHash: hex64('g') };
  const input = { grid: GRID, location: { kind: 'building', code: 'b1' }, reporterKind: 'grid-worker', observedAt: T0 };

  it('checkEventReport: grid, role and kind, own grid, building, observation time', () => {
    const me = { actor: GRID_WORKER, org: STREET.id, role: 'grid-worker' as const };
    expect(checkEventReport(grid, me, input, T0)).toEqual({ ok: true });
    expect(checkEventReport(undefined, me, input, T0)).toEqual(status(404));
    expect(checkEventReport(grid, { ...me, role: 'resident' }, input, T0)).toEqual(status(403));
    expect(checkEventReport(grid, { ...me, actor: OTHER_WORKER }, input, T0)).toEqual(status(403));
    expect(checkEventReport(grid, me, { ...input, location: { kind: 'building', code: 'b2' } }, T0)).toEqual(status(409));
    expect(checkEventReport(grid, { actor: RESIDENT, org: 'property-company', role: 'resident' }, { ...input, reporterKind: 'resident', location: { kind: 'common-area', code: 'gate' } }, T0)).toEqual({ ok: true });
    expect(checkEventReport(grid, me, { ...input, observedAt: T0 + 2 * 60_000 }, T0)).toEqual({ ok: true });
    expect(checkEventReport(grid, me, { ...input, observedAt: T0 + 2 * 60_000 + 1 }, T0)).toEqual(status(409));
  });

  it('checkGridWork: the grid\'s own workers, through its organisation, at its buildings', () => {
    const me = { actor: GRID_WORKER, org: STREET.id, role: 'grid-worker' as const };
    expect(checkGridWork(grid, me, { grid: GRID, building: 'b1' })).toEqual({ ok: true });
    expect(checkGridWork(grid, { ...me, role: 'official' }, { grid: GRID, building: 'b1' })).toEqual(status(403));
    expect(checkGridWork(grid, me, { grid: GRID, building: 'b9' })).toEqual(status(409));
    expect(checkGridWork(undefined, me, { grid: GRID, building: 'b1' })).toEqual(status(404));
  });
});

describe('errors', () => {
  it('a refused check maps to the module\'s code with the same HTTP status, in the one catalogue', () => {
    for (const st of [404, 409, 403] as const) {
      const code = eventErrorCode(st);
      expect(EVENTS_ERRORS[code].status).toBe(st);
      expect(ERRORS[code]).toEqual(EVENTS_ERRORS[code]);
    }
  });
});
