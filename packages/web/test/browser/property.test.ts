/**
 * Property services in a real browser (Debian's Chromium via playwright-core) against a consortium started as
 * `machi up` starts it, demo data on. An owner on a phone (Chinese) sees their units, bills and payments with each step
 * verified in the browser, the closed vote's exact tally, and votes on the open matter (the node runs the digital-ID
 * check first); their ballot then shows as counted with its proof. Property staff on a desk (English) issue a month's
 * bills, record a payment, and see the arrears, the votes' counts and the tender taking sealed bids, and register a
 * vehicle of a unit and see the staff files with the licence expiry alert, and the wall screen full-screen without the
 * app's navigation; the power company reads a unit's owner on its own node under the demo grant. An owner on a phone
 * (Chinese) opens the disclosed accounts (every line and each period's totals verified in the browser) and the tenders:
 * a tender's bids sealed before the deadline, then its opening record — prices re-hashed against their commitments,
 * a reveal that did not match and a bid never revealed counted as withdrawn, the ranking recomputed. The housing bureau
 * (hosted on the street office's node, as `machi up` hosts it), on a desk in English, approves an emergency fund use
 * and makes its first transfer within the 60 % cap, the 24-hour deadline shown met, and asks for a unit's owner under
 * the property company's grant (refused across nodes for now: see the test). Screenshots go to test-artifacts/browser/property-NN-*.png.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sha256Hex, tenderCommitmentText } from '@machi/core';
import { startConsortium } from '../../../node/test/support/consortium.js';
import { en, zh } from './messages.js';
import { DEMO_PASSWORD, DESK, PHONE, Pages, apiLogin, choose, chromiumMissing, launchBrowser, shot, signIn, type Scene } from './harness.js';

const missing = chromiumMissing();
/** as `machi up` hosts it on the street office's node: the housing bureau approves and pays fund uses there */
const HOSTED = ['housing-bureau'];

const marks = (page: Page, within: string, state: string) => page.locator(`${within} [data-testid=mark][data-state=${state}]`).count();

describe.skipIf(missing !== undefined)('property services in the browser', () => {
  const scene = {} as Scene;
  // the consortium first, then the browser: four nodes and Chromium starting at once on a busy machine time out
  beforeAll(async () => {
    const net = await startConsortium({ demo: true, name: 'browser', hosted: HOSTED, ready: { 'property-company': /demo data ready/ } });
    Object.assign(scene, { net, pages: new Pages(await launchBrowser()), base: net.urls['property-company']! });
  }, 360_000);
  afterAll(async () => {
    await scene.pages?.close();
    await scene.net?.stop();
  });

  it('an owner on a phone (zh): bills and payments verified, the closed tally, a ballot on the open vote counted with its proof', async () => {
    const page = await scene.pages.open('zh-CN', PHONE);
    await signIn(page, scene.base, 'resident3');
    await page.goto(`${scene.base}/property/mine`);
    await page.getByTestId('my-units').waitFor();
    expect(await page.getByTestId('bill').count()).toBe(24); // two units, twelve months
    await expect.poll(() => page.getByTestId('tally').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('tally').textContent()).toContain('3/4');
    // the newest bill's steps, each verified here against the genesis
    await page.getByTestId('bill').first().getByRole('button').first().click();
    await expect.poll(() => page.locator('[data-testid=bill] [data-testid=mark][data-state=verified]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await shot(page, 'property-01-owner-bills-phone-zh');

    const row = page.locator('[data-testid=open-vote] [data-testid=ballot-row][data-unit=b2-u0201]');
    await row.getByTestId('vote-yes').click();
    await row.getByTestId('ballot-cast').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('[data-testid=open-vote] [data-testid=mark][data-state=verified]').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByTestId('error').count()).toBe(0);
    expect(page.errors).toEqual([]);
    await shot(page, 'property-02-owner-voted-phone-zh');
  }, 120_000);

  it('property staff at the desk (en): issue bills, record a payment, arrears, votes and the sealed-bid tender', async () => {
    const page = await scene.pages.open('en-GB', DESK);
    await signIn(page, scene.base, 'li.staff');
    await page.getByRole('link', { name: en['nav.propertyDesk'] }).first().click();
    await page.getByTestId('arrears').waitFor();
    await expect.poll(() => page.getByTestId('arrear').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const period = new Date().toISOString().slice(0, 7);
    await page.getByTestId('bill-period').fill(period);
    await page.getByTestId('issue-bills').click();
    await page.getByTestId('done').waitFor({ timeout: 30_000 });
    await page.getByTestId('pay-unit').fill('b1-u0101');
    await page.getByTestId('pay-period').fill(period);
    await page.getByTestId('pay-amount').fill('253.75');
    await page.getByTestId('pay-reference').fill('WX-BROWSER-0001');
    await page.getByTestId('record-payment').click();
    await expect.poll(() => page.getByTestId('done').textContent(), { timeout: 30_000 }).toContain(en['property.desk.paid']);
    await shot(page, 'property-03-desk-bills-en');
    await page.getByTestId('tab-votes').click();
    await expect.poll(() => page.getByTestId('desk-vote').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId('desk-tally').first().textContent()).toContain('3/4');
    await shot(page, 'property-04-desk-votes-en');
    await page.getByTestId('tab-tenders').click();
    await page.getByTestId('tender').waitFor();
    expect(await page.getByTestId('tender').textContent()).toContain(en['property.tender.bidding']);
    expect(page.errors).toEqual([]);
    await shot(page, 'property-05-desk-tender-en');
    // households and vehicles: the plate goes to the vault, its commitment and the parking space to the ledger
    await page.getByTestId('tab-register').click();
    await page.getByTestId('register-unit').fill('b1-u0101');
    await page.getByTestId('register-show').click();
    await page.getByTestId('vehicles').waitFor();
    expect(await page.getByTestId('household').textContent()).toContain(en['property.desk.household'].replace('{{count}}', '2'));
    await page.getByTestId('vehicle-plate').fill('沪A12345');
    await page.getByTestId('vehicle-space').fill('p-b1-001');
    await page.getByTestId('vehicle-add').click();
    await expect.poll(() => page.getByTestId('vehicle').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('vehicles').textContent()).not.toContain('沪A12345');
    expect(page.errors).toEqual([]);
    await shot(page, 'property-06-desk-vehicles-en');
    // staff files: the demo lift operator's licence expires within 30 days
    await page.getByTestId('tab-staff').click();
    await expect.poll(() => page.getByTestId('staff-file').count(), { timeout: 15_000 }).toBe(2);
    await page.getByTestId('licence-alert').waitFor();
    expect(await page.getByTestId('licence-alert').textContent()).toContain(en['property.licence.lift-operator']);
    expect(page.errors).toEqual([]);
    await shot(page, 'property-07-desk-staff-en');
    // the wall screen fills the screen: no header, no menu
    await page.goto(`${scene.base}/dashboard/wall`);
    await page.getByTestId('wall').waitFor();
    expect(await page.locator('[data-testid^="nav-"]').count()).toBe(0);
    expect(await page.getByTestId('sign-out').count()).toBe(0);
    await shot(page, 'property-08-wall-full-screen-en');
    await page.getByTestId('wall-exit').click();
    await page.getByTestId('sign-out').waitFor();
  }, 150_000);

  it("the power company reads a unit's owner on its own node under the demo grant, over the peer link", async () => {
    const read = async (org: string, user: string, purpose: string, fields: string): Promise<{ status: number; body: any }> => {
      const base = scene.net.urls[org]!;
      const token = await apiLogin(base, org, user);
      const r = await fetch(`${base}/v1/property/units/b1-u0101/owner?purpose=${purpose}&fields=${fields}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: r.status, body: await r.json() };
    };
    const power = await read('power-company', 'wu.utility', 'utility-account-transfer', 'phone,unit');
    expect([power.status, power.body.decision, power.body.reason]).toEqual([200, 'allowed', 'grant']);
    expect(Object.keys(power.body.fields).sort()).toEqual(['phone', 'unit']);
    // (the housing bureau's read, signed by its hosted key on the street office's node: its desk's test below)
    // a field the purpose does not need: refused, nothing released
    const refused = await read('power-company', 'wu.utility', 'utility-account-transfer', 'name');
    expect([refused.status, refused.body.code, refused.body.fields]).toEqual([403, 'ACCESS_DENIED', undefined]);
  }, 60_000);

  it('an owner on a phone (zh): the disclosed accounts line by line and a tender from sealed bids to its opening record, all verified', async () => {
    const call = (method: string, path: string, body?: unknown, as?: string) => scene.net.call('property-company', method, path, { body, ...(as === undefined ? {} : { as }) });
    // a tender that closes soon: four bidders commit (sealed), three reveal after the deadline — one with a price that
    // does not open its commitment —, one never does; bidders have no account (the public routes). The sealed bids are
    // checked first, the accounts while the deadline runs; 25 s leaves the sealed checks time on a busy machine, and the
    // reveals, sent together, 15 s to commit
    const now = Date.now();
    const opened = await call('POST', '/v1/property/tenders', { title: '外墙清洗服务', deadline: now + 25_000, revealUntil: now + 40_000 }, 'li.staff');
    expect(opened.status, opened.text).toBe(201);
    const tender = opened.json.id as string;
    const bids = [['申城清洁', 4_580_000, 'right'], ['浦江物业服务', 4_120_000, 'wrong'], ['东方保洁', 5_030_000, 'right'], ['静安外墙', 3_990_000, 'none']] as const;
    const sealed = bids.map(([bidder, priceFen, reveal]) => ({ bidder, priceFen, reveal, bid: `pb_${randomBytes(16).toString('hex')}`, salt: randomBytes(16).toString('hex') }));
    // submitted together: they commit in a block or two
    const committed = await Promise.all(sealed.map((b) => call('POST', `/v1/property/public/tenders/${tender}/bids`, { bidder: b.bidder, bid: b.bid, commitment: sha256Hex(tenderCommitmentText(tender, b.bid, b.priceFen, b.salt)) })));
    for (const r of committed) expect(r.status, r.text).toBe(201);

    const page = await scene.pages.open('zh-CN', PHONE);
    await signIn(page, scene.base, 'resident3');
    // the tenders: sealed bids before the deadline, commitments verified, no price anywhere
    await page.goto(`${scene.base}/property/tenders`);
    const card = page.locator(`[data-testid=tender-card][data-tender=${tender}]`);
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('bidding');
    expect(await card.getByTestId('tender-bid').count()).toBe(4);
    await expect.poll(() => marks(page, `[data-tender=${tender}]`, 'verified'), { timeout: 30_000 }).toBe(4);
    expect(await card.textContent()).not.toContain('45,800');
    expect(await page.getByTestId('ledger-time').textContent()).toContain('区块');
    await shot(page, 'property-10-owner-tenders-sealed-phone-zh');

    // the disclosed accounts: the demo's two periods, four lines each, each line and each period's totals verified here
    await page.goto(`${scene.base}/property/accounts`);
    await page.getByTestId('disclosure').first().waitFor();
    expect(await page.getByTestId('disclosure').count()).toBe(2);
    expect(await page.getByTestId('disclosure-line').count()).toBe(8);
    await expect.poll(() => marks(page, '[data-testid=disclosure]', 'verified'), { timeout: 30_000 }).toBe(10);
    expect(await marks(page, '[data-testid=disclosure]', 'failed')).toBe(0);
    const common = page.locator('[data-testid=disclosure]').first().locator('[data-account=common-area] [data-testid=disclosure-total]');
    expect(await common.textContent()).toContain('¥16,100.00'); // 12,000 + 8,600 − 4,500
    expect(await page.getByTestId('disclosure').first().textContent()).toContain(zh['property.account.maintenance-fund']);
    // the maintenance fund's uses, each step verified
    await page.getByTestId('fund-use').first().getByRole('button').first().click();
    await expect.poll(() => marks(page, '[data-testid=fund-use]', 'verified'), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect(page.errors).toEqual([]);
    await shot(page, 'property-09-owner-accounts-phone-zh');

    // after the deadline (ledger time) the bidders reveal; after the reveal window the organiser opens the bids
    const retry = async (what: string, step: () => Promise<{ status: number; text: string }>): Promise<void> => {
      await scene.net.until(what, async () => {
        const r = await step();
        if (r.status !== 201 && r.status !== 409) throw new Error(`${what}: ${r.status} ${r.text}`);
        return r.status === 201;
      }, 120_000, 500);
    };
    await Promise.all(sealed.filter((x) => x.reveal !== 'none').map((b) => {
      const salt = b.reveal === 'wrong' ? randomBytes(16).toString('hex') : b.salt;
      return retry(`reveal of ${b.bidder}`, () => call('POST', `/v1/property/public/tenders/${tender}/bids/${b.bid}/reveal`, { priceFen: b.priceFen, salt }));
    }));
    await retry('the opening', () => call('POST', `/v1/property/tenders/${tender}/open`, undefined, 'li.staff'));

    await page.goto(`${scene.base}/property/tenders`);
    await card.getByTestId('opening-record').waitFor();
    expect(await card.getAttribute('data-status')).toBe('opened');
    expect(await card.getByTestId('ranked-bid').count()).toBe(2);
    expect(await card.getByTestId('ranked-bid').first().textContent()).toContain('申城清洁'); // the lowest of the matching reveals
    expect(await card.getByTestId('winner').count()).toBe(1);
    const withdrawn = card.getByTestId('withdrawn-bid');
    expect(await withdrawn.count()).toBe(2);
    expect(await card.locator('[data-testid=withdrawn-bid][data-reason=reveal-mismatch]').textContent()).toContain('浦江物业服务');
    expect(await card.locator('[data-testid=withdrawn-bid][data-reason=not-revealed]').textContent()).toContain('静安外墙');
    expect(await card.textContent()).toContain(zh['property.withdrawnFor.reveal-mismatch']);
    // four commitments, three reveals (the mismatch re-hashed here too), the opening record recomputed: all verified
    await expect.poll(() => marks(page, `[data-tender=${tender}]`, 'verified'), { timeout: 30_000 }).toBe(8);
    expect(await marks(page, `[data-tender=${tender}]`, 'failed')).toBe(0);
    expect(await card.getByTestId('opening-mark').locator('[data-state=verified]').count()).toBe(1);
    expect(page.errors).toEqual([]);
    await shot(page, 'property-11-owner-tender-opened-phone-zh');
  }, 240_000);

  it('the housing bureau at its desk (en): approves an emergency fund use and pays its first transfer within the cap by the deadline; asks for an owner under its grant', async () => {
    const fund = async () => (await scene.net.call('property-company', 'GET', '/v1/property/public/fund')).json as { uses: { use: string; status: string; emergency: { alarm?: string; repair?: string } | null }[] };
    // the demo's own uses are approved by the bureau's demo first (it stops then), so the new one waits for the desk
    await scene.net.until('the demo fund uses approved', async () => {
      const f = await fund();
      return f.uses.length > 0 && f.uses.every((u) => u.status === 'approved' || u.status === 'closed');
    }, 180_000, 500);
    // and the bureau's demo has stopped: its poll logs the uses it approved and paid, then stops once none waits for it
    // (it would approve the use below too); every demo use counted in its lines means its last poll has ended
    const demoUses = (await fund()).uses.length;
    await scene.net.until("the housing bureau's demo to stop", () => {
      const approved = [...scene.net.node('street-office').output.matchAll(/the housing bureau approved (\d+) maintenance-fund uses/g)];
      return approved.reduce((sum, m) => sum + Number(m[1]), 0) >= demoUses;
    }, 60_000, 200);
    const demo = (await fund()).uses.find((u) => u.emergency !== null);
    const trigger = demo?.emergency?.alarm !== undefined ? { alarm: demo.emergency.alarm } : { repair: demo?.emergency?.repair };
    const budgetFen = 2_345_650;
    const proposed = await scene.net.call('property-company', 'POST', '/v1/property/fund/uses', {
      as: 'li.staff', body: { building: 'b2', title: '2号楼电梯困人抢修', contractor: '申城电梯维保', budgetFen, emergency: { category: 'lift', ...trigger } },
    });
    expect(proposed.status, proposed.text).toBe(201);
    const use = proposed.json.id as string;

    const page = await scene.pages.open('en-GB', DESK);
    const street = scene.net.urls['street-office']!;
    await page.goto(street);
    await page.locator('[data-testid=login-org][aria-haspopup]').waitFor();
    await choose(page, 'login-org', en['org.housing-bureau']);
    await page.getByTestId('login-username').fill('gao.housing');
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('sign-out').waitFor();
    // the bureau lands on its desk
    const card = page.locator(`[data-testid=bureau-use][data-use=${use}]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await page.getByRole('link', { name: en['nav.propertyBureau'] }).count()).toBe(1);
    expect(await card.getAttribute('data-status')).toBe('proposed');
    expect(await card.getByTestId('deadline').getAttribute('data-state')).toBe('running');
    const cap = Math.floor((budgetFen * 60) / 100); // 1,407,390 fen
    expect(await card.getByTestId('cap').textContent()).toContain('¥14,073.90');
    await shot(page, 'property-12-bureau-emergency-pending-en');
    await card.getByTestId('approve').click();
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 60_000 }).toBe('approved');
    // more than 60 % of the budget: refused here before it is sent
    await card.getByTestId('transfer-amount').fill('14073.91');
    await card.getByTestId('transfer-reference').fill('HB-BROWSER-0001');
    expect(await card.getByTestId('transfer').isDisabled()).toBe(true);
    expect(await card.textContent()).toContain(en['property.bureau.overCap'].replace('{{cap}}', '¥14,073.90'));
    await card.getByTestId('transfer-amount').fill((cap / 100).toFixed(2));
    await card.getByTestId('transfer').click();
    await expect.poll(() => card.getByTestId('deadline').getAttribute('data-state'), { timeout: 60_000 }).toBe('met');
    expect(await card.textContent()).toContain('¥14,073.90 of ¥23,456.50 paid');
    // proposed, approved, transfer: each step verified in this browser
    await expect.poll(() => marks(page, `[data-use=${use}]`, 'verified'), { timeout: 30_000 }).toBe(3);
    expect(await marks(page, `[data-use=${use}]`, 'failed')).toBe(0);
    const f = (await scene.net.call('street-office', 'GET', `/v1/property/public/fund/uses/${use}`)).json;
    expect([f.status, f.metDeadline, f.transferredFen]).toEqual(['approved', true, cap]);
    expect(page.errors).toEqual([]);
    await shot(page, 'property-13-bureau-fund-paid-en');

    // an owner read under the property company's grant (housing register check): name and ID number, checked here
    await page.getByTestId('tab-reads').click();
    await choose(page, 'read-unit', 'b1-u0101');
    await page.getByTestId('read-owner').click();
    await page.locator('[data-testid=owner-read], [data-testid=error]').first().waitFor({ timeout: 60_000 });
    // the holder (the property company's node) decides for the housing bureau itself: the street office's node signs
    // the peer requests with the bureau's key (docs/spec/privacy.md#peer-reads-for-a-hosted-member)
    const read = page.getByTestId('owner-read');
    expect(await page.getByTestId('error').count()).toBe(0);
    const values = await read.getByTestId('read-value').allTextContents();
    expect(values).toHaveLength(2);
    expect(values[0]!.length).toBeGreaterThan(0);
    expect(values[1]).toMatch(/^\d{17}[\dX]$/);
    // the fields match the owner's commitment on the ledger, and the bureau's access record verifies, in this browser
    await expect.poll(() => read.getByTestId('fields-check').getAttribute('data-state'), { timeout: 30_000 }).toBe('verified');
    await expect.poll(() => marks(page, '[data-testid=owner-read]', 'verified'), { timeout: 30_000 }).toBe(1);
    expect(await marks(page, '[data-testid=owner-read]', 'failed')).toBe(0);
    expect(page.errors).toEqual([]);
    await shot(page, 'property-14-bureau-owner-read-en');
  }, 300_000);
});
