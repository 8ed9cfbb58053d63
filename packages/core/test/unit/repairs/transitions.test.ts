/**
 * checkTransition: the table (every allowed transition, every forbidden status × action), who may act (403), the
 * remaining conflicts (409), and the order of the checks. The expected table is written out here, independently of
 * TRANSITIONS.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  REPAIRS_ESCALATION_LEVEL_MAX,
  REPAIRS_FOLLOWERS_MAX,
  REPAIRS_STEPS_MAX,
  ROLES,
  STATUSES,
  TRANSITIONS,
  checkLedgerTransition,
  checkTransition,
  nextStatus,
  type ActorInfo,
  type RepairAction,
  type RepairStatus,
  type RequestRecord,
} from '../../../src/index.js';
import { ACTOR_FOR, ALICE, BOB, DISPATCHER, FIXIT, HOUSING, LI, STREET, WANG, hex64, recordIn } from './fixtures.js';

type Act = Exclude<RepairAction, 'create'>;

const PRE_SITE: RepairStatus[] = ['received', 'assigned', 'en-route', 'reopened'];
const OPEN: RepairStatus[] = ['received', 'assigned', 'en-route', 'on-site', 'diagnosed', 'in-progress', 'reopened'];

/** action → [from, to] for every allowed transition (to null = status unchanged). */
const EXPECTED: Record<Act, [RepairStatus[], RepairStatus | null]> = {
  assign: [PRE_SITE, 'assigned'],
  accept: [['assigned'], 'en-route'],
  arrive: [['en-route'], 'on-site'],
  diagnose: [['on-site'], 'diagnosed'],
  start: [['diagnosed'], 'in-progress'],
  finish: [['in-progress'], 'done'],
  confirm: [['done'], 'confirmed'],
  reopen: [['done'], 'reopened'],
  cancel: [PRE_SITE, 'cancelled'],
  follow: [OPEN, null],
  escalate: [PRE_SITE, null],
};
const ACTS = Object.keys(EXPECTED) as Act[];

const ALLOWED_PAIRS = ACTS.flatMap((action) => EXPECTED[action][0].map((status) => [status, action] as const));
const FORBIDDEN_PAIRS = STATUSES.flatMap((status) => ACTS.filter((a) => !EXPECTED[a][0].includes(status)).map((action) => [status, action] as const));

/** a time past the fixtures' SLA (so escalate is allowed) */
const LATE = recordIn('received').slaDueAt + 1;

const who = (action: RepairAction, over: Partial<ActorInfo> = {}): ActorInfo => ({ ...ACTOR_FOR[action], ...over });
const check = (r: RequestRecord | undefined, action: RepairAction, over: Partial<ActorInfo> = {}, now = LATE) => checkTransition(r, action, who(action, over), now);
const ok = { ok: true };
const status = (code: number) => expect.objectContaining({ ok: false, status: code });

describe('the transition table', () => {
  it('matches the spec: from-statuses and target of every action', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ACTIONS].sort());
    for (const action of ACTS) {
      expect([...TRANSITIONS[action].from].sort(), action).toEqual([...EXPECTED[action][0]].sort());
      expect(TRANSITIONS[action].to, action).toBe(EXPECTED[action][1]);
    }
    expect(TRANSITIONS.create).toMatchObject({ from: [], to: 'received' });
  });

  it('covers every status × action pair exactly once', () => {
    expect(ALLOWED_PAIRS.length + FORBIDDEN_PAIRS.length).toBe(STATUSES.length * ACTS.length);
    expect(ALLOWED_PAIRS).toHaveLength(26);
  });

  it('nextStatus follows the table; follow and escalate keep the status', () => {
    expect(nextStatus('received', 'assign')).toBe('assigned');
    expect(nextStatus('done', 'reopen')).toBe('reopened');
    expect(nextStatus('en-route', 'follow')).toBe('en-route');
    expect(nextStatus('reopened', 'escalate')).toBe('reopened');
  });

  it('confirmed and cancelled are final: no action applies', () => {
    for (const s of ['confirmed', 'cancelled'] as const) for (const a of ACTS) expect(check(recordIn(s), a), `${s} ${a}`).toEqual(status(409));
  });
});

describe('checkTransition: allowed', () => {
  it.each(ALLOWED_PAIRS)('%s → %s by the right actor', (from, action) => {
    expect(check(recordIn(from), action)).toEqual(ok);
  });

  it('create: no request yet, by a resident or property staff', () => {
    expect(check(undefined, 'create')).toEqual(ok);
    expect(check(undefined, 'create', { role: 'property-staff', actor: DISPATCHER })).toEqual(ok);
  });

  it('assign by property staff as well as a dispatcher; cancel by staff as well as the reporter', () => {
    expect(check(recordIn('received'), 'assign', { role: 'property-staff' })).toEqual(ok);
    expect(check(recordIn('assigned'), 'cancel', { actor: DISPATCHER, role: 'dispatcher' })).toEqual(ok);
    expect(check(recordIn('en-route'), 'cancel', { actor: DISPATCHER, role: 'property-staff' })).toEqual(ok);
  });

  it('a resident of another organisation may follow', () => {
    expect(check(recordIn('on-site'), 'follow', { org: STREET.id })).toEqual(ok);
  });
});

describe('checkTransition: forbidden by status (409)', () => {
  it.each(FORBIDDEN_PAIRS)('%s × %s', (from, action) => {
    const r = checkTransition(recordIn(from), action, who(action), LATE);
    expect(r).toEqual(status(409));
    if (!r.ok) expect(r.reason).toContain(`it is ${from}`);
  });

  it('closing an unassigned request is a conflict, not a permission problem', () => {
    const unassigned = recordIn('received');
    expect(unassigned.worker).toBeUndefined();
    for (const a of ['finish', 'confirm', 'start', 'arrive'] as const) expect(check(unassigned, a), a).toEqual(status(409));
  });

  it('the status is checked before the actor', () => {
    expect(check(recordIn('received'), 'finish', { actor: LI })).toEqual(status(409));
    expect(check(recordIn('in-progress'), 'confirm', { actor: BOB })).toEqual(status(409));
  });

  it('create of an existing request → 409; any other action on none → 404', () => {
    expect(check(recordIn('received'), 'create')).toEqual(status(409));
    for (const a of ACTS) expect(check(undefined, a), a).toEqual({ ok: false, status: 404, reason: 'no such request' });
  });
});

describe('checkTransition: who may act (403)', () => {
  const WORKER_ACTIONS = [
    ['accept', 'assigned'],
    ['arrive', 'en-route'],
    ['diagnose', 'on-site'],
    ['start', 'diagnosed'],
    ['finish', 'in-progress'],
  ] as const;

  it.each(WORKER_ACTIONS)('%s: only the assigned worker (pseudonym and organisation)', (action, from) => {
    const r = recordIn(from);
    expect(check(r, action)).toEqual(ok);
    expect(check(r, action, { actor: LI })).toEqual(status(403)); // another worker of the same contractor
    expect(check(r, action, { org: HOUSING.id })).toEqual(status(403)); // the same pseudonym from another org
    expect(check(r, action, { actor: DISPATCHER, role: 'dispatcher', org: HOUSING.id })).toEqual(status(403));
    expect(check(r, action, { actor: ALICE, role: 'resident', org: HOUSING.id })).toEqual(status(403));
  });

  it('after a reassignment the previous worker may no longer act', () => {
    const r = recordIn('assigned', { worker: LI });
    expect(check(r, 'accept')).toEqual(status(403));
    expect(check(r, 'accept', { actor: LI })).toEqual(ok);
  });

  it.each([['confirm'], ['reopen']] as const)('%s: only the reporter', (action) => {
    const r = recordIn('done');
    expect(check(r, action)).toEqual(ok);
    expect(check(r, action, { actor: BOB })).toEqual(status(403)); // a resident confirming someone else's request
    expect(check(r, action, { org: STREET.id })).toEqual(status(403)); // the same pseudonym in another org
    expect(check(r, action, { actor: DISPATCHER, role: 'dispatcher' })).toEqual(status(403));
    expect(check(r, action, { actor: WANG, role: 'maintenance-worker', org: FIXIT.id })).toEqual(status(403));
  });

  it('assign: a dispatcher or property staff of the request organisation, no one else', () => {
    const r = recordIn('received');
    for (const role of ROLES) {
      const expected = role === 'dispatcher' || role === 'property-staff' ? ok : status(403);
      expect(check(r, 'assign', { role }), role).toEqual(expected);
    }
    expect(check(r, 'assign', { org: STREET.id })).toEqual(status(403));
    expect(check(r, 'assign', { org: FIXIT.id, role: 'dispatcher' })).toEqual(status(403));
  });

  it('create: residents and property staff only', () => {
    for (const role of ROLES) {
      const expected = role === 'resident' || role === 'property-staff' ? ok : status(403);
      expect(check(undefined, 'create', { role }), role).toEqual(expected);
    }
  });

  it('cancel: the reporter or staff of the request organisation, not another resident or the worker', () => {
    const r = recordIn('en-route');
    expect(check(r, 'cancel', { actor: BOB })).toEqual(status(403));
    expect(check(r, 'cancel', { actor: WANG, role: 'maintenance-worker', org: FIXIT.id })).toEqual(status(403));
    expect(check(r, 'cancel', { actor: DISPATCHER, role: 'dispatcher', org: STREET.id })).toEqual(status(403));
    expect(check(r, 'cancel', { actor: ALICE, org: STREET.id })).toEqual(status(403));
  });

  it('follow: residents only', () => {
    for (const role of ROLES) expect(check(recordIn('assigned'), 'follow', { role }), role).toEqual(role === 'resident' ? ok : status(403));
  });

  it('escalate: staff of the request organisation only', () => {
    const r = recordIn('assigned');
    expect(check(r, 'escalate', { role: 'property-staff' })).toEqual(ok);
    expect(check(r, 'escalate', { actor: ALICE, role: 'resident' })).toEqual(status(403));
    expect(check(r, 'escalate', { org: STREET.id })).toEqual(status(403));
  });
});

describe('checkTransition: other conflicts (409)', () => {
  it('follow: not the reporter, not twice, not past the limit', () => {
    expect(check(recordIn('assigned'), 'follow', { actor: ALICE })).toEqual(status(409));
    expect(check(recordIn('assigned', { followers: [BOB] }), 'follow')).toEqual(status(409));
    const full = Array.from({ length: REPAIRS_FOLLOWERS_MAX }, (_, i) => hex64(`f${i}`).slice(0, 32));
    expect(check(recordIn('assigned', { followers: full }), 'follow')).toEqual(status(409));
    expect(check(recordIn('assigned', { followers: full.slice(1) }), 'follow')).toEqual(ok);
  });

  it('escalate: only past the SLA (when the time is given), and not beyond the highest level', () => {
    const r = recordIn('received');
    expect(check(r, 'escalate', {}, r.slaDueAt - 1)).toEqual(status(409));
    expect(check(r, 'escalate', {}, r.slaDueAt)).toEqual(status(409));
    expect(check(r, 'escalate', {}, r.slaDueAt + 1)).toEqual(ok);
    expect(checkTransition(r, 'escalate', who('escalate'))).toEqual(ok); // no time: the handler checks the SLA
    const top = recordIn('received', { escalation: { level: REPAIRS_ESCALATION_LEVEL_MAX, at: LATE, overdueMs: 1 } });
    expect(check(top, 'escalate')).toEqual(status(409));
    expect(check(recordIn('received', { escalation: { level: REPAIRS_ESCALATION_LEVEL_MAX - 1, at: LATE, overdueMs: 1 } }), 'escalate')).toEqual(ok);
  });

  it('a request with REPAIRS_STEPS_MAX steps takes no more steps (follows are not steps)', () => {
    const steps = Array.from({ length: REPAIRS_STEPS_MAX }, (_, i) => ({ action: 'assign' as const, at: i, actor: DISPATCHER, txHash: hex64(`s${i}`) }));
    const r = recordIn('assigned', { steps });
    expect(check(r, 'accept')).toEqual(status(409));
    expect(check(r, 'cancel')).toEqual(status(409));
    expect(check(r, 'follow')).toEqual(ok);
    expect(check(recordIn('assigned', { steps: steps.slice(1) }), 'accept')).toEqual(ok);
  });
});

describe('checkLedgerTransition (the handlers: pseudonym and signing org, no role)', () => {
  it('checks the same status, identity and organisation rules', () => {
    expect(checkLedgerTransition(recordIn('assigned'), 'accept', { actor: WANG, org: FIXIT.id }, LATE)).toEqual(ok);
    expect(checkLedgerTransition(recordIn('assigned'), 'accept', { actor: LI, org: FIXIT.id }, LATE)).toEqual(status(403));
    expect(checkLedgerTransition(recordIn('done'), 'confirm', { actor: BOB, org: HOUSING.id }, LATE)).toEqual(status(403));
    expect(checkLedgerTransition(recordIn('received'), 'assign', { actor: DISPATCHER, org: STREET.id }, LATE)).toEqual(status(403));
    expect(checkLedgerTransition(recordIn('received'), 'finish', { actor: WANG, org: FIXIT.id }, LATE)).toEqual(status(409));
  });

  it('always checks the SLA for escalate, with the block time', () => {
    const r = recordIn('received');
    expect(checkLedgerTransition(r, 'escalate', { actor: DISPATCHER, org: HOUSING.id }, r.slaDueAt)).toEqual(status(409));
    expect(checkLedgerTransition(r, 'escalate', { actor: DISPATCHER, org: HOUSING.id }, r.slaDueAt + 1)).toEqual(ok);
  });

  it('cannot know roles: any user of the request organisation passes the staff rule', () => {
    expect(checkLedgerTransition(recordIn('received'), 'assign', { actor: BOB, org: HOUSING.id }, LATE)).toEqual(ok);
  });
});
