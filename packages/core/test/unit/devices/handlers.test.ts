/**
 * The device.* handlers over an in-memory state: registering (never a secret), rules, and the alarm state machine —
 * one open alarm per device and condition (a second raise is refused, a repeat counts), acknowledgement by the owner
 * and by organisations escalated to, the escalation ladder of a lift entrapment, clear and resolve closing the alarm,
 * the link to a work order, and who may do what.
 */
import { describe, expect, it } from 'vitest';
import {
  alarmAcknowledge,
  alarmClear,
  alarmEscalate,
  alarmLink,
  alarmRaise,
  alarmRecord,
  alarmRepeat,
  alarmResolve,
  deviceRecord,
  deviceRegister,
  deviceRetire,
  deviceSetRule,
  devicesOfOrg,
  openAlarmOf,
  openAlarms,
  DEVICES_STEPS_MAX,
  type DeviceSetRulePayload,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import {
  FIRE, GAS, LEADER, LIFT, LIFT2, LIFT_TECH, MIN_MS, MemState, NODE, OTHER, PROPERTY, STAFF, T0,
  al, apply, checkSchema, hex64, registerPayload, rejected, rq, workOrder,
} from './fixtures.js';

function chain(): MemState {
  const s = new MemState();
  apply(deviceRegister, s, PROPERTY, registerPayload('leak-b1-01', 'moisture'));
  apply(deviceRegister, s, PROPERTY, registerPayload('lift-b1-a', 'lift'));
  apply(deviceRegister, s, PROPERTY, registerPayload('gas-b2-01', 'gas', { location: { kind: 'common-area', code: 'boiler-room' } }));
  return s;
}

const raise = (alarm: string, device = 'leak-b1-01', condition = 'leak') => ({ alarm, device, condition, firstReadingAt: T0 - 1000, clockSuspect: false, by: NODE });
const A = al('leak 1');

describe('devices and rules', () => {
  it('registers a device with its credential hash, lists it, and refuses the id again even once retired', () => {
    const s = chain();
    const d = deviceRecord(s.read, 'leak-b1-01')!;
    expect(d).toMatchObject({ org: PROPERTY.id, class: 'moisture', credential: { kind: 'secret', hash: hex64('secret leak-b1-01') }, alarms: 0 });
    expect(devicesOfOrg(s.read, s.scan, PROPERTY.id).map((x) => x.device)).toEqual(['gas-b2-01', 'leak-b1-01', 'lift-b1-a']);
    expect(rejected(deviceRegister, s, PROPERTY, registerPayload('leak-b1-01', 'smoke'))).toMatch(/registered already/);
    expect(rejected(deviceRetire, s, OTHER, { device: 'leak-b1-01', by: STAFF })).toMatch(/belongs to property-company/);
    apply(deviceRetire, s, PROPERTY, { device: 'leak-b1-01', by: STAFF });
    expect(rejected(deviceRegister, s, PROPERTY, registerPayload('leak-b1-01', 'moisture'))).toMatch(/registered already/);
    expect(rejected(alarmRaise, s, PROPERTY, raise(A))).toMatch(/retired/);
  });

  it('the schema refuses a secret in clear, free text, and message signing without a key', () => {
    expect(machiError(() => checkSchema('device.register', registerPayload('x1', 'smoke', { credential: { kind: 'secret', hash: 'hunter2' } }))).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => checkSchema('device.register', { ...registerPayload('x1', 'smoke'), note: 'flat 3' })).code).toBe('TX_PAYLOAD_INVALID');
    expect(machiError(() => checkSchema('device.register', registerPayload('X/1', 'smoke'))).code).toBe('TX_PAYLOAD_INVALID');
    const s = new MemState();
    expect(rejected(deviceRegister, s, PROPERTY, registerPayload('x1', 'smoke', { signedMessages: true }))).toMatch(/ed25519/);
    apply(deviceRegister, s, PROPERTY, registerPayload('x1', 'smoke', { signedMessages: true, credential: { kind: 'ed25519', publicKey: 'A'.repeat(43) } }));
    expect(deviceRecord(s.read, 'x1')!.signedMessages).toBe(true);
  });

  const rule = (over: Partial<DeviceSetRulePayload> = {}): DeviceSetRulePayload => ({
    class: 'lift', condition: 'entrapment', severity: 'critical', action: 'work-order', onDutyRole: 'property-staff', leader: LEADER,
    ackMinutes: 2, resolveMinutes: 30, escalation: [{ org: LIFT.id, afterMinutes: 0 }, { org: LIFT2.id, afterMinutes: 5 }], by: STAFF, ...over,
  });

  it('a rule is checked: the class reports the condition, the 30-minute lift rescue, dangerous conditions escalate at once, thresholds', () => {
    const s = chain();
    apply(deviceSetRule, s, PROPERTY, rule());
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ resolveMinutes: 45 }))).toMatch(/30 minutes/);
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ condition: 'leak' }))).toMatch(/does not report leak/);
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ escalation: [{ org: LIFT.id, afterMinutes: 5 }] }))).toMatch(/dangerous/);
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ escalation: [{ org: LIFT.id, afterMinutes: 0 }, { org: LIFT.id, afterMinutes: 5 }] }))).toMatch(/once/);
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ escalation: [{ org: 'nobody', afterMinutes: 0 }] }))).toMatch(/not an organisation/);
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ escalation: [{ org: PROPERTY.id, afterMinutes: 0 }] }))).toMatch(/own organisation/);
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ ackMinutes: 40 }))).toMatch(/after the resolution/);
    expect(rejected(deviceSetRule, s, PROPERTY, rule({ class: 'gas', condition: 'gas-high', escalation: [{ org: GAS.id, afterMinutes: 0 }] }))).toMatch(/needs a threshold/);
    apply(deviceSetRule, s, PROPERTY, rule({ class: 'gas', condition: 'gas-high', threshold: 80, escalation: [{ org: GAS.id, afterMinutes: 0 }] }));
  });
});

describe('alarms', () => {
  it('one open alarm per device and condition: a second raise is refused, repeats count, the device health records the alarm', () => {
    const s = chain();
    apply(alarmRaise, s, PROPERTY, raise(A));
    const r = alarmRecord(s.read, A)!;
    expect(r).toMatchObject({ status: 'raised', active: true, count: 1, org: PROPERTY.id, rule: { action: 'work-order', severity: 'major' }, ackDueAt: T0 + 10 * MIN_MS });
    expect(openAlarmOf(s.read, 'leak-b1-01', 'leak')!.alarm).toBe(A);
    expect(deviceRecord(s.read, 'leak-b1-01')).toMatchObject({ alarms: 1, lastAlarm: A, lastAlarmAt: T0 });
    // milliseconds later, from the same or another node: the same alarm
    expect(rejected(alarmRaise, s, PROPERTY, raise(al('leak 2')), T0 + 1)).toMatch(/is open.*repeat it/);
    apply(alarmRepeat, s, PROPERTY, { alarm: A, count: 5, lastReadingAt: T0 + 2, by: NODE }, T0 + 5);
    expect(rejected(alarmRepeat, s, PROPERTY, { alarm: A, count: 5, lastReadingAt: T0 + 3, by: NODE }, T0 + 6)).toMatch(/counted 5/);
    expect(alarmRecord(s.read, A)!.count).toBe(5);
    // another condition is another alarm; a condition the class does not report is refused
    expect(rejected(alarmRaise, s, PROPERTY, raise(al('x'), 'leak-b1-01', 'smoke'))).toMatch(/does not report smoke/);
    expect(rejected(alarmRaise, s, OTHER, raise(al('x'), 'lift-b1-a', 'entrapment'))).toMatch(/belongs to/);
    expect(rejected(alarmRaise, s, PROPERTY, { ...raise(al('old')), device: 'lift-b1-a', condition: 'lift-fault', firstReadingAt: T0 - 2 * 24 * 60 * MIN_MS })).toMatch(/too far/);
  });

  it('acknowledge, resolve while the leak is still reported, then the device reports normal: the alarm clears and closes', () => {
    const s = chain();
    apply(alarmRaise, s, PROPERTY, raise(A));
    expect(rejected(alarmResolve, s, PROPERTY, { alarm: A, by: STAFF })).toMatch(/raised: resolve/);
    expect(rejected(alarmAcknowledge, s, OTHER, { alarm: A, by: STAFF })).toMatch(/neither the owner/);
    apply(alarmAcknowledge, s, PROPERTY, { alarm: A, by: STAFF }, T0 + MIN_MS);
    expect(rejected(alarmAcknowledge, s, PROPERTY, { alarm: A, by: STAFF })).toMatch(/already acknowledged/);
    apply(alarmResolve, s, PROPERTY, { alarm: A, by: STAFF }, T0 + 20 * MIN_MS);
    expect(openAlarms(s.read, s.scan, PROPERTY.id, T0 + 20 * MIN_MS).map((a) => a.alarm)).toEqual([A]); // still wet
    expect(rejected(alarmClear, s, OTHER, { alarm: A, normalAt: T0 + 21 * MIN_MS, by: NODE }, T0 + 21 * MIN_MS)).toMatch(/only property-company/);
    apply(alarmClear, s, PROPERTY, { alarm: A, normalAt: T0 + 21 * MIN_MS, by: NODE }, T0 + 21 * MIN_MS);
    expect(alarmRecord(s.read, A)).toMatchObject({ status: 'resolved', active: false, clearedAt: T0 + 21 * MIN_MS, resolvedAt: T0 + 20 * MIN_MS });
    expect(openAlarmOf(s.read, 'leak-b1-01', 'leak')).toBeUndefined();
    expect(openAlarms(s.read, s.scan, PROPERTY.id, T0 + 21 * MIN_MS)).toEqual([]);
    expect(rejected(alarmRepeat, s, PROPERTY, { alarm: A, count: 2, lastReadingAt: T0 + 22 * MIN_MS, by: NODE }, T0 + 22 * MIN_MS)).toMatch(/closed/);
    // a new leak is a new alarm
    apply(alarmRaise, s, PROPERTY, { ...raise(al('leak 2')), firstReadingAt: T0 + 22 * MIN_MS }, T0 + 22 * MIN_MS);
    expect(deviceRecord(s.read, 'leak-b1-01')!.alarms).toBe(2);
  });

  it('cleared then the leak returns before anyone resolved: a repeat makes it active again (still one alarm)', () => {
    const s = chain();
    apply(alarmRaise, s, PROPERTY, raise(A));
    apply(alarmClear, s, PROPERTY, { alarm: A, normalAt: T0 + 1000, by: NODE }, T0 + 2000);
    expect(rejected(alarmClear, s, PROPERTY, { alarm: A, normalAt: T0 + 1000, by: NODE }, T0 + 3000)).toMatch(/cleared already/);
    expect(rejected(alarmRaise, s, PROPERTY, { ...raise(al('again')), firstReadingAt: T0 + 4000 }, T0 + 5000)).toMatch(/is open/);
    apply(alarmRepeat, s, PROPERTY, { alarm: A, count: 2, lastReadingAt: T0 + 4000, by: NODE }, T0 + 5000);
    expect(alarmRecord(s.read, A)).toMatchObject({ active: true, count: 2, status: 'raised' });
  });

  it('links the work order it opened, once, only an existing work order of the owner', () => {
    const s = chain();
    apply(alarmRaise, s, PROPERTY, raise(A));
    expect(rejected(alarmLink, s, PROPERTY, { alarm: A, workOrder: rq('1'), by: NODE })).toMatch(/does not exist/);
    workOrder(s, OTHER, rq('other'));
    expect(rejected(alarmLink, s, PROPERTY, { alarm: A, workOrder: rq('other'), by: NODE })).toMatch(/not property-company's/);
    workOrder(s, PROPERTY, rq('1'));
    apply(alarmLink, s, PROPERTY, { alarm: A, workOrder: rq('1'), by: NODE });
    expect(alarmRecord(s.read, A)!.workOrder).toBe(rq('1'));
    workOrder(s, PROPERTY, rq('2'));
    expect(rejected(alarmLink, s, PROPERTY, { alarm: A, workOrder: rq('2'), by: NODE })).toMatch(/linked to/);
  });

  it('lift entrapment: the lift company at once, the next one only if it has not acknowledged within 5 minutes; their acknowledgements on the ledger', () => {
    const s = chain();
    const L = al('lift');
    apply(alarmRaise, s, PROPERTY, raise(L, 'lift-b1-a', 'entrapment'));
    const r = alarmRecord(s.read, L)!;
    // the catalogue default: rescue within 30 minutes, the contracted company at once, the nearest other after 5
    expect(r.rule).toMatchObject({ severity: 'critical', resolveMinutes: 30, dangerous: true, escalation: [{ org: LIFT.id, afterMinutes: 0 }, { org: LIFT2.id, afterMinutes: 5 }] });
    expect(r.resolveDueAt).toBe(T0 + 30 * MIN_MS);
    expect(rejected(alarmAcknowledge, s, LIFT, { alarm: L, by: LIFT_TECH })).toMatch(/neither the owner/);
    expect(rejected(alarmEscalate, s, PROPERTY, { alarm: L, level: 2, by: NODE })).toMatch(/level 1, not 2/);
    expect(rejected(alarmEscalate, s, LIFT, { alarm: L, level: 1, by: NODE })).toMatch(/only property-company/);
    apply(alarmEscalate, s, PROPERTY, { alarm: L, level: 1, by: NODE }, T0 + 1000);
    expect(openAlarms(s.read, s.scan, LIFT.id, T0 + 1000).map((a) => a.alarm)).toEqual([L]);
    // level 2 not before 5 minutes
    expect(rejected(alarmEscalate, s, PROPERTY, { alarm: L, level: 2, by: NODE }, T0 + 4 * MIN_MS)).toMatch(/no escalation/);
    const timers = openAlarms(s.read, s.scan, PROPERTY.id, T0 + 4 * MIN_MS)[0]!.timers;
    expect(timers).toMatchObject({ ackMissed: true, resolveMissed: false, nextEscalation: { level: 2, org: LIFT2.id, at: T0 + 5 * MIN_MS } });
    apply(alarmEscalate, s, PROPERTY, { alarm: L, level: 2, by: NODE }, T0 + 5 * MIN_MS);
    apply(alarmAcknowledge, s, LIFT2, { alarm: L, by: LIFT_TECH }, T0 + 6 * MIN_MS);
    expect(alarmRecord(s.read, L)).toMatchObject({ level: 2, escalatedTo: [LIFT.id, LIFT2.id], status: 'acknowledged', acks: [{ org: LIFT2.id, actor: LIFT_TECH }] });
    apply(alarmResolve, s, LIFT2, { alarm: L, by: LIFT_TECH }, T0 + 25 * MIN_MS);
    apply(alarmClear, s, PROPERTY, { alarm: L, normalAt: T0 + 25 * MIN_MS, by: NODE }, T0 + 25 * MIN_MS);
    for (const o of [PROPERTY, LIFT, LIFT2]) expect(openAlarms(s.read, s.scan, o.id, T0 + 26 * MIN_MS)).toEqual([]);
  });

  it('when the lift company acknowledges in time, level 2 is never due', () => {
    const s = chain();
    const L = al('lift ok');
    apply(alarmRaise, s, PROPERTY, raise(L, 'lift-b1-a', 'entrapment'));
    apply(alarmEscalate, s, PROPERTY, { alarm: L, level: 1, by: NODE }, T0 + 1000);
    apply(alarmAcknowledge, s, LIFT, { alarm: L, by: LIFT_TECH }, T0 + 2 * MIN_MS);
    expect(rejected(alarmEscalate, s, PROPERTY, { alarm: L, level: 2, by: NODE }, T0 + 10 * MIN_MS)).toMatch(/no escalation/);
  });

  it('a missed acknowledgement of a non-dangerous condition escalates only if the owner has not acknowledged; default escalation orgs must exist in the chain', () => {
    const s = chain();
    const F = al('fault');
    apply(alarmRaise, s, PROPERTY, raise(F, 'lift-b1-a', 'lift-fault'));
    expect(alarmRecord(s.read, F)!.rule.escalation).toEqual([{ org: LIFT.id, afterMinutes: 30 }]);
    expect(rejected(alarmEscalate, s, PROPERTY, { alarm: F, level: 1, by: NODE }, T0 + 29 * MIN_MS)).toMatch(/no escalation/);
    apply(alarmEscalate, s, PROPERTY, { alarm: F, level: 1, by: NODE }, T0 + 30 * MIN_MS);
    const G = al('gas');
    apply(alarmRaise, s, PROPERTY, raise(G, 'gas-b2-01', 'gas-high'));
    expect(alarmRecord(s.read, G)!.rule.escalation.map((e) => e.org)).toEqual([GAS.id, FIRE.id]);
    const W = al('acked leak');
    apply(alarmRaise, s, PROPERTY, raise(W));
    apply(alarmAcknowledge, s, PROPERTY, { alarm: W, by: STAFF });
    // the organisation's own rule, set later, does not change an alarm already raised
    apply(deviceSetRule, s, PROPERTY, { class: 'moisture', condition: 'leak', severity: 'critical', action: 'notify', onDutyRole: 'dispatcher', leader: LEADER, ackMinutes: 1, resolveMinutes: 5, escalation: [{ org: OTHER.id, afterMinutes: 1 }], by: STAFF });
    expect(alarmRecord(s.read, W)!.rule.action).toBe('work-order');
    expect(rejected(alarmEscalate, s, PROPERTY, { alarm: W, level: 1, by: NODE }, T0 + 60 * MIN_MS)).toMatch(/no escalation/);
  });

  it('is deterministic: the same transactions write the same state in the same order', () => {
    const run = (): MemState => {
      const s = chain();
      apply(alarmRaise, s, PROPERTY, raise(A));
      apply(alarmAcknowledge, s, PROPERTY, { alarm: A, by: STAFF }, T0 + 1);
      apply(alarmClear, s, PROPERTY, { alarm: A, normalAt: T0 + 2, by: NODE }, T0 + 2);
      return s;
    };
    expect(run().log).toEqual(run().log);
  });
});

describe('alarm steps', () => {
  it('consecutive repeats are one step; a flapping sensor cannot grow the record past DEVICES_STEPS_MAX', () => {
    const s = new MemState();
    apply(deviceRegister, s, PROPERTY, registerPayload('leak-f', 'moisture'));
    const F = al('flap');
    apply(alarmRaise, s, PROPERTY, { alarm: F, device: 'leak-f', condition: 'leak', firstReadingAt: T0, clockSuspect: false, by: NODE });
    apply(alarmRepeat, s, PROPERTY, { alarm: F, count: 2, lastReadingAt: T0 + 1, by: NODE }, T0 + 1);
    apply(alarmRepeat, s, PROPERTY, { alarm: F, count: 3, lastReadingAt: T0 + 2, by: NODE }, T0 + 2);
    expect(alarmRecord(s.read, F)!.steps.map((x) => [x.action, x.count])).toEqual([['raise', 1], ['repeat', 3]]);
    apply(alarmAcknowledge, s, PROPERTY, { alarm: F, by: STAFF }, T0 + 3);
    let count = 3;
    for (let i = 0; i < DEVICES_STEPS_MAX; i++) {
      apply(alarmClear, s, PROPERTY, { alarm: F, normalAt: T0 + 10 + 2 * i, by: NODE }, T0 + 10 + 2 * i);
      apply(alarmRepeat, s, PROPERTY, { alarm: F, count: ++count, lastReadingAt: T0 + 11 + 2 * i, by: NODE }, T0 + 11 + 2 * i);
    }
    const r = alarmRecord(s.read, F)!;
    expect(r.steps).toHaveLength(DEVICES_STEPS_MAX);
    expect(r.steps[0]!.action).toBe('raise');
    expect(r.steps.filter((x) => x.action === 'acknowledge')).toHaveLength(1);
    expect(r).toMatchObject({ count, active: true });
  });
});
