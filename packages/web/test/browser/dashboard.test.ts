/**
 * The command centre in a real browser (Debian's Chromium via playwright-core) against a consortium started as
 * `machi up` starts it, demo data on. The street office's official, on a desk: the overview in English (charts drawn —
 * the property company's fee collection and arrears among them —
 * series hold data and the canvas has drawn pixels —, a grid filter changes them, a click on a figure lists its records
 * and their proofs verify in the browser) and in Chinese; the grid map, the network view, the explorer (a block's
 * transactions verified; GS1 Digital Link: not supported yet), analytics, and the wall screen. Screenshots go to
 * test-artifacts/browser/dashboard-NN-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startConsortium, type Consortium } from '../../../node/test/support/consortium.js';
import { DEMO_PASSWORD, DESK, Pages, chromiumMissing, launchBrowser, shot } from './harness.js';

/** as `machi up` hosts them: the departments make the events' imported history and the funds' payments */
const HOSTED = ['police', 'urban-management', 'comprehensive-management', 'judiciary', 'civil-affairs', 'finance-bureau', 'agent-bank'];
const missing = chromiumMissing();

let net: Consortium;
let pages: Pages;
let base = '';

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(base);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('sign-out').waitFor();
}

/** How many data items a chart's series hold (the Chart component's data-points). */
const points = (page: Page, testId: string): Promise<number> => page.getByTestId(testId).getAttribute('data-points').then(Number);

/** Pixels of a chart's canvas that are neither transparent nor white: a drawn chart has many. */
const inked = (page: Page, testId: string): Promise<number> => page.getByTestId(testId).locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && (d[i]! < 240 || d[i + 1]! < 240 || d[i + 2]! < 240)) n++;
  return n;
});

async function drawn(page: Page, testId: string): Promise<void> {
  await page.getByTestId(testId).waitFor();
  await expect.poll(() => points(page, testId), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect.poll(() => inked(page, testId), { timeout: 20_000 }).toBeGreaterThan(500);
}

describe.skipIf(missing !== undefined)('the command centre in the browser', () => {
  beforeAll(async () => {
    const [c, browser] = await Promise.all([
      startConsortium({ demo: true, name: 'browser-dashboard', hosted: HOSTED, ready: { 'street-office': /demo data ready/, 'property-company': /demo data ready/ } }),
      launchBrowser(),
    ]);
    net = c;
    pages = new Pages(browser);
    base = net.urls['street-office']!;
  }, 180_000);
  afterAll(async () => {
    await pages?.close();
    await net?.stop();
  });

  it('overview (English): charts drawn, a grid filter changes them, a click lists records whose proofs verify', async () => {
    const page = await pages.open('en-GB', DESK);
    await signIn(page, 'zhou.official');
    await page.goto(`${base}/dashboard`);
    for (const id of ['chart-events-category', 'chart-events-status', 'chart-events-grid', 'chart-sla', 'chart-funds', 'chart-privacy-purpose', 'chart-property-months']) await drawn(page, id);
    // the property company's year of bills: a collection rate, and resident 4's arrears
    await expect.poll(() => page.getByTestId('property-arrears').textContent(), { timeout: 20_000 }).not.toBe('¥0');
    await shot(page, 'dashboard-01-overview-en');

    const all = await page.getByTestId('events-total').textContent();
    const grids = await points(page, 'chart-events-grid');
    expect(grids).toBeGreaterThan(1);
    await page.getByTestId('filter-grid').click();
    await page.getByRole('option').first().click();
    await expect.poll(() => points(page, 'chart-events-grid')).toBe(1);
    await expect.poll(() => page.getByTestId('events-total').textContent()).not.toBe(all);
    await shot(page, 'dashboard-02-overview-grid-filter');

    // a slice of the status pie: its ring lies between 35 % and 65 % of the radius
    const box = (await page.getByTestId('chart-events-status').boundingBox())!;
    const r = Math.min(box.width, box.height) / 2;
    await page.mouse.click(box.x + box.width / 2 + r * 0.5, box.y + box.height / 2 - 20);
    await page.getByTestId('record').first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('[data-testid=record] [data-testid=mark][data-state=verified]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=mark][data-state=failed]').count()).toBe(0);
    await shot(page, 'dashboard-03-records-verified');
    expect(page.errors).toEqual([]);
  }, 120_000);

  it('overview, grid map, network, explorer and analytics in Chinese', async () => {
    const page = await pages.open('zh-CN', DESK);
    await signIn(page, 'zhou.official');
    await page.goto(`${base}/dashboard`);
    await drawn(page, 'chart-events-category');
    await drawn(page, 'chart-sla');
    await shot(page, 'dashboard-04-overview-zh');

    await page.goto(`${base}/dashboard/map`);
    await page.getByTestId('map-building').first().waitFor();
    expect(await page.getByTestId('map-grid').count()).toBeGreaterThan(0);
    // coloured by units in fee arrears: resident 4's unit in 2号楼
    await page.getByTestId('map-measure').getByText('欠费户数').click();
    await expect.poll(() => page.locator('[data-testid=map-building][data-building=b2]').getAttribute('data-count')).toBe('1');
    await shot(page, 'dashboard-05-map-zh');

    await page.goto(`${base}/dashboard/network`);
    await drawn(page, 'chart-network');
    await drawn(page, 'chart-blocks');
    await page.getByTestId('no-evidence').or(page.getByTestId('evidence')).waitFor();
    // this node votes and holds its whole history: one quiet line, no banner
    await page.getByTestId('node-status').waitFor();
    expect(await page.getByTestId('node-status').getAttribute('data-status')).toBe('ok');
    expect(await page.getByTestId('node-status').getAttribute('data-voting')).toBe('allowed');
    expect(await page.getByTestId('node-voting').textContent()).toBe('本节点（街道办事处） · 投票：允许 · 历史：完整');
    expect(await page.locator('[data-testid^=node-notice-]').count()).toBe(0);
    await shot(page, 'dashboard-06-network-zh');

    await page.goto(`${base}/dashboard/explorer`);
    await page.getByTestId('explorer-block').first().click();
    await expect.poll(() => page.locator('[data-testid=tx-view] [data-testid=mark][data-state=verified]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await shot(page, 'dashboard-07-explorer-zh');
    await page.getByTestId('explorer-q').fill('https://id.example.com/01/09506000134352/10/LOT1/21/42');
    await page.getByTestId('explorer-go').click();
    await page.getByTestId('explorer-unsupported').waitFor();

    await page.goto(`${base}/dashboard/analytics`);
    await page.getByTestId('analytics-alert').first().or(page.getByTestId('analytics-none')).waitFor({ timeout: 20_000 });
    await shot(page, 'dashboard-08-analytics-zh');
    expect(page.errors).toEqual([]);
  }, 120_000);

  it('wall screen: large panels rotate, drawn', async () => {
    const page = await pages.open('zh-CN', { width: 1920, height: 1080 });
    await signIn(page, 'zhou.official');
    await page.goto(`${base}/dashboard/wall`);
    await drawn(page, 'chart-events-category');
    await page.getByTestId('wall-height').waitFor();
    await shot(page, 'dashboard-09-wall-zh');
    expect(await page.getByTestId('wall-panel').getAttribute('data-panel')).toBe('events');
    expect(page.errors).toEqual([]);
  }, 60_000);
});
