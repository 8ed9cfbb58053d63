/**
 * `machi devices simulate --scenario water-leak|smoke|lift-entrapment|gas`: a demo device of the running consortium.
 * Signs in as property staff (the demo account by default), registers a fresh device for the scenario, connects to
 * the node's MQTT broker (or the one given) with the credentials it was shown, and publishes realistic readings: a
 * quiet start, the incident (several readings milliseconds apart: one alarm, one work order), then — where the
 * scenario allows — back to normal, so the alarm clears. Prints what the alarm board shows at each step.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { DEMO_PASSWORD } from '../auth/demo.js';
import type { Command } from './commands.js';

type Reading = Record<string, unknown>;

interface Scenario {
  class: string;
  location: { kind: string; code: string };
  building: string;
  quiet: Reading[];
  incident: Reading[];
  /** readings after the alarm was handled (none: it stays active) */
  normal: Reading[];
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'water-leak': { class: 'moisture', location: { kind: 'common-area', code: 'b1-pump-room' }, building: 'b1', quiet: [{ leak: false, battery: 91 }, { leak: false, battery: 91 }], incident: [{ leak: true, battery: 91 }, { leak: true, battery: 91 }, { leak: true, battery: 90 }], normal: [{ leak: false, battery: 90 }] },
  smoke: { class: 'smoke', location: { kind: 'building', code: 'b2' }, building: 'b2', quiet: [{ smoke: false, battery: 77 }], incident: [{ smoke: true, battery: 77 }, { smoke: true, battery: 77 }], normal: [{ smoke: false, battery: 76 }] },
  'lift-entrapment': { class: 'lift', location: { kind: 'building', code: 'b1' }, building: 'b1', quiet: [{ entrapment: false, fault: false }], incident: [{ entrapment: true, fault: false }, { entrapment: true, fault: false }], normal: [] },
  gas: { class: 'gas', location: { kind: 'common-area', code: 'boiler-room' }, building: 'b3', quiet: [{ ppm: 4 }, { ppm: 6 }], incident: [{ ppm: 55 }, { ppm: 120 }, { ppm: 180 }], normal: [{ ppm: 5 }] },
};

const ALARM_WAIT_MS = 30_000;

async function call(node: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(`${node}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: body === undefined ? null : JSON.stringify(body),
  }).catch((e: Error) => {
    throw new Error(`cannot reach the node at ${node} (${e.message}); is it running? (--node URL)`);
  });
  const json = (await res.json().catch(() => ({}))) as any;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.message ?? ''}`);
  return json;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const devicesCommand: Command = {
  usage: 'devices simulate --scenario water-leak|smoke|lift-entrapment|gas',
  summary: 'publish a demo device\'s readings to the running consortium over MQTT',
  help: `Registers a fresh demo device on the property company's node, connects to its MQTT broker and publishes the
scenario's readings: quiet, the incident (readings milliseconds apart: one alarm, one work order), then normal
again where the scenario allows (the alarm clears). Prints the alarm as the board shows it.

Options:
  --scenario S    water-leak, smoke, lift-entrapment or gas
  --node URL      the property company's node (default http://127.0.0.1:7071, as machi up starts it)
  --org ID        its organisation (default property-company)
  --user NAME     a property-staff account (default li.staff, the demo's; password --password or the demo's)
  --password P
  --mqtt URL      the broker devices use, if not the one the node reports (e.g. the node runs with --mqtt)`,
  options: { scenario: { type: 'string' }, node: { type: 'string' }, org: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, mqtt: { type: 'string' } },
  async run(v, pos) {
    if (pos[0] !== 'simulate') throw new Error('usage: machi devices simulate --scenario water-leak|smoke|lift-entrapment|gas');
    const name = String(v.scenario ?? '');
    const sc = SCENARIOS[name];
    if (sc === undefined) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
    const node = String(v.node ?? 'http://127.0.0.1:7071').replace(/\/+$/, '');
    const org = String(v.org ?? 'property-company');
    const { token } = await call(node, 'POST', '/v1/auth/login', undefined, { org, username: String(v.user ?? 'li.staff'), password: String(v.password ?? DEMO_PASSWORD) });
    const device = `sim-${name}-${randomBytes(3).toString('hex')}`;
    const reg = await call(node, 'POST', '/v1/devices', token, { device, class: sc.class, location: sc.location, building: sc.building });
    const broker = typeof v.mqtt === 'string' ? v.mqtt : reg.mqtt.url;
    process.stdout.write(`registered ${device} (${sc.class}) at ${sc.location.kind} ${sc.location.code}; MQTT ${broker} topic ${reg.mqtt.topic}\n`);
    const client = await mqtt.connectAsync(broker, { username: device, password: reg.secret, clientId: device, reconnectPeriod: 0 });
    // through a broker that is not the node's own, each message proves the device itself
    const proof = typeof v.mqtt === 'string' ? { key: reg.secret } : {};
    const publish = (r: Reading) => client.publishAsync(reg.mqtt.topic, JSON.stringify({ ...r, ...proof, at: Date.now() }), { qos: 1 });
    const board = async () => ((await call(node, 'GET', '/v1/devices/alarms', token)).alarms as any[]).find((a) => a.device === device);
    const waitFor = async (pred: (a: any) => boolean, what: string): Promise<any> => {
      const end = Date.now() + ALARM_WAIT_MS;
      for (;;) {
        const a = await board();
        if (a !== undefined && pred(a)) return a;
        if (Date.now() > end) throw new Error(`no ${what} within ${ALARM_WAIT_MS / 1000} s`);
        await sleep(200);
      }
    };
    try {
      for (const r of sc.quiet) {
        await publish(r);
        process.stdout.write(`  reading ${JSON.stringify(r)}\n`);
        await sleep(1000);
      }
      // the incident: readings milliseconds apart (one alarm, counted)
      await Promise.all(sc.incident.map((r) => publish(r)));
      process.stdout.write(`  incident: ${sc.incident.length} readings milliseconds apart ${JSON.stringify(sc.incident.at(-1))}\n`);
      const a = await waitFor((x) => x.rule.action !== 'work-order' || x.workOrder !== undefined, 'alarm');
      process.stdout.write(`ALARM ${a.alarm}: ${a.condition}, ${a.rule.severity}; acknowledge within ${a.rule.ackMinutes} min, resolve within ${a.rule.resolveMinutes} min (by ${new Date(a.resolveDueAt).toISOString()})\n`);
      if (a.workOrder !== undefined) process.stdout.write(`  work order ${a.workOrder} (repair:${a.workOrder})\n`);
      if (a.escalatedTo.length > 0) process.stdout.write(`  escalated to ${a.escalatedTo.join(', ')}\n`);
      else if (a.timers.nextEscalation !== null) process.stdout.write(`  escalates to ${a.timers.nextEscalation.org} at ${new Date(a.timers.nextEscalation.at).toISOString()} unless acknowledged\n`);
      if (sc.normal.length === 0) {
        process.stdout.write('  the alarm stays active until staff resolve it and the device reports normal\n');
        return 0;
      }
      await sleep(1000);
      for (const r of sc.normal) await publish(r);
      const cleared = await waitFor((x) => x.active === false, 'clear');
      process.stdout.write(`CLEARED ${cleared.alarm} (${cleared.count} readings counted); staff still acknowledge and resolve it on the board\n`);
      return 0;
    } finally {
      await client.endAsync();
    }
  },
};
