/**
 * devices on a node: the private store (readings with retention, health), the MQTT transport (an embedded aedes
 * broker, or a client of an existing broker with MACHI_MQTT / `--mqtt`), ingest and rule evaluation, the alarm engine
 * (alarm transactions, de-duplicated; work orders through the repairs service), the escalation job, the REST routes,
 * HTTP gateway ingest and NGSI-LD Alerts. docs/spec/devices.md
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AuthOptions } from '../../auth/plugin.js';
import { actorOf, type Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { privateDbPath } from '../../storage/private-db.js';
import { defineNodeModule, type ModuleContext, type OpenedModule } from '../contract.js';
import type { Repairs } from '../repairs/index.js';
import type { Events } from '../events/index.js';
import { AlarmEngine } from './alarms.js';
import { alarmEventRoutes } from './events.js';
import { brokerClient, embeddedBroker, type Transport } from './broker.js';
import { Ingest } from './ingest.js';
import { ngsiRoutes } from './ngsi.js';
import { devicesRoutes } from './routes.js';
import { seedDevices } from './seed.js';
import { DEVICES_ESCALATION_INTERVAL_MS, DevicesService } from './service.js';
import { DeviceStore } from './store.js';

/** The ingest job's user id: its pseudonym is actorOf(org, this, secret), like a user's. */
export const DEVICES_JOB_USER_ID = 'devices-ingest-job';
/** How often old readings are deleted, ms. */
export const DEVICES_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface DevicesWiring {
  node: MachiNode;
  submitter: OrgSubmitter;
  auth: AuthOptions;
  dir: string;
  repairs: Repairs | null;
  /** the events module (dangerous alarms reported to the command centre); null/absent: not reported */
  events?: Events | null;
  log?: (line: string) => void;
  /** an existing broker (mqtt://host:port): the node is its client; undefined: the embedded broker */
  mqttUrl?: string | undefined;
  /** the embedded broker's port (default 0: any free port, printed) and host */
  brokerPort?: number;
  brokerHost?: string;
  /** escalation job interval, ms; null: not at all (tests call escalatePass) */
  escalationIntervalMs?: number | null;
  repeatFlushMs?: number;
}

export interface Devices {
  service: DevicesService;
  store: DeviceStore;
  ingest: Ingest;
  engine: AlarmEngine;
  transport: Transport;
  plugin: FastifyPluginAsync;
  close(): Promise<void>;
}

export async function openDevices(w: DevicesWiring): Promise<Devices> {
  const log = w.log ?? (() => {});
  const org = w.node.self.id;
  const job: Principal = { userId: DEVICES_JOB_USER_ID, username: DEVICES_JOB_USER_ID, org, role: 'property-staff', actor: actorOf(org, DEVICES_JOB_USER_ID, w.auth.secret) };
  const store = new DeviceStore(privateDbPath(w.dir));
  const engine = new AlarmEngine({ node: w.node, submitter: w.submitter, repairs: w.repairs?.service ?? null, events: w.events?.service ?? null, store, job, log, ...(w.repeatFlushMs === undefined ? {} : { repeatFlushMs: w.repeatFlushMs }) });
  const ingest = new Ingest(w.node, store, engine);
  let transport: Transport;
  try {
    transport = w.mqttUrl === undefined
      ? await embeddedBroker({ org, ingest, store, clock: w.node.clock, log, ...(w.brokerPort === undefined ? {} : { port: w.brokerPort }), ...(w.brokerHost === undefined ? {} : { host: w.brokerHost }) })
      : await brokerClient({ org, url: w.mqttUrl, ingest, log });
  } catch (e) {
    store.close();
    throw e;
  }
  log(w.mqttUrl === undefined ? `devices: MQTT broker at ${transport.url}` : `devices: MQTT client of ${transport.url}`);
  const service = new DevicesService({ node: w.node, submitter: w.submitter, store, ingest, engine, job, mqttUrl: () => transport.url, log });
  const interval = w.escalationIntervalMs === undefined ? DEVICES_ESCALATION_INTERVAL_MS : w.escalationIntervalMs;
  const stopEscalation = interval === null ? () => {} : service.startEscalation(interval);
  const pruner = setInterval(() => store.prune(w.node.clock()), DEVICES_PRUNE_INTERVAL_MS);
  pruner.unref();
  store.prune(w.node.clock());
  const plugin: FastifyPluginAsync = async (app) => {
    await app.register(devicesRoutes, { service, ingest, store, mqttUrl: () => transport.url, clock: w.node.clock });
    await app.register(ngsiRoutes, { ingest, store });
    await app.register(alarmEventRoutes, { node: w.node, isRevoked: (jti) => w.auth.accounts.isRevoked(jti), ...(w.auth.now === undefined ? {} : { now: w.auth.now }) });
  };
  return {
    service, store, ingest, engine, transport, plugin,
    async close() {
      stopEscalation();
      clearInterval(pruner);
      engine.close();
      await transport.close().catch(() => {});
      store.close();
    },
  };
}

export const devicesNodeModule = defineNodeModule({
  name: 'devices',
  // alarms open work orders through the repairs service; dangerous ones are reported through the events service
  dependsOn: ['repairs', 'events'],
  routeClasses: {
    'devices.admin': { access: ['property-staff'], doc: 'register and retire devices (credentials shown once), device health, rules' },
    'devices.board': { access: ['property-staff', 'dispatcher', 'maintenance-worker', 'utility-staff', 'official'], doc: 'the alarm board (own and escalated alarms, timers), acknowledge, resolve, leader notices' },
    // gateway readings and NGSI-LD Alerts use the base class `public` (no sign-in): the routes check the device's
    // credentials (x-device-key or its signature) themselves
  },
  tags: [
    { name: 'devices', description: 'devices, rules, alarms and their board, gateway ingest (docs/spec/devices.md)', paths: /^\/v1\/devices(\/|$)/ },
    { name: 'ngsi-ld', description: 'FIWARE NGSI-LD: smart-data-models Alert entities', paths: /^\/ngsi-ld(\/|$)/ },
  ],
  async open(ctx: ModuleContext): Promise<OpenedModule> {
    const repairs = ctx.use<Repairs>('repairs');
    const events = ctx.use<Events>('events');
    const mqttUrl = process.env.MACHI_MQTT === undefined || process.env.MACHI_MQTT === '' ? undefined : process.env.MACHI_MQTT;
    const port = process.env.MACHI_MQTT_PORT === undefined ? undefined : Number(process.env.MACHI_MQTT_PORT);
    const d = await openDevices({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, repairs, events, log: ctx.log, mqttUrl, ...(port === undefined || !Number.isInteger(port) ? {} : { brokerPort: port }) });
    return {
      plugin: d.plugin,
      exports: d,
      seed: () => seedDevices(d.service, ctx.auth, ctx.node, ctx.dir, d.transport.url, { ingest: d.ingest, engine: d.engine }),
      close: () => d.close(),
    };
  },
});
