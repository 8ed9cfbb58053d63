/**
 * The dashboard on a one-node chain run by the street office, through inject(): events reported through the events
 * API reach the read model with their block; the overview, the records behind a figure (whose transactions' proofs
 * verify), the grid map, a projection rebuilt from the stored blocks, the explorer's search, exports, and who may call;
 * property bills of the hosted property company: fee collection, arrears and dunning on the overview and the map.
 * docs/spec/dashboard.md
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '@machi/core';
import { oneNode, type Answer, type OneNode } from '../support/node.js';
import type { Events } from '../../src/modules/events/index.js';
import { DEMO_GRIDS } from '../../src/modules/events/grids.js';
import { DashboardProjection } from '../../src/modules/dashboard/index.js';

let s: OneNode;
const reported: string[] = [];
const DAY = 86_400_000;
/** the bills' month: the one 40 days ago (community time), and its first moment */
let period = '';
let periodStart = 0;

const call = (user: string | undefined, url: string, query?: Record<string, string>): Promise<Answer> =>
  s.call('GET', url, { ...(user === undefined ? {} : { as: user }), ...(query === undefined ? {} : { query }) });
function ok(r: Answer, status = 200): any {
  expect(r.status, r.body).toBe(status);
  return r.json;
}

beforeAll(async () => {
  s = await oneNode({
    org: 'street-office',
    users: { 'zhou.official': 'official', 'ma.grid': 'grid-worker', 'yang.grid': 'grid-worker', resident1: 'resident', 'he.audit': 'regulator' },
    hosted: { police: { 'xu.police': 'official' }, 'urban-management': { 'guo.urban': 'official' }, 'property-company': { 'li.staff': 'property-staff' } },
  });
  const events = s.use<Events>('events');
  for (const g of DEMO_GRIDS) await events.service.defineGrid(s.principals.get('zhou.official')!, g);
  for (const [grid, code, who] of [['grid-1', 'b2', 'ma.grid'], ['grid-1', 'b2', 'ma.grid'], ['grid-2', 'b4', 'yang.grid']] as const) {
    const r = await s.call('POST', '/v1/events', { as: who, body: { category: 'safety-hazard', severity: 'minor', grid, location: { kind: 'building', code }, description: `杂物 ${randomBytes(4).toString('hex')}` } });
    expect(r.status, r.body).toBe(201);
    reported.push(r.json.event);
  }
  // the property company's register of two units of 2号楼 (grid-1), a month's bills due ten days ago: one paid, one
  // paid 50 of 200 yuan and reminded
  for (const [code, parent] of [['b2', undefined], ['b2-u0101', 'b2'], ['b2-u0102', 'b2']] as const) {
    ok(await s.call('POST', '/v1/addresses', { as: 'zhou.official', body: { code, kind: parent === undefined ? 'building' : 'unit', ...(parent === undefined ? {} : { parent }), name: `${code}号` } }), 201);
  }
  const m = new Date(s.node.clock() + 8 * 3_600_000 - 40 * DAY);
  period = `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
  periodStart = Date.UTC(m.getUTCFullYear(), m.getUTCMonth(), 1) - 8 * 3_600_000;
  const staff = (url: string, body: unknown, method = 'POST') => s.call(method as 'POST', url, { as: 'li.staff', body });
  ok(await staff('/v1/property/units', { unit: 'b2-u0101', type: 'residential', areaDm2: 10_000 }, 'PUT'), 201);
  ok(await staff('/v1/property/units', { unit: 'b2-u0102', type: 'residential', areaDm2: 8_000 }, 'PUT'), 201);
  ok(await staff('/v1/property/fees', { from: period, items: [{ item: 'service-fee', basis: 'area', unitType: 'any', rateFen: 250 }] }), 201);
  ok(await staff('/v1/property/bills', { period, building: 'b2', dueAt: s.node.clock() - 10 * DAY }), 201);
  ok(await staff('/v1/property/payments', { unit: 'b2-u0101', period, amountFen: 25_000, reference: 'WX-DASH-1' }), 201);
  ok(await staff('/v1/property/payments', { unit: 'b2-u0102', period, amountFen: 5_000, reference: 'WX-DASH-2' }), 201);
  ok(await staff('/v1/property/dunning', { unit: 'b2-u0102', period, step: 'reminder' }), 201);
});
afterAll(async () => s?.close());

describe('the dashboard', () => {
  it('counts reported events by grid, category and status; a grid filter narrows them', async () => {
    const all = ok(await call('zhou.official', '/v1/dashboard/overview'));
    expect(all.height).toBe(s.node.head.height);
    expect(all.panels.events).toMatchObject({ total: 3, open: 3, byCategory: [{ key: 'safety-hazard', n: 3 }] });
    expect(all.panels.events.byGrid).toEqual([{ key: 'grid-1', n: 2 }, { key: 'grid-2', n: 1 }]);
    const one = ok(await call('he.audit', '/v1/dashboard/overview', { grid: 'grid-2' }));
    expect(one.panels.events.total).toBe(1);
  });

  it('a figure’s records carry transactions whose proofs verify and name the record', async () => {
    const r = ok(await call('zhou.official', '/v1/dashboard/records', { panel: 'events', dim: 'grid', value: 'grid-1' }));
    expect(r.total).toBe(2);
    expect(r.records.map((x: any) => x.id).sort()).toEqual(reported.slice(0, 2).sort());
    for (const x of r.records) {
      const bundle = s.node.proof(x.tx)!;
      expect(verifyBundle(bundle, s.genesis).txHash).toBe(x.tx);
      expect((bundle.tx.payload as { event: string }).event).toBe(x.id);
    }
  });

  it('the grid map shows open events per building; a projection rebuilt from the stored blocks agrees', async () => {
    const map = ok(await call('zhou.official', '/v1/dashboard/map'));
    const b2 = map.grids.find((g: any) => g.grid === 'grid-1').buildings.find((b: any) => b.building === 'b2');
    expect(b2.openEvents).toBe(2);
    const rebuilt = new DashboardProjection(s.node);
    rebuilt.start();
    rebuilt.stop();
    const q = { from: s.node.clock() - 700 * 86_400_000, to: s.node.clock() + 1 };
    expect(rebuilt.model.overview(q, s.node.clock())).toEqual(ok(await call('zhou.official', '/v1/dashboard/overview', { from: String(q.from), to: String(q.to) })));
  });

  it('property: fee collection, arrears and dunning; the bill behind the arrears with proofs; the map’s arrears', async () => {
    const range = { from: String(periodStart), to: String(s.node.clock()) };
    const p = ok(await call('zhou.official', '/v1/dashboard/overview', range)).panels.property;
    expect(p).toMatchObject({ billedFen: 45_000, paidFen: 30_000, arrearsFen: 15_000, unitsInArrears: 1, dunning: [{ key: 'reminder', n: 1 }] });
    expect(p.byMonth).toEqual([{ period, billedFen: 45_000, paidFen: 30_000, arrearsFen: 15_000, bills: 2, unitsInArrears: 1, rate: 30_000 / 45_000 }]);
    expect(p.byBuilding).toEqual([{ building: 'b2', billedFen: 45_000, paidFen: 30_000, arrearsFen: 15_000, bills: 2, unitsInArrears: 1, rate: 30_000 / 45_000 }]);
    expect(ok(await call('zhou.official', '/v1/dashboard/overview', { ...range, grid: 'grid-2' })).panels.property.billedFen).toBe(0);
    const r = ok(await call('he.audit', '/v1/dashboard/records', { ...range, panel: 'property', dim: 'arrears', value: 'true' }));
    expect(r.total).toBe(1);
    const [bill] = r.records;
    expect(bill).toMatchObject({ kind: 'bill', id: `b2-u0102/${period}`, fields: { unit: 'b2-u0102', building: 'b2', grid: 'grid-1', dueFen: 20_000, paidFen: 5_000, dunning: 'reminder' } });
    const issued = s.node.proof(bill.tx)!;
    expect(verifyBundle(issued, s.genesis).txHash).toBe(bill.tx);
    expect(issued.tx).toMatchObject({ type: 'property.bill', payload: { building: 'b2', period } });
    const dunned = s.node.proof(bill.lastTx)!;
    expect(verifyBundle(dunned, s.genesis).txHash).toBe(bill.lastTx);
    expect(dunned.tx).toMatchObject({ type: 'property.dun', payload: { unit: 'b2-u0102', step: 'reminder' } });
    const map = ok(await call('zhou.official', '/v1/dashboard/map'));
    const b2 = map.grids.find((g: any) => g.grid === 'grid-1').buildings.find((b: any) => b.building === 'b2');
    expect(b2).toMatchObject({ arrearsFen: 15_000, unitsInArrears: 1 });
  });

  it('search finds a block, a transaction; a GS1 Digital Link is not supported yet; anything else is 404', async () => {
    const tx = ok(await call('zhou.official', '/v1/dashboard/records', { panel: 'events' })).records[0].tx;
    expect(ok(await call('zhou.official', '/v1/dashboard/search', { q: tx }))).toMatchObject({ kind: 'tx', txs: [tx] });
    expect(ok(await call('zhou.official', '/v1/dashboard/search', { q: '1' }))).toMatchObject({ kind: 'block', height: 1 });
    expect(ok(await call('zhou.official', '/v1/dashboard/search', { q: 'https://id.example.com/01/09506000134352/21/42' })).kind).toBe('unsupported');
    expect(ok(await call('zhou.official', '/v1/dashboard/search', { q: 'f'.repeat(64) }), 404).code).toBe('DASHBOARD_NOT_FOUND');
    expect(ok(await call('zhou.official', '/v1/dashboard/blocks', { limit: '2' })).blocks).toHaveLength(2);
  });

  it('exports CSV and Excel; refuses a backwards range; residents and anonymous callers are refused', async () => {
    const csv = await call('zhou.official', '/v1/dashboard/export', { panel: 'events', format: 'csv', dim: 'grid', value: 'grid-2' });
    expect(csv.status).toBe(200);
    const lines = csv.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('kind,id,at,category,grid,building,status,department,tx,last_tx');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(reported[2]);
    const xlsx = await call('zhou.official', '/v1/dashboard/export', { panel: 'overview', format: 'xlsx' });
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect(xlsx.body.startsWith('PK')).toBe(true);
    expect(xlsx.body).toContain('xl/worksheets/sheet1.xml');
    expect(xlsx.body).toContain('<t xml:space="preserve">safety-hazard</t>');
    expect(ok(await call('zhou.official', '/v1/dashboard/overview', { from: '10', to: '5' }), 400).code).toBe('DASHBOARD_RANGE_INVALID');
    expect((await call('resident1', '/v1/dashboard/overview')).status).toBe(403);
    expect((await call(undefined, '/v1/dashboard/overview')).status).toBe(401);
  });
});
