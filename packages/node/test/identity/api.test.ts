/**
 * The digital-ID API on one node: the "one trip" flow (desk session → the resident consents once → presentations →
 * verified eligibility, with the consent and every verification on the ledger and in the resident's uses), and each
 * bad input rejected with its precise reason, recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { IDENTITY_SESSION_ATTEMPTS_MAX, identityCatalogueSchema, sessionRecord, verificationsOfSession, type VerificationRecord } from '@machi/core';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest } from '@sd-jwt/crypto-nodejs';
import { PRESENTATIONS_PER_IP_PER_MINUTE } from '../../src/modules/identity/routes.js';
import { SESSION_VIEW_CATCH_UP_MS_MAX } from '../../src/modules/identity/service.js';
import { TestWallet, call, elderlyClaims, identityServer, issue, nowS, residenceClaims, type IdentityServer } from './helpers.js';

let s: IdentityServer;
const AUD = 'did:machi:machi-identity-test:street-office';

beforeAll(async () => {
  s = await identityServer();
});
afterAll(async () => s.close());

interface Session {
  session: string;
  nonce: string;
  audience: string;
}

async function openSession(service = 'elderly-subsidy'): Promise<Session> {
  const r = await call(s, 'zhou.official', 'POST', '/v1/identity/sessions', { service });
  expect(r.status, r.body).toBe(201);
  return r.json as Session;
}

/** The resident consents, naming the wallet credentials they will present (else the node picks one per type). */
async function consent(who: string, ses: Session, credentials?: string[]) {
  const r = await call(s, who, 'POST', '/v1/me/identity/consents', { session: ses.session, nonce: ses.nonce, ...(credentials === undefined ? {} : { credentials }) });
  expect(r.status, r.body).toBe(201);
  return r.json;
}

/** The desk's ledger record of a session's attempts. */
const attempts = (session: string): VerificationRecord[] => verificationsOfSession((k) => s.store.read(k), (p, l) => s.store.scan(p, l), session);

const present = (ses: Session, presentations: string[]) => call(s, undefined, 'POST', `/v1/identity/sessions/${ses.session}/presentations`, { presentations });

/** Keeps a credential in a resident's wallet on the node; its wallet id. */
async function keep(who: string, credential: string): Promise<string> {
  const r = await call(s, who, 'POST', '/v1/me/identity/credentials', { credential });
  expect(r.status, r.body).toBe(201);
  return r.json.id as string;
}

/** A wallet with resident 1's residence and elderly credentials (also kept on the node: `ids`, for the consent). */
async function residentOne() {
  const wallet = await TestWallet.create();
  const residence = await issue(s, wallet, 'residence', residenceClaims('resident1'), { subject: s.subjects.get('resident1') });
  const elderly = await issue(s, wallet, 'elderly', elderlyClaims('resident1'));
  const ids = [await keep('resident1', residence.credential), await keep('resident1', elderly.credential)];
  return { wallet, residence, elderly, ids };
}

async function answers(w: Awaited<ReturnType<typeof residentOne>>, ses: Session, over: { aud?: string; nonce?: string } = {}) {
  const kb = { nonce: over.nonce ?? ses.nonce, aud: over.aud ?? ses.audience, iatS: nowS(s) };
  return [
    await w.wallet.present(w.residence.credential, ['community', 'building'], kb),
    await w.wallet.present(w.elderly.credential, ['name', 'age60OrOver'], kb),
  ];
}

describe('the one-trip desk', () => {
  it('session → one consent → both presentations verified in one step; consent and uses on the ledger', async () => {
    const w = await residentOne();
    const ses = await openSession();
    expect(ses.audience).toBe(AUD);
    const view = await call(s, undefined, 'GET', `/v1/identity/sessions/${ses.session}`);
    expect(view.json).toMatchObject({ service: 'elderly-subsidy', deskOrg: 'street-office', consented: false, requirements: [{ type: 'residence', disclose: ['community', 'building'] }, { type: 'elderly', disclose: ['name', 'age60OrOver'], require: { age60OrOver: true } }] });
    expect(view.json).not.toHaveProperty('nonce');
    expect(view.headers['access-control-allow-origin']).toBe('*');

    const c = await consent('resident1', ses, w.ids);
    expect(c).toMatchObject({ consented: true, subject: s.subjects.get('resident1') });
    expect(c).not.toHaveProperty('grant'); // the desk is the holder here
    expect((await call(s, 'resident1', 'POST', '/v1/me/identity/consents', { session: ses.session, nonce: ses.nonce })).json.code).toBe('CONSENT_INVALID'); // once

    const r = await present(ses, await answers(w, ses));
    expect(r.status, r.body).toBe(200);
    expect(r.json).toMatchObject({ eligible: true, results: [{ type: 'residence', result: 'valid', reason: 'ok' }, { type: 'elderly', result: 'valid', reason: 'ok' }] });

    const desk = await call(s, 'zhou.official', 'GET', `/v1/identity/sessions/${ses.session}/desk`);
    expect(desk.json).toMatchObject({ eligible: true, complete: true, disclosed: { residence: { community: '幸福里小区', building: '1号楼' }, elderly: { name: '王秀英', age60OrOver: true } } });
    expect(desk.json.disclosed.elderly).not.toHaveProperty('birthDate');
    expect(desk.json.disclosed.elderly).not.toHaveProperty('idNumber');

    // the resident's identity uses: the consent and both verifications, with proofs
    const uses = await call(s, 'resident1', 'GET', '/v1/me/identity/uses');
    const mine = uses.json.consents.find((x: { session: string }) => x.session === ses.session);
    expect(mine.verifications.map((v: VerificationRecord) => v.reason)).toEqual(['ok', 'ok']);
    expect(mine.proof).toBeTruthy();
    // ... and the privacy module's list of uses: an access record per verified presentation
    const privacyUses = await call(s, 'resident1', 'GET', '/v1/me/uses');
    const idv = privacyUses.json.uses.filter((u: { record: { purpose: string; org: string } }) => u.record.purpose === 'identity-verification' && u.record.org === 'street-office' && u.record.role === 'official');
    expect(idv.map((u: { record: { fields: string[] } }) => u.record.fields).sort()).toEqual([['building'], ['name']]);

    // nothing personal on the ledger
    const ledger = s.store.txRange(0, s.store.logSize()).map((t) => t.body).filter((b) => b.includes('"identity.'));
    for (const needle of ['王秀英', '310115195005021237', '1950-05-02', '幸福里小区']) expect(ledger.join('\n')).not.toContain(needle);

    // the same nonce again: replayed
    const again = await present(ses, await answers(w, ses));
    expect(again.json.code).toBe('PRESENTATION_REPLAYED');
    expect(attempts(ses.session).at(-1)?.reason).toBe('replayed-nonce');
  });

  it('rejects without consent, without a ledger record and without using up an attempt', async () => {
    const w = await residentOne();
    const ses = await openSession();
    const height = s.store.logSize();
    const r = await present(ses, await answers(w, ses));
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('CONSENT_MISSING');
    expect(r.json.message).toContain('not recorded');
    expect(attempts(ses.session)).toEqual([]);
    expect(s.store.logSize()).toBe(height);
    expect(sessionRecord((k) => s.store.read(k), ses.session)?.attempts).toBe(0);
  });

  it('junk, a foreign issuer and a forged signature are answered with their code but never recorded, so they cannot close the session', async () => {
    const w = await residentOne();
    const ses = await openSession();
    await consent('resident1', ses, w.ids);
    const height = s.store.logSize();
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { jti: 'urn:machi:credential:x', exp: nowS(s) + 3600, vct: 'urn:machi:vct:residence' };
    const foreign = `${b64({ alg: 'EdDSA', typ: 'dc+sd-jwt' })}.${b64({ ...claims, iss: 'did:web:evil.example' })}.${'A'.repeat(86)}~`;
    const forged = `${b64({ alg: 'EdDSA', typ: 'dc+sd-jwt' })}.${b64({ ...claims, iss: AUD })}.${'A'.repeat(86)}~`;
    const cases: [string[], string, string][] = [
      [['junk'], 'PRESENTATION_MALFORMED', 'malformed'],
      [[foreign], 'PRESENTATION_UNTRUSTED', 'unknown-issuer'],
      [[forged], 'PRESENTATION_TAMPERED', 'bad-signature'],
    ];
    for (const [presentations, code, reason] of cases) {
      const r = await present(ses, presentations);
      expect(r.json.code, r.body).toBe(code);
      expect(r.json.message).toContain(reason);
      expect(r.json.message).toContain('not recorded');
    }
    // more junk than the session's 20 attempts
    for (let i = 0; i < 3; i++) expect((await present(ses, Array.from({ length: 8 }, (_, j) => `junk-${i}-${j}`))).json.code).toBe('PRESENTATION_MALFORMED');
    expect(s.store.logSize()).toBe(height);
    expect(attempts(ses.session)).toEqual([]);
    // the resident's honest answer still works
    const ok = await present(ses, await answers(w, ses));
    expect(ok.json, ok.body).toMatchObject({ eligible: true });
  });

  it('rate-limits the public presentations route per client address', async () => {
    const url = `/v1/identity/sessions/ses_${'0'.repeat(32)}/presentations`;
    const from = (addr: string) => call(s, undefined, 'POST', url, { presentations: ['junk'] }, addr);
    for (let i = 0; i < PRESENTATIONS_PER_IP_PER_MINUTE; i++) expect((await from('192.0.2.7')).json.code).toBe('SESSION_NOT_FOUND');
    const over = await from('192.0.2.7');
    expect(over.status).toBe(429);
    expect(over.json.code).toBe('PRESENTATIONS_RATE_LIMITED');
    expect(over.headers['access-control-allow-origin']).toBe('*');
    expect((await from('192.0.2.8')).json.code).toBe('SESSION_NOT_FOUND'); // another address has its own budget
  });

  it('an unknown session id is answered quickly, not after the 5 s ledger wait', async () => {
    const t0 = Date.now();
    const r = await call(s, undefined, 'GET', `/v1/identity/sessions/ses_${'1'.repeat(32)}`);
    expect(r.json.code).toBe('SESSION_NOT_FOUND');
    expect(Date.now() - t0).toBeLessThan(SESSION_VIEW_CATCH_UP_MS_MAX + 500);
  });

  it('wrong audience, wrong nonce, tampered disclosure, a stranger\'s key, no key binding: each its reason, answered, not counted as attempts; too little disclosed is recorded', async () => {
    const w = await residentOne();
    const ses = await openSession();
    await consent('resident1', ses, w.ids);
    const check = async (presentations: string[], code: string, reason: string, recordedToo = true) => {
      const before = attempts(ses.session).length;
      const r = await present(ses, presentations);
      expect(r.json.code, r.body).toBe(code);
      expect(r.json.message).toContain(reason);
      const recorded = attempts(ses.session).slice(before);
      if (recordedToo) expect(recorded[0]).toMatchObject({ result: 'invalid', reason, verifierOrg: 'street-office' });
      else expect(recorded).toEqual([]);
    };
    const [res] = await answers(w, ses, { aud: 'did:machi:machi-identity-test:police' });
    await check([res!], 'PRESENTATION_WRONG_AUDIENCE', 'wrong-audience', false);
    const [res2] = await answers(w, ses, { nonce: 'a-nonce-from-another-session' });
    // until the key binding is the holder's, for this desk, this session's nonce and fresh, nothing counts toward the
    // session's attempts (issue 11.5: a forged key binding with the nonce from the desk's QR code spent them)
    await check([res2!], 'PRESENTATION_WRONG_NONCE', 'wrong-nonce', false);

    // tamper a disclosure in the presentation: its digest is not one the issuer signed
    const honest = await w.wallet.present(w.residence.credential, ['community', 'building'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) });
    const tampered = honest.split('~').map((d, i, all) => {
      if (i === 0 || i === all.length - 1) return d;
      const [salt, name, value] = JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as [string, string, unknown];
      return name === 'building' ? Buffer.from(JSON.stringify([salt, name, `${String(value)}X`])).toString('base64url') : d;
    }).join('~');
    expect(tampered).not.toBe(honest);
    await check([tampered], 'PRESENTATION_TAMPERED', 'tampered-disclosure', false);

    // someone who stole the credential but not the key signs the KB-JWT with their own key
    const thief = await TestWallet.create();
    await check([await thief.present(w.residence.credential, ['community', 'building'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) })], 'KEY_BINDING_INVALID', 'bad-key-binding', false);
    // a credential without its KB-JWT
    await check([w.residence.credential], 'KEY_BINDING_INVALID', 'missing-key-binding', false);
    // too little disclosed
    await check([await w.wallet.present(w.residence.credential, ['community'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) })], 'PRESENTATION_INCOMPLETE', 'missing-claims');

    // after all that, the honest answer still works
    const ok = await present(ses, await answers(w, ses));
    expect(ok.json.eligible, ok.body).toBe(true);
  });

  it('suspended and revoked credentials are rejected with their reason; a reinstated one passes', async () => {
    const w = await residentOne();
    const setStatus = async (status: string, reason: string) => {
      const r = await call(s, 'zhou.official', 'POST', `/v1/identity/credentials/${w.elderly.credentialHash}/status`, { status, reason });
      expect(r.status, r.body).toBe(200);
    };
    await setStatus('suspended', 'under-review');
    const ses = await openSession();
    await consent('resident1', ses, w.ids);
    let r = await present(ses, await answers(w, ses));
    expect(r.json.code).toBe('CREDENTIAL_SUSPENDED');
    expect(attempts(ses.session).map((a) => a.reason)).toEqual(['ok', 'suspended']);

    await setStatus('valid', 'reinstated');
    r = await present(ses, [(await answers(w, ses))[1]!]);
    expect(r.json, r.body).toMatchObject({ eligible: true });

    await setStatus('revoked', 'data-changed');
    const ses2 = await openSession();
    await consent('resident1', ses2, w.ids);
    r = await present(ses2, await answers(w, ses2));
    expect(r.json.code).toBe('CREDENTIAL_REVOKED');
    expect(attempts(ses2.session).at(-1)?.reason).toBe('revoked');
    // revocation is final
    const back = await call(s, 'zhou.official', 'POST', `/v1/identity/credentials/${w.elderly.credentialHash}/status`, { status: 'valid', reason: 'reinstated' });
    expect(back.json.code).toBe('STATUS_CHANGE_INVALID');
    expect(back.json.message).toMatch(/recorded in tx [0-9a-f]{64}/);
  });

  it('over-disclosure is refused and recorded: the desk neither keeps nor shows nor records claims it did not ask for', async () => {
    const w = await residentOne();
    const ses = await openSession();
    await consent('resident1', ses, w.ids);
    const kb = { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) };
    const r = await present(ses, [await w.wallet.present(w.elderly.credential, ['name', 'age60OrOver', 'idNumber', 'birthDate'], kb)]);
    expect(r.json.code, r.body).toBe('PRESENTATION_OVER_DISCLOSED');
    expect(r.json.message).toContain('idNumber');
    expect(attempts(ses.session).map((a) => a.reason)).toEqual(['over-disclosed']);
    const desk = await call(s, 'zhou.official', 'GET', `/v1/identity/sessions/${ses.session}/desk`);
    expect(desk.json.disclosed).toEqual({});
    expect(desk.body).not.toContain('310115195005021237');
    // no access record names the over-disclosed fields
    const uses = await call(s, 'resident1', 'GET', '/v1/me/uses');
    expect(uses.json.uses.some((u: { record: { fields: string[] } }) => u.record.fields.includes('idNumber') || u.record.fields.includes('birthDate'))).toBe(false);
    // exactly what is needed passes
    const ok = await present(ses, await answers(w, ses));
    expect(ok.json, ok.body).toMatchObject({ eligible: true });
  });

  it('a credential the consenting resident did not name is refused, not counted as an attempt (another resident\'s own credential and key)', async () => {
    const w = await residentOne();
    const ses = await openSession();
    await consent('resident1', ses, w.ids);
    // resident 2's own residence credential, presented with resident 2's own key, in resident 1's session
    const other = await TestWallet.create();
    const theirs = await issue(s, other, 'residence', residenceClaims('resident2'));
    const r = await present(ses, [await other.present(theirs.credential, ['community', 'building'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) })]);
    expect(r.json.code, r.body).toBe('PRESENTATION_NOT_CONSENTED');
    expect(attempts(ses.session)).toEqual([]);
    expect(await call(s, 'zhou.official', 'GET', `/v1/identity/sessions/${ses.session}/desk`).then((d) => d.json.disclosed)).toEqual({});
    // the consent on the ledger commits to the credentials without naming them
    const rec = sessionRecord((k) => s.store.read(k), ses.session)!;
    expect(rec.consent?.commitments).toHaveLength(2);
    expect(JSON.stringify(rec)).not.toContain(w.residence.credentialHash);
    // resident 1's own credentials pass
    expect((await present(ses, await answers(w, ses))).json).toMatchObject({ eligible: true });
  });

  it('anyone holding a genuine credential, or the resident\'s credential with a forged key binding, cannot spend a session\'s recorded attempts and close it (issue 11.5)', async () => {
    const w = await residentOne();
    const ses = await openSession();
    await consent('resident1', ses, w.ids);
    const other = await TestWallet.create();
    const theirs = await issue(s, other, 'residence', residenceClaims('resident2'));
    for (let i = 0; i < IDENTITY_SESSION_ATTEMPTS_MAX + 5; i++) {
      const r = await present(ses, [await other.present(theirs.credential, ['community', 'building'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) })]);
      expect(r.json.code, r.body).toBe('PRESENTATION_NOT_CONSENTED');
    }
    // the resident's own credential (a desk that once received it has it) with a forged key binding for this nonce
    const honest = await w.wallet.present(w.residence.credential, ['community', 'building'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) });
    const forged = `${honest.slice(0, honest.lastIndexOf('.') + 1)}AAAA`;
    for (let i = 0; i < IDENTITY_SESSION_ATTEMPTS_MAX + 2; i++) expect((await present(ses, [forged])).json.code).toBe('KEY_BINDING_INVALID');
    expect(attempts(ses.session)).toEqual([]);
    // the resident's own answer still goes through
    expect((await present(ses, await answers(w, ses))).json).toMatchObject({ eligible: true });
  });

  it('without a list, the consent names the first valid credential of each type in the wallet; none of a type: refused', async () => {
    const ses = await openSession();
    const c = await consent('resident1', ses);
    const wallet = (await call(s, 'resident1', 'GET', '/v1/me/identity/credentials')).json.credentials as { id: string; type: string; status: string; expiresAt: number }[];
    const first = (type: string) => wallet.find((x) => x.type === type && x.status === 'valid' && x.expiresAt > Date.now())!.id;
    expect(c.credentials).toEqual([first('residence'), first('elderly')]);
    const none = await openSession('disability-subsidy');
    const r = await call(s, 'resident1', 'POST', '/v1/me/identity/consents', { session: none.session, nonce: none.nonce });
    expect(r.json.code, r.body).toBe('CONSENT_INVALID');
    expect(r.json.message).toContain('disability');
    // a named credential must be the resident's own wallet's
    const mine = await openSession();
    const theirs = await call(s, 'resident2', 'GET', '/v1/me/identity/credentials');
    const foreignId = theirs.json.credentials[0]?.id ?? `wc_${'0'.repeat(32)}`;
    expect((await call(s, 'resident1', 'POST', '/v1/me/identity/consents', { session: mine.session, nonce: mine.nonce, credentials: [foreignId] })).json.code).toBe('CONSENT_INVALID');
  });

  it('a stale key-binding JWT is refused, not counted as an attempt (a replayed old answer)', async () => {
    const w = await residentOne();
    const ses = await openSession();
    await consent('resident1', ses, w.ids);
    const old = await w.wallet.present(w.residence.credential, ['community', 'building'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) - 3600 });
    expect((await present(ses, [old])).json.code).toBe('KEY_BINDING_INVALID');
    expect(attempts(ses.session)).toEqual([]);
  });
});

describe('issuing', () => {
  it('refuses a type the organisation may not issue, and the refused attempt is on the ledger', async () => {
    const r = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'vehicle', claims: { name: '王秀英', plate: '沪A12345', vehicleType: 'car', registeredOn: '2020-01-01' } });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('ISSUER_NOT_AUTHORISED');
    const txHash = /recorded in tx ([0-9a-f]{64})/.exec(r.json.message)![1]!;
    const receipt = await call(s, undefined, 'GET', `/v1/txs/${txHash}`);
    expect(receipt.json).toMatchObject({ status: 'committed', code: 'ISSUER_NOT_AUTHORISED' });
    expect(JSON.stringify(receipt.json)).not.toContain('沪A12345');
  });

  it('refuses bad claims (an elderly credential for a 40-year-old), a resident issuing, a bad holder key', async () => {
    expect((await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'elderly', claims: elderlyClaims('resident2') })).json.code).toBe('CREDENTIAL_INVALID');
    expect((await call(s, 'resident1', 'POST', '/v1/identity/offers', { type: 'residence', claims: residenceClaims('resident1') })).json.code).toBe('ACCESS_DENIED');
    const offer = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'residence', claims: residenceClaims('resident2') });
    const bad = await call(s, undefined, 'POST', `/v1/identity/offers/${offer.json.offer}/redeem`, { code: offer.json.code, holderJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } });
    expect(bad.json.code).toBe('CREDENTIAL_INVALID');
    const wrongCode = await call(s, undefined, 'POST', `/v1/identity/offers/${offer.json.offer}/redeem`, { code: 'a'.repeat(32), holderJwk: (await TestWallet.create()).holderJwk });
    expect(wrongCode.json.code).toBe('OFFER_INVALID');
  });

  it('a status change by another organisation is refused by the ledger and recorded', async () => {
    // the police's node would sign it; here the street office's node submits as police cannot — so check the handler
    // through the public receipt of an attempt by this org on a credential it did not issue: none exists on one node,
    // hence the unit tests (packages/core/test/unit/identity) cover STATUS_CHANGE_FORBIDDEN; here: unknown credential.
    const r = await call(s, 'zhou.official', 'POST', `/v1/identity/credentials/${'0'.repeat(64)}/status`, { status: 'revoked', reason: 'moved-away' });
    expect(r.json.code).toBe('CREDENTIAL_NOT_FOUND');
  });
});

describe('the wallet', () => {
  it('an offer to the linked resident is listed and picked up with a demo key; the wallet lists claims and status', async () => {
    const offer = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'residence', claims: residenceClaims('resident2'), subject: s.subjects.get('resident2') });
    const offers = await call(s, 'resident2', 'GET', '/v1/me/identity/offers');
    expect(offers.json.offers.map((o: { offer: string }) => o.offer)).toContain(offer.json.offer);
    expect((await call(s, 'resident1', 'POST', `/v1/me/identity/offers/${offer.json.offer}/accept`, { demoHolderKey: true })).json.code).toBe('OFFER_INVALID'); // not theirs
    const got = await call(s, 'resident2', 'POST', `/v1/me/identity/offers/${offer.json.offer}/accept`, { demoHolderKey: true });
    expect(got.status, got.body).toBe(201);
    expect(got.json).toMatchObject({ type: 'residence', status: 'valid', demoHolderKey: true, claims: { name: '李明', building: '2号楼' } });
    const list = await call(s, 'resident2', 'GET', '/v1/me/identity/credentials');
    expect(list.json.credentials.map((c: { id: string }) => c.id)).toEqual([got.json.id]);
    expect(JSON.stringify(list.json)).not.toMatch(/"d":/); // the demo private key never leaves the node
    // picked up once only
    expect((await call(s, 'resident2', 'POST', `/v1/me/identity/offers/${offer.json.offer}/accept`, { demoHolderKey: true })).json.code).toBe('OFFER_INVALID');
    // a wallet stores a credential it got from another node (here: this one) after checking it
    const w = await TestWallet.create();
    const other = await issue(s, w, 'residence', residenceClaims('resident2'));
    const stored = await call(s, 'resident2', 'POST', '/v1/me/identity/credentials', { credential: other.credential });
    expect(stored.status, stored.body).toBe(201);
    const forged = `${other.credential.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}~`;
    expect((await call(s, 'resident2', 'POST', '/v1/me/identity/credentials', { credential: forged })).json.code).toBe('CREDENTIAL_INVALID');
  });

  it('a wallet keeps only credentials about its resident (ID number, or name for a type without one)', async () => {
    const w = await TestWallet.create();
    const theirs = await issue(s, w, 'residence', residenceClaims('resident2'));
    const r = await call(s, 'resident1', 'POST', '/v1/me/identity/credentials', { credential: theirs.credential });
    expect(r.json.code, r.body).toBe('CREDENTIAL_INVALID');
    expect(r.json.message).toContain('not about you');
    // an offer linked to resident 1 but carrying resident 2's claims is refused before it is used up
    const offer = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'residence', claims: residenceClaims('resident2'), subject: s.subjects.get('resident1') });
    const acc = await call(s, 'resident1', 'POST', `/v1/me/identity/offers/${offer.json.offer}/accept`, { demoHolderKey: true });
    expect(acc.json.code, acc.body).toBe('CREDENTIAL_INVALID');
    expect((await call(s, 'resident1', 'GET', '/v1/me/identity/offers')).json.offers.map((o: { offer: string }) => o.offer)).toContain(offer.json.offer);
    // a type without an ID number is matched by name (the police issue vehicles: not on this chain's node; use volunteer)
    const vol = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'volunteer', claims: { name: '李明', label: 'volunteer', since: '2020-01-01', hours: 10 }, subject: s.subjects.get('resident1') });
    expect(vol.status, vol.body).toBe(201);
    expect((await call(s, 'resident1', 'POST', `/v1/me/identity/offers/${vol.json.offer}/accept`, { demoHolderKey: true })).json.code).toBe('CREDENTIAL_INVALID');
  });

  it('demo credentials are presented by the node for the resident (demo only)', async () => {
    const offer = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'elderly', claims: elderlyClaims('resident1'), subject: s.subjects.get('resident1') });
    const got = await call(s, 'resident1', 'POST', `/v1/me/identity/offers/${offer.json.offer}/accept`, { demoHolderKey: true });
    const offer2 = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'residence', claims: residenceClaims('resident1'), subject: s.subjects.get('resident1') });
    const got2 = await call(s, 'resident1', 'POST', `/v1/me/identity/offers/${offer2.json.offer}/accept`, { demoHolderKey: true });
    const ses = await openSession();
    await consent('resident1', ses, [got2.json.id, got.json.id]);
    const p1 = await call(s, 'resident1', 'POST', `/v1/me/identity/credentials/${got2.json.id}/present`, { session: ses.session, nonce: ses.nonce });
    // a disclose list asking for more is ignored: the node discloses exactly what the service needs
    const p2 = await call(s, 'resident1', 'POST', `/v1/me/identity/credentials/${got.json.id}/present`, { session: ses.session, nonce: ses.nonce, disclose: ['name', 'idNumber', 'birthDate', 'age60OrOver'] });
    expect(p1.status, p1.body).toBe(200);
    const shown = await new SDJwtVcInstance({ hasher: digest }).getClaims(p2.json.presentation as string) as Record<string, unknown>;
    expect(Object.keys(shown).filter((k) => ['name', 'idNumber', 'birthDate', 'age60OrOver', 'age70OrOver', 'age80OrOver'].includes(k)).sort()).toEqual(['age60OrOver', 'name']);
    const r = await present(ses, [p1.json.presentation, p2.json.presentation]);
    expect(r.json, r.body).toMatchObject({ eligible: true });
    const desk = await call(s, 'zhou.official', 'GET', `/v1/identity/sessions/${ses.session}/desk`);
    expect(Object.keys(desk.json.disclosed.elderly).sort()).toEqual(['age60OrOver', 'name']);
  });

  it('serves the catalogue and the issuer\'s status list; CORS preflight on the wallet\'s POSTs', async () => {
    const cat = await call(s, undefined, 'GET', '/v1/identity/catalogue');
    // what the web app reads it as (the route declares no response schema yet)
    const isCatalogue = new Ajv({ strict: true, allowUnionTypes: true }).compile(identityCatalogueSchema);
    expect(isCatalogue(cat.json), JSON.stringify(isCatalogue.errors)).toBe(true);
    expect(cat.json.types.map((t: { id: string }) => t.id)).toContain('elderly');
    expect(cat.json.issuers.find((i: { org: string }) => i.org === 'street-office').types).toContain('residence');
    const pre = await call(s, undefined, 'OPTIONS', '/v1/identity/sessions/ses_00000000000000000000000000000000/presentations');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect((await call(s, undefined, 'GET', '/v1/identity/status-lists/police')).json.code).toBe('NOT_FOUND');
  });
});

describe('what an issuer issued', () => {
  it('lists the organisation\'s credentials newest first with their ledger status and pick-up, no claims; residents may not read it', async () => {
    const wallet = await TestWallet.create();
    const a = await issue(s, wallet, 'residence', residenceClaims('resident2'));
    const unredeemed = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'elderly', claims: elderlyClaims('resident1') });
    expect(unredeemed.status, unredeemed.body).toBe(201);
    const revoked = await call(s, 'zhou.official', 'POST', `/v1/identity/credentials/${a.credentialHash}/status`, { status: 'revoked', reason: 'moved-away' });
    expect(revoked.status, revoked.body).toBe(200);

    const r = await call(s, 'zhou.official', 'GET', '/v1/identity/issued');
    expect(r.status, r.body).toBe(200);
    const list = r.json.issued as { credentialHash: string; type: string; status: string; pickedUp: boolean; history: { status: string; reason: string }[] }[];
    const mine = list.find((x) => x.credentialHash === a.credentialHash)!;
    expect(mine).toMatchObject({ type: 'residence', status: 'revoked', pickedUp: true });
    expect(mine.history.map((h) => `${h.status}:${h.reason}`)).toEqual(['revoked:moved-away']);
    expect(list.find((x) => x.credentialHash === unredeemed.json.credentialHash)).toMatchObject({ type: 'elderly', status: 'valid', pickedUp: false });
    // no claim leaves through the list
    for (const v of Object.values(residenceClaims('resident2'))) expect(r.body).not.toContain(String(v));
    expect((await call(s, 'resident1', 'GET', '/v1/identity/issued')).status).toBe(403);
  });
});

describe('expiry', () => {
  it('an expired credential is rejected as expired', async () => {
    // its own chain: moving the clock forward moves block times for good
    const own = await identityServer();
    const s0 = s;
    s = own;
    const wallet = await TestWallet.create();
    const short = await issue(s, wallet, 'residence', residenceClaims('resident1'), { validDays: 1 });
    const id = await keep('resident1', short.credential);
    s.clock.offsetMs = 2 * 86_400_000;
    try {
      const ses = await openSession();
      await consent('resident1', ses, [id]);
      const r = await present(ses, [await wallet.present(short.credential, ['community', 'building'], { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) })]);
      expect(r.json.code).toBe('CREDENTIAL_EXPIRED');
      expect(attempts(ses.session).at(-1)).toMatchObject({ reason: 'expired', credentialHash: short.credentialHash });
    } finally {
      s = s0;
      await own.close();
    }
  });
});
