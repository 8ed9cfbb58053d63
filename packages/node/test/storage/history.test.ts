/**
 * A node joined from a snapshot fetches the older history in the background (docs/spec/membership.md#history), on both
 * store backends: before, old receipts, blocks and proofs answer HISTORY_INCOMPLETE and `verifyStore` reports a partial
 * history; the blocks come over the peer protocol (get-history / history, between two HistoryFetch ends on a test
 * clock), newest first, resuming after a restart; a forged block is refused with nothing stored; after, old receipts
 * and proof bundles are served (and verify offline) and `verifyStore` re-executes the whole chain from genesis.
 * Also: `machi join --store postgres://` (run in this process), the same fetch between two real consensus drivers
 * (and a joined node asked by a peer for blocks it lacks answers none, blaming nobody), and the SQLite state view the
 * snapshot writer reads in pages.
 *
 * The chain is built directly in a SQLite store with the core's buildBlock (as bench:join does): 4 validators, 3 of
 * them sign each commit, block times 10 minutes apart so the snapshot's replay window is a couple of blocks.
 */
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MerkleLog, blockHash, buildBlock, createRegistry, generateKeyPair, genesisHead, orgByKey, precommitSignBytes, signTx, signerFromJwk,
  txCanonical, txHashOfCanonical, verifyBundle, type ChainHead, type Genesis, type SignedTx, type SnapshotManifest, type Signer,
} from '@machi/core';
import { MachiNode } from '../../src/node/node.js';
import { InlineChecker } from '../../src/node/checker.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { PgStore, parsePgUrl } from '../../src/storage/postgres.js';
import type { LedgerStore, StoredTx } from '../../src/storage/store.js';
import { Snapshots, installSnapshot, readStateLines } from '../../src/modules/consortium/snapshots.js';
import { HistoryFetch } from '../../src/consensus/history-fetch.js';
import { ConsensusDriver } from '../../src/consensus/driver.js';
import type { Clock, Timer } from '../../src/consensus/clock.js';
import type { PeerTransport, WireMessage } from '../../src/consensus/transport.js';
import { verifyStore } from '../../src/chain/verify-store.js';
import { buildServer } from '../../src/api/server.js';
import { commands } from '../../src/cli/commands.js';
import { consortiumRoutes } from '../../src/modules/consortium/routes.js';
import { STORE_URL_FILE, openLedgerStore, storeLocation } from '../../src/storage/open.js';
import { PG_URL, dropSchemas, ensurePostgres, freshSchema } from '../support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'machi-history-'));
const schemas: string[] = [];
const GAP_MS = 10 * 60_000;
const SNAPSHOT_HEIGHT = 60;
const TOP = 64;

let genesis: Genesis;
let keys: Signer[];
let source: SqliteStore;
let server: MachiNode;
let manifest: SnapshotManifest;
let statePath: string;
/** the snapshots as the source node serves them */
let served: Snapshots;
/** a transaction of each height (block 1's first, …), and its block */
const txOf = new Map<number, string>();

beforeAll(async () => {
  ensurePostgres();
  keys = Array.from({ length: 4 }, () => signerFromJwk(generateKeyPair().jwk));
  const ids = ['street-office', 'property-company', 'power-company', 'auditor'];
  genesis = { chainId: 'machi-history-test', genesisTime: '2026-01-01T00:00:00.000Z', orgs: keys.map((k, i) => ({ id: ids[i]!, name: ids[i]!, publicKey: k.publicKey, power: 1 })) };
  const registry = createRegistry();
  const orgs = orgByKey(genesis);
  source = new SqliteStore(join(dir, 'source.db'));
  let log = MerkleLog.fromReader(source, 0);
  let head: ChainHead = genesisHead(genesis);
  let nonce = 0;
  const addBlock = (txs: SignedTx[]): void => {
    const checked = txs.map((t) => ({ tx: t, canonical: txCanonical(t), hash: txHashOfCanonical(txCanonical(t)) }));
    const built = buildBlock({ genesis, registry, orgs, prev: head, time: head.time + GAP_MS, proposer: keys[0]!.publicKey, log, state: source, txs: checked });
    const hash = blockHash(built.header);
    const msg = precommitSignBytes(genesis.chainId, built.header.height, 0, hash);
    const commit = { height: built.header.height, round: 0, blockHash: hash, signatures: keys.slice(0, 3).map((k) => ({ validator: k.publicKey, sig: k.sign(msg) })) };
    const firstSeq = built.header.logSize - checked.length;
    const stored: StoredTx[] = checked.map((c, i) => ({ hash: c.hash, seq: firstSeq + i, height: built.header.height, body: c.canonical, signer: c.tx.signer, nonce: c.tx.nonce, code: built.execution.results[i]!.code ?? null, message: null }));
    source.commitBlock({ block: { header: built.header, commit, hash, firstSeq }, txs: stored, logNodes: built.logNodes, writes: built.execution.writes });
    log = MerkleLog.fromReader(source, built.header.logSize);
    head = { height: built.header.height, hash, time: built.header.time, appHash: built.header.appHash };
    if (stored.length > 0) txOf.set(head.height, stored[0]!.hash);
  };
  const tx = (s: Signer, type: string, payload: Record<string, unknown>): SignedTx =>
    signTx({ chainId: genesis.chainId, type, payload, signer: s.publicKey, nonce: (nonce++).toString(16).padStart(32, '0'), time: head.time + GAP_MS }, s.sign);
  const notary = (n: number): SignedTx[] => Array.from({ length: n }, (_, i) => tx(keys[i % 4]!, 'notary.record', { hash: randomBytes(32).toString('hex'), label: `document ${nonce}` }));
  // uneven blocks (some empty): the log's subtrees cross block boundaries
  for (let h = 1; h <= SNAPSHOT_HEIGHT; h++) addBlock(notary(h % 7 === 0 ? 0 : (h * 5) % 11 + 1));
  const taker = new MachiNode({ genesis, publicKey: keys[0]!.publicKey, store: source, checker: new InlineChecker(genesis) });
  const snapshots = new Snapshots(taker, undefined, dir, Number.MAX_SAFE_INTEGER, () => {});
  const snap = snapshots.take(source.getBlock(SNAPSHOT_HEIGHT)!);
  await taker.close();
  addBlock(keys.slice(0, 3).map((k) => tx(k, 'consortium.checkpoint', { height: snap.height, blockHash: snap.blockHash, stateDigest: snap.stateDigest })));
  while (head.height < TOP) addBlock(notary(2));
  server = new MachiNode({ genesis, publicKey: keys[0]!.publicKey, store: source, checker: new InlineChecker(genesis) });
  served = new Snapshots(server, undefined, dir, Number.MAX_SAFE_INTEGER, () => {});
  manifest = JSON.parse(JSON.stringify(served.manifest())) as SnapshotManifest;
  statePath = snapshots.statePath(SNAPSHOT_HEIGHT)!;
}, 60_000);

afterAll(async () => {
  await server?.close();
  source?.close();
  await dropSchemas(schemas);
  rmSync(dir, { recursive: true, force: true });
});

/** A clock the test moves: timers run when `advance` passes their time. */
class TestClock implements Clock {
  ms = Date.parse('2026-06-01T00:00:00Z');
  #timers: { at: number; fn: () => void; id: object }[] = [];
  now(): number {
    return this.ms;
  }
  setTimer(ms: number, fn: () => void): Timer {
    const id = {};
    this.#timers.push({ at: this.ms + ms, fn, id });
    return id as Timer;
  }
  clearTimer(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t.id !== (timer as unknown as object));
  }
  advance(ms: number): void {
    const until = this.ms + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.ms = Math.max(this.ms, due.at);
      due.fn();
    }
    this.ms = until;
  }
}

/** Two HistoryFetch ends (the joined node's, and the source's that serves) joined by an in-memory link. */
function link(joined: MachiNode, clock: TestClock, tamper?: (m: WireMessage) => WireMessage, peerHeight = TOP) {
  const sent: WireMessage[] = [];
  const misbehaved: string[] = [];
  let servingEnd: HistoryFetch;
  let joinedEnd: HistoryFetch;
  const net = (deliver: (m: WireMessage) => void): PeerTransport => ({ send: (_peer: string, m: WireMessage) => deliver(m), broadcast() {}, disconnect() {} }) as unknown as PeerTransport;
  servingEnd = new HistoryFetch({
    node: server, net: net((m) => joinedEnd.apply('source', (tamper ?? ((x) => x))(m) as never)), clock, log: () => {}, misbehaved: () => {}, peerHeights: new Map(), syncing: () => false,
  });
  joinedEnd = new HistoryFetch({
    node: joined, net: net((m) => {
      sent.push(m);
      servingEnd.serve('joiner', m as never);
    }),
    clock, log: () => {}, misbehaved: (_p, why) => misbehaved.push(why), peerHeights: new Map([['source', peerHeight]]), syncing: () => false,
  });
  return { sent, misbehaved, close: () => joinedEnd.close() };
}

const backends = [
  { name: 'sqlite', open: (): { store: () => LedgerStore } => { const f = join(dir, `${randomBytes(4).toString('hex')}.db`); return { store: () => new SqliteStore(f) }; } },
  {
    name: 'postgres',
    open: (): { store: () => LedgerStore } => {
      const schema = freshSchema('history');
      schemas.push(schema);
      return { store: () => new PgStore({ connectionString: parsePgUrl(PG_URL, schema).connectionString, schema }) };
    },
  },
];

describe.each(backends)('history after a snapshot join ($name)', (backend) => {
  it('is fetched in the background, verified, resumable; old receipts and proofs are served once it is here', async () => {
    const where = backend.open();
    let store = where.store();
    await installSnapshot(store, genesis, manifest, readStateLines(createReadStream(statePath)));
    let node = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store, checker: new InlineChecker(genesis) });
    for (let h = node.head.height + 1; h <= TOP; h++) {
      const w = server.wireBlock(h)!;
      await node.applySynced(w.block, w.commit);
    }
    const lowest = manifest.recent[0]!.header.height;
    expect(node.history.view).toEqual({ complete: false, lowestHeight: lowest, snapshotHeight: SNAPSHOT_HEIGHT });
    expect(lowest).toBeGreaterThan(40);

    // before: old things answer HISTORY_INCOMPLETE; what is after the snapshot is served
    let app = await buildServer(node, { docs: false });
    const old = txOf.get(2)!;
    for (const url of [`/v1/txs/${old}`, `/v1/txs/${old}/proof`, '/v1/blocks/2', `/v1/txs/${txOf.get(lowest + 1)!}/proof`]) {
      const r = await app.inject(url);
      expect(r.statusCode, url).toBe(503);
      expect(r.json().code).toBe('HISTORY_INCOMPLETE');
      expect(r.json().message).toMatch(new RegExp(`snapshot at height ${SNAPSHOT_HEIGHT} and holds blocks from ${lowest} on`));
    }
    expect((await app.inject(`/v1/txs/${randomBytes(32).toString('hex')}`)).json().code).toBe('HISTORY_INCOMPLETE');
    const recent = await app.inject(`/v1/txs/${txOf.get(TOP)!}/proof`);
    expect(recent.statusCode).toBe(200);
    expect(verifyBundle(recent.json(), genesis).height).toBe(TOP);
    expect((await app.inject('/v1/health')).json().history).toEqual({ complete: false, lowestHeight: lowest, snapshotHeight: SNAPSHOT_HEIGHT });
    expect((await app.inject('/metrics')).body).toMatch(new RegExp(`^machi_history_backfill_lowest_height ${lowest}$`, 'm'));
    await app.close();
    const partial = verifyStore(store, genesis);
    expect(partial).toMatchObject({ ok: true, from: lowest, snapshotHeight: SNAPSHOT_HEIGHT, blocks: TOP - lowest + 1 });

    // a forged answer: one transaction of the newest block asked for replaced — refused, nothing stored
    const clock = new TestClock();
    const forged = link(node, clock, (m) => {
      if (m.t !== 'history') return m;
      const blocks = structuredClone(m.blocks);
      const b = blocks.find((x) => x.block.txs.length > 0)!;
      b.block.txs[0] = b.block.txs[0]!.replace(/"label":"document/, '"label":"forged');
      return { ...m, blocks };
    });
    clock.advance(600);
    expect(forged.sent).toHaveLength(1);
    expect(forged.misbehaved[0]).toMatch(/history block \d+: transactions do not match the tx root/);
    expect(node.history.view.lowestHeight).toBe(lowest);
    forged.close();

    // the background fetch: newest first, SYNC_BLOCKS_MAX (32) at a time; a restart after the first answer
    const c1 = new TestClock();
    let l = link(node, c1);
    c1.advance(600);
    expect(l.sent).toEqual([{ t: 'get-history', from: lowest - 32, to: lowest - 1 }]);
    expect(node.history.view.lowestHeight).toBe(lowest - 32);
    l.close();
    await node.close();
    store.close();
    store = where.store();
    node = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store, checker: new InlineChecker(genesis) });
    expect(node.history.view.lowestHeight).toBe(lowest - 32);
    const c2 = new TestClock();
    l = link(node, c2);
    for (let i = 0; i < 10 && !node.history.complete; i++) c2.advance(600);
    expect(l.sent[0]).toEqual({ t: 'get-history', from: Math.max(1, lowest - 64), to: lowest - 33 });
    expect(l.misbehaved).toEqual([]);
    expect(node.history.view).toEqual({ complete: true, lowestHeight: 1, snapshotHeight: SNAPSHOT_HEIGHT });
    l.close();

    // after: every old receipt and proof, and the whole chain re-executed from genesis
    app = await buildServer(node, { docs: false });
    for (const h of [1, 2, lowest - 1, lowest + 1, SNAPSHOT_HEIGHT]) {
      const hash = txOf.get(h);
      if (hash === undefined) continue;
      const r = await app.inject(`/v1/txs/${hash}`);
      expect(r.statusCode, `receipt of block ${h}`).toBe(200);
      expect(r.json()).toMatchObject({ status: 'committed', height: h });
      const p = await app.inject(`/v1/txs/${hash}/proof`);
      expect(p.statusCode, `proof of block ${h}`).toBe(200);
      expect(verifyBundle(p.json(), genesis).height).toBe(h);
    }
    expect((await app.inject(`/v1/txs/${randomBytes(32).toString('hex')}`)).statusCode).toBe(404);
    expect((await app.inject('/v1/blocks/1')).json().header.height).toBe(1);
    expect((await app.inject('/metrics')).body).toMatch(/^machi_history_backfill_lowest_height 1$/m);
    await app.close();
    expect(verifyStore(store, genesis)).toEqual({ ok: true, blocks: TOP, txs: source.logSize() });
    await node.close();
    store.close();
  }, 120_000);
});

/** Runs a `machi` command in this process; its exit code and what it printed. */
async function machi(name: string, values: Record<string, unknown>, positionals: string[] = []): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await commands[name]!.run(values as never, positionals), out };
  } finally {
    process.stdout.write = write;
  }
}

describe('machi join --store postgres://', () => {
  it('installs a verified snapshot into PostgreSQL; machi verify reports the partial history, then the whole chain once fetched', async () => {
    const app = await buildServer(server, { docs: false, plugins: [async (a) => a.register(consortiumRoutes, { node: server, snapshots: served })] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const data = join(dir, 'joiner');
    const genesisFile = join(dir, 'genesis-file.json');
    writeFileSync(genesisFile, JSON.stringify(genesis));
    const schema = freshSchema('join');
    schemas.push(schema);
    try {
      const j = await machi('join', { from: url, data, genesis: genesisFile, store: `${PG_URL}?schema=${schema}` });
      expect(j.code, j.out).toBe(0);
      expect(j.out).toMatch(new RegExp(`store: PostgreSQL .* schema ${schema}`));
      expect(j.out).toMatch(new RegExp(`snapshot at height ${SNAPSHOT_HEIGHT} .* verified: checkpoints by power-company, property-company, street-office;`));
      expect(existsSync(join(data, 'ledger.db'))).toBe(false);
      expect(readFileSync(join(data, STORE_URL_FILE), 'utf8')).toContain(`schema=${schema}`);
      const partial = await machi('verify', {}, [data]);
      expect(partial.code, partial.out).toBe(3);
      expect(partial.out).toMatch(new RegExp(`^partial: .* history reaches back to block ${manifest.recent[0]!.header.height} \\(joined from a snapshot at ${SNAPSHOT_HEIGHT};`));
      // the node on that store (as machi start opens it) fetches the history; then machi verify re-executes everything
      const store = openLedgerStore(storeLocation(data, 'node'), { dir: data });
      expect(store).toBeInstanceOf(PgStore);
      expect(store.height()).toBe(SNAPSHOT_HEIGHT);
      const node = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store, checker: new InlineChecker(genesis) });
      // behind its peers (at the snapshot's height, they are at TOP): catching up comes first, no history is asked
      const c0 = new TestClock();
      const waiting = link(node, c0, undefined, TOP);
      c0.advance(5000);
      expect(waiting.sent).toEqual([]);
      waiting.close();
      const clock = new TestClock();
      const l = link(node, clock, undefined, SNAPSHOT_HEIGHT);
      for (let i = 0; i < 10 && !node.history.complete; i++) clock.advance(600);
      l.close();
      expect(node.history.complete).toBe(true);
      await node.close();
      store.close();
      const full = await machi('verify', {}, [data]);
      expect(full.code, full.out).toBe(0);
      expect(full.out).toMatch(new RegExp(`^ok: ${SNAPSHOT_HEIGHT} blocks`));
      // a second join into the same data directory is refused: a node does not change ledger
      await expect(machi('join', { from: url, data, store: `${PG_URL}?schema=${schema}` })).rejects.toThrow(/already holds a ledger/);
    } finally {
      await app.close();
    }
  }, 120_000);
});

/** A peer link that carries only what a test routes: the other end is `to`, as peer `as`. */
class Link implements PeerTransport {
  to: Link | undefined;
  readonly sent: WireMessage[] = [];
  readonly #listeners: ((peer: { publicKey: string; orgId: string }, message: unknown) => void)[] = [];
  constructor(readonly as: Signer, readonly carries: readonly string[]) {}
  broadcast(): number {
    return 0;
  }
  send(_peer: string, message: unknown): boolean {
    const m = message as WireMessage;
    this.sent.push(m);
    if (this.carries.includes(m.t)) this.to?.deliver(this.as, m);
    return true;
  }
  readonly disconnects: string[] = [];
  disconnect(_peer: string, reason: string): void {
    this.disconnects.push(reason);
  }
  on(event: string, listener: (peer: { publicKey: string; orgId: string }, message: unknown) => void): this {
    if (event === 'message') this.#listeners.push(listener);
    return this;
  }
  deliver(from: Signer, message: unknown): void {
    for (const l of this.#listeners) l({ publicKey: from.publicKey, orgId: 'peer' }, message);
  }
}

describe('over the consensus driver', () => {
  it("a joined node's driver asks a peer for the older blocks once it is current; the peer's driver answers from its store", async () => {
    const store = new SqliteStore(join(dir, 'driven.db'));
    await installSnapshot(store, genesis, manifest, readStateLines(createReadStream(statePath)));
    const node = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store, checker: new InlineChecker(genesis) });
    for (let h = node.head.height + 1; h <= TOP; h++) {
      const w = server.wireBlock(h)!;
      await node.applySynced(w.block, w.commit);
    }
    const clock = new TestClock();
    const joinedLink = new Link(keys[3]!, ['get-history']);
    const serverLink = new Link(keys[0]!, ['history']);
    joinedLink.to = serverLink;
    serverLink.to = joinedLink;
    const log: string[] = [];
    const joined = new ConsensusDriver({ node, signer: keys[3]!, net: joinedLink, clock, log: (l) => log.push(l) });
    const serving = new ConsensusDriver({ node: server, signer: keys[0]!, net: serverLink, clock, log: () => {} });
    try {
      joined.start();
      serving.start();
      clock.advance(600);
      expect(joinedLink.sent.filter((m) => m.t === 'get-history')).toEqual([]); // no peer height known yet
      // a peer far behind asks the joined node for blocks it does not hold yet: an empty answer, no blame
      joinedLink.deliver(keys[0]!, { t: 'get-blocks', from: 1, to: 10 });
      expect(joinedLink.sent.filter((m) => m.t === 'blocks')).toEqual([{ t: 'blocks', blocks: [] }]);
      expect(joinedLink.disconnects).toEqual([]);
      joinedLink.deliver(keys[0]!, { t: 'status', height: TOP });
      for (let i = 0; i < 20 && !node.history.complete; i++) clock.advance(600);
      expect(node.history.view.lowestHeight).toBe(1);
      expect(joinedLink.sent.filter((m) => m.t === 'get-history').map((m) => (m as { to: number }).to)).toEqual([manifest.recent[0]!.header.height - 1, manifest.recent[0]!.header.height - 33]);
      expect(log.join('\n')).toMatch(/history: complete/);
      expect(verifyStore(store, genesis)).toEqual({ ok: true, blocks: TOP, txs: source.logSize() });
    } finally {
      joined.close();
      serving.close();
      await node.close();
      store.close();
    }
  }, 120_000);
});

describe.each(backends)('the snapshot writer reads a view of the state (stateSnapshot, $name)', (backend) => {
  it('keeps the state as of when it was opened while later blocks commit, page after page', () => {
    const store = backend.open().store();
    const block = (height: number) => ({ header: { ...source.getBlock(height)!.header }, commit: source.getBlock(height)!.commit, hash: source.getBlock(height)!.hash, firstSeq: 0 });
    const keys = Array.from({ length: 2500 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    store.commitBlock({ block: block(1), txs: [], logNodes: [], writes: keys.map((k) => [k, 'one']) });
    const view = store.stateSnapshot!()!;
    store.commitBlock({ block: block(2), txs: [], logNodes: [], writes: [...keys.slice(0, 1000).map((k): [string, null] => [k, null]), ['k/new', 'two'], [keys[2000]!, 'two']] });
    const seen: [string, string][] = [];
    let after: string | undefined;
    for (let page = view.page(after, 1000); ; page = view.page(after, 1000)) {
      seen.push(...page);
      if (page.length < 1000) break;
      after = page[page.length - 1]![0];
    }
    view.close();
    expect(seen).toEqual(keys.map((k) => [k, 'one']));
    expect(store.scan('k/', 10_000)).toHaveLength(1501);
    expect(store.read(keys[2000]!)).toBe('two');
    store.close();
  });
});
