/**
 * `machi start --demo` in a four-organisation consortium (real processes, as `machi up` runs them): the property
 * company's node prints its embedded broker's address and registers the demo devices; `machi devices simulate`
 * (a real process) publishes a lift entrapment over MQTT, and the alarm, its committed work order and the 30-minute
 * rescue deadline are on the board.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startConsortium, type Consortium } from '../support/consortium.js';

let c: Consortium;
beforeAll(async () => {
  c = await startConsortium({ demo: true, name: 'devices-e2e', ready: { 'property-company': /demo data ready/ } });
}, 120_000);
afterAll(async () => c?.stop());

describe('devices in a consortium', () => {
  it('the demo devices, the broker address printed, and a simulated lift entrapment end to end', async () => {
    const pc = c.node('property-company');
    expect(pc.output).toMatch(/devices: MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(pc.output).toMatch(/demo devices: 4 \(leak-b1-pump, smoke-b2-lobby, lift-b1-a, gas-boiler\)/);
    const list = await c.call('property-company', 'GET', '/v1/devices', { as: 'li.staff' });
    expect(list.status).toBe(200);
    expect(list.json.devices.map((d: any) => d.device).sort()).toEqual(['gas-boiler', 'leak-b1-pump', 'lift-b1-a', 'smoke-b2-lobby']);

    const sim = spawnSync(process.execPath, [CLI, 'devices', 'simulate', '--scenario', 'lift-entrapment', '--node', pc.url], { encoding: 'utf8', timeout: 60_000 });
    expect(sim.status, sim.stderr).toBe(0);
    const m = /ALARM (al_[0-9a-f]{32}): entrapment, critical; acknowledge within 2 min, resolve within 30 min/.exec(sim.stdout);
    expect(m, sim.stdout).not.toBeNull();
    const wo = /work order (rq_[0-9a-f]{32})/.exec(sim.stdout)![1]!;
    const alarm = await c.call('property-company', 'GET', `/v1/devices/alarms/${m![1]}`, { as: 'chen.dispatch' });
    expect(alarm.json).toMatchObject({ condition: 'entrapment', workOrder: wo, active: true, status: 'raised' });
    expect(alarm.json.resolveDueAt - alarm.json.raisedAt).toBe(30 * 60 * 1000);
  }, 120_000);
});
