/**
 * MQTT transports. Without `--mqtt`, the node runs an embedded broker (aedes) on its own port: a device connects
 * with its id as user name and its secret (or an Ed25519 CONNECT password: credentials.ts) as password — unknown
 * devices and wrong credentials are refused at CONNECT (return code 4) and counted — and may publish only to its own
 * topic `machi/<org>/devices/<device>/readings`. With `--mqtt mqtt://host:1883` the node is a client of an existing
 * broker instead, subscribed to `machi/<org>/devices/+/readings`; that broker's access control is its own, so each
 * message must then prove its device itself (`key`: the secret, or `sig`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import mqtt from 'mqtt';
import { checkConnectPassword } from './credentials.js';
import type { Ingest } from './ingest.js';
import type { DeviceStore } from './store.js';

/** The topic of a device's readings. */
export const readingsTopic = (org: string, device: string): string => `machi/${org}/devices/${device}/readings`;
const TOPIC = /^machi\/([^/]+)\/devices\/([^/]+)\/readings$/;

/** Clients of the embedded broker at once, at most. */
export const DEVICES_BROKER_CLIENTS_MAX = 10_000;

export interface Transport {
  /** mqtt://host:port devices connect to */
  url: string;
  /** CONNECTs refused (unknown device or wrong credentials) */
  refused(): number;
  close(): Promise<void>;
}

const devices = new WeakMap<Client, string>();

function authError(message: string, code: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

export async function embeddedBroker(o: { org: string; ingest: Ingest; store: DeviceStore; clock: () => number; port?: number; host?: string; log: (line: string) => void }): Promise<Transport> {
  let refused = 0;
  let clients = 0;
  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const d = username === undefined ? undefined : o.ingest.device(username);
      const ok = d !== undefined && d.retiredAt === undefined && password !== undefined && clients < DEVICES_BROKER_CLIENTS_MAX && checkConnectPassword(d.device, d.credential, password.toString('utf8'), o.clock());
      if (ok) {
        devices.set(client, d.device);
        done(null, true);
        return;
      }
      refused += 1;
      if (d !== undefined) o.store.health(d.device).refused += 1;
      else o.store.countRefusedUnknown();
      done(authError('bad user name or password', 4), false);
    },
    authorizePublish(client, packet, callback) {
      const device = client === null ? undefined : devices.get(client);
      const m = TOPIC.exec(packet.topic);
      if (device === undefined || m === null || m[1] !== o.org || m[2] !== device) {
        if (device !== undefined) o.store.health(device).errors += 1;
        callback(new Error('a device publishes only to its own readings topic'));
        return;
      }
      o.ingest.ingest(device, packet.payload as Buffer, { authenticated: true });
      callback(null);
    },
    authorizeSubscribe(_client, _sub, callback) {
      callback(new Error('devices do not subscribe'), null);
    },
  });
  broker.on('client', () => {
    clients += 1;
  });
  broker.on('clientDisconnect', () => {
    clients -= 1;
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `mqtt://${o.host ?? '127.0.0.1'}:${addr.port}`;
  return {
    url,
    refused: () => refused,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The node as a client of an existing broker at `url`. */
export async function brokerClient(o: { org: string; url: string; ingest: Ingest; log: (line: string) => void; username?: string; password?: string }): Promise<Transport> {
  const client = await mqtt.connectAsync(o.url, {
    clientId: `machi-node-${o.org}-${randomBytes(6).toString('hex')}`,
    reconnectPeriod: 1000,
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
  });
  client.on('message', (topic, payload) => {
    const m = TOPIC.exec(topic);
    if (m === null || m[1] !== o.org) return;
    o.ingest.ingest(m[2]!, payload, { authenticated: false });
  });
  client.on('error', (e) => o.log(`devices: MQTT client: ${e.message}`));
  await client.subscribeAsync(`machi/${o.org}/devices/+/readings`, { qos: 1 });
  return {
    url: o.url,
    refused: () => 0,
    async close() {
      await client.endAsync(true);
    },
  };
}
