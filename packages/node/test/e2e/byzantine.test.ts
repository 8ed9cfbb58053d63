/**
 * A Byzantine organisation in a real consortium: three honest `machi start` processes and, in this test process, a
 * rogue peer holding the fourth org's genuine key (so it passes the p2p handshake) that sends what an honest node
 * never would. For each misbehaviour the honest nodes log a disconnect naming the rogue, the link comes back, and the
 * chain keeps committing (3 of 4 validators suffice). Stale messages are ignored, a little garbage gossip is refused
 * per transaction (the link kept) while more than PEER_INVALID_TXS_MAX gets the rogue disconnected and backed off,
 * and an equivocation (two signed prevotes for one height and round) is recorded as evidence. At the end
 * every honest node is still alive and `machi verify` passes on each store. Also: `machi start` refuses an invalid
 * genesis with a one-line error and exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PEER_BACKOFF_MS,
  PEER_INVALID_TXS_MAX,
  PEER_INVALID_TXS_WINDOW_MS,
  blockHash,
  proposer,
  validatorsOf,
  verifyEvidence,
  generateKeyPair, proposalSignBytes, signerFromJwk, txHash, voteSignBytes,
  type BlockHeader, type Genesis, type Proposal, type ProposalEvidence, type SignedTx, type Signer, type Vote,
} from '@machi/core';
import { P2PNetwork } from '../../src/p2p/index.js';
import { CLI, startConsortium, type Consortium, type ConsortiumNode } from '../support/consortium.js';

const ROGUE = 'auditor';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomHash = () => randomBytes(32).toString('hex');

/** An honest node (its process run by the harness) and its public key. */
type Node = ConsortiumNode & { key: string };

let c: Consortium;
let root: string;
let genesis: Genesis;
let auditor: Signer;
let rogueP2pPort: number;
let honest: Node[] = [];

const alive = (n: Node) => c.alive(n.org);
const stopNode = (n: Node, signal: NodeJS.Signals) => c.kill(n.org, signal);

async function api<T = Record<string, unknown>>(n: Node, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  // a hung request fails the test with a message instead of a hook timeout
  return c.call(n.org, body === undefined ? 'GET' : 'POST', path, { body, timeoutMs: 20_000 });
}

interface ConsensusView { height: number; round: number; step: string; started: boolean; peers: { org: string; height: number }[] }
const consensus = (n: Node) => api<ConsensusView>(n, '/v1/consensus').then((r) => r.json);

const makeTxs = (org: string, count: number): SignedTx[] => c.notaryTxs(org, count);

let batchNo = 0;
/** The chain still commits: a small batch sent to an honest node (a different one each time) is committed. */
async function expectCommits(): Promise<void> {
  const n = honest[batchNo++ % honest.length]!;
  const r = await api<{ results: { status?: string; code?: string }[] }>(n, '/v1/txs/batch?wait=true&timeoutMs=15000', { txs: makeTxs(n.org, 5) });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect(r.json.results.map((x) => x.status ?? x.code)).toEqual(Array(5).fill('committed'));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 100): Promise<void> {
  await c.until(what, check, timeoutMs, everyMs).catch((e: Error) => {
    throw new Error(`${e.message}\n--- rogue\n${rogueLog.slice(-30).join('\n')}`);
  });
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
  const from = honest.map((n) => n.stderr.length);
  const line = disconnectLine(why);
  const done = (i: number) => line.test(honest[i]!.stderr.slice(from[i]));
  const end = Date.now() + 8000;
  while (!honest.every((_, i) => done(i)) && Date.now() < end) {
    await Promise.all(honest.map(async (n, i) => {
      if (!done(i)) net.send(n.key, make(await consensus(n)));
    }));
    await sleep(400);
  }
  for (const [i, n] of honest.entries()) {
    expect(n.stderr.slice(from[i]), `${n.org} should have disconnected the rogue for "${why}"`).toMatch(line);
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
  // the rogue holds the auditor's key and listens on the port the honest nodes dial for it
  c = await startConsortium({ absent: [ROGUE], name: 'byzantine' });
  ({ root, genesis } = c);
  auditor = c.orgKey(ROGUE);
  rogueP2pPort = c.node(ROGUE).p2pPort;
  honest = c.nodes.filter((n) => n.org !== ROGUE).map((n) => Object.assign(n, { key: genesis.orgs.find((o) => o.id === n.org)!.publicKey }));
  await startRogue();
});

afterAll(async () => {
  await rogue?.close();
  await c?.stop('SIGKILL');
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
      return { t: 'proposal', proposal, sig: auditor.sign(proposalSignBytes(genesis.chainId, proposal)), block: { header, hashes: [] } };
    });
  });

  it("disconnects the rogue for a proposal in a round where it is not the proposer", async () => {
    await misbehave("proposal from a validator that is not the round's proposer", (v) => {
      let round = v.round;
      while (proposer(validatorsOf(genesis), v.height, round) === auditor.publicKey) round++;
      const proposal: Proposal = { type: 'proposal', height: v.height, round, validRound: -1, blockHash: randomHash(), from: auditor.publicKey };
      return { t: 'proposal', proposal, sig: auditor.sign(proposalSignBytes(genesis.chainId, proposal)), block: { header: {}, hashes: [] } };
    });
  });

  it('disconnects the rogue for a message of an unknown type', async () => {
    await misbehave('unknown message', () => ({ t: 'take-over', please: true }));
  });

  it('ignores stale (old-height) votes, correctly signed, without dropping the link', async () => {
    const net = await startRogue();
    const downs = rogueDowns;
    const from = honest.map((n) => n.stderr.length);
    const { height } = await consensus(honest[0]!);
    expect(height).toBeGreaterThan(1);
    for (let h = 1; h < height; h++) {
      for (const type of ['prevote', 'precommit'] as const) {
        net.broadcast({ t: 'vote', vote: signedVote(auditor, type, h, 0, randomHash()) });
        net.broadcast({ t: 'vote', vote: signedVote(auditor, type, h, 3, null) });
      }
    }
    await sleep(1000);
    for (const [i, n] of honest.entries()) expect(n.stderr.slice(from[i])).not.toMatch(new RegExp(`peer ${ROGUE}:`));
    expect(net.peers()).toHaveLength(honest.length);
    expect(rogueDowns).toBe(downs);
    for (const n of honest) {
      const ev = await api<{ evidence: { height: number }[] }>(n, '/v1/evidence');
      expect(ev.json.evidence.filter((e) => e.height < height)).toEqual([]);
    }
    await expectCommits();
  });

  it('CONS-PEER-1: refuses a little garbage in gossiped txs one by one, keeps the link, and admits the good one', async () => {
    const net = await startRogue();
    const downs = rogueDowns;
    const from = honest.map((n) => n.stderr.length);
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
      const log = n.stderr.slice(from[i]);
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
    for (const n of honest) expect(n.stderr).toContain(`EVIDENCE: ${ROGUE} signed two different prevotes at height ${height} round ${round}`);
    await expectCommits();
  });

  it('CONS-PROPOSAL-1, CONS-EVIDENCE-2: records two different signed proposals for one round as evidence', async () => {
    const net = await startRogue();
    const latest = await api<{ header: Record<string, unknown> }>(honest[0]!, '/v1/blocks/latest');
    let view!: ConsensusView;
    await until('the honest nodes to agree on the height', async () => {
      const views = await Promise.all(honest.map(consensus));
      view = views[0]!;
      return views.every((v) => v.height === view.height);
    });
    let round = view.round;
    while (proposer(validatorsOf(genesis), view.height, round) !== auditor.publicKey) round++;
    const make = (time: number): { proposal: Proposal; m: unknown } => {
      const header = { ...latest.json.header, height: view.height, proposer: auditor.publicKey, time, txCount: 0 } as unknown as BlockHeader;
      const proposal: Proposal = { type: 'proposal', height: view.height, round, validRound: -1, blockHash: blockHash(header), from: auditor.publicKey };
      return { proposal, m: { t: 'proposal', proposal, sig: auditor.sign(proposalSignBytes(genesis.chainId, proposal)), block: { header, hashes: [] } } };
    };
    const a = make(Date.now());
    const b = make(Date.now() + 1);
    expect(net.broadcast(a.m)).toBe(honest.length);
    expect(net.broadcast(b.m)).toBe(honest.length);
    type Ev = { org: string; height: number; round: number; type: string; blockHashes: string[]; evidence: ProposalEvidence };
    await until('proposal evidence on every honest node', async () => {
      const evs = await Promise.all(honest.map((n) => api<{ evidence: Ev[] }>(n, '/v1/evidence')));
      return evs.every((e) => e.json.evidence.some((x) => x.org === ROGUE && x.height === view.height && x.round === round && x.type === 'proposal'));
    }, 5000);
    for (const n of honest) {
      const r = (await api<{ evidence: Ev[] }>(n, '/v1/evidence')).json.evidence.find((x) => x.type === 'proposal' && x.height === view.height)!;
      expect(r.blockHashes).toEqual([a.proposal.blockHash, b.proposal.blockHash]);
      expect(verifyEvidence(genesis.chainId, validatorsOf(genesis), r.evidence)).toBeNull();
      expect(n.stderr).toContain(`EVIDENCE: ${ROGUE} signed two different proposals at height ${view.height} round ${round}`);
    }
    await expectCommits();
  });

  // After the tests that need the rogue linked: it is backed off for PEER_BACKOFF_MS.
  it('CONS-PEER-1: disconnects and backs off the rogue once its invalid gossip passes the limit', async () => {
    const net = await startRogue();
    rogueLog.length = 0;
    const from = honest.map((n) => n.stderr.length);
    const garbage = Array.from({ length: PEER_INVALID_TXS_MAX + 1 }, (_, i) => [null, 42, { chainId: 'another-chain' }, 'garbage'][i % 4]);
    expect(net.broadcast({ t: 'txs', txs: garbage })).toBe(honest.length);
    const line = new RegExp(`peer ${ROGUE}: \\d+ invalid gossiped transactions within ${PEER_INVALID_TXS_WINDOW_MS / 1000} s; disconnecting for ${PEER_BACKOFF_MS / 1000} s`);
    await until('every honest node to disconnect the rogue for invalid gossip', () => honest.every((n, i) => line.test(n.stderr.slice(from[i]))), 10_000);
    await until('the rogue to see every honest node drop it', () => honest.every((n) => rogueLog.some((l) => l.includes(n.key.slice(0, 8))
      && l.includes('closed by peer (4004: disconnected: invalid gossiped transactions)'))), 5000);
    // Backed off: the links the rogue (or the honest dialers) make again are dropped at once, without another line.
    await until('a reconnection to be dropped while backing off', () => rogueLog.some((l) => l.includes('disconnected: backing off')), 10_000);
    for (const [i, n] of honest.entries()) {
      const log = n.stderr.slice(from[i]);
      expect(log.match(new RegExp(`peer ${ROGUE}:`, 'g')), n.org).toHaveLength(1);
      expect(log).not.toContain('another-chain'); // no peer text in the line
    }
    await expectCommits();
  });

  it('no honest node crashed, all hold the same chain, and machi verify passes on each store', async () => {
    for (const n of honest) {
      expect(n.crashed, `${n.org}: ${n.stderr.slice(-2000)}`).toBeUndefined();
      expect(alive(n)).toBe(true);
    }
    await until('the honest nodes to reach the same height', async () => {
      const hs = await Promise.all(honest.map((n) => api<{ height: number }>(n, '/v1/health').then((r) => r.json.height)));
      return hs.every((h) => h === hs[0]);
    });
    const latest = await Promise.all(honest.map((n) => api<{ hash: string }>(n, '/v1/blocks/latest').then((r) => r.json.hash)));
    expect(new Set(latest).size).toBe(1);
    await rogue?.close();
    await Promise.all(honest.map((n) => stopNode(n, 'SIGTERM')));
    for (const n of honest) expect(n.process!.exitCode, `${n.org} exit`).toBe(0);
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
