/**
 * npm run bench:reads — reads per second on one node (a real `machi start` process) under an HTTP load generator
 * (autocannon, in this process): transaction receipts (GET /v1/txs/:hash) and proof bundles (GET /v1/txs/:hash/proof)
 * of random committed transactions, with the ratio to the target of 10,000 receipts/s.
 *
 * Options: --txs N committed before reading (default 20000) --seconds N per run (default 10) --connections N (default
 * 64) --store sqlite|postgres|both (default sqlite; postgres: MACHI_BENCH_PG, default
 * postgres://postgres@127.0.0.1:5432/postgres, a scratch schema dropped after)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { openDataDir } from '../node/datadir.js';
import { procCpuMs, runLoad, signedBatches, startNode } from './common.js';

/** Receipts per second one node must serve. */
export const RECEIPTS_PER_SEC_TARGET = 10_000;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon is CommonJS without types, and a dev dependency: loaded only here
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const pgUrl = process.env.MACHI_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function readLoad(url: string, paths: string[], seconds: number, connections: number): Promise<AutocannonResult> {
  let i = 0;
  return autocannon({
    url, connections, duration: seconds, pipelining: 1,
    requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[i++ % paths.length] }) }],
  });
}

async function runOne(kind: 'sqlite' | 'postgres', total: number, seconds: number, connections: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-bench-reads-'));
  const schema = `machi_bench_reads_${process.pid}`;
  const psql = (sql: string): void => { execFileSync('psql', ['-X', '-q', '-d', pgUrl, '-c', sql], { stdio: 'ignore' }); };
  if (kind === 'postgres') psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const { proc, url } = await startNode(dir, kind === 'postgres' ? ['--store', `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`] : []);
  try {
    const dd = openDataDir(dir);
    const bodies = signedBatches(dd.genesis.chainId, dd.signer, total, 1000, 'reads');
    const load = await runLoad([url], bodies, 8);
    const txHashes = await committedHashes(url, 2000);
    console.log(`${kind}: ${load.committed} txs committed; reading ${txHashes.length} distinct ones at random, ${connections} connections, ${seconds} s per run`);
    const cpu0 = procCpuMs(proc.pid!);
    const r = await readLoad(url, shuffle(txHashes.map((h) => `/v1/txs/${h}`)), seconds, connections);
    const cpuMs = procCpuMs(proc.pid!) - cpu0;
    const p = await readLoad(url, shuffle(txHashes.map((h) => `/v1/txs/${h}/proof`)), seconds, connections);
    const receipts = r.requests.total / seconds;
    const proofs = p.requests.total / seconds;
    console.log(`receipts: ${Math.round(receipts)}/s (p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors); node CPU ${((cpuMs * 1000) / Math.max(1, r.requests.total)).toFixed(0)} µs per receipt`);
    console.log(`proof bundles: ${Math.round(proofs)}/s (p50 ${p.latency.p50} ms, p99 ${p.latency.p99} ms, ${p.non2xx} non-2xx, ${p.errors} errors)`);
    console.log(`ratio: ${Math.round(receipts)} / ${RECEIPTS_PER_SEC_TARGET} receipts/s = ${(receipts / RECEIPTS_PER_SEC_TARGET).toFixed(2)}; target ≥ 1 → ${receipts >= RECEIPTS_PER_SEC_TARGET ? 'MET' : 'NOT MET'}`);
    return receipts;
  } finally {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM'); // a clean exit (BENCH_NODE_FLAGS=--cpu-prof writes its profile then)
      await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
    if (kind === 'postgres') psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

/** Hashes of up to `n` committed transactions spread over the chain, read from its blocks. */
async function committedHashes(url: string, n: number): Promise<string[]> {
  const head = ((await (await fetch(`${url}/v1/health`)).json()) as { height: number }).height;
  const out: string[] = [];
  for (let h = 1; h <= head && out.length < n; h++) {
    const b = (await (await fetch(`${url}/v1/blocks/${h}`)).json()) as { txs: string[] };
    out.push(...b.txs);
  }
  return out.slice(0, n);
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { txs: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' }, store: { type: 'string' } } });
  const total = Number(values.txs ?? 20_000);
  const seconds = Number(values.seconds ?? 10);
  const connections = Number(values.connections ?? 64);
  const stores = values.store === 'both' ? (['sqlite', 'postgres'] as const) : values.store === 'postgres' ? (['postgres'] as const) : (['sqlite'] as const);
  console.log(`machine: ${availableParallelism()} cores; load generator autocannon in this process`);
  const got: Record<string, number> = {};
  for (const kind of stores) got[kind] = await runOne(kind, total, seconds, connections);
  if (got.sqlite !== undefined && got.postgres !== undefined) console.log(`PostgreSQL / SQLite receipts in this run: ${(got.postgres / got.sqlite).toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
