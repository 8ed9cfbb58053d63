/**
 * A one-node chain of the property company (SQLite ledger, InlineChecker) with sign-in, the repairs service and both
 * of its APIs, behind buildServer; inject() only. The node's clock can be moved forward (SLA tests); the escalation
 * job does not run on its own (tests call escalateOverdue, or start it with a short interval).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { generateKeyPair, signerFromJwk, type Genesis, type Role } from '@machi/core';
import { AccountStore, ConsensusDriver, InlineChecker, MachiNode, SqliteStore, actorOf, buildServer, type Principal } from '../../src/index.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { Vault } from '../../src/modules/privacy/vault.js';
import { RepairsService } from '../../src/modules/repairs/service.js';
import { RepairStore } from '../../src/modules/repairs/store.js';
import { repairsRoutes } from '../../src/modules/repairs/routes.js';
import { open311Routes } from '../../src/modules/repairs/open311.js';

export const ORG = 'property-company';
export const PASSWORD = 'repairs-test-password';

/** user name → role: the property company's people as in the demo (src/privacy/seed.ts), plus one grid worker. */
export const USERS: Record<string, Role> = {
  'li.staff': 'property-staff',
  'chen.dispatch': 'dispatcher',
  'wang.worker': 'maintenance-worker',
  'zhao.worker': 'maintenance-worker',
  resident1: 'resident',
  resident2: 'resident',
  'sun.grid': 'grid-worker',
};

export interface RepairsServer {
  app: FastifyInstance;
  node: MachiNode;
  store: SqliteStore;
  service: RepairsService;
  repairStore: RepairStore;
  vault: Vault;
  accounts: AccountStore;
  secret: Buffer;
  genesis: Genesis;
  dir: string;
  /** added to the real time by the node's clock */
  clock: { offsetMs: number };
  /** user name → token */
  tokens: Map<string, string>;
  /** user name → principal (as the auth hook builds it) */
  principals: Map<string, Principal>;
  close(): Promise<void>;
}

export async function repairsServer(): Promise<RepairsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-repairs-'));
  const kp = generateKeyPair();
  const signer = signerFromJwk(kp.jwk);
  const genesis: Genesis = { chainId: 'machi-repairs-test', genesisTime: new Date().toISOString(), orgs: [{ id: ORG, name: 'Property company', publicKey: kp.publicKey, power: 1 }] };
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
  const repairStore = new RepairStore(privateDb, kek);
  const service = new RepairsService({ node, store: repairStore, submitter: new OrgSubmitter(node, signer), accounts, secret, subjects: vault });
  const auth = { accounts, secret };
  const app = await buildServer(node, {
    consensus,
    auth,
    plugins: [
      async (a) => a.register(repairsRoutes, { service }),
      async (a) => a.register(open311Routes, { prefix: '/open311/v2', service, node, auth }),
    ],
  });
  const tokens = new Map<string, string>();
  const principals = new Map<string, Principal>();
  await Promise.all(Object.entries(USERS).map(async ([username, role]) => {
    const u = await accounts.createUser({ org: ORG, username, role, displayName: username, password: PASSWORD });
    const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org: ORG, username, password: PASSWORD } });
    expect(r.statusCode, r.body).toBe(200);
    tokens.set(username, r.json().token as string);
    principals.set(username, { userId: u.id, username, org: ORG, role, actor: actorOf(ORG, u.id, secret) });
  }));
  return {
    app, node, store, service, repairStore, vault, accounts, secret, genesis, dir, clock, tokens, principals,
    async close() {
      await app.close();
      consensus.close();
      await node.close();
      store.close();
      repairStore.close();
      vault.close();
      accounts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  json: any;
}

/** An API call as `user` (undefined: no token). */
export async function call(s: RepairsServer, user: string | undefined, method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (user !== undefined) headers.authorization = `Bearer ${s.tokens.get(user)!}`;
  const r = await s.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: r.statusCode, json: r.body === '' ? undefined : r.json() };
}

/** A PNG-looking body of `bytes` bytes (the magic bytes, then random). */
export function fakePng(bytes = 256): Buffer {
  const b = randomBytes(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  return b;
}

/** Every transaction body on the ledger, as stored (canonical JSON). */
export function ledgerBodies(s: RepairsServer): string[] {
  return s.store.txRange(0, s.store.logSize()).map((t) => t.body);
}
