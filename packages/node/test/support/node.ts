/**
 * The one fixture for a one-node chain in a test: a fresh temp dir, the real SQLite store, a MachiNode and its
 * consensus driver (no peers), the real modules opened as start-up opens them (src/node/modules.ts `openModules`, on
 * the list of src/modules/index.ts or a chosen subset), sign-in with an account for every role, and the Fastify app
 * for `inject()` (no socket unless `listen`). Each area's helpers are thin wrappers over this.
 *
 *   const s = await oneNode({ modules: ['repairs'] });
 *   const r = await s.call('POST', '/v1/repairs', { as: 'resident1', body: { … } });
 *   await s.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, InjectOptions } from 'fastify';
import { generateKeyPair, newChainRules, signerFromJwk, type Genesis, type Role, type Signer } from '@machi/core';
import {
  AccountStore, ConsensusDriver, InlineChecker, MachiNode, NODE_MODULES, SqliteStore, actorOf, buildServer,
  type AuthOptions, type NodeModule, type Principal,
} from '../../src/index.js';
import { openModules } from '../../src/node/modules.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { KeyRing } from '../../src/node/keys.js';
import { wireNode } from '../../src/node/start.js';
import { privateDbPath } from '../../src/storage/private-db.js';
import { openRepairs, repairsNodeModule, reporterSubjects, type RepairsWiring } from '../../src/modules/repairs/index.js';
import { DEMO_BUILDINGS } from '../../src/modules/repairs/buildings.js';
import { eventsNodeModule, openEvents, type EventsWiring } from '../../src/modules/events/index.js';
import { HOSTED_DIR, KEY_FILE, writeKeyFile } from '../../src/node/datadir.js';
import { mkdirSync } from 'node:fs';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import { TEST_SCRYPT_N } from './accounts.js';

export const TEST_PASSWORD = 'machi-test-password';
export { TEST_SCRYPT_N } from './accounts.js';

/**
 * The accounts every one-node chain has (all of the node's organisation): every role, the demo's names. Exactly two
 * maintenance workers (the repairs board lists them) and three residents.
 */
export const TEST_ACCOUNTS: Readonly<Record<string, Role>> = {
  resident1: 'resident',
  resident2: 'resident',
  resident3: 'resident',
  'li.staff': 'property-staff',
  'chen.dispatch': 'dispatcher',
  'wang.worker': 'maintenance-worker',
  'zhao.worker': 'maintenance-worker',
  'sun.line': 'line-worker',
  'ma.grid': 'grid-worker',
  'wu.utility': 'utility-staff',
  'zhou.official': 'official',
  'he.audit': 'regulator',
};

/** Names in the genesis (answers name the organisation by it); an organisation not listed is named by its id. */
const ORG_NAMES: Readonly<Record<string, string>> = {
  'street-office': 'Street office',
  'property-company': 'Property company',
  police: 'Police station',
};
const orgName = (id: string): string => ORG_NAMES[id] ?? id;

/**
 * A clock a test moves: real time plus `offsetMs`, or frozen once `ms` is set (then it moves only when told).
 * `now` is bound, to hand to the node or the account store.
 */
export class TestClock {
  offsetMs = 0;
  #frozenMs: number | undefined;
  constructor(frozenMs?: number) {
    this.#frozenMs = frozenMs;
  }
  readonly now = (): number => this.#frozenMs ?? Date.now() + this.offsetMs;
  get ms(): number {
    return this.now();
  }
  set ms(v: number) {
    this.#frozenMs = v;
  }
}

/**
 * The repairs module as registered, with test wiring: by default its SLA escalation job does not run on its own
 * (tests call escalateOverdue, or start the job with a short interval), so no timer races a test that moves the clock.
 */
/** The buildings the tests' property company serves: the demo community's and a few more. */
export const TEST_BUILDINGS = [...DEMO_BUILDINGS, ...['b4', 'b5', 'b6', 'b7', 'b8', 'b9'].map((code, i) => ({ code, name: `${4 + i}号楼`, lat: 31.232 + i / 1000, long: 121.452 + i / 1000 }))];

export function repairsModule(w: Partial<Pick<RepairsWiring, 'escalationIntervalMs' | 'eventHeartbeatMs' | 'buildings'>> = {}): NodeModule {
  return {
    ...repairsNodeModule,
    open(ctx) {
      const { vault } = ctx.use<PrivacyExports>('privacy');
      const r = openRepairs({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, subjects: vault, log: ctx.log, demo: ctx.demo, escalationIntervalMs: null, buildings: TEST_BUILDINGS, ...w });
      ctx.use<PrivacyExports>('privacy').service.cases.register('repair', (id) => reporterSubjects(r.store, vault, id));
      return { plugin: r.plugin, exports: r, close: () => r.close() };
    },
  };
}

/**
 * The events module as registered, with test wiring: its escalation job does not run on its own (tests call
 * `job.escalate(now)`), so no timer races a test that moves the clock.
 */
export function eventsModule(w: Partial<Pick<EventsWiring, 'escalationIntervalMs' | 'grids'>> = {}): NodeModule {
  return {
    ...eventsNodeModule,
    open(ctx) {
      const e = openEvents({ node: ctx.node, submitter: ctx.submitter, auth: ctx.auth, dir: ctx.dir, log: ctx.log, escalationIntervalMs: null, ...w });
      return { plugin: e.plugin, exports: e, close: () => e.close() };
    },
  };
}

/** A module by name (with the modules it depends on) or a variant of a registered one; in the registry's order. */
function moduleList(chosen: readonly (string | NodeModule)[]): NodeModule[] {
  const registered: readonly NodeModule[] = NODE_MODULES;
  const byName = new Map<string, NodeModule>();
  const add = (m: string | NodeModule): void => {
    const mod = typeof m === 'string' ? registered.find((r) => r.name === m) : m;
    if (mod === undefined) throw new Error(`no module ${String(m)} in src/modules/index.ts`);
    for (const dep of mod.dependsOn) if (!byName.has(dep)) add(dep);
    if (typeof m !== 'string' || !byName.has(mod.name)) byName.set(mod.name, mod);
  };
  for (const m of chosen) add(m);
  const order = (m: NodeModule): number => registered.findIndex((r) => r.name === m.name);
  return [...byName.values()].sort((a, b) => order(a) - order(b));
}

export interface OneNodeOptions {
  /** the organisation running the node (default property-company) */
  org?: string;
  /** the genesis's rules (foundation/rules.ts); default a new chain's, `{}` an older chain's (none) */
  rules?: Readonly<Record<string, number>>;
  /** more organisations in the genesis, without voting power: their DIDs resolve, they sign nothing here */
  otherOrgs?: readonly string[];
  /**
   * member organisations without voting power whose keys this node hosts (DIR/hosted/<org>/org-key.json), each with
   * its accounts (user name → role), signed in at start like `users`
   */
  hosted?: Readonly<Record<string, Readonly<Record<string, Role>>>>;
  chainId?: string;
  /** module names (their dependencies come along) or variants such as `repairsModule(…)`; default every module */
  modules?: readonly (string | NodeModule)[];
  /** route plugins registered after the modules' (last: as start.ts registers the web app) */
  plugins?: readonly FastifyPluginAsync[];
  /** sign-in on the API (default true); without it every route that is not public answers 401 */
  auth?: boolean;
  /** user name → role (default TEST_ACCOUNTS); each signed in once at start */
  users?: Readonly<Record<string, Role>>;
  displayName?: (username: string) => string;
  /** the node's clock (default real time; move it with offsetMs) */
  clock?: TestClock;
  /** the clock of sign-in: token expiry, failed-login windows, revocations (default real time) */
  authClock?: TestClock;
  /** what modules see as the node's public address (default its URL when listening, else http://127.0.0.1) */
  publicUrl?: string;
  /** listen on a free port of 127.0.0.1 (for fetch, streams, raw paths); `url` is set */
  listen?: boolean;
  /** seed the modules' demo data (as `machi start --demo`) */
  demo?: boolean;
  /**
   * start again on a closed node's data directory (closed with `keepDir`): its genesis, key and secret; accounts that
   * exist already are kept
   */
  restartOf?: Pick<OneNode, 'dir' | 'genesis' | 'signer' | 'secret'>;
  /** leave the data directory in place on close (to restart on it) */
  keepDir?: boolean;
  /** the organisation's key (default a fresh one) */
  orgKey?: Signer;
  /**
   * sign through a key ring on the data directory, as `machi start` does (keys.ts): the node switches to a pending
   * key (`org-key.next.json`) when a `rotate-key` change takes effect; `signer` is then the ring
   */
  keyRing?: boolean;
}

export interface Answer {
  status: number;
  json: any;
  body: string;
  headers: Record<string, unknown>;
}

export interface CallOptions {
  /** a user name or a role (its first account): sends that account's token */
  as?: string;
  /** a token as it is (wins over `as`) */
  token?: string;
  body?: unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

export interface OneNode {
  app: FastifyInstance;
  node: MachiNode;
  store: SqliteStore;
  consensus: ConsensusDriver;
  genesis: Genesis;
  signer: Signer;
  org: string;
  dir: string;
  auth: AuthOptions;
  accounts: AccountStore;
  secret: Buffer;
  clock: TestClock;
  authClock: TestClock;
  /** http://127.0.0.1:port when listening, else '' */
  url: string;
  /** user name → token (signed in at start) */
  tokens: Map<string, string>;
  /** user name → principal, as the auth hook builds it */
  principals: Map<string, Principal>;
  /** what an opened module exports (`OpenedModule.exports`) */
  use<T>(module: string): T;
  /** the token of a user name or role, from the sign-in at start */
  token(who: string): string;
  /** a fresh sign-in through the API; the token */
  login(who: string): Promise<string>;
  call(method: InjectOptions['method'], url: string, opts?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'machi-test-'));

export async function oneNode(opts: OneNodeOptions = {}): Promise<OneNode> {
  const org = opts.org ?? opts.restartOf?.genesis.orgs[0]!.id ?? 'property-company';
  const dir = opts.restartOf?.dir ?? tempDir();
  const orgKey = opts.restartOf?.signer ?? opts.orgKey ?? signerFromJwk(generateKeyPair().jwk);
  const signer: Signer = opts.keyRing === true ? new KeyRing(orgKey, dir) : orgKey;
  // hosted members' keys: written on a fresh start only (a restart keeps its directory and genesis)
  const hostedKeys = opts.restartOf !== undefined ? [] : Object.keys(opts.hosted ?? {}).map((id) => ({ id, key: generateKeyPair() }));
  for (const h of hostedKeys) {
    mkdirSync(join(dir, HOSTED_DIR, h.id), { recursive: true });
    writeKeyFile(join(dir, HOSTED_DIR, h.id, KEY_FILE), h.key.jwk);
  }
  const genesis: Genesis = opts.restartOf?.genesis ?? {
    chainId: opts.chainId ?? 'machi-test',
    genesisTime: new Date().toISOString(),
    orgs: [
      { id: org, name: orgName(org), publicKey: signer.publicKey, power: 1 },
      ...(opts.otherOrgs ?? []).map((id) => ({ id, name: orgName(id), publicKey: generateKeyPair().publicKey, power: 0 })),
      ...hostedKeys.map((h) => ({ id: h.id, name: orgName(h.id), publicKey: h.key.publicKey, power: 0 })),
    ],
    // a new chain's rules unless told (`{}`: an older chain's, without any)
    ...(opts.rules === undefined ? { rules: newChainRules() } : Object.keys(opts.rules).length === 0 ? {} : { rules: { ...opts.rules } }),
  };
  const clock = opts.clock ?? new TestClock();
  const authClock = opts.authClock ?? new TestClock();
  const store = new SqliteStore(join(dir, 'ledger.db'));
  // wired as `machi start` wires a node (a key ring, if any, follows key rotations)
  const { node, consensus } = wireNode({ genesis, signer, store, checker: new InlineChecker(genesis), clock: clock.now });
  const accounts = new AccountStore(privateDbPath(dir), { now: authClock.now, scryptN: TEST_SCRYPT_N });
  const secret = opts.restartOf?.secret ?? randomBytes(32);
  const auth: AuthOptions = { accounts, secret, now: authClock.now };
  let url = '';
  const exportsOf = new Map<string, unknown>();
  // each module's exports kept for `use`, as openModules hands them to its dependants
  const chosen = moduleList(opts.modules ?? [...NODE_MODULES.filter((m) => m.name !== 'repairs' && m.name !== 'events'), repairsModule(), eventsModule()]).map((m): NodeModule => ({
    ...m,
    async open(ctx) {
      const o = await m.open(ctx);
      exportsOf.set(m.name, o.exports);
      return o;
    },
  }));
  let modules: Awaited<ReturnType<typeof openModules>> | undefined;
  let app: FastifyInstance | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await app?.close();
    consensus.close();
    await node.close();
    store.close();
    await modules?.close();
    accounts.close();
    if (opts.keepDir !== true) rmSync(dir, { recursive: true, force: true });
  };
  try {
    modules = await openModules({
      dir, node, signer, submitter: new OrgSubmitter(node, signer), auth, net: null, log: process.env.MACHI_TEST_LOG === '1' ? (l: string) => process.stderr.write(`${l}\n`) : () => {}, demo: opts.demo === true,
      publicUrl: () => opts.publicUrl ?? (url === '' ? 'http://127.0.0.1' : url),
    }, chosen);
    app = await buildServer(node, { consensus, ...(opts.auth === false ? {} : { auth }), plugins: [...modules.plugins, ...(opts.plugins ?? [])] });
    if (opts.listen === true) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const addr = app.server.address();
      if (addr === null || typeof addr !== 'object') throw new Error('not listening');
      url = `http://127.0.0.1:${addr.port}`;
    }
  } catch (e) {
    await close();
    throw e;
  }
  const built = app;
  if (opts.demo === true) modules.seedWhenReady(() => closed);

  const users = opts.users ?? TEST_ACCOUNTS;
  const nameOf = (who: string): string => (who in users ? who : Object.keys(users).find((u) => users[u] === who)) ?? who;
  const orgOfUser = new Map<string, string>();
  for (const [o, list] of Object.entries(opts.hosted ?? {})) for (const u of Object.keys(list)) orgOfUser.set(u, o);
  const signIn = async (who: string): Promise<string> => {
    const username = nameOf(who);
    const r = await built.inject({ method: 'POST', url: '/v1/auth/login', payload: { org: orgOfUser.get(username) ?? org, username, password: TEST_PASSWORD } });
    if (r.statusCode !== 200) throw new Error(`sign-in of ${username}: ${r.statusCode} ${r.body}`);
    return r.json().token as string;
  };
  const tokens = new Map<string, string>();
  const principals = new Map<string, Principal>();
  await Promise.all(Object.entries(users).map(async ([username, role]) => {
    const u = accounts.findUser(org, username) ?? await accounts.createUser({ org, username, role, displayName: opts.displayName?.(username) ?? username, password: TEST_PASSWORD });
    principals.set(username, { userId: u.id, username, org, role, actor: actorOf(org, u.id, secret) });
    if (opts.auth !== false) tokens.set(username, await signIn(username));
  }));
  for (const [o, list] of Object.entries(opts.hosted ?? {})) {
    await Promise.all(Object.entries(list).map(async ([username, role]) => {
      const u = accounts.findUser(o, username) ?? await accounts.createUser({ org: o, username, role, displayName: opts.displayName?.(username) ?? username, password: TEST_PASSWORD });
      principals.set(username, { userId: u.id, username, org: o, role, actor: actorOf(o, u.id, secret) });
      if (opts.auth !== false) tokens.set(username, await signIn(username));
    }));
  }

  const token = (who: string): string => {
    const t = tokens.get(nameOf(who));
    if (t === undefined) throw new Error(`no account ${who} signed in on this node`);
    return t;
  };
  return {
    app: built, node, store, consensus, genesis, signer, org, dir, auth, accounts, secret, clock, authClock, tokens, principals,
    get url() {
      return url;
    },
    use: <T>(name: string): T => {
      if (!exportsOf.has(name)) throw new Error(`module ${name} is not open on this node`);
      return exportsOf.get(name) as T;
    },
    token,
    login: signIn,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const bearer = o.token ?? (o.as === undefined ? undefined : token(o.as));
      if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
      const r = await built.inject({
        method, url: path, headers,
        ...(o.query === undefined ? {} : { query: o.query }),
        ...(o.remoteAddress === undefined ? {} : { remoteAddress: o.remoteAddress }),
        ...(o.body === undefined ? {} : { payload: o.body as object }),
      });
      let json: unknown;
      try {
        json = r.body === '' ? undefined : r.json();
      } catch {
        json = undefined;
      }
      return { status: r.statusCode, json, body: r.body, headers: r.headers };
    },
    close,
  };
}
