/**
 * Welfare funds in a real browser (Debian's Chromium via playwright-core) against a consortium started as `machi up`
 * starts it, demo data on (two programmes with a year of monthly payments, a notice running now, a failed payment
 * reissued, a payment blocked by a revoked credential), the treasury, the paying bank and civil affairs hosted on the
 * street office's node. A beneficiary on a phone (Chinese) sees every payment with every step verified in the browser;
 * the public notice page, without signing in, shows masked names only; the community desk records an objection and the
 * reviewer (desk, English) is refused an approval while the notice runs (409, nothing recorded) and sees the
 * objection; then the clocks move 12 days on, past the notice: the regulator (desk, English) watches the live feed,
 * budget versus paid and the alerts, and sees the reviewer's approval arrive live, verified. Screenshots go to
 * test-artifacts/browser/funds-NN-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startConsortium, type Consortium } from '../../../node/test/support/consortium.js';
import { en, zh } from './messages.js';
import { DEMO_PASSWORD, DESK, PHONE, Pages, choose, chromiumMissing, launchBrowser, shot } from './harness.js';

const HOSTED = ['police', 'urban-management', 'comprehensive-management', 'judiciary', 'civil-affairs', 'finance-bureau', 'agent-bank'];
const DAY_MS = 86_400_000;
const missing = chromiumMissing();
/** the demo's people: none of their full names, ID-like numbers, phones or accounts may reach a public page */
const FULL_NAMES = ['陈桂兰', '刘建国', '黄秀英', '周福生', '林美华', '郭志强'];

let net: Consortium;
let pages: Pages;
/** the street office's node: the desk, the residents it holds, the hosted reviewer, treasury and bank */
let base = '';
const clock = { offsetMs: 0 };
const open = (locale: string, viewport: { width: number; height: number }) => pages.open(locale, viewport);

async function signIn(page: Page, username: string, orgLabel?: string, at = base): Promise<void> {
  await page.goto(at);
  if (orgLabel !== undefined) {
    await page.locator('[data-testid=login-org][aria-haspopup]').waitFor();
    await choose(page, 'login-org', orgLabel);
  }
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('sign-out').waitFor();
}

/** Goes to a page of the app through its menu (a drawer on phones). */
async function go(page: Page, to: string): Promise<void> {
  const burger = page.locator('.mantine-Burger-root');
  if (await burger.isVisible()) await burger.click();
  await page.getByTestId(`nav-${to}`).click();
}

const marks = (page: Page, state: string) => page.locator(`[data-testid=mark][data-state=${state}]`).count();

describe.skipIf(missing !== undefined)('welfare funds in the browser', () => {
  beforeAll(async () => {
    const [c, browser] = await Promise.all([
      startConsortium({
        demo: true, name: 'browser-funds', hosted: HOSTED,
        env: () => ({ MACHI_CLOCK_OFFSET_MS: String(clock.offsetMs) }),
        ready: { 'street-office': /demo data ready/, 'property-company': /demo data ready/ },
      }),
      launchBrowser(),
    ]);
    net = c;
    pages = new Pages(browser);
    base = net.urls['street-office']!;
  }, 240_000);
  afterAll(async () => {
    await pages?.close();
    await net?.stop();
  });

  it('a beneficiary on a phone, in Chinese, sees a year of payments, every step verified against the genesis', async () => {
    // the street office reads her record for her application's case: she will see who looked
    const mine = await net.login('street-office', 'chen.guilan');
    const { subject } = (await net.call('street-office', 'GET', '/v1/me/uses', { token: mine })).json as { subject: string };
    const [benefit0] = ((await net.call('street-office', 'GET', '/v1/funds/me/benefits', { token: mine })).json as { items: { application: { application: string } }[] }).items;
    const read = await net.call('street-office', 'GET', `/v1/subjects/${subject}?purpose=case-handling&fields=name&caseRef=fund:${benefit0!.application.application}`, { token: await net.login('street-office', 'zhou.official') });
    expect(read.status, read.text).toBe(200);

    const me = await open('zh-CN', PHONE);
    await signIn(me, 'chen.guilan');
    await go(me, '/funds/mine');
    const benefit = me.locator('[data-testid=benefit][data-programme=minimum-living]');
    await benefit.waitFor();
    expect(await me.getByTestId('benefit').count()).toBe(1);
    expect(await me.getByTestId('payment').count()).toBe(12);
    await expect.poll(() => benefit.textContent()).toContain(zh['funds.programme.minimum-living']);
    // the newest payment is open: instruction and the bank's receipt, both verified here
    const benefitMarks = (state: string) => benefit.locator(`[data-testid=mark][data-state=${state}]`).count();
    await expect.poll(() => benefitMarks('verified'), { timeout: 30_000 }).toBe(2);
    await benefit.getByRole('button', { name: zh['funds.mine.application'] }).click();
    await expect.poll(() => benefitMarks('verified'), { timeout: 30_000 }).toBe(3);
    expect(await me.locator('[data-testid=fund-step][data-action=import]').count()).toBe(1);
    expect(await marks(me, 'failed')).toBe(0);
    // who looked: the street office's read for her application, its access record verified here too
    const looked = me.getByTestId('who-looked');
    await expect.poll(() => looked.locator('[data-testid=mark][data-state=verified]').count(), { timeout: 30_000 }).toBe(1);
    expect(await looked.textContent()).toContain(zh['org.street-office']);
    expect(me.errors).toEqual([]);
    await shot(me, 'funds-01-resident-benefits-phone-zh');
  });

  it('the public notice page, without signing in, shows the masked list and totals: no full name, ID number, phone or account', async () => {
    const anyone = await open('en-US', DESK);
    await anyone.goto(`${base}/funds/public`);
    const programme = anyone.locator('[data-testid=fund-public-programme][data-programme=minimum-living]');
    await programme.waitFor();
    expect(await anyone.getByTestId('login-username').count()).toBe(0);
    const lines = programme.getByTestId('fund-notice-line');
    await expect.poll(() => lines.count()).toBe(2);
    const names = await lines.locator('td:first-child').allTextContents();
    expect(names.sort()).toEqual(['林**', '郭**']);
    expect(await programme.getByTestId('fund-public-paid').textContent()).toMatch(/^¥[\d,]+\.\d\d$/);
    const text = (await anyone.locator('body').textContent()) ?? '';
    for (const n of FULL_NAMES) expect(text).not.toContain(n);
    expect(text).not.toMatch(/\d{17}[\dXx]/); // a resident ID number
    expect(text).not.toMatch(/(?<!\d)1[3-9]\d{9}(?!\d)/); // a mobile phone
    expect(text).not.toMatch(/6222\d{12}/); // a bank account
    expect(anyone.errors).toEqual([]);
    await shot(anyone, 'funds-02-public-notice-desk-en');
  });

  let noticed: string[] = [];

  it('the community desk records an objection; the reviewer is refused an approval while the notice runs and sees the objection', async () => {
    const desk = await open('en-US', DESK);
    await signIn(desk, 'zhou.official');
    await go(desk, '/funds/work');
    await choose(desk, 'fund-programme', en['funds.programme.minimum-living']);
    const rows = desk.locator('[data-testid=fund-application][data-stage=noticed]');
    await expect.poll(() => rows.count()).toBe(2);
    noticed = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
    await desk.locator(`[data-testid=fund-application][data-id="${noticed[1]}"]`).getByTestId('fund-open').click();
    await choose(desk, 'fund-ground', en['funds.ground.income-understated']);
    await desk.getByTestId('fund-objection-text').fill('A neighbour reports rental income');
    await desk.getByTestId('fund-object').click();
    await desk.getByTestId('fund-objection').waitFor();
    expect(await desk.locator(`[data-testid=fund-application][data-id="${noticed[1]}"] td`).nth(5).textContent()).toBe('1');
    await expect.poll(() => marks(desk, 'verified'), { timeout: 30_000 }).toBe(4); // import-free path: apply, verify, notice, object
    await shot(desk, 'funds-03-community-objection-desk-en');

    const reviewer = await open('en-US', DESK);
    await signIn(reviewer, 'feng.official', en['org.civil-affairs']);
    await go(reviewer, '/funds/work');
    await choose(reviewer, 'fund-programme', en['funds.programme.minimum-living']);
    await reviewer.getByTestId('fund-part').first().waitFor();
    expect(await reviewer.getByTestId('fund-part').allTextContents()).toEqual([en['funds.part.reviewer']]);
    await reviewer.locator(`[data-testid=fund-application][data-id="${noticed[1]}"]`).getByTestId('fund-open').click();
    await reviewer.getByTestId('fund-objection').waitFor();
    expect(await reviewer.getByTestId('fund-objection').textContent()).toContain(en['funds.ground.income-understated']);
    await reviewer.locator(`[data-testid=fund-application][data-id="${noticed[0]}"]`).getByTestId('fund-open').click();
    await reviewer.getByTestId('fund-approve').click();
    await expect.poll(() => reviewer.getByTestId('error').textContent()).toContain('FUND_CONFLICT'); // 409: out of order, nothing recorded
    const after = await net.call('street-office', 'GET', `/v1/funds/applications/${noticed[0]}`, { token: await net.login('street-office', 'zhou.official') });
    expect((after.json as { stage: string; steps: unknown[] }).stage).toBe('noticed');
    expect((after.json as { steps: unknown[] }).steps).toHaveLength(3);
    expect(reviewer.errors).toEqual([]);
    await shot(reviewer, 'funds-04-reviewer-refused-during-notice-desk-en');
  });

  it('twelve days on: the regulator follows every step live with its proof, budget versus paid and the alerts; the approval arrives live', async () => {
    clock.offsetMs = 12 * DAY_MS;
    // all four stopped, then all four started together (each start resolves once its API listens)
    await Promise.all(net.nodes.map((n) => net.kill(n.org, 'SIGTERM')));
    await Promise.all(net.nodes.map((n) => net.start(n.org)));

    const regulator = await open('en-US', DESK);
    await signIn(regulator, 'he.audit', undefined, net.urls.auditor);
    await go(regulator, '/funds/oversight');
    await expect.poll(() => regulator.getByTestId('fund-feed-live').textContent(), { timeout: 30_000 }).toBe(en['funds.oversight.live']);
    await expect.poll(() => regulator.getByTestId('fund-feed-row').count()).toBe(40);
    await expect.poll(() => regulator.getByTestId('fund-budget-chart').count()).toBe(2);
    await regulator.locator('[data-testid=fund-budget-chart] canvas').first().waitFor();
    await regulator.locator('[data-testid=fund-alert][data-kind=credential-revoked]').waitFor();
    await expect.poll(() => marks(regulator, 'verified'), { timeout: 60_000 }).toBeGreaterThanOrEqual(41);
    expect(await marks(regulator, 'failed')).toBe(0);

    const reviewer = await open('en-US', DESK);
    await signIn(reviewer, 'feng.official', en['org.civil-affairs']);
    await go(reviewer, '/funds/work');
    await choose(reviewer, 'fund-programme', en['funds.programme.minimum-living']);
    await reviewer.locator(`[data-testid=fund-application][data-id="${noticed[0]}"]`).getByTestId('fund-open').click();
    await reviewer.getByTestId('fund-approve').click();
    await reviewer.locator(`[data-testid=fund-application][data-id="${noticed[0]}"][data-stage=approved]`).waitFor();
    await expect.poll(() => marks(reviewer, 'verified'), { timeout: 30_000 }).toBe(4);
    await shot(reviewer, 'funds-05-reviewer-approved-desk-en');

    const live = regulator.locator('[data-testid=fund-feed-row][data-live=yes][data-type="fund.review"]');
    await live.waitFor({ timeout: 30_000 });
    expect(await live.getAttribute('data-tx')).toMatch(/^[0-9a-f]{64}$/);
    await expect.poll(() => live.locator('[data-testid=mark]').getAttribute('data-state'), { timeout: 30_000 }).toBe('verified');
    expect(await live.textContent()).toContain(en['org.civil-affairs']);
    expect(regulator.errors).toEqual([]);
    await shot(regulator, 'funds-06-regulator-oversight-desk-en');
  }, 300_000);

  it('the treasury instructs the newly approved payment and the paying bank returns its receipt, on desks in English; reconciliation shows bank against ledger', async () => {
    const treasury = await open('en-US', DESK);
    await signIn(treasury, 'qian.finance', en['org.finance-bureau']);
    await treasury.getByTestId('fund-programme').waitFor(); // the treasury lands on the funds desk
    await choose(treasury, 'fund-programme', en['funds.programme.minimum-living']);
    const row = treasury.locator(`[data-testid=fund-application][data-id="${noticed[0]}"]`);
    await row.getByTestId('fund-open').click();
    const building = (await row.locator('td').nth(3).textContent())!;
    await treasury.getByTestId('fund-instruct').click();
    await treasury.getByTestId('fund-done').waitFor();
    const instructed = treasury.locator('[data-testid=fund-payment][data-status=instructed]');
    await expect.poll(() => instructed.count()).toBe(1);
    await expect.poll(() => treasury.getByTestId('fund-instruct').count()).toBe(0); // one payment per period
    await shot(treasury, 'funds-07-treasury-instructed-desk-en');

    const bank = await open('en-US', DESK);
    await signIn(bank, 'zhao.bank', en['org.agent-bank']);
    await bank.getByTestId('fund-programme').waitFor();
    await choose(bank, 'fund-programme', en['funds.programme.minimum-living']);
    await bank.locator('[data-testid=fund-payment][data-status=instructed]').waitFor();
    // the account the bank paid: the demo's new applicants in b1 and b3
    await bank.getByTestId('fund-account').fill(building === 'b1' ? '6222020200556677' : '6222020200667788');
    await bank.locator('[data-testid=fund-payment][data-status=instructed]').getByRole('button', { name: en['funds.work.paid'], exact: true }).click();
    await expect.poll(() => bank.locator('[data-testid=fund-payment][data-status=instructed]').count()).toBe(0);
    await bank.locator('[data-testid=fund-payment][data-status=paid]').first().getByRole('button', { name: en['funds.work.steps'] }).click();
    await expect.poll(() => marks(bank, 'verified'), { timeout: 30_000 }).toBe(2);
    expect(await bank.getByTestId('fund-reconciliation').textContent()).toContain(en['funds.work.matches']);
    expect(bank.errors).toEqual([]);
    await shot(bank, 'funds-08-bank-receipt-desk-en');
  }, 120_000);
});
