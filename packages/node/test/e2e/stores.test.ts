/**
 * Real processes on both stores: a consortium whose street office and power company keep their ledgers in
 * PostgreSQL (one schema each on the machine's server) and whose property company and auditor keep theirs in SQLite
 * agrees on every block, and `machi verify` passes on each. Then, per store: `machi backup` of a running node while
 * transactions keep coming, the node stopped, `machi restore` into a fresh folder (and a fresh schema), `machi verify`
 * passes on the restored node, and started from it the node catches up with the others.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startConsortium, type Consortium } from '../support/consortium.js';
import { PG_URL, dropSchemas, ensurePostgres, freshSchema } from '../support/postgres.js';

const ON_PG = new Set(['street-office', 'power-company']);
/** each PostgreSQL node's schema (the restored node's is another) */
const schemas: Record<string, string> = { 'street-office': freshSchema('so'), 'power-company': freshSchema('pc') };
const restoredSchema = freshSchema('restored');
/** every schema this file makes, dropped at the end */
const made = [...Object.values(schemas), restoredSchema];
const pgUrl = (schema: string): string => `${PG_URL}?schema=${schema}`;
const scratch = mkdtempSync(join(tmpdir(), 'machi-backup-'));
let c: Consortium;

const machi = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

beforeAll(async () => {
  ensurePostgres();
  // two stores' worth of processes on a shared CI machine: more time to start than the default
  c = await startConsortium({ name: 'stores', startTimeoutMs: 90_000, args: (org) => (ON_PG.has(org) ? ['--store', pgUrl(schemas[org]!)] : []) });
});

afterAll(async () => {
  await c?.stop('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
  await dropSchemas(made);
});

async function blockHashes(org: string, upTo: number): Promise<string[]> {
  const out: string[] = [];
  for (let h = 1; h <= upTo; h++) out.push(String((await c.call(org, 'GET', `/v1/blocks/${h}`)).json.hash));
  return out;
}

// the longest wait the API allows: a shared CI machine can be slow
const submit = (org: string, count: number) => c.call(org, 'POST', '/v1/txs/batch?wait=true&timeoutMs=30000', { body: { txs: c.notaryTxs(org, count) } });
/** the results of a batch that did not commit (none, when all is well) */
const uncommitted = (a: { json: { results: { status?: string }[] } }) => a.json.results.filter((t) => t.status !== 'committed');

describe('two nodes on PostgreSQL, two on SQLite', () => {
  it('agree on every block, and machi verify passes on each store', async () => {
    const r = await Promise.all(c.nodes.map((n) => submit(n.org, 60)));
    for (const x of r) expect(uncommitted(x)).toEqual([]);
    const top = Math.min(...(await Promise.all(c.nodes.map((n) => c.height(n.org)))));
    expect(top).toBeGreaterThanOrEqual(1); // on a quiet machine the four batches may all commit in the first block
    const all = await Promise.all(c.nodes.map((n) => blockHashes(n.org, top)));
    for (const h of all.slice(1)) expect(h).toEqual(all[0]);
    for (const n of c.nodes) {
      const v = machi('verify', n.dir);
      expect(v.status, `${n.org}: ${v.stdout}${v.stderr}`).toBe(0);
      expect(v.stdout).toMatch(/^ok: \d+ blocks, \d+ txs/);
    }
  });

  it.each([['power-company', 'postgres'], ['auditor', 'sqlite']])('backup of %s (%s) under load, restored into a fresh folder: verify passes and it catches up', async (org, kind) => {
    const n = c.node(org);
    const out = join(scratch, `${org}-backup`);
    // load on another node while the backup runs
    const load = submit('street-office', 200);
    const b = machi('backup', n.dir, out);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(new RegExp(`${kind} ledger at height \\d+`));
    expect(uncommitted(await load)).toEqual([]);
    await c.kill(org, 'SIGKILL');
    const fresh = join(scratch, `${org}-restored`);
    const r = machi('restore', out, fresh, ...(kind === 'postgres' ? ['--store', pgUrl(restoredSchema)] : []));
    expect(r.status, r.stderr).toBe(0);
    const v = machi('verify', fresh);
    expect(v.status, `${v.stdout}${v.stderr}`).toBe(0);
    n.dir = fresh;
    if (kind === 'postgres') schemas[org] = restoredSchema;
    await c.start(org);
    await submit('property-company', 20);
    const target = await c.height('property-company');
    await c.until(`${org} to catch up from its restored backup`, async () => (await c.height(org)) >= target);
    expect(await blockHashes(org, target)).toEqual(await blockHashes('property-company', target));
  });
});
