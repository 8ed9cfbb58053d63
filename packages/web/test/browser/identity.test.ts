/**
 * The "one trip" in a real browser against `machi up`: a desk official starts a service, the resident opens the
 * desk's link in their wallet, consents once and shares; the desk shows verified eligibility with exactly the claims
 * disclosed; the consent and the verifications are on the ledger (proof bundles that verify against the genesis)
 * and in the resident's list of identity uses. Then a credential issued live: the resident accepts the offer (the
 * holder key is made in the browser and never leaves it) and presents it with a key-binding JWT signed in the page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { verifyBundle } from '@machi/core';
import { en, zh } from './messages.js';
import { PHONE, apiLogin, choose, chromiumMissing, shot, signIn as signInAt, withConsortium, type Scene } from './harness.js';

const DESK_SMALL = { width: 1280, height: 860 };
const ORG = 'property-company';
const missing = chromiumMissing();

let scene: Scene;
let base = '';
const open = (locale: string, viewport: { width: number; height: number }) => scene.pages.open(locale, viewport);
const signIn = (page: Page, username: string, at = base) => signInAt(page, at, username);

async function api<T>(token: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Starts a session at the desk page; returns the link the desk shows. */
async function startDesk(desk: Page, serviceLabel: string): Promise<string> {
  const linkText = desk.getByTestId('desk-link-text');
  const before = (await linkText.count()) > 0 ? await linkText.textContent() : null;
  await choose(desk, 'desk-service', serviceLabel);
  await desk.getByTestId('desk-start').click();
  await desk.getByTestId('desk-qr').waitFor();
  // a second session on the same page: wait for its link, not the previous one's
  await expect.poll(async () => (await linkText.textContent()) !== before).toBe(true);
  return (await linkText.textContent())!.trim();
}

describe.skipIf(missing !== undefined)('digital ID in the browser: the one trip', () => {
  scene = withConsortium(ORG);
  beforeAll(() => {
    base = scene.base;
  });

  it('resident consents once → the desk shows verified eligibility → consent and checks are on the ledger and in the resident\'s uses', async () => {
    // the desk: property staff registering owners for the owners' meeting (residence + property ownership)
    const desk = await open('en-GB', DESK_SMALL);
    await signIn(desk, 'li.staff');
    await desk.getByTestId('nav-/desk').click();
    const link = await startDesk(desk, en['service.owners-meeting']);
    const url = new URL(link);
    expect(url.searchParams.get('session')).toMatch(/^ses_[0-9a-f]{32}$/);
    expect(await desk.getByTestId('desk-status').getAttribute('data-eligible')).toBe('false');
    await shot(desk, '11-desk-waiting');

    // the resident, on a phone: the wallet shows the seeded credentials; the desk's link opens the request
    const resident = await open('zh-CN', PHONE);
    await signIn(resident, 'resident1');
    await resident.goto(`${base}/wallet`);
    await expect.poll(() => resident.getByTestId('credential').count(), { timeout: 15_000 }).toBe(2);
    await resident.getByTestId('desk-link').fill(link);
    await resident.getByTestId('open-desk-link').click();
    await resident.getByTestId('present-page').waitFor();
    await expect.poll(() => resident.getByTestId('requirement').count()).toBe(2);
    // what leaves the wallet is listed; the ID number is not among it
    const asked = (await resident.getByTestId('requirement').allTextContents()).join('\n');
    expect(asked).toContain(zh['claim.unit']);
    expect(asked).toContain(zh['claim.building']);
    expect(asked).not.toContain(zh['claim.idNumber']);
    expect(asked).not.toContain(zh['claim.birthDate']);
    await shot(resident, '12-resident-consent');
    await resident.getByTestId('consent-share').click();
    await expect.poll(() => resident.getByTestId('present-result').getAttribute('data-eligible'), { timeout: 30_000 }).toBe('true');
    await shot(resident, '13-resident-shared');

    // the desk sees it without doing anything: eligible, the disclosed claims, every check valid
    await expect.poll(() => desk.getByTestId('desk-status').getAttribute('data-eligible'), { timeout: 15_000 }).toBe('true');
    expect(await desk.getByTestId('desk-status').getAttribute('data-consented')).toBe('true');
    expect(await desk.locator('[data-testid=desk-attempt][data-result=valid]').count()).toBe(2);
    expect((await desk.getByTestId('disclosed-unit').first().textContent())!.length).toBeGreaterThan(0);
    expect(await desk.getByTestId('disclosed-idNumber').count()).toBe(0);
    await shot(desk, '14-desk-eligible');

    // on the ledger: the consent and both verifications carry proof bundles that verify with the genesis alone
    const token = await apiLogin(base, ORG, 'resident1');
    const genesis = await (await fetch(`${base}/v1/genesis`)).json();
    const uses = await api<{ consents: { session: string; proof: unknown }[]; verifications: { session: string; result: string; proof: unknown }[] }>(token, '/v1/me/identity/uses');
    const session = url.searchParams.get('session');
    const consent = uses.consents.find((c) => c.session === session);
    expect(consent).toBeDefined();
    expect(verifyBundle(consent!.proof, genesis).txHash).toMatch(/^[0-9a-f]{64}$/);
    const checks = uses.verifications.filter((v) => v.session === session);
    expect(checks.map((v) => v.result)).toEqual(['valid', 'valid']);
    for (const v of checks) expect(verifyBundle(v.proof, genesis).height).toBeGreaterThan(0);

    // and in the resident's own list in the wallet
    await resident.goto(`${base}/wallet`);
    // (the demo seed's own desk visit for resident1 is there too: one consent and two checks more)
    const seeded = uses.consents.length - 1;
    expect(seeded).toBeGreaterThanOrEqual(0);
    await expect.poll(() => resident.getByTestId('use-consent').count(), { timeout: 15_000 }).toBe(1 + seeded);
    expect(await resident.locator('[data-testid=use-verification][data-result=valid]').count()).toBe(2 * (1 + seeded));
    await shot(resident, '15-resident-uses');

    // the same link again: the session has its consent; the desk's nonce cannot be replayed
    const again = await fetch(`${base}/v1/identity/sessions/${session}/presentations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ presentations: ['not-a-presentation'] }) });
    expect(again.status).toBeGreaterThanOrEqual(400);
  }, 180_000);

  it('a credential issued live: the holder key is made in the browser, and the presentation signed there verifies at the desk', async () => {
    // resident2 has a residence credential but no property ownership: staff issue one; the offer waits in the wallet
    const staff = await apiLogin(base, ORG, 'li.staff');
    const resident2 = await apiLogin(base, ORG, 'resident2');
    const before = await api<{ credentials: { type: string; claims: Record<string, string> }[] }>(resident2, '/v1/me/identity/credentials');
    expect(before.credentials.map((c) => c.type)).toEqual(['residence']);
    // the issuer writes the owner's real name and ID number (a wallet takes only credentials about its own holder)
    const who = before.credentials[0]!.claims;
    const me = await api<{ subject: string }>(resident2, '/v1/me/identity/uses');

    const page = await open('en-GB', PHONE);
    await signIn(page, 'resident2');

    // first the desk: without the ownership credential the resident is told what is missing; nothing can be shared
    const desk = await open('en-GB', DESK_SMALL);
    await signIn(desk, 'li.staff');
    await desk.goto(`${base}/desk`);
    const early = await startDesk(desk, en['service.owners-meeting']);
    await page.goto(`${base}/wallet`);
    await page.getByTestId('desk-link').fill(early);
    await page.getByTestId('open-desk-link').click();
    await expect.poll(() => page.getByTestId('requirement').count()).toBe(2);
    expect(await page.getByTestId('consent-share').isDisabled()).toBe(true);
    await shot(page, '16-resident-missing-credential');

    const offer = await api<{ offer: string }>(staff, '/v1/identity/offers', {
      type: 'property-ownership', subject: me.subject,
      claims: { name: who.name, idNumber: who.idNumber, building: 'b2', unit: '2-302', certificateNumber: 'B2-2302-2026', share: 'joint' },
    });
    expect(offer.offer).toMatch(/^off_/);
    await page.goto(`${base}/wallet`);
    await page.getByTestId('accept-offer').click();
    await expect.poll(() => page.getByTestId('credential').count(), { timeout: 15_000 }).toBe(2);
    // bound to a key in this browser (IndexedDB), which the node does not hold
    const keys = await page.evaluate(() => new Promise<number>((resolve, reject) => {
      const r = indexedDB.open('machi-wallet');
      r.onerror = () => reject(r.error);
      r.onsuccess = () => {
        const c = r.result.transaction('holder-keys').objectStore('holder-keys').count();
        c.onsuccess = () => resolve(c.result);
      };
    }));
    expect(keys).toBe(1);
    const wallet = await api<{ credentials: { type: string; demoHolderKey: boolean; id: string }[] }>(resident2, '/v1/me/identity/credentials');
    const fresh = wallet.credentials.find((c) => c.type === 'property-ownership')!;
    expect(fresh.demoHolderKey).toBe(false);
    await shot(page, '17-resident-wallet-accepted');

    // now the whole service: residence (demo key, presented by the node) + ownership (presented in this page)
    const link = await startDesk(desk, en['service.owners-meeting']);
    await page.getByTestId('desk-link').fill(link);
    await page.getByTestId('open-desk-link').click();
    await page.getByTestId('present-page').waitFor();
    await page.getByTestId('consent-share').click();
    await expect.poll(() => page.getByTestId('present-result').getAttribute('data-eligible'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => desk.getByTestId('desk-status').getAttribute('data-eligible'), { timeout: 15_000 }).toBe('true');
    expect(await desk.getByTestId('disclosed-share').textContent()).toBe('joint');
    const session = new URL(link).searchParams.get('session');
    const uses = await api<{ verifications: { session: string; type: string; result: string }[] }>(resident2, '/v1/me/identity/uses');
    expect(uses.verifications.filter((v) => v.session === session).map((v) => `${v.type}:${v.result}`).sort()).toEqual(['property-ownership:valid', 'residence:valid']);
    await shot(desk, '18-desk-eligible-device-key');

    // the issuer revokes it (the owner sold the unit): on the ledger and in its status list at once
    await desk.goto(`${base}/issue`);
    const row = desk.locator(`[data-testid=issued-row][data-hash="${(await api<{ credentials: { id: string; credentialHash: string }[] }>(resident2, '/v1/me/identity/credentials')).credentials.find((c) => c.id === fresh.id)!.credentialHash}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('valid');
    await choose(desk, 'revoke-reason', en['statusReason.moved-away'], row);
    await row.getByTestId('revoke').click();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('revoked');
    await shot(desk, '18b-issuer-revoked');
    await page.goto(`${base}/wallet`);
    await expect.poll(() => page.locator('[data-testid=credential][data-type=property-ownership]').getAttribute('data-status'), { timeout: 15_000 }).toBe('revoked');
    // a revoked credential is not offered to a desk again
    const next = await startDesk(await (async () => { await desk.goto(`${base}/desk`); return desk; })(), en['service.owners-meeting']);
    await page.getByTestId('desk-link').fill(next);
    await page.getByTestId('open-desk-link').click();
    await expect.poll(() => page.getByTestId('requirement').count()).toBe(2);
    expect(await page.getByTestId('consent-share').isDisabled()).toBe(true);
  }, 180_000);

  it('across organisations: the street office issues an elderly credential at its counter, then its desk verifies residence + age in one trip', async () => {
    const street = scene.net.urls['street-office']!;
    // resident3 of the demo community was born in 1945
    const r3 = await apiLogin(base, ORG, 'resident3');
    const residence = (await api<{ credentials: { type: string; claims: Record<string, string> }[] }>(r3, '/v1/me/identity/credentials')).credentials.find((c) => c.type === 'residence')!;

    // 1. the official issues at the street office's own node: the form is built from the catalogue
    const official = await open('en-GB', DESK_SMALL);
    await signIn(official, 'zhou.official', street);
    await official.getByTestId('nav-/issue').click();
    // a yes/no claim (the catalogue's kind `boolean`) is a checkbox, not a text box
    await choose(official, 'issue-type', en['credential.low-income']);
    expect(await official.locator('input[type=checkbox][data-testid=claim-eligible], [data-testid=claim-eligible] input[type=checkbox]').count()).toBe(1);
    await choose(official, 'issue-type', en['credential.elderly']);
    await official.getByTestId('claim-name').fill(residence.claims.name!);
    await official.getByTestId('claim-idNumber').fill(residence.claims.idNumber!);
    // the date of birth fills itself from the ID number
    expect(await official.getByTestId('claim-birthDate').inputValue()).toBe(`${residence.claims.idNumber!.slice(6, 10)}-${residence.claims.idNumber!.slice(10, 12)}-${residence.claims.idNumber!.slice(12, 14)}`);
    await official.getByTestId('issue-submit').click();
    await official.locator('[data-testid=issue-result],[data-testid=error]').first().waitFor({ timeout: 20_000 });
    expect(await official.getByTestId('error').allTextContents()).toEqual([]);
    const offerLink = (await official.getByTestId('issue-link').textContent())!.trim();
    expect(new URL(offerLink).origin).toBe(street);
    await shot(official, '19-official-issued');

    // 2. the resident picks it up from their wallet on the property company's node (key made in the browser)
    const resident = await open('zh-CN', PHONE);
    await signIn(resident, 'resident3');
    await resident.goto(`${base}/wallet`);
    await resident.getByTestId('desk-link').fill(offerLink);
    await resident.getByTestId('open-desk-link').click();
    await resident.getByTestId('redeem-accept').click();
    await expect.poll(() => resident.locator('[data-testid=credential][data-type=elderly]').count(), { timeout: 20_000 }).toBe(1);
    expect(await resident.locator('[data-testid=credential][data-type=elderly]').textContent()).toContain('✓'); // aged 60 or over, derived by the issuer

    // 3. the street office's desk: elderly subsidy; the resident answers from their own node, across origins
    await official.getByTestId('nav-/desk').click();
    const link = await startDesk(official, en['service.elderly-subsidy']);
    await resident.getByTestId('desk-link').fill(link);
    await resident.getByTestId('open-desk-link').click();
    await expect.poll(() => resident.getByTestId('requirement').count()).toBe(2);
    await resident.getByTestId('consent-share').click();
    await expect.poll(() => resident.getByTestId('present-result').getAttribute('data-eligible'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => official.getByTestId('desk-status').getAttribute('data-eligible'), { timeout: 20_000 }).toBe('true');
    expect(await official.getByTestId('disclosed-age60OrOver').textContent()).toBe('✓');
    expect(await official.getByTestId('disclosed-birthDate').count()).toBe(0);
    expect(await official.getByTestId('disclosed-idNumber').count()).toBe(0);
    await shot(official, '20-street-office-desk-eligible');

    // 4. the resident's record of uses of their personal data names the street office (a privacy access record)
    const uses = await api<unknown>(r3, '/v1/me/uses');
    expect(JSON.stringify(uses)).toContain('street-office');
    expect(JSON.stringify(uses)).toContain('identity-verification');
    // …and the resident sees it in "who used my data", each entry verified in the browser
    await resident.goto(`${base}/my-data`);
    await expect.poll(() => resident.getByTestId('data-use').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const uses3 = resident.getByTestId('data-use').filter({ hasText: zh['org.street-office'] });
    expect(await uses3.count()).toBeGreaterThan(0);
    await expect.poll(() => uses3.first().getByTestId('mark').getAttribute('data-state'), { timeout: 15_000 }).toBe('verified');
    await shot(resident, '21-resident-who-used-my-data');

    // an API that hides the real purpose is caught by the same check
    const tampered = await open('en-GB', PHONE);
    await tampered.route('**/v1/me/uses', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { uses: { record: { purpose: string } }[] };
      for (const u of body.uses) u.record.purpose = 'emergency';
      await route.fulfill({ response: res, json: body });
    });
    await signIn(tampered, 'resident3');
    await tampered.goto(`${base}/my-data`);
    await expect.poll(() => tampered.locator('[data-testid=mark][data-state=failed]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await tampered.locator('[data-testid=mark][data-state=verified]').count()).toBe(0);
  }, 180_000);
});
