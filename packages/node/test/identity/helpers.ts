/**
 * The identity tests' node: the one-node fixture (test/support/node.ts) of the street office, every module open,
 * residents 1 and 2 registered as privacy subjects; inject() only. The genesis also names the police and the property company (no vote),
 * whose DIDs resolve but which sign nothing here. The node's clock can be moved (expiry tests). A wallet is a P-256 key
 * made with the @sd-jwt helpers, as a browser wallet would hold it.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { ES256 } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest } from '@sd-jwt/crypto-nodejs';
import type { Identity } from '../../src/modules/identity/index.js';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import { oneNode, type Answer, type OneNode, type OneNodeOptions } from '../support/node.js';

export type { Answer } from '../support/node.js';
export const ORG = 'street-office';
export const BASE_URL = 'http://street-office.test';
export const CHAIN = 'machi-identity-test';

/** Resident 1 is 75 (elderly), resident 2 is 40. ID numbers carry a valid check character. */
export const PEOPLE = {
  resident1: { name: '王秀英', idNumber: '310115195005021237', birthDate: '1950-05-02', building: '1号楼', unit: '2单元 1201' },
  resident2: { name: '李明', idNumber: '310115198601011231', birthDate: '1986-01-01', building: '2号楼', unit: '1单元 302' },
};

export type IdentityServer = OneNode & Pick<Identity, 'service'> & {
  vault: PrivacyExports['vault'];
  /** user name → privacy subject id */
  subjects: Map<string, string>;
};

/** `rules`: the genesis's (default a new chain's; `{}` an older chain's); `orgKey`, `keyRing`: as oneNode's. */
export async function identityServer(opts: Pick<OneNodeOptions, 'rules' | 'orgKey' | 'keyRing'> = {}): Promise<IdentityServer> {
  const s = await oneNode({ org: ORG, otherOrgs: ['police', 'property-company'], chainId: CHAIN, publicUrl: BASE_URL, ...opts });
  const privacy = s.use<PrivacyExports>('privacy');
  const subjects = new Map<string, string>();
  for (const who of ['resident1', 'resident2'] as const) {
    const reg = await privacy.service.register(s.principals.get('zhou.official')!, { ...PEOPLE[who] }, s.principals.get(who)!.userId);
    subjects.set(who, reg.subject);
  }
  return Object.assign(s, { service: s.use<Identity>('identity').service, vault: privacy.vault, subjects });
}

/**
 * One request. `remoteAddress`: the client's address (the public presentations route is rate-limited per address);
 * by default a fresh one per call, so tests do not share one address's budget.
 */
export const call = (s: OneNode, user: string | undefined, method: 'GET' | 'POST' | 'OPTIONS', url: string, body?: unknown, remoteAddress = `10.${randomBytes(3).join('.')}`): Promise<Answer> =>
  s.call(method, url, { ...(user === undefined ? {} : { as: user }), body, remoteAddress });

/** A browser-like wallet: its own P-256 key; it presents with the reference library. */
export class TestWallet {
  private constructor(readonly publicJwk: JsonWebKey, private readonly privateJwk: JsonWebKey) {}

  static async create(): Promise<TestWallet> {
    const { publicKey, privateKey } = await ES256.generateKeyPair();
    return new TestWallet(publicKey, privateKey);
  }

  get holderJwk(): Record<string, string> {
    return { kty: 'EC', crv: 'P-256', x: this.publicJwk.x!, y: this.publicJwk.y! };
  }

  async present(credential: string, disclose: readonly string[], kb: { nonce: string; aud: string; iatS: number }): Promise<string> {
    const sdjwt = new SDJwtVcInstance({ hasher: digest, kbSigner: await ES256.getSigner(this.privateJwk), kbSignAlg: ES256.alg });
    return sdjwt.present(credential, Object.fromEntries(disclose.map((c) => [c, true])), { kb: { payload: { iat: kb.iatS, aud: kb.aud, nonce: kb.nonce } } });
  }
}

/** Issues a credential through the API (official's offer, wallet redeems with its key); returns the SD-JWT VC. */
export async function issue(s: IdentityServer, wallet: TestWallet, type: string, claims: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ credential: string; credentialHash: string }> {
  const offer = await call(s, 'zhou.official', 'POST', '/v1/identity/offers', { type, claims, ...extra });
  expect(offer.status, offer.body).toBe(201);
  const r = await call(s, undefined, 'POST', `/v1/identity/offers/${offer.json.offer}/redeem`, { code: offer.json.code, holderJwk: wallet.holderJwk });
  expect(r.status, r.body).toBe(200);
  return { credential: r.json.credential, credentialHash: r.json.credentialHash };
}

export const residenceClaims = (who: 'resident1' | 'resident2') => ({
  name: PEOPLE[who].name, idNumber: PEOPLE[who].idNumber, community: '幸福里小区', building: PEOPLE[who].building, unit: PEOPLE[who].unit, residentSince: '2018-09-01',
});
export const elderlyClaims = (who: 'resident1' | 'resident2') => ({ name: PEOPLE[who].name, idNumber: PEOPLE[who].idNumber, birthDate: PEOPLE[who].birthDate });

export const nowS = (s: OneNode): number => Math.floor(s.node.clock() / 1000);
