/**
 * GET /v1/events/live (Server-Sent Events) on a real socket: a one-node chain run by the street office (hosting the
 * police), listening on a free port. A report, the triage and the dispatch each arrive as an `event: step` frame the
 * moment they commit, naming the event, the action, the status after it and the signing organisation; a frame carries
 * nothing but those ledger fields (no description); no token, 401 (every signed-in role has `events.view`).
 * docs/spec/events.md#live-updates
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneNode, type OneNode } from '../support/node.js';
import type { Events } from '../../src/modules/events/index.js';
import { DEMO_GRIDS } from '../../src/modules/events/grids.js';

let s: OneNode;

beforeAll(async () => {
  s = await oneNode({
    org: 'street-office',
    users: { 'zhou.official': 'official', 'lin.centre': 'dispatcher', 'ma.grid': 'grid-worker', 'yang.grid': 'grid-worker' },
    hosted: { police: { 'xu.police': 'official' } },
    listen: true,
  });
  const events = s.use<Events>('events');
  for (const g of DEMO_GRIDS) await events.service.defineGrid(s.principals.get('zhou.official')!, g);
});
afterAll(async () => s?.close());

const ok = (r: { status: number; body: string; json: any }, status = 200): any => {
  expect(r.status, r.body).toBe(status);
  return r.json;
};

describe('the live event stream', () => {
  it('sends each committed step of an event as a frame of ledger fields only', async () => {
    const res = await fetch(`${s.url}/v1/events/live`, { headers: { authorization: `Bearer ${s.tokens.get('lin.centre')!}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const frames = (): any[] => text.split('\n\n').filter((f) => f.startsWith('event: step')).map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)));
    const description = '3号楼东侧井盖松动';
    const ev = ok(await s.call('POST', '/v1/events', { as: 'ma.grid', body: { category: 'safety-hazard', severity: 'serious', grid: 'grid-1', location: { kind: 'building', code: 'b1' }, description } }), 201).event as string;
    ok(await s.call('POST', `/v1/events/${ev}/triage`, { as: 'lin.centre', body: { decision: 'accept' } }));
    ok(await s.call('POST', `/v1/events/${ev}/dispatch`, { as: 'lin.centre', body: { departments: [{ org: 'police', deadlineMinutes: 60 }] } }));
    while (!frames().some((f) => f.event === ev && f.action === 'dispatch')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const mine = frames().filter((f) => f.event === ev);
    expect(mine.map((f) => f.action)).toEqual(['report', 'triage', 'dispatch']);
    expect(mine.every((f) => f.org === 'street-office' && /^[0-9a-f]{64}$/.test(f.txHash) && Number.isInteger(f.height))).toBe(true);
    expect(mine.at(-1)!.status).toBe('dispatched');
    for (const f of mine) expect(Object.keys(f).sort()).toEqual(['action', 'event', 'height', 'org', 'status', 'txHash']);
    expect(text).not.toContain(description);
  });

  it('refuses a caller without a token (401)', async () => {
    expect((await fetch(`${s.url}/v1/events/live`)).status).toBe(401);
  });
});
