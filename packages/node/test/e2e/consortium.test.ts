/**
 * A real consortium: four `machi start` processes from one genesis on loopback. Load; kill -9 one node and keep
 * committing; stop a second and see commits halt; bring one back and see them resume; the killed node catches up
 * from its peers. At the end every node holds the same blocks and `machi verify` passes on each store.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGenesis, signTx, signerFromJwk, type Ed25519Jwk, type Genesis, type SignedTx } from '@machi/core';
import { readFileSync } from 'node:fs';
import { CLI, freePort } from './harness.js';

const ORGS = ['street-office', 'property-company', 'power-company', 'auditor'];

interface Node {
  org: string;
  dir: string;
  apiPort: number;
  p2pPort: number;
  proc?: ChildProcess;
  url: string;
  log: string;
}

let root: string;
let genesis: Genesis;
const nodes: Node[] = [];

function startNode(n: Node): Promise<void> {
  const peers = nodes.filter((m) => m !== n).map((m) => `127.0.0.1:${m.p2pPort}`).join(',');
  const proc = spawn(process.execPath, [CLI, 'start', '--data', n.dir, '--port', String(n.apiPort), '--listen', `127.0.0.1:${n.p2pPort}`, '--peers', peers], { stdio: ['ignore', 'pipe', 'pipe'] });
  n.proc = proc;
  proc.stderr!.on('data', (d: Buffer) => (n.log += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/API: http/.test(out)) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`${n.org} exited ${code}: ${out}${n.log}`)));
  });
}

async function stopNode(n: Node, signal: NodeJS.Signals): Promise<void> {
  const p = n.proc;
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill(signal);
  await exited;
}

async function api<T = Record<string, unknown>>(n: Node, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${n.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as T };
}

function orgKey(org: string) {
  return signerFromJwk(JSON.parse(readFileSync(join(root, org, 'org-key.json'), 'utf8')) as Ed25519Jwk);
}

function makeTxs(org: string, count: number): SignedTx[] {
  const signer = orgKey(org);
  return Array.from({ length: count }, () => signTx({
    chainId: genesis.chainId,
    type: 'notary.record',
    payload: { hash: createHash('sha256').update(randomBytes(16)).digest('hex'), label: `${org} record` },
    signer: signer.publicKey,
    nonce: randomBytes(16).toString('hex'),
    time: Date.now(),
  }, signer.sign));
}

async function submitAndWait(n: Node, txs: SignedTx[], timeoutMs = 20_000) {
  return api<{ accepted: number; results: { status?: string; height?: number; code?: string }[] }>(n, `/v1/txs/batch?wait=true&timeoutMs=${timeoutMs}`, { txs });
}

async function height(n: Node): Promise<number> {
  return (await api<{ height: number }>(n, '/v1/health')).json.height;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}\n${nodes.map((n) => `--- ${n.org}\n${n.log.slice(-2000)}`).join('\n')}`);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'machi-consortium-'));
  const g = spawnSync(process.execPath, [CLI, 'genesis', '--orgs', ORGS.join(','), '--out', root], { encoding: 'utf8' });
  expect(g.status, g.stderr).toBe(0);
  genesis = parseGenesis(JSON.parse(readFileSync(join(root, 'genesis.json'), 'utf8')));
  for (const org of ORGS) {
    const apiPort = await freePort();
    nodes.push({ org, dir: join(root, org), apiPort, p2pPort: await freePort(), url: `http://127.0.0.1:${apiPort}`, log: '' });
  }
  await Promise.all(nodes.map(startNode));
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => stopNode(n, 'SIGKILL')));
  rmSync(root, { recursive: true, force: true });
});

describe('a consortium of four organisations', () => {
  it('commits under load, signed by more than 2/3 of the organisations', async () => {
    const [a, b] = nodes as [Node, Node];
    const [ra, rb] = await Promise.all([submitAndWait(a, makeTxs('street-office', 300)), submitAndWait(b, makeTxs('property-company', 300))]);
    expect(ra.json.results.every((r) => r.status === 'committed')).toBe(true);
    expect(rb.json.results.every((r) => r.status === 'committed')).toBe(true);
    const latest = await api<{ commit: { signatures: { org: string }[] } }>(nodes[2]!, '/v1/blocks/latest');
    expect(latest.json.commit.signatures.length).toBeGreaterThanOrEqual(3);
    for (const s of latest.json.commit.signatures) expect(ORGS).toContain(s.org);
  });

  it('CONS-SYNC-1: keeps committing with one node killed, halts with two down, resumes when one returns, and the killed node catches up', async () => {
    const [a, , c, d] = nodes as [Node, Node, Node, Node];
    await stopNode(d, 'SIGKILL');
    const r1 = await submitAndWait(a, makeTxs('street-office', 200));
    expect(r1.json.results.every((r) => r.status === 'committed')).toBe(true);

    await stopNode(c, 'SIGTERM');
    const before = await height(a);
    const halted = await submitAndWait(a, makeTxs('street-office', 5), 3000);
    expect(halted.json.results.every((r) => r.code === 'COMMIT_TIMEOUT')).toBe(true);
    expect(await height(a)).toBe(before);

    await startNode(c);
    await until('commits to resume with three of four nodes', async () => (await height(a)) > before);

    await startNode(d);
    const r2 = await submitAndWait(a, makeTxs('street-office', 100));
    expect(r2.json.results.every((r) => r.status === 'committed')).toBe(true);
    const target = await height(a);
    await until('the killed node to catch up', async () => (await height(d)) >= target);
  });

  it('every node holds the same blocks, and machi verify passes on each', async () => {
    const top = Math.min(...(await Promise.all(nodes.map(height))));
    expect(top).toBeGreaterThan(3);
    await Promise.all(nodes.map((n) => stopNode(n, 'SIGTERM')));
    const hashes = nodes.map((n) => {
      const db = new Database(join(n.dir, 'ledger.db'), { readonly: true });
      const rows = db.prepare('SELECT height, hash FROM blocks WHERE height <= ? ORDER BY height').all(top) as { height: number; hash: string }[];
      db.close();
      return rows;
    });
    expect(hashes[0]).toHaveLength(top);
    for (const h of hashes.slice(1)) expect(h).toEqual(hashes[0]);
    for (const n of nodes) {
      const v = spawnSync(process.execPath, [CLI, 'verify', n.dir], { encoding: 'utf8' });
      expect(v.status, `${n.org}: ${v.stdout}${v.stderr}`).toBe(0);
      expect(v.stdout).toMatch(/^ok: \d+ blocks, \d+ txs/);
    }
  });
});
