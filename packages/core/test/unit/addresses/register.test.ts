/**
 * The address register (一标三实): schemas refuse free text and bad codes; handlers register buildings and units,
 * refuse duplicates (even retired codes), unknown or retired parents, changes by another organisation, and retiring a
 * building with active units; queries list by kind and parent; the node-side checks add the role.
 */
import { describe, expect, it } from 'vitest';
import {
  addressRecord,
  addressRegister,
  addressRetire,
  addressUpdate,
  addressErrorCode,
  buildingsOf,
  checkAddressRegister,
  listAddresses,
  unitsOf,
  type AddressRegisterPayload,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import { HOUR_MS, MemState, POLICE, STREET, T0, actor, apply, checkSchema, rejected } from '../events/fixtures.js';

const BY = actor('registrar zhou');
const building = (code: string, over: Partial<AddressRegisterPayload> = {}): AddressRegisterPayload => ({ code, kind: 'building', name: `${code.slice(1)}号楼`, by: BY, ...over });
const unit = (code: string, parent: string, over: Partial<AddressRegisterPayload> = {}): AddressRegisterPayload => ({ code, kind: 'unit', parent, name: `${parent} ${code}`, by: BY, ...over });

function community(): MemState {
  const s = new MemState();
  apply(addressRegister, s, STREET, building('b1', { position: { latE6: 31_230_100, longE6: 121_450_100 } }));
  apply(addressRegister, s, STREET, building('b2'));
  apply(addressRegister, s, STREET, unit('b1-u1203', 'b1', { name: '1号楼2单元1203室' }));
  apply(addressRegister, s, STREET, unit('b1-u0101', 'b1'));
  return s;
}

describe('address schemas', () => {
  it('take codes, a public name and integer microdegrees; refuse free text, phone numbers, floats and stray fields', () => {
    checkSchema('address.register', building('b1', { position: { latE6: 31_230_100, longE6: 121_450_100 } }));
    checkSchema('address.register', unit('b1-u1203', 'b1', { name: '1号楼2单元1203室' }));
    const bad: unknown[] = [
      building('B1'), // upper case
      building('1'), // starts with a digit
      building('b1/x'),
      building('b1', { name: '张三 13812345678' }), // a phone number in the name
      building('b1', { name: '' }),
      building('b1', { name: 'x'.repeat(65) }),
      building('b1', { position: { latE6: 31.2301, longE6: 121 } }),
      building('b1', { position: { latE6: 91_000_000, longE6: 0 } }),
      { ...building('b1'), owner: 'Zhang San' },
      { ...building('b1'), kind: 'room' },
    ];
    for (const p of bad) expect(machiError(() => checkSchema('address.register', p)).code, JSON.stringify(p)).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => checkSchema('address.update', { code: 'b1', by: BY })).code).toBe('TX_PAYLOAD_INVALID'); // nothing to change
    checkSchema('address.update', { code: 'b1', position: null, by: BY });
  });
});

describe('address transactions', () => {
  it('register buildings and units: records, indexes and the building\'s unit counts', () => {
    const s = community();
    const b1 = addressRecord(s.read, 'b1')!;
    expect(b1).toMatchObject({ code: 'b1', kind: 'building', parent: null, org: STREET.id, status: 'active', units: 2, activeUnits: 2, position: { latE6: 31_230_100, longE6: 121_450_100 } });
    expect(addressRecord(s.read, 'b1-u1203')).toMatchObject({ kind: 'unit', parent: 'b1', name: '1号楼2单元1203室', units: 0 });
    expect(buildingsOf(s.read, s.scan).map((b) => b.code)).toEqual(['b1', 'b2']);
    expect(unitsOf(s.read, s.scan, 'b1').map((u) => u.code)).toEqual(['b1-u0101', 'b1-u1203']);
    expect(listAddresses(s.read, s.scan).map((a) => a.code)).toEqual(['b1', 'b2', 'b1-u0101', 'b1-u1203']);
    expect(listAddresses(s.read, s.scan, { kind: 'unit' }).map((a) => a.code)).toEqual(['b1-u0101', 'b1-u1203']);
    expect(listAddresses(s.read, s.scan, { parent: 'b2' })).toEqual([]);
  });

  it('refuse a taken code, a unit without a building, an unknown or retired parent, a unit as parent; nothing written', () => {
    const s = community();
    expect(rejected(addressRegister, s, STREET, building('b1'))).toMatch(/already registered/);
    expect(rejected(addressRegister, s, POLICE, building('b2'))).toMatch(/already registered/);
    expect(rejected(addressRegister, s, STREET, { code: 'u9', kind: 'unit', name: 'u9', by: BY })).toMatch(/must name its building/);
    expect(rejected(addressRegister, s, STREET, building('b3', { parent: 'b1' }))).toMatch(/has no parent/);
    expect(rejected(addressRegister, s, STREET, unit('b9-u1', 'b9'))).toMatch(/no building b9/);
    expect(rejected(addressRegister, s, STREET, unit('x1', 'b1-u1203'))).toMatch(/is a unit/);
    apply(addressRetire, s, STREET, { code: 'b2', by: BY }, T0 + HOUR_MS);
    expect(rejected(addressRegister, s, STREET, unit('b2-u1', 'b2'))).toMatch(/retired/);
    expect(rejected(addressRegister, s, STREET, building('b2'))).toMatch(/codes are never reused/);
  });

  it('update: only the defining organisation, only while active; name and position change, the record keeps its code', () => {
    const s = community();
    apply(addressUpdate, s, STREET, { code: 'b1', name: '一号楼', position: null, by: BY }, T0 + HOUR_MS);
    expect(addressRecord(s.read, 'b1')).toMatchObject({ name: '一号楼', position: null, updatedAt: T0 + HOUR_MS, registeredAt: T0, units: 2 });
    expect(rejected(addressUpdate, s, POLICE, { code: 'b1', name: 'x', by: BY })).toMatch(/defined by street-office/);
    expect(rejected(addressUpdate, s, STREET, { code: 'b7', name: 'x', by: BY })).toMatch(/no address b7/);
  });

  it('retire: a building only once its units are retired; the unit count goes down; listings hide retired ones', () => {
    const s = community();
    expect(rejected(addressRetire, s, STREET, { code: 'b1', by: BY })).toMatch(/2 active units/);
    apply(addressRetire, s, STREET, { code: 'b1-u1203', by: BY });
    apply(addressRetire, s, STREET, { code: 'b1-u0101', by: BY });
    expect(addressRecord(s.read, 'b1')).toMatchObject({ units: 2, activeUnits: 0 });
    apply(addressRetire, s, STREET, { code: 'b1', by: BY });
    expect(rejected(addressRetire, s, STREET, { code: 'b1', by: BY })).toMatch(/retired/);
    expect(buildingsOf(s.read, s.scan).map((b) => b.code)).toEqual(['b2']);
    expect(listAddresses(s.read, s.scan, { retired: true }).map((a) => [a.code, a.status])).toEqual([
      ['b1', 'retired'], ['b2', 'active'], ['b1-u0101', 'retired'], ['b1-u1203', 'retired'],
    ]);
  });

  it('the node-side check adds the role: registrars are officials and dispatchers; codes map to 404/409/403', () => {
    const s = community();
    const p = building('b3');
    expect(checkAddressRegister(undefined, undefined, p, { org: STREET.id, role: 'official' })).toEqual({ ok: true });
    expect(checkAddressRegister(undefined, undefined, p, { org: STREET.id, role: 'dispatcher' })).toEqual({ ok: true });
    expect(checkAddressRegister(undefined, undefined, p, { org: STREET.id, role: 'resident' })).toMatchObject({ ok: false, status: 403 });
    expect(checkAddressRegister(addressRecord(s.read, 'b1'), undefined, building('b1'), { org: STREET.id, role: 'official' })).toMatchObject({ ok: false, status: 409 });
    expect(checkAddressRegister(undefined, undefined, unit('b9-u1', 'b9'), { org: STREET.id, role: 'official' })).toMatchObject({ ok: false, status: 404 });
    expect([addressErrorCode(404), addressErrorCode(409), addressErrorCode(403)]).toEqual(['ADDRESS_NOT_FOUND', 'ADDRESS_CONFLICT', 'ADDRESS_FORBIDDEN']);
  });
});
