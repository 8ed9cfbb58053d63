/**
 * The dashboard on a node that joined from a snapshot (membership.md#snapshots, #history) and holds the blocks from the
 * snapshot's replay window on only: its read model shows the community's past as the source node's does (the records
 * are in the state it installed; the blocks that made them come later), the explorer's block list stops at the lowest
 * block held instead of failing, and its search says HISTORY_INCOMPLETE for what is older. docs/spec/dashboard.md
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneNode, type OneNode } from '../support/node.js';
import { joinedFrom, type Joined } from '../support/join.js';
import type { Events } from '../../src/modules/events/index.js';
import { DEMO_GRIDS } from '../../src/modules/events/grids.js';
import { DashboardProjection } from '../../src/modules/dashboard/index.js';
import { dashboardRoutes } from '../../src/modules/dashboard/routes.js';
import { buildServer } from '../../src/api/server.js';

let s: OneNode;
let j: Joined;
const DAY = 86_400_000;
/** an event's report transaction, in a block below the window */
let oldTx = '';

const report = async (grid: string, code: string, who: string): Promise<string> => {
  const r = await s.call('POST', '/v1/events', { as: who, body: { category: 'safety-hazard', severity: 'minor', grid, location: { kind: 'building', code }, description: `杂物 ${randomBytes(4).toString('hex')}` } });
  expect(r.status, r.body).toBe(201);
  return r.json.event as string;
};

beforeAll(async () => {
  s = await oneNode({
    org: 'street-office',
    users: { 'zhou.official': 'official', 'ma.grid': 'grid-worker', 'yang.grid': 'grid-worker' },
    hosted: { 'property-company': { 'li.staff': 'property-staff' } },
  });
  const events = s.use<Events>('events');
  for (const g of DEMO_GRIDS) await events.service.defineGrid(s.principals.get('zhou.official')!, g);
  const first = await report('grid-1', 'b2', 'ma.grid');
  await report('grid-1', 'b2', 'ma.grid');
  await report('grid-2', 'b4', 'yang.grid');
  oldTx = (JSON.parse(s.node.store.read(`events/event/${first}`)!) as { steps: { txHash: string }[] }).steps[0]!.txHash;
  expect(s.node.store.getTx(oldTx)).toBeDefined();
  for (const [code, parent] of [['b2', undefined], ['b2-u0101', 'b2']] as const) {
    const r = await s.call('POST', '/v1/addresses', { as: 'zhou.official', body: { code, kind: parent === undefined ? 'building' : 'unit', ...(parent === undefined ? {} : { parent }), name: `${code}号` } });
    expect(r.status, r.body).toBe(201);
  }
  const m = new Date(s.node.clock() + 8 * 3_600_000 - 40 * DAY);
  const period = `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
  const staff = async (method: 'POST' | 'PUT', url: string, body: unknown) => {
    const r = await s.call(method, url, { as: 'li.staff', body });
    expect(r.status, r.body).toBe(201);
  };
  await staff('PUT', '/v1/property/units', { unit: 'b2-u0101', type: 'residential', areaDm2: 10_000 });
  await staff('POST', '/v1/property/fees', { from: period, items: [{ item: 'service-fee', basis: 'area', unitType: 'any', rateFen: 250 }] });
  await staff('POST', '/v1/property/bills', { period, building: 'b2', dueAt: s.node.clock() - 10 * DAY });
  // one more event reported in the snapshot's replay window: its block is held, and counted once
  j = await joinedFrom(s, async () => void (await report('grid-2', 'b4', 'yang.grid')));
}, 120_000);
afterAll(async () => {
  await j?.close();
  await s?.close();
});

describe('the dashboard of a node joined from a snapshot', () => {
  it('holds the blocks from the window on only (the setting of the other tests)', () => {
    expect(j.node.history.view).toMatchObject({ complete: false, lowestHeight: j.lowestHeight, snapshotHeight: j.snapshotHeight });
    expect(j.node.store.getTx(oldTx)).toBeUndefined();
    expect(j.node.head.height).toBe(s.node.head.height);
  });

  it('its read model shows the past as the source node\'s does: built from the state, not from the blocks it lacks', () => {
    const source = new DashboardProjection(s.node);
    source.start();
    source.stop();
    const joined = new DashboardProjection(j.node);
    joined.start();
    const now = s.node.clock();
    const q = { from: now - 700 * DAY, to: now + 1 };
    const view = joined.model.overview(q, now);
    expect(view.panels.events).toMatchObject({ total: 4, open: 4 });
    expect(view.panels.property.billedFen).toBe(25_000);
    expect(view).toEqual(source.model.overview(q, now));
    expect(joined.model.height).toBe(j.node.head.height);
    expect(joined.model.openByBuilding).toEqual(source.model.openByBuilding);
    // then it follows the blocks it commits, like any node's
    joined.stop();
  });

  it('the explorer lists the blocks it holds (no failure below them); search says HISTORY_INCOMPLETE for older ones', async () => {
    const joined = new DashboardProjection(j.node);
    joined.start();
    const app = await buildServer(j.node, { docs: false, auth: s.auth, plugins: [async (a) => a.register(dashboardRoutes, { node: j.node, projection: joined, isRevoked: () => false })] });
    try {
      const get = (url: string, query: Record<string, string> = {}) => app.inject({ method: 'GET', url, query, headers: { authorization: `Bearer ${s.token('zhou.official')}` } });
      const blocks = await get('/v1/dashboard/blocks', { limit: '100' });
      expect(blocks.statusCode, blocks.body).toBe(200);
      const heights = blocks.json().blocks.map((b: { height: number }) => b.height);
      expect(heights[0]).toBe(j.node.head.height);
      expect(heights.at(-1)).toBe(j.lowestHeight);
      expect((await get('/v1/dashboard/blocks', { before: String(j.lowestHeight) })).json().blocks).toEqual([]);
      for (const q of ['1', oldTx]) {
        const r = await get('/v1/dashboard/search', { q });
        expect(r.statusCode, q).toBe(503);
        expect(r.json().code).toBe('HISTORY_INCOMPLETE');
      }
      expect((await get('/v1/dashboard/search', { q: String(j.lowestHeight) })).json()).toMatchObject({ kind: 'block', height: j.lowestHeight });
      expect((await get('/v1/dashboard/search', { q: String(j.node.head.height + 5) })).json().code).toBe('DASHBOARD_NOT_FOUND');
    } finally {
      joined.stop();
      await app.close();
    }
  });
});
