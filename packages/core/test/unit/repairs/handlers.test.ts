/**
 * The handlers, called directly over an in-memory state: what each writes (the request record, its steps, the open
 * index), and that each re-checks the transition against the state, the payload's pseudonym and the signing org —
 * a rejected transaction writes nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  REPAIRS_ESCALATION_LEVEL_MAX,
  REPAIRS_STEPS_MAX,
  openKey,
  repairAccept,
  repairArrive,
  repairAssign,
  repairCancel,
  repairConfirm,
  repairCreate,
  repairDiagnose,
  repairEscalate,
  repairFinish,
  repairFollow,
  repairReopen,
  repairStart,
  requestKey,
  type Org,
  type RequestRecord,
  type TxType,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import {
  ALICE,
  BOB,
  DISPATCHER,
  FIXIT,
  HOUR_MS,
  HOUSING,
  LI,
  MemState,
  RQ,
  STREET,
  T0,
  WANG,
  apply,
  assignPayload,
  createPayload,
  hex64,
  rq,
  sub,
  txHashOf,
} from './fixtures.js';

const MIN_MS = 60 * 1000;
const OPEN = openKey('b12', RQ);

const record = (s: MemState, id = RQ): RequestRecord => s.get(requestKey(id)) as RequestRecord;

function created(time = T0): MemState {
  const s = new MemState();
  apply(repairCreate, s, HOUSING, createPayload(), time);
  return s;
}

/** The request of createPayload() taken through the happy path up to `until` (inclusive), a minute per step. */
const STORY = ['assign', 'accept', 'arrive', 'diagnose', 'start', 'finish', 'confirm'] as const;
type StoryStep = (typeof STORY)[number];
const DIAGNOSIS = { cause: 'pipe-joint' as const, parts: [{ part: 'pipe-fitting' as const, quantity: 2 }, { part: 'seal' as const, quantity: 4 }], photoHashes: [hex64('joint')] };

function storyTo(until: StoryStep): MemState {
  const s = created();
  let t = T0;
  for (const step of STORY) {
    t += MIN_MS;
    if (step === 'assign') apply(repairAssign, s, HOUSING, assignPayload(), t);
    if (step === 'accept') apply(repairAccept, s, FIXIT, { request: RQ, worker: WANG }, t);
    if (step === 'arrive') apply(repairArrive, s, FIXIT, { request: RQ, worker: WANG }, t);
    if (step === 'diagnose') apply(repairDiagnose, s, FIXIT, { request: RQ, worker: WANG, ...DIAGNOSIS }, t);
    if (step === 'start') apply(repairStart, s, FIXIT, { request: RQ, worker: WANG }, t);
    if (step === 'finish') apply(repairFinish, s, FIXIT, { request: RQ, worker: WANG, photoHashes: [hex64('fixed')] }, t);
    if (step === 'confirm') apply(repairConfirm, s, HOUSING, { request: RQ, reporter: ALICE, rating: 5 }, t);
    if (step === until) break;
  }
  return s;
}

/** Runs a handler that must reject; checks the code and that nothing was written. */
function rejected<P>(type: TxType<P>, state: MemState, signer: Org, payload: P, time = T0 + HOUR_MS): string {
  const before = new Map(state.map);
  const e = machiError(() => apply(type, state, signer, payload, time));
  expect(e.code).toBe('HANDLER_REJECTED');
  expect(state.map).toEqual(before);
  return e.message;
}

describe('repair.create', () => {
  it('writes the record (block time, SLA due time, first step) and the open index', () => {
    const s = created(T0 + 7);
    const p = createPayload();
    expect(record(s)).toEqual({
      request: RQ,
      status: 'received',
      category: 'burst-pipe',
      priority: 'urgent',
      location: { kind: 'home', building: 'b12' },
      descriptionHash: p.descriptionHash,
      reporter: ALICE,
      org: HOUSING.id,
      subject: sub('alice'),
      createdAt: T0 + 7,
      slaDueAt: T0 + 7 + 2 * HOUR_MS,
      steps: [{ action: 'create', at: T0 + 7, actor: ALICE, txHash: txHashOf('repair.create', HOUSING, p, T0 + 7), photoHashes: p.photoHashes }],
      followers: [],
      escalation: null,
    });
    expect(s.get(OPEN)).toBe('burst-pipe');
    expect(s.keys()).toEqual([OPEN, requestKey(RQ)]);
  });

  it('a common-area request carries no subject', () => {
    const s = new MemState();
    const { subject: _none, ...common } = createPayload({ location: { kind: 'common', building: 'b3' }, category: 'lighting', priority: 'normal' });
    apply(repairCreate, s, HOUSING, common);
    expect(record(s)).not.toHaveProperty('subject');
    expect(record(s)).toMatchObject({ location: { kind: 'common', building: 'b3' }, slaDueAt: T0 + 48 * HOUR_MS });
    expect(s.get(openKey('b3', RQ))).toBe('lighting');
  });

  it('refuses an id that exists, whoever creates it', () => {
    const s = created();
    expect(rejected(repairCreate, s, HOUSING, createPayload({ category: 'lift' }))).toMatch(/already exists/);
    rejected(repairCreate, s, STREET, createPayload({ reporter: BOB }));
  });

  it('refuses a subject for a common area even if the schema were bypassed', () => {
    const s = new MemState();
    const p = createPayload({ location: { kind: 'common', building: 'b12' } });
    const e = machiError(() => repairCreate.handle({ state: s, height: 1, time: T0, txHash: hex64('x'), seq: 0, org: HOUSING, orgsById: new Map(), tx: {} as never }, p));
    expect(e.code).toBe('HANDLER_REJECTED');
    expect(s.keys()).toEqual([]);
  });
});

describe('the happy path', () => {
  it('moves through every status, one step per transaction, and leaves the open index when done', () => {
    const statuses: Record<StoryStep, string> = {
      assign: 'assigned',
      accept: 'en-route',
      arrive: 'on-site',
      diagnose: 'diagnosed',
      start: 'in-progress',
      finish: 'done',
      confirm: 'confirmed',
    };
    for (const [i, step] of STORY.entries()) {
      const s = storyTo(step);
      const r = record(s);
      expect(r.status, step).toBe(statuses[step]);
      expect(r.steps.map((x) => x.action)).toEqual(['create', ...STORY.slice(0, i + 1)]);
      expect(r.steps.map((x) => x.at)).toEqual(Array.from({ length: i + 2 }, (_, k) => T0 + k * MIN_MS));
      expect(s.get(OPEN) !== undefined, step).toBe(i < STORY.indexOf('finish'));
    }
  });

  it('records each step with its actor, tx hash and what it carried', () => {
    const r = record(storyTo('confirm'));
    expect(r).toMatchObject({ worker: WANG, workerOrg: FIXIT.id, rating: 5, status: 'confirmed' });
    const byAction = Object.fromEntries(r.steps.map((st) => [st.action, st]));
    expect(byAction.assign).toMatchObject({ actor: DISPATCHER, worker: WANG, workerOrg: FIXIT.id });
    expect(byAction.accept).toEqual({ action: 'accept', at: T0 + 2 * MIN_MS, actor: WANG, txHash: txHashOf('repair.accept', FIXIT, { request: RQ, worker: WANG }, T0 + 2 * MIN_MS) });
    expect(byAction.diagnose).toMatchObject({ actor: WANG, ...DIAGNOSIS });
    expect(byAction.finish).toMatchObject({ actor: WANG, photoHashes: [hex64('fixed')] });
    expect(byAction.confirm).toMatchObject({ actor: ALICE, rating: 5 });
    expect(byAction.confirm).not.toHaveProperty('commentHash');
    expect(new Set(r.steps.map((st) => st.txHash)).size).toBe(r.steps.length);
  });

  it('confirm records the comment hash when there is one', () => {
    const s = storyTo('finish');
    apply(repairConfirm, s, HOUSING, { request: RQ, reporter: ALICE, rating: 2, commentHash: hex64('slow') });
    expect(record(s).steps.at(-1)).toMatchObject({ rating: 2, commentHash: hex64('slow') });
    expect(record(s).rating).toBe(2);
  });
});

describe('re-checks against the state (HANDLER_REJECTED, nothing written)', () => {
  it('an unknown request', () => {
    const s = created();
    expect(rejected(repairAssign, s, HOUSING, assignPayload({ request: rq('nope') }))).toMatch(/no such request/);
    rejected(repairFollow, s, HOUSING, { request: rq('nope'), follower: BOB });
  });

  it('a transition the status does not allow (e.g. finishing an unassigned request)', () => {
    const s = created();
    expect(rejected(repairFinish, s, FIXIT, { request: RQ, worker: WANG, photoHashes: [] })).toMatch(/it is received/);
    rejected(repairConfirm, s, HOUSING, { request: RQ, reporter: ALICE, rating: 5 });
    const done = storyTo('finish');
    rejected(repairCancel, done, HOUSING, { request: RQ, by: ALICE });
    rejected(repairAssign, done, HOUSING, assignPayload());
  });

  it('a worker acting on another worker job, or the right pseudonym signed by another org', () => {
    const s = storyTo('assign');
    expect(rejected(repairAccept, s, FIXIT, { request: RQ, worker: LI })).toMatch(/assigned worker/);
    rejected(repairAccept, s, HOUSING, { request: RQ, worker: WANG });
  });

  it('someone else confirming or reopening the reporter request', () => {
    const s = storyTo('finish');
    expect(rejected(repairConfirm, s, HOUSING, { request: RQ, reporter: BOB, rating: 1 })).toMatch(/only the reporter/);
    rejected(repairReopen, s, STREET, { request: RQ, reporter: ALICE, reasonHash: hex64('r') });
  });

  it('assign and cancel signed by another organisation than the request one', () => {
    const s = created();
    rejected(repairAssign, s, STREET, assignPayload());
    rejected(repairCancel, s, FIXIT, { request: RQ, by: WANG });
  });

  it('assign to an organisation that is not in the genesis', () => {
    expect(rejected(repairAssign, created(), HOUSING, assignPayload({ workerOrg: 'nowhere' }))).toMatch(/not an organisation/);
  });

  it('a diagnosis listing a part twice', () => {
    const s = storyTo('arrive');
    const parts = [{ part: 'valve' as const, quantity: 1 }, { part: 'valve' as const, quantity: 2 }];
    expect(rejected(repairDiagnose, s, FIXIT, { request: RQ, worker: WANG, cause: 'wear', parts, photoHashes: [] })).toMatch(/valve is listed twice/);
  });
});

describe('reassign, reopen, cancel', () => {
  it('reassign from assigned or en-route hands the job to the new worker', () => {
    const s = storyTo('accept');
    apply(repairAssign, s, HOUSING, assignPayload({ worker: LI }), T0 + 10 * MIN_MS);
    expect(record(s)).toMatchObject({ status: 'assigned', worker: LI, workerOrg: FIXIT.id });
    rejected(repairAccept, s, FIXIT, { request: RQ, worker: WANG });
    apply(repairAccept, s, FIXIT, { request: RQ, worker: LI }, T0 + 11 * MIN_MS);
    expect(record(s).status).toBe('en-route');
  });

  it('reopen: back in the open index, a new SLA period from the reopen time, escalations reset', () => {
    const s = storyTo('finish');
    const at = T0 + 5 * HOUR_MS;
    apply(repairReopen, s, HOUSING, { request: RQ, reporter: ALICE, reasonHash: hex64('still leaking') }, at);
    const r = record(s);
    expect(r).toMatchObject({ status: 'reopened', slaDueAt: at + 2 * HOUR_MS, escalation: null, worker: WANG });
    expect(r.steps.at(-1)).toMatchObject({ action: 'reopen', actor: ALICE, reasonHash: hex64('still leaking') });
    expect(s.get(OPEN)).toBe('burst-pipe');
    apply(repairAssign, s, HOUSING, assignPayload({ worker: LI }), at + MIN_MS);
    expect(record(s)).toMatchObject({ status: 'assigned', worker: LI });
  });

  it('cancel by the reporter or by staff removes the request from the open index', () => {
    const a = created();
    apply(repairCancel, a, HOUSING, { request: RQ, by: ALICE });
    expect(record(a).status).toBe('cancelled');
    expect(a.get(OPEN)).toBeUndefined();
    const b = storyTo('accept');
    apply(repairCancel, b, HOUSING, { request: RQ, by: DISPATCHER });
    expect(record(b).steps.at(-1)).toMatchObject({ action: 'cancel', actor: DISPATCHER });
    expect(b.keys('repairs/open/')).toEqual([]);
  });
});

describe('repair.follow', () => {
  it('adds the follower (from any org), no step; refuses the reporter, a second follow and a closed request', () => {
    const s = storyTo('arrive');
    const steps = record(s).steps.length;
    apply(repairFollow, s, HOUSING, { request: RQ, follower: BOB });
    apply(repairFollow, s, STREET, { request: RQ, follower: LI });
    expect(record(s).followers).toEqual([BOB, LI]);
    expect(record(s).steps).toHaveLength(steps);
    expect(rejected(repairFollow, s, HOUSING, { request: RQ, follower: BOB })).toMatch(/already following/);
    expect(rejected(repairFollow, s, HOUSING, { request: RQ, follower: ALICE })).toMatch(/reporter already follows/);
    rejected(repairFollow, storyTo('finish'), HOUSING, { request: RQ, follower: BOB });
  });
});

describe('repair.escalate', () => {
  const due = T0 + 2 * HOUR_MS;

  it('refused before or at the SLA due time, and once someone is on site', () => {
    expect(rejected(repairEscalate, created(), HOUSING, { request: RQ, level: 1, by: DISPATCHER }, due)).toMatch(/not overdue/);
    rejected(repairEscalate, storyTo('arrive'), HOUSING, { request: RQ, level: 1, by: DISPATCHER }, due + 1);
  });

  it('records the level and how overdue (block time − slaDueAt); levels go up by one, to the highest', () => {
    const s = created();
    apply(repairEscalate, s, HOUSING, { request: RQ, level: 1, by: DISPATCHER }, due + 5000);
    expect(record(s).escalation).toEqual({ level: 1, at: due + 5000, overdueMs: 5000 });
    expect(record(s).steps.at(-1)).toMatchObject({ action: 'escalate', actor: DISPATCHER, level: 1, overdueMs: 5000 });
    expect(record(s).status).toBe('received');
    expect(rejected(repairEscalate, s, HOUSING, { request: RQ, level: 1, by: DISPATCHER }, due + 6000)).toMatch(/level 2, not 1/);
    rejected(repairEscalate, s, HOUSING, { request: RQ, level: 3, by: DISPATCHER }, due + 6000);
    for (let level = 2; level <= REPAIRS_ESCALATION_LEVEL_MAX; level++) apply(repairEscalate, s, HOUSING, { request: RQ, level, by: DISPATCHER }, due + level * HOUR_MS);
    expect(record(s).escalation?.level).toBe(REPAIRS_ESCALATION_LEVEL_MAX);
    rejected(repairEscalate, s, HOUSING, { request: RQ, level: REPAIRS_ESCALATION_LEVEL_MAX, by: DISPATCHER }, due + 9 * HOUR_MS);
  });

  it('only the request organisation (the property company node) escalates', () => {
    rejected(repairEscalate, created(), STREET, { request: RQ, level: 1, by: DISPATCHER }, due + 1);
  });
});

describe('limits', () => {
  it('a request takes at most REPAIRS_STEPS_MAX steps', () => {
    const s = created();
    let t = T0;
    while (record(s).steps.length < REPAIRS_STEPS_MAX) apply(repairAssign, s, HOUSING, assignPayload({ worker: record(s).steps.length % 2 ? LI : WANG }), (t += 1000));
    expect(rejected(repairAssign, s, HOUSING, assignPayload(), t + 1000)).toMatch(/steps/);
    rejected(repairCancel, s, HOUSING, { request: RQ, by: ALICE }, t + 1000);
  });
});

describe('determinism', () => {
  it('the same transactions over the same state write the same values in the same order', () => {
    const a = storyTo('confirm');
    const b = storyTo('confirm');
    expect(b.log).toEqual(a.log);
    expect([...b.map]).toEqual([...a.map]);
  });

  it('a different block time changes the record (and nothing reads a clock)', () => {
    expect(record(created(T0)).createdAt).not.toBe(record(created(T0 + 1)).createdAt);
    expect(record(created(T0 + 1)).slaDueAt).toBe(T0 + 1 + 2 * HOUR_MS);
  });
});
