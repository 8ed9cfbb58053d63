/**
 * The dashboard on a one-node chain run by the street office, through inject(): events reported through the events
 * API reach the read model with their block; the overview, the records behind a figure (whose transactions' proofs
 * verify), the grid map, a projection rebuilt from the stored blocks, the explorer's search, exports, and who may call.
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
    hosted: { police: { 'xu.police': 'official' }, 'urban-management': { 'guo.urban': 'official' } },
  });
  const events = s.use<Events>('events');
  for (const g of DEMO_GRIDS) await events.service.defineGrid(s.principals.get('zhou.official')!, g);
  for (const [grid, code, who] of [['grid-1', 'b2', 'ma.grid'], ['grid-1', 'b2', 'ma.grid'], ['grid-2', 'b4', 'yang.grid']] as const) {
    const r = await s.call('POST', '/v1/events', { as: who, body: { category: 'safety-hazard', severity: 'minor', grid, location: { kind: 'building', code }, description: `杂物 ${randomBytes(4).toString('hex')}` } });
    expect(r.status, r.body).toBe(201);
    reported.push(r.json.event);
  }
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
