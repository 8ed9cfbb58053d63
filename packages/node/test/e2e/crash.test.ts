/**
 * Crash safety, end to end: a real `machi start` process is killed with SIGKILL while it is committing under load,
 * then restarted on the same data directory. Every transaction the node acknowledged as committed must still be
 * there (same height, same log position), no block may be partial, `machi verify` must pass and the restarted node
 * must keep committing. Three kill/restart cycles on one directory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { signTx, signerFromJwk, txHash, type Ed25519Jwk, type SignedTx, type Signer } from '@machi/core';

const BIN = fileURLToPath(new URL('../../bin/machi.js', import.meta.url));

const CLIENTS = 4;
const BATCH = 200;
/** Kill only after at least this long under load and this many acknowledged commits in the cycle. */
const LOAD_MS_MIN = 1200;
const ACKED_MIN = 3000;
const LOAD_MS_MAX = 30_000;
const START_TIMEOUT_MS = 20_000;
/**
 * Where the kill lands. 'after-ack': 0..40 ms after a batch acknowledgement (anywhere in the pipeline: admission,
 * block building, storing). 'on-wal-write': 0..1 ms after the node's SQLite starts writing its WAL, i.e. inside a
 * block commit (during its fsyncs: either before the commit record is durable, or after it and before the ack).
 */
type KillMode = 'after-ack' | 'on-wal-write';
const KILL_MODES: KillMode[] = ['after-ack', 'on-wal-write', 'on-wal-write'];
const ACK_KILL_DELAY_MS_MAX = 40;
const WAL_KILL_DELAY_US_MAX = 1000;

interface Ack {
  height: number;
  seq: number;
  cycle: number;
}

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const children = new Set<ChildProcess>();
let dataDir: string | undefined;
let passed = false;

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await once(c, 'exit');
    }
  }
  if (dataDir !== undefined) {
    if (passed) await rm(dataDir, { recursive: true, force: true });
    else process.stderr.write(`crash test: data directory kept for inspection: ${dataDir}\n`);
  }
});

/** Spawns `machi start --port 0` and resolves with the URL it prints once listening. */
async function startMachi(dir: string): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'start', '--data', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`machi start printed no API URL within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
    const onData = (): void => {
      const m = /API: (http:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m[1]!);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`machi start exited (code ${code}, signal ${signal}) before listening:\n${out}`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  return { child, url, output: () => out };
}

async function sigkill(child: ChildProcess): Promise<void> {
  expect(child.exitCode, 'the node died on its own before the kill').toBeNull();
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  const [code, signal] = (await exited) as [number | null, string | null];
  expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
}

/** Runs `machi <args>` to completion. */
async function machi(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** A list of problems as {count, first few}: a failure shows how many and some examples, not thousands of lines. */
const few = (xs: readonly string[]): { count: number; first: string[] } => ({ count: xs.length, first: xs.slice(0, 5) });
const NONE = { count: 0, first: [] };

let labelCounter = 0;
function makeTx(chainId: string, signer: Signer): SignedTx {
  return signTx(
    {
      chainId,
      type: 'notary.record',
      payload: { hash: randomBytes(32).toString('hex'), label: `crash-test ${labelCounter++}` },
      signer: signer.publicKey,
      nonce: randomBytes(16).toString('hex'),
      time: Date.now(),
    },
    signer.sign,
  );
}

interface LoadState {
  stop: boolean;
  cycle: number;
  acked: Map<string, Ack>;
  ackedThisCycle: number;
  /** hashes of txs that were submitted but never acknowledged (in flight at the kill, or answered otherwise) */
  unacked: Set<string>;
  inflight: number;
  /** anomalies seen by the clients while the node was alive (e.g. a non-200 answer or a hash mismatch) */
  anomalies: string[];
  /** called (then dropped) after the next batch acknowledgement */
  onAck: (() => void)[];
}

/** One client: submits batches with wait=true until the node dies or `stop` is set; records every commit ack. */
async function clientLoop(url: string, chainId: string, signer: Signer, st: LoadState): Promise<void> {
  while (!st.stop) {
    const txs = Array.from({ length: BATCH }, () => makeTx(chainId, signer));
    const hashes = txs.map(txHash);
    st.inflight++;
    let status: number;
    let json: Record<string, unknown>;
    try {
      ({ status, json } = await postJson(`${url}/v1/txs/batch?wait=true`, { txs }));
    } catch {
      // The node died with this request in flight: none of these txs was acknowledged.
      for (const h of hashes) st.unacked.add(h);
      return;
    } finally {
      st.inflight--;
    }
    if (status !== 200) {
      st.anomalies.push(`batch answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
      for (const h of hashes) st.unacked.add(h);
      continue;
    }
    const results = json.results as { hash?: string; status?: string; height?: number; seq?: number; code?: string }[];
    if (results.length !== hashes.length) st.anomalies.push(`batch of ${hashes.length} got ${results.length} results`);
    results.forEach((r, i) => {
      if (r.hash !== hashes[i]) st.anomalies.push(`result ${i}: hash ${r.hash} is not the submitted ${hashes[i]}`);
      if (r.status === 'committed' && typeof r.height === 'number' && typeof r.seq === 'number') {
        st.acked.set(hashes[i]!, { height: r.height, seq: r.seq, cycle: st.cycle });
        st.ackedThisCycle++;
      } else {
        st.unacked.add(hashes[i]!);
        if (r.code !== 'COMMIT_TIMEOUT') st.anomalies.push(`tx ${hashes[i]} not committed: ${JSON.stringify(r)}`);
      }
    });
    for (const f of st.onAck.splice(0)) f();
  }
}

interface DbState {
  height: number;
  logSize: number;
}

/**
 * Reads the ledger file directly (the node is dead): blocks are 1..H with no gaps, each block has exactly
 * header.txCount txs, log positions are contiguous and the latest header's logSize covers them all, no tx belongs
 * to a block that is not there, and every acknowledged tx is stored at the acknowledged height and position.
 */
function inspectDb(dir: string, acked: ReadonlyMap<string, Ack>): DbState {
  const db = new Database(join(dir, 'ledger.db'), { readonly: true, fileMustExist: true });
  try {
    const blocks = db.prepare('SELECT height, hash, header, first_seq FROM blocks ORDER BY height').all() as {
      height: number;
      hash: string;
      header: string;
      first_seq: number;
    }[];
    const perHeight = new Map(
      (db.prepare('SELECT height, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM txs GROUP BY height').all() as {
        height: number;
        n: number;
        lo: number;
        hi: number;
      }[]).map((r) => [r.height, r]),
    );
    let logSize = 0;
    blocks.forEach((b, i) => {
      const header = JSON.parse(b.header) as { height: number; txCount: number; logSize: number };
      expect(b.height, 'block heights are 1..H with no gap').toBe(i + 1);
      expect(header.height).toBe(b.height);
      const t = perHeight.get(b.height);
      expect(t?.n ?? 0, `block ${b.height}: stored txs vs header.txCount`).toBe(header.txCount);
      expect(b.first_seq, `block ${b.height}: first_seq`).toBe(logSize);
      if (t !== undefined) expect([t.lo, t.hi], `block ${b.height}: seq range`).toEqual([b.first_seq, b.first_seq + header.txCount - 1]);
      expect(header.logSize, `block ${b.height}: header.logSize`).toBe(logSize + header.txCount);
      logSize = header.logSize;
      perHeight.delete(b.height);
    });
    expect([...perHeight.keys()], 'txs stored under heights that have no block').toEqual([]);
    const { next, n } = db.prepare('SELECT coalesce(max(seq) + 1, 0) AS next, count(*) AS n FROM txs').get() as { next: number; n: number };
    expect(next, 'max(seq)+1 vs the latest header.logSize').toBe(logSize);
    expect(n, 'tx rows vs the latest header.logSize').toBe(logSize);

    const byHash = db.prepare('SELECT height, seq FROM txs WHERE hash = ?');
    const missing: string[] = [];
    const moved: string[] = [];
    for (const [hash, a] of acked) {
      const r = byHash.get(Buffer.from(hash, 'hex')) as { height: number; seq: number } | undefined;
      if (r === undefined) missing.push(`${hash} (acked at height ${a.height} in cycle ${a.cycle})`);
      else if (r.height !== a.height || r.seq !== a.seq) moved.push(`${hash}: acked ${a.height}/${a.seq}, stored ${r.height}/${r.seq}`);
    }
    expect(few(missing), 'acknowledged txs missing from the ledger file after SIGKILL').toEqual(NONE);
    expect(few(moved), 'acknowledged txs stored elsewhere than acknowledged').toEqual(NONE);
    return { height: blocks.length, logSize };
  } finally {
    db.close();
  }
}

/** Fetches every block through the API: hash -> (height, seq), after checking each block's tx list and the log sizes. */
async function blocksViaApi(url: string, height: number): Promise<{ where: Map<string, { height: number; seq: number }>; logSize: number }> {
  const heights = Array.from({ length: height }, (_, i) => i + 1);
  const blocks = new Map<number, { header: { height: number; txCount: number; logSize: number }; txs: string[] }>();
  await forEachLimit(heights, 8, async (h) => {
    const r = await getJson(`${url}/v1/blocks/${h}`);
    expect(r.status, `GET /v1/blocks/${h}`).toBe(200);
    blocks.set(h, r.json as never);
  });
  const where = new Map<string, { height: number; seq: number }>();
  let logSize = 0;
  for (const h of heights) {
    const { header, txs } = blocks.get(h)!;
    expect(header.height).toBe(h);
    expect(txs.length, `block ${h}: listed txs vs header.txCount`).toBe(header.txCount);
    expect(header.logSize, `block ${h}: header.logSize vs the sum of txCount up to it`).toBe(logSize + header.txCount);
    txs.forEach((hash, i) => where.set(hash, { height: h, seq: logSize + i }));
    logSize = header.logSize;
  }
  return { where, logSize };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Busy-waits (blocking this process, so nothing else delays the kill) until the node's SQLite writes to its WAL, i.e.
 * a block commit is being stored, then 0..WAL_KILL_DELAY_US_MAX µs more. Returns the batches in flight. Yields to
 * the clients between short spins so that there is always something to commit.
 */
async function awaitWalWrite(dir: string, st: LoadState, loadStart: number): Promise<number> {
  const wal = join(dir, 'ledger.db-wal');
  for (;;) {
    if (Date.now() - loadStart > LOAD_MS_MAX) throw new Error(`no WAL write seen in ${LOAD_MS_MAX} ms`);
    while (st.inflight === 0) await new Promise((r) => setImmediate(r));
    const inflight = st.inflight;
    const s0 = statSync(wal, { bigint: true });
    const until = process.hrtime.bigint() + 100_000_000n;
    while (process.hrtime.bigint() < until) {
      const s = statSync(wal, { bigint: true });
      if (s.size !== s0.size || s.mtimeNs !== s0.mtimeNs) {
        const end = process.hrtime.bigint() + BigInt(Math.floor(Math.random() * WAL_KILL_DELAY_US_MAX)) * 1000n;
        while (process.hrtime.bigint() < end);
        return inflight;
      }
    }
    await sleep(1);
  }
}

/**
 * What the kill left in the WAL (for the report): frames of the current WAL generation (salts matching the header)
 * and how many of them follow the last commit frame, i.e. belong to a transaction that never committed.
 */
function walState(dir: string): string {
  let b: Buffer;
  try {
    b = readFileSync(join(dir, 'ledger.db-wal'));
  } catch {
    return 'no WAL';
  }
  if (b.length < 32) return `WAL of ${b.length} bytes`;
  const pageSize = b.readUInt32BE(8);
  const salt = [b.readUInt32BE(16), b.readUInt32BE(20)];
  let frames = 0;
  let lastCommit = 0;
  for (let off = 32; off + 24 + pageSize <= b.length; off += 24 + pageSize) {
    if (b.readUInt32BE(off + 8) !== salt[0] || b.readUInt32BE(off + 12) !== salt[1]) break;
    frames++;
    if (b.readUInt32BE(off + 4) !== 0) lastCommit = frames;
  }
  return `WAL: ${frames} frames, ${frames - lastCommit} after the last commit${frames === 0 ? ' (header of a new generation written, no frame yet: killed inside a commit)' : ''}`;
}

describe('crash safety (SIGKILL under load)', () => {
  it('CONS-STORE-1: keeps every acknowledged commit, leaves no partial block, verifies and keeps working after restarts', async () => {
    const t0 = Date.now();
    const dir = await mkdtemp(join(tmpdir(), 'machi-crash-'));
    dataDir = dir;
    let node = await startMachi(dir);
    const genesis = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')) as { chainId: string };
    const signer = signerFromJwk(JSON.parse(await readFile(join(dir, 'org-key.json'), 'utf8')) as Ed25519Jwk);

    const st: LoadState = { stop: false, cycle: 0, acked: new Map(), ackedThisCycle: 0, unacked: new Set(), inflight: 0, anomalies: [], onAck: [] };
    let prev: DbState = { height: 0, logSize: 0 };
    const log: string[] = [];

    for (const [i, mode] of KILL_MODES.entries()) {
      const cycle = i + 1;
      st.cycle = cycle;
      st.ackedThisCycle = 0;
      st.unacked.clear();
      const loadStart = Date.now();
      const loops = Array.from({ length: CLIENTS }, () => clientLoop(node.url, genesis.chainId, signer, st));

      // Load until enough commits were acknowledged and an acknowledgement has just arrived, then kill as the cycle's
      // mode says (see KILL_MODES), always with batches in flight.
      while (st.ackedThisCycle < ACKED_MIN || Date.now() - loadStart < LOAD_MS_MIN) {
        if (Date.now() - loadStart > LOAD_MS_MAX) throw new Error(`only ${st.ackedThisCycle} commits acknowledged in ${LOAD_MS_MAX} ms:\n${node.output()}`);
        await sleep(10);
      }
      await new Promise<void>((resolve) => st.onAck.push(resolve));
      let inflightAtKill: number;
      if (mode === 'after-ack') {
        await sleep(Math.floor(Math.random() * ACK_KILL_DELAY_MS_MAX));
        while (st.inflight === 0) await new Promise((r) => setImmediate(r));
        inflightAtKill = st.inflight;
      } else {
        inflightAtKill = await awaitWalWrite(dir, st, loadStart);
      }
      const loadMs = Date.now() - loadStart;
      await sigkill(node.child);
      const wal = walState(dir);
      st.stop = true;
      await Promise.all(loops);
      st.stop = false;
      expect(few(st.anomalies), 'client anomalies while the node was alive').toEqual(NONE);
      const cycleAcks = [...st.acked].filter(([, a]) => a.cycle === cycle);
      const ackedHeights = cycleAcks.map(([, a]) => a.height);
      const maxAckedHeight = Math.max(...ackedHeights);

      // The ledger file as the kill left it, before a restarted node touches it. Checks every ack of every cycle.
      const db = inspectDb(dir, st.acked);
      expect(db.height, 'height went backwards').toBeGreaterThanOrEqual(prev.height);
      expect(db.logSize, 'log shrank').toBeGreaterThanOrEqual(prev.logSize);
      expect(db.height).toBeGreaterThanOrEqual(maxAckedHeight);

      // Restart on the same directory. If the kill came after the node had signed for the next block, the restarted
      // node finishes that height first: it re-proposes the block it had proposed (kept with its double-sign guard)
      // and commits it — at most one block, holding only unacknowledged txs. Wait until it has settled.
      node = await startMachi(dir);
      let health = await getJson(`${node.url}/v1/health`);
      for (let i = 0; i < 50 && health.json.mempool !== 0; i++) {
        await sleep(100);
        health = await getJson(`${node.url}/v1/health`);
      }
      await sleep(300);
      health = await getJson(`${node.url}/v1/health`);
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ status: 'ok', mempool: 0 });
      const recovered = (health.json.height as number) - db.height;
      expect(recovered, 'blocks committed by the restarted node on its own').toBeLessThanOrEqual(1);
      expect(recovered).toBeGreaterThanOrEqual(0);
      if (recovered === 0) expect(health.json.logSize).toBe(db.logSize);
      db.height = health.json.height as number;
      db.logSize = health.json.logSize as number;
      const latest = await getJson(`${node.url}/v1/blocks/latest`);
      expect(latest.status).toBe(200);
      const header = latest.json.header as { height: number; logSize: number };
      expect({ height: header.height, logSize: header.logSize }).toEqual({ height: health.json.height, logSize: health.json.logSize });

      // Through the API: the blocks' txCounts add up to logSize, and every tx acknowledged in any cycle is listed in
      // the block it was acknowledged in, at the acknowledged log position.
      const api = await blocksViaApi(node.url, header.height);
      expect(api.logSize, 'sum of txCount over all blocks vs /v1/health logSize').toBe(health.json.logSize);
      const misplaced = [...st.acked]
        .filter(([hash, a]) => api.where.get(hash)?.height !== a.height || api.where.get(hash)?.seq !== a.seq)
        .map(([hash, a]) => `${hash} (acked ${a.height}/${a.seq} in cycle ${a.cycle}): listed at ${JSON.stringify(api.where.get(hash))}`);
      expect(few(misplaced), 'acknowledged txs not in their block after restart').toEqual(NONE);

      // Every tx acknowledged in this cycle has its committed receipt.
      const bad: string[] = [];
      await forEachLimit(cycleAcks, 16, async ([hash, a]) => {
        const r = await getJson(`${node.url}/v1/txs/${hash}`);
        if (r.status !== 200 || r.json.status !== 'committed' || r.json.height !== a.height || r.json.seq !== a.seq) {
          bad.push(`${hash} (acked ${a.height}/${a.seq}): ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
        }
      });
      expect(few(bad), 'acknowledged txs without a committed receipt after restart').toEqual(NONE);

      // Txs in flight at the kill are all or nothing: in a (whole, checked above) block, or unknown; never pending.
      const unackedCommitted = [...st.unacked].filter((h) => api.where.has(h));
      await forEachLimit([...st.unacked].filter((h) => !api.where.has(h)), 16, async (hash) => {
        const r = await getJson(`${node.url}/v1/txs/${hash}`);
        if (r.status !== 404) bad.push(`${hash} (not acked, in no block): ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
      });
      expect(few(bad), 'unacknowledged txs in an unexpected state after restart').toEqual(NONE);

      // The restarted node commits.
      const tx = makeTx(genesis.chainId, signer);
      const one = await postJson(`${node.url}/v1/txs?wait=true`, tx);
      expect(one.status).toBe(200);
      // A height that was being decided at the kill is finished first (possibly as an empty block: the restarted
      // node keeps its double-sign guard, so it cannot re-propose what it had proposed before), so the new tx
      // lands at db.height + 1 or just after; its log position is exact.
      expect(one.json).toMatchObject({ hash: txHash(tx), status: 'committed', seq: db.logSize });
      const oneHeight = one.json.height as number;
      expect(oneHeight).toBeGreaterThanOrEqual(db.height + 1);
      expect(oneHeight).toBeLessThanOrEqual(db.height + 2);
      st.acked.set(txHash(tx), { height: oneHeight, seq: db.logSize, cycle });
      prev = { height: oneHeight, logSize: db.logSize + 1 };

      // The whole chain re-verifies (the node is idle, so the counts are exact).
      const v = await machi(['verify', dir]);
      expect({ code: v.code, stderr: v.stderr }).toEqual({ code: 0, stderr: '' });
      expect(v.stdout).toMatch(/^ok: /);
      expect(v.stdout.trim()).toBe(`ok: ${prev.height} blocks, ${prev.logSize} txs`);

      log.push(
        `cycle ${cycle} (${mode}): ${Date.now() - loadStart} ms (load ${loadMs} ms); ${wal}; acked ${cycleAcks.length} txs in blocks ` +
          `${Math.min(...ackedHeights)}..${maxAckedHeight}; ${inflightAtKill} batches in flight at the kill; on disk: height ${db.height}, ` +
          `logSize ${db.logSize}, ${db.height - maxAckedHeight} block(s) past the last ack, ` +
          `${unackedCommitted.length}/${st.unacked.size} unacknowledged txs committed`,
      );
    }

    await sigkill(node.child);
    process.stdout.write(`crash test (${Date.now() - t0} ms, ${st.acked.size} acked txs in all):\n  ${log.join('\n  ')}\n`);
    passed = true;
  }, 120_000);
});
