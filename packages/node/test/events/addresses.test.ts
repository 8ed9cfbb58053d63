/**
 * The standard address register and the street office's configuration routes, through inject() on a one-node chain
 * run by the street office (hosting police and urban management): registrars register, update and retire buildings
 * and units; anyone signed in lists them; grids are defined and redefined with buildings of the register and grid
 * workers by user name (their pseudonyms on the ledger); a department's organisations are configured. Every refusal
 * (bad codes 400, wrong role 403, duplicates 409, unknown parent or building 404) leaves ledger and mempool as they were.
 * docs/spec/addresses.md, docs/spec/events.md#api
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorOf } from '../../src/index.js';
import { addressRecord, gridRecord } from '@machi/core';
import { oneNode, type Answer, type OneNode } from '../support/node.js';
import type { AddressesService } from '../../src/modules/addresses/index.js';

let s: OneNode;

beforeAll(async () => {
  s = await oneNode({
    org: 'street-office',
    modules: ['addresses', 'privacy', 'events'],
    users: { 'zhou.official': 'official', 'lin.centre': 'dispatcher', 'ma.grid': 'grid-worker', 'yang.grid': 'grid-worker', resident1: 'resident' },
    hosted: { police: { 'xu.police': 'official' }, 'urban-management': { 'guo.urban': 'official' } },
  });
});
afterAll(async () => s?.close());

const call = (user: string | undefined, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown, query?: Record<string, string>): Promise<Answer> =>
  s.call(method, url, { ...(user === undefined ? {} : { as: user }), ...(body === undefined ? {} : { body }), ...(query === undefined ? {} : { query }) });
function ok(r: Answer, status = 200): any {
  expect(r.status, r.body).toBe(status);
  return r.json;
}
const snapshot = () => ({ log: s.store.logSize(), mempool: s.node.mempoolSize });
async function refused(make: () => Promise<Answer>, status: number, code?: string): Promise<string> {
  const before = snapshot();
  const r = await make();
  expect(r.status, r.body).toBe(status);
  if (code !== undefined) expect(r.json.code).toBe(code);
  expect(snapshot()).toEqual(before);
  return r.json?.message ?? '';
}
const read = (k: string) => s.store.read(k);

describe('the standard address register', () => {
  it('a registrar registers buildings and units; the ledger holds the public record signed by the street office', async () => {
    const b1 = ok(await call('zhou.official', 'POST', '/v1/addresses', { code: 'b1', kind: 'building', name: '1号楼', position: { latE6: 31_230_100, longE6: 121_450_100 } }), 201);
    expect(b1.address).toMatchObject({ code: 'b1', kind: 'building', parent: null, org: 'street-office', orgName: 'Street office', status: 'active', units: 0 });
    expect(typeof b1.txHash).toBe('string');
    ok(await call('lin.centre', 'POST', '/v1/addresses', { code: 'b2', kind: 'building', name: '2号楼' }), 201);
    ok(await call('lin.centre', 'POST', '/v1/addresses', { code: 'b4', kind: 'building', name: '4号楼' }), 201);
    const unit = ok(await call('zhou.official', 'POST', '/v1/addresses', { code: 'b1-u1203', kind: 'unit', parent: 'b1', name: '1号楼2单元1203室' }), 201);
    expect(unit.address).toMatchObject({ kind: 'unit', parent: 'b1' });
    expect(addressRecord(read, 'b1')).toMatchObject({ units: 1, activeUnits: 1, by: s.principals.get('zhou.official')!.actor });
    expect(addressRecord(read, 'b1-u1203')!.by).toBe(actorOf('street-office', s.principals.get('zhou.official')!.userId, s.secret));
  });

  it('anyone signed in lists the register (buildings, a building\'s units, one address); anonymous callers get 401', async () => {
    expect(ok(await call('resident1', 'GET', '/v1/addresses')).addresses.map((a: any) => a.code)).toEqual(['b1', 'b2', 'b4', 'b1-u1203']);
    expect(ok(await call('ma.grid', 'GET', '/v1/addresses', undefined, { kind: 'building' })).addresses.map((a: any) => a.code)).toEqual(['b1', 'b2', 'b4']);
    expect(ok(await call('resident1', 'GET', '/v1/addresses', undefined, { parent: 'b1' })).addresses.map((a: any) => a.name)).toEqual(['1号楼2单元1203室']);
    expect(ok(await call('resident1', 'GET', '/v1/addresses/b1')).position).toEqual({ latE6: 31_230_100, longE6: 121_450_100 });
    await refused(() => call('resident1', 'GET', '/v1/addresses/b9'), 404, 'ADDRESS_NOT_FOUND');
    await refused(() => call(undefined, 'GET', '/v1/addresses'), 401, 'UNAUTHENTICATED');
  });

  it('refuses bad codes and names (400), other roles (403), taken codes (409), unknown parents (404); nothing recorded', async () => {
    for (const body of [
      { code: 'B3', kind: 'building', name: '3号楼' },
      { code: '3', kind: 'building', name: '3号楼' },
      { code: 'b3', kind: 'building', name: '张三 13812345678' },
      { code: 'b3', kind: 'room', name: '3号楼' },
      { code: 'b3', kind: 'building', name: '3号楼', position: { latE6: 31.5, longE6: 121 } },
      { code: 'u1', kind: 'unit', name: 'no building' },
    ]) await refused(() => call('zhou.official', 'POST', '/v1/addresses', body), 400);
    await refused(() => call('ma.grid', 'POST', '/v1/addresses', { code: 'b3', kind: 'building', name: '3号楼' }), 403, 'ACCESS_DENIED');
    await refused(() => call('resident1', 'POST', '/v1/addresses/b1/retire'), 403, 'ACCESS_DENIED');
    await refused(() => call('xu.police', 'POST', '/v1/addresses', { code: 'b3', kind: 'building', name: '3号楼' }), 403, 'ADDRESS_FORBIDDEN'); // the police's official: not the node's organisation
    expect(await refused(() => call('zhou.official', 'POST', '/v1/addresses', { code: 'b1', kind: 'building', name: '一号楼' }), 409, 'ADDRESS_CONFLICT')).toMatch(/already registered/);
    expect(await refused(() => call('zhou.official', 'POST', '/v1/addresses', { code: 'b9-u1', kind: 'unit', parent: 'b9', name: '9号楼101' }), 404, 'ADDRESS_NOT_FOUND')).toMatch(/no building b9/);
    await refused(() => call('zhou.official', 'POST', '/v1/addresses', { code: 'x1', kind: 'unit', parent: 'b1-u1203', name: 'x' }), 409, 'ADDRESS_CONFLICT');
  });

  it('update and retire: name and position change; a building with active units is not retired; retired codes are never reused', async () => {
    const u = ok(await call('zhou.official', 'PATCH', '/v1/addresses/b2', { name: '二号楼', position: { latE6: 31_230_600, longE6: 121_450_700 } }));
    expect(u.address).toMatchObject({ name: '二号楼', position: { latE6: 31_230_600, longE6: 121_450_700 } });
    await refused(() => call('zhou.official', 'PATCH', '/v1/addresses/b2', {}), 400);
    await refused(() => call('zhou.official', 'PATCH', '/v1/addresses/b9', { name: '九号楼' }), 404, 'ADDRESS_NOT_FOUND');
    expect(await refused(() => call('zhou.official', 'POST', '/v1/addresses/b1/retire'), 409, 'ADDRESS_CONFLICT')).toMatch(/1 active units/);
    ok(await call('zhou.official', 'POST', '/v1/addresses', { code: 'b5', kind: 'building', name: '5号楼' }), 201);
    expect(ok(await call('lin.centre', 'POST', '/v1/addresses/b5/retire')).address.status).toBe('retired');
    await refused(() => call('zhou.official', 'POST', '/v1/addresses', { code: 'b5', kind: 'building', name: '5号楼' }), 409, 'ADDRESS_CONFLICT');
    await refused(() => call('zhou.official', 'PATCH', '/v1/addresses/b5', { name: 'x' }), 409, 'ADDRESS_CONFLICT');
    expect(ok(await call('resident1', 'GET', '/v1/addresses', undefined, { kind: 'building' })).addresses.map((a: any) => a.code)).toEqual(['b1', 'b2', 'b4']);
    expect(ok(await call('resident1', 'GET', '/v1/addresses', undefined, { kind: 'building', retired: 'true' })).addresses.map((a: any) => [a.code, a.status])).toContainEqual(['b5', 'retired']);
  });
});

describe('registering several buildings at once (the demo seed)', () => {
  it('submits them together: one block holds them all, so the register never shows half of them; again: nothing to do', async () => {
    const service = s.use<AddressesService>('addresses');
    const official = s.principals.get('zhou.official')!;
    const bodies = ['b21', 'b22', 'b23'].map((code) => ({ code, kind: 'building' as const, name: `${code.slice(1)}号楼` }));
    expect(await service.registerBuildings(official, bodies)).toBe(3);
    const heights = bodies.map((b) => s.store.getTx(addressRecord(read, b.code)!.txHash)!.height);
    expect(new Set(heights).size).toBe(1);
    expect(await service.registerBuildings(official, bodies)).toBe(0);
    await expect(service.registerBuildings(s.principals.get('ma.grid')!, [{ code: 'b24', kind: 'building', name: '24号楼' }])).rejects.toMatchObject({ code: 'ADDRESS_FORBIDDEN' });
    for (const b of bodies) ok(await call('zhou.official', 'POST', `/v1/addresses/${b.code}/retire`));
  });
});

describe('grids and the department directory, by the street office', () => {
  it('an official defines a grid of registered buildings with grid workers by user name; everyone signed in lists it', async () => {
    const r = ok(await call('zhou.official', 'PUT', '/v1/events/grids/grid-9', {
      name: '第九网格', buildings: [{ building: 'b1', households: 120 }, { building: 'b2', name: '2号楼', households: 140 }], commonAreas: [{ code: 'east-gate', name: '东门' }], workers: ['ma.grid'],
    }));
    expect(r).toMatchObject({ grid: 'grid-9' });
    const g = gridRecord(read, 'grid-9')!;
    expect(g.workers).toEqual([s.principals.get('ma.grid')!.actor]);
    expect(g.buildings).toEqual([{ building: 'b1', households: 120 }, { building: 'b2', households: 140 }]);
    const list = ok(await call('resident1', 'GET', '/v1/events/grids')).grids;
    const mine = list.find((x: any) => x.grid === 'grid-9');
    expect(mine).toMatchObject({ name: '第九网格', org: 'street-office', households: 260, workers: 1, workerNames: ['ma.grid'], commonAreas: [{ code: 'east-gate', name: '东门' }] });
    expect(mine.buildings.map((b: any) => b.name)).toEqual(['1号楼', '2号楼']); // b1's name from the register
    // the grid worker sees it as theirs and may report in it
    expect(ok(await call('ma.grid', 'GET', '/v1/events/grids/mine')).grids.map((x: any) => x.grid)).toContain('grid-9');
    ok(await call('ma.grid', 'POST', '/v1/events', { category: 'safety-hazard', severity: 'minor', grid: 'grid-9', location: { kind: 'building', code: 'b1' }, description: '楼道灯坏了' }), 201);
  });

  it('redefines it: another worker, another building; the catalogue names the grid', async () => {
    ok(await call('zhou.official', 'PUT', '/v1/events/grids/grid-9', { name: '第九网格', buildings: [{ building: 'b4', households: 150 }], workers: ['yang.grid'] }));
    expect(gridRecord(read, 'grid-9')!.workers).toEqual([s.principals.get('yang.grid')!.actor]);
    const cat = ok(await call(undefined, 'GET', '/v1/events/catalogue'));
    expect(cat.grids.find((x: any) => x.grid === 'grid-9')).toMatchObject({ name: '第九网格', buildings: ['b4'] });
    expect(ok(await call('ma.grid', 'GET', '/v1/events/grids/mine')).grids.map((x: any) => x.grid)).not.toContain('grid-9');
  });

  it('refuses: a building not in the register (404), a dispatcher or grid worker (403), an unknown worker or bad code (400)', async () => {
    const body = { name: '第十网格', buildings: [{ building: 'b1', households: 10 }], workers: ['ma.grid'] };
    expect(await refused(() => call('zhou.official', 'PUT', '/v1/events/grids/grid-10', { ...body, buildings: [{ building: 'b7', households: 10 }] }), 404, 'ADDRESS_NOT_FOUND')).toMatch(/b7/);
    await refused(() => call('zhou.official', 'PUT', '/v1/events/grids/grid-10', { ...body, buildings: [{ building: 'b5', households: 10 }] }), 404, 'ADDRESS_NOT_FOUND'); // retired
    await refused(() => call('lin.centre', 'PUT', '/v1/events/grids/grid-10', body), 403, 'ACCESS_DENIED');
    await refused(() => call('ma.grid', 'PUT', '/v1/events/grids/grid-10', body), 403, 'ACCESS_DENIED');
    await refused(() => call('zhou.official', 'PUT', '/v1/events/grids/grid-10', { ...body, workers: ['nobody'] }), 400, 'REQUEST_INVALID');
    await refused(() => call('zhou.official', 'PUT', '/v1/events/grids/Grid10', body), 400);
    await refused(() => call('zhou.official', 'PUT', '/v1/events/grids/grid-10', { ...body, buildings: [] }), 400);
    expect(gridRecord(read, 'grid-10')).toBeUndefined();
  });

  it('configures a department\'s organisations (the catalogue shows them); refuses other roles (403) and unknown organisations (400)', async () => {
    const r = ok(await call('zhou.official', 'PUT', '/v1/events/directory/police', { orgs: ['police', 'urban-management'] }));
    expect(r).toMatchObject({ department: 'police', orgs: ['police', 'urban-management'] });
    const cat = ok(await call('resident1', 'GET', '/v1/events/catalogue'));
    expect(cat.departments.find((d: any) => d.code === 'police').orgs.map((o: any) => o.org)).toEqual(['police', 'urban-management']);
    await refused(() => call('lin.centre', 'PUT', '/v1/events/directory/police', { orgs: [] }), 403, 'ACCESS_DENIED');
    await refused(() => call('xu.police', 'PUT', '/v1/events/directory/police', { orgs: [] }), 403, 'EVENT_FORBIDDEN'); // not the command centre
    await refused(() => call('zhou.official', 'PUT', '/v1/events/directory/police', { orgs: ['no-such-org'] }), 400, 'REQUEST_INVALID');
    await refused(() => call('zhou.official', 'PUT', '/v1/events/directory/fire-brigade', { orgs: [] }), 400);
    ok(await call('zhou.official', 'PUT', '/v1/events/directory/police', { orgs: ['police'] }));
  });
});

describe('personal data at an address stays in the holder\'s vault', () => {
  it('a holder files a subject under a unit code; a department on an open event reads it for the case; others are denied and recorded', async () => {
    const sub = ok(await call('zhou.official', 'POST', '/v1/subjects', { fields: { name: '张伟', phone: '13800000000', unit: '2单元1203' } }), 201).subject as string;
    expect(ok(await call('zhou.official', 'PUT', `/v1/subjects/${sub}/address`, { address: 'b1-u1203' }))).toEqual({ subject: sub, address: 'b1-u1203', filed: 1 });
    await refused(() => call('zhou.official', 'PUT', `/v1/subjects/${sub}/address`, { address: 'b9-u1' }), 404, 'ADDRESS_NOT_FOUND');
    await refused(() => call('zhou.official', 'PUT', `/v1/subjects/${sub}/address`, { address: 'b5' }), 404, 'ADDRESS_NOT_FOUND'); // retired
    await refused(() => call('zhou.official', 'PUT', `/v1/subjects/sub_${'0'.repeat(32)}/address`, { address: 'b1-u1203' }), 404, 'SUBJECT_NOT_FOUND');
    await refused(() => call('ma.grid', 'PUT', `/v1/subjects/${sub}/address`, { address: 'b1-u1203' }), 403, 'ACCESS_DENIED');
    // nothing of it on the ledger: the link is kept here
    expect(JSON.stringify(s.store.scan('addresses/', 1000))).not.toContain(sub);

    // an event in grid-9, dispatched to the police
    const ev = ok(await call('yang.grid', 'POST', '/v1/events', { category: 'safety-hazard', severity: 'serious', grid: 'grid-9', location: { kind: 'building', code: 'b4' }, description: '邻居反映1203室燃气味' }), 201).event as string;
    ok(await call('lin.centre', 'POST', `/v1/events/${ev}/triage`, { decision: 'accept' }));
    ok(await call('lin.centre', 'POST', `/v1/events/${ev}/dispatch`, { departments: [{ org: 'police', deadlineMinutes: 60 }] }));
    const query = { purpose: 'public-safety', fields: 'name,phone', caseRef: `event:${ev}` };
    // the command centre's dispatcher is on the case (a manager role of the event's centre); hosted departments' staff
    // read through their own organisation's node (the privacy service records only this node's organisation's reads)
    const centre = ok(await call('lin.centre', 'GET', '/v1/subjects/by-address/b1-u1203', undefined, query));
    expect(centre.results).toHaveLength(1);
    expect(centre.results[0]).toMatchObject({ subject: sub, decision: 'allowed', fields: { name: '张伟', phone: '13800000000' } });
    const before = s.store.logSize();
    const noCase = ok(await call('lin.centre', 'GET', '/v1/subjects/by-address/b1-u1203', undefined, { ...query, caseRef: `event:ev_${'0'.repeat(32)}` }));
    expect(noCase.results[0]).toMatchObject({ subject: sub, decision: 'denied', reason: 'case-not-found' });
    expect(noCase.results[0].fields).toBeUndefined();
    expect(s.store.logSize()).toBeGreaterThan(before); // the denied attempt is on the ledger too
    expect(ok(await call('lin.centre', 'GET', '/v1/subjects/by-address/b2', undefined, query)).results).toEqual([]);
    await refused(() => call('lin.centre', 'GET', '/v1/subjects/by-address/b9', undefined, query), 404, 'ADDRESS_NOT_FOUND');
    await refused(() => call('lin.centre', 'GET', '/v1/subjects/by-address/b1-u1203', undefined, { purpose: 'public-safety', fields: 'name' }), 400);
    await refused(() => call('resident1', 'GET', '/v1/subjects/by-address/b1-u1203', undefined, query), 403, 'ACCESS_DENIED');
  });
});
