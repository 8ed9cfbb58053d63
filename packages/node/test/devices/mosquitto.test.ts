/**
 * The node as a client of an existing broker (`--mqtt mqtt://127.0.0.1:1883`): the machine's Mosquitto. That broker's
 * access control is its own, so each message proves its device (`key`: the device's secret); wrong keys are dropped
 * and counted, and raise nothing. A water leak opens exactly one work order for readings milliseconds apart, and
 * clears when the device reports normal. Skipped, with the reason, only if nothing listens on 127.0.0.1:1883.
 */
import { connect as tcpConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { devicesNode, ledger, ok, register, until, type DevicesNode } from './helpers.js';

const MOSQUITTO = 'mqtt://127.0.0.1:1883';
const reachable = await new Promise<boolean>((resolve) => {
  const sock = tcpConnect(1883, '127.0.0.1');
  sock.once('connect', () => {
    sock.destroy();
    resolve(true);
  });
  sock.once('error', () => resolve(false));
});
if (!reachable) console.warn('devices/mosquitto.test.ts skipped: no MQTT broker listens on 127.0.0.1:1883 (start mosquitto)');

let s: DevicesNode | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe.skipIf(!reachable)('devices through the machine\'s Mosquitto (127.0.0.1:1883)', () => {
  it('a water leak opens one work order; wrong keys dropped and counted; normal clears it', async () => {
    // an organisation id of its own, so that its topics meet no other test's on the shared broker
    const org = `pc-${randomBytes(4).toString('hex')}`;
    s = await devicesNode({ mqttUrl: MOSQUITTO }, { org });
    const n = s;
    expect(n.devices.transport.url).toBe(MOSQUITTO);
    const d = await register(n, { device: 'leak-m1', class: 'moisture', location: { kind: 'building', code: 'b1' } });
    expect(d.mqtt).toEqual({ url: MOSQUITTO, username: 'leak-m1', topic: `machi/${org}/devices/leak-m1/readings` });
    const device = await mqtt.connectAsync(MOSQUITTO, { clientId: `leak-m1-${org}`, reconnectPeriod: 0 });
    await device.publishAsync(d.mqtt.topic, JSON.stringify({ leak: true, key: 'not-the-secret' }), { qos: 1 });
    await device.publishAsync(d.mqtt.topic, JSON.stringify({ leak: true }), { qos: 1 });
    const health = async (): Promise<any> => (ok(await n.call('GET', '/v1/devices', { as: 'li.staff' })).devices as any[])[0].health;
    await until(async () => (await health()).errors === 2, 'the two unproven messages counted');
    expect(ledger(n).filter((t) => t.type === 'device.raise')).toHaveLength(0);

    await Promise.all([1, 2, 3].map(() => device.publishAsync(d.mqtt.topic, JSON.stringify({ leak: true, key: d.secret }), { qos: 1 })));
    const board = async (): Promise<any[]> => ok(await n.call('GET', '/v1/devices/alarms', { as: 'chen.dispatch' })).alarms;
    const a = await until(async () => (await board()).find((x) => x.workOrder !== undefined && x.count === 3), 'the alarm with its work order and count');
    expect(ledger(n).filter((t) => t.type === 'device.raise')).toHaveLength(1);
    expect(ledger(n).filter((t) => t.type === 'repair.create')).toHaveLength(1);
    // the secret rode on the message, and is in no stored reading
    expect(JSON.stringify(n.devices.store.readings('leak-m1'))).not.toContain(d.secret);

    await device.publishAsync(d.mqtt.topic, JSON.stringify({ leak: false, key: d.secret }), { qos: 1 });
    await until(async () => (await board())[0]?.active === false, 'the alarm cleared');
    ok(await n.call('POST', `/v1/devices/alarms/${a.alarm}/acknowledge`, { as: 'chen.dispatch' }));
    ok(await n.call('POST', `/v1/devices/alarms/${a.alarm}/resolve`, { as: 'chen.dispatch' }));
    expect(await board()).toEqual([]);
    expect((await health())).toMatchObject({ messages: 4, errors: 2 });
    await device.endAsync();
  });
});
