/**
 * End to end against the embedded MQTT broker (aedes), with real MQTT clients: a water-leak alarm opens exactly one
 * work order even with readings milliseconds apart, the board shows it, staff acknowledge and resolve it, the device
 * reports normal and the alarm clears; bad credentials are refused at CONNECT and counted; a flood is limited per
 * device while another device is unaffected; malformed and unsigned messages are dropped and counted.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '@machi/core';
import { connectMessage } from '../../src/modules/devices/credentials.js';
import { DEVICES_BURST } from '../../src/modules/devices/rate-limit.js';
import { connect, devicesNode, ledger, ok, register, until, type DevicesNode } from './helpers.js';

let s: DevicesNode | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const board = async (n: DevicesNode, as = 'chen.dispatch'): Promise<any[]> => ok(await n.call('GET', '/v1/devices/alarms', { as })).alarms;
const health = async (n: DevicesNode, device: string): Promise<any> => (ok(await n.call('GET', '/v1/devices', { as: 'li.staff' })).devices as any[]).find((d) => d.device === device).health;

describe('devices over the embedded MQTT broker', () => {
  it('a water leak: one alarm and one work order for readings milliseconds apart; acknowledged, resolved, cleared', async () => {
    s = await devicesNode();
    const n = s;
    const dev = await register(n, { device: 'leak-b1-01', class: 'moisture', location: { kind: 'common-area', code: 'b1-pump-room' }, building: 'b1' });
    expect(dev.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dev.mqtt.topic).toBe('machi/property-company/devices/leak-b1-01/readings');
    // the secret is on no transaction; its hash is
    expect(JSON.stringify(ledger(n))).not.toContain(dev.secret);

    const c = await connect(dev.mqtt.url, dev.device, dev.secret);
    for (let i = 0; i < 5; i++) c.publish(dev.mqtt.topic, JSON.stringify({ leak: true, battery: 87, at: Date.now() }), { qos: 1 });
    const alarm = await until(async () => (await board(n)).find((a) => a.workOrder !== undefined), 'the alarm linked to its work order');
    await until(async () => (await board(n))[0].count === 5 || undefined, 'the repeats counted');
    expect(alarm).toMatchObject({ device: 'leak-b1-01', condition: 'leak', status: 'raised', active: true, rule: { action: 'work-order', severity: 'major' } });
    const txs = ledger(n);
    expect(txs.filter((t) => t.type === 'device.raise')).toHaveLength(1);
    expect(txs.filter((t) => t.type === 'repair.create')).toHaveLength(1);
    expect(txs.find((t) => t.type === 'repair.create')!.payload).toMatchObject({ request: alarm.workOrder, category: 'burst-pipe', priority: 'urgent', location: { kind: 'common', building: 'b1' } });
    // the work order is on the dispatcher's repairs board
    const orders = ok(await n.call('GET', '/v1/repairs/board', { as: 'chen.dispatch' })).requests as any[];
    expect(orders.map((r) => r.request)).toContain(alarm.workOrder);

    // a resident may not see the board; staff acknowledge, then resolve
    expect((await n.call('GET', '/v1/devices/alarms', { as: 'resident1' })).status).toBe(403);
    expect((await n.call('POST', `/v1/devices/alarms/${alarm.alarm}/resolve`, { as: 'chen.dispatch' })).status).toBe(409);
    ok(await n.call('POST', `/v1/devices/alarms/${alarm.alarm}/acknowledge`, { as: 'chen.dispatch' }));
    const resolved = ok(await n.call('POST', `/v1/devices/alarms/${alarm.alarm}/resolve`, { as: 'wang.worker' }));
    expect(resolved).toMatchObject({ status: 'resolved', active: true });
    expect((await board(n)).map((a) => a.alarm)).toEqual([alarm.alarm]); // still reporting water

    c.publish(dev.mqtt.topic, JSON.stringify({ leak: false, battery: 86 }), { qos: 1 });
    await until(async () => (await board(n)).length === 0, 'the alarm to clear and close');
    const closed = ok(await n.call('GET', `/v1/devices/alarms/${alarm.alarm}`, { as: 'li.staff' }));
    expect(closed).toMatchObject({ status: 'resolved', active: false, count: 5, workOrder: alarm.workOrder });
    // the link and the coalesced repeat may land in either order
    expect(closed.steps.map((x: any) => x.action).sort()).toEqual(['acknowledge', 'clear', 'link', 'raise', 'repeat', 'resolve']);
    expect(closed.steps[0].action).toBe('raise');
    expect(closed.steps.at(-1).action).toBe('clear');
    expect(n.devices.store.countReadings('leak-b1-01')).toBe(6);
    expect(await health(n, 'leak-b1-01')).toMatchObject({ messages: 6, errors: 0, dropped: 0, battery: 86 });
    // a new leak later is a new alarm and a new work order
    c.publish(dev.mqtt.topic, JSON.stringify({ leak: true }), { qos: 1 });
    await until(async () => (await board(n)).find((a) => a.workOrder !== undefined && a.alarm !== alarm.alarm), 'the second alarm');
    expect(ledger(n).filter((t) => t.type === 'repair.create')).toHaveLength(2);
    await c.endAsync();
  });

  it('the board is live: a stream of alarm state changes, the moment each commits', async () => {
    s = await devicesNode({}, { listen: true });
    const n = s;
    const dev = await register(n, { device: 'smoke-live', class: 'smoke', location: { kind: 'building', code: 'b2' } });
    const res = await fetch(`${n.url}/v1/devices/alarms/events`, { headers: { authorization: `Bearer ${n.token('chen.dispatch')}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const c = await connect(dev.mqtt.url, dev.device, dev.secret);
    await c.publishAsync(dev.mqtt.topic, JSON.stringify({ smoke: true }), { qos: 1 });
    const frames = (): any[] => text.split('\n\n').filter((f) => f.startsWith('event: alarm')).map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)));
    while (!frames().some((f) => f.action === 'link')) text += new TextDecoder().decode((await reader.read()).value);
    const raised = frames().find((f) => f.action === 'raise');
    expect(raised).toMatchObject({ device: 'smoke-live', condition: 'smoke', severity: 'critical', status: 'raised', active: true });
    expect(raised.txHash).toMatch(/^[0-9a-f]{64}$/);
    await reader.cancel();
    await c.endAsync();
    expect((await n.call('GET', '/v1/devices/alarms/events', { as: 'resident1' })).status).toBe(403);
  });

  it('unknown devices and wrong credentials are refused at CONNECT and counted', async () => {
    s = await devicesNode();
    const dev = await register(s, { device: 'smoke-b2', class: 'smoke', location: { kind: 'building', code: 'b2' } });
    const refused = async (user: string, password: string): Promise<number | undefined> => {
      try {
        const c = await connect(dev.mqtt.url, user, password);
        await c.endAsync();
        return undefined;
      } catch (e) {
        return (e as { code?: number }).code;
      }
    };
    expect(await refused('smoke-b2', 'not-the-secret')).toBe(4);
    expect(await refused('smoke-b2', dev.secret.slice(1))).toBe(4);
    expect(await refused('ghost-device', dev.secret)).toBe(4);
    expect(s.devices.transport.refused()).toBe(3);
    const list = ok(await s.call('GET', '/v1/devices', { as: 'li.staff' }));
    expect(list.refusedUnknown).toBe(1);
    expect(list.devices[0].health.refused).toBe(2);
    // the right secret connects, and may publish only to its own topic (another topic disconnects it, counted)
    const c = await connect(dev.mqtt.url, 'smoke-b2', dev.secret);
    const closed = new Promise((r) => c.once('close', r));
    c.publish('machi/property-company/devices/other/readings', JSON.stringify({ smoke: true }), { qos: 1 });
    await closed;
    await c.endAsync(true);
    expect((await health(s, 'smoke-b2')).errors).toBe(1);
    expect(ledger(s).filter((t) => t.type === 'device.raise')).toHaveLength(0);
    // a retired device is refused
    ok(await s.call('POST', '/v1/devices/smoke-b2/retire', { as: 'li.staff' }));
    expect(await refused('smoke-b2', dev.secret)).toBe(4);
  });

  it('a device flooding 1000 messages is limited; another device at the same time is unaffected', async () => {
    s = await devicesNode();
    const n = s;
    const flood = await register(n, { device: 'meter-flood', class: 'meter', location: { kind: 'building', code: 'b1' } });
    const calm = await register(n, { device: 'meter-calm', class: 'meter', location: { kind: 'building', code: 'b2' } });
    const a = await connect(flood.mqtt.url, flood.device, flood.secret);
    const b = await connect(calm.mqtt.url, calm.device, calm.secret);
    const sent = Array.from({ length: 1000 }, (_, i) => a.publishAsync(flood.mqtt.topic, JSON.stringify({ tamper: false, seq: i }), { qos: 1 }));
    for (let i = 0; i < 5; i++) await b.publishAsync(calm.mqtt.topic, JSON.stringify({ tamper: false, seq: i }), { qos: 1 });
    await Promise.all(sent);
    const h = await until(async () => {
      const x = await health(n, 'meter-flood');
      return x.messages + x.dropped === 1000 ? x : undefined;
    }, 'every flood message counted');
    expect(h.dropped).toBeGreaterThan(500);
    expect(h.messages).toBeGreaterThanOrEqual(DEVICES_BURST);
    expect(h.messages).toBeLessThan(500);
    expect(await health(n, 'meter-calm')).toMatchObject({ messages: 5, dropped: 0, errors: 0 });
    await a.endAsync();
    await b.endAsync();
  });

  it('malformed messages, far-off clocks and unsigned messages of a signing device are dropped or flagged and counted, never a crash', async () => {
    s = await devicesNode();
    const n = s;
    const leak = await register(n, { device: 'leak-x', class: 'moisture', location: { kind: 'building', code: 'b1' } });
    const c = await connect(leak.mqtt.url, leak.device, leak.secret);
    for (const bad of ['not json', '[1,2]', JSON.stringify({ leak: 'yes' }), JSON.stringify({ battery: 900 }), '\u0000\u00ff']) await c.publishAsync(leak.mqtt.topic, bad, { qos: 1 });
    await c.publishAsync(leak.mqtt.topic, JSON.stringify({ leak: false, at: Date.now() - 3 * 60 * 60 * 1000 }), { qos: 1 });
    const h = await until(async () => {
      const x = await health(n, 'leak-x');
      return x.errors === 5 && x.messages === 1 ? x : undefined;
    }, 'the bad messages counted');
    expect(h.flagged).toBe(1);
    expect(n.devices.store.readings('leak-x')[0]!.flagged).toBe(true);

    // a device with its own Ed25519 key: CONNECT with a signed password; unsigned messages dropped, signed ones taken
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const x = (publicKey.export({ format: 'jwk' }) as { x: string }).x;
    const lift = await register(n, { device: 'lift-k', class: 'lift', location: { kind: 'building', code: 'b1' }, publicKey: x, signedMessages: true });
    expect(lift.secret).toBeUndefined();
    const ms = Date.now();
    const password = `${ms}.${sign(null, Buffer.from(connectMessage('lift-k', ms)), privateKey).toString('base64url')}`;
    const l = await connect(lift.mqtt.url, 'lift-k', password);
    await l.publishAsync(lift.mqtt.topic, JSON.stringify({ fault: false }), { qos: 1 });
    const msg: Record<string, unknown> = { fault: false, at: Date.now() };
    msg.sig = sign(null, Buffer.from(canonicalJson(msg)), privateKey).toString('base64url');
    await l.publishAsync(lift.mqtt.topic, JSON.stringify(msg), { qos: 1 });
    await l.publishAsync(lift.mqtt.topic, JSON.stringify({ ...msg, fault: true }), { qos: 1 }); // altered after signing
    const lh = await until(async () => {
      const y = await health(n, 'lift-k');
      return y.errors === 2 && y.messages === 1 ? y : undefined;
    }, 'the signed and unsigned lift messages');
    expect(lh.dropped).toBe(0);
    expect(ledger(n).filter((t) => t.type === 'device.raise')).toHaveLength(0);
    await c.endAsync();
    await l.endAsync();
  });
});
