/**
 * A device report (reporterKind `device`): an organisation's device system reports a dangerous alarm of a device it
 * owns as an event; the event names the alarm and the alarm finds its event (`events/by-alarm/<alarm>`); a major
 * category fans out at once. The alarm must exist, be open, be the signer's, have no event yet; the location is a
 * building (the device's); only a device report names an alarm.
 */
import { describe, expect, it } from 'vitest';
import { alarmEventKey, alarmKey, checkEventReport, eventRecord, eventReport, gridDefine, gridRecord, type EventRecord } from '../../../src/index.js';
import { COMP, EV, GRID, MIN_MS, MemState, POLICE, PROPERTY, STREET, T0, URBAN, apply, checkSchema, ev, gridPayload, hex32, rejected, reportPayload } from './fixtures.js';

const ALARM = `al_${hex32('alarm smoke b1')}`;
const JOB = hex32('device job');

function world(over: Record<string, unknown> = {}): MemState {
  const s = new MemState();
  apply(gridDefine, s, STREET, gridPayload(), T0 - MIN_MS);
  s.set(alarmKey(ALARM), { alarm: ALARM, device: 'smoke-b1', class: 'smoke-detector', condition: 'smoke', org: PROPERTY.id, location: { kind: 'building', code: 'b1' }, status: 'raised', active: true, ...over });
  return s;
}
const deviceReport = (over: Record<string, unknown> = {}) => reportPayload({ category: 'fire', severity: 'grave', reporter: JOB, reporterKind: 'device', alarm: ALARM, photoHashes: [], observedAt: T0 - MIN_MS, ...over });

describe('device reports', () => {
  it('the owner of the alarm reports it: a major fire fanned out at once, naming the alarm, found from the alarm', () => {
    const s = world();
    apply(eventReport, s, PROPERTY, deviceReport(), T0);
    const r = eventRecord(s.read, EV) as EventRecord;
    expect(r).toMatchObject({ reporterKind: 'device', reporterOrg: PROPERTY.id, alarm: ALARM, major: true, status: 'dispatched' });
    expect(r.assignments.map((a) => a.org)).toEqual(expect.arrayContaining([POLICE.id, URBAN.id, COMP.id]));
    expect(r.assignments.every((a) => a.ackDueAt === T0 + 5 * MIN_MS)).toBe(true);
    expect(s.get(alarmEventKey(ALARM))).toBe(EV);
  });

  it('refuses another organisation, a closed alarm, a second event for the alarm, a common area, another building, no alarm, or an alarm on another kind', () => {
    expect(rejected(eventReport, world(), STREET, deviceReport(), T0)).toMatch(/not of street-office/);
    expect(rejected(eventReport, world({ status: 'resolved', active: false }), PROPERTY, deviceReport(), T0)).toMatch(/closed/);
    expect(rejected(eventReport, world(), PROPERTY, deviceReport({ location: { kind: 'common-area', code: 'gate' } }), T0)).toMatch(/at a building/);
    expect(rejected(eventReport, world(), PROPERTY, deviceReport({ location: { kind: 'building', code: 'b2' } }), T0)).toMatch(/is at b1, not b2/);
    expect(rejected(eventReport, world(), PROPERTY, deviceReport({ alarm: undefined }), T0)).toMatch(/names its alarm/);
    expect(rejected(eventReport, world(), PROPERTY, deviceReport({ alarm: `al_${hex32('none')}` }), T0)).toMatch(/no alarm/);
    expect(rejected(eventReport, world(), PROPERTY, deviceReport({ reporterKind: 'resident', location: { kind: 'common-area', code: 'gate' } }), T0)).toMatch(/only a device report/);
    const s = world();
    apply(eventReport, s, PROPERTY, deviceReport(), T0);
    expect(rejected(eventReport, s, PROPERTY, deviceReport({ event: ev('again') }), T0)).toMatch(/reported an event already/);
    expect(() => checkSchema('event.report', deviceReport({ alarm: 'al_1' }))).toThrow();
  });

  it('a user may not report as a device (the API view, with roles)', () => {
    const s = world();
    const check = checkEventReport(gridRecord(s.read, GRID), { actor: JOB, org: PROPERTY.id, role: 'property-staff' }, { grid: GRID, location: { kind: 'building', code: 'b1' }, reporterKind: 'device', observedAt: T0 }, T0);
    expect(check).toMatchObject({ ok: false, status: 403 });
  });
});
