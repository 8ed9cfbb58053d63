/**
 * DEMO ONLY — on the property company's node: a few devices (a water-leak sensor in building b1's pump room, a smoke
 * detector in b2's lobby, a lift controller in b1, a gas detector in the boiler room), registered through the service
 * as property staff would. Their secrets are written to DIR/demo-devices.json (mode 0600) for
 * `machi devices simulate`; only their hashes are on the ledger. Runs once (the devices exist on the ledger).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceRecord } from '@machi/core';
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

export async function seedDevices(service: DevicesService, auth: AuthOptions, node: MachiNode, dir: string, mqttUrl: string): Promise<string[]> {
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
  if (made.length === 0) return [];
  writeFileSync(join(dir, DEMO_DEVICES_FILE), `${JSON.stringify({ org, mqtt: mqttUrl, devices: made }, null, 2)}\n`, { mode: 0o600 });
  return [`demo devices: ${made.length} (${made.map((m) => m.device).join(', ')}); secrets in ${join(dir, DEMO_DEVICES_FILE)}`];
}
