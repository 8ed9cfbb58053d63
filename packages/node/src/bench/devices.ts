/**
 * npm run bench:devices — readings a second through MQTT with rule evaluation on one node (a real `machi start`
 * process with its embedded broker, real SQLite), and alarm → work-order latency, with the ratios to the targets
 * (≥ 5,000 readings/s on this machine; p99 ≤ 2 s).
 *
 * Load: D meter devices (one MQTT connection each, as real devices) publish QoS-0 readings at R a second each (under
 * the per-device limit, so none is dropped) for S seconds; readings/s = readings the node took (its device health
 * counters) / the time from the first publish until the last was counted. Meanwhile A water-leak devices raise one
 * alarm each, spaced out; latency = from the leak reading's publish to the alarm showing its committed, linked work
 * order on the board (an upper bound on alarm → committed work order: it includes the link's commit and the poll).
 *
 * Options: --devices D (default 400) --rate R (default 15) --seconds S (default 10) --alarms A (default 30)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { DEVICES_QUERY_ITEMS_MAX } from '@machi/core';
import { initDataDir } from '../node/datadir.js';
import { DEMO_PASSWORD } from '../auth/demo.js';
import { pct, procCpuMs, startNode } from './common.js';

const TARGET_READINGS_PER_S = 5000;
const TARGET_P99_MS = 2000;
const ORG = 'property-company';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function api(url: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as any;
    if (res.ok) return json;
    if (attempt >= 30) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { devices: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, alarms: { type: 'string' } } });
  const D = Number(values.devices ?? 400);
  const R = Number(values.rate ?? 15);
  const S = Number(values.seconds ?? 10);
  const A = Number(values.alarms ?? 30);
  // the device list (its health counters) shows at most DEVICES_QUERY_ITEMS_MAX devices
  if (D + A > DEVICES_QUERY_ITEMS_MAX) throw new Error(`--devices + --alarms must be at most ${DEVICES_QUERY_ITEMS_MAX}`);
  console.log(`machine: ${availableParallelism()} cores; load: ${D} devices × ${R} readings/s × ${S} s = ${D * R * S} readings (offered ${D * R}/s); ${A} leak alarms`);

  const dir = mkdtempSync(join(tmpdir(), 'machi-bench-devices-'));
  initDataDir(dir, { orgId: ORG, orgName: 'Property company' });
  const mqttPort = await freePort();
  process.env.MACHI_MQTT_PORT = String(mqttPort);
  const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const { proc, url } = await startNode(dir, ['--demo']);
  const clients: MqttClient[] = [];
  try {
    const { token } = await api(url, 'POST', '/v1/auth/login', undefined, { org: ORG, username: 'li.staff', password: DEMO_PASSWORD });
    const dispatcher = (await api(url, 'POST', '/v1/auth/login', undefined, { org: ORG, username: 'chen.dispatch', password: DEMO_PASSWORD })).token as string;
    const t0 = performance.now();
    const meters = await inBatches(Array.from({ length: D }, (_, i) => `bench-meter-${i}`), 100, (device) =>
      api(url, 'POST', '/v1/devices', token, { device, class: 'meter', location: { kind: 'building', code: 'b1' } }));
    const leaks = await inBatches(Array.from({ length: A }, (_, i) => `bench-leak-${i}`), 100, (device) =>
      api(url, 'POST', '/v1/devices', token, { device, class: 'moisture', location: { kind: 'building', code: `b${1 + (device.length % 3)}` } }));
    console.log(`registered ${D + A} devices in ${((performance.now() - t0) / 1000).toFixed(1)} s (before timing)`);
    const connect = (d: { device: string; secret: string }) => mqtt.connectAsync(brokerUrl, { username: d.device, password: d.secret, clientId: d.device, reconnectPeriod: 0 });
    const meterClients = await inBatches(meters, 50, connect);
    const leakClients = await inBatches(leaks, 50, connect);
    clients.push(...meterClients, ...leakClients);

    const counted = async (): Promise<number> => {
      const list = await api(url, 'GET', '/v1/devices', token);
      return (list.devices as any[]).filter((d) => d.device.startsWith('bench-meter-')).reduce((s, d) => s + d.health.messages + d.health.dropped + d.health.errors, 0);
    };
    const accepted = async (): Promise<{ messages: number; dropped: number }> => {
      const list = await api(url, 'GET', '/v1/devices', token);
      const ms = (list.devices as any[]).filter((d) => d.device.startsWith('bench-meter-'));
      return { messages: ms.reduce((s, d) => s + d.health.messages, 0), dropped: ms.reduce((s, d) => s + d.health.dropped, 0) };
    };

    // the load: every TICK ms each meter publishes its share
    const TICK_MS = 200;
    const perTick = (R * TICK_MS) / 1000;
    const total = D * Math.round(perTick) * Math.round((S * 1000) / TICK_MS);
    const cpu0 = procCpuMs(proc.pid!);
    const start = performance.now();
    let ticks = 0;
    const ticksMax = Math.round((S * 1000) / TICK_MS);
    const loadDone = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let i = 0; i < meterClients.length; i++) {
          for (let k = 0; k < Math.round(perTick); k++) meterClients[i]!.publish(`machi/${ORG}/devices/${meters[i]!.device}/readings`, `{"tamper":false,"battery":90,"seq":${ticks}}`, { qos: 0 });
        }
        if (++ticks >= ticksMax) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });

    // the alarms, spaced over the load
    const latencies: number[] = [];
    const alarmsDone = (async () => {
      const spacing = (S * 1000) / (A + 1);
      const sent = new Map<string, number>();
      const pending = new Set<string>();
      for (let i = 0; i < A; i++) {
        await new Promise((r) => setTimeout(r, spacing));
        const d = leaks[i]!.device;
        sent.set(d, performance.now());
        pending.add(d);
        leakClients[i]!.publish(`machi/${ORG}/devices/${d}/readings`, '{"leak":true}', { qos: 1 });
        void (async () => {
          while (pending.has(d)) {
            const board = await api(url, 'GET', '/v1/devices/alarms', dispatcher);
            for (const a of board.alarms as any[]) {
              if (pending.has(a.device) && a.workOrder !== undefined) {
                latencies.push(performance.now() - sent.get(a.device)!);
                pending.delete(a.device);
              }
            }
            await new Promise((r) => setTimeout(r, 25));
          }
        })();
      }
      const deadline = performance.now() + 60_000;
      while (pending.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (pending.size > 0) console.log(`${pending.size} alarms had no work order within 60 s`);
    })();

    await loadDone;
    let seen = 0;
    const countDeadline = performance.now() + 120_000;
    while ((seen = await counted()) < total && performance.now() < countDeadline) await new Promise((r) => setTimeout(r, 100));
    const seconds = (performance.now() - start) / 1000;
    const cpuNodeMs = procCpuMs(proc.pid!) - cpu0;
    await alarmsDone;
    const { messages, dropped } = await accepted();
    const perS = messages / seconds;
    latencies.sort((a, b) => a - b);
    console.log(`readings: sent ${total}, counted ${seen}, taken ${messages}, dropped by the rate limit ${dropped}, in ${seconds.toFixed(2)} s`);
    console.log(`readings/s with rule evaluation: ${Math.round(perS)} (target ≥ ${TARGET_READINGS_PER_S}: ratio ${(perS / TARGET_READINGS_PER_S).toFixed(2)}); node CPU ${(cpuNodeMs / 1000).toFixed(1)} s`);
    if (latencies.length > 0) {
      const p50 = pct(latencies, 50);
      const p99 = pct(latencies, 99);
      console.log(`alarm → committed, linked work order on the board (${latencies.length} alarms): p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms, max ${Math.round(latencies.at(-1)!)} ms (target p99 ≤ ${TARGET_P99_MS} ms: ratio ${(TARGET_P99_MS / p99).toFixed(2)})`);
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
