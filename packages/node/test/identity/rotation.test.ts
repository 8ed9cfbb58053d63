/**
 * Credentials across an issuer key rotation (docs/spec/identity.md#dids-and-keys), on one node that signs through a
 * key ring as `machi start` wires it: the street office (the one validator) rotates its key by a consortium decision;
 * a credential its old key signed before the rotation and one its new key signed after are both verified at the
 * desk, in the wallet and by an outside verifier that picks the key by `kid` from the published JWKS; a credential
 * its retired key signs for a record made after the rotation is refused (ISSUER_KEY_RETIRED), without a ledger
 * record; the DID document and the JWKS list both keys; the status list is signed with the new key.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSdJwt } from '@sd-jwt/decode';
import { digest, getVerifier } from '@sd-jwt/crypto-nodejs';
import { credentialRecord, generateKeyPair, sha256Hex, signerFromJwk, type Signer } from '@machi/core';
import { NEXT_KEY_FILE } from '../../src/node/keys.js';
import { writeKeyFile } from '../../src/node/datadir.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { issueSdJwtVc } from '../../src/modules/identity/sdjwt.js';
import { TestWallet, call, elderlyClaims, identityServer, issue, nowS, residenceClaims, type IdentityServer } from './helpers.js';

const DID = 'did:machi:machi-identity-test:street-office';
let s: IdentityServer;
let oldKey: Signer;
let newKey: string;
const wallet = await TestWallet.create();
let residence: { credential: string; credentialHash: string }; // signed by the old key, before the rotation
let elderly: { credential: string; credentialHash: string }; // signed by the new key, after
let lateOffer: { offer: string; code: string }; // made before the rotation, picked up after
let rotationFrom = 0;

const headerOf = async (sdjwt: string) => (await decodeSdJwt(sdjwt, digest)).jwt;
const heightOf = (credentialHash: string): number => s.store.getTx(credentialRecord((k) => s.store.read(k), credentialHash)!.txHash)!.height;

async function openSession() {
  const r = await call(s, 'zhou.official', 'POST', '/v1/identity/sessions', { service: 'elderly-subsidy' });
  expect(r.status, r.body).toBe(201);
  return r.json as { session: string; nonce: string; audience: string };
}
async function keep(who: string, credential: string) {
  return call(s, who, 'POST', '/v1/me/identity/credentials', { credential });
}

beforeAll(async () => {
  oldKey = signerFromJwk(generateKeyPair().jwk);
  s = await identityServer({ orgKey: oldKey, keyRing: true });
  residence = await issue(s, wallet, 'residence', residenceClaims('resident1'), { subject: s.subjects.get('resident1') });
  const offer = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type: 'residence', claims: residenceClaims('resident2') });
  expect(offer.status, offer.body).toBe(201);
  lateOffer = offer.json;

  // `machi key rotate`: the pending key in the data directory, then the proposal (the one validator: approved at once)
  const next = generateKeyPair();
  writeKeyFile(join(s.dir, NEXT_KEY_FILE), next.jwk);
  newKey = next.publicKey;
  const r = await new OrgSubmitter(s.node, s.signer).submit('consortium.propose', { epoch: 0, change: { op: 'rotate-key', org: 'street-office', publicKey: newKey } });
  expect(r.code, r.message).toBeUndefined();
  rotationFrom = r.height! + 2;
  // blocks are made for transactions: issue until the new key is in force
  while (s.node.signingKey !== newKey) await issue(s, await TestWallet.create(), 'residence', residenceClaims('resident2'));
  expect(s.signer.publicKey).toBe(newKey);
  elderly = await issue(s, wallet, 'elderly', elderlyClaims('resident1'));
}, 60_000);
afterAll(async () => s.close());

describe('credentials across an issuer key rotation', () => {
  it('names the signing key by kid: the genesis key keeps #org-key, the new key is #key-1', async () => {
    expect((await headerOf(residence.credential)).header.kid).toBe(`${DID}#org-key`);
    expect((await headerOf(elderly.credential)).header.kid).toBe(`${DID}#key-1`);
    expect(heightOf(residence.credentialHash)).toBeLessThan(rotationFrom);
    expect(heightOf(elderly.credentialHash)).toBeGreaterThanOrEqual(rotationFrom);
  });

  it('publishes both keys: the DID document (the new key first, the old one revoked from the rotation) and the JWKS', async () => {
    const doc = (await call(s, undefined, 'GET', '/.well-known/did.json')).json;
    expect(doc.verificationMethod.map((m: { id: string }) => m.id)).toEqual([`${DID}#key-1`, `${DID}#org-key`]);
    expect(doc.verificationMethod.map((m: { publicKeyJwk: { x: string } }) => m.publicKeyJwk.x)).toEqual([newKey, oldKey.publicKey]);
    expect(doc.verificationMethod[0]).not.toHaveProperty('revoked');
    expect(Date.parse(doc.verificationMethod[1].revoked)).toBe(s.store.getBlock(rotationFrom)!.header.time);
    expect(doc.assertionMethod).toEqual([`${DID}#key-1`, `${DID}#org-key`]);
    expect(doc.authentication).toEqual([`${DID}#key-1`]);
    expect((await call(s, undefined, 'GET', `/v1/identity/dids/${encodeURIComponent(DID)}`)).json).toEqual(doc);
    const meta = (await call(s, undefined, 'GET', '/.well-known/jwt-vc-issuer/orgs/street-office')).json;
    expect(meta.jwks.keys.map((k: { kid: string; x: string }) => [k.kid, k.x])).toEqual([[`${DID}#key-1`, newKey], [`${DID}#org-key`, oldKey.publicKey]]);
    expect(meta.jwks.keys[1].exp).toBe(Math.floor(s.store.getBlock(rotationFrom)!.header.time / 1000));
  });

  it('an outside verifier picking the key by kid from the JWKS verifies both credentials and the status list', async () => {
    const { keys } = (await call(s, undefined, 'GET', '/.well-known/jwt-vc-issuer/orgs/street-office')).json.jwks as { keys: (JsonWebKey & { kid: string })[] };
    const verifies = async (jws: string): Promise<boolean> => {
      const [h, p, sig] = jws.split('.');
      const kid = JSON.parse(Buffer.from(h!, 'base64url').toString()).kid as string;
      const jwk = keys.find((k) => k.kid === kid)!;
      return (await getVerifier({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, { name: 'Ed25519' }, { name: 'Ed25519' }))(`${h}.${p}`, sig!);
    };
    expect(await verifies(residence.credential.split('~')[0]!)).toBe(true);
    expect(await verifies(elderly.credential.split('~')[0]!)).toBe(true);
    const list = await call(s, undefined, 'GET', '/v1/identity/status-lists/street-office');
    expect(JSON.parse(Buffer.from(list.body.split('.')[0]!, 'base64url').toString()).kid).toBe(`${DID}#key-1`);
    expect(await verifies(list.body)).toBe(true);
  });

  it('the wallet keeps both; an offer made before the rotation and picked up after is signed with the new key', async () => {
    expect((await keep('resident1', residence.credential)).status).toBe(201);
    expect((await keep('resident1', elderly.credential)).status).toBe(201);
    const r = await call(s, undefined, 'POST', `/v1/identity/offers/${lateOffer.offer}/redeem`, { code: lateOffer.code, holderJwk: (await TestWallet.create()).holderJwk });
    expect(r.status, r.body).toBe(200);
    expect((await headerOf(r.json.credential)).header.kid).toBe(`${DID}#key-1`);
    expect(heightOf(r.json.credentialHash)).toBeLessThan(rotationFrom);
    expect((await keep('resident2', r.json.credential)).status).toBe(201);
  });

  it('the desk verifies the old key\'s credential and the new key\'s in one session', async () => {
    const ses = await openSession();
    const c = await call(s, 'resident1', 'POST', '/v1/me/identity/consents', { session: ses.session, nonce: ses.nonce });
    expect(c.status, c.body).toBe(201);
    const kb = { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) };
    const r = await call(s, undefined, 'POST', `/v1/identity/sessions/${ses.session}/presentations`, {
      presentations: [await wallet.present(residence.credential, ['community', 'building'], kb), await wallet.present(elderly.credential, ['name', 'age60OrOver'], kb)],
    });
    expect(r.status, r.body).toBe(200);
    expect(r.json).toMatchObject({ eligible: true, results: [{ type: 'residence', reason: 'ok' }, { type: 'elderly', reason: 'ok' }] });
  });

  it('refuses a credential the retired key signs for a record made after the rotation: ISSUER_KEY_RETIRED, not recorded', async () => {
    // whoever holds the old key (stolen, or kept by mistake) signs a credential under the genesis kid for a credential
    // recorded after the rotation: same jti (so the ledger record and the consent match), claims of their choosing
    const { payload } = await headerOf(elderly.credential);
    const common = {
      chainId: 'machi-identity-test', orgId: 'street-office', type: 'elderly' as const, claims: { ...elderlyClaims('resident1'), age60OrOver: true, age80OrOver: false },
      holderJwk: wallet.holderJwk as never, credentialId: payload.jti as string, issuedAtMs: (payload.iat as number) * 1000, expiresAtMs: (payload.exp as number) * 1000,
      statusIndex: 0, statusUri: 'http://street-office.test/v1/identity/status-lists/street-office',
    };
    expect(sha256Hex(common.credentialId)).toBe(elderly.credentialHash);
    const forged = await issueSdJwtVc({ ...common, signer: oldKey, kid: `${DID}#org-key` });
    // the wallet refuses to keep it
    const kept = await keep('resident1', forged);
    expect(kept.status, kept.body).toBe(400);
    expect(kept.json.code).toBe('ISSUER_KEY_RETIRED');
    // ... and the desk refuses it, with its reason, and records nothing
    const ses = await openSession();
    expect((await call(s, 'resident1', 'POST', '/v1/me/identity/consents', { session: ses.session, nonce: ses.nonce })).status).toBe(201);
    const kb = { nonce: ses.nonce, aud: ses.audience, iatS: nowS(s) };
    const logSize = s.store.logSize();
    const r = await call(s, undefined, 'POST', `/v1/identity/sessions/${ses.session}/presentations`, { presentations: [await wallet.present(forged, ['name', 'age60OrOver'], kb)] });
    expect(r.status, r.body).toBe(400);
    expect(r.json.code).toBe('ISSUER_KEY_RETIRED');
    expect(r.json.message).toContain('not recorded');
    expect(s.store.logSize()).toBe(logSize);
    // the same forgery naming the new key's kid does not verify at all; the genuine one still does
    const misnamed = await issueSdJwtVc({ ...common, signer: oldKey, kid: `${DID}#key-1` });
    const bad = await call(s, undefined, 'POST', `/v1/identity/sessions/${ses.session}/presentations`, { presentations: [await wallet.present(misnamed, ['name', 'age60OrOver'], kb)] });
    expect(bad.json.code).toBe('PRESENTATION_TAMPERED');
    // a kid the issuer never had
    const unknown = await issueSdJwtVc({ ...common, signer: oldKey, kid: `${DID}#key-7` });
    expect((await keep('resident1', unknown)).json.code).toBe('CREDENTIAL_INVALID');
  });
});
