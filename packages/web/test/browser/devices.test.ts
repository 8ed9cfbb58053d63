/**
 * The alarm board in a real browser (Debian's Chromium via playwright-core) against a consortium started as `machi up`
 * starts it, demo data on (the property company's node registers four demo devices and writes their secrets to
 * DIR/demo-devices.json, as `machi devices simulate` reads them). The property company's on-duty staff (phone,
 * Chinese) open the board and turn the sound on; a real MQTT client publishes a water-leak reading for the demo
 * sensor in building 1's pump room with its credentials → the alarm appears live, without a reload, pulsing under a
 * banner, and a tone sounds; a leader (desk, English) sees it with its timers; staff acknowledge and resolve; the work
 * order it opened opens; the sensor reports normal → the alarm leaves the board. At the desk (Japanese) property staff
 * see the device's health, register a device (credentials shown once, then used over MQTT), and the rules.
 * Screenshots go to test-artifacts/browser/devices-NN-*.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { en, ja, zh } from './messages.js';
import { DESK, PHONE, choose, chromiumMissing, shot, signIn, withConsortium } from './harness.js';

const missing = chromiumMissing();
const SENSOR = 'leak-b1-pump';

interface DemoDevices {
  org: string;
  mqtt: string;
  devices: { device: string; class: string; secret: string; topic: string }[];
}

const connect = (url: string, username: string, password: string): Promise<MqttClient> =>
  mqtt.connectAsync(url, { username, password, clientId: `${username}-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0, connectTimeout: 5000 });

const card = (page: Page, device: string) => page.locator(`[data-testid=alarm-card][data-device="${device}"]`);

describe.skipIf(missing !== undefined)('the alarm board in the browser', () => {
  const scene = withConsortium('property-company');

  it('a water leak over MQTT appears live and highlighted on the phone, is acknowledged and resolved, opens its work order, and clears when the sensor reports normal', async () => {
    const { net, pages, base } = scene;
    const demo = JSON.parse(readFileSync(join(net.node('property-company').dir, 'demo-devices.json'), 'utf8')) as DemoDevices;
    const sensor = demo.devices.find((d) => d.device === SENSOR)!;
    expect(sensor.class).toBe('moisture');

    // -- on-duty staff, on a phone, in Chinese: the board, live; sound on (the tap that lets the page sound) --
    const staff = await pages.open('zh-CN', PHONE);
    await signIn(staff, base, 'li.staff');
    await staff.goto(`${base}/devices/alarms`);
    await staff.locator('[data-testid=alarm-board][data-live=true]').waitFor();
    expect(await card(staff, SENSOR).count()).toBe(0);
    await staff.getByTestId('sound').getByRole('switch').click();
    await expect.poll(() => staff.getByTestId('sound').getAttribute('data-state')).toBe('on');
    expect(await staff.getByTestId('sound').textContent()).toContain(zh['devices.sound.on']);
    await shot(staff, 'devices-01-staff-board-quiet');

    // -- a leader, on a desk, in English: every open alarm with its timers --
    const leader = await pages.open('en-GB', DESK);
    await signIn(leader, base, 'chen.dispatch');
    await leader.goto(`${base}/devices/open`);
    await leader.locator('[data-testid=open-alarms][data-live=true]').waitFor();

    // -- the sensor, a real MQTT client with its credentials, reports a leak --
    const client = await connect(demo.mqtt, sensor.device, sensor.secret);
    try {
      await client.publishAsync(sensor.topic, JSON.stringify({ leak: true, battery: 87, at: Date.now() }), { qos: 1 });

      // live, without a reload: the card pulses in the severity's colour under a banner, and a tone sounded
      const c = card(staff, SENSOR);
      await c.waitFor({ timeout: 20_000 });
      expect(await c.getAttribute('data-fresh')).toBe('true');
      expect(await c.getAttribute('data-severity')).toBe('major');
      expect(await c.getAttribute('data-status')).toBe('raised');
      expect(await c.evaluate((el) => getComputedStyle(el).animationName)).toBe('machi-alarm-pulse-major');
      const banner = staff.getByTestId('alarm-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toContain(zh['devices.condition.leak']);
      const alarm = (await c.getAttribute('data-alarm'))!;
      expect(alarm).toMatch(/^al_[0-9a-f]{32}$/);
      expect(await banner.getAttribute('data-alarm')).toBe(alarm);
      expect(Number(await staff.getByTestId('sound').getAttribute('data-tones'))).toBeGreaterThanOrEqual(1);
      expect(await c.getByTestId('due-ack').getAttribute('data-state')).toBe('running');
      expect(await c.getByTestId('due-ack').textContent()).toMatch(/\d+:\d\d/);
      // the work order it opened, once committed and linked (moisture → burst-pipe, through the repairs service)
      await c.getByTestId('alarm-work-order').waitFor({ timeout: 20_000 });
      await shot(staff, 'devices-02-staff-leak-live');

      // the leader's table shows it too, with its timers
      const row = leader.locator(`[data-testid=open-row][data-alarm="${alarm}"]`);
      await row.waitFor({ timeout: 20_000 });
      expect(await row.textContent()).toContain(en['devices.condition.leak']);
      expect(await row.getByTestId('due-ack').textContent()).toMatch(/^Acknowledge within \d+:\d\d$/);
      expect(await row.getByTestId('open-level').textContent()).toBe(en['devices.open.notEscalated']);
      await shot(leader, 'devices-03-leader-open-alarms');

      // acknowledge: the highlight ends; resolve: it stays on the board while the sensor still reports the leak
      await c.getByTestId('alarm-acknowledge').click();
      await expect.poll(() => c.getAttribute('data-status'), { timeout: 15_000 }).toBe('acknowledged');
      await expect.poll(() => c.getAttribute('data-fresh')).toBe('false');
      expect(await staff.getByTestId('alarm-banner').count()).toBe(0);
      expect(await c.getByTestId('due-ack').getAttribute('data-state')).toBe('done');
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('acknowledged');
      await c.getByTestId('alarm-resolve').click();
      await expect.poll(() => c.getAttribute('data-status'), { timeout: 15_000 }).toBe('resolved');
      expect(await c.getAttribute('data-active')).toBe('true');
      await c.getByTestId('alarm-waiting-normal').waitFor();
      await shot(staff, 'devices-04-staff-resolved-waiting');

      // the linked work order opens
      const href = (await c.getByTestId('alarm-work-order').getAttribute('href'))!;
      const workOrder = href.slice('/requests/'.length);
      expect(workOrder).toMatch(/^rq_/);
      await c.getByTestId('alarm-work-order').click();
      await staff.locator(`[data-testid=request-page][data-request="${workOrder}"]`).waitFor();
      await shot(staff, 'devices-05-staff-work-order');
      await staff.goBack();
      await card(staff, SENSOR).waitFor();

      // the sensor reports normal: the alarm clears and, resolved, leaves the board (and the leader's table), live
      await client.publishAsync(sensor.topic, JSON.stringify({ leak: false, battery: 87, at: Date.now() }), { qos: 1 });
      await expect.poll(() => card(staff, SENSOR).count(), { timeout: 20_000 }).toBe(0);
      await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(0);
      await shot(staff, 'devices-06-staff-cleared');
    } finally {
      await client.endAsync();
    }

    // a critical alarm (smoke in building 2's lobby) stands out in red, on the board and in the leader's table
    const smoke = demo.devices.find((d) => d.device === 'smoke-b2-lobby')!;
    const detector = await connect(demo.mqtt, smoke.device, smoke.secret);
    try {
      const tones = Number(await staff.getByTestId('sound').getAttribute('data-tones'));
      await detector.publishAsync(smoke.topic, JSON.stringify({ smoke: true, battery: 64, at: Date.now() }), { qos: 1 });
      const c = card(staff, smoke.device);
      await c.waitFor({ timeout: 20_000 });
      expect(await c.getAttribute('data-severity')).toBe('critical');
      expect(await c.getAttribute('data-fresh')).toBe('true');
      expect(await c.evaluate((el) => getComputedStyle(el).animationName)).toBe('machi-alarm-pulse');
      expect(await staff.getByTestId('alarm-banner').getAttribute('data-severity')).toBe('critical');
      expect(await staff.getByTestId('alarm-banner').textContent()).toContain(zh['devices.severity.critical']);
      await expect.poll(async () => Number(await staff.getByTestId('sound').getAttribute('data-tones'))).toBeGreaterThan(tones);
      const row = leader.locator(`[data-testid=open-row][data-device="${smoke.device}"]`);
      await row.waitFor({ timeout: 20_000 });
      expect(await row.evaluate((el) => getComputedStyle(el).animationName)).toBe('machi-alarm-row-critical');
      await shot(staff, 'devices-07-staff-critical-smoke');
      await shot(leader, 'devices-08-leader-critical-smoke');
      await c.getByTestId('alarm-acknowledge').click();
      await expect.poll(() => c.getAttribute('data-status'), { timeout: 15_000 }).toBe('acknowledged');
      await c.getByTestId('alarm-resolve').click();
      await expect.poll(() => c.getAttribute('data-status'), { timeout: 15_000 }).toBe('resolved');
      await detector.publishAsync(smoke.topic, JSON.stringify({ smoke: false, battery: 64, at: Date.now() }), { qos: 1 });
      await expect.poll(() => card(staff, smoke.device).count(), { timeout: 20_000 }).toBe(0);
    } finally {
      await detector.endAsync();
    }
    expect(staff.errors).toEqual([]);
    expect(leader.errors).toEqual([]);
  }, 180_000);

  it('the desk: device health, a device registered (credentials shown once, then used over MQTT), the rules', async () => {
    const { pages, base } = scene;
    const desk = await pages.open('ja-JP', DESK);
    await signIn(desk, base, 'li.staff');
    // the menu shows the way: the alarm board, open alarms, devices and rules among the property staff's pages
    expect(await desk.getByTestId('nav-/devices/alarms').textContent()).toBe(ja['nav.devicesAlarms']);
    await desk.getByTestId('nav-/devices').click();
    const row = desk.locator(`[data-testid=device-row][data-device="${SENSOR}"]`);
    await row.waitFor();
    // the leak and the normal reading of the first test
    expect(Number(await row.getByTestId('device-messages').textContent())).toBeGreaterThanOrEqual(2);
    expect(Number(await row.getByTestId('device-alarms').textContent())).toBeGreaterThanOrEqual(1);
    expect(await row.textContent()).toContain('87%');
    expect(await desk.locator('[data-testid=device-row]').count()).toBeGreaterThanOrEqual(4);

    await desk.getByTestId('register-device').fill('leak-b3-01');
    await choose(desk, 'register-class', ja['devices.class.moisture']);
    await desk.getByTestId('register-code').fill('b3');
    await desk.getByTestId('register-building').fill('b3');
    await desk.getByTestId('register-submit').click();
    const creds = desk.getByTestId('credentials');
    await creds.waitFor({ timeout: 15_000 });
    const secret = (await creds.getByTestId('credentials-secret').textContent())!;
    expect(secret.length).toBeGreaterThanOrEqual(20);
    expect(await creds.getByTestId('credentials-username').textContent()).toBe('leak-b3-01');
    await shot(desk, 'devices-09-desk-registered');

    // the credentials shown work: the new sensor connects and reports; its health shows it
    const demo = JSON.parse(readFileSync(join(scene.net.node('property-company').dir, 'demo-devices.json'), 'utf8')) as DemoDevices;
    const client = await connect(demo.mqtt, 'leak-b3-01', secret);
    try {
      await client.publishAsync(`machi/property-company/devices/leak-b3-01/readings`, JSON.stringify({ leak: false, battery: 15, at: Date.now() }), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    const fresh = desk.locator('[data-testid=device-row][data-device="leak-b3-01"]');
    await fresh.waitFor({ timeout: 15_000 });
    await expect.poll(async () => {
      await desk.reload();
      await fresh.waitFor();
      return fresh.getByTestId('device-messages').textContent();
    }, { timeout: 20_000 }).toBe('1');
    expect(await fresh.textContent()).toContain('15%');
    await shot(desk, 'devices-10-desk-devices');

    await desk.getByTestId('nav-/devices/rules').click();
    await desk.locator('[data-testid=rule-row][data-class=lift][data-condition=entrapment]').waitFor();
    expect(await desk.locator('[data-testid=rule-row][data-class=lift][data-condition=entrapment]').textContent()).toContain(ja['devices.rules.dangerous']);
    await shot(desk, 'devices-11-desk-rules');
    expect(desk.errors).toEqual([]);
  }, 120_000);
});
