/**
 * Escalation across organisations: a lift entrapment goes to the lift maintenance company at once and, when it has
 * not acknowledged within 5 minutes, to the next company; leaders are told of a missed acknowledgement and of the
 * missed 30-minute rescue. A missed acknowledgement of an organisation's own rule escalates; an acknowledged one does
 * not. The node's clock is moved forward (block times follow it); the escalation job is run by the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, devicesNode, ledger, ok, register, until, type DevicesNode } from './helpers.js';

let s: DevicesNode | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const MIN = 60 * 1000;
const alarmOf = async (n: DevicesNode, device: string): Promise<any> => (ok(await n.call('GET', '/v1/devices/alarms', { as: 'li.staff' })).alarms as any[]).find((a) => a.device === device);

describe('escalation', () => {
  it('lift entrapment: the lift company at once, the next one after 5 minutes without acknowledgement; leaders told', async () => {
    s = await devicesNode();
    const n = s;
    const lift = await register(n, { device: 'lift-b1-a', class: 'lift', location: { kind: 'building', code: 'b1' } });
    const c = await connect(lift.mqtt.url, lift.device, lift.secret);
    await c.publishAsync(lift.mqtt.topic, JSON.stringify({ entrapment: true }), { qos: 1 });
    const a = await until(async () => {
      const x = await alarmOf(n, 'lift-b1-a');
      return x?.level === 1 && x.workOrder !== undefined ? x : undefined;
    }, 'the entrapment escalated to the lift company, with its work order');
    expect(a).toMatchObject({ escalatedTo: ['lift-maintenance'], rule: { severity: 'critical', resolveMinutes: 30, dangerous: true } });
    expect(a.resolveDueAt - a.raisedAt).toBe(30 * MIN);
    expect(a.timers.nextEscalation).toMatchObject({ level: 2, org: 'lift-maintenance-2', at: a.raisedAt + 5 * MIN });
    expect(ledger(n).find((t) => t.type === 'repair.create')!.payload).toMatchObject({ category: 'lift', priority: 'urgent' });

    // 4 minutes: nothing due yet, but the owner's 2-minute acknowledgement is missed: the leader is told once
    n.clock.offsetMs = 4 * MIN;
    expect(await n.devices.service.escalatePass()).toEqual([]);
    await n.devices.service.escalatePass();
    expect(n.devices.service.notices().map((x) => [x.alarm, x.kind])).toEqual([[a.alarm, 'ack-missed']]);

    n.clock.offsetMs = 6 * MIN;
    expect(await n.devices.service.escalatePass()).toEqual([a.alarm]);
    const b = await alarmOf(n, 'lift-b1-a');
    expect(b).toMatchObject({ level: 2, escalatedTo: ['lift-maintenance', 'lift-maintenance-2'] });
    expect(ledger(n).filter((t) => t.type === 'device.escalate').map((t) => t.payload.level)).toEqual([1, 2]);
    // the ladder has no level 3
    n.clock.offsetMs = 20 * MIN;
    expect(await n.devices.service.escalatePass()).toEqual([]);

    // the 30-minute rescue missed: the leader is told
    n.clock.offsetMs = 31 * MIN;
    await n.devices.service.escalatePass();
    expect(n.devices.service.notices().map((x) => x.kind)).toEqual(['ack-missed', 'resolve-missed']);
    expect((await alarmOf(n, 'lift-b1-a')).timers).toMatchObject({ ackMissed: true, resolveMissed: true, nextEscalation: null });
    await c.endAsync();
  });

  it("the organisation's own rule: a missed acknowledgement escalates, an acknowledged alarm does not; rules are checked", async () => {
    s = await devicesNode();
    const n = s;
    const leader = n.principals.get('chen.dispatch')!.actor;
    const rule = { severity: 'major', action: 'notify', onDutyRole: 'dispatcher', leader, ackMinutes: 1, resolveMinutes: 60, escalation: [{ org: 'fire-brigade', afterMinutes: 2 }] };
    ok(await n.call('PUT', '/v1/devices/rules/moisture/leak', { as: 'li.staff', body: rule }));
    const bad = await n.call('PUT', '/v1/devices/rules/lift/entrapment', { as: 'li.staff', body: { ...rule, resolveMinutes: 45, escalation: [{ org: 'lift-maintenance', afterMinutes: 0 }] } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/30 minutes/);
    expect((await n.call('PUT', '/v1/devices/rules/moisture/leak', { as: 'chen.dispatch', body: rule })).status).toBe(403);
    const rules = ok(await n.call('GET', '/v1/devices/rules', { as: 'li.staff' })).rules as any[];
    expect(rules.find((r) => r.class === 'moisture' && r.condition === 'leak')).toMatchObject({ configured: true, rule: { action: 'notify', leader } });

    const d1 = await register(n, { device: 'leak-1', class: 'moisture', location: { kind: 'building', code: 'b1' } });
    const d2 = await register(n, { device: 'leak-2', class: 'moisture', location: { kind: 'building', code: 'b2' } });
    for (const d of [d1, d2]) {
      const c = await connect(d.mqtt.url, d.device, d.secret);
      await c.publishAsync(d.mqtt.topic, JSON.stringify({ leak: true }), { qos: 1 });
      await c.endAsync();
    }
    const a1 = await until(() => alarmOf(n, 'leak-1'), 'alarm 1');
    const a2 = await until(() => alarmOf(n, 'leak-2'), 'alarm 2');
    ok(await n.call('POST', `/v1/devices/alarms/${a2.alarm}/acknowledge`, { as: 'chen.dispatch' }));
    n.clock.offsetMs = 3 * MIN;
    expect(await n.devices.service.escalatePass()).toEqual([a1.alarm]);
    expect(await alarmOf(n, 'leak-1')).toMatchObject({ level: 1, escalatedTo: ['fire-brigade'] });
    expect(await alarmOf(n, 'leak-2')).toMatchObject({ level: 0, escalatedTo: [] });
    // notify: no work order opened
    expect(ledger(n).filter((t) => t.type === 'repair.create')).toHaveLength(0);
    expect(n.devices.service.notices()).toEqual([expect.objectContaining({ alarm: a1.alarm, kind: 'ack-missed', leader })]);
  });
});
