/**
 * npm run bench:ledger — signed transactions submitted by a client to one node (a real process, real SQLite):
 * committed tx/s, p50/p99 submit→commit latency, bytes stored per tx, proof generate/verify time; and this machine's
 * Ed25519 verify/s measured in the same run, with the ratio to the target (0.6 × cores × verify/s).
 *
 * Options: --txs N (default 60000) --batch N (default 1000) --inflight N (default 16: enough batches in flight to keep
 * the checker threads and the block writer busy at once)
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FORMAT, MerkleLog, toHex, verifyBundle, type ProofBundle, type SignedTx } from '@machi/core';
import { openDataDir } from '../node/datadir.js';
import { SqliteStore } from '../storage/sqlite.js';
import { TARGET_RATIO, measureVerifyPerSec, pct, procCpuMs, runLoad, signedBatches, startNode } from './common.js';

function dirBytes(dir: string): number {
  return readdirSync(dir).filter((f) => f.startsWith('ledger.db')).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { txs: { type: 'string' }, batch: { type: 'string' }, inflight: { type: 'string' } } });
  const total = Number(values.txs ?? 60_000);
  const batchSize = Number(values.batch ?? 1000);
  const inflight = Number(values.inflight ?? 16);
  const cores = availableParallelism();

  const crypto = measureVerifyPerSec();
  console.log(`machine: ${cores} cores; Ed25519 verify ${Math.round(crypto.verify)}/s, sign ${Math.round(crypto.sign)}/s per core (node:crypto)`);

  const dir = mkdtempSync(join(tmpdir(), 'machi-bench-'));
  const { proc, url } = await startNode(dir);
  try {
    const dd = openDataDir(dir);
    const t0 = performance.now();
    const bodies = signedBatches(dd.genesis.chainId, dd.signer, total, batchSize);
    console.log(`client: signed ${total} txs in ${((performance.now() - t0) / 1000).toFixed(1)} s (before timing)`);

    const cpuNode0 = procCpuMs(proc.pid!);
    const cpuClient0 = process.cpuUsage();
    const { committed, rejected, seconds, latencies } = await runLoad([url], bodies, inflight);
    const cpuNodeMs = procCpuMs(proc.pid!) - cpuNode0;
    const cpuClient = process.cpuUsage(cpuClient0);
    const cpuClientMs = (cpuClient.user + cpuClient.system) / 1000;
    const tps = committed / seconds;

    const health = (await (await fetch(`${url}/v1/health`)).json()) as { height: number; logSize: number };
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));

    const store = new SqliteStore(join(dir, 'ledger.db'), { readonly: true });
    const bytes = dirBytes(dir);
    const log = MerkleLog.fromReader(store, store.logSize());
    const samples = 1000;
    const bundles: ProofBundle[] = [];
    // Proof generation as the API does it: look the tx up, read its block, compute the inclusion proof.
    const seqs = Array.from({ length: samples }, (_, i) => Math.floor((i * store.logSize()) / samples));
    const hashes = seqs.map((s) => store.txAt(s)!.hash);
    const g0 = performance.now();
    for (const h of hashes) {
      const t = store.getTx(h)!;
      const b = store.getBlock(t.height)!;
      bundles.push({
        format: BUNDLE_FORMAT, tx: JSON.parse(t.body) as SignedTx, txHash: t.hash, leafIndex: t.seq,
        inclusionProof: log.inclusionProof(t.seq, b.header.logSize).map(toHex), header: b.header, commit: b.commit,
      });
    }
    const genUs = ((performance.now() - g0) * 1000) / samples;
    const v0 = performance.now();
    for (const b of bundles) verifyBundle(b, dd.genesis);
    const verUs = ((performance.now() - v0) * 1000) / samples;
    store.close();

    const ceiling = cores * crypto.verify;
    const ratio = tps / ceiling;
    console.log(`node: ${health.height} blocks, ${health.logSize} txs in the log`);
    console.log(`committed: ${committed} txs in ${seconds.toFixed(2)} s = ${Math.round(tps)} tx/s (${rejected} rejected)`);
    console.log(`submit→commit latency (batch of ${batchSize}, ${inflight} in flight): p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms`);
    console.log(`CPU per committed tx: node ${((cpuNodeMs * 1000) / committed).toFixed(0)} µs (of which Ed25519 verify ≈ ${(1e6 / crypto.verify).toFixed(0)} µs), client ${((cpuClientMs * 1000) / committed).toFixed(0)} µs; ${((cpuNodeMs + cpuClientMs) / 1000 / seconds).toFixed(2)} of ${cores} cores busy`);
    console.log(`stored: ${(bytes / health.logSize).toFixed(0)} bytes per tx (SQLite files incl. indexes and log nodes)`);
    console.log(`proof: generate ${genUs.toFixed(0)} µs, verify offline ${verUs.toFixed(0)} µs per bundle (tx sig + inclusion + commit)`);
    console.log(`ratio: ${Math.round(tps)} / (${cores} cores × ${Math.round(crypto.verify)} verify/s = ${Math.round(ceiling)}) = ${ratio.toFixed(2)}; target ≥ ${TARGET_RATIO} → ${ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'}`);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
