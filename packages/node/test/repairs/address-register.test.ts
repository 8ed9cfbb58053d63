/**
 * The buildings the repairs module serves come from the standard address register on the ledger once it has any
 * (docs/spec/addresses.md): before, the configured list (the tests' TEST_BUILDINGS, else the demo's b1–b3) serves;
 * after, an unregistered building is refused, a registered one is served under its register name and position, and a
 * retired one is refused again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneNode, type OneNode } from '../support/node.js';
import { call, ok } from './helpers.js';

let s: OneNode;
beforeAll(async () => {
  s = await oneNode({ org: 'property-company' });
});
afterAll(async () => s?.close());

const report = (building: string) => call(s, 'resident1', 'POST', '/v1/repairs', { category: 'lift', location: { kind: 'common', building }, description: `lift stuck in ${building}` });
const served = async (): Promise<any[]> => ok(await call(s, undefined, 'GET', '/v1/repairs/categories')).buildings;

describe('repairs and the address register', () => {
  it('while the register is empty, the configured buildings are served', async () => {
    expect((await served()).map((b) => b.code)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9']);
    ok(await report('b9'), 201);
  });

  it('once buildings are registered, only they are served: an unregistered building is refused with nothing recorded', async () => {
    ok(await call(s, 'zhou.official', 'POST', '/v1/addresses', { code: 'b1', kind: 'building', name: '一号楼', position: { latE6: 31_230_100, longE6: 121_450_100 } }), 201);
    ok(await call(s, 'zhou.official', 'POST', '/v1/addresses', { code: 'b12', kind: 'building', name: '十二号楼' }), 201);
    expect(await served()).toEqual([{ code: 'b1', name: '一号楼', lat: 31.2301, long: 121.4501 }, { code: 'b12', name: '十二号楼' }]);
    const before = s.store.logSize();
    const r = await report('b9');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(r.json.message).toMatch(/building b9 is not one this organisation serves \(b1, b12\)/);
    expect(s.store.logSize()).toBe(before);
    ok(await report('b12'), 201); // registered, not in the configured list
    ok(await report('b1'), 201);
  });

  it('a retired building is no longer served', async () => {
    ok(await call(s, 'zhou.official', 'POST', '/v1/addresses/b12/retire'), 200);
    expect((await served()).map((b) => b.code)).toEqual(['b1']);
    const r = await report('b12');
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/building b12 is not one this organisation serves \(b1\)/);
  });
});
