/**
 * Wires a data directory, the ledger store (SQLite, or PostgreSQL with --store), the checker pool, the node,
 * consensus, the peer network and the API into a running process.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { genesisHash, type Genesis, type Signer, type TimeoutParams } from '@machi/core';
import { KEY_FILE, openDataDir } from './datadir.js';
import { MachiNode } from './node.js';
import { PooledChecker, type TxChecker } from './checker.js';
import { openLedgerStore, redact, storeLocation } from '../storage/open.js';
import type { LedgerStore } from '../storage/store.js';
import { buildServer } from '../api/server.js';
import { webAppRoutes } from '../api/web.js';
import { ConsensusDriver, type PeerTransport } from '../consensus/driver.js';
import { P2PNetwork } from '../p2p/network.js';
import { openAuth } from '../auth/secret.js';
import { DEMO_PASSWORD, seedAccounts } from '../auth/demo.js';
import { OrgSubmitter } from './org-tx.js';
import { KeyRing, NEXT_KEY_FILE, genesisOrgOf, readPendingKey, retiredKeys } from './keys.js';
import { RestoreCheck, restoreMarker, votingView } from './restore-check.js';
import { HostedKeys } from './hosted-keys.js';
import { openModules } from './modules.js';
import { REPLAY_SCRATCH_FILE } from '../chain/replay-scratch.js';

export interface Wired {
  node: MachiNode;
  consensus: ConsensusDriver;
}

/** A node and its consensus driver on a store; `net` null for a node without peers (a one-validator chain). */
export function wireNode(opts: {
  genesis: Genesis;
  signer: Signer;
  store: LedgerStore;
  checker: TxChecker;
  net?: PeerTransport | null;
  timeouts?: Partial<TimeoutParams>;
  log?: (line: string) => void;
  /** the node's clock (block times, deadlines); default Date.now */
  clock?: () => number;
  /** the organisation, when the signer's key is not in the genesis (a rotated key: keys.ts) */
  orgId?: string | undefined;
  /** whether the node may vote at a height (a restored node: restore-check.ts); default always */
  mayVote?: (height: number) => boolean;
  /** where a joined node re-executes its older blocks (MachiNode's replayScratchFile); default in memory */
  replayScratchFile?: string;
}): Wired {
  const ring = opts.signer instanceof KeyRing ? opts.signer : undefined;
  const node = new MachiNode({
    genesis: opts.genesis, publicKey: opts.signer.publicKey, store: opts.store, checker: opts.checker, ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    ...(opts.orgId === undefined ? {} : { orgId: opts.orgId }), ...(ring === undefined ? {} : { holdsKey: (k: string) => ring.holds(k) }),
    ...(opts.replayScratchFile === undefined ? {} : { replayScratchFile: opts.replayScratchFile }),
  });
  if (ring !== undefined) {
    // a rotation that took effect while the node was down (the node picked the key in force for the next height)
    if (ring.use(node.signingKey)) opts.log?.(`key rotation: ${node.self.id} signs with its new key ${node.signingKey.slice(0, 8)}… (in force since height ${node.head.height + 1} or before)`);
    if (node.self.publicKey !== node.signingKey) {
      opts.log?.(`key rotation: the member set names ${node.self.publicKey.slice(0, 8)}… for ${node.self.id}, a key this node does not hold (${KEY_FILE} or ${NEXT_KEY_FILE}): it follows the chain without a vote`);
    }
    node.on('signing-key', (key) => {
      ring.use(key);
      opts.log?.(`key rotation: ${node.self.id} signs with its new key ${key.slice(0, 8)}… from height ${node.head.height + 1}; the old key is retired`);
    });
  }
  const consensus = new ConsensusDriver({
    node,
    signer: opts.signer,
    net: opts.net ?? null,
    ...(opts.timeouts === undefined ? {} : { timeouts: opts.timeouts }),
    ...(opts.log === undefined ? {} : { log: opts.log }),
    ...(opts.mayVote === undefined ? {} : { mayVote: opts.mayVote }),
  });
  consensus.start();
  return { node, consensus };
}

export interface StartOptions {
  dir: string;
  genesisFile?: string | undefined;
  port: number;
  host: string;
  /** peer-to-peer listen address; peers' addresses ("host:port") */
  listen?: { host: string; port: number };
  peers?: string[];
  /** worker threads for signature checks (default: one per core) */
  checkThreads?: number;
  /** seed demo accounts (and, on the property company's node, a demo community) on first start */
  demo?: boolean;
  /** the address others reach this node's API at (e.g. https://node.street-office.example): credentials name their
   * status list under it; default the listening address (which is 127.0.0.1 when listening on all interfaces) */
  publicUrl?: string;
  /** the ledger's store: a postgres://… URL (one schema per node, `?schema=NAME`, default machi_<org>); default
   * SQLite in DIR/ledger.db. Recorded in DIR on first use (storage/open.ts) */
  store?: string | undefined;
  /** `json`: every log line a JSON object on stderr, and one per API request with its id (`reqId`); default text */
  logFormat?: LogFormat | undefined;
  /** a restored node: how many of the newest commits to search for its own signatures (restore-check.ts) */
  doubleSignCheckHeights?: number | undefined;
  /** a restored node votes even if its key signed after the backup (the operator has stopped the original) */
  ignoreDoubleSignCheck?: boolean | undefined;
}

export interface RunningNode extends Wired {
  app: FastifyInstance;
  url: string;
  p2pAddress: string | undefined;
  close(): Promise<void>;
}

/**
 * MACHI_CLOCK_OFFSET_MS: runs the node's ledger clock (block times, deadlines, timers) this many ms ahead of the
 * system clock — for tests and demos of timers that take minutes; every node of a chain must use the same offset, and
 * it may only grow (block times never go back). Default 0.
 */
export function clockOffsetMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.MACHI_CLOCK_OFFSET_MS;
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('MACHI_CLOCK_OFFSET_MS must be a whole number of milliseconds, 0 or more');
  return n;
}

/** Log lines as text (`<ISO time> <line>`, the default) or as JSON objects (pino: level, time, org, msg). */
export type LogFormat = 'text' | 'json';

const textLog = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

export async function startNode(opts: StartOptions): Promise<RunningNode> {
  const dd = openDataDir(opts.dir, opts.genesisFile);
  // after a key rotation the organisation's genesis key is among its retired ones (keys.ts)
  const genesisOrg = genesisOrgOf(dd.genesis, opts.dir, dd.signer.publicKey);
  const selfOrg = genesisOrg?.org.id ?? 'node';
  const signer = new KeyRing(dd.signer, opts.dir);
  const json = opts.logFormat === 'json' ? pino({ base: { org: selfOrg }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2)) : undefined;
  const log = json === undefined ? textLog : (line: string): void => json.info(line);
  const where = storeLocation(opts.dir, selfOrg, opts.store);
  const store = openLedgerStore(where, { dir: opts.dir });
  if (where.kind === 'postgres') log(`store: PostgreSQL ${redact(where.connectionString)} schema ${where.schema}`);
  const gh = genesisHash(dd.genesis);
  const stored = store.getMeta('genesis_hash');
  if (stored !== undefined && stored !== gh) {
    store.close();
    throw new Error(`the ledger in ${opts.dir} belongs to another genesis (${stored.slice(0, 12)}…), not ${gh.slice(0, 12)}…`);
  }
  if (stored === undefined) store.setMeta('genesis_hash', gh);
  const peered = (opts.peers?.length ?? 0) > 0 || dd.genesis.orgs.length > 1;
  let net: P2PNetwork | null = null;
  if (peered && opts.listen !== undefined) {
    net = new P2PNetwork({ genesis: dd.genesis, signer, listen: opts.listen, peers: opts.peers ?? [], log });
    await net.start();
  }
  const checker: TxChecker = new PooledChecker(dd.genesis, opts.checkThreads);
  const offset = clockOffsetMs();
  const marker = restoreMarker(opts.dir);
  let check: RestoreCheck | undefined;
  const wired = wireNode({
    genesis: dd.genesis, signer, store, checker, net, log, ...(offset === 0 ? {} : { clock: () => Date.now() + offset }),
    ...(genesisOrg?.rotated === true ? { orgId: genesisOrg.org.id } : {}),
    ...(marker === undefined ? {} : { mayVote: (h: number) => check?.mayVote(h) ?? false }),
    replayScratchFile: join(opts.dir, REPLAY_SCRATCH_FILE),
  });
  if (marker !== undefined) {
    check = new RestoreCheck({
      dir: opts.dir, marker, node: wired.node, consensus: wired.consensus, ownKeys: () => [signer.publicKey, ...(readPendingKey(opts.dir)?.publicKey ?? []), ...retiredKeys(opts.dir)], log,
      ...(opts.doubleSignCheckHeights === undefined ? {} : { heights: opts.doubleSignCheckHeights }), ignore: opts.ignoreDoubleSignCheck === true, alone: net === null,
    });
    check.start();
  }
  if (offset !== 0) log(`clock: ${offset} ms ahead of the system clock (MACHI_CLOCK_OFFSET_MS)`);
  // one set of hosted members' keys for every module, following their key rotations
  const hosted = new HostedKeys(wired.node, opts.dir, log);
  const auth = openAuth(opts.dir);
  // demo accounts first: the modules' demo data refers to them
  if (opts.demo === true) {
    // the staff of member organisations whose keys this node hosts sign in here, with their organisation
    for (const org of [wired.node.self.id, ...hosted.signers.keys()]) {
      const users = await seedAccounts(auth.accounts, org);
      log(`demo accounts of ${org} (password "${DEMO_PASSWORD}"): ${users.map((u) => `${u.username} (${u.role})`).join(', ')}`);
    }
  }
  let publicUrl = ''; // status list URIs in credentials name it; known once listening
  const modules = await openModules({
    dir: opts.dir, node: wired.node, signer, submitter: new OrgSubmitter(wired.node, signer), hosted: hosted.signers, auth, net, log,
    demo: opts.demo === true, publicUrl: () => publicUrl,
  });
  const app = await buildServer(wired.node, {
    consensus: wired.consensus,
    peers: () => net?.peers() ?? [],
    voting: () => votingView(check),
    auth,
    processMetrics: true,
    ...(json === undefined ? {} : { logger: json }),
    webhookStates: () => modules.exportsOf<{ store: { stateCounts(): Record<string, number> } }>('webhooks')?.store.stateCounts() ?? {},
    plugins: [
      ...modules.plugins,
      // last: its catch-all GET serves the app's page for any path no other route has
      async (a) => a.register(webAppRoutes),
    ],
  });
  await app.listen({ port: opts.port, host: opts.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  publicUrl = opts.publicUrl?.replace(/\/+$/, '') ?? `http://${host}:${port}`;
  const p2p = net?.address;
  // The modules' demo data goes through consensus: seeded once the chain commits, retried until it does.
  if (opts.demo === true) modules.seedWhenReady(() => wired.node.closed);
  return {
    ...wired,
    app,
    url: `http://${host}:${port}`,
    p2pAddress: p2p === undefined ? undefined : `${p2p.host}:${p2p.port}`,
    async close() {
      check?.close();
      hosted.close();
      wired.consensus.close();
      await app.close();
      await net?.close();
      await wired.node.close();
      store.close();
      await modules.close();
      auth.accounts.close();
    },
  };
}
