/**
 * npm run bench:reads — reads per second on one node (a real `machi start` process) under an HTTP load generator
 * (autocannon, in this process): transaction receipts (GET /v1/txs/:hash) and proof bundles (GET /v1/txs/:hash/proof)
 * of random committed transactions, with the ratio to the target of 10,000 receipts/s.
 *
 * The node keeps the JSON of committed receipts and bundles it has sent (src/api/read-cache.ts), so the timed runs,
 * over a working set of --distinct transactions, are mostly cache hits; the first-read runs after them, over
 * --cold transactions not read before, give the figure of a cache miss (store reads and a serialisation each).
 *
 * The load: autocannon with --connections keep-alive connections and no pipelining (one request in flight per
 * connection: what browsers, fetch and HTTP client pools do), in this process, on the same machine as the node: its
 * CPU per request is printed too (node and load generator share the cores).
 *
 * Options: --txs N committed before reading (default 20000) --distinct N read in the timed runs (default 2000) --cold N
 * first reads (default 5000) --seconds N per run (default 10) --connections N (default 64) --store
 * sqlite|postgres|both (default sqlite; postgres: MACHI_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres,
 * a scratch schema dropped after)
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

interface ReadRun {
  perSec: number;
  result: AutocannonResult;
  /** node process CPU (user + system) per request, µs */
  nodeCpuUs: number;
  /** this process's CPU (the load generator) per request, µs */
  loadCpuUs: number;
}

/**
 * `seconds` of reads cycling over `paths`, or with `once` each path read exactly once (first reads). Each connection
 * takes its own share of the paths, its requests built once before the clock starts (a per-request setupRequest
 * would cost the load generator, on the node's machine, about as much CPU as the node spends on a read).
 */
async function readLoad(url: string, nodePid: number, paths: string[], o: { seconds: number; connections: number; once?: boolean }): Promise<ReadRun> {
  const share = Math.max(1, Math.floor(paths.length / o.connections));
  let k = 0;
  const setupClient = (client: { setRequests(r: { method: string; path: string }[]): void }): void => {
    const from = (k++ * share) % paths.length;
    client.setRequests(paths.slice(from, from + share).map((path) => ({ method: 'GET', path })));
  };
  const cpu0 = procCpuMs(nodePid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  // `amount` is split evenly over the connections: each reads its share once
  const result = await autocannon({
    url, connections: o.connections, pipelining: 1, setupClient, ...(o.once === true ? { amount: share * o.connections } : { duration: o.seconds }),
  });
  const seconds = (performance.now() - t0) / 1000;
  const n = Math.max(1, result.requests.total);
  const self = process.cpuUsage(self0);
  return {
    perSec: result.requests.total / (o.once === true ? seconds : o.seconds),
    result,
    nodeCpuUs: ((procCpuMs(nodePid) - cpu0) * 1000) / n,
    loadCpuUs: (self.user + self.system) / n,
  };
}

function describe(what: string, r: ReadRun): string {
  const a = r.result;
  return `${what}: ${Math.round(r.perSec)}/s (p50 ${a.latency.p50} ms, p99 ${a.latency.p99} ms, ${a.non2xx} non-2xx, ${a.errors} errors); `
    + `CPU per request: node ${r.nodeCpuUs.toFixed(0)} µs, load generator ${r.loadCpuUs.toFixed(0)} µs`;
}

interface Options {
  total: number;
  distinct: number;
  cold: number;
  seconds: number;
  connections: number;
}

async function runOne(kind: 'sqlite' | 'postgres', { total, distinct, cold, seconds, connections }: Options): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-bench-reads-'));
  const schema = `machi_bench_reads_${process.pid}`;
  const psql = (sql: string): void => { execFileSync('psql', ['-X', '-q', '-d', pgUrl, '-c', sql], { stdio: 'ignore' }); };
  if (kind === 'postgres') psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const { proc, url } = await startNode(dir, kind === 'postgres' ? ['--store', `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`] : []);
  try {
    const dd = openDataDir(dir);
    const bodies = signedBatches(dd.genesis.chainId, dd.signer, total, 1000, 'reads');
    const load = await runLoad([url], bodies, 8);
    const all = shuffle(await committedHashes(url, distinct + cold));
    const hot = all.slice(0, distinct);
    const fresh = all.slice(distinct);
    const pid = proc.pid!;
    console.log(`${kind}: ${load.committed} txs committed; ${connections} keep-alive connections, no pipelining`);
    console.log(`timed runs: ${hot.length} distinct txs read at random, ${seconds} s each`);
    const r = await readLoad(url, pid, hot.map((h) => `/v1/txs/${h}`), { seconds, connections });
    console.log(describe('receipts', r));
    console.log(describe('proof bundles', await readLoad(url, pid, hot.map((h) => `/v1/txs/${h}/proof`), { seconds, connections })));
    // after the timed runs (a warm process, open connections), over transactions they did not read
    if (fresh.length >= connections) {
      const n = Math.floor(fresh.length / connections) * connections;
      console.log(describe(`receipts, first read (${n} other txs, each once)`, await readLoad(url, pid, fresh.map((h) => `/v1/txs/${h}`), { seconds, connections, once: true })));
      console.log(describe(`proof bundles, first read (${n} other txs, each once)`, await readLoad(url, pid, fresh.map((h) => `/v1/txs/${h}/proof`), { seconds, connections, once: true })));
    }
    const receipts = r.perSec;
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
  const { values } = parseArgs({
    options: { txs: { type: 'string' }, distinct: { type: 'string' }, cold: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' }, store: { type: 'string' } },
  });
  const o: Options = {
    total: Number(values.txs ?? 20_000),
    distinct: Number(values.distinct ?? 2000),
    cold: Number(values.cold ?? 5000),
    seconds: Number(values.seconds ?? 10),
    connections: Number(values.connections ?? 64),
  };
  const stores = values.store === 'both' ? (['sqlite', 'postgres'] as const) : values.store === 'postgres' ? (['postgres'] as const) : (['sqlite'] as const);
  console.log(`machine: ${availableParallelism()} cores; load generator autocannon in this process`);
  const got: Record<string, number> = {};
  for (const kind of stores) got[kind] = await runOne(kind, o);
  if (got.sqlite !== undefined && got.postgres !== undefined) console.log(`PostgreSQL / SQLite receipts in this run: ${(got.postgres / got.sqlite).toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
