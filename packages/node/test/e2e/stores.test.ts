/**
 * Real processes on both stores: a consortium whose street office and power company keep their ledgers in
 * PostgreSQL (one schema each on the machine's server) and whose property company and auditor keep theirs in SQLite
 * agrees on every block, and `machi verify` passes on each. Then, per store: `machi backup` while transactions keep
 * coming, `machi restore` into a fresh folder (and a fresh schema), `machi verify` passes on the restored node, and
 * started from it the node catches up with the others. The restored validator's double-sign check
 * (docs/spec/storage.md#backup-and-restore): the power company's backup is taken while it runs, and its original signs
 * on after it — restored, the node follows the chain but refuses to vote until restarted with
 * --ignore-double-sign-check; the auditor's is taken once it has stopped — restored, it votes above the head it saw.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
/** organisations whose node starts with --ignore-double-sign-check */
const ignoreCheck = new Set<string>();

const machi = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

beforeAll(async () => {
  ensurePostgres();
  // two stores' worth of processes on a shared CI machine: more time to start than the default
  c = await startConsortium({
    name: 'stores', startTimeoutMs: 90_000,
    args: (org) => [...(ON_PG.has(org) ? ['--store', pgUrl(schemas[org]!)] : []), ...(ignoreCheck.has(org) ? ['--ignore-double-sign-check'] : [])],
  });
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

  /** `org`'s signatures in the commits of blocks from..to (the API names each signature's organisation) */
  async function signedBy(org: string, from: number, to: number): Promise<number[]> {
    const key = c.orgKey(org).publicKey;
    const out: number[] = [];
    for (let h = from; h <= to; h++) {
      const b = await c.call('property-company', 'GET', `/v1/blocks/${h}`);
      if ((b.json.commit.signatures as { validator: string }[]).some((s) => s.validator === key)) out.push(h);
    }
    return out;
  }

  /** Restores `out` into a fresh folder (a fresh schema for PostgreSQL), checks it with machi verify, points `org` at it. */
  function restore(org: string, kind: string, out: string): void {
    const fresh = join(scratch, `${org}-restored`);
    const r = machi('restore', out, fresh, ...(kind === 'postgres' ? ['--store', pgUrl(restoredSchema)] : []));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(fresh, 'restored.json'))).toBe(true);
    const v = machi('verify', fresh);
    expect(v.status, `${v.stdout}${v.stderr}`).toBe(0);
    c.node(org).dir = fresh;
    if (kind === 'postgres') schemas[org] = restoredSchema;
  }

  async function catchUp(org: string): Promise<void> {
    await submit('property-company', 20);
    const target = await c.height('property-company');
    await c.until(`${org} to catch up from its restored backup`, async () => (await c.height(org)) >= target);
    expect(await blockHashes(org, target)).toEqual(await blockHashes('property-company', target));
  }

  it('backup of power-company (postgres) under load; its original signs on after the backup: restored, it catches up but refuses to vote until told the original is stopped', async () => {
    const org = 'power-company';
    const n = c.node(org);
    const out = join(scratch, `${org}-backup`);
    // load on another node while the backup runs
    const load = submit('street-office', 200);
    const b = machi('backup', n.dir, out);
    expect(b.status, b.stderr).toBe(0);
    const backupHeight = Number(/postgres ledger at height (\d+)/.exec(b.stdout)![1]);
    expect(uncommitted(await load)).toEqual([]);
    // the original runs on after the backup: its precommits are in commits the backup does not know of. A commit
    // certificate holds the first quorum of precommits, so a node slowed by a second consortium on the machine (npm
    // test's other lane) may miss several: give it time.
    await c.until('the original to sign two blocks above the backup', async () => {
      await submit('street-office', 1);
      return (await signedBy(org, backupHeight + 2, await c.height('property-company'))).length > 0;
    }, 150_000);
    await c.kill(org, 'SIGKILL');
    restore(org, 'postgres', out);
    const mark = n.output.length;
    await c.start(org);
    await c.until(`${org} to refuse to vote`, () => /DOUBLE-SIGN CHECK FAILED: power-company's key signed block/.test(n.output.slice(mark)), 60_000);
    // operators see it without reading the log: health degraded, the heights found, the gauge
    const health = (await c.call(org, 'GET', '/v1/health')).json as { status: string; voting: string; doubleSignCheck: { foundHeights: number[]; signedUpTo: number } };
    expect(health).toMatchObject({ status: 'degraded', voting: 'refused' });
    expect(health.doubleSignCheck.foundHeights.length).toBeGreaterThan(0);
    expect(health.doubleSignCheck.foundHeights.every((h) => h > health.doubleSignCheck.signedUpTo)).toBe(true);
    expect((await c.call(org, 'GET', '/metrics')).text).toMatch(/^machi_voting_state\{state="refused"\} 1$/m);
    // it follows the chain all the same, and votes nothing
    await catchUp(org);
    const refusedAt = await c.height(org);
    for (let i = 0; i < 3; i++) await submit('street-office', 1);
    expect(await signedBy(org, refusedAt + 1, await c.height('property-company'))).toEqual([]);
    // the operator has stopped the original for good: restarted with the flag, it votes again
    ignoreCheck.add(org);
    await c.kill(org, 'SIGTERM');
    const mark2 = n.output.length;
    await c.start(org);
    await c.until(`${org} to pass the check with the flag`, () => /voting anyway \(--ignore-double-sign-check\)[\s\S]*double-sign check passed/.test(n.output.slice(mark2)), 60_000);
    const votesFrom = Number(/double-sign check passed at height \d+: votes from height (\d+)/.exec(n.output.slice(mark2))![1]);
    await c.until(`a commit signed by the restored ${org}`, async () => {
      await submit('street-office', 1);
      return (await signedBy(org, votesFrom, await c.height('property-company'))).length > 0;
    }, 60_000);
  });

  it('backup of auditor (sqlite) taken once it had stopped, under load on the others: restored, it passes the double-sign check and votes above the head it saw', async () => {
    const org = 'auditor';
    const n = c.node(org);
    const out = join(scratch, `${org}-backup`);
    await c.kill(org, 'SIGKILL');
    const load = submit('street-office', 200);
    const b = machi('backup', n.dir, out);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/sqlite ledger at height \d+/);
    expect(uncommitted(await load)).toEqual([]);
    restore(org, 'sqlite', out);
    const mark = n.output.length;
    await c.start(org);
    await catchUp(org);
    await c.until(`${org} to pass the double-sign check`, () => /double-sign check passed at height \d+: votes from height \d+/.test(n.output.slice(mark)), 60_000);
    const votesFrom = Number(/votes from height (\d+)/.exec(n.output.slice(mark))![1]);
    expect(n.output.slice(mark)).not.toMatch(/DOUBLE-SIGN CHECK FAILED/);
    expect((await c.call(org, 'GET', '/v1/health')).json).toMatchObject({ status: 'ok', voting: 'allowed', doubleSignCheck: { foundHeights: [], voteFrom: votesFrom } });
    await c.until(`a commit signed by the restored ${org}`, async () => {
      await submit('street-office', 1);
      return (await signedBy(org, votesFrom, await c.height('property-company'))).length > 0;
    }, 60_000);
  });
});
