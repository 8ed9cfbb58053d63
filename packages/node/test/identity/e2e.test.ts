/**
 * Digital ID on a real consortium: two `machi start --demo` processes (street office, property company) from one
 * `machi genesis`, over HTTP only. The property company seeds demo credentials into its residents' wallets; the street
 * office issues a low-income credential to resident 1 (whose record it reads under the demo grant), the resident's
 * wallet redeems it at the street office and keeps it at home; then the one trip: the street office's desk starts a
 * low-income subsidy session, the resident consents once at home (a grant to the desk and the consent, on the
 * ledger), both presentations go to the desk, which answers eligible — and the resident sees both uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/auth/demo.js';
import { startConsortium, type CallOptions, type Consortium } from '../support/consortium.js';
import { TestWallet } from './helpers.js';

const ORGS = ['street-office', 'property-company'] as const;
type Org = (typeof ORGS)[number];

let c: Consortium;
const call = (org: Org, method: string, path: string, opts: CallOptions = {}): Promise<{ status: number; json: any }> => c.call(org, method, path, opts);
const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> => c.until(what, check, timeoutMs, 200);

async function login(org: Org, username: string): Promise<string> {
  const r = await call(org, 'POST', '/v1/auth/login', { body: { org, username, password: DEMO_PASSWORD } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.token as string;
}

beforeAll(async () => {
  c = await startConsortium({ orgs: ORGS, demo: true, name: 'identity-e2e', ready: { 'property-company': /demo digital ID: \d+ credentials/ } });
}, 120_000);

afterAll(async () => {
  await c?.stop();
});

describe('digital ID across organisations', () => {
  it('issue at one organisation, keep at home, one trip at the first one\'s desk', async () => {
    const resident = await login('property-company', 'resident1');
    const official = await login('street-office', 'zhou.official');

    // the seeded wallet
    const seeded = await call('property-company', 'GET', '/v1/me/identity/credentials', { token: resident });
    const residence = seeded.json.credentials.find((c: { type: string }) => c.type === 'residence');
    expect(residence).toMatchObject({ issuer: 'property-company', status: 'valid', demoHolderKey: true });

    // the street office reads what it needs under the demo grant, and issues a low-income credential
    const subject = (await call('property-company', 'GET', '/v1/me/uses', { token: resident })).json.subject as string;
    const rec = await call('street-office', 'GET', `/v1/subjects/${subject}?purpose=welfare-assessment&fields=name,idNumber`, { token: official });
    expect(rec.status, JSON.stringify(rec.json)).toBe(200);
    const offer = await call('street-office', 'POST', '/v1/identity/offers', {
      token: official,
      body: { type: 'low-income', claims: { name: rec.json.fields.name, idNumber: rec.json.fields.idNumber, eligible: true, category: 'minimum-living', validFrom: '2026-01-01' } },
    });
    expect(offer.status, JSON.stringify(offer.json)).toBe(201);

    // the wallet (a key of its own) redeems the offer at the street office and keeps the credential at home
    const wallet = await TestWallet.create();
    const got = await call('street-office', 'POST', `/v1/identity/offers/${offer.json.offer}/redeem`, { body: { code: offer.json.code, holderJwk: wallet.holderJwk } });
    expect(got.status, JSON.stringify(got.json)).toBe(200);
    const kept = await call('property-company', 'POST', '/v1/me/identity/credentials', { token: resident, body: { credential: got.json.credential } });
    expect(kept.status, JSON.stringify(kept.json)).toBe(201);
    expect(kept.json).toMatchObject({ type: 'low-income', issuer: 'street-office', status: 'valid' });

    // one trip: session at the street office's desk, one consent at home, presentations to the desk
    const ses = await call('street-office', 'POST', '/v1/identity/sessions', { token: official, body: { service: 'low-income-subsidy' } });
    expect(ses.status, JSON.stringify(ses.json)).toBe(201);
    const { session, nonce, audience } = ses.json as { session: string; nonce: string; audience: string };
    const view = await call('property-company', 'GET', `/v1/identity/sessions/${session}`);
    expect(view.json).toMatchObject({ deskOrg: 'street-office', service: 'low-income-subsidy' });
    const consent = await call('property-company', 'POST', '/v1/me/identity/consents', { token: resident, body: { session, nonce } });
    expect(consent.status, JSON.stringify(consent.json)).toBe(201);
    expect(consent.json.grant).toMatch(/^gr_/);
    // an unchanged client sends no credential list: the node named the wallet's residence and low-income credentials
    expect(consent.json.credentials).toEqual([residence.id, kept.json.id]);

    const p1 = await call('property-company', 'POST', `/v1/me/identity/credentials/${residence.id}/present`, { token: resident, body: { session, nonce } });
    expect(p1.status, JSON.stringify(p1.json)).toBe(200);
    const p2 = await wallet.present(got.json.credential, ['name', 'category', 'eligible'], { nonce, aud: audience, iatS: Math.floor(Date.now() / 1000) });
    const answer = await call('street-office', 'POST', `/v1/identity/sessions/${session}/presentations`, { body: { presentations: [p1.json.presentation, p2] } });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json.eligible).toBe(true);

    const desk = await call('street-office', 'GET', `/v1/identity/sessions/${session}/desk`, { token: official });
    expect(desk.json).toMatchObject({ eligible: true, disclosed: { 'low-income': { eligible: true, category: 'minimum-living' } } });

    // the resident sees the consent, both verifications, and two access records by the street office
    await until('the verifications to reach the resident\'s node', async () => {
      const uses = await call('property-company', 'GET', '/v1/me/identity/uses', { token: resident });
      return uses.json.consents.some((c: { session: string; verifications: unknown[] }) => c.session === session && c.verifications.length === 2);
    }, 10_000);
    const uses = await call('property-company', 'GET', '/v1/me/uses', { token: resident });
    const byDesk = uses.json.uses.filter((u: { record: { org: string; purpose: string; reason: string } }) => u.record.org === 'street-office' && u.record.purpose === 'identity-verification');
    expect(byDesk).toHaveLength(2);
    expect(byDesk.every((u: { record: { reason: string; grant: string } }) => u.record.reason === 'grant' && u.record.grant === consent.json.grant)).toBe(true);
  }, 120_000);

  it('a consent to another organisation\'s desk grants exactly the fields the service needs: the desk reads the name, not the ID number, birth date or unit', async () => {
    const resident = await login('property-company', 'resident1');
    const official = await login('street-office', 'zhou.official');
    const subject = (await call('property-company', 'GET', '/v1/me/uses', { token: resident })).json.subject as string;
    const ses = await call('street-office', 'POST', '/v1/identity/sessions', { token: official, body: { service: 'elderly-subsidy' } });
    expect(ses.status, JSON.stringify(ses.json)).toBe(201);
    const { session, nonce } = ses.json as { session: string; nonce: string };
    await until('the session to reach the resident\'s node', async () => (await call('property-company', 'GET', `/v1/identity/sessions/${session}`)).status === 200, 10_000);
    // the resident holds no elderly credential: the consent names the residence credential it will present
    const seeded = await call('property-company', 'GET', '/v1/me/identity/credentials', { token: resident });
    const residence = seeded.json.credentials.find((c: { type: string }) => c.type === 'residence');
    const consent = await call('property-company', 'POST', '/v1/me/identity/consents', { token: resident, body: { session, nonce, credentials: [residence.id] } });
    expect(consent.status, JSON.stringify(consent.json)).toBe(201);
    expect(consent.json.grant).toMatch(/^gr_/);

    const read = (fields: string) => call('street-office', 'GET', `/v1/subjects/${subject}?purpose=identity-verification&fields=${fields}`, { token: official });
    await until('the grant to reach the desk', async () => (await read('name')).status === 200, 10_000);
    const name = await read('name');
    expect(name.json.fields, JSON.stringify(name.json)).toHaveProperty('name');
    expect(name.json).toMatchObject({ decision: 'allowed', reason: 'grant' });
    for (const field of ['idNumber', 'birthDate', 'unit', 'name,idNumber']) {
      const r = await read(field);
      expect(r.status, `${field}: ${JSON.stringify(r.json)}`).toBe(403);
      expect(r.json.code).toBe('ACCESS_DENIED');
      expect(r.json.message).toContain('no-grant');
    }
    // each denial is recorded: the resident sees them
    await until('the denials to reach the resident\'s node', async () => {
      const uses = await call('property-company', 'GET', '/v1/me/uses', { token: resident });
      return uses.json.uses.filter((u: { record: { org: string; purpose: string; decision: string } }) => u.record.org === 'street-office' && u.record.purpose === 'identity-verification' && u.record.decision === 'denied').length >= 4;
    }, 10_000);
    const uses = await call('property-company', 'GET', '/v1/me/uses', { token: resident });
    const denied = uses.json.uses.filter((u: { record: { org: string; purpose: string; decision: string } }) => u.record.org === 'street-office' && u.record.purpose === 'identity-verification' && u.record.decision === 'denied');
    expect(denied.map((u: { record: { fields: string[]; reason: string } }) => `${u.record.fields.join(',')}:${u.record.reason}`).sort()).toEqual(['birthDate:no-grant', 'idNumber:no-grant', 'name,idNumber:no-grant', 'unit:no-grant']);
  }, 60_000);
});
