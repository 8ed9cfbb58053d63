/**
 * A one-node chain of the street office (SQLite ledger, InlineChecker) with sign-in, the privacy routes and the digital
 * ID routes behind buildServer; inject() only. The genesis also names the police and the property company (no vote),
 * whose DIDs resolve but which sign nothing here. The node's clock can be moved (expiry tests). A wallet is a P-256 key
 * made with the @sd-jwt helpers, as a browser wallet would hold it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { ES256 } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest } from '@sd-jwt/crypto-nodejs';
import { generateKeyPair, signerFromJwk, type Genesis, type Role } from '@machi/core';
import { AccountStore, ConsensusDriver, InlineChecker, MachiNode, SqliteStore, actorOf, buildServer, type Principal } from '../../src/index.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { Vault } from '../../src/modules/privacy/vault.js';
import { PrivacyService } from '../../src/modules/privacy/service.js';
import { privacyRoutes } from '../../src/modules/privacy/routes.js';
import { IdentityService, IdentityStore, identityRoutes } from '../../src/modules/identity/index.js';

export const ORG = 'street-office';
export const PASSWORD = 'identity-test-password';
export const BASE_URL = 'http://street-office.test';
export const CHAIN = 'machi-identity-test';

export const USERS: Record<string, Role> = {
  'zhou.official': 'official',
  resident1: 'resident',
  resident2: 'resident',
  'li.staff': 'property-staff',
};

/** Resident 1 is 75 (elderly), resident 2 is 40. ID numbers carry a valid check character. */
export const PEOPLE = {
  resident1: { name: '王秀英', idNumber: '310115195005021237', birthDate: '1950-05-02', building: '1号楼', unit: '2单元 1201' },
  resident2: { name: '李明', idNumber: '310115198601011231', birthDate: '1986-01-01', building: '2号楼', unit: '1单元 302' },
};

export interface IdentityServer {
  app: FastifyInstance;
  node: MachiNode;
  store: SqliteStore;
  service: IdentityService;
  vault: Vault;
  genesis: Genesis;
  clock: { offsetMs: number };
  tokens: Map<string, string>;
  principals: Map<string, Principal>;
  /** user name → privacy subject id */
  subjects: Map<string, string>;
  close(): Promise<void>;
}

export async function identityServer(): Promise<IdentityServer> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-identity-'));
  const kp = generateKeyPair();
  const signer = signerFromJwk(kp.jwk);
  const genesis: Genesis = {
    chainId: CHAIN,
    genesisTime: new Date().toISOString(),
    orgs: [
      { id: ORG, name: 'Street office', publicKey: kp.publicKey, power: 1 },
      { id: 'police', name: 'Police station', publicKey: generateKeyPair().publicKey, power: 0 },
      { id: 'property-company', name: 'Property company', publicKey: generateKeyPair().publicKey, power: 0 },
    ],
  };
  const store = new SqliteStore(join(dir, 'ledger.db'));
  const clock = { offsetMs: 0 };
  const node = new MachiNode({ genesis, publicKey: signer.publicKey, store, checker: new InlineChecker(genesis), clock: () => Date.now() + clock.offsetMs });
  const consensus = new ConsensusDriver({ node, signer, net: null });
  consensus.start();
  const privateDb = join(dir, 'private.db');
  const accounts = new AccountStore(privateDb);
  const secret = randomBytes(32);
  const kek = randomBytes(32);
  const vault = new Vault(privateDb, kek);
  const idStore = new IdentityStore(privateDb, kek);
  const privacy = new PrivacyService(node, vault, new OrgSubmitter(node, signer), null, undefined, accounts);
  const service = new IdentityService({ node, signer, submitter: new OrgSubmitter(node, signer), store: idStore, vault, privacy, baseUrl: () => BASE_URL });
  const app = await buildServer(node, {
    consensus,
    auth: { accounts, secret },
    plugins: [
      async (a) => a.register(privacyRoutes, { node, service: privacy, vault }),
      async (a) => a.register(identityRoutes, { node, service }),
    ],
  });
  const tokens = new Map<string, string>();
  const principals = new Map<string, Principal>();
  const subjects = new Map<string, string>();
  for (const [username, role] of Object.entries(USERS)) {
    const u = await accounts.createUser({ org: ORG, username, role, displayName: username, password: PASSWORD });
    const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org: ORG, username, password: PASSWORD } });
    expect(r.statusCode, r.body).toBe(200);
    tokens.set(username, r.json().token as string);
    principals.set(username, { userId: u.id, username, org: ORG, role, actor: actorOf(ORG, u.id, secret) });
  }
  for (const who of ['resident1', 'resident2'] as const) {
    const reg = await privacy.register(principals.get('zhou.official')!, { ...PEOPLE[who] }, principals.get(who)!.userId);
    subjects.set(who, reg.subject);
  }
  return {
    app, node, store, service, vault, genesis, clock, tokens, principals, subjects,
    async close() {
      await app.close();
      consensus.close();
      await node.close();
      store.close();
      vault.close();
      idStore.close();
      accounts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  json: any;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * One request. `remoteAddress`: the client's address (the public presentations route is rate-limited per address);
 * by default a fresh one per call, so tests do not share one address's budget.
 */
export async function call(s: IdentityServer, user: string | undefined, method: 'GET' | 'POST' | 'OPTIONS', url: string, body?: unknown, remoteAddress = `10.${randomBytes(3).join('.')}`): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (user !== undefined) headers.authorization = `Bearer ${s.tokens.get(user)!}`;
  const r = await s.app.inject({ method, url, headers, remoteAddress, ...(body === undefined ? {} : { payload: body as object }) });
  let json: unknown;
  try {
    json = r.body === '' ? undefined : r.json();
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, json, headers: r.headers, body: r.body };
}

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

export const nowS = (s: IdentityServer): number => Math.floor(s.node.clock() / 1000);
