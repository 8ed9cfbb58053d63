/**
 * DEMO ONLY — on the property company's node: a few devices (a water-leak sensor in building b1's pump room, a smoke
 * detector in b2's lobby, a lift controller in b1, a gas detector in the boiler room), registered through the service
 * as property staff would. Their secrets are written to DIR/demo-devices.json (mode 0600) for
 * `machi devices simulate`; only their hashes are on the ledger. Runs once (the devices exist on the ledger).
 *
 * Then a little alarm history, through the same path as a device's readings (ingest → rules → alarm engine → the
 * ledger, work orders through the repairs service): the pump-room leak sensor reported a leak, staff acknowledged and
 * resolved it and the sensor reported normal again; the lift controller reports a fault (major), acknowledged and
 * still open. No dangerous class (smoke, gas, entrapment): those would report events to the command centre and
 * escalate to the fire brigade, which the events demo does not expect. Runs while no alarm is on the ledger.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmKey, deviceRecord } from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { AlarmEngine } from './alarms.js';
import type { Ingest } from './ingest.js';
import { demoPrincipal } from '../../auth/demo.js';
import type { AuthOptions } from '../../auth/plugin.js';
import type { MachiNode } from '../../node/node.js';
import type { DevicesService, RegisterBody } from './service.js';

export const DEMO_DEVICES_FILE = 'demo-devices.json';

export const DEMO_DEVICES: readonly RegisterBody[] = [
  { device: 'leak-b1-pump', class: 'moisture', location: { kind: 'common-area', code: 'b1-pump-room' }, building: 'b1' },
  { device: 'smoke-b2-lobby', class: 'smoke', location: { kind: 'building', code: 'b2' } },
  { device: 'lift-b1-a', class: 'lift', location: { kind: 'building', code: 'b1' } },
  { device: 'gas-boiler', class: 'gas', location: { kind: 'common-area', code: 'boiler-room' }, building: 'b3' },
];

/** The demo's alarm history: device, condition, the reading that raises it, the one that clears it (null: still reported), the last step. */
export const DEMO_ALARMS: readonly { device: string; condition: string; raise: Record<string, unknown>; clear: Record<string, unknown> | null; last: 'resolve' | 'acknowledge' }[] = [
  { device: 'leak-b1-pump', condition: 'leak', raise: { leak: true, battery: 91 }, clear: { leak: false, battery: 91 }, last: 'resolve' },
  { device: 'lift-b1-a', condition: 'lift-fault', raise: { fault: true }, clear: null, last: 'acknowledge' },
];
/** How long the seed waits for an alarm's raise to commit, ms. */
const DEMO_ALARM_WAIT_MS = 20_000;

export interface DemoAlarmWiring {
  ingest: Ingest;
  engine: AlarmEngine;
}

async function seedAlarms(service: DevicesService, node: MachiNode, staff: Principal, w: DemoAlarmWiring): Promise<string[]> {
  if (node.store.scan('devices/alarm/', 1).length > 0) return [];
  const done: string[] = [];
  for (const { device, condition, raise, clear, last } of DEMO_ALARMS) {
    if (w.ingest.device(device) === undefined) continue;
    if (w.ingest.ingest(device, { ...raise, at: node.clock() }, { authenticated: true }) !== 'accepted') continue;
    await w.engine.settle();
    const alarm = w.engine.following(device, condition);
    if (alarm === undefined) continue;
    for (const until = Date.now() + DEMO_ALARM_WAIT_MS; node.store.read(alarmKey(alarm)) === undefined && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
    await service.act(staff, alarm, 'acknowledge');
    if (last === 'resolve') await service.act(staff, alarm, 'resolve');
    if (clear !== null) {
      w.ingest.ingest(device, { ...clear, at: node.clock() }, { authenticated: true });
      await w.engine.settle();
    }
    done.push(`${device} ${last === 'resolve' ? 'resolved' : 'acknowledged'}`);
  }
  return done.length === 0 ? [] : [`demo alarms: ${done.length} (${done.join(', ')})`];
}

export async function seedDevices(service: DevicesService, auth: AuthOptions, node: MachiNode, dir: string, mqttUrl: string, alarms?: DemoAlarmWiring): Promise<string[]> {
  const org = node.self.id;
  if (org !== 'property-company') return [];
  const staff = demoPrincipal(auth.accounts, auth.secret, org, 'li.staff');
  if (staff === undefined) throw new Error('demo account li.staff is missing');
  const made: { device: string; class: string; secret: string; topic: string }[] = [];
  for (const d of DEMO_DEVICES) {
    if (deviceRecord((k) => node.store.read(k), d.device) !== undefined) continue;
    const r = await service.register(staff, d);
    made.push({ device: d.device, class: d.class, secret: r.secret!, topic: r.mqtt.topic });
  }
  const lines: string[] = [];
  if (made.length > 0) {
    writeFileSync(join(dir, DEMO_DEVICES_FILE), `${JSON.stringify({ org, mqtt: mqttUrl, devices: made }, null, 2)}\n`, { mode: 0o600 });
    lines.push(`demo devices: ${made.length} (${made.map((m) => m.device).join(', ')}); secrets in ${join(dir, DEMO_DEVICES_FILE)}`);
  }
  if (alarms !== undefined) lines.push(...(await seedAlarms(service, node, staff, alarms)));
  return lines;
}
