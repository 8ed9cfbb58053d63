/**
 * The street office's address register and grids in a real browser (Debian's Chromium via playwright-core) against a
 * consortium started as `machi up` starts it, demo data on: the official (desk, English) sees the seeded register
 * (1号楼 … 6号楼 and three units of 1号楼) and both grids, registers 7号楼, and defines a third grid of it with a grid
 * worker; the dispatcher (phone, Chinese) sees the same. Screenshots go to test-artifacts/browser/addresses-NN-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsortium, type Consortium } from '../../../node/test/support/consortium.js';
import { en, zh } from './messages.js';
import { DESK, PHONE, Pages, chromiumMissing, launchBrowser, shot, signIn } from './harness.js';

const missing = chromiumMissing();
let net: Consortium;
let pages: Pages;
let base = '';

describe.skipIf(missing !== undefined)('the address register and grids in the browser', () => {
  beforeAll(async () => {
    const [c, browser] = await Promise.all([
      startConsortium({ demo: true, name: 'browser-addresses', ready: { 'street-office': /demo data ready/, 'property-company': /demo data ready/ } }),
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

  it('an official lists the register and grids, registers a building and defines a grid of it (desk, English)', async () => {
    const page = await pages.open('en-GB', DESK);
    await signIn(page, base, 'zhou.official');
    await page.getByRole('link', { name: en['nav.addresses'] }).first().click();
    await page.locator('[data-testid=address-row][data-code=b6]').waitFor();
    expect(await page.getByTestId('address-row').count()).toBe(13); // 6 buildings, 3 units of 1号楼 and 4 of 2号楼 (property's demo register)
    expect(await page.getByTestId('grid-entry').count()).toBe(2);
    expect(await page.locator('[data-testid=grid-entry][data-grid=grid-1]').textContent()).toContain('ma.grid');
    await shot(page, 'addresses-01-register-desk-en');

    await page.getByTestId('address-code').fill('b7');
    await page.getByTestId('address-name').fill('7号楼');
    await page.getByTestId('address-save').click();
    await page.locator('[data-testid=address-row][data-code=b7]').waitFor();

    await page.getByTestId('grid-code').fill('grid-3');
    await page.getByTestId('grid-name').fill('Grid 3');
    await page.getByTestId('grid-buildings').click();
    await page.getByRole('option', { name: '7号楼 (b7)' }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('grid-households').fill('90');
    await page.getByTestId('grid-workers').fill('yang.grid');
    await page.getByTestId('grid-save').click();
    const grid3 = page.locator('[data-testid=grid-entry][data-grid=grid-3]');
    await grid3.waitFor();
    expect(await grid3.textContent()).toContain('7号楼 (90)');
    expect(await grid3.textContent()).toContain('yang.grid');
    expect(page.errors).toEqual([]);
    await shot(page, 'addresses-02-grid-defined-desk-en');
  });

  it('a dispatcher of the command centre sees the same on a phone (Chinese); a taken code is refused with its message', async () => {
    const page = await pages.open('zh-CN', PHONE);
    await signIn(page, base, 'lin.centre');
    await page.goto(`${base}/addresses`);
    await page.locator('[data-testid=address-row][data-code=b7]').waitFor();
    expect(await page.getByText(zh['addresses.register']).count()).toBeGreaterThan(0);
    await page.getByTestId('address-code').fill('b1');
    await page.getByTestId('address-name').fill('一号楼');
    await page.getByTestId('address-save').click();
    await expect.poll(() => page.getByText(zh['errorCode.ADDRESS_CONFLICT']).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await shot(page, 'addresses-03-register-phone-zh');
  });
});
