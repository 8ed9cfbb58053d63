/**
 * The devices tests' node: the one-node fixture (test/support/node.ts) of the property company with every module,
 * the devices module wired for tests (its escalation job does not run on its own: tests call escalatePass; repeats
 * coalesced over 50 ms), and other organisations in the genesis to escalate to. Helpers to register a device through
 * the API, connect a real MQTT client, and wait for what the node does asynchronously.
 */
import { expect } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { NODE_MODULES, type NodeModule } from '../../src/index.js';
import { openDevices, devicesNodeModule, type Devices, type DevicesWiring } from '../../src/modules/devices/index.js';
import type { Repairs } from '../../src/modules/repairs/index.js';
import type { Events } from '../../src/modules/events/index.js';
import { oneNode, repairsModule, type OneNode, type OneNodeOptions } from '../support/node.js';

export const OTHER_ORGS = ['lift-maintenance', 'lift-maintenance-2', 'fire-brigade', 'gas-company'] as const;

export function devicesModule(w: Partial<Pick<DevicesWiring, 'mqttUrl' | 'escalationIntervalMs' | 'repeatFlushMs'>> = {}): NodeModule {
  return {
    ...devicesNodeModule,
    async open(ctx) {
      const d = await openDevices({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, repairs: ctx.use<Repairs>('repairs'), events: ctx.use<Events>('events'), log: ctx.log, escalationIntervalMs: null, repeatFlushMs: 50, ...w });
      return { plugin: d.plugin, exports: d, close: () => d.close() };
    },
  };
}

export type DevicesNode = OneNode & { devices: Devices };

export async function devicesNode(w: Parameters<typeof devicesModule>[0] = {}, o: OneNodeOptions = {}): Promise<DevicesNode> {
  const modules = [...NODE_MODULES.filter((m) => m.name !== 'repairs' && m.name !== 'devices'), repairsModule(), devicesModule(w)];
  const s = await oneNode({ otherOrgs: [...OTHER_ORGS], modules, ...o });
  return Object.assign(s, { devices: s.use<Devices>('devices') });
}

/** The answer's JSON, once its status is `status`. */
export function ok(r: { status: number; json: any }, status = 200): any {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  return r.json;
}

/** Registers a device as property staff; its secret (shown once) and MQTT details. */
export async function register(s: OneNode, body: Record<string, unknown>): Promise<{ device: string; secret: string; mqtt: { url: string; username: string; topic: string } }> {
  return ok(await s.call('POST', '/v1/devices', { as: 'li.staff', body }), 201);
}

/** Polls `get` until it returns something other than undefined/false (each pass after the node had a moment). */
export async function until<T>(get: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function connect(url: string, username: string, password: string, clientId = `${username}-${Math.random().toString(16).slice(2)}`): Promise<MqttClient> {
  return mqtt.connectAsync(url, { username, password, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
}

/** Types of the ledger's transactions, in order, and their payloads. */
export function ledger(s: OneNode): { type: string; payload: any }[] {
  return s.store.txRange(0, s.store.logSize()).map((t) => {
    const body = JSON.parse(t.body) as { type: string; payload: unknown };
    return { type: body.type, payload: body.payload };
  });
}
