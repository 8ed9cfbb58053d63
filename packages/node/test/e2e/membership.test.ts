/**
 * Membership by decision on real processes (docs/spec/consensus.md#membership, #snapshots): four `machi start`
 * processes; a fifth organisation is admitted by decision of the four (> 2/3 of the power approve), joins from a
 * peer's snapshot (`machi join --from`), starts and votes (its precommit is in a commit certificate); then the auditor
 * is removed, and its later transactions are refused; proof bundles from before and after verify offline
 * (`machi verify-proof` with the genesis file alone). Last, the power company rotates its key (`machi key rotate`,
 * approved by the others): its running node switches by itself where the change takes effect, keeps voting under the
 * new key, its old key's transactions are refused, and bundles from before and after verify offline.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTx, signerFromJwk, type Ed25519Jwk, type SignedTx, type Signer } from '@machi/core';
import { CLI, freePorts, startConsortium, type Consortium } from '../support/consortium.js';

const INTERVAL = 4;
let c: Consortium;
let newcomer: { dir: string; key: string; apiPort: number; p2pPort: number; url: string; output: string; proc?: ReturnType<typeof spawn> };

beforeAll(async () => {
  // a shared CI machine can be slow to start four processes
  c = await startConsortium({ name: 'membership', startTimeoutMs: 120_000, env: () => ({ MACHI_SNAPSHOT_INTERVAL: String(INTERVAL) }) });
  const [apiPort, p2pPort] = await freePorts(2);
  const dir = join(c.root, 'newcomer');
  const r = spawnSync(process.execPath, [CLI, 'join', '--key-only', '--data', dir, '--genesis', join(c.root, 'genesis.json')], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const key = /organisation key: (\S+)/.exec(r.stdout)![1]!;
  newcomer = { dir, key, apiPort: apiPort!, p2pPort: p2pPort!, url: `http://127.0.0.1:${apiPort}`, output: '' };
}, 180_000);

afterAll(async () => {
  newcomer?.proc?.kill('SIGKILL');
  await c?.stop('SIGKILL');
});

const sign = (s: Signer, type: string, payload: Record<string, unknown>): SignedTx =>
  signTx({ chainId: c.genesis.chainId, type, payload, signer: s.publicKey, nonce: randomBytes(16).toString('hex'), time: Date.now() }, s.sign);

async function commit(org: string, tx: SignedTx): Promise<{ hash: string; height: number; code?: string }> {
  const r = await c.call(org, 'POST', '/v1/txs?wait=true', { body: tx });
  expect(r.status, r.text).toBe(200);
  return r.json as { hash: string; height: number; code?: string };
}

/** Proposes `change` (signed by the street office) and approves it with `approvers`' keys; the proposal's id. */
async function decide(epoch: number, change: Record<string, unknown>, approvers: string[]): Promise<string> {
  const p = await commit('street-office', sign(c.orgKey('street-office'), 'consortium.propose', { epoch, change }));
  expect(p.code).toBeUndefined();
  for (const org of approvers) {
    const signer = org === 'newcomer' ? newcomerKey() : c.orgKey(org);
    const a = await commit('property-company', sign(signer, 'consortium.approve', { proposal: p.hash }));
    expect(a.code).toBeUndefined();
  }
  return p.hash;
}

function newcomerKey(): Signer {
  return signerFromJwk(JSON.parse(readFileSync(join(newcomer.dir, 'org-key.json'), 'utf8')) as Ed25519Jwk);
}

const consortium = async (org: string) => (await c.call(org, 'GET', '/v1/consortium')).json as { epoch: number; orgs: { id: string; power: number }[] };

/** Commits notary transactions until `check` holds (heights move only when there is something to commit). */
async function pushUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  await c.until(what, async () => {
    if (await check()) return true;
    await c.call('street-office', 'POST', '/v1/txs/batch?wait=true', { body: { txs: c.notaryTxs('street-office', 1) } });
    return check();
  }, 60_000, 100);
}

function verifyOffline(bundle: unknown): { status: number | null; out: string } {
  const file = join(c.root, `bundle-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(bundle));
  const r = spawnSync(process.execPath, [CLI, 'verify-proof', file, '--genesis', join(c.root, 'genesis.json')], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('membership by decision, on real processes', () => {
  let before: string;

  it('a fifth organisation is admitted by the four, joins from a snapshot, and votes', async () => {
    before = (await commit('auditor', c.notaryTxs('auditor', 1)[0]!)).hash;
    await decide(0, { op: 'add', org: { id: 'newcomer', name: 'Newcomer', publicKey: newcomer.key, power: 1 } }, ['property-company', 'power-company']);
    await pushUntil('the newcomer is a member', async () => (await consortium('power-company')).orgs.some((o) => o.id === 'newcomer'));
    // a snapshot certified after the admission (checkpoints of > 2/3 of the set at its height)
    await pushUntil('a snapshot after the admission', async () => {
      const s = await c.call('auditor', 'GET', '/v1/snapshot');
      return s.status === 200 && (s.json.setChanges as unknown[]).length === 1;
    });
    const j = spawnSync(process.execPath, [CLI, 'join', '--from', c.urls['auditor']!, '--data', newcomer.dir], { encoding: 'utf8' });
    expect(j.status, j.stdout + j.stderr).toBe(0);
    expect(j.stdout).toMatch(/snapshot at height \d+ .* verified: checkpoints by .*this organisation is newcomer \(power 1\)/s);
    const peers = c.nodes.map((n) => `127.0.0.1:${n.p2pPort}`).join(',');
    newcomer.proc = spawn(process.execPath, [CLI, 'start', '--data', newcomer.dir, '--port', String(newcomer.apiPort), '--listen', `127.0.0.1:${newcomer.p2pPort}`, '--peers', peers], { stdio: ['ignore', 'pipe', 'pipe'] });
    newcomer.proc.stdout!.on('data', (d: Buffer) => (newcomer.output += d.toString()));
    newcomer.proc.stderr!.on('data', (d: Buffer) => (newcomer.output += d.toString()));
    // it votes: its precommit is in a commit certificate
    await pushUntil('a commit signed by the newcomer', async () => {
      const latest = await c.call('street-office', 'GET', '/v1/blocks/latest');
      return (latest.json.commit.signatures as { org: string }[]).some((s) => s.org === 'newcomer');
    }).catch((e: Error) => {
      throw new Error(`${e.message}\nnewcomer output:\n${newcomer.output.slice(-3000)}`);
    });
    const h = await (await fetch(`${newcomer.url}/v1/health`)).json() as { height: number };
    expect(h.height).toBeGreaterThan(0);
  }, 180_000);

  it('the auditor is removed: its later transactions are refused; bundles from before and after verify offline', async () => {
    await decide(1, { op: 'remove', org: 'auditor' }, ['property-company', 'power-company', 'newcomer']);
    await pushUntil('the auditor is removed', async () => !(await consortium('street-office')).orgs.some((o) => o.id === 'auditor'));
    const refused = await c.call('street-office', 'POST', '/v1/txs?wait=true', { body: c.notaryTxs('auditor', 1)[0] });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('TX_UNKNOWN_SIGNER');
    const after = (await commit('street-office', c.notaryTxs('street-office', 1)[0]!));
    const latest = await c.call('street-office', 'GET', `/v1/blocks/${after.height}`);
    expect((latest.json.commit.signatures as { org: string }[]).map((s) => s.org)).not.toContain('auditor');
    for (const hash of [before, after.hash]) {
      const bundle = (await c.call('power-company', 'GET', `/v1/txs/${hash}/proof`)).json;
      const v = verifyOffline(bundle);
      expect(v.status, v.out).toBe(0);
      expect(v.out).toMatch(/^valid/);
    }
    const bundle = (await c.call('power-company', 'GET', `/v1/txs/${after.hash}/proof`)).json as { setChanges: unknown[] };
    expect(bundle.setChanges).toHaveLength(2);
    const { setChanges: _dropped, ...withoutChanges } = bundle;
    expect(verifyOffline(withoutChanges).status).toBe(1);
    // machi verify re-executes the whole chain, following the member set across both changes
    const v = spawnSync(process.execPath, [CLI, 'verify', c.node('property-company').dir], { encoding: 'utf8' });
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^ok: \d+ blocks/);
  }, 180_000);

  it('the power company rotates its key by decision: its node switches by itself and votes under the new key; the old key is refused', async () => {
    const pc = c.node('power-company');
    const oldKey = c.orgKey('power-company');
    const before = (await commit('power-company', c.notaryTxs('power-company', 1)[0]!)).hash;
    const r = spawnSync(process.execPath, [CLI, 'key', 'rotate', '--data', pc.dir, '--node', c.urls['power-company']!], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const newKey = /next key of power-company: (\S+)/.exec(r.stdout)![1]!;
    const proposal = /proposal ([0-9a-f]{64}) committed/.exec(r.stdout)![1]!;
    // until the change takes effect the node signs with the old key, and the pending key waits in its directory
    expect(c.orgKey('power-company').publicKey).toBe(oldKey.publicKey);
    for (const org of ['street-office', 'property-company']) {
      expect((await commit('property-company', sign(c.orgKey(org), 'consortium.approve', { proposal }))).code).toBeUndefined();
    }
    await pushUntil('the new key in force', async () => (await consortium('street-office')).orgs.some((o) => o.id === 'power-company' && (o as { publicKey?: string }).publicKey === newKey));
    // it keeps voting: its precommit, under the new key, is in a later commit certificate (no restart)
    await pushUntil('a commit signed with the new key', async () => {
      const latest = await c.call('street-office', 'GET', '/v1/blocks/latest');
      return (latest.json.commit.signatures as { validator: string }[]).some((s) => s.validator === newKey);
    });
    expect(pc.output).toMatch(/key rotation: power-company signs with its new key/);
    expect(c.orgKey('power-company').publicKey).toBe(newKey); // org-key.json promoted
    const refused = await c.call('street-office', 'POST', '/v1/txs?wait=true', { body: sign(oldKey, 'notary.record', { hash: randomBytes(32).toString('hex'), label: 'old key' }) });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('TX_UNKNOWN_SIGNER');
    const after = await commit('power-company', c.notaryTxs('power-company', 1)[0]!);
    expect(after.code).toBeUndefined();
    for (const hash of [before, after.hash]) {
      const v = verifyOffline((await c.call('street-office', 'GET', `/v1/txs/${hash}/proof`)).json);
      expect(v.status, v.out).toBe(0);
      expect(v.out).toMatch(/^valid/);
    }
    const bundle = (await c.call('street-office', 'GET', `/v1/txs/${after.hash}/proof`)).json as { setChanges: unknown[] };
    expect(bundle.setChanges).toHaveLength(3);
    const v = spawnSync(process.execPath, [CLI, 'verify', pc.dir], { encoding: 'utf8' });
    expect(v.status, v.stdout + v.stderr).toBe(0);
  }, 180_000);
});

describe('the history of the organisation that joined from a snapshot', () => {
  // On a young chain the snapshot's replay window reaches block 1 and the history is complete at once; on an older
  // one (or a slow machine) the node fetches the blocks below it from its peers in the background. Either way:
  it('reaches back to block 1: the newcomer serves receipts (results re-derived) and proof bundles from before its snapshot, and machi verify re-executes it all', async () => {
    let history: { complete: boolean; lowestHeight: number; snapshotHeight?: number } | undefined;
    await c.until('the newcomer holds every block', async () => {
      history = ((await (await fetch(`${newcomer.url}/v1/health`)).json()) as { history?: typeof history }).history;
      return history?.complete === true;
    }, 120_000, 500);
    expect(history!.snapshotHeight).toBeGreaterThan(0);
    let old: { hash: string; height: number } | undefined;
    for (let h = 1; old === undefined && h <= history!.snapshotHeight!; h++) {
      const b = await fetch(`${newcomer.url}/v1/blocks/${h}`);
      expect(b.status).toBe(200);
      const txs = ((await b.json()) as { txs: string[] }).txs;
      if (txs.length > 0) old = { hash: txs[0]!, height: h };
    }
    expect(old, 'a transaction before the snapshot').toBeDefined();
    // then the handler results of the transactions before its snapshot are re-derived by re-executing the chain
    let results: { resultsHeight: number; resultsFault?: unknown } | undefined;
    await c.until('the newcomer re-derived the older handler results', async () => {
      results = ((await (await fetch(`${newcomer.url}/v1/health`)).json()) as { history: typeof results }).history;
      return results!.resultsFault !== undefined || results!.resultsHeight >= history!.snapshotHeight!;
    }, 60_000, 500);
    expect(results!.resultsFault).toBeUndefined();
    const receipt = (await (await fetch(`${newcomer.url}/v1/txs/${old!.hash}`)).json()) as { status: string; height: number; tx: unknown };
    expect(receipt).toMatchObject({ status: 'committed', height: old!.height });
    expect(receipt).toEqual((await c.call('street-office', 'GET', `/v1/txs/${old!.hash}`)).json); // no resultKnown: false
    const proof = await fetch(`${newcomer.url}/v1/txs/${old!.hash}/proof`);
    expect(proof.status).toBe(200);
    const v = verifyOffline(await proof.json());
    expect(v.status, v.out).toBe(0);
    expect(v.out).toMatch(new RegExp(`^valid: tx ${old!.hash} .* in block ${old!.height},`));
    const full = spawnSync(process.execPath, [CLI, 'verify', newcomer.dir], { encoding: 'utf8' });
    expect(full.status, full.stdout + full.stderr).toBe(0);
    expect(full.stdout).toMatch(/^ok: \d+ blocks/);
  }, 180_000);
});
