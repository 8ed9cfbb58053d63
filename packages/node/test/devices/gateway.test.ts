/**
 * Gateways without MQTT: readings over HTTP with the device's secret in x-device-key, and FIWARE smart-data-models
 * Alert entities over NGSI-LD (POST /ngsi-ld/v1/entities, application/ld+json). Wrong keys are refused and counted;
 * an Alert without a required attribute is refused; an Alert raises the alarm, the device's normal reading clears it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { devicesNode, ledger, ok, register, until, type DevicesNode } from './helpers.js';

let s: DevicesNode | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const alarms = async (n: DevicesNode): Promise<any[]> => ok(await n.call('GET', '/v1/devices/alarms', { as: 'li.staff' })).alarms;

describe('gateway ingest', () => {
  it('HTTP readings with the device key; wrong or missing keys refused', async () => {
    s = await devicesNode();
    const n = s;
    const d = await register(n, { device: 'pump-1', class: 'fire-pump', location: { kind: 'common-area', code: 'pump-room' }, building: 'b1' });
    const post = (key: string | undefined, body: unknown) => n.call('POST', '/v1/devices/pump-1/readings', { body, ...(key === undefined ? {} : { headers: { 'x-device-key': key } }) });
    expect((await post(undefined, { pressureKpa: 450 })).status).toBe(401);
    expect((await post('wrong', { pressureKpa: 450 })).status).toBe(401);
    expect((await n.call('POST', '/v1/devices/nobody/readings', { body: {}, headers: { 'x-device-key': d.secret } })).status).toBe(401);
    expect(ok(await post(d.secret, { pressureKpa: 450 }), 202)).toEqual({ outcome: 'accepted' });
    expect((await post(d.secret, { pressureKpa: 'low' })).status).toBe(400);
    expect(await alarms(n)).toEqual([]);
    // below the 300 kPa default threshold: the alarm
    ok(await post(d.secret, { pressureKpa: 120 }), 202);
    const a = await until(async () => (await alarms(n)).find((x) => x.workOrder !== undefined), 'the pressure alarm and its work order');
    expect(a).toMatchObject({ device: 'pump-1', condition: 'pressure-low', rule: { severity: 'critical' } });
    const list = ok(await n.call('GET', '/v1/devices', { as: 'li.staff' }));
    expect(list.devices[0].health).toMatchObject({ messages: 2, errors: 1, refused: 2 });
  });

  it('NGSI-LD Alert entities (normalized and key-values) raise the alarm; required attributes enforced', async () => {
    s = await devicesNode();
    const n = s;
    const d = await register(n, { device: 'gas-boiler', class: 'gas', location: { kind: 'common-area', code: 'boiler-room' }, building: 'b3' });
    const alert = {
      id: 'urn:ngsi-ld:Alert:gas-1', type: 'Alert',
      alertSource: { type: 'Property', value: 'urn:ngsi-ld:Device:gas-boiler' },
      category: { type: 'Property', value: 'security' },
      subCategory: { type: 'Property', value: 'gasLeak' },
      dateIssued: { type: 'Property', value: new Date().toISOString() },
      '@context': ['https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld'],
    };
    const post = async (body: unknown, key = d.secret) => {
      const r = await n.app.inject({ method: 'POST', url: '/ngsi-ld/v1/entities', headers: { 'content-type': 'application/ld+json', 'x-device-key': key }, payload: JSON.stringify(body) });
      return { status: r.statusCode, headers: r.headers, json: r.body === '' ? undefined : r.json() };
    };
    const { dateIssued: _d, ...withoutDate } = alert;
    expect((await post(withoutDate)).status).toBe(400);
    expect((await post(alert, 'wrong')).status).toBe(401);
    expect((await post({ ...alert, subCategory: 'liftEntrapment' })).status).toBe(400);
    const r = await post(alert);
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe('/ngsi-ld/v1/entities/urn%3Angsi-ld%3AAlert%3Agas-1');
    // key-values form, milliseconds later: the same alarm
    expect((await post({ id: 'urn:ngsi-ld:Alert:gas-2', type: 'Alert', alertSource: 'gas-boiler', category: 'security', subCategory: 'gas-high', dateIssued: new Date().toISOString() })).status).toBe(201);
    const a = await until(async () => (await alarms(n)).find((x) => x.workOrder !== undefined && x.level === 1 && x.count === 2), 'the gas alarm escalated, with its work order and count');
    expect(a).toMatchObject({ condition: 'gas-high', escalatedTo: ['gas-company'] });
    expect(ledger(n).filter((t) => t.type === 'device.raise')).toHaveLength(1);
    // the detector's normal reading clears it
    ok(await n.call('POST', '/v1/devices/gas-boiler/readings', { body: { ppm: 3 }, headers: { 'x-device-key': d.secret } }), 202);
    await until(async () => (await alarms(n))[0]?.active === false, 'the gas alarm cleared');
  });
});
