/**
 * provenance in a real browser (Debian's Chromium via playwright-core) against one node in process with the demo
 * data and the built web app: a resident on a phone (Chinese) scans a fire extinguisher's QR code and sees where it
 * is installed, its last inspection and every step verified in the browser; the copied code, scanned in building 5's
 * garage, warns and raises an alert; on a desk (English) the public verification page, with the network cut after it
 * loaded, verifies the demo's lobby camera export with its package, and names the failing field when one byte of the
 * package is changed. Screenshots go to test-artifacts/browser/provenance-NN-*.png.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, oneNode, type OneNode } from '../../../node/test/support/node.js';
import { webAppRoutes } from '../../../node/src/api/web.js';
import { DEMO_CCTV_BYTES, DEMO_COPIED_SERIAL, DEMO_EXTINGUISHER_GTIN } from '../../../node/src/modules/provenance/seed.js';
import type { ProvenanceService } from '../../../node/src/modules/provenance/service.js';
import { DESK, PHONE, Pages, chromiumMissing, launchBrowser, shot } from './harness.js';

const missing = chromiumMissing();
let s: OneNode;
let pages: Pages;
const item = (serial: string) => `/01/${DEMO_EXTINGUISHER_GTIN}/10/B2024-07/21/${serial}`;

describe.skipIf(missing !== undefined)('provenance in the browser', () => {
  beforeAll(async () => {
    const [node, browser] = await Promise.all([
      oneNode({ modules: ['provenance'], otherOrgs: ['police', 'street-office'], listen: true, demo: true, plugins: [async (app) => app.register(webAppRoutes)] }),
      launchBrowser(),
    ]);
    s = node;
    pages = new Pages(browser);
    const service = s.use<ProvenanceService>('provenance');
    // the demo seed runs once the chain commits (expect.poll is for tests only)
    for (let i = 0; i < 300 && service.store.meta.get('demo-seeded') === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    if (service.store.meta.get('demo-seeded') === undefined) throw new Error('the demo data was not seeded');
  }, 60_000);
  afterAll(async () => {
    await pages?.close();
    await s?.close();
  });

  it('a resident scans an extinguisher on a phone (zh): installed place, last inspection, every step verified', async () => {
    const page = await pages.open('zh-CN', PHONE);
    await page.goto(`${s.url}${item('FE-2024-0001')}`);
    await page.getByTestId('scan-item').waitFor();
    const events = await page.getByTestId('scan-event').count();
    expect(events).toBeGreaterThanOrEqual(5);
    await expect.poll(() => page.locator('[data-testid=mark][data-state=verified]').count()).toBe(events + 1);
    await expect.poll(() => page.getByTestId('scan-item').innerText()).toContain('安装位置：b1-stairwell-1');
    expect(await page.getByTestId('scan-inspection').innerText()).toContain('最近一次检查');
    expect(await page.getByTestId('scan-inspection').innerText()).toContain('合格');
    expect(await page.getByTestId('scan-alert').count()).toBe(0);
    await shot(page, 'provenance-01-scan-genuine-zh');

    // the copied code: the same serial on an extinguisher in building 5's garage
    const copy = await pages.open('zh-CN', PHONE);
    await copy.goto(`${s.url}${item(DEMO_COPIED_SERIAL)}`);
    await copy.getByTestId('scan-item').waitFor();
    await copy.getByTestId('scan-place').fill('b5-garage');
    await copy.getByTestId('scan-report').click();
    await copy.getByTestId('scan-alert').waitFor();
    expect(await copy.getByTestId('scan-alert').getAttribute('data-kind')).toBe('elsewhere');
    expect(await copy.getByTestId('scan-alert').innerText()).toContain('b1-stairwell-2');
    await shot(copy, 'provenance-02-scan-copied-zh');
    const alerts = (await s.call('GET', '/v1/trace/alerts', { as: 'li.staff' })).json.alerts as { serial: string; place: string }[];
    expect(alerts.filter((a) => a.serial === DEMO_COPIED_SERIAL && a.place === 'b5-garage').length).toBeGreaterThanOrEqual(2);
    expect([...page.errors, ...copy.errors]).toEqual([]);
  });

  it('a resident preserves a photo for their own matter: hashed in the browser, the file not sent unless kept', async () => {
    const page = await pages.open('zh-CN', PHONE);
    await page.goto(`${s.url}/preserved`);
    await page.getByTestId('login-username').fill('resident1');
    await page.getByTestId('login-password').fill(TEST_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('sign-out').waitFor();
    await page.goto(`${s.url}/preserved`);
    const sent: string[] = [];
    page.on('request', (r) => sent.push(`${r.method()} ${new URL(r.url()).pathname}`));
    const photo = Buffer.from('a photo of the water stain on the ceiling of unit 3-201');
    await page.getByTestId('preserve-file').setInputFiles({ name: 'stain.jpg', mimeType: 'image/jpeg', buffer: photo });
    await expect.poll(() => page.getByTestId('preserve-hash').innerText()).toContain(createHash('sha256').update(photo).digest('hex'));
    await page.getByTestId('preserve-submit').click();
    await expect.poll(() => page.locator('[data-testid=preserved-record] [data-testid=mark][data-state=verified]').count()).toBeGreaterThanOrEqual(1);
    expect(sent.filter((r) => r.startsWith('PUT '))).toEqual([]);
    expect(sent).toContain('POST /v1/preserved');
    await shot(page, 'provenance-05-preserve-resident-zh');
    expect(page.errors).toEqual([]);
  });

  it('a resident registers a work: hashed in the browser, authors pseudonymous, the registration verified', async () => {
    const page = await pages.open('zh-CN', PHONE);
    await page.goto(`${s.url}/works`);
    await page.getByTestId('login-username').fill('resident2');
    await page.getByTestId('login-password').fill(TEST_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('sign-out').waitFor();
    await page.goto(`${s.url}/works`);
    const song = Buffer.from('score of a song about the east gate, v3');
    await page.getByTestId('work-file').setInputFiles({ name: 'east-gate.pdf', mimeType: 'application/pdf', buffer: song });
    await expect.poll(() => page.getByTestId('work-hash').inputValue()).toBe(createHash('sha256').update(song).digest('hex'));
    await page.getByTestId('work-title').fill('东门之歌');
    await page.getByTestId('work-authors').fill('张三，李四');
    await page.getByTestId('work-register').click();
    await page.locator('[data-testid=work] [data-testid=mark][data-state=verified]').waitFor();
    const text = await page.getByTestId('work').innerText();
    expect(text).toContain('东门之歌');
    expect(text).not.toContain('张三');
    await shot(page, 'provenance-07-work-resident-zh');
    expect(page.errors).toEqual([]);
  });

  it('property staff see the traced items and the copied-code alerts (desk, English)', async () => {
    const page = await pages.open('en-GB', DESK);
    await page.goto(`${s.url}/trace`);
    await page.getByTestId('login-username').fill('li.staff');
    await page.getByTestId('login-password').fill(TEST_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('sign-out').waitFor();
    await page.goto(`${s.url}/trace`);
    await page.getByTestId('trace-alerts').waitFor();
    expect(await page.getByTestId('trace-alerts').innerText()).toContain(DEMO_COPIED_SERIAL);
    await expect.poll(() => page.getByTestId('trace-item').count()).toBeGreaterThanOrEqual(5);
    await shot(page, 'provenance-06-trace-staff');
    expect(page.errors).toEqual([]);
  });

  it('the verification page, offline after load: a genuine package verifies, one byte changed names the field', async () => {
    const tx = s.use<ProvenanceService>('provenance').store.meta.get('demo-records')!;
    const pkgText = (await s.call('GET', `/v1/certificates/${tx}/package`)).body;
    const page = await pages.open('en-GB', DESK);
    await page.goto(`${s.url}/verify/${tx}`);
    await page.getByTestId('verify-filing').waitFor();
    // cut the network: from here on nothing may load
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.context().setOffline(true);

    await page.getByTestId('verify-file').setInputFiles({ name: 'lobby-cam-2.mp4', mimeType: 'video/mp4', buffer: DEMO_CCTV_BYTES });
    await page.getByTestId('verify-hash').waitFor();
    await page.getByTestId('verify-package').setInputFiles({ name: 'package.json', mimeType: 'application/json', buffer: Buffer.from(pkgText) });
    await page.locator('[data-testid=verify-result][data-state=verified]').waitFor();
    expect(await page.getByTestId('verify-result').innerText()).toContain(tx);
    await shot(page, 'provenance-03-verify-offline-genuine');

    // one byte of the package changed: a digit of the transaction's signature
    const sig = (JSON.parse(pkgText) as { proof: { tx: { sig: string } } }).proof.tx.sig;
    const at = pkgText.indexOf(sig) + 20;
    const tampered = pkgText.slice(0, at) + (pkgText[at] === 'a' ? 'b' : 'a') + pkgText.slice(at + 1);
    expect(tampered.length).toBe(pkgText.length);
    await page.getByTestId('verify-package').setInputFiles({ name: 'package-tampered.json', mimeType: 'application/json', buffer: Buffer.from(tampered) });
    await page.locator('[data-testid=verify-result][data-state=failed]').waitFor();
    expect(await page.getByTestId('verify-field').innerText()).toBe('proof.txHash');
    await shot(page, 'provenance-04-verify-offline-tampered');

    // the genuine package with another file: the file's hash is named
    await page.getByTestId('verify-file').setInputFiles({ name: 'other.mp4', mimeType: 'video/mp4', buffer: Buffer.from('another recording') });
    await page.getByTestId('verify-package').setInputFiles({ name: 'package.json', mimeType: 'application/json', buffer: Buffer.from(pkgText) });
    await expect.poll(() => page.locator('[data-testid=verify-result][data-state=failed]').getAttribute('data-field')).toBe('fileHash');
    expect(requests).toEqual([]);
    expect(page.errors).toEqual([]);
  });
});
