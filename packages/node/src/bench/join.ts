/**
 * npm run bench:join — how long a new node takes to become current on a long ledger: by snapshot (verify the manifest
 * with the genesis alone, read the state checking its digest, write it; then sync the blocks after the snapshot) against
 * by replay (sync every block from genesis the way a node that was down does: MachiNode.applySynced — each
 * transaction's signature checked on the checker threads, each block re-executed, its commit checked, stored).
 *
 * The ledger is built fast, directly in a SQLite store, not through consensus: blocks of BLOCK_TXS_MAX signed
 * notary.record transactions built with the core's buildBlock and signed by three of four validators — exactly what
 * consensus would store, without the network. Block times are 60 s apart, so the replay window a snapshot carries is a
 * few blocks. After the last block, the validators' `consortium.checkpoint`s of its state go in one more block (as
 * their nodes sign them), and one more block follows: both paths end at the same head.
 *
 * Also timed: verifying and storing the history below the snapshot's window, as the background fetch of a joined node
 * does (node/history.ts), without the network and its pacing; then re-deriving the handler results of every
 * transaction up to the snapshot by re-executing the chain from genesis (node/history-results.ts), its state in a
 * scratch file, without the pauses the background task makes.
 *
 * Options: --txs N (default 1,000,000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BLOCK_TXS_MAX,
  SYNC_BLOCKS_MAX,
  MerkleLog,
  blockHash,
  buildBlock,
  txCanonical,
  txHashOfCanonical,
  createRegistry,
  generateKeyPair,
  genesisHead,
  orgByKey,
  precommitSignBytes,
  signTx,
  signerFromJwk,
  type ChainHead,
  type Genesis,
  type SignedTx,
  type Signer,
} from '@machi/core';
import { MachiNode } from '../node/node.js';
import { PooledChecker } from '../node/checker.js';
import { SqliteStore } from '../storage/sqlite.js';
import type { StoredTx } from '../storage/store.js';
import { Snapshots, installSnapshot, readStateLines } from '../modules/consortium/snapshots.js';
import { HISTORY_FETCH_INTERVAL_MS } from '../consensus/history-fetch.js';
import { RESULTS_PAUSE_MS } from '../consensus/history-results.js';
import { RESULTS_CHUNK_TXS } from '../node/history-results.js';
import { REPLAY_SCRATCH_FILE } from '../chain/replay-scratch.js';

const BLOCK_GAP_MS = 60_000;

async function main(): Promise<void> {
  // the checker's worker threads do not keep the process alive (a node's server does); this does, while we wait on them
  const alive = setInterval(() => {}, 1000);
  const { values } = parseArgs({ options: { txs: { type: 'string' } } });
  const total = Number(values.txs ?? 1_000_000);
  const root = mkdtempSync(join(tmpdir(), 'machi-bench-join-'));
  const keys = Array.from({ length: 4 }, () => signerFromJwk(generateKeyPair().jwk));
  const ids = ['street-office', 'property-company', 'power-company', 'auditor'];
  const t0Ms = Date.parse('2026-01-01T00:00:00Z');
  const genesis: Genesis = { chainId: 'machi-bench-join', genesisTime: new Date(t0Ms).toISOString(), orgs: keys.map((k, i) => ({ id: ids[i]!, name: ids[i]!, publicKey: k.publicKey, power: 1 })) };
  const registry = createRegistry();
  const orgs = orgByKey(genesis);
  console.log(`machine: ${availableParallelism()} cores; building a ledger of ${total.toLocaleString('en')} transactions directly in SQLite…`);

  // ---- the source ledger -------------------------------------------------------------------------------------------
  const source = new SqliteStore(join(root, 'source.db'));
  let log = MerkleLog.fromReader(source, 0);
  let head: ChainHead = genesisHead(genesis);
  let nonce = 0;
  const tb = performance.now();
  const addBlock = (txs: SignedTx[]): void => {
    // signed just now by the builder: no need to verify them here (both joining paths below do)
    const checked = txs.map((t) => {
      const canonical = txCanonical(t);
      return { tx: t, canonical, hash: txHashOfCanonical(canonical) };
    });
    const built = buildBlock({ genesis, registry, orgs, prev: head, time: head.time + BLOCK_GAP_MS, proposer: keys[0]!.publicKey, log, state: source, txs: checked });
    const hash = blockHash(built.header);
    const msg = precommitSignBytes(genesis.chainId, built.header.height, 0, hash);
    const commit = { height: built.header.height, round: 0, blockHash: hash, signatures: keys.slice(0, 3).map((k) => ({ validator: k.publicKey, sig: k.sign(msg) })) };
    const firstSeq = built.header.logSize - checked.length;
    const stored: StoredTx[] = checked.map((c, i) => ({ hash: c.hash, seq: firstSeq + i, height: built.header.height, body: c.canonical, signer: c.tx.signer, nonce: c.tx.nonce, code: built.execution.results[i]!.code ?? null, message: null }));
    source.commitBlock({ block: { header: built.header, commit, hash, firstSeq }, txs: stored, logNodes: built.logNodes, writes: built.execution.writes });
    log = MerkleLog.fromReader(source, built.header.logSize);
    head = { height: built.header.height, hash, time: built.header.time, appHash: built.header.appHash };
  };
  const tx = (s: Signer, type: string, payload: Record<string, unknown>): SignedTx =>
    signTx({ chainId: genesis.chainId, type, payload, signer: s.publicKey, nonce: (nonce++).toString(16).padStart(32, '0'), time: head.time + BLOCK_GAP_MS }, s.sign);
  for (let done = 0; done < total;) {
    const n = Math.min(BLOCK_TXS_MAX, total - done);
    const txs: SignedTx[] = [];
    for (let i = 0; i < n; i++) {
      const d = (done + i).toString(16).padStart(64, '0');
      txs.push(tx(keys[(done + i) % 4]!, 'notary.record', { hash: d, label: `document ${done + i}` }));
    }
    addBlock(txs);
    done += n;
    if (head.height % 50 === 0) console.log(`  … ${done.toLocaleString('en')} txs, height ${head.height}`);
  }
  // the snapshot every node takes at this height (as the consortium module does on commit), the validators'
  // checkpoints of it, and one more block
  const taker = new MachiNode({ genesis, publicKey: keys[0]!.publicKey, store: source, checker: new PooledChecker(genesis, 1) });
  const snapshots = new Snapshots(taker, undefined, root, Number.MAX_SAFE_INTEGER, () => {});
  const snap = snapshots.take(source.getBlock(head.height)!);
  await taker.close();
  addBlock(keys.slice(0, 3).map((k) => tx(k, 'consortium.checkpoint', { height: snap.height, blockHash: snap.blockHash, stateDigest: snap.stateDigest })));
  addBlock([tx(keys[1]!, 'notary.record', { hash: 'f'.repeat(64), label: 'after the snapshot' })]);
  const buildS = (performance.now() - tb) / 1000;
  console.log(`built: ${head.height} blocks, ${source.logSize().toLocaleString('en')} txs, ${snap.entries.toLocaleString('en')} state entries in ${buildS.toFixed(1)} s (not timed below)`);
  const server = new MachiNode({ genesis, publicKey: keys[0]!.publicKey, store: source, checker: new PooledChecker(genesis, 1) });
  const manifest = new Snapshots(server, undefined, root, Number.MAX_SAFE_INTEGER, () => {}).manifest()!;
  if (manifest === undefined) throw new Error('no certified snapshot');
  const wire = (h: number) => server.wireBlock(h)!;

  // ---- by snapshot --------------------------------------------------------------------------------------------------
  const s0 = performance.now();
  const joined = new SqliteStore(join(root, 'joined.db'));
  const text = JSON.parse(JSON.stringify(manifest)); // as it arrives over HTTP
  await installSnapshot(joined, genesis, text, readStateLines(createReadStream(snapshots.statePath(manifest.height)!)));
  const jn = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store: joined, checker: new PooledChecker(genesis), replayScratchFile: join(root, REPLAY_SCRATCH_FILE) });
  for (let h = jn.head.height + 1; h <= head.height; h++) {
    const w = wire(h);
    await jn.applySynced(w.block, w.commit);
  }
  const snapS = (performance.now() - s0) / 1000;
  if (jn.head.hash !== head.hash) throw new Error('the snapshot node did not reach the head');
  console.log(`by snapshot: current at height ${head.height} in ${snapS.toFixed(2)} s (manifest verified, ${snap.entries.toLocaleString('en')} entries read and digested, ${manifest.recent.length} window blocks, ${head.height - manifest.height} blocks synced)`);
  // then the history below the window, as the background fetch stores it (node/history.ts), without the network and
  // its pacing: SYNC_BLOCKS_MAX blocks per answer, newest first, each hash-linked, its tx root and commit checked
  const hb0 = performance.now();
  const older = jn.history.view.lowestHeight - 1;
  const olderTxs = joined.getBlock(older + 1)!.firstSeq;
  for (let r = jn.history.next(SYNC_BLOCKS_MAX); r !== undefined; r = jn.history.next(SYNC_BLOCKS_MAX)) {
    const answer = [];
    for (let h = r.to; h >= r.from; h--) answer.push(wire(h));
    if (jn.history.add(answer) === 0) throw new Error(`history below ${r.to + 1} not stored`);
  }
  const historyS = (performance.now() - hb0) / 1000;
  console.log(`history:     ${older} older blocks verified and stored (${olderTxs.toLocaleString('en')} txs) in ${historyS.toFixed(2)} s (${(olderTxs / Math.max(historyS, 1e-3)).toFixed(0)} tx/s); the background fetch paces itself to ${SYNC_BLOCKS_MAX} blocks per ${HISTORY_FETCH_INTERVAL_MS} ms, at least ${(older / SYNC_BLOCKS_MAX * HISTORY_FETCH_INTERVAL_MS / 1000).toFixed(1)} s`);
  // then the handler results of the transactions up to the snapshot, re-derived by re-executing the chain from genesis
  // (node/history-results.ts) on the state in a scratch file: the steps the background task runs, back to back
  const heapBefore = process.memoryUsage().heapUsed;
  const rd0 = performance.now();
  let heapMax = heapBefore;
  let outcome;
  for (let i = 0; (outcome = jn.history.results.step()) === 'more'; i++) if (i % 100 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
  if (outcome !== 'done') throw new Error(`the re-derivation ended with ${outcome}`);
  const rederiveS = (performance.now() - rd0) / 1000;
  const upTo = joined.getBlock(manifest.height)!.header.logSize;
  console.log(`results:     handler results of ${upTo.toLocaleString('en')} txs re-derived from genesis in ${rederiveS.toFixed(2)} s (${(upTo / Math.max(rederiveS, 1e-3)).toFixed(0)} tx/s; state in a scratch file; this process's heap ${(heapBefore / 2 ** 20).toFixed(0)} MiB before, at most ${(heapMax / 2 ** 20).toFixed(0)} MiB during); in the background, steps of ${RESULTS_CHUNK_TXS} txs ${RESULTS_PAUSE_MS} ms apart`);
  await jn.close();
  joined.close();

  // ---- by replay ----------------------------------------------------------------------------------------------------
  const r0 = performance.now();
  const replayed = new SqliteStore(join(root, 'replayed.db'));
  const rn = new MachiNode({ genesis, publicKey: keys[3]!.publicKey, store: replayed, checker: new PooledChecker(genesis) });
  for (let h = 1; h <= head.height; h++) {
    const w = wire(h);
    await rn.applySynced(w.block, w.commit);
  }
  const replayS = (performance.now() - r0) / 1000;
  if (rn.head.hash !== head.hash) throw new Error('the replaying node did not reach the head');
  await rn.close();
  replayed.close();
  console.log(`by replay:   current at height ${head.height} in ${replayS.toFixed(2)} s (${(source.logSize() / replayS).toFixed(0)} tx/s: every signature checked, every block re-executed)`);
  console.log(`ratio: replay / snapshot = ${(replayS / snapS).toFixed(1)}× (${source.logSize().toLocaleString('en')} transactions)`);
  await server.close();
  source.close();
  rmSync(root, { recursive: true, force: true });
  clearInterval(alive);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
