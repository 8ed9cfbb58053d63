/**
 * The repairs REST API through inject() on a one-node chain: the full path resident → dispatcher → worker → resident;
 * duplicates and follow; every forbidden or conflicting transition refused before anything is written (ledger log,
 * mempool and private store unchanged); reopen; the SLA escalation job. docs/spec/repairs.md#api
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '@machi/core';
import { escalationLevelDue, SLA_JOB_USER_ID } from '../../src/modules/repairs/service.js';
import { noteHash } from '../../src/modules/repairs/store.js';
import { actorOf } from '../../src/index.js';
import { call, ledgerBodies, ok, repairsServer, type Answer, type RepairsServer } from './helpers.js';

const HOUR_MS = 3_600_000;
let s: RepairsServer;
const subject = `sub_${randomBytes(16).toString('hex')}`;

beforeAll(async () => {
  s = await repairsServer();
  s.vault.linkResident(s.principals.get('resident1')!.userId, subject);
});
afterAll(async () => s?.close());

/** A unique text, so a search of the ledger for it means something. */
const secretText = (what: string): string => `${what} ${randomBytes(6).toString('hex')} 厨房水管爆裂`;

async function report(user = 'resident1', over: Record<string, unknown> = {}): Promise<{ id: string; description: string }> {
  const description = secretText('report');
  const r = ok(await call(s, user, 'POST', '/v1/repairs', { category: 'burst-pipe', location: { kind: 'common', building: 'b1' }, description, ...over }), 201);
  expect(r).toMatchObject({ action: 'create', status: 'received' });
  return { id: r.request as string, description };
}

const act = (user: string, id: string, action: string, body?: unknown) => call(s, user, 'POST', `/v1/repairs/${id}/${action}`, body);

/** Everything a refused call must leave as it was. */
const snapshot = () => ({ logSize: s.store.logSize(), mempool: s.node.mempoolSize, notes: s.repairStore.requestsOfUser(s.principals.get('resident1')!.userId).length });

describe('the full path: resident → dispatcher → worker → resident', () => {
  it('reports, is followed instead of duplicated, assigned, worked, finished and confirmed; the timeline proves each step', async () => {
    expect(ok(await call(s, 'resident1', 'GET', '/v1/repairs/similar?building=b7&category=burst-pipe')).requests).toEqual([]);
    const description = secretText('水从天花板漏下来');
    const unit = '2单元 1203';
    const created = ok(await call(s, 'resident1', 'POST', '/v1/repairs', { category: 'burst-pipe', location: { kind: 'home', building: 'b7' }, description, unit }), 201);
    const id = created.request as string;
    expect(id).toMatch(/^rq_[0-9a-f]{32}$/);
    expect(created).toMatchObject({ action: 'create', status: 'received', txHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // another resident looks for duplicates before reporting, and follows instead
    const similar = ok(await call(s, 'resident2', 'GET', '/v1/repairs/similar?building=b7&category=burst-pipe')).requests;
    expect(similar.map((r: { request: string }) => r.request)).toEqual([id]);
    expect(similar[0]).toMatchObject({ category: 'burst-pipe', status: 'received', followers: 0, yours: false });
    expect(similar[0].description).toBeUndefined();
    expect(similar[0].unit).toBeUndefined();
    expect(ok(await call(s, 'resident2', 'GET', '/v1/repairs/similar?building=b7&category=lift')).requests).toEqual([]);
    expect(ok(await act('resident2', id, 'follow'))).toMatchObject({ action: 'follow', status: 'received' });
    const again = await act('resident2', id, 'follow');
    expect([again.status, again.json.code]).toEqual([409, 'REPAIR_CONFLICT']);
    expect(ok(await call(s, 'resident2', 'GET', '/v1/repairs/mine')).following.map((r: { request: string }) => r.request)).toContain(id);

    // the dispatcher's board: SLA due time, not overdue, the description (staff of the org may read it)
    const board = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board?building=b7')).requests;
    expect(board).toHaveLength(1);
    expect(board[0]).toMatchObject({ request: id, overdue: false, priority: 'urgent', followers: 1, description, unit });
    expect(board[0].slaDueAt - board[0].createdAt).toBe(2 * HOUR_MS);
    const workers = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/workers')).workers.map((w: { username: string }) => w.username);
    expect(workers.sort()).toEqual(['wang.worker', 'zhao.worker']);

    // assign, reassign, assign back: the previous worker may no longer act
    expect(ok(await act('chen.dispatch', id, 'assign', { worker: 'zhao.worker' })).status).toBe('assigned');
    expect(ok(await act('li.staff', id, 'assign', { worker: 'wang.worker' })).status).toBe('assigned');
    const before = snapshot();
    const stale = await act('zhao.worker', id, 'accept');
    expect([stale.status, stale.json.code]).toEqual([403, 'REPAIR_FORBIDDEN']);
    expect(snapshot()).toEqual(before);

    const jobs = ok(await call(s, 'wang.worker', 'GET', '/v1/repairs/jobs')).jobs;
    expect(jobs.map((j: { request: string }) => j.request)).toEqual([id]);
    expect(jobs[0]).toMatchObject({ workerUsername: 'wang.worker', description, unit });
    expect(ok(await call(s, 'zhao.worker', 'GET', '/v1/repairs/jobs')).jobs).toEqual([]);

    expect(ok(await act('wang.worker', id, 'accept')).status).toBe('en-route');
    expect(ok(await act('wang.worker', id, 'arrive')).status).toBe('on-site');
    expect(ok(await act('wang.worker', id, 'diagnose', { cause: 'pipe-joint', parts: [{ part: 'pipe-fitting', quantity: 2 }, { part: 'seal', quantity: 1 }] })).status).toBe('diagnosed');
    expect(ok(await act('wang.worker', id, 'start')).status).toBe('in-progress');
    expect(ok(await act('wang.worker', id, 'finish')).status).toBe('done');

    // someone else may not confirm; the reporter does, with a comment kept off the ledger
    const snap = snapshot();
    const other = await act('resident2', id, 'confirm', { rating: 1 });
    expect([other.status, other.json.code]).toEqual([403, 'REPAIR_FORBIDDEN']);
    expect(other.json.message).toMatch(/only the reporter may confirm/);
    expect(snapshot()).toEqual(snap);
    const comment = secretText('师傅很专业');
    expect(ok(await act('resident1', id, 'confirm', { rating: 5, comment }))).toMatchObject({ action: 'confirm', status: 'confirmed' });

    const view = ok(await call(s, 'resident1', 'GET', `/v1/repairs/${id}`));
    expect(view).toMatchObject({ request: id, status: 'confirmed', open: false, rating: 5, yours: true, description, unit, location: { kind: 'home', building: 'b7' } });
    // a resident sees the worker card (the organisation's choice), never the worker's account name
    expect(view.workerUsername).toBeUndefined();
    expect(view.workerCard).toEqual(expect.objectContaining({ name: expect.any(String) }));
    expect(view.descriptionHash).toBe(noteHash(view.descriptionSalt, description));
    expect(view.notes).toEqual([expect.objectContaining({ kind: 'comment', text: comment })]);
    expect(ok(await call(s, 'resident1', 'GET', '/v1/repairs/mine')).reported.map((r: { request: string }) => r.request)).toContain(id);
    // a follower sees the ledger's record, not the private part
    const theirs = ok(await call(s, 'resident2', 'GET', `/v1/repairs/${id}`));
    expect(theirs).toMatchObject({ following: true, yours: false, status: 'confirmed' });
    expect(theirs.description).toBeUndefined();
    expect(theirs.notes).toBeUndefined();
    // the ledger does not carry the resident's subject id: with the building it would place them (issue 11.1)
    expect(s.service.record(id)!.subject).toBeUndefined();
    expect(ledgerBodies(s).some((b) => b.includes(subject))).toBe(false);

    const tl = ok(await call(s, 'resident2', 'GET', `/v1/repairs/${id}/timeline`));
    expect(tl.steps.map((x: { action: string; status: string }) => `${x.action}>${x.status}`)).toEqual([
      'create>received', 'assign>assigned', 'assign>assigned', 'accept>en-route', 'arrive>on-site', 'diagnose>diagnosed', 'start>in-progress', 'finish>done', 'confirm>confirmed',
    ]);
    expect(tl.steps[5]).toMatchObject({ cause: 'pipe-joint', parts: [{ part: 'pipe-fitting', quantity: 2 }, { part: 'seal', quantity: 1 }] });
    for (const step of tl.steps) {
      const verdict = verifyBundle(step.proof, s.genesis);
      expect(verdict.txHash).toBe(step.txHash);
      expect((step.proof.tx as { type: string }).type).toBe(`repair.${step.action}`);
    }

    // the texts are nowhere on the ledger: only their salted hashes
    const ledger = ledgerBodies(s).join('\n');
    expect(ledger).toContain(id);
    expect(ledger).toContain(view.descriptionHash);
    for (const t of [description, unit, comment, '水从天花板漏下来', '师傅很专业']) expect(ledger).not.toContain(t);
  });
});

describe('forbidden and conflicting transitions are refused before anything is written', () => {
  let id: string;
  beforeAll(async () => {
    ({ id } = await report());
  });

  const cases: [string, string, string, unknown, number, string][] = [
    ['finishing an unassigned request', 'wang.worker', 'finish', undefined, 409, 'REPAIR_CONFLICT'],
    ['accepting an unassigned request', 'wang.worker', 'accept', undefined, 409, 'REPAIR_CONFLICT'],
    ['confirming a request that is not done', 'resident1', 'confirm', { rating: 4 }, 409, 'REPAIR_CONFLICT'],
    ['reopening a request that is not done', 'resident1', 'reopen', { reason: 'still broken' }, 409, 'REPAIR_CONFLICT'],
    ['escalating a request that is not overdue', 'chen.dispatch', 'escalate', undefined, 409, 'REPAIR_CONFLICT'],
    ['the reporter following their own request', 'resident1', 'follow', undefined, 409, 'REPAIR_CONFLICT'],
    ['another resident cancelling', 'resident2', 'cancel', undefined, 403, 'REPAIR_FORBIDDEN'],
    ['a line worker cancelling', 'sun.line', 'cancel', undefined, 403, 'REPAIR_FORBIDDEN'],
    ['staff following (residents follow)', 'li.staff', 'follow', undefined, 403, 'REPAIR_FORBIDDEN'],
    ['a resident assigning (route class)', 'resident1', 'assign', { worker: 'wang.worker' }, 403, 'ACCESS_DENIED'],
    ['a dispatcher working (route class)', 'chen.dispatch', 'accept', undefined, 403, 'ACCESS_DENIED'],
    ['assigning someone who is not a maintenance worker', 'chen.dispatch', 'assign', { worker: 'resident2' }, 400, 'REQUEST_INVALID'],
    ['assigning an unknown user', 'chen.dispatch', 'assign', { worker: 'nobody' }, 400, 'REQUEST_INVALID'],
    ['a rating out of range', 'resident1', 'confirm', { rating: 6 }, 400, 'REQUEST_INVALID'],
  ];

  it.each(cases)('%s', async (_what, user, action, body, status, code) => {
    const before = snapshot();
    const r = await act(user, id, action, body);
    expect([r.status, r.json.code], JSON.stringify(r.json)).toEqual([status, code]);
    expect(r.json.message.length).toBeGreaterThan(10);
    await new Promise((res) => setTimeout(res, 20));
    expect(snapshot()).toEqual(before);
    expect(s.service.record(id)!.status).toBe('received');
  });

  it('an unknown request is 404 with nothing written; a malformed id is 400', async () => {
    const before = snapshot();
    const r = await act('wang.worker', `rq_${'0'.repeat(32)}`, 'accept');
    expect([r.status, r.json.code, r.json.message]).toEqual([404, 'NOT_FOUND', `no repair request rq_${'0'.repeat(32)}`]);
    expect((await call(s, 'resident1', 'GET', `/v1/repairs/rq_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await call(s, 'resident1', 'GET', '/v1/repairs/rq_nope')).status).toBe(400);
    expect(snapshot()).toEqual(before);
  });

  it('a worker acting on another worker\'s job is 403; a duplicate part in a diagnosis is 400; both write nothing', async () => {
    ok(await act('chen.dispatch', id, 'assign', { worker: 'wang.worker' }));
    let before = snapshot();
    for (const a of ['accept', 'cancel'] as const) {
      const r = await act('zhao.worker', id, a);
      expect([r.status, r.json.code], `${a}: ${JSON.stringify(r.json)}`).toEqual([403, 'REPAIR_FORBIDDEN']);
    }
    expect(snapshot()).toEqual(before);
    ok(await act('wang.worker', id, 'accept'));
    ok(await act('wang.worker', id, 'arrive'));
    before = snapshot();
    const dup = await act('wang.worker', id, 'diagnose', { cause: 'wear', parts: [{ part: 'tap', quantity: 1 }, { part: 'tap', quantity: 2 }] });
    expect([dup.status, dup.json.code, dup.json.message]).toEqual([400, 'REQUEST_INVALID', 'part tap is listed twice']);
    // on site: too late to cancel (the request has a worker there)
    const late = await act('resident1', id, 'cancel');
    expect([late.status, late.json.code]).toEqual([409, 'REPAIR_CONFLICT']);
    expect(snapshot()).toEqual(before);
  });

  it('the reporter cancels before anyone is on site; a cancelled request is final and leaves the board', async () => {
    const { id: other } = await report('resident1', { category: 'lighting', location: { kind: 'common', building: 'b2' } });
    expect(ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board?building=b2')).requests.map((r: { request: string }) => r.request)).toContain(other);
    expect(ok(await act('resident1', other, 'cancel')).status).toBe('cancelled');
    const before = snapshot();
    for (const [user, a] of [['resident1', 'cancel'], ['chen.dispatch', 'assign']] as const) {
      const r = await act(user, other, a, a === 'assign' ? { worker: 'wang.worker' } : undefined);
      expect([r.status, r.json.code]).toEqual([409, 'REPAIR_CONFLICT']);
    }
    expect(snapshot()).toEqual(before);
    expect(ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board?building=b2')).requests.map((r: { request: string }) => r.request)).not.toContain(other);
  });
});

describe('reopen', () => {
  it('the reporter reopens a done request with a reason: open again, a new SLA period, assignable again', async () => {
    const { id } = await report('resident2', { category: 'door-lock', location: { kind: 'common', building: 'b3' } });
    ok(await act('chen.dispatch', id, 'assign', { worker: 'zhao.worker' }));
    for (const a of ['accept', 'arrive']) ok(await act('zhao.worker', id, a));
    ok(await act('zhao.worker', id, 'diagnose', { cause: 'wear', parts: [] }));
    for (const a of ['start', 'finish']) ok(await act('zhao.worker', id, a));
    const firstDue = s.service.record(id)!.slaDueAt;
    const reason = secretText('门还是锁不上');
    expect(ok(await act('resident2', id, 'reopen', { reason })).status).toBe('reopened');
    const r = s.service.record(id)!;
    expect(r.slaDueAt).toBeGreaterThan(firstDue);
    expect(r.slaDueAt - r.steps[r.steps.length - 1]!.at).toBe(24 * HOUR_MS); // door-lock, normal
    const view = ok(await call(s, 'resident2', 'GET', `/v1/repairs/${id}`));
    expect(view).toMatchObject({ status: 'reopened', open: true });
    expect(view.notes).toEqual([expect.objectContaining({ kind: 'reason', text: reason })]);
    expect(ledgerBodies(s).join('\n')).not.toContain(reason);
    expect(ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board?building=b3')).requests.map((x: { request: string }) => x.request)).toContain(id);
    expect(ok(await act('chen.dispatch', id, 'assign', { worker: 'wang.worker' })).status).toBe('assigned');
  });
});

describe('the SLA escalation job', () => {
  it('escalates an overdue request one level per SLA period, up to level 3, as the organisation\'s job; not one with a worker on site', async () => {
    const { id } = await report('resident1', { category: 'lift', location: { kind: 'common', building: 'b9' } });
    const onSite = (await report('resident1', { category: 'electrical', location: { kind: 'common', building: 'b9' } })).id;
    ok(await act('chen.dispatch', onSite, 'assign', { worker: 'wang.worker' }));
    ok(await act('wang.worker', onSite, 'accept'));
    ok(await act('wang.worker', onSite, 'arrive'));
    const mine = async () => (await s.service.escalateOverdue()).filter((e) => e.request === id || e.request === onSite);

    expect(await mine()).toEqual([]);
    s.clock.offsetMs += 2 * HOUR_MS + 60_000; // lift, urgent: 2 h
    const board = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board?building=b9')).requests;
    expect(board.find((r: { request: string }) => r.request === id)).toMatchObject({ overdue: true, escalation: null });
    expect(board.find((r: { request: string }) => r.request === onSite)).toMatchObject({ overdue: false });
    expect(escalationLevelDue(s.service.record(id)!, s.node.clock())).toBe(1);

    expect((await mine()).map((e) => [e.request, e.action])).toEqual([[id, 'escalate']]);
    expect(s.service.record(id)!.escalation).toMatchObject({ level: 1 });
    expect(await mine()).toEqual([]); // level 2 is due only after another SLA period
    s.clock.offsetMs += 2 * HOUR_MS;
    expect((await mine()).length).toBe(1);
    s.clock.offsetMs += 2 * HOUR_MS;
    expect((await mine()).length).toBe(1);
    s.clock.offsetMs += 10 * HOUR_MS;
    expect(await mine()).toEqual([]);

    const r = s.service.record(id)!;
    expect(r.escalation?.level).toBe(3);
    const steps = r.steps.filter((x) => x.action === 'escalate');
    expect(steps.map((x) => x.level)).toEqual([1, 2, 3]);
    const job = actorOf(s.node.self.id, SLA_JOB_USER_ID, s.secret);
    expect(steps.every((x) => x.actor === job && x.overdueMs! > 0)).toBe(true);
    // beyond level 3, by hand too
    const manual = await act('chen.dispatch', id, 'escalate');
    expect([manual.status, manual.json.code]).toEqual([409, 'REPAIR_CONFLICT']);
  });

  it('runs on its own at the configured interval', async () => {
    const { id } = await report('resident1', { category: 'burst-pipe', location: { kind: 'common', building: 'b8' } });
    s.clock.offsetMs += 3 * HOUR_MS;
    const stop = s.service.startEscalation(50);
    try {
      const end = Date.now() + 10_000;
      while (s.service.record(id)!.escalation === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    } finally {
      stop();
    }
    expect(s.service.record(id)!.escalation?.level).toBe(1);
  });
});
