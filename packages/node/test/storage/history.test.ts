/**
 * A node joined from a snapshot fetches the older history in the background (docs/spec/membership.md#history), on both
 * store backends: before, old receipts, blocks and proofs answer HISTORY_INCOMPLETE and `verifyStore` reports a partial
 * history; the blocks come over the peer protocol (get-history / history, between two HistoryFetch ends on a test
 * clock), newest first, resuming after a restart; a forged block is refused with nothing stored; after, old receipts
 * and proof bundles are served (and verify offline) and `verifyStore` re-executes the whole chain from genesis.
 * Then the handler results the joined node stored as applied are re-derived by re-executing the chain (its receipts
 * say `resultKnown: false` until then, the same as the source node's after), resuming after a restart; software that
 * does not reproduce a block's app hash is a fault (nothing past it rewritten; health and /metrics show it).
 * `machi verify` compares the stored results it knows with re-execution's: it counts those not re-derived yet, and names
 * a stored result code edited in SQLite. Also: `machi join --store postgres://` (run in this process), the same fetch and re-derivation between two real
 * consensus drivers (and a joined node asked by a peer for blocks it lacks answers none, blaming nobody), and the SQLite
 * state view the snapshot writer reads in pages.
 *
 * The chain is built directly in a SQLite store with the core's buildBlock (as bench:join does): 4 validators, 3 of
 * them sign each commit, block times 10 minutes apart so the snapshot's replay window is a couple of blocks; three of
 * its transactions are refused by execution (blocks 3 and 5 in the older history, one in the window).
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import {
  MerkleLog, blockHash, buildBlock, createRegistry, generateKeyPair, genesisHead, orgByKey, precommitSignBytes, signTx, signerFromJwk,
  txCanonical, txHashOfCanonical, verifyBundle, type ChainHead, type Genesis, type SignedTx, type SnapshotManifest, type Signer, type TxTypeRegistry,
} from '@machi/core';
import { MachiNode } from '../../src/node/node.js';
import { InlineChecker } from '../../src/node/checker.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { PgStore, parsePgUrl } from '../../src/storage/postgres.js';
import type { LedgerStore, StoredTx } from '../../src/storage/store.js';
import { Snapshots, installSnapshot, readStateLines } from '../../src/modules/consortium/snapshots.js';
import { HistoryFetch } from '../../src/consensus/history-fetch.js';
import { RESULTS_PAUSE_MS, ResultsRederive } from '../../src/consensus/history-results.js';
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
/** transactions the source's execution refused (a checkpoint of a height to come, an outsider's), with their block */
const refused: { height: number; hash: string }[] = [];

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
    const stored: StoredTx[] = checked.map((c, i) => ({
      hash: c.hash, seq: firstSeq + i, height: built.header.height, body: c.canonical, signer: c.tx.signer, nonce: c.tx.nonce,
      code: built.execution.results[i]!.code ?? null, message: built.execution.results[i]!.message ?? null,
    }));
    source.commitBlock({ block: { header: built.header, commit, hash, firstSeq }, txs: stored, logNodes: built.logNodes, writes: built.execution.writes });
    log = MerkleLog.fromReader(source, built.header.logSize);
    head = { height: built.header.height, hash, time: built.header.time, appHash: built.header.appHash };
    if (stored.length > 0) txOf.set(head.height, stored[0]!.hash);
    for (const t of stored) if (t.code !== null) refused.push({ height: t.height, hash: t.hash });
  };
  const tx = (s: Signer, type: string, payload: Record<string, unknown>): SignedTx =>
    signTx({ chainId: genesis.chainId, type, payload, signer: s.publicKey, nonce: (nonce++).toString(16).padStart(32, '0'), time: head.time + GAP_MS }, s.sign);
  const notary = (n: number): SignedTx[] => Array.from({ length: n }, (_, i) => tx(keys[i % 4]!, 'notary.record', { hash: randomBytes(32).toString('hex'), label: `document ${nonce}` }));
  // refused by their handler: a checkpoint of a height not yet committed, and a transaction of no member of the set
  const early = (): SignedTx => tx(keys[1]!, 'consortium.checkpoint', { height: 999, blockHash: '0'.repeat(64), stateDigest: '0'.repeat(64) });
  const outsider = signerFromJwk(generateKeyPair().jwk);
  // uneven blocks (some empty): the log's subtrees cross block boundaries
  for (let h = 1; h <= SNAPSHOT_HEIGHT; h++) {
    const txs = notary(h % 7 === 0 ? 0 : (h * 5) % 11 + 1);
    // in the older history (block 3, 5) and in the snapshot's replay window (its block)
    if (h === 3 || h === SNAPSHOT_HEIGHT) txs.splice(1, 0, early());
    if (h === 5) txs.push(tx(outsider, 'notary.record', { hash: randomBytes(32).toString('hex'), label: 'from outside' }));
    addBlock(txs);
  }
  expect(refused.map((r) => [r.height, source.getTx(r.hash)!.code])).toEqual([[3, 'HANDLER_REJECTED'], [5, 'TX_UNKNOWN_SIGNER'], [SNAPSHOT_HEIGHT, 'HANDLER_REJECTED']]);
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
    expect(node.history.view).toEqual({ complete: false, lowestHeight: lowest, snapshotHeight: SNAPSHOT_HEIGHT, resultsHeight: 0 });
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
    // what the modules' views attach to a step (node.proof): none for a transaction held at or before the snapshot's
    // height (the log nodes left of the window are not here yet), rather than the log's failure (a 500 of the view)
    for (let h = lowest; h <= TOP; h++) {
      for (const t of store.blockTxs(h)) {
        const bundle = node.proof(t.hash);
        if (h <= SNAPSHOT_HEIGHT) expect(bundle, `block ${h}`).toBeUndefined();
        else expect(bundle, `block ${h}`).toEqual(server.proof(t.hash));
      }
    }
    expect((await app.inject('/v1/health')).json().history).toEqual({ complete: false, lowestHeight: lowest, snapshotHeight: SNAPSHOT_HEIGHT, resultsHeight: 0 });
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
    expect(node.history.view).toEqual({ complete: true, lowestHeight: 1, snapshotHeight: SNAPSHOT_HEIGHT, resultsHeight: 0 });
    l.close();

    // after: every old receipt and proof, and the whole chain re-executed from genesis
    for (let h = 1; h <= SNAPSHOT_HEIGHT; h++) for (const t of store.blockTxs(h)) expect(node.proof(t.hash), `block ${h}`).toEqual(server.proof(t.hash));
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
    // re-executed, but the results stored as unknown (every transaction up to the snapshot's block) are not compared
    expect(verifyStore(store, genesis)).toEqual({ ok: true, blocks: TOP, txs: source.logSize(), resultsSkipped: source.getBlock(SNAPSHOT_HEIGHT)!.header.logSize });
    await node.close();
    store.close();
  }, 120_000);
});

/** A node joined from the snapshot on `store`, caught up to TOP, its older history fetched (no results re-derived). */
async function joinedWithHistory(store: LedgerStore, registry?: TxTypeRegistry, replayScratchFile?: string): Promise<MachiNode> {
  await installSnapshot(store, genesis, manifest, readStateLines(createReadStream(statePath)));
  const node = new MachiNode({
    genesis, publicKey: keys[3]!.publicKey, store, checker: new InlineChecker(genesis), ...(registry === undefined ? {} : { registry }),
    ...(replayScratchFile === undefined ? {} : { replayScratchFile }),
  });
  for (let h = node.head.height + 1; h <= TOP; h++) {
    const w = server.wireBlock(h)!;
    await node.applySynced(w.block, w.commit);
  }
  const clock = new TestClock();
  const l = link(node, clock);
  for (let i = 0; i < 10 && !node.history.complete; i++) clock.advance(600);
  l.close();
  expect(node.history.complete).toBe(true);
  return node;
}

/** Every transaction's stored result on `store` as on the source node: [seq, code, message]. */
const resultsOf = (store: LedgerStore): [number, string | null, string | null][] => store.txRange(0, store.logSize()).map((t) => [t.seq, t.code, t.message]);

/** Runs the background re-derivation on a test clock until it stops (done, or a fault), within `max` pauses. */
function rederive(node: MachiNode, log: string[], max = 200): void {
  const clock = new TestClock();
  const r = new ResultsRederive({ node, clock, log: (line) => log.push(line) });
  for (let i = 0; i < max && r.running; i++) clock.advance(RESULTS_PAUSE_MS);
  expect(r.running).toBe(false);
  r.close();
}

describe.each(backends)('handler results of a joined node\'s older transactions ($name)', (backend) => {
  it('are re-derived by re-executing the chain once the history is complete: receipts as the source node\'s; a restart resumes', async () => {
    const where = backend.open();
    let store = where.store();
    // the re-executed state in a scratch file: a restart resumes from the block it reached, not from genesis
    const scratch = join(dir, `scratch-${randomBytes(4).toString('hex')}.db`);
    let node = await joinedWithHistory(store, undefined, scratch);
    const [early, outsider, inWindow] = refused;
    expect(early!.height).toBeLessThan(manifest.recent[0]!.header.height); // in the fetched history, below the window
    expect(inWindow!.height).toBe(SNAPSHOT_HEIGHT);
    // before: stored as applied, and the receipts say the result is not known (not "applied")
    let app = await buildServer(node, { docs: false });
    for (const r of refused) {
      expect(store.getTx(r.hash)!.code).toBeNull();
      const got = (await app.inject(`/v1/txs/${r.hash}`)).json();
      expect(got).toMatchObject({ status: 'committed', height: r.height, resultKnown: false });
      expect(got.code).toBeUndefined();
    }
    expect((await app.inject(`/v1/txs/${txOf.get(TOP)!}`)).json().resultKnown).toBeUndefined(); // executed here
    expect((await app.inject('/v1/health')).json().history).toEqual({ complete: true, lowestHeight: 1, snapshotHeight: SNAPSHOT_HEIGHT, resultsHeight: 0 });
    expect((await app.inject('/metrics')).body).toMatch(/^machi_history_results_height 0$/m);
    await app.close();

    // a first part (the blocks up to the one after the early refusal), then a restart
    const first = node.history.results.step(source.getBlock(early!.height + 1)!.header.logSize);
    expect(first).toBe('more');
    const part = node.history.results.progress.height;
    expect(part).toBeGreaterThanOrEqual(early!.height);
    expect(part).toBeLessThan(outsider!.height);
    expect(node.receipt(early!.hash)).toEqual(server.receipt(early!.hash));
    expect(node.receipt(outsider!.hash)).toMatchObject({ resultKnown: false });
    expect(node.history.view.resultsHeight).toBe(part);
    expect(existsSync(scratch)).toBe(true);
    expect(node.history.results.scratchHeight).toBe(part); // flushed with (after) the results it covers
    // machi verify compares the results re-derived so far, not the others
    const notYet = source.getBlock(SNAPSHOT_HEIGHT)!.header.logSize - source.getBlock(part)!.header.logSize;
    expect(verifyStore(store, genesis)).toEqual({ ok: true, blocks: TOP, txs: source.logSize(), resultsSkipped: notYet });
    await node.close();
    store.close();

    store = where.store();
    const batches: number[][] = [];
    const rewrite = store.rewriteResults.bind(store);
    store.rewriteResults = (b) => {
      batches.push(b.results.map((x) => x.seq));
      rewrite(b);
    };
    node = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store, checker: new InlineChecker(genesis), replayScratchFile: scratch });
    expect(node.history.results.progress).toEqual({ height: part, changed: 1 });
    const log: string[] = [];
    // each step that moves the re-derived height on says so (the webhooks feed waits on it)
    const announced: number[] = [];
    node.on('history-results', (h) => announced.push(h));
    rederive(node, log);
    expect(announced.length).toBeGreaterThan(0);
    expect(announced).toEqual([...announced].sort((a, b) => a - b));
    expect(announced[0]).toBeGreaterThan(part);
    expect(announced.at(-1)).toBe(SNAPSHOT_HEIGHT);
    expect(log.join('\n')).toMatch(new RegExp(`resuming: results up to ${part} were rewritten before; re-execution goes on from the state kept at block ${part}\\)`));
    expect(existsSync(scratch)).toBe(false); // done: the state is the store's own, the scratch copy goes
    expect(log.join('\n')).toMatch(new RegExp(`handler results re-derived up to block ${SNAPSHOT_HEIGHT}: 3 stored result\\(s\\) corrected`));
    // what was rewritten before the restart was executed again, not written again
    const firstAfter = source.getBlock(part + 1)!.firstSeq;
    expect(batches.flat().every((seq) => seq >= firstAfter)).toBe(true);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([outsider, inWindow].map((r) => source.getTx(r!.hash)!.seq));
    // after: every stored result as on the node that executed the chain, and so every receipt
    expect(resultsOf(store)).toEqual(resultsOf(source));
    app = await buildServer(node, { docs: false });
    for (const r of refused) {
      const got = (await app.inject(`/v1/txs/${r.hash}`)).json();
      expect(got.code, `block ${r.height}`).toBe(source.getTx(r.hash)!.code);
      const { tx: _tx, ...receipt } = got;
      expect(receipt).toEqual(server.receipt(r.hash));
    }
    expect((await app.inject('/v1/health')).json()).toMatchObject({ status: 'ok', history: { complete: true, resultsHeight: TOP } });
    expect((await app.inject('/metrics')).body).toMatch(new RegExp(`^machi_history_results_height ${TOP}$`, 'm'));
    await app.close();
    expect(verifyStore(store, genesis)).toEqual({ ok: true, blocks: TOP, txs: source.logSize() }); // every result compared
    // a later start has nothing to do
    expect(node.history.results.step()).toBe('done');
    await node.close();
    store.close();
  }, 120_000);

  it('stops at a block whose app hash re-execution does not reproduce: nothing past it rewritten, shown on health and /metrics', async () => {
    const where = backend.open();
    let store = where.store();
    // software that diverges from the chain's: it takes a checkpoint the chain's handler refused (block 3)
    const divergent = createRegistry();
    const checkpoint = divergent.get('consortium.checkpoint')!;
    const handle = checkpoint.handle;
    checkpoint.handle = (ctx, payload) => (Number(payload.height) >= ctx.height ? ctx.state.set('diverged', true) : handle(ctx, payload));
    const scratch = join(dir, `scratch-${randomBytes(4).toString('hex')}.db`);
    let node = await joinedWithHistory(store, divergent, scratch);
    const early = refused[0]!;
    const log: string[] = [];
    rederive(node, log);
    expect(node.history.results.done).toBe(false);
    expect(node.history.results.progress).toEqual({ height: early.height - 1, changed: 0, fault: { height: early.height, reason: 'appHash does not match re-execution (state diverged)' } });
    expect(log.join('\n')).toMatch(new RegExp(`FAULT: re-executing the chain from genesis did not reproduce block ${early.height}: appHash`));
    // nothing from the fault on is rewritten, and the receipts say so
    expect(resultsOf(store).filter(([, code]) => code !== null)).toEqual([]);
    expect(node.receipt(early.hash)).toMatchObject({ resultKnown: false });
    const app = await buildServer(node, { docs: false });
    const health = (await app.inject('/v1/health')).json();
    expect(health.status).toBe('degraded');
    expect(health.history).toMatchObject({ resultsHeight: early.height - 1, resultsFault: { height: early.height, reason: expect.stringMatching(/appHash/) } });
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/^machi_history_results_fault 1$/m);
    expect(metrics).toMatch(new RegExp(`^machi_history_results_height ${early.height - 1}$`, 'm'));
    await app.close();
    // it does not go on by itself
    expect(node.history.results.step()).toBe('fault');
    await node.close();
    store.close();

    // the next start (here with the chain's software) tries again, and the fault clears once re-execution passes it
    store = where.store();
    node = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store, checker: new InlineChecker(genesis), replayScratchFile: scratch });
    expect(node.history.view.resultsFault?.height).toBe(early.height);
    const again: string[] = [];
    rederive(node, again);
    expect(again[0]).toMatch(/FAULT recorded before this start/);
    // the state below the fault was kept: re-execution goes on at the block that failed
    expect(again[1]).toMatch(new RegExp(`the state kept at block ${early.height - 1}\\)`));
    expect(existsSync(scratch)).toBe(false);
    expect(node.history.view).toEqual({ complete: true, lowestHeight: 1, snapshotHeight: SNAPSHOT_HEIGHT, resultsHeight: TOP });
    expect(resultsOf(store)).toEqual(resultsOf(source));
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
      expect(full.out).toMatch(new RegExp(`^ok: ${SNAPSHOT_HEIGHT} blocks, ${source.getBlock(SNAPSHOT_HEIGHT)!.header.logSize} txs \\(${source.getBlock(SNAPSHOT_HEIGHT)!.header.logSize} results not re-derived yet, not compared\\)`));
      // a second join into the same data directory is refused: a node does not change ledger
      await expect(machi('join', { from: url, data, store: `${PG_URL}?schema=${schema}` })).rejects.toThrow(/already holds a ledger/);
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('machi verify and the stored handler results', () => {
  it('names the first transaction whose stored result code re-execution does not give; an untouched ledger passes', async () => {
    // copies of the source node's ledger (it executed every block) in data directories, one edited in SQLite
    const copy = (name: string): { data: string; db: Database.Database } => {
      const data = join(dir, name);
      mkdirSync(data);
      writeFileSync(join(data, 'genesis.json'), JSON.stringify(genesis));
      const from = new Database(join(dir, 'source.db'), { readonly: true });
      from.exec(`VACUUM INTO '${join(data, 'ledger.db')}'`);
      from.close();
      return { data, db: new Database(join(data, 'ledger.db')) };
    };
    const untouched = copy('untouched');
    untouched.db.close();
    const ok = await machi('verify', {}, [untouched.data]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toBe(`ok: ${TOP} blocks, ${source.logSize()} txs\n`);

    // the transaction of no member (refused at block 5) turned into an applied one, and a later applied one into a
    // refused one: the first is named
    const tampered = copy('tampered');
    const outsider = refused[1]!;
    const seq = source.getTx(outsider.hash)!.seq;
    const index = seq - source.getBlock(outsider.height)!.firstSeq;
    tampered.db.prepare('UPDATE txs SET code = NULL, message = NULL WHERE seq = ?').run(seq);
    tampered.db.prepare("UPDATE txs SET code = 'HANDLER_REJECTED' WHERE seq = ?").run(source.getTx(txOf.get(TOP)!)!.seq);
    tampered.db.close();
    const bad = await machi('verify', {}, [tampered.data]);
    expect(bad.code, bad.out).toBe(1);
    expect(bad.out).toBe(`bad block ${outsider.height}: block ${outsider.height}: tx ${index} (${outsider.hash}): stored result code null (applied), re-execution gives TX_UNKNOWN_SIGNER\n`);
  }, 60_000);
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
      // then the driver re-derives the older handler results, in steps
      for (let i = 0; i < 200 && !node.history.results.done; i++) clock.advance(RESULTS_PAUSE_MS);
      expect(node.history.view.resultsHeight).toBe(TOP);
      expect(log.join('\n')).toMatch(new RegExp(`handler results re-derived up to block ${SNAPSHOT_HEIGHT}: 3 stored result`));
      expect(resultsOf(store)).toEqual(resultsOf(source));
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
