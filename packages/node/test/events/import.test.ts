/**
 * `event.import` on a one-node chain run by the street office (hosting police and urban management): the command
 * centre imports a finished event from its previous system; it is closed, marked imported on the record, the API's
 * summary and every timeline step, with the legacy times; the departments' records count it only in their separate
 * `imported` figures; a grid worker may not import, and a future time is refused before anything is signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEventStep, type EventStep } from '@machi/core';
import { oneNode, type Answer, type OneNode } from '../support/node.js';
import type { Events } from '../../src/modules/events/index.js';
import type { EventImportBody } from '../../src/modules/events/service.js';
import { DEMO_GRIDS } from '../../src/modules/events/grids.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

let s: OneNode;
let events: Events;

beforeAll(async () => {
  s = await oneNode({
    org: 'street-office',
    users: { 'zhou.official': 'official', 'lin.centre': 'dispatcher', 'ma.grid': 'grid-worker', 'yang.grid': 'grid-worker' },
    hosted: { police: { 'xu.police': 'official' }, 'urban-management': { 'guo.urban': 'official' } },
  });
  events = s.use<Events>('events');
  for (const g of DEMO_GRIDS) await events.service.defineGrid(s.principals.get('zhou.official')!, g);
});
afterAll(async () => s?.close());

function ok(r: Answer, status = 200): any {
  expect(r.status, r.body).toBe(status);
  return r.json;
}

function body(now: number, over: Partial<EventImportBody> = {}): EventImportBody {
  const r = now - 40 * DAY_MS;
  return {
    category: 'environment-sanitation', severity: 'serious', grid: 'grid-1', location: { kind: 'building', code: 'b2' },
    description: '2号楼垃圾清运不及时（原系统）', reporter: 'ma.grid', reporterKind: 'grid-worker', observedAt: r - HOUR_MS, reportedAt: r,
    departments: [
      { org: 'urban-management', assignedAt: r + HOUR_MS, dueAt: r + 25 * HOUR_MS, acceptedAt: r + 2 * HOUR_MS, handledAt: r + 30 * HOUR_MS, result: 'resolved', sentBack: 1 },
      { org: 'police', assignedAt: r + HOUR_MS, dueAt: r + 25 * HOUR_MS, acceptedAt: r + 3 * HOUR_MS, handledAt: r + 5 * HOUR_MS, result: 'resolved', sentBack: 0 },
    ],
    check: 'verified-resolved', closedAt: r + 2 * DAY_MS, ...over,
  };
}

describe('event.import on one node', () => {
  it('imports a finished event with its legacy timeline, marked imported; department records keep it apart', async () => {
    const beforePolice = ok(await s.call('GET', '/v1/events/departments/police/record', { as: 'zhou.official' }));
    const now = s.node.clock();
    const b = body(now);
    const done = await events.service.importEvent(s.principals.get('lin.centre')!, b);
    expect(done.status).toBe('closed');
    const v = ok(await s.call('GET', `/v1/events/${done.event}`, { as: 'lin.centre' }));
    expect(v).toMatchObject({ status: 'closed', imported: true, reportedAt: b.reportedAt, closedAt: b.closedAt, open: false });
    expect(v.parts.map((p: any) => [p.org, p.sentBack, p.handledAt])).toEqual([['urban-management', 1, b.departments[0]!.handledAt], ['police', 0, b.departments[1]!.handledAt]]);
    const t = ok(await s.call('GET', `/v1/events/${done.event}/timeline`, { as: 'lin.centre' }));
    expect(t.steps.every((st: any) => st.imported === true && st.at < now)).toBe(true);
    expect(t.steps.map((st: any) => `${st.action}:${st.org}`)).toEqual([
      'report:street-office', 'dispatch:street-office', 'acknowledge:urban-management', 'accept:urban-management', 'acknowledge:police', 'accept:police',
      'handle:police', 'handle:urban-management', 'close:street-office',
    ]);
    // the proof names the command centre's event.import: a department step of it is not taken as signed by the department
    const { proof, index: _i, actorUsername: _u, ...handle } = t.steps[6];
    expect(verifyEventStep(done.event, handle as EventStep, proof, s.genesis)).toMatchObject({ ok: false, field: 'step.imported' });
    const police = ok(await s.call('GET', '/v1/events/departments/police/record', { as: 'zhou.official' }));
    const urban = ok(await s.call('GET', '/v1/events/departments/urban-management/record', { as: 'zhou.official' }));
    expect(police.imported.assigned - beforePolice.imported.assigned).toBe(1);
    expect(police.handled).toBe(beforePolice.handled); // ledger-timed figures unchanged
    expect(urban.imported).toMatchObject({ handled: 1, handledOnTime: 0, sentBack: 1 });
  });

  it('refuses a grid worker and a future time, signing nothing', async () => {
    const size = s.store.logSize();
    await expect(events.service.importEvent(s.principals.get('ma.grid')!, body(s.node.clock()))).rejects.toThrow(/command centre/);
    const now = s.node.clock();
    await expect(events.service.importEvent(s.principals.get('lin.centre')!, body(now, { closedAt: now + DAY_MS }))).rejects.toThrow(/block time/);
    expect(s.store.logSize()).toBe(size);
  });

  it('POST /v1/events/imports: the command centre imports over the API; a grid worker gets 403, a bad body 400, a future time 409, nothing signed on refusal', async () => {
    const now = s.node.clock();
    const created = await s.call('POST', '/v1/events/imports', { as: 'lin.centre', body: body(now, { description: '旧系统导入：路灯损坏' }) });
    const done = ok(created, 201);
    expect(done).toMatchObject({ action: 'report', status: 'closed' });
    expect(ok(await s.call('GET', `/v1/events/${done.event}`, { as: 'lin.centre' }))).toMatchObject({ imported: true, status: 'closed', description: '旧系统导入：路灯损坏' });
    const size = s.store.logSize();
    expect((await s.call('POST', '/v1/events/imports', { as: 'ma.grid', body: body(s.node.clock()) })).status).toBe(403);
    const { departments: _d, ...noDepartments } = body(s.node.clock());
    expect((await s.call('POST', '/v1/events/imports', { as: 'lin.centre', body: noDepartments })).status).toBe(400);
    expect((await s.call('POST', '/v1/events/imports', { as: 'lin.centre', body: { ...body(s.node.clock()), category: 'no-such-category' } })).status).toBe(400);
    const t = s.node.clock();
    const late = await s.call('POST', '/v1/events/imports', { as: 'lin.centre', body: body(t, { closedAt: t + DAY_MS }) });
    expect(late.status, late.body).toBe(409);
    expect(s.store.logSize()).toBe(size);
  });
});
