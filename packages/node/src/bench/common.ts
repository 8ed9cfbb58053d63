/** Pieces shared by the benchmarks: the machine's crypto speed, node processes, CPU accounting, load loops. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { generateKeyPair, signTx, signerFromJwk, verifySignature, type SignedTx, type Signer } from '@machi/core';

export const TARGET_RATIO = 0.6;
export const CLI = fileURLToPath(new URL('../../bin/machi.js', import.meta.url));

export function measureVerifyPerSec(ms = 1500): { verify: number; sign: number } {
  const kp = generateKeyPair();
  const signer = signerFromJwk(kp.jwk);
  const msg = Buffer.from('machi bench message '.repeat(10));
  const sig = signer.sign(msg);
  let n = 0;
  let t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) verifySignature(kp.publicKey, msg, sig);
    n += 100;
  }
  const verify = (n * 1000) / (performance.now() - t0);
  n = 0;
  t0 = performance.now();
  while (performance.now() - t0 < ms / 2) {
    for (let i = 0; i < 100; i++) signer.sign(msg);
    n += 100;
  }
  return { verify, sign: (n * 1000) / (performance.now() - t0) };
}

export function startNode(dir: string, args: string[] = []): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    // the bench submits as fast as it can from one address: raise the per-address transaction limit (still counted, so its cost is in the figures)
    const proc = spawn(process.execPath, [...flags, CLI, 'start', '--data', dir, '--port', '0', '--tx-rate-limit', '100000000', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1]! });
    });
    proc.on('exit', (code) => reject(new Error(`node exited with ${code}: ${out}`)));
  });
}

/** CPU time (user + system) a process has used so far, from /proc (Linux); 0 where unavailable. */
export function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, ms) of a process's main thread (its thread id is its pid) and of all its other threads. */
export function procThreadCpuMs(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      if (Number(tid) === pid) main += ms;
      else others += ms;
    }
  } catch {
    // not Linux, or the process is gone
  }
  return { main, others };
}

export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}


export interface LoadResult {
  committed: number;
  rejected: number;
  seconds: number;
  /** submit→commit latency of each committed tx, ms, sorted */
  latencies: number[];
}

/** Keeps `inflight` batches in flight against the given node URLs (round-robin) until every body is sent. */
export async function runLoad(urls: string[], bodies: string[], inflight: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let committed = 0;
  let rejected = 0;
  const start = performance.now();
  const worker = async (w: number): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const sent = performance.now();
      const res = await fetch(`${urls[w % urls.length]}/v1/txs/batch?wait=true&timeoutMs=30000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { results: { status?: string; code?: string }[] };
      const took = performance.now() - sent;
      for (const r of json.results) {
        if (r.status === 'committed' && r.code === undefined) {
          committed++;
          latencies.push(took);
        } else rejected++;
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, (_, w) => worker(w)));
  latencies.sort((a, b) => a - b);
  return { committed, rejected, seconds: (performance.now() - start) / 1000, latencies };
}

/**
 * Open loop: sends `bodies` (batches) at `txPerSec` transactions per second, round-robin over `urls`, whatever the
 * answers (each batch waits for its commit); the submit→commit latency of each committed transaction.
 */
export async function runRate(urls: string[], bodies: string[], batchSize: number, txPerSec: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let committed = 0;
  let rejected = 0;
  const start = performance.now();
  const intervalMs = (batchSize * 1000) / txPerSec;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < bodies.length; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    sends.push((async () => {
      const res = await fetch(`${urls[i % urls.length]}/v1/txs/batch?wait=true&timeoutMs=30000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i]! });
      const json = (await res.json()) as { results: { status?: string; code?: string }[] };
      const took = performance.now() - sent;
      for (const r of json.results) {
        if (r.status === 'committed' && r.code === undefined) {
          committed++;
          latencies.push(took);
        } else rejected++;
      }
    })());
  }
  await Promise.all(sends);
  latencies.sort((a, b) => a - b);
  return { committed, rejected, seconds: (performance.now() - start) / 1000, latencies };
}

/** `total` notary transactions signed by `signer`, as JSON bodies of `batch` transactions each (signed before timing). */
export function signedBatches(chainId: string, signer: Signer, total: number, batch: number, tag = 'bench'): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < total; i += batch) {
    const txs: SignedTx[] = [];
    for (let j = i; j < Math.min(total, i + batch); j++) {
      txs.push(signTx({
        chainId,
        type: 'notary.record',
        payload: { hash: createHash('sha256').update(`${tag} doc ${j}`).digest('hex'), label: `${tag} document ${j}` },
        signer: signer.publicKey,
        nonce: randomBytes(16).toString('hex'),
        time: Date.now(),
      }, signer.sign));
    }
    bodies.push(JSON.stringify({ txs }));
  }
  return bodies;
}
