/**
 * A one-node chain for the funds tests: the street office runs the validator (the community desk, with a regulator
 * and residents), and hosts the keys of civil affairs (programme owner, reviewer, issuer of low-income credentials),
 * the finance bureau (treasury), the agent bank and another bank as members without voting power
 * (docs/decisions/0001-hosted-departments.md on branch events-node). oneNode (test/support/node.ts) does not take
 * hosted members on this branch, so this builds the same parts itself: real SQLite store, consensus driver, modules as
 * start-up opens them, sign-in through the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { generateKeyPair, newChainRules, signerFromJwk, type Genesis, type Role, type Signer } from '@machi/core';
import { AccountStore, ConsensusDriver, InlineChecker, MachiNode, NODE_MODULES, SqliteStore, buildServer, type AuthOptions, type NodeModule } from '../../src/index.js';
import { openModules } from '../../src/node/modules.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { privateDbPath } from '../../src/storage/private-db.js';
import { applicantSubjects, fundsNodeModule, openFunds, type Funds } from '../../src/modules/funds/index.js';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import { TEST_PASSWORD, TestClock, type Answer } from '../support/node.js';
import { TEST_SCRYPT_N } from '../support/accounts.js';

export const HOST = 'street-office';
export const CIVIL = 'civil-affairs';
export const FINANCE = 'finance-bureau';
export const BANK = 'agent-bank';
export const OTHER_BANK = 'other-bank';
export const HOSTED = [CIVIL, FINANCE, BANK, OTHER_BANK] as const;

/** user name → [organisation, role] */
export const FUNDS_USERS: Readonly<Record<string, readonly [string, Role]>> = {
  'liu.desk': [HOST, 'official'],
  'sun.grid': [HOST, 'grid-worker'],
  'he.audit': [HOST, 'regulator'],
  resident1: [HOST, 'resident'],
  resident2: [HOST, 'resident'],
  'zhou.civil': [CIVIL, 'official'],
  'qian.finance': [FINANCE, 'official'],
  'sun.bank': [BANK, 'official'],
  'ma.otherbank': [OTHER_BANK, 'official'],
};

export interface FundsNode {
  app: FastifyInstance;
  node: MachiNode;
  genesis: Genesis;
  clock: TestClock;
  funds: Funds;
  privacy: PrivacyExports;
  auth: AuthOptions;
  /** every organisation's signer (the host's and the hosted members') */
  signers: Map<string, Signer>;
  submitter(org: string): OrgSubmitter;
  userId(username: string): string;
  call(method: InjectOptions['method'], url: string, opts?: { as?: string; body?: unknown; query?: Record<string, string> }): Promise<Answer>;
  close(): Promise<void>;
}

export async function fundsNode(opts: { clock?: TestClock } = {}): Promise<FundsNode> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-funds-'));
  const signers = new Map<string, Signer>([[HOST, signerFromJwk(generateKeyPair().jwk)], ...HOSTED.map((o) => [o, signerFromJwk(generateKeyPair().jwk)] as const)]);
  const genesis: Genesis = {
    chainId: 'machi-funds-test',
    genesisTime: new Date().toISOString(),
    orgs: [...signers].map(([id, s]) => ({ id, name: id, publicKey: s.publicKey, power: id === HOST ? 1 : 0 })),
    rules: newChainRules(),
  };
  const clock = opts.clock ?? new TestClock();
  const store = new SqliteStore(join(dir, 'ledger.db'));
  const host = signers.get(HOST)!;
  const node = new MachiNode({ genesis, publicKey: host.publicKey, store, checker: new InlineChecker(genesis), clock: clock.now });
  const consensus = new ConsensusDriver({ node, signer: host, net: null });
  consensus.start();
  const accounts = new AccountStore(privateDbPath(dir), { scryptN: TEST_SCRYPT_N });
  const auth: AuthOptions = { accounts, secret: randomBytes(32) };
  const hosted = new Map(HOSTED.map((o) => [o, signers.get(o)!]));
  let funds: Funds | undefined;
  let privacy: PrivacyExports | undefined;
  const fundsVariant: NodeModule = {
    ...fundsNodeModule,
    open(ctx) {
      privacy = ctx.use<PrivacyExports>('privacy');
      const p = privacy;
      funds = openFunds({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, hosted, subjects: { has: (s) => p.vault.has(s), subjectOfUser: (u) => p.vault.subjectOfUser(u) } });
      const f = funds;
      p.service.cases.register('fund', (id) => applicantSubjects(f, id));
      return { plugin: funds.plugin, exports: funds, close: () => funds!.close() };
    },
  };
  const privacyModule = NODE_MODULES.find((m) => m.name === 'privacy')!;
  const modules = await openModules({
    dir, node, signer: host, submitter: new OrgSubmitter(node, host), auth, net: null, log: () => {}, demo: false, publicUrl: () => 'http://127.0.0.1',
  }, [privacyModule, fundsVariant]);
  const app = await buildServer(node, { consensus, auth, plugins: modules.plugins });
  const tokens = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const [username, [org, role]] of Object.entries(FUNDS_USERS)) {
    const u = await accounts.createUser({ org, username, role, displayName: username, password: TEST_PASSWORD });
    ids.set(username, u.id);
    const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org, username, password: TEST_PASSWORD } });
    if (r.statusCode !== 200) throw new Error(`sign-in of ${username}: ${r.statusCode} ${r.body}`);
    tokens.set(username, r.json().token as string);
  }
  const submitters = new Map([...signers].map(([o, s]) => [o, new OrgSubmitter(node, s)]));
  return {
    app, node, genesis, clock, funds: funds!, privacy: privacy!, auth, signers,
    submitter: (org) => submitters.get(org)!,
    userId: (u) => ids.get(u)!,
    async call(method, url, o = {}) {
      const token = o.as === undefined ? undefined : tokens.get(o.as);
      if (o.as !== undefined && token === undefined) throw new Error(`no user ${o.as}`);
      const r = await app.inject({ method, url, ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }), ...(o.query === undefined ? {} : { query: o.query }), ...(o.body === undefined ? {} : { payload: o.body as object }) });
      let json: unknown;
      try {
        json = r.body === '' ? undefined : r.json();
      } catch {
        json = undefined;
      }
      return { status: r.statusCode, json, body: r.body, headers: r.headers };
    },
    async close() {
      await app.close();
      consensus.close();
      await node.close();
      store.close();
      await modules.close();
      accounts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The story's steps
// ---------------------------------------------------------------------------------------------------------------------

export const DAY_MS = 86_400_000;
export const PROGRAMME = 'minimum-living';
export const OTHER_PROGRAMME = 'extreme-poverty';

/** A person the street office holds (in its vault), optionally linked to a resident account. */
export function registerPerson(s: FundsNode, fields: Record<string, string>, resident?: string): string {
  const subject = `sub_${randomBytes(16).toString('hex')}`;
  s.privacy.vault.put(subject, fields, s.node.clock());
  if (resident !== undefined) s.privacy.vault.linkResident(s.userId(resident), subject);
  return subject;
}

/** A low-income credential issued by civil affairs (identity.issue): its status-list index. */
export async function issueCredential(s: FundsNode, validMs = 365 * DAY_MS): Promise<{ credentialHash: string; statusIndex: number; expiresAt: number }> {
  const credentialHash = randomBytes(32).toString('hex');
  const expiresAt = s.node.clock() + validMs;
  const r = await s.submitter(CIVIL).submit('identity.issue', { credentialHash, type: 'low-income', expiresAt, actor: randomBytes(16).toString('hex') });
  if (r.code !== undefined) throw new Error(`issue: ${r.message}`);
  const statusIndex = (JSON.parse(s.node.store.read(`identity/credential/${credentialHash}`)!) as { statusIndex: number }).statusIndex;
  return { credentialHash, statusIndex, expiresAt };
}

export async function revokeCredential(s: FundsNode, credentialHash: string): Promise<void> {
  const r = await s.submitter(CIVIL).submit('identity.status', { credentialHash, status: 'revoked', reason: 'eligibility-ended', actor: randomBytes(16).toString('hex') });
  if (r.code !== undefined) throw new Error(`revoke: ${r.message}`);
}

export function programmeBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    recurrence: 'monthly',
    eligibility: [{ type: 'low-income', claims: { eligible: true, category: 'minimum-living' } }],
    categories: [{ category: 'single', amountFen: 80_000 }, { category: 'family', amountFen: 120_000 }],
    budgetFen: 1_000_000,
    excludes: [OTHER_PROGRAMME],
    communities: [HOST],
    reviewer: CIVIL,
    treasury: FINANCE,
    bank: BANK,
    ...over,
  };
}

export const ok = (a: Answer, status = 201): any => {
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${a.body}`);
  return a.json;
};

export async function defineProgrammes(s: FundsNode): Promise<void> {
  ok(await s.call('PUT', `/v1/funds/programmes/${PROGRAMME}`, { as: 'zhou.civil', body: programmeBody() }));
  ok(await s.call('PUT', `/v1/funds/programmes/${OTHER_PROGRAMME}`, { as: 'zhou.civil', body: programmeBody({ excludes: [], categories: [{ category: 'single', amountFen: 150_000 }] }) }));
}

export type Applicant = { subject: string; credentialHash: string; application: string; accountNumber: string };

/** Applies for a person at the desk (as liu.desk) with a fresh credential. */
export async function applyFor(s: FundsNode, person: { name: string; building?: string; accountNumber?: string; resident?: string; programme?: string; subject?: string; validMs?: number }): Promise<Applicant> {
  const subject = person.subject ?? registerPerson(s, { name: person.name, idNumber: '110101195001011234', phone: '13800138000' }, person.resident);
  const cred = await issueCredential(s, person.validMs);
  const accountNumber = person.accountNumber ?? `6222${randomBytes(6).toString('hex').replace(/[a-f]/g, '7').slice(0, 12)}`;
  const r = ok(await s.call('POST', '/v1/funds/applications', {
    as: 'liu.desk',
    body: {
      programme: person.programme ?? PROGRAMME, subject, name: person.name, building: person.building ?? 'b1', category: 'single', accountNumber,
      credential: { type: 'low-income', issuer: CIVIL, statusIndex: cred.statusIndex, expiresAt: cred.expiresAt },
    },
  }));
  return { subject, credentialHash: cred.credentialHash, application: r.id as string, accountNumber };
}

/** Verifies, publishes a notice, lets 7 working days pass (the clock moves 12 days), approves. */
export async function approveAll(s: FundsNode, applications: string[], programme = PROGRAMME): Promise<string> {
  for (const a of applications) ok(await s.call('POST', `/v1/funds/applications/${a}/verify`, { as: 'liu.desk', body: { result: 'verified' } }));
  const notice = ok(await s.call('POST', '/v1/funds/notices', { as: 'liu.desk', body: { programme, applications } }));
  s.clock.offsetMs += 12 * DAY_MS;
  for (const a of applications) ok(await s.call('POST', `/v1/funds/applications/${a}/review`, { as: 'zhou.civil', body: { decision: 'approve', reason: 'meets-criteria' } }));
  return notice.id as string;
}

export const instruct = (s: FundsNode, application: string, period: string, amountFen = 80_000): Promise<Answer> =>
  s.call('POST', '/v1/funds/payments', { as: 'qian.finance', body: { application, period, amountFen } });
