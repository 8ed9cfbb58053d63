/**
 * Dangerous alarms reach the departments through the events module (issue 13): on a one-node chain of the property
 * company with the street office (command centre) and the departments in the genesis, a smoke alarm of a device at a
 * building of a grid is reported as a `fire` event (reporterKind `device`, severity from the alarm's, at the device's
 * building) to the street office; the major-event rule fans it out at once to every responsible department with
 * acknowledgement timers; the event names the alarm and the alarm finds its event. A water leak (not dangerous) is not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { alarmEventKey, eventRecord } from '@machi/core';
import type { Events } from '../../src/modules/events/index.js';
import { OTHER_ORGS, connect, devicesNode, ledger, register, until, type DevicesNode } from './helpers.js';

let s: DevicesNode | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const DEPARTMENTS = ['street-office', 'police', 'urban-management', 'comprehensive-management'];

describe('dangerous alarms as events', () => {
  it('a smoke alarm is reported as a fire event at its building, fanned out at once with acknowledgement timers, linked both ways', async () => {
    s = await devicesNode({}, { otherOrgs: [...OTHER_ORGS, ...DEPARTMENTS] });
    const n = s;
    const events = n.use<Events>('events');
    await events.service.defineGrid(n.principals.get('zhou.official')!, { grid: 'grid-1', name: 'Grid 1', buildings: [{ building: 'b2', name: '2号楼', households: 40 }, { building: 'b3', name: '3号楼', households: 30 }], workers: [], commonAreas: [] });
    const smoke = await register(n, { device: 'smoke-b2', class: 'smoke', location: { kind: 'building', code: 'b2' } });
    const leak = await register(n, { device: 'leak-b3', class: 'moisture', location: { kind: 'building', code: 'b3' } });
    const c = await connect(smoke.mqtt.url, smoke.device, smoke.secret);
    await c.publishAsync(smoke.mqtt.topic, JSON.stringify({ smoke: true }), { qos: 1 });
    const l = await connect(leak.mqtt.url, leak.device, leak.secret);
    await l.publishAsync(leak.mqtt.topic, JSON.stringify({ leak: true }), { qos: 1 });
    const reported = await until(() => ledger(n).find((t) => t.type === 'event.report'), 'the smoke alarm reported as an event');
    const raise = ledger(n).find((t) => t.type === 'device.raise' && t.payload.device === 'smoke-b2')!;
    expect(reported.payload).toMatchObject({ category: 'fire', severity: 'grave', reporterKind: 'device', alarm: raise.payload.alarm, location: { kind: 'building', code: 'b2' }, grid: 'grid-1', centre: 'street-office' });
    const event = reported.payload.event as string;
    expect(n.store.read(alarmEventKey(raise.payload.alarm))).toBe(JSON.stringify(event));
    const r = eventRecord((k) => n.store.read(k), event)!;
    expect(r).toMatchObject({ status: 'dispatched', major: true, reporterOrg: n.node.self.id, alarm: raise.payload.alarm });
    expect(r.assignments.map((a) => a.org)).toEqual(expect.arrayContaining(['police', 'urban-management', 'comprehensive-management']));
    expect(r.assignments.every((a) => a.ackDueAt === r.reportedAt + 5 * 60_000)).toBe(true);
    // the alarm's view links its event
    const view = await until(async () => {
      const v = (await n.call('GET', `/v1/devices/alarms/${raise.payload.alarm}`, { as: 'li.staff' })).json;
      return v?.event === event ? v : undefined;
    }, 'the alarm view to name its event');
    expect(view).toMatchObject({ alarm: raise.payload.alarm, event });
    // the water leak (not dangerous) reaches no department through the events module
    await until(() => ledger(n).some((t) => t.type === 'device.raise' && t.payload.device === 'leak-b3'), 'the leak raised');
    await n.devices.engine.settle();
    expect(ledger(n).filter((t) => t.type === 'event.report')).toHaveLength(1);
    await c.endAsync();
    await l.endAsync();
  });
});
