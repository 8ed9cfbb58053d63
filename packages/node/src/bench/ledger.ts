/**
 * npm run bench:ledger — signed transactions submitted by a client to one node (a real process, real SQLite):
 * committed tx/s, p50/p99 submit→commit latency, bytes stored per tx, proof generate/verify time; and this machine's
 * Ed25519 verify/s measured in the same run, with the ratio to the target (0.6 × cores × verify/s).
 *
 * Then the same on PostgreSQL (MACHI_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres, a scratch
 * schema dropped after), and the ratio of its tx/s to SQLite's in this run.
 *
 * Options: --txs N (default 60000) --batch N (default 1000) --inflight N (default 16: enough batches in flight to keep
 * the checker threads and the block writer busy at once) --store sqlite|postgres (default both)
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FORMAT, MerkleLog, toHex, verifyBundle, type ProofBundle, type SignedTx } from '@machi/core';
import { openDataDir } from '../node/datadir.js';
import { execFileSync } from 'node:child_process';
import { SqliteStore } from '../storage/sqlite.js';
import { PgStore, parsePgUrl } from '../storage/postgres.js';
import { redact } from '../storage/open.js';
import type { LedgerStore } from '../storage/store.js';
import { TARGET_RATIO, measureVerifyPerSec, pct, procCpuMs, runLoad, signedBatches, startNode } from './common.js';

function dirBytes(dir: string): number {
  return readdirSync(dir).filter((f) => f.startsWith('ledger.db')).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { txs: { type: 'string' }, batch: { type: 'string' }, inflight: { type: 'string' }, store: { type: 'string' } } });
  const total = Number(values.txs ?? 60_000);
  const batchSize = Number(values.batch ?? 1000);
  const inflight = Number(values.inflight ?? 16);
  const cores = availableParallelism();

  const crypto = measureVerifyPerSec();
  console.log(`machine: ${cores} cores; Ed25519 verify ${Math.round(crypto.verify)}/s, sign ${Math.round(crypto.sign)}/s per core (node:crypto)`);

  const stores: ('sqlite' | 'postgres')[] = values.store === 'sqlite' ? ['sqlite'] : values.store === 'postgres' ? ['postgres'] : ['sqlite', 'postgres'];
  const results = new Map<string, RunResult>();
  for (const kind of stores) {
    console.log(`--- ${kind === 'sqlite' ? 'SQLite (embedded default)' : `PostgreSQL (${redact(pgUrl)})`}`);
    const r = await runOne(kind, total, batchSize, inflight, cores, crypto);
    results.set(kind, r);
    const ceiling = cores * crypto.verify;
    const ratio = r.tps / ceiling;
    console.log(`ratio: ${Math.round(r.tps)} / (${cores} cores × ${Math.round(crypto.verify)} verify/s = ${Math.round(ceiling)}) = ${ratio.toFixed(2)}; target ≥ ${TARGET_RATIO} → ${ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'}`);
  }
  const sq = results.get('sqlite');
  const pq = results.get('postgres');
  if (sq !== undefined && pq !== undefined) {
    console.log(`PostgreSQL / SQLite in this run: ${Math.round(pq.tps)} / ${Math.round(sq.tps)} tx/s = ${(pq.tps / sq.tps).toFixed(2)}; p99 latency ${pq.p99.toFixed(0)} vs ${sq.p99.toFixed(0)} ms; proof generate ${pq.genUs.toFixed(0)} vs ${sq.genUs.toFixed(0)} µs`);
  }
}

interface RunResult {
  tps: number;
  p99: number;
  genUs: number;
}

const pgUrl = process.env.MACHI_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function runOne(kind: 'sqlite' | 'postgres', total: number, batchSize: number, inflight: number, cores: number, crypto: { verify: number }): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-bench-'));
  const schema = `machi_bench_${process.pid}`;
  const location = kind === 'postgres' ? parsePgUrl(pgUrl, schema) : undefined;
  if (location !== undefined) dropSchema(location.connectionString, schema);
  const { proc, url } = await startNode(dir, location === undefined ? [] : ['--store', `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`]);
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

    const store: LedgerStore = location === undefined ? new SqliteStore(join(dir, 'ledger.db'), { readonly: true }) : new PgStore(location, { readonly: true });
    const bytes = location === undefined ? dirBytes(dir) : pgBytes(location.connectionString, schema);
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

    console.log(`node: ${health.height} blocks, ${health.logSize} txs in the log`);
    console.log(`committed: ${committed} txs in ${seconds.toFixed(2)} s = ${Math.round(tps)} tx/s (${rejected} rejected)`);
    console.log(`submit→commit latency (batch of ${batchSize}, ${inflight} in flight): p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms`);
    console.log(`CPU per committed tx: node ${((cpuNodeMs * 1000) / committed).toFixed(0)} µs (of which Ed25519 verify ≈ ${(1e6 / crypto.verify).toFixed(0)} µs), client ${((cpuClientMs * 1000) / committed).toFixed(0)} µs; ${((cpuNodeMs + cpuClientMs) / 1000 / seconds).toFixed(2)} of ${cores} cores busy`);
    console.log(`stored: ${(bytes / health.logSize).toFixed(0)} bytes per tx (${location === undefined ? 'SQLite files' : 'PostgreSQL relations'} incl. indexes and log nodes)`);
    console.log(`proof: generate ${genUs.toFixed(0)} µs, verify offline ${verUs.toFixed(0)} µs per bundle (tx sig + inclusion + commit)`);
    return { tps, p99: pct(latencies, 99), genUs };
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (location !== undefined) dropSchema(location.connectionString, schema);
  }
}

function psql(conn: string, sql: string): string {
  return execFileSync('psql', ['-X', '-A', '-t', '-q', '-d', conn, '-c', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

function dropSchema(conn: string, schema: string): void {
  psql(conn, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

function pgBytes(conn: string, schema: string): number {
  return Number(psql(conn, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' AND c.relkind = 'r'`));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
