/**
 * Proposed blocks are kept durably (CONS-RESTART-1, CONS-FETCH-1), on real processes: three honest `machi start`
 * processes and, in this test process, the fourth organisation (its genuine key) as a proposer whose transactions
 * nobody else ever had. It sends a compact proposal to two honest nodes, answers their fetches, and prevotes: they
 * lock on its block (precommit it). Both are SIGKILLed as soon as their precommit is durable, the test's peer goes
 * away for good, and the two restart with empty mempools. The height can now only be decided with that block (two
 * of three honest validators are locked on it), whose bodies exist only in the restarted nodes' kept records: the
 * third node fetches them from them, and all three store the block, with the test's transactions, and verify.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposalSignBytes, proposer, validatorsOf, voteSignBytes, type Genesis, type Proposal, type Signer, type UnsignedMessage, type Vote } from '@machi/core';
import { GUARD_META_KEY } from '../../src/consensus/guard.js';
import type { WireMessage } from '../../src/consensus/transport.js';
import { InlineChecker } from '../../src/node/checker.js';
import { MachiNode } from '../../src/node/node.js';
import { P2PNetwork } from '../../src/p2p/index.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { startConsortium, type Consortium } from '../support/consortium.js';

const ROGUE = 'auditor';
/** the two honest nodes shown the proposal (they lock on it and are restarted); the third never sees its bodies */
const LOCKED = ['street-office', 'property-company'] as const;
const OTHER = 'power-company';

let c: Consortium;
let genesis: Genesis;
let auditor: Signer;
let rogue: P2PNetwork | undefined;

const keyOf = (org: string): string => genesis.orgs.find((o) => o.id === org)!.publicKey;
const meta = (org: string, key: string): string | undefined => {
  const db = new Database(join(c.node(org).dir, 'ledger.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined);
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  c = await startConsortium({ absent: [ROGUE], name: 'kept' });
  genesis = c.genesis;
  auditor = c.orgKey(ROGUE);
}, 120_000);

afterAll(async () => {
  await rogue?.close();
  await c?.stop('SIGKILL');
});

describe('proposed blocks kept across a crash', () => {
  it('CONS-RESTART-1: nodes locked on a block whose bodies only they held restart from their kept record and commit it', async () => {
    const validators = validatorsOf(genesis);
    // Move on (a transaction per height, committed by the three) until the absent organisation proposes round 0.
    let height = (await c.height(OTHER)) + 1;
    while (proposer(validators, height, 0) !== keyOf(ROGUE)) {
      const r = await c.call(OTHER, 'POST', '/v1/txs/batch?wait=true&timeoutMs=20000', { body: { txs: c.notaryTxs(OTHER, 1) } });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      height = (await c.height(OTHER)) + 1;
    }
    await c.until('the three to be at one height', async () => (await Promise.all(['street-office', 'property-company', OTHER].map((o) => c.height(o)))).every((h) => h === height - 1));

    // The proposer's block, built on street-office's store (read-only) with transactions only the test holds.
    const store = new SqliteStore(join(c.node(LOCKED[0]).dir, 'ledger.db'), { readonly: true });
    const maker = new MachiNode({ genesis, publicKey: auditor.publicKey, store, checker: new InlineChecker(genesis) });
    const txs = c.notaryTxs(ROGUE, 3);
    expect((await maker.submit(txs)).every((o) => o.ok)).toBe(true);
    const prepared = maker.prepare(maker.takeForProposal(Date.now()), Date.now(), auditor.publicKey);
    await maker.close();
    store.close();
    expect(prepared.header.height).toBe(height);
    const texts = new Map(prepared.txs.map((t) => [t.hash, t.canonical]));
    const proposal: Proposal = { type: 'proposal', height, round: 0, validRound: -1, blockHash: prepared.hash, from: auditor.publicKey };
    const proposalMsg: WireMessage = {
      t: 'proposal', proposal, sig: auditor.sign(proposalSignBytes(genesis.chainId, proposal)),
      block: { header: prepared.header, hashes: prepared.txs.map((t) => t.hash) },
    };
    const prevote: Vote = { type: 'prevote', height, round: 0, blockHash: prepared.hash, from: auditor.publicKey, sig: auditor.sign(voteSignBytes(genesis.chainId, 'prevote', height, 0, prepared.hash)) };

    // The test's peer: it answers fetches of the two it shows the proposal to, and nobody else.
    const fetchedBy = new Set<string>();
    rogue = new P2PNetwork({
      genesis, signer: auditor, listen: { host: '127.0.0.1', port: c.node(ROGUE).p2pPort },
      peers: c.nodes.filter((n) => n.org !== ROGUE).map((n) => `127.0.0.1:${n.p2pPort}`), log: () => {},
    });
    const net = rogue;
    net.on('message', (peer, raw) => {
      const m = raw as WireMessage;
      if (m.t !== 'get-txs' || !LOCKED.some((o) => keyOf(o) === peer.publicKey)) return;
      fetchedBy.add(peer.orgId);
      net.send(peer.publicKey, { t: 'block-txs', height: m.height, blockHash: m.blockHash, txs: m.hashes.flatMap((h) => texts.get(h) ?? []) });
    });
    await net.start();
    await c.until('the test peer to be linked with the three', () => net.peers().length === 3);

    // Show the proposal and our prevote to the two; each is killed once its precommit for the block is durable.
    const precommitted = (org: string): boolean => {
      const guard = meta(org, GUARD_META_KEY);
      return guard !== undefined && (JSON.parse(guard) as { messages: UnsignedMessage[] }).messages
        .some((m) => m.type === 'precommit' && m.height === height && m.blockHash === prepared.hash);
    };
    for (const org of LOCKED) {
      net.send(keyOf(org), proposalMsg);
      net.send(keyOf(org), { t: 'vote', vote: prevote });
    }
    const killed = new Set<string>();
    await c.until('both to precommit the block, each killed at once', async () => {
      for (const org of LOCKED) {
        if (!killed.has(org) && precommitted(org)) {
          await c.kill(org, 'SIGKILL');
          killed.add(org);
        }
      }
      return killed.size === LOCKED.length;
    }, 20_000, 10);
    await net.close();
    rogue = undefined;
    expect([...fetchedBy].sort()).toEqual([...LOCKED].sort());
    // What survived: the block with its bodies and the signed proposal, for that height.
    for (const org of LOCKED) {
      const kept = JSON.parse(meta(org, GUARD_META_KEY)!) as { height: number; blocks: Record<string, { txs: string[] }>; proposals: { proposal: Proposal }[] };
      expect(kept.height).toBe(height);
      expect(kept.blocks[prepared.hash]!.txs).toEqual(prepared.txs.map((t) => t.canonical));
      expect(kept.proposals.map((p) => p.proposal.blockHash)).toContain(prepared.hash);
    }
    expect(await c.height(OTHER)).toBe(height - 1);

    // Restarted, with no peer holding the bodies but themselves: the height is decided with the locked block.
    for (const org of LOCKED) await c.start(org);
    await c.until('the three to store the block', async () => (await Promise.all([...LOCKED, OTHER].map((o) => c.height(o)))).every((h) => h >= height), 60_000, 200);
    for (const org of [...LOCKED, OTHER]) {
      const b = await c.call(org, 'GET', `/v1/blocks/${height}`);
      expect(b.status).toBe(200);
      expect((b.json as { hash: string }).hash).toBe(prepared.hash);
    }
    for (const t of prepared.txs) {
      const r = await c.call(OTHER, 'GET', `/v1/txs/${t.hash}`);
      expect(r.json).toMatchObject({ status: 'committed', height });
    }
    // The bodies the third node fetched are the full transactions, served as proofs like any others.
    const proof = await c.call(OTHER, 'GET', `/v1/txs/${prepared.txs[0]!.hash}/proof`);
    expect(proof.status).toBe(200);
    expect(proof.json).toMatchObject({ txHash: prepared.txs[0]!.hash, header: { height } });
  }, 180_000);
});
