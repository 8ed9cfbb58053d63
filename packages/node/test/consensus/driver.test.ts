/**
 * The real ConsensusDriver for one node, driven by hand: a fake transport delivers what Byzantine peers send, a
 * frozen clock, a real MachiNode on an in-memory store. docs/spec/consensus.md — CONS-PROPOSAL-1, CONS-PEER-1.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  PEER_BACKOFF_MS, PEER_INVALID_TXS_MAX, TX_FETCH_RETRY_MS, generateKeyPair, proposalSignBytes, proposer, signTx, signerFromJwk, validatorsOf, verifyEvidence,
  EVIDENCE_GOSSIP_HEIGHTS_MAX, voteSignBytes, type Evidence, type Genesis, type Proposal, type SignedTx, type Signer, type Vote,
} from '@machi/core';
import { ConsensusDriver, type Clock, type Timer } from '../../src/consensus/driver.js';
import type { PeerTransport, WireMessage } from '../../src/consensus/transport.js';
import type { CompactBlock } from '../../src/consensus/transport.js';
import { InlineChecker } from '../../src/node/checker.js';
import { MachiNode } from '../../src/node/node.js';
import { MemoryStore } from '../../src/storage/memory.js';

const GENESIS_MS = Date.parse('2026-01-01T00:00:00Z');
const keys = Array.from({ length: 4 }, () => generateKeyPair());
const signers = keys.map((k) => signerFromJwk(k.jwk));
const clientKey = generateKeyPair();
const client = signerFromJwk(clientKey.jwk);
const genesis: Genesis = {
  chainId: 'driver-test',
  genesisTime: new Date(GENESIS_MS).toISOString(),
  orgs: [
    ...signers.map((s, i) => ({ id: `v${i}`, name: `validator ${i}`, publicKey: s.publicKey, power: 1 })),
    { id: 'client', name: 'client', publicKey: client.publicKey, power: 0 },
  ],
};
const validators = validatorsOf(genesis);
const signerOf = (key: string): Signer => signers.find((s) => s.publicKey === key)!;
const orgOf = (key: string): string => genesis.orgs.find((o) => o.publicKey === key)!.id;
/** the Byzantine proposer of height 1, round 0, and the node under test (another validator) */
const byz = signerOf(proposer(validators, 1, 0));
const self = signers.find((s) => s !== byz)!;
const others = signers.filter((s) => s !== byz && s !== self);

/** Frozen time; timers are kept but fire only when a test moves the clock past them. */
class ManualClock implements Clock {
  nowMs = GENESIS_MS + 60_000;
  timers = new Set<{ at: number; fn: () => void }>();
  now(): number {
    return this.nowMs;
  }
  setTimer(ms: number, fn: () => void): Timer {
    const t = { at: this.nowMs + ms, fn };
    this.timers.add(t);
    return t as unknown as Timer;
  }
  clearTimer(timer: Timer): void {
    this.timers.delete(timer as unknown as { at: number; fn: () => void });
  }
  advance(ms: number): void {
    this.nowMs += ms;
    for (const t of [...this.timers]) {
      if (t.at > this.nowMs) continue;
      this.timers.delete(t);
      t.fn();
    }
  }
}

type Listener = (peer: { publicKey: string; orgId: string }, message?: unknown) => void;
class FakeTransport implements PeerTransport {
  sent: unknown[] = [];
  disconnects: { peer: string; reason: string }[] = [];
  readonly #listeners: Record<'message' | 'peer-up', Listener[]> = { message: [], 'peer-up': [] };
  broadcast(message: unknown): number {
    this.sent.push(message);
    return 3;
  }
  send(_peer: string, message: unknown): boolean {
    this.sent.push(message);
    return true;
  }
  disconnect(peer: string, reason: string): void {
    this.disconnects.push({ peer, reason });
  }
  on(event: 'message' | 'peer-up', listener: Listener): this {
    this.#listeners[event].push(listener);
    return this;
  }
  deliver(from: Signer, message: unknown): void {
    for (const l of this.#listeners.message) l({ publicKey: from.publicKey, orgId: orgOf(from.publicKey) }, message);
  }
  peerUp(from: Signer): void {
    for (const l of this.#listeners['peer-up']) l({ publicKey: from.publicKey, orgId: orgOf(from.publicKey) });
  }
}

const drivers: ConsensusDriver[] = [];
afterEach(() => {
  for (const d of drivers.splice(0)) d.close();
  // spies on shared objects (InlineChecker.prototype): the in-process project shares one module graph between files
  vi.restoreAllMocks();
});

function setup() {
  const clock = new ManualClock();
  const net = new FakeTransport();
  const node = new MachiNode({ genesis, publicKey: self.publicKey, store: new MemoryStore(), checker: new InlineChecker(genesis), clock: () => clock.now() });
  const log: string[] = [];
  const driver = new ConsensusDriver({ node, signer: self, net, clock, log: (l) => log.push(l) });
  drivers.push(driver);
  driver.start();
  return { clock, net, node, driver, log };
}

let nonce = 0;
function txs(count: number): SignedTx[] {
  return Array.from({ length: count }, () => signTx({
    chainId: genesis.chainId, type: 'notary.record', payload: { hash: randomBytes(32).toString('hex'), label: `doc ${nonce}` },
    signer: client.publicKey, nonce: (nonce++).toString(16).padStart(32, '0'), time: GENESIS_MS + 60_000,
  }, client.sign));
}

/**
 * `count` distinct valid blocks for height 1 by the Byzantine proposer (same transactions, other times), signed, as
 * compact proposals; their transactions are gossiped to `net` first unless `gossip` is false.
 */
let floodTexts: string[] = [];
async function floodOfProposals(count: number, net: FakeTransport, gossip = true): Promise<WireMessage[]> {
  const maker = new MachiNode({ genesis, publicKey: byz.publicKey, store: new MemoryStore(), checker: new InlineChecker(genesis), clock: () => GENESIS_MS + 60_000 });
  const sent = txs(5);
  await maker.submit(sent);
  floodTexts = maker.takeForProposal(GENESIS_MS + 60_000).map((t) => t.canonical);
  if (gossip) net.deliver(byz, { t: 'txs', txs: sent });
  return Array.from({ length: count }, (_, i) => {
    const time = GENESIS_MS + 59_000 + i;
    const prepared = maker.prepare(maker.takeForProposal(time), time, byz.publicKey);
    const block: CompactBlock = { header: prepared.header, hashes: prepared.txs.map((t) => t.hash) };
    const proposal: Proposal = { type: 'proposal', height: 1, round: 0, validRound: -1, blockHash: prepared.hash, from: byz.publicKey };
    return { t: 'proposal', proposal, sig: byz.sign(proposalSignBytes(genesis.chainId, proposal)), block };
  });
}

function vote(signer: Signer, type: Vote['type'], blockHash: string): WireMessage {
  return { t: 'vote', vote: { type, height: 1, round: 0, blockHash, from: signer.publicKey, sig: signer.sign(voteSignBytes(genesis.chainId, type, 1, 0, blockHash)) } };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('CONS-PROPOSAL-1: one proposal per proposer per round is checked', () => {
  it('CONS-EVIDENCE-2: a flood of distinct signed proposals for one round triggers one block check, leaves evidence naming the proposer, and the height commits', async () => {
    const { net, node, driver, log } = setup();
    const checkBlock = vi.spyOn(node, 'checkBlock');
    const flood = await floodOfProposals(30, net);
    // all at once: every check would be in flight before the first finishes
    for (const m of flood) net.deliver(byz, m);
    await settle();
    expect(checkBlock).toHaveBeenCalledTimes(1);
    const first = (flood[0] as Extract<WireMessage, { t: 'proposal' }>).proposal.blockHash;
    // the first proposal went on through consensus: we prevoted it
    expect(net.sent).toContainEqual(expect.objectContaining({ t: 'vote', vote: expect.objectContaining({ type: 'prevote', blockHash: first, from: self.publicKey }) }));
    // evidence: the proposer's org, both signed proposals, verifiable by anyone with the genesis
    const ev = driver.evidence();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ org: orgOf(byz.publicKey), validator: byz.publicKey, height: 1, round: 0, type: 'proposal' });
    expect(ev[0]!.blockHashes[0]).toBe(first);
    expect(verifyEvidence(genesis.chainId, validators, ev[0]!.evidence!)).toBeNull();
    expect(log.filter((l) => l.startsWith('EVIDENCE:'))).toEqual([`EVIDENCE: ${orgOf(byz.publicKey)} signed two different proposals at height 1 round 0`]);
    // the height still commits: the others prevote and precommit the first block
    for (const s of [byz, ...others]) net.deliver(s, vote(s, 'prevote', first));
    for (const s of [byz, ...others]) net.deliver(s, vote(s, 'precommit', first));
    await settle();
    expect(node.head.height).toBe(1);
    expect(node.head.hash).toBe(first);
    expect(checkBlock).toHaveBeenCalledTimes(1);
  });

  it('re-sent copies of the first proposal are neither evidence nor checked again', async () => {
    const { net, node, driver } = setup();
    const checkBlock = vi.spyOn(node, 'checkBlock');
    const [p] = await floodOfProposals(1, net);
    for (let i = 0; i < 5; i++) net.deliver(byz, p);
    await settle();
    expect(checkBlock).toHaveBeenCalledTimes(1);
    expect(driver.evidence()).toEqual([]);
  });
});

describe('CONS-FETCH-1: compact proposals name transactions by hash; missing bodies are fetched', () => {
  const sentOf = (net: FakeTransport, t: string): Record<string, unknown>[] => net.sent.filter((m) => (m as { t?: string }).t === t) as Record<string, unknown>[];
  const prevotes = (net: FakeTransport): (string | null)[] => sentOf(net, 'vote').map((m) => (m.vote as Vote)).filter((v) => v.type === 'prevote' && v.from === self.publicKey).map((v) => v.blockHash);

  it('asks the sender, then every peer; takes only bodies matching the asked hashes; verifies each once; prevotes once it has them', async () => {
    const { net, node, clock } = setup();
    const [p] = (await floodOfProposals(1, net, false)) as Extract<WireMessage, { t: 'proposal' }>[];
    const check = vi.spyOn(InlineChecker.prototype, 'check'); // the node under test's checks from here on
    net.deliver(byz, p);
    await settle();
    expect(sentOf(net, 'get-txs')).toEqual([{ t: 'get-txs', height: 1, blockHash: p!.proposal.blockHash, hashes: p!.block.hashes }]);
    expect(prevotes(net)).toEqual([]);
    clock.advance(TX_FETCH_RETRY_MS); // the sender did not answer: everyone is asked
    expect(sentOf(net, 'get-txs')).toHaveLength(2);
    // another peer answers, with a forged body besides the right ones: the forgery matches no hash and is dropped
    const forged = floodTexts[0]!.replace('doc', 'DOC');
    net.deliver(others[0]!, { t: 'block-txs', height: 1, blockHash: p!.proposal.blockHash, txs: [forged, ...floodTexts] });
    await settle();
    expect(prevotes(net)).toEqual([p!.proposal.blockHash]);
    // the same transactions gossiped later are not verified again (the block's transactions went into the mempool)
    net.deliver(others[1]!, { t: 'txs', txs: floodTexts.map((t) => JSON.parse(t) as unknown) });
    await settle();
    expect(check.mock.calls.reduce((n, [values]) => n + values.length, 0)).toBe(5);
    expect(node.mempoolSize).toBe(5);
    check.mockRestore();
  });

  it('bodies nobody sends (a withholding proposer): no prevote for the block; nil when timeoutPropose expires', async () => {
    const { net, clock } = setup();
    const [p] = (await floodOfProposals(1, net, false)) as Extract<WireMessage, { t: 'proposal' }>[];
    net.deliver(byz, p);
    await settle();
    clock.advance(1000); // DEFAULT_TIMEOUTS.propose at round 0
    await settle();
    expect(prevotes(net)).toEqual([null]);
    expect(sentOf(net, 'get-txs').length).toBeGreaterThanOrEqual(2);
  });

  it('serves the bodies it holds to a peer that asks, and ignores a request for another height', async () => {
    const { net } = setup();
    const [p] = (await floodOfProposals(1, net)) as Extract<WireMessage, { t: 'proposal' }>[];
    await settle();
    net.deliver(others[0]!, { t: 'get-txs', height: 2, blockHash: p!.proposal.blockHash, hashes: p!.block.hashes });
    net.deliver(others[0]!, { t: 'get-txs', height: 1, blockHash: p!.proposal.blockHash, hashes: [...p!.block.hashes, 'f'.repeat(64)] });
    expect(sentOf(net, 'block-txs')).toEqual([{ t: 'block-txs', height: 1, blockHash: p!.proposal.blockHash, txs: expect.arrayContaining(floodTexts) }]);
  });
});

/** Evidence that `signer` prevoted two different blocks at `height`, round 0. */
function doubleVote(signer: Signer, height: number): Evidence {
  const v = (blockHash: string): Vote => ({ type: 'prevote', height, round: 0, blockHash, from: signer.publicKey, sig: signer.sign(voteSignBytes(genesis.chainId, 'prevote', height, 0, blockHash)) });
  return { type: 'duplicate-vote', validator: signer.publicKey, voteA: v('a'.repeat(64)), voteB: v('b'.repeat(64)) };
}
const evidenceSent = (net: FakeTransport): unknown[] => net.sent.filter((m) => (m as { t?: string }).t === 'evidence');

describe('CONS-EVIDENCE-3: evidence is gossiped', () => {
  it('evidence found here goes to every peer once', async () => {
    const { net, driver } = setup();
    for (const m of await floodOfProposals(5, net)) net.deliver(byz, m);
    await settle();
    expect(driver.evidence()).toHaveLength(1);
    expect(evidenceSent(net)).toEqual([{ t: 'evidence', evidence: driver.evidence()[0]!.evidence }]);
  });

  it('genuine evidence from a peer is recorded, logged with who reported it, and passed on once; copies are ignored', async () => {
    const { net, driver, log } = setup();
    const reporter = others[0]!;
    const evidence = doubleVote(byz, 1);
    net.deliver(reporter, { t: 'evidence', evidence });
    net.deliver(others[1] ?? reporter, { t: 'evidence', evidence });
    net.deliver(reporter, { t: 'evidence', evidence });
    await settle();
    expect(driver.evidence()).toHaveLength(1);
    expect(driver.evidence()[0]).toMatchObject({ org: orgOf(byz.publicKey), validator: byz.publicKey, height: 1, round: 0, type: 'prevote' });
    expect(verifyEvidence(genesis.chainId, validators, driver.evidence()[0]!.evidence!)).toBeNull();
    expect(log).toContain(`EVIDENCE: ${orgOf(byz.publicKey)} signed two different prevotes at height 1 round 0 (reported by ${orgOf(reporter.publicKey)})`);
    expect(evidenceSent(net)).toHaveLength(1);
    expect(net.disconnects).toEqual([]);
  });

  it('evidence that does not verify disconnects its sender and is not recorded', async () => {
    const { net, driver } = setup();
    const liar = others[0]!;
    const forged = doubleVote(byz, 1) as Extract<Evidence, { type: 'duplicate-vote' }>;
    forged.voteB = { ...forged.voteB, sig: forged.voteA.sig }; // not byz's signature over voteB
    net.deliver(liar, { t: 'evidence', evidence: forged });
    net.deliver(liar, { t: 'evidence', evidence: { type: 'duplicate-vote', validator: byz.publicKey } });
    await settle();
    expect(driver.evidence()).toEqual([]);
    expect(net.disconnects.map((d) => d.peer)).toEqual([liar.publicKey, liar.publicKey]);
    expect(net.disconnects[0]!.reason).toMatch(/invalid evidence: a signature does not verify/);
    expect(net.disconnects[1]!.reason).toMatch(/malformed evidence/);
    expect(evidenceSent(net)).toEqual([]);
  });

  it('evidence about a height far from ours is ignored: not verified, not kept, no one blamed', async () => {
    const { net, driver } = setup();
    net.deliver(others[0]!, { t: 'evidence', evidence: doubleVote(byz, 1 + 2) });
    net.deliver(others[0]!, { t: 'evidence', evidence: doubleVote(byz, 10 ** 9) });
    await settle();
    expect(driver.evidence()).toEqual([]);
    expect(net.disconnects).toEqual([]);
    expect(EVIDENCE_GOSSIP_HEIGHTS_MAX).toBeGreaterThan(0);
  });
});

describe('CONS-PEER-1: peers that gossip invalid transactions', () => {
  const [good] = txs(1) as [SignedTx];
  const garbage = (n: number): unknown[] => Array.from({ length: n }, (_, i) => [
    null, 42, { ...good, sig: good.sig.slice(0, -4) + 'AAAA' }, { ...good, chainId: 'another-chain' }, { ...good, extra: i },
  ][i % 5]);

  it('keeps a peer that sent a few invalid transactions; disconnects one past the limit, once, with one log line, and backs it off', async () => {
    const { net, node, clock, log } = setup();
    const peer = others[0]!;
    net.deliver(peer, { t: 'txs', txs: garbage(10) });
    await settle();
    expect(net.disconnects).toEqual([]);
    net.deliver(peer, { t: 'txs', txs: garbage(PEER_INVALID_TXS_MAX) });
    await settle();
    expect(net.disconnects).toEqual([{ peer: peer.publicKey, reason: 'invalid gossiped transactions' }]);
    const lines = log.filter((l) => l.includes(`peer ${orgOf(peer.publicKey)}:`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^peer ${orgOf(peer.publicKey)}: \\d+ invalid gossiped transactions within \\d+ s; disconnecting for ${PEER_BACKOFF_MS / 1000} s$`));
    expect(lines[0]).not.toContain('another-chain'); // no peer text
    // backed off: its messages are ignored, its reconnections dropped at once (no new line)
    net.deliver(peer, { t: 'txs', txs: [good] });
    await settle();
    expect(node.mempoolSize).toBe(0);
    net.peerUp(peer);
    expect(net.disconnects).toHaveLength(2);
    expect(net.disconnects[1]).toEqual({ peer: peer.publicKey, reason: 'backing off' });
    expect(log.filter((l) => l.includes(`peer ${orgOf(peer.publicKey)}:`))).toHaveLength(1);
    // after the back-off it is heard again
    clock.advance(PEER_BACKOFF_MS);
    net.peerUp(peer);
    net.deliver(peer, { t: 'txs', txs: [good] });
    await settle();
    expect(net.disconnects).toHaveLength(2);
    expect(node.mempoolSize).toBe(1);
  });

  it('never counts what honest peers also send: duplicates, replays, late transactions, unknown types', async () => {
    const { net } = setup();
    const peer = others[1]!;
    const late = signTx({ chainId: genesis.chainId, type: 'notary.record', payload: { hash: 'ab'.repeat(32), label: 'late' }, signer: client.publicKey, nonce: 'f'.repeat(32), time: GENESIS_MS + 60_000 - 3 * 60_000 }, client.sign);
    const replay = signTx({ ...good, payload: { hash: 'cd'.repeat(32), label: 'other' } }, client.sign);
    for (let i = 0; i < 3; i++) {
      net.deliver(peer, { t: 'txs', txs: [...Array(PEER_INVALID_TXS_MAX).fill(good), replay, late, { ...good, type: 'no.such-type' }] });
      await settle();
    }
    expect(net.disconnects).toEqual([]);
  });
});
