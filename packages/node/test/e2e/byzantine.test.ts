/**
 * A Byzantine organisation in a real consortium: three honest `machi start` processes and, in this test process, a
 * rogue peer holding the fourth org's genuine key (so it passes the p2p handshake) that sends what an honest node
 * never would. For each misbehaviour the honest nodes log a disconnect naming the rogue, the link comes back, and the
 * chain keeps committing (3 of 4 validators suffice). Stale messages are ignored, garbage gossip is refused per
 * transaction, and an equivocation (two signed prevotes for one height and round) is recorded as evidence. At the end
 * every honest node is still alive and `machi verify` passes on each store. Also: `machi start` refuses an invalid
 * genesis with a one-line error and exit 2.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  proposer,
  validatorsOf,
  generateKeyPair, parseGenesis, proposalSignBytes, signTx, signerFromJwk, txHash, voteSignBytes,
  type Ed25519Jwk, type Genesis, type Proposal, type SignedTx, type Signer, type Vote,
} from '@machi/core';
import { P2PNetwork } from '../../src/p2p/index.js';

const CLI = fileURLToPath(new URL('../../bin/machi.js', import.meta.url));
const ORGS = ['street-office', 'property-company', 'power-company', 'auditor'];
const ROGUE = 'auditor';

/** Ports free a moment ago, distinct (all held open together before any is released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<Server>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomHash = () => randomBytes(32).toString('hex');

interface Node {
  org: string;
  dir: string;
  apiPort: number;
  p2pPort: number;
  key: string;
  proc?: ChildProcess;
  url: string;
  log: string;
  /** set if the process exited while the test still needed it */
  crashed?: string;
}

let root: string;
let genesis: Genesis;
let auditor: Signer;
let rogueP2pPort: number;
const honest: Node[] = [];
let stopping = false;

// ---- honest nodes ---------------------------------------------------------------------------------------------------

function startNode(n: Node): Promise<void> {
  const peers = [...honest.filter((m) => m !== n).map((m) => m.p2pPort), rogueP2pPort].map((p) => `127.0.0.1:${p}`).join(',');
  const proc = spawn(process.execPath, [CLI, 'start', '--data', n.dir, '--port', String(n.apiPort), '--listen', `127.0.0.1:${n.p2pPort}`, '--peers', peers], { stdio: ['ignore', 'pipe', 'pipe'] });
  n.proc = proc;
  proc.stderr!.on('data', (d: Buffer) => (n.log += d.toString()));
  proc.on('exit', (code, signal) => {
    if (!stopping) n.crashed = `exited with code ${code} signal ${signal}`;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${n.org} did not start within 20 s: ${out}${n.log}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/API: http/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${n.org} exited ${code}: ${out}${n.log}`));
    });
  });
}

async function stopNode(n: Node, signal: NodeJS.Signals): Promise<void> {
  const p = n.proc;
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill(signal);
  await exited;
}

const alive = (n: Node) => n.proc !== undefined && n.proc.exitCode === null && n.proc.signalCode === null;

async function api<T = Record<string, unknown>>(n: Node, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const signal = AbortSignal.timeout(20_000); // a hung request fails the test with a message instead of a hook timeout
  const res = await fetch(`${n.url}${path}`, body === undefined ? { signal } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  return { status: res.status, json: (await res.json()) as T };
}

interface ConsensusView { height: number; round: number; step: string; started: boolean; peers: { org: string; height: number }[] }
const consensus = (n: Node) => api<ConsensusView>(n, '/v1/consensus').then((r) => r.json);

function orgKey(org: string): Signer {
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

let batchNo = 0;
/** The chain still commits: a small batch sent to an honest node (a different one each time) is committed. */
async function expectCommits(): Promise<void> {
  const n = honest[batchNo++ % honest.length]!;
  const r = await api<{ results: { status?: string; code?: string }[] }>(n, '/v1/txs/batch?wait=true&timeoutMs=15000', { txs: makeTxs(n.org, 5) });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect(r.json.results.map((x) => x.status ?? x.code)).toEqual(Array(5).fill('committed'));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}\n${honest.map((n) => `--- ${n.org}\n${n.log.slice(-3000)}`).join('\n')}\n--- rogue\n${rogueLog.slice(-30).join('\n')}`);
}

// ---- the rogue ------------------------------------------------------------------------------------------------------

let rogue: P2PNetwork | undefined;
const rogueLog: string[] = [];
let rogueDowns = 0;

/** A fresh rogue network (listening on the auditor's port, dialing the honest nodes), connected to all of them. */
async function startRogue(): Promise<P2PNetwork> {
  await rogue?.close();
  let net: P2PNetwork;
  for (let attempt = 1; ; attempt++) {
    net = new P2PNetwork({
      genesis,
      signer: auditor,
      listen: { host: '127.0.0.1', port: rogueP2pPort },
      peers: honest.map((n) => `127.0.0.1:${n.p2pPort}`),
      log: (line) => rogueLog.push(line),
    });
    try {
      await net.start();
      break;
    } catch (e) {
      // the port we just released was taken meanwhile (rare): try again on a new network (start() is once only)
      await net.close();
      if (attempt >= 20 || !/EADDRINUSE/.test(String(e))) throw e;
      await sleep(100);
    }
  }
  net.on('peer-down', () => rogueDowns++);
  rogue = net;
  await until('the rogue to be linked with every honest node', async () => {
    if (net.peers().length !== honest.length) return false;
    const views = await Promise.all(honest.map(consensus));
    return views.every((v) => v.peers.some((p) => p.org === ROGUE));
  });
  await sleep(150); // let a simultaneous dial from both sides settle on one link
  return net;
}

const disconnectLine = (why: string) => new RegExp(`peer ${ROGUE}: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; disconnecting`);

/**
 * The rogue sends `make(view)` (view: that node's /v1/consensus) to every honest node until each logs that it
 * disconnected the rogue for `why` (a message can be lost when two simultaneous dials settle on one link, so it is
 * re-sent). Then the links come back by themselves (both sides redial; each misbehaviour starts from a fresh rogue
 * network so that its redial backoff stays short) and the chain still commits.
 */
async function misbehave(why: string, make: (view: ConsensusView) => unknown): Promise<void> {
  const net = await startRogue();
  rogueLog.length = 0;
  const from = honest.map((n) => n.log.length);
  const line = disconnectLine(why);
  const done = (i: number) => line.test(honest[i]!.log.slice(from[i]));
  const end = Date.now() + 8000;
  while (!honest.every((_, i) => done(i)) && Date.now() < end) {
    await Promise.all(honest.map(async (n, i) => {
      if (!done(i)) net.send(n.key, make(await consensus(n)));
    }));
    await sleep(400);
  }
  for (const [i, n] of honest.entries()) {
    expect(n.log.slice(from[i]), `${n.org} should have disconnected the rogue for "${why}"`).toMatch(line);
  }
  // The rogue saw each link closed for that reason, and the links come back by themselves (the dialers redial).
  await until('the rogue to see every honest node drop it', () => honest.every((n) => rogueLog.some((l) => l.includes(n.key.slice(0, 8))
    && l.includes(`closed by peer (4004: disconnected: ${why})`))), 5000);
  await until('the rogue to be linked again with every honest node', async () => {
    if (net.peers().length !== honest.length) return false;
    const views = await Promise.all(honest.map(consensus));
    return views.every((v) => v.peers.some((p) => p.org === ROGUE));
  });
  await expectCommits();
}

function signedVote(signer: Signer, type: Vote['type'], height: number, round: number, blockHash: string | null): Vote {
  return { type, height, round, blockHash, from: signer.publicKey, sig: signer.sign(voteSignBytes(genesis.chainId, type, height, round, blockHash)) };
}

// ---- setup ----------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'machi-byzantine-'));
  const g = spawnSync(process.execPath, [CLI, 'genesis', '--orgs', ORGS.join(','), '--out', root], { encoding: 'utf8', timeout: 20_000 });
  expect(g.status, g.stderr).toBe(0);
  genesis = parseGenesis(JSON.parse(readFileSync(join(root, 'genesis.json'), 'utf8')));
  auditor = orgKey(ROGUE);
  // A port picked free can be taken by someone else before our node binds it: then start over on other ports.
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(2 * (ORGS.length - 1) + 1);
    rogueP2pPort = ports.pop()!;
    honest.length = 0;
    for (const org of ORGS.filter((o) => o !== ROGUE)) {
      const apiPort = ports.pop()!;
      const key = genesis.orgs.find((o) => o.id === org)!.publicKey;
      honest.push({ org, dir: join(root, org), apiPort, p2pPort: ports.pop()!, key, url: `http://127.0.0.1:${apiPort}`, log: '' });
    }
    try {
      await Promise.all(honest.map(startNode));
      break;
    } catch (e) {
      stopping = true;
      await Promise.all(honest.map((n) => stopNode(n, 'SIGKILL')));
      stopping = false;
      if (attempt >= 3 || !/EADDRINUSE/.test(String(e))) throw e;
    }
  }
  await startRogue();
});

afterAll(async () => {
  stopping = true;
  await rogue?.close();
  await Promise.all(honest.map((n) => stopNode(n, 'SIGKILL')));
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

// ---- the tests ------------------------------------------------------------------------------------------------------

describe('a consortium with a Byzantine organisation', () => {
  it('commits with three honest validators of four while the rogue only listens', async () => {
    await expectCommits();
    const latest = await api<{ commit: { signatures: { org: string }[] } }>(honest[0]!, '/v1/blocks/latest');
    const signers = latest.json.commit.signatures.map((s) => s.org);
    expect(signers.length).toBeGreaterThanOrEqual(3);
    expect(signers).not.toContain(ROGUE);
  });

  it('CONS-CHECK-1: disconnects the rogue for a malformed vote', async () => {
    // wrong types and missing fields
    await misbehave('malformed vote', (v) => ({ t: 'vote', vote: { type: 'prevote', height: String(v.height), round: -1, from: 42 } }));
    await misbehave('malformed vote', () => ({ t: 'vote' }));
  });

  it('disconnects the rogue for a vote with a wrong signature', async () => {
    await misbehave('vote with a bad signature', (v) => {
      const vote = signedVote(auditor, 'prevote', v.height, v.round, randomHash());
      return { t: 'vote', vote: { ...vote, blockHash: randomHash() } }; // the signature is over another blockHash
    });
  });

  it('disconnects the rogue for a vote from a key that is not a validator', async () => {
    const outsider = signerFromJwk(generateKeyPair().jwk);
    await misbehave('vote from a non-validator', (v) => ({ t: 'vote', vote: signedVote(outsider, 'prevote', v.height, v.round, null) }));
  });

  it('CONS-CHECK-2: disconnects the rogue for a proposal whose header does not hash to its blockHash', async () => {
    const latest = await api<{ header: Record<string, unknown> }>(honest[0]!, '/v1/blocks/latest');
    await misbehave('proposal whose block does not hash to its blockHash', (v) => {
      // a round (near the current one) in which the auditor is the proposer: otherwise it is refused before the hash
      let round = v.round;
      while (proposer(validatorsOf(genesis), v.height, round) !== auditor.publicKey) round++;
      const proposal: Proposal = { type: 'proposal', height: v.height, round, validRound: -1, blockHash: randomHash(), from: auditor.publicKey };
      const header = { ...latest.json.header, height: v.height, txCount: 0 };
      return { t: 'proposal', proposal, sig: auditor.sign(proposalSignBytes(genesis.chainId, proposal)), block: { header, txs: [] } };
    });
  });

  it("disconnects the rogue for a proposal in a round where it is not the proposer", async () => {
    await misbehave("proposal from a validator that is not the round's proposer", (v) => {
      let round = v.round;
      while (proposer(validatorsOf(genesis), v.height, round) === auditor.publicKey) round++;
      const proposal: Proposal = { type: 'proposal', height: v.height, round, validRound: -1, blockHash: randomHash(), from: auditor.publicKey };
      return { t: 'proposal', proposal, sig: auditor.sign(proposalSignBytes(genesis.chainId, proposal)), block: { header: {}, txs: [] } };
    });
  });

  it('disconnects the rogue for a message of an unknown type', async () => {
    await misbehave('unknown message', () => ({ t: 'take-over', please: true }));
  });

  it('ignores stale (old-height) votes, correctly signed, without dropping the link', async () => {
    const net = await startRogue();
    const downs = rogueDowns;
    const from = honest.map((n) => n.log.length);
    const { height } = await consensus(honest[0]!);
    expect(height).toBeGreaterThan(1);
    for (let h = 1; h < height; h++) {
      for (const type of ['prevote', 'precommit'] as const) {
        net.broadcast({ t: 'vote', vote: signedVote(auditor, type, h, 0, randomHash()) });
        net.broadcast({ t: 'vote', vote: signedVote(auditor, type, h, 3, null) });
      }
    }
    await sleep(1000);
    for (const [i, n] of honest.entries()) expect(n.log.slice(from[i])).not.toMatch(new RegExp(`peer ${ROGUE}:`));
    expect(net.peers()).toHaveLength(honest.length);
    expect(rogueDowns).toBe(downs);
    for (const n of honest) {
      const ev = await api<{ evidence: { height: number }[] }>(n, '/v1/evidence');
      expect(ev.json.evidence.filter((e) => e.height < height)).toEqual([]);
    }
    await expectCommits();
  });

  it('refuses garbage in gossiped txs one by one, keeps the link, and admits the good one', async () => {
    const net = await startRogue();
    const downs = rogueDowns;
    const from = honest.map((n) => n.log.length);
    const [good] = makeTxs(ROGUE, 1) as [SignedTx];
    const [other] = makeTxs('power-company', 1) as [SignedTx];
    const garbage: unknown[] = [
      null, 42, 'a string', [], {}, true,
      { ...other, sig: other.sig.slice(0, -4) + 'AAAA' }, // bad signature
      { ...other, chainId: 'another-chain' },
      { ...other, type: 'no.such-type' },
      { ...other, payload: { nested: { deeper: [1, 2, { x: null }] } } },
      { ...other, extra: 'field' },
      { ...other, time: -1, nonce: 'XYZ' },
      { signer: 42, nonce: {} },
      { signer: good.signer, nonce: good.nonce }, // (signer, nonce) of the good one, nothing else
    ];
    net.broadcast({ t: 'txs', txs: [...garbage.slice(0, 7), good, ...garbage.slice(7)] });
    const hash = txHash(good);
    await until('the good gossiped tx to be committed on every honest node', async () => {
      const rs = await Promise.all(honest.map((n) => api<{ status?: string }>(n, `/v1/txs/${hash}`)));
      return rs.every((r) => r.json.status === 'committed');
    }, 15_000, 200);
    for (const [i, n] of honest.entries()) {
      const log = n.log.slice(from[i]);
      expect(log).not.toMatch(new RegExp(`peer ${ROGUE}:`));
      expect(log).not.toMatch(/gossiped txs:/); // no whole-batch failure
    }
    expect(net.peers()).toHaveLength(honest.length);
    expect(rogueDowns).toBe(downs);
    await expectCommits();
  });

  it('CONS-EVIDENCE-1: records an equivocation (two signed prevotes, same height and round) as evidence', async () => {
    const net = await startRogue();
    // The chain is idle between batches: wait until every honest node agrees on the height being decided.
    let view!: ConsensusView;
    await until('the honest nodes to agree on the height', async () => {
      const views = await Promise.all(honest.map(consensus));
      view = views[0]!;
      return views.every((v) => v.height === view.height && v.round === view.round);
    });
    const { height, round } = view;
    const a = signedVote(auditor, 'prevote', height, round, randomHash());
    const b = signedVote(auditor, 'prevote', height, round, randomHash());
    expect(net.broadcast({ t: 'vote', vote: a })).toBe(honest.length);
    expect(net.broadcast({ t: 'vote', vote: b })).toBe(honest.length);
    type Ev = { org: string; validator: string; height: number; round: number; type: string; blockHashes: (string | null)[] };
    const records: Ev[] = [];
    await until('evidence on every honest node', async () => {
      const evs = await Promise.all(honest.map((n) => api<{ evidence: Ev[] }>(n, '/v1/evidence')));
      records.length = 0;
      for (const e of evs) {
        const r = e.json.evidence.find((x) => x.org === ROGUE && x.height === height && x.round === round && x.type === 'prevote');
        if (r === undefined) return false;
        records.push(r);
      }
      return true;
    }, 5000);
    for (const r of records) {
      expect(r.validator).toBe(auditor.publicKey);
      expect([...r.blockHashes].sort()).toEqual([a.blockHash, b.blockHash].sort());
    }
    for (const n of honest) expect(n.log).toContain(`EVIDENCE: ${ROGUE} signed two different prevotes at height ${height} round ${round}`);
    await expectCommits();
  });

  it('no honest node crashed, all hold the same chain, and machi verify passes on each store', async () => {
    for (const n of honest) {
      expect(n.crashed, `${n.org}: ${n.log.slice(-2000)}`).toBeUndefined();
      expect(alive(n)).toBe(true);
    }
    await until('the honest nodes to reach the same height', async () => {
      const hs = await Promise.all(honest.map((n) => api<{ height: number }>(n, '/v1/health').then((r) => r.json.height)));
      return hs.every((h) => h === hs[0]);
    });
    const latest = await Promise.all(honest.map((n) => api<{ hash: string }>(n, '/v1/blocks/latest').then((r) => r.json.hash)));
    expect(new Set(latest).size).toBe(1);
    stopping = true;
    await rogue?.close();
    await Promise.all(honest.map((n) => stopNode(n, 'SIGTERM')));
    for (const n of honest) expect(n.proc!.exitCode, `${n.org} exit`).toBe(0);
    for (const n of honest) {
      const v = spawnSync(process.execPath, [CLI, 'verify', n.dir], { encoding: 'utf8', timeout: 20_000 });
      expect(v.status, `${n.org}: ${v.stdout}${v.stderr}`).toBe(0);
      expect(v.stdout).toMatch(/^ok: \d+ blocks, \d+ txs/);
    }
  });
});

describe('machi start with an invalid genesis', () => {
  it('refuses a duplicated org key, a bad key encoding and a genesis without validator: one line, exit 2', async () => {
    const dir = join(root, 'bad-genesis');
    mkdirSync(dir);
    copyFileSync(join(root, 'street-office', 'org-key.json'), join(dir, 'org-key.json'));
    const base = JSON.parse(readFileSync(join(root, 'genesis.json'), 'utf8')) as Genesis;
    const variants: Record<string, (g: Genesis) => void> = {
      'duplicated-key': (g) => { g.orgs[1]!.publicKey = g.orgs[0]!.publicKey; },
      'bad-key-encoding': (g) => { g.orgs[2]!.publicKey = 'not+base64url/=='; },
      'no-validator': (g) => { for (const o of g.orgs) o.power = 0; },
    };
    const runs = Object.entries(variants).map(([name, mutate]) => {
      const g = structuredClone(base);
      mutate(g);
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(g, null, 2));
      return new Promise<{ name: string; code: number | null; stderr: string; stdout: string }>((resolve) => {
        const p = spawn(process.execPath, [CLI, 'start', '--data', dir, '--genesis', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        let stdout = '';
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
        p.on('close', (code) => {
          clearTimeout(t);
          resolve({ name, code, stderr, stdout });
        });
      });
    });
    for (const r of await Promise.all(runs)) {
      expect(r.code, `${r.name}: ${r.stdout}${r.stderr}`).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      expect(lines, r.name).toHaveLength(1);
      expect(lines[0], r.name).toMatch(/^machi: .*genesis/i);
      expect(r.stdout, r.name).not.toMatch(/API: http/);
    }
  });
});
