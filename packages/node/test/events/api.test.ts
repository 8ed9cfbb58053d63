/**
 * The events REST API through inject() on a one-node chain run by the street office, which hosts police, urban
 * management and the comprehensive management office (power-0 members whose keys it holds): every route, the whole
 * path report → triage → dispatch → departments' steps → close → rate, each step's proof bundle verified with the
 * genesis and signed by its own department's key; every refusal (out of order 409, unassigned department 403, no such
 * step 404, role 403) leaves the ledger and mempool as they were; the major-event fan-out and the escalation job.
 * docs/spec/events.md#api
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEventStep, type EventStep } from '@machi/core';
import { oneNode, type Answer, type OneNode } from '../support/node.js';
import type { Events } from '../../src/modules/events/index.js';
import { DEMO_GRIDS } from '../../src/modules/events/grids.js';
import { noteHash } from '../../src/modules/events/store.js';

const MINUTE_MS = 60_000;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);

let s: OneNode;
let events: Events;

beforeAll(async () => {
  s = await oneNode({
    org: 'street-office',
    users: { 'zhou.official': 'official', 'lin.centre': 'dispatcher', 'ma.grid': 'grid-worker', 'yang.grid': 'grid-worker', resident1: 'resident', 'sun.line': 'line-worker' },
    hosted: { police: { 'xu.police': 'official' }, 'urban-management': { 'guo.urban': 'official' }, 'comprehensive-management': { 'deng.zongzhi': 'official' } },
    // a department with its own node: nobody here signs for it
    otherOrgs: ['property-company'],
  });
  events = s.use<Events>('events');
  for (const g of DEMO_GRIDS) await events.service.defineGrid(s.principals.get('zhou.official')!, g);
});
afterAll(async () => s?.close());

const call = (user: string | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, query?: Record<string, string>): Promise<Answer> =>
  s.call(method, url, { ...(user === undefined ? {} : { as: user }), ...(body === undefined ? {} : { body }), ...(query === undefined ? {} : { query }) });
function ok(r: Answer, status = 200): any {
  expect(r.status, r.body).toBe(status);
  return r.json;
}
const act = (user: string, event: string, action: string, body?: unknown) => call(user, 'POST', `/v1/events/${event}/${action}`, body);
const snapshot = () => ({ log: s.store.logSize(), mempool: s.node.mempoolSize });
/** The call is refused with `status` and `code`, and nothing reaches the ledger or the mempool. */
async function refused(make: () => Promise<Answer>, status: number, code?: string): Promise<string> {
  const before = snapshot();
  const r = await make();
  expect(r.status, r.body).toBe(status);
  if (code !== undefined) expect(r.json.code).toBe(code);
  expect(snapshot()).toEqual(before);
  return r.json?.message ?? '';
}

async function report(user = 'ma.grid', over: Record<string, unknown> = {}): Promise<{ event: string; description: string }> {
  const description = `楼道堆放杂物 ${randomBytes(6).toString('hex')}`;
  const r = ok(await call(user, 'POST', '/v1/events', { category: 'safety-hazard', severity: 'serious', grid: 'grid-1', location: { kind: 'building', code: 'b2' }, description, ...over }), 201);
  return { event: r.event as string, description };
}

async function timeline(event: string, user = 'zhou.official'): Promise<any> {
  return ok(await call(user, 'GET', `/v1/events/${event}/timeline`));
}

/** Every step's proof verifies with the genesis; the verdict's signer is the step's organisation. */
function verifySteps(event: string, steps: any[]): string[] {
  return steps.map((st) => {
    const { proof, index: _i, actorUsername: _u, ...step } = st;
    const v = verifyEventStep(event, step as EventStep, proof, s.genesis);
    expect(v, JSON.stringify(v)).toMatchObject({ ok: true });
    return (v as { signer: string }).signer;
  });
}

describe('catalogue and route classes', () => {
  it('shows the catalogue to anyone, with the hosted departments and the grids', async () => {
    const c = ok(await call(undefined, 'GET', '/v1/events/catalogue'));
    expect(c.centre).toBe('street-office');
    expect(c.categories.map((x: any) => x.code)).toContain('fire');
    expect(c.categories.find((x: any) => x.code === 'fire').major).toEqual({ from: 'minor', ackMinutes: 5, deadlineMinutes: 60 });
    const police = c.departments.find((d: any) => d.code === 'police');
    expect(police.orgs).toEqual([{ org: 'police', name: 'Police station', hosted: true, validator: false }]);
    expect(c.departments.find((d: any) => d.code === 'property').orgs).toEqual([{ org: 'property-company', name: 'Property company', hosted: false, validator: false }]);
    expect(c.grids.map((g: any) => g.grid)).toEqual(['grid-1', 'grid-2']);
  });

  it('refuses routes to roles outside their class', async () => {
    expect((await call('resident1', 'GET', '/v1/events/board')).status).toBe(403);
    expect((await call('ma.grid', 'GET', '/v1/events/inbox')).status).toBe(403);
    expect((await call('xu.police', 'GET', '/v1/events/grids/mine')).status).toBe(403);
    expect((await call('sun.line', 'POST', '/v1/events', {})).status).toBe(403);
    expect((await call(undefined, 'GET', '/v1/events/mine')).status).toBe(401);
  });
});

describe('grid workers', () => {
  it('see their grid, check in at a building and record a visit; coverage counts distinct households', async () => {
    ok(await call('ma.grid', 'POST', '/v1/events/grids/grid-1/patrol', { building: 'b1' }));
    const v = ok(await call('ma.grid', 'POST', '/v1/events/grids/grid-1/visits', { building: 'b1', units: ['b1-101', 'b1-102', 'b1-103'], purpose: 'routine' }));
    expect(v).toMatchObject({ grid: 'grid-1', building: 'b1', action: 'visit', households: 3 });
    ok(await call('ma.grid', 'POST', '/v1/events/grids/grid-1/visits', { building: 'b1', units: ['b1-103', 'b1-104'], purpose: 'special-care' }));
    const { grids } = ok(await call('ma.grid', 'GET', '/v1/events/grids/mine'));
    expect(grids).toHaveLength(1);
    const g = grids[0];
    expect(g).toMatchObject({ grid: 'grid-1', name: '第一网格', households: 370, workers: 1 });
    expect(g.buildings.find((b: any) => b.building === 'b1')).toMatchObject({ householdsVisited: 4 });
    expect(typeof g.buildings.find((b: any) => b.building === 'b1').lastPatrolAt).toBe('number');
    expect(g.mine).toMatchObject({ householdsVisited: 4, buildingsPatrolled: 1, buildings: 3, username: 'ma.grid' });
    expect(g.mine.coverage).toBeCloseTo(4 / 370);
    // the unit codes never reach the ledger: only tokens
    const visit = s.node.store.scan('events/visit/grid-1/', 10).map(([, value]) => value).join('');
    expect(visit).not.toContain('b1-101');
    const rec = ok(await call('zhou.official', 'GET', '/v1/events/grids/grid-1/record'));
    expect(rec.workers[0]).toMatchObject({ username: 'ma.grid', householdsVisited: 4 });
  });

  it('refuses another grid (403), a building outside the grid (409), an unknown grid (404), with nothing recorded', async () => {
    await refused(() => call('yang.grid', 'POST', '/v1/events/grids/grid-1/patrol', { building: 'b1' }), 403, 'EVENT_FORBIDDEN');
    await refused(() => call('ma.grid', 'POST', '/v1/events/grids/grid-1/patrol', { building: 'b4' }), 409, 'EVENT_CONFLICT');
    await refused(() => call('ma.grid', 'POST', '/v1/events/grids/grid-9/patrol', { building: 'b1' }), 404, 'EVENT_NOT_FOUND');
  });
});

describe('reporting', () => {
  it('keeps the description off the ledger: its salted hash only; the reporter and the centre read it, an unassigned department does not', async () => {
    const { event, description } = await report();
    expect(JSON.stringify(s.node.store.scan('events/', 10_000))).not.toContain(description);
    const mine = ok(await call('ma.grid', 'GET', `/v1/events/${event}`));
    expect(mine).toMatchObject({ status: 'reported', yours: true, description, reporterKind: 'grid-worker' });
    expect(noteHash(mine.descriptionSalt, description)).toBe(mine.descriptionHash);
    expect(ok(await call('lin.centre', 'GET', `/v1/events/${event}`)).description).toBe(description);
    expect(ok(await call('xu.police', 'GET', `/v1/events/${event}`)).description).toBeUndefined();
    const { reported } = ok(await call('ma.grid', 'GET', '/v1/events/mine'));
    expect(reported.map((r: any) => r.event)).toContain(event);
  });

  it('takes photos uploaded first, serves them to the signed-in', async () => {
    const up = ok(await s.call('POST', '/v1/events/photos', { as: 'ma.grid', body: PNG, headers: { 'content-type': 'image/png' } }), 201);
    const { event } = await report('ma.grid', { photos: [up.hash] });
    const r = await call('xu.police', 'GET', `/v1/events/${event}/photos/${up.hash}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    expect(ok(await call('ma.grid', 'GET', `/v1/events/${event}`)).photos).toEqual([up.hash]);
    // a photo someone else uploaded cannot be named
    await refused(() => call('yang.grid', 'POST', '/v1/events', { category: 'other', severity: 'minor', grid: 'grid-2', location: { kind: 'building', code: 'b4' }, description: 'x', photos: [up.hash] }), 400, 'REQUEST_INVALID');
  });

  it('lets a resident report about a common area only, follow an event and unfollow it', async () => {
    await refused(() => call('resident1', 'POST', '/v1/events', { category: 'public-facilities', severity: 'minor', grid: 'grid-1', location: { kind: 'building', code: 'b1' }, description: 'x' }), 409, 'EVENT_CONFLICT');
    await refused(() => call('resident1', 'POST', '/v1/events', { category: 'public-facilities', severity: 'minor', grid: 'grid-1', location: { kind: 'common-area', code: 'pocket-park' }, description: 'x' }), 409, 'EVENT_CONFLICT');
    const { event } = await report('resident1', { category: 'public-facilities', severity: 'minor', location: { kind: 'common-area', code: 'east-gate' } });
    expect(ok(await call('resident1', 'GET', `/v1/events/${event}`))).toMatchObject({ reporterKind: 'resident', yours: true });
    const other = await report('ma.grid');
    expect(ok(await act('resident1', other.event, 'follow'))).toEqual({ event: other.event, following: true, followers: 1 });
    expect(ok(await call('resident1', 'GET', '/v1/events/mine')).following.map((e: any) => e.event)).toEqual([other.event]);
    expect(ok(await call('resident1', 'DELETE', `/v1/events/${other.event}/follow`))).toMatchObject({ following: false, followers: 0 });
  });

  it('refuses a grid worker reporting for another grid (403) or a building outside it (409), an unknown grid (404)', async () => {
    await refused(() => call('yang.grid', 'POST', '/v1/events', { category: 'other', severity: 'minor', grid: 'grid-1', location: { kind: 'building', code: 'b1' }, description: 'x' }), 403);
    await refused(() => call('ma.grid', 'POST', '/v1/events', { category: 'other', severity: 'minor', grid: 'grid-1', location: { kind: 'building', code: 'b6' }, description: 'x' }), 409);
    await refused(() => call('ma.grid', 'POST', '/v1/events', { category: 'other', severity: 'minor', grid: 'grid-7', location: { kind: 'building', code: 'b1' }, description: 'x' }), 404);
  });
});

describe('the whole path, each department signing its own steps', () => {
  it('report → triage → dispatch → acknowledge/accept/handle by police and urban management → close → rate; every proof verifies', async () => {
    const { event } = await report();
    expect(ok(await act('lin.centre', event, 'triage', { decision: 'accept' }))).toMatchObject({ action: 'triage', status: 'filed' });
    // before dispatch: out of order
    await refused(() => act('xu.police', event, 'accept'), 409, 'EVENT_CONFLICT');
    expect(ok(await act('lin.centre', event, 'dispatch', { departments: [{ org: 'police', deadlineMinutes: 120 }, { org: 'urban-management', deadlineMinutes: 240 }] }))).toMatchObject({ status: 'dispatched' });
    // a department not assigned: forbidden, whatever step
    await refused(() => act('deng.zongzhi', event, 'accept'), 403, 'EVENT_FORBIDDEN');
    await refused(() => act('deng.zongzhi', event, 'handle', { result: 'resolved' }), 403, 'EVENT_FORBIDDEN');
    // handle before accept: out of order
    await refused(() => act('xu.police', event, 'handle', { result: 'resolved' }), 409, 'EVENT_CONFLICT');
    // not handled yet: nothing to close; the centre cannot handle
    await refused(() => act('xu.police', event, 'close', { check: 'verified-resolved' }), 409);
    await refused(() => act('lin.centre', event, 'handle', { result: 'resolved' }), 403, 'EVENT_FORBIDDEN');
    // a department that is not in the chain
    await refused(() => act('lin.centre', event, 'dispatch', { departments: [{ org: 'fire-brigade', deadlineMinutes: 60 }] }), 400, 'REQUEST_INVALID');

    const inbox = ok(await call('xu.police', 'GET', '/v1/events/inbox'));
    const row = inbox.events.find((e: any) => e.event === event);
    expect(row.myPart).toMatchObject({ org: 'police', status: 'assigned', via: 'dispatch' });
    const board = ok(await call('lin.centre', 'GET', '/v1/events/board', undefined, { status: 'dispatched', limit: '100' }));
    expect(board.events.find((e: any) => e.event === event).parts.map((p: any) => p.org)).toEqual(['police', 'urban-management']);

    ok(await act('xu.police', event, 'acknowledge'));
    await refused(() => act('xu.police', event, 'acknowledge'), 409);
    ok(await act('xu.police', event, 'accept'));
    const photo = ok(await s.call('POST', '/v1/events/photos', { as: 'xu.police', body: PNG, headers: { 'content-type': 'image/png' } }), 201);
    expect(ok(await act('xu.police', event, 'handle', { result: 'resolved', photos: [photo.hash] }))).toMatchObject({ status: 'dispatched' });
    ok(await act('guo.urban', event, 'accept'));
    expect(ok(await act('guo.urban', event, 'handle', { result: 'temporary-measure' }))).toMatchObject({ status: 'handled' });
    // the command centre closes, not a department (even an official of one)
    await refused(() => act('xu.police', event, 'close', { check: 'verified-resolved' }), 403, 'EVENT_FORBIDDEN');
    expect(ok(await act('lin.centre', event, 'close', { check: 'verified-resolved' }))).toMatchObject({ status: 'closed' });
    await refused(() => act('resident1', event, 'rate', { rating: 4 }), 403);
    expect(ok(await act('ma.grid', event, 'rate', { rating: 4 }))).toMatchObject({ action: 'rate', status: 'closed' });
    await refused(() => act('ma.grid', event, 'rate', { rating: 5 }), 409);

    const t = await timeline(event);
    expect(t.steps.map((x: any) => `${x.action}:${x.org}`)).toEqual([
      'report:street-office', 'triage:street-office', 'dispatch:street-office', 'acknowledge:police', 'accept:police', 'handle:police',
      'accept:urban-management', 'handle:urban-management', 'close:street-office', 'rate:street-office',
    ]);
    // every step verifies with the genesis, signed by its own department's key (not the hosting node's)
    expect(verifySteps(event, t.steps)).toEqual(t.steps.map((x: any) => x.org));
    const police = s.genesis.orgs.find((o) => o.id === 'police')!;
    expect(t.steps[3].proof.tx.signer).toBe(police.publicKey);
    expect(t.steps[3].proof.tx.signer).not.toBe(s.signer.publicKey);
    // a tampered step does not verify
    const { proof, index: _i, actorUsername: _u, ...step } = t.steps[5];
    expect(verifyEventStep(event, { ...step, org: 'urban-management' } as EventStep, proof, s.genesis)).toMatchObject({ ok: false, field: 'step.org' });

    const rec = ok(await call('ma.grid', 'GET', '/v1/events/departments/police/record'));
    expect(rec).toMatchObject({ org: 'police', departments: ['police'], hosted: true, validator: false });
    expect(rec.handled).toBeGreaterThanOrEqual(1);
    expect(rec.handledOnTime).toBe(rec.handled);
    const all = ok(await call('resident1', 'GET', '/v1/events/departments'));
    expect(all.departments.map((d: any) => d.org)).toEqual(expect.arrayContaining(['police', 'urban-management', 'comprehensive-management', 'property-company']));
  });

  it('flags (404 for a step that does not exist), answers, sends back, asks for help', async () => {
    const { event } = await report();
    ok(await act('lin.centre', event, 'triage', { decision: 'accept' }));
    ok(await act('lin.centre', event, 'dispatch', { departments: [{ org: 'police', deadlineMinutes: 120 }, { org: 'urban-management', deadlineMinutes: 120 }] }));
    ok(await act('guo.urban', event, 'accept'));
    ok(await act('guo.urban', event, 'handle', { result: 'resolved' }));
    const handleStep = (await timeline(event)).steps.findIndex((x: any) => x.action === 'handle');
    await refused(() => act('xu.police', event, 'flag', { step: 99, kind: 'not-handled' }), 404, 'EVENT_NOT_FOUND');
    await refused(() => act('guo.urban', event, 'flag', { step: handleStep, kind: 'result-disputed' }), 409);
    await refused(() => act('deng.zongzhi', event, 'flag', { step: handleStep, kind: 'result-disputed' }), 403);
    ok(await act('xu.police', event, 'flag', { step: handleStep, kind: 'result-disputed' }));
    await refused(() => act('xu.police', event, 'answer-flag', { flag: 0, answer: 'result-upheld' }), 403);
    await refused(() => act('guo.urban', event, 'answer-flag', { flag: 3, answer: 'result-upheld' }), 404);
    ok(await act('guo.urban', event, 'answer-flag', { flag: 0, answer: 'redo-agreed' }));
    await refused(() => act('guo.urban', event, 'answer-flag', { flag: 0, answer: 'redo-agreed' }), 409);
    const view = ok(await call('lin.centre', 'GET', `/v1/events/${event}`));
    expect(view.flags).toEqual([expect.objectContaining({ index: 0, step: handleStep, kind: 'result-disputed', by: 'police', target: 'urban-management', answer: 'redo-agreed' })]);
    // send back only a handled part
    await refused(() => act('lin.centre', event, 'send-back', { departments: [{ org: 'police', deadlineMinutes: 60 }], reason: 'incomplete' }), 409);
    ok(await act('lin.centre', event, 'send-back', { departments: [{ org: 'urban-management', deadlineMinutes: 60 }], reason: 'not-resolved' }));
    expect(ok(await call('lin.centre', 'GET', `/v1/events/${event}`)).parts.find((p: any) => p.org === 'urban-management')).toMatchObject({ status: 'accepted', sentBack: 1 });
    // help: police asks the comprehensive management office, which then may act
    await refused(() => act('xu.police', event, 'request-help', { to: 'urban-management', reason: 'manpower', deadlineMinutes: 60 }), 409);
    ok(await act('xu.police', event, 'request-help', { to: 'comprehensive-management', reason: 'manpower', deadlineMinutes: 60 }));
    ok(await act('deng.zongzhi', event, 'accept'));
    const t = await timeline(event);
    expect(verifySteps(event, t.steps)).toEqual(t.steps.map((x: any) => x.org));
    // nothing missed: no escalation
    await refused(() => act('lin.centre', event, 'escalate', { department: 'police' }), 409);
    await refused(() => act('lin.centre', event, 'escalate', { department: 'property-company' }), 404);
  });

  it('merges a duplicate, rejects with a reason; refuses a merge into nothing (404) and a bad triage body (400)', async () => {
    const a = await report();
    const b = await report();
    await refused(() => act('lin.centre', b.event, 'triage', { decision: 'merge', into: `ev_${'0'.repeat(32)}` }), 404);
    await refused(() => act('lin.centre', b.event, 'triage', { decision: 'reject' }), 400);
    expect(ok(await act('lin.centre', b.event, 'triage', { decision: 'merge', into: a.event }))).toMatchObject({ status: 'merged' });
    expect(ok(await call('lin.centre', 'GET', `/v1/events/${a.event}`)).duplicates).toEqual([b.event]);
    const c = await report();
    expect(ok(await act('lin.centre', c.event, 'triage', { decision: 'reject', reason: 'not-an-event' }))).toMatchObject({ status: 'rejected' });
    await refused(() => act('lin.centre', c.event, 'dispatch', { departments: [{ org: 'police', deadlineMinutes: 60 }] }), 409);
    await refused(() => call('lin.centre', 'GET', `/v1/events/ev_${'1'.repeat(32)}`), 404, 'EVENT_NOT_FOUND');
  });

  it('pages the board', async () => {
    const first = ok(await call('lin.centre', 'GET', '/v1/events/board', undefined, { limit: '2' }));
    expect(first.events).toHaveLength(2);
    expect(first.total).toBeGreaterThan(2);
    const second = ok(await call('lin.centre', 'GET', '/v1/events/board', undefined, { limit: '2', offset: '2' }));
    expect(second.events[0].event).not.toBe(first.events[0].event);
    expect(second.events.map((e: any) => e.event)).not.toContain(first.events[1].event);
  });
});

describe('a major event', () => {
  it('fans out to every responsible department at report; a missed acknowledgement is escalated by the centre and visible to all', async () => {
    const { event } = await report('yang.grid', { category: 'fire', severity: 'grave', grid: 'grid-2', location: { kind: 'building', code: 'b4' } });
    const view = ok(await call('xu.police', 'GET', `/v1/events/${event}`));
    expect(view).toMatchObject({ major: true, status: 'dispatched' });
    // fire: police, urban management, property, utilities (none in this chain), comprehensive management
    expect(view.parts.map((p: any) => p.org)).toEqual(['police', 'urban-management', 'property-company', 'comprehensive-management']);
    expect(view.parts.every((p: any) => p.via === 'fan-out' && p.ackDueAt === p.assignedAt + 5 * MINUTE_MS)).toBe(true);
    for (const u of ['xu.police', 'guo.urban']) ok(await act(u, event, 'acknowledge'));
    // nothing is escalated before the deadline
    expect(await events.job.escalate()).toEqual([]);
    s.clock.offsetMs += 6 * MINUTE_MS;
    const board = ok(await call('lin.centre', 'GET', '/v1/events/board', undefined, { major: 'true' }));
    expect(board.events.find((e: any) => e.event === event)).toMatchObject({ ackMissed: true });
    const done = await events.job.escalate();
    expect(done.filter((d) => d.event === event).map((d) => d.action)).toEqual(['escalate', 'escalate']);
    const t = await timeline(event, 'deng.zongzhi');
    const escalations = t.steps.filter((x: any) => x.action === 'escalate');
    expect(escalations.map((x: any) => [x.to, x.level, x.org])).toEqual([['property-company', 1, 'street-office'], ['comprehensive-management', 1, 'street-office']]);
    expect(verifySteps(event, t.steps)).toEqual(t.steps.map((x: any) => x.org));
    expect(t.parts.filter((p: any) => p.ackMissed).map((p: any) => p.org)).toEqual(['property-company', 'comprehensive-management']);
    // a second pass escalates nothing more until a deadline is missed
    expect((await events.job.escalate()).filter((d) => d.event === event)).toEqual([]);
    const rec = ok(await call('guo.urban', 'GET', '/v1/events/departments/comprehensive-management/record'));
    expect(rec).toMatchObject({ acknowledgementsMissed: 1, escalated: 1 });
    expect(ok(await call('guo.urban', 'GET', '/v1/events/departments/police/record'))).toMatchObject({ acknowledgementsMissed: 0, acknowledgedOnTime: 1 });
  });
});
