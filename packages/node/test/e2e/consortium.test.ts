/**
 * A real consortium: four `machi start` processes from one genesis on loopback. Load; kill -9 one node and keep
 * committing; stop a second and see commits halt; bring one back and see them resume; the killed node catches up
 * from its peers. At the end every node holds the same blocks and `machi verify` passes on each store.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedTx } from '@machi/core';
import { CLI, FOUR_ORGS as ORGS, startConsortium, type Consortium, type ConsortiumNode as Node } from '../support/consortium.js';

let c: Consortium;
let nodes: Node[];

async function api<T = Record<string, unknown>>(n: Node, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  return c.call(n.org, body === undefined ? 'GET' : 'POST', path, { body });
}

const makeTxs = (org: string, count: number): SignedTx[] => c.notaryTxs(org, count);

async function submitAndWait(n: Node, txs: SignedTx[], timeoutMs = 20_000) {
  return api<{ accepted: number; results: { status?: string; height?: number; code?: string }[] }>(n, `/v1/txs/batch?wait=true&timeoutMs=${timeoutMs}`, { txs });
}

const height = (n: Node): Promise<number> => c.height(n.org);
const until = (what: string, check: () => Promise<boolean>): Promise<void> => c.until(what, check, 30_000, 200);
const stopNode = (n: Node, signal: NodeJS.Signals): Promise<unknown> => c.kill(n.org, signal);
const startNode = (n: Node): Promise<void> => c.start(n.org);

beforeAll(async () => {
  c = await startConsortium();
  nodes = c.nodes;
});

afterAll(async () => {
  await c?.stop('SIGKILL');
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
