/**
 * Webhooks as a user runs them: a real `machi start --demo` process (a one-organisation chain), its official
 * subscribes through the API, a document is anchored with `machi submit`, and the outside receiver — its own process,
 * given only the chain's genesis file — gets a CloudEvent whose signature it verifies, linking to a proof bundle that
 * `machi verify-proof` accepts with the same genesis. docs/spec/webhooks.md
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Genesis } from '@machi/core';
import { CLI, DEMO_PASSWORD } from '../support/consortium.js';
import { startReceiver, until, type Receiver } from './helpers.js';

let dir: string;
let data: string;
let proc: ChildProcess;
let url: string;
let rx: Receiver;

/** Starts `machi start --demo` on the data directory; resolves with its API address. */
async function startMachi(): Promise<void> {
  proc = spawn(process.execPath, [CLI, 'start', '--data', data, '--port', '0', '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (code) => reject(new Error(`node exited ${code}: ${out}`)));
  });
}

const machi = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 30_000, cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'machi-webhooks-'));
  data = join(dir, 'data');
  mkdirSync(data);
  await startMachi();
  rx = await startReceiver(JSON.parse(readFileSync(join(data, 'genesis.json'), 'utf8')) as Genesis);
}, 60_000);

afterAll(async () => {
  proc?.kill('SIGKILL');
  await rx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const genesisOf = (): Genesis => JSON.parse(readFileSync(join(data, 'genesis.json'), 'utf8')) as Genesis;

async function signIn(): Promise<Record<string, string>> {
  const org = genesisOf().orgs[0]!.id;
  const login = await (await fetch(`${url}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ org, username: `${org}.official`, password: DEMO_PASSWORD }),
  })).json() as { token: string };
  return { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' };
}

describe('webhooks on a running node', () => {
  it('an anchored document reaches the outside receiver signed, with a proof link that verifies', async () => {
    const genesis = genesisOf();
    const org = genesis.orgs[0]!.id;
    const auth = await signIn();
    const sub = await fetch(`${url}/v1/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `${rx.url}/ok`, types: ['notary.'] }) });
    expect(sub.status).toBe(201);
    const { id, signingKey } = await sub.json() as { id: string; signingKey: string };
    expect(signingKey).toBe(genesis.orgs[0]!.publicKey);

    const hash = createHash('sha256').update('webhooks e2e').digest('hex');
    const r = machi(['submit', 'notary.record', '-', '--data', data, '--node', url], JSON.stringify({ hash, label: 'sent to another system' }));
    expect(r.code, r.err).toBe(0);
    const txHash = /^tx ([0-9a-f]{64}) committed/m.exec(r.out)![1]!;

    const got = await until(async () => (await rx.log()).find((e) => e.event?.id === txHash), 20_000, 'the delivery');
    expect(got.problem).toBeNull();
    expect(got.answered).toBe(200);
    expect(got.event).toMatchObject({ source: `/machi/${genesis.chainId}/${org}`, type: 'org.machi.notary.record', subject: hash, data: { signerOrg: org, payload: { hash } } });

    // the link in the event is the node's proof route; the bundle verifies with the genesis alone
    const bundle = await (await fetch(got.event.data.proof)).text();
    writeFileSync(join(dir, 'bundle.json'), bundle);
    const v = machi(['verify-proof', join(dir, 'bundle.json'), '--genesis', join(data, 'genesis.json')]);
    expect(v.code, v.out + v.err).toBe(0);
    expect(v.out).toMatch(new RegExp(`^valid: tx ${txHash}`));

    const log = await (await fetch(`${url}/v1/webhooks/${id}/deliveries`, { headers: auth })).json() as { deliveries: { eventId: string; state: string; attempts: { status?: number }[] }[] };
    expect(log.deliveries).toEqual([expect.objectContaining({ eventId: txHash, state: 'delivered', attempts: [expect.objectContaining({ status: 200 })] })]);
  });
});

describe('a node killed mid-delivery', () => {
  it('sends the delivery again after the restart: the same webhook-id, at least once', async () => {
    const auth = await signIn();
    const sub = await fetch(`${url}/v1/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `${rx.url}/stall`, types: ['notary.'] }) });
    const { id } = await sub.json() as { id: string };
    const hash = createHash('sha256').update('killed mid-delivery').digest('hex');
    const r = machi(['submit', 'notary.record', '-', '--data', data, '--node', url], JSON.stringify({ hash, label: 'in flight at the kill' }));
    expect(r.code, r.err).toBe(0);
    const txHash = /^tx ([0-9a-f]{64}) committed/m.exec(r.out)![1]!;
    // the receiver holds the first attempt open; the node dies with it in flight
    const first = await until(async () => (await rx.log()).find((e) => e.path === '/stall' && e.event?.id === txHash), 20_000, 'the stalled attempt');
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    await rx.hold(false);

    await startMachi();
    const again = await until(async () => (await rx.log()).find((e) => e.webhookId === first.webhookId && e.answered === 200), 45_000, 'the delivery after the restart');
    expect(again.problem).toBeNull();
    expect(again.event.id).toBe(txHash);
    const log = await (await fetch(`${url}/v1/webhooks/${id}/deliveries`, { headers: await signIn() })).json() as { deliveries: { id: string; state: string; attempts: { status?: number }[] }[] };
    // the attempt cut off by the kill is not recorded (it ended with the process): the log ends with the one that succeeded
    expect(log.deliveries).toEqual([expect.objectContaining({ id: first.webhookId, state: 'delivered' })]);
    expect(log.deliveries[0]!.attempts.at(-1)!.status).toBe(200);
  });
});
