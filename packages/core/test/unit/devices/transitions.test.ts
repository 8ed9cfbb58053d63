/**
 * The pure rules: the transition table and who may act, escalationDue for each kind of ladder, the effective rule
 * (defaults with the organisations the chain has), the timers, and the rule-setting checks.
 */
import { describe, expect, it } from 'vitest';
import {
  ALARM_ACTIONS,
  ALARM_TRANSITIONS,
  DEVICE_CLASSES,
  DEVICE_CLASS_CODES,
  LIFT_RESCUE_MINUTES_MAX,
  alarmTimers,
  checkAlarmTransition,
  checkRuleSetting,
  effectiveRule,
  escalationDue,
  isAlarmOpen,
  type AlarmRecord,
} from '../../../src/index.js';
import { MIN_MS, T0, al } from './fixtures.js';

function alarm(over: Partial<AlarmRecord> = {}): AlarmRecord {
  const rule = effectiveRule('lift', 'entrapment', undefined, ['property-company', 'lift-maintenance', 'lift-maintenance-2'])!;
  return {
    alarm: al('t'), device: 'lift-1', class: 'lift', condition: 'entrapment', org: 'property-company', location: { kind: 'building', code: 'b1' },
    status: 'raised', active: true, rule, firstReadingAt: T0, lastReadingAt: T0, clockSuspect: false, count: 1, raisedAt: T0,
    ackDueAt: T0 + rule.ackMinutes * MIN_MS, resolveDueAt: T0 + rule.resolveMinutes * MIN_MS, acks: [], level: 0, escalatedTo: [], steps: [], ...over,
  };
}

describe('catalogue and table', () => {
  it('every class has conditions; dangerous ones escalate at once by default; lift entrapment within 30 minutes', () => {
    for (const cls of DEVICE_CLASS_CODES) {
      for (const [condition, info] of Object.entries(DEVICE_CLASSES[cls].conditions)) {
        expect(info.ackMinutes, condition).toBeLessThanOrEqual(info.resolveMinutes);
        if (info.dangerous) expect(info.escalation[0]?.afterMinutes, condition).toBe(0);
      }
    }
    expect(DEVICE_CLASSES.lift.conditions.entrapment.resolveMinutes).toBe(LIFT_RESCUE_MINUTES_MAX);
    expect(Object.keys(ALARM_TRANSITIONS).sort()).toEqual([...ALARM_ACTIONS].sort());
  });

  it('open until resolved and cleared', () => {
    expect(isAlarmOpen({ status: 'resolved', active: true })).toBe(true);
    expect(isAlarmOpen({ status: 'acknowledged', active: false })).toBe(true);
    expect(isAlarmOpen({ status: 'resolved', active: false })).toBe(false);
  });

  it('who may act: 404 without an alarm, 403 for strangers and roles that may not, 409 out of order', () => {
    expect(checkAlarmTransition(undefined, 'acknowledge', { org: 'property-company' }, {}, T0)).toMatchObject({ ok: false, status: 404 });
    expect(checkAlarmTransition(undefined, 'raise', { org: 'property-company' }, {}, T0)).toEqual({ ok: true });
    const r = alarm();
    expect(checkAlarmTransition(r, 'acknowledge', { org: 'property-company', role: 'resident' }, {}, T0)).toMatchObject({ ok: false, status: 403 });
    expect(checkAlarmTransition(r, 'acknowledge', { org: 'property-company', role: 'dispatcher' }, {}, T0)).toEqual({ ok: true });
    expect(checkAlarmTransition(r, 'acknowledge', { org: 'lift-maintenance', role: 'maintenance-worker' }, {}, T0)).toMatchObject({ ok: false, status: 403 });
    expect(checkAlarmTransition(alarm({ escalatedTo: ['lift-maintenance'], level: 1 }), 'acknowledge', { org: 'lift-maintenance', role: 'maintenance-worker' }, {}, T0)).toEqual({ ok: true });
    expect(checkAlarmTransition(r, 'resolve', { org: 'property-company' }, {}, T0)).toMatchObject({ ok: false, status: 409 });
    expect(checkAlarmTransition(r, 'clear', { org: 'lift-maintenance' }, {}, T0)).toMatchObject({ ok: false, status: 403 });
    expect(checkAlarmTransition(alarm({ status: 'resolved', active: false }), 'repeat', { org: 'property-company' }, { count: 5 }, T0)).toMatchObject({ ok: false, status: 409 });
  });
});

describe('escalationDue', () => {
  it('a dangerous ladder: level 1 at once; level 2 after its time only if level 1 has not acknowledged; nothing once resolved', () => {
    expect(escalationDue(alarm(), T0)).toBe(1);
    expect(escalationDue(alarm({ acks: [{ org: 'property-company', actor: 'a', at: T0 }] }), T0)).toBe(1); // whatever the owner does
    const l1 = alarm({ level: 1, escalatedTo: ['lift-maintenance'] });
    expect(escalationDue(l1, T0 + 5 * MIN_MS - 1)).toBe(0);
    expect(escalationDue(l1, T0 + 5 * MIN_MS)).toBe(2);
    expect(escalationDue({ ...l1, acks: [{ org: 'lift-maintenance', actor: 'b', at: T0 + MIN_MS }] }, T0 + 10 * MIN_MS)).toBe(0);
    expect(escalationDue(alarm({ level: 2, escalatedTo: ['lift-maintenance', 'lift-maintenance-2'] }), T0 + 60 * MIN_MS)).toBe(0);
    expect(escalationDue(alarm({ status: 'resolved' }), T0)).toBe(0);
  });

  it('a missed-acknowledgement ladder: level 1 after its time, only if the owner has not acknowledged', () => {
    const rule = effectiveRule('lift', 'lift-fault', undefined, ['property-company', 'lift-maintenance'])!;
    const r = alarm({ condition: 'lift-fault', rule });
    expect(escalationDue(r, T0 + 29 * MIN_MS)).toBe(0);
    expect(escalationDue(r, T0 + 30 * MIN_MS)).toBe(1);
    expect(escalationDue({ ...r, status: 'acknowledged', acks: [{ org: 'property-company', actor: 'a', at: T0 }] }, T0 + 30 * MIN_MS)).toBe(0);
  });
});

describe('rules and timers', () => {
  it('the default rule names only organisations the chain has (the first of each step that exists)', () => {
    expect(effectiveRule('lift', 'entrapment', undefined, ['property-company'])!.escalation).toEqual([]);
    expect(effectiveRule('lift', 'entrapment', undefined, ['property-company', 'fire-brigade'])!.escalation).toEqual([{ org: 'fire-brigade', afterMinutes: 5 }]);
    expect(effectiveRule('gas', 'gas-high', undefined, ['police'])!.escalation).toEqual([{ org: 'police', afterMinutes: 10 }]);
    expect(effectiveRule('moisture', 'smoke', undefined, [])).toBeUndefined();
  });

  it('timers: acknowledgement and resolution missed, the next escalation', () => {
    const r = alarm({ level: 1, escalatedTo: ['lift-maintenance'] });
    expect(alarmTimers(r, T0 + MIN_MS)).toEqual({ ackDueAt: T0 + 2 * MIN_MS, resolveDueAt: T0 + 30 * MIN_MS, ackMissed: false, resolveMissed: false, nextEscalation: { level: 2, org: 'lift-maintenance-2', at: T0 + 5 * MIN_MS } });
    expect(alarmTimers(r, T0 + 31 * MIN_MS)).toMatchObject({ ackMissed: true, resolveMissed: true });
    expect(alarmTimers({ ...r, acks: [{ org: 'lift-maintenance', actor: 'x', at: T0 }] }, T0 + 3 * MIN_MS).ackMissed).toBe(false);
  });

  it('rule settings: thresholds only where they apply, increasing steps', () => {
    const orgs = ['property-company', 'fire-brigade', 'police'];
    const base = { class: 'smoke' as const, condition: 'smoke', ackMinutes: 2, resolveMinutes: 60, escalation: [{ org: 'fire-brigade', afterMinutes: 0 }] };
    expect(checkRuleSetting(base, 'property-company', orgs)).toBeNull();
    expect(checkRuleSetting({ ...base, threshold: 5 }, 'property-company', orgs)).toMatch(/no threshold/);
    expect(checkRuleSetting({ ...base, escalation: [{ org: 'fire-brigade', afterMinutes: 0 }, { org: 'police', afterMinutes: 0 }] }, 'property-company', orgs)).toMatch(/increasing/);
    expect(checkRuleSetting({ ...base, class: 'fire-pump', condition: 'pressure-low', escalation: [], threshold: 250 }, 'property-company', orgs)).toBeNull();
  });
});
