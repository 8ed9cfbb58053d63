/**
 * INTEROP: a credential issued by Machi is verified by the reference @sd-jwt verifier alone. The verifier below uses
 * only @sd-jwt/* and node:crypto-free WebCrypto helpers from @sd-jwt/crypto-nodejs: the issuer's key comes from the
 * JWKS the API publishes (/.well-known/jwt-vc-issuer/...), the status from the status list token the API serves. No
 * Machi code is on the verification path (the imports of this file say so).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, getVerifier } from '@sd-jwt/crypto-nodejs';
import { BASE_URL, TestWallet, call, elderlyClaims, identityServer, issue, nowS, type IdentityServer } from './helpers.js';

let s: IdentityServer;
let wallet: TestWallet;
let credential: string;
let credentialHash: string;
const VERIFIER = 'https://verifier.example/shop';
const NONCE = 'nonce-of-the-outside-verifier-0001';

/** An outside verifier: fetches the issuer metadata and status lists over HTTP (here: the API's inject). */
async function outsideVerifier(): Promise<SDJwtVcInstance> {
  const fetchJson = async (url: string) => {
    const r = await s.app.inject({ method: 'GET', url: url.replace(BASE_URL, '') });
    expect(r.statusCode, r.body).toBe(200);
    return r;
  };
  // SD-JWT VC issuer metadata: the issuer's JWKS. Keys are picked by the JWT's `kid`.
  const iss = (await fetchJson('/.well-known/jwt-vc-issuer/orgs/street-office')).json() as { issuer: string; jwks: { keys: (JsonWebKey & { kid: string })[] } };
  expect(iss.issuer).toBe('did:machi:machi-identity-test:street-office');
  const key = iss.jwks.keys[0]!;
  const issuerVerify = await getVerifier({ kty: key.kty, crv: key.crv, x: key.x }, { name: 'Ed25519' }, { name: 'Ed25519' });
  return new SDJwtVcInstance({
    hasher: digest,
    verifier: (data, sig) => issuerVerify(data, sig),
    // the holder's key from the credential's cnf
    kbVerifier: async (data, sig, payload) => (await ES256.getVerifier((payload.cnf as { jwk: JsonWebKey }).jwk))(data, sig),
    statusListFetcher: async (uri) => {
      expect(uri).toBe(`${BASE_URL}/v1/identity/status-lists/street-office`);
      const r = await fetchJson(uri);
      expect(r.headers['content-type']).toMatch(/application\/statuslist\+jwt/);
      return r.body;
    },
  });
}

beforeAll(async () => {
  s = await identityServer();
  wallet = await TestWallet.create();
  ({ credential, credentialHash } = await issue(s, wallet, 'elderly', elderlyClaims('resident1')));
});
afterAll(async () => s.close());

describe('interop with the reference @sd-jwt verifier', () => {
  it('verifies a presentation disclosing only name and age60OrOver: no ID number, no birth date', async () => {
    const presentation = await wallet.present(credential, ['name', 'age60OrOver'], { nonce: NONCE, aud: VERIFIER, iatS: nowS(s) });
    const v = await outsideVerifier();
    const r = await v.verify(presentation, { keyBindingNonce: NONCE, requiredClaimKeys: ['name', 'age60OrOver'] });
    expect(r.payload).toMatchObject({ iss: 'did:machi:machi-identity-test:street-office', vct: 'urn:machi:vct:elderly', name: '王秀英', age60OrOver: true });
    expect(r.payload).not.toHaveProperty('idNumber');
    expect(r.payload).not.toHaveProperty('birthDate');
    expect(r.payload).not.toHaveProperty('age80OrOver');
    expect(r.kb?.payload).toMatchObject({ aud: VERIFIER, nonce: NONCE });
    expect(r.header).toMatchObject({ alg: 'EdDSA', typ: 'dc+sd-jwt', kid: 'did:machi:machi-identity-test:street-office#org-key' });
    // nothing of the claims is in clear in the issuer-signed part
    const signed = Buffer.from(presentation.split('~')[0]!.split('.')[1]!, 'base64url').toString('utf8');
    expect(signed).not.toContain('王秀英');
    expect(signed).not.toContain('1950');
  });

  it('rejects a tampered disclosure (age60OrOver false→true on a younger person\'s credential) and a tampered value', async () => {
    const young = await issue(s, wallet, 'elderly', { name: '张伟', idNumber: '310115196001011239', birthDate: '1960-01-01' });
    const honest = await wallet.present(young.credential, ['name', 'age80OrOver'], { nonce: NONCE, aud: VERIFIER, iatS: nowS(s) });
    const v = await outsideVerifier();
    await expect(v.verify(honest, { keyBindingNonce: NONCE, requiredClaimKeys: ['age80OrOver'] })).resolves.toMatchObject({ payload: { age80OrOver: false } });

    // The holder rewrites the disclosure to say true, then signs a fresh KB-JWT over the altered presentation: the
    // issuer never signed that disclosure's digest, so the claim cannot be used.
    const parts = young.credential.split('~');
    const forged = parts.map((d, i) => {
      if (i === 0 || d === '') return d;
      const [salt, name, value] = JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as [string, string, unknown];
      return name === 'age80OrOver' ? Buffer.from(JSON.stringify([salt, name, !value])).toString('base64url') : d;
    }).join('~');
    const tampered = await wallet.present(forged, ['name', 'age80OrOver'], { nonce: NONCE, aud: VERIFIER, iatS: nowS(s) });
    await expect(v.verify(tampered, { keyBindingNonce: NONCE, requiredClaimKeys: ['age80OrOver'] })).rejects.toThrow(/Missing required claim keys: age80OrOver/);

    // Tampering after the KB-JWT: the sd_hash no longer matches.
    const honestParts = honest.split('~');
    const swapped = honestParts.map((d, i) => (i > 0 && i < honestParts.length - 1 ? `${d.slice(0, -2)}${d.slice(-2) === 'AA' ? 'AB' : 'AA'}` : d)).join('~');
    await expect(v.verify(swapped, { keyBindingNonce: NONCE })).rejects.toThrow();
  });

  it('rejects a presentation of a revoked credential through the status list the API serves', async () => {
    const v = await outsideVerifier();
    const before = await wallet.present(credential, ['age60OrOver'], { nonce: NONCE, aud: VERIFIER, iatS: nowS(s) });
    await expect(v.verify(before, { keyBindingNonce: NONCE })).resolves.toBeTruthy();
    const r = await call(s, 'zhou.official', 'POST', `/v1/identity/credentials/${credentialHash}/status`, { status: 'revoked', reason: 'issued-in-error' });
    expect(r.status, r.body).toBe(200);
    await expect(v.verify(before, { keyBindingNonce: NONCE })).rejects.toThrow(/Status is not valid/);
  });

  it('resolves the issuer DID from any node\'s API to the same key as the JWKS', async () => {
    const doc = (await call(s, undefined, 'GET', '/v1/identity/dids/did:machi:machi-identity-test:street-office')).json;
    const jwks = (await call(s, undefined, 'GET', '/.well-known/jwt-vc-issuer/orgs/street-office')).json;
    expect(doc.verificationMethod[0].publicKeyJwk.x).toBe(jwks.jwks.keys[0].x);
    expect((await call(s, undefined, 'GET', '/.well-known/did.json')).json.id).toBe('did:machi:machi-identity-test:street-office');
    expect((await call(s, undefined, 'GET', '/v1/identity/dids/did:machi:machi-identity-test:police')).json.id).toBe('did:machi:machi-identity-test:police');
    expect((await call(s, undefined, 'GET', '/v1/identity/dids/did:machi:other:police')).status).toBe(404);
  });
});
