/**
 * Membership by decision (docs/spec/consensus.md#membership): a change approved by validators with more than 2/3 of
 * the current power takes effect two heights later; proof bundles carry the chain of set changes, each certified by
 * the set before it, and verify with the genesis alone across changes; a removed organisation's transactions and
 * signatures are refused.
 */
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_FORMAT,
  CONSORTIUM_NEXT_KEY,
  ChainVerifier,
  MemoryNodeStore,
  MerkleLog,
  blockHash,
  buildBlock,
  checkTx,
  genesisHead,
  memberSetAt,
  signTx,
  toHex,
  verifyBundle,
  verifyCommit,
  verifySetChanges,
  validatorsOfOrgs,
  verifySnapshot,
  stateDigestOf,
  SNAPSHOT_FORMAT,
  type SnapshotManifest,
  type BlockExecution,
  type BlockHeader,
  type ChainHead,
  type Commit,
  type MemberSet,
  type MembershipChange,
  type ProofBundle,
  type SetChange,
  type SignedTx,
} from '../../../src/index.js';
import { GENESIS_MS, freshNonce, machiError, makeNet, makeOrg, notaryTx, signCommit, type TestNet, type TestOrg } from '../helpers.js';

interface Block {
  header: BlockHeader;
  commit: Commit;
  txs: string[];
  execution: BlockExecution;
  prevAppHash: string;
  firstSeq: number;
}

/** A chain that follows its member set: each block is built with, and signed by, the set of its height. */
class MemberChain {
  readonly nodes = new MemoryNodeStore();
  readonly log = new MerkleLog(this.nodes, 0);
  readonly state = new Map<string, string>();
  readonly blocks: Block[] = [];
  head: ChainHead;
  constructor(readonly net: TestNet, readonly keys: Map<string, TestOrg>) {
    this.head = genesisHead(net.genesis);
  }
  setAt(height: number): MemberSet {
    return memberSetAt(this.net.genesis.orgs, (k) => this.state.get(k), height);
  }
  add(txs: SignedTx[], signers?: TestOrg[]): Block {
    const height = this.head.height + 1;
    const set = this.setAt(height);
    const orgs = new Map(set.orgs.map((o) => [o.publicKey, o]));
    const firstSeq = this.log.size;
    const built = buildBlock({
      genesis: this.net.genesis, registry: this.net.registry, orgs, prev: this.head, time: this.head.time + 1000,
      proposer: validatorsOfOrgs(set.orgs)[0]!.publicKey, log: this.log, state: { read: (k) => this.state.get(k) },
      txs: txs.map((t) => checkTx(t, { chainId: this.net.genesis.chainId, registry: this.net.registry })),
    });
    this.nodes.put(built.logNodes);
    for (const [k, v] of built.execution.writes) v === null ? this.state.delete(k) : this.state.set(k, v);
    const prevAppHash = this.head.appHash;
    this.head = { height, hash: blockHash(built.header), time: built.header.time, appHash: built.header.appHash };
    const quorum = signers ?? set.orgs.filter((o) => o.power > 0).map((o) => this.keys.get(o.id)!);
    const block: Block = { header: built.header, commit: signCommit(built.header, quorum), txs: txs.map((t) => checkTx(t, { chainId: this.net.genesis.chainId, registry: this.net.registry }).canonical), execution: built.execution, prevAppHash, firstSeq };
    this.blocks.push(block);
    return block;
  }
  /** The certificates of every set change so far. */
  setChanges(): SetChange[] {
    return this.blocks.filter((b) => b.execution.writes.some(([k, v]) => k === CONSORTIUM_NEXT_KEY && v !== null)).map((b) => ({
      set: JSON.parse(b.execution.writes.find(([k]) => k === CONSORTIUM_NEXT_KEY)![1]!) as MemberSet,
      header: b.header, commit: b.commit, prevAppHash: b.prevAppHash, writes: b.execution.writes,
      results: b.execution.results.map((r) => r.code ?? ''),
    }));
  }
  bundle(height: number, index: number, withChanges = true): ProofBundle {
    const b = this.blocks[height - 1]!;
    const leaf = b.firstSeq + index;
    return {
      format: BUNDLE_FORMAT, tx: JSON.parse(b.txs[index]!) as SignedTx, txHash: checkTx(JSON.parse(b.txs[index]!), { chainId: this.net.genesis.chainId, registry: this.net.registry }).hash,
      leafIndex: leaf, inclusionProof: this.log.inclusionProof(leaf, b.header.logSize).map(toHex), header: b.header, commit: b.commit,
      ...(withChanges ? { setChanges: this.setChanges().filter((c) => c.set.from <= height) } : {}),
    };
  }
  result(height: number, index: number): string | undefined {
    return this.blocks[height - 1]!.execution.results[index]!.code;
  }
}

function tx(net: TestNet, org: TestOrg, type: string, payload: Record<string, unknown>): SignedTx {
  return signTx({ chainId: net.genesis.chainId, type, payload, signer: org.publicKey, nonce: freshNonce(), time: GENESIS_MS + 1000 }, (m) => org.signer.sign(m));
}

function setup() {
  const net = makeNet({ powers: [1, 1, 1, 1], members: 1 });
  const fifth = makeOrg('fifth', 1);
  const keys = new Map([...net.orgs, fifth].map((o) => [o.id, o]));
  const chain = new MemberChain(net, keys);
  const [v0, v1, v2, v3] = net.validators as [TestOrg, TestOrg, TestOrg, TestOrg];
  const add: MembershipChange = { op: 'add', org: { id: 'fifth', name: 'Fifth org', publicKey: fifth.publicKey, power: 1 } };
  return { net, fifth, chain, v0, v1, v2, v3, add };
}

describe('consortium: membership by decision', () => {
  it('a change takes effect two heights after validators with more than 2/3 of the power approved it, not before', () => {
    const { net, fifth, chain, v0, v1, v2, add } = setup();
    const propose = tx(net, v0, 'consortium.propose', { epoch: 0, change: add });
    chain.add([notaryTx(net, v0), propose]); // h1
    const id = checkTx(propose, { chainId: net.genesis.chainId, registry: net.registry }).hash;
    chain.add([tx(net, v1, 'consortium.approve', { proposal: id })]); // h2: 2 of 4 — not yet
    expect(chain.state.get(CONSORTIUM_NEXT_KEY)).toBeUndefined();
    chain.add([tx(net, v2, 'consortium.approve', { proposal: id })]); // h3: 3 of 4 > 2/3
    expect(chain.setAt(4).epoch).toBe(0);
    expect(chain.setAt(5)).toMatchObject({ epoch: 1, from: 5 });
    chain.add([tx(net, fifth, 'notary.record', { hash: 'a'.repeat(64), label: 'too early' })]); // h4: fifth is not yet a member
    expect(chain.result(4, 0)).toBe('TX_UNKNOWN_SIGNER');
    const h5 = chain.add([notaryTx(net, v0), tx(net, fifth, 'notary.record', { hash: 'b'.repeat(64), label: 'a member now' })]);
    expect(chain.result(5, 1)).toBeUndefined();
    expect(h5.header.validatorsHash).not.toBe(chain.blocks[3]!.header.validatorsHash);
    // the old set alone no longer certifies: 3 of 5 is not more than 2/3
    expect(() => verifyCommit(h5.header, signCommit(h5.header, [v0, v1, v2]), validatorsOfOrgs(chain.setAt(5).orgs))).toThrow(/3 of 5/);
  });

  it('bundles from before and after the change verify with the genesis alone; after it only with the change chain', () => {
    const { net, fifth, chain, v0, v1, v2, add } = setup();
    const propose = tx(net, v0, 'consortium.propose', { epoch: 0, change: add });
    chain.add([notaryTx(net, v0), propose]);
    const id = checkTx(propose, { chainId: net.genesis.chainId, registry: net.registry }).hash;
    chain.add([tx(net, v1, 'consortium.approve', { proposal: id }), tx(net, v2, 'consortium.approve', { proposal: id })]); // h2
    chain.add([]); // h3
    chain.add([tx(net, fifth, 'notary.record', { hash: 'c'.repeat(64), label: 'after' })]); // h4 = 2 + 2
    expect(verifyBundle(chain.bundle(1, 0, false), net.genesis)).toMatchObject({ height: 1 });
    expect(verifyBundle(chain.bundle(1, 0), net.genesis)).toMatchObject({ height: 1 });
    const after = verifyBundle(chain.bundle(4, 0), net.genesis);
    expect(after).toMatchObject({ height: 4 });
    expect(after.signedBy).toContain('fifth');
    expect(machiError(() => verifyBundle(chain.bundle(4, 0, false), net.genesis)).detail?.field).toBe('tx.signer');
    // a forged change: the block's writes altered, or the commit by too few of the old set
    const forged = chain.bundle(4, 0);
    forged.setChanges![0]!.writes = forged.setChanges![0]!.writes.map(([k, v]) => [k, k === CONSORTIUM_NEXT_KEY ? v!.replace('"power":1', '"power":9') : v]);
    expect(machiError(() => verifyBundle(forged, net.genesis)).message).toMatch(/setChanges/);
    const weak = chain.bundle(4, 0);
    weak.setChanges![0]!.commit = signCommit(weak.setChanges![0]!.header, [v0, v1]);
    expect(machiError(() => verifySetChanges(net.genesis, weak.setChanges!)).code).toBe('SET_CHANGE_INVALID');
    const claimed = chain.bundle(4, 0);
    claimed.setChanges![0]!.set.orgs[0]!.power = 5;
    expect(machiError(() => verifyBundle(claimed, net.genesis)).message).toMatch(/not the set the block wrote/);
  });

  it('a removed organisation: its transactions are refused, its signature no longer counts, bundles from before still verify', () => {
    const { net, chain, v0, v1, v2, v3 } = setup();
    const remove = tx(net, v0, 'consortium.propose', { epoch: 0, change: { op: 'remove', org: v3.id } });
    chain.add([notaryTx(net, v3), remove]); // h1: v3 signs something while a member
    const id = checkTx(remove, { chainId: net.genesis.chainId, registry: net.registry }).hash;
    chain.add([tx(net, v1, 'consortium.approve', { proposal: id }), tx(net, v2, 'consortium.approve', { proposal: id }), tx(net, v3, 'consortium.approve', { proposal: id })]);
    expect(chain.result(2, 2)).toBe('CONSORTIUM_CHANGE_PENDING'); // the third approval came after the decision
    chain.add([]);
    chain.add([notaryTx(net, v3), notaryTx(net, v0)]); // h4: v3 removed
    expect(chain.result(4, 0)).toBe('TX_UNKNOWN_SIGNER');
    expect(chain.result(4, 1)).toBeUndefined();
    const h4 = chain.blocks[3]!;
    expect(machiError(() => verifyCommit(h4.header, signCommit(h4.header, [v0, v1, v3]), validatorsOfOrgs(chain.setAt(4).orgs))).message).toMatch(/not a validator/);
    expect(verifyBundle(chain.bundle(1, 0), net.genesis).signedBy).toContain(v3.id);
        expect(verifyBundle(chain.bundle(4, 1), net.genesis).signedBy.sort()).toEqual([v0, v1, v2].map((v) => v.id).sort());
  });

  it('refuses proposals and approvals by non-validators, for another epoch, twice, or while a change is pending', () => {
    const { net, chain, v0, v1, v2, v3, add } = setup();
    const member = net.members[0]!;
    const propose = tx(net, v0, 'consortium.propose', { epoch: 0, change: add });
    chain.add([
      tx(net, member, 'consortium.propose', { epoch: 0, change: add }),
      tx(net, v1, 'consortium.propose', { epoch: 3, change: add }),
      tx(net, v1, 'consortium.propose', { epoch: 0, change: { op: 'remove', org: 'nobody' } }),
      propose,
    ]);
    expect([0, 1, 2, 3].map((i) => chain.result(1, i))).toEqual(['CONSORTIUM_NOT_VALIDATOR', 'CONSORTIUM_WRONG_EPOCH', 'CONSORTIUM_CHANGE_INVALID', undefined]);
    const id = checkTx(propose, { chainId: net.genesis.chainId, registry: net.registry }).hash;
    chain.add([tx(net, v0, 'consortium.approve', { proposal: id }), tx(net, v1, 'consortium.approve', { proposal: id }), tx(net, v2, 'consortium.approve', { proposal: id })]);
    expect([0, 1, 2].map((i) => chain.result(2, i))).toEqual(['CONSORTIUM_ALREADY_APPROVED', undefined, undefined]);
    chain.add([tx(net, v3, 'consortium.propose', { epoch: 1, change: { op: 'set-power', org: v3.id, power: 2 } })]);
    expect(chain.result(3, 0)).toBe('CONSORTIUM_CHANGE_PENDING');
  });

  it('machi verify (ChainVerifier) follows the member set across an addition, a removal, a power change and a key rotation', () => {
    const { net, fifth, chain, v0, v1, v2, v3, add } = setup();
    const rotated = makeOrg('validator-1', 1);
    const steps: { change: MembershipChange; approvers: TestOrg[] }[] = [
      { change: add, approvers: [v1, v2] },
      { change: { op: 'remove', org: v3.id }, approvers: [v1, v2, fifth] },
      { change: { op: 'set-power', org: v0.id, power: 2 }, approvers: [v1, v2] },
      { change: { op: 'rotate-key', org: v1.id, publicKey: rotated.publicKey }, approvers: [v1, v2] },
    ];
    steps.forEach((s, epoch) => {
      const p = tx(net, v0, 'consortium.propose', { epoch, change: s.change });
      chain.add([p]);
      const id = checkTx(p, { chainId: net.genesis.chainId, registry: net.registry }).hash;
      chain.add(s.approvers.map((a) => tx(net, a, 'consortium.approve', { proposal: id })));
      expect(chain.blocks.at(-1)!.execution.results.every((r) => r.code === undefined)).toBe(true);
      chain.add([]);
      if (s.change.op === 'rotate-key') chain.keys.set(v1.id, rotated); // the new key signs from the next height
      chain.add([notaryTx(net, v0)]);
      expect(chain.setAt(chain.head.height).epoch).toBe(epoch + 1);
    });
    chain.add([tx(net, rotated, 'notary.record', { hash: 'd'.repeat(64), label: 'new key' }), notaryTx(net, v1)]);
    expect([chain.result(chain.head.height, 0), chain.result(chain.head.height, 1)]).toEqual([undefined, 'TX_UNKNOWN_SIGNER']);
    const verifier = new ChainVerifier(net.genesis, net.registry);
    for (const b of chain.blocks) verifier.verifyNext(b.header, b.commit, b.txs);
    expect(verifier.head.height).toBe(chain.head.height);
    expect(verifySetChanges(net.genesis, chain.setChanges()).map((s) => s.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(verifyBundle(chain.bundle(chain.head.height, 0), net.genesis).signedBy).toContain('fifth');
    // the rotated key's transaction is named for its organisation by the set of its height, not by the genesis
    expect(net.genesis.orgs.some((o) => o.publicKey === rotated.publicKey)).toBe(false);
    expect(verifyBundle(chain.bundle(chain.head.height, 0), net.genesis).signer).toBe(v1.id);
  });
});

describe('consortium: snapshots', () => {
  function snapshotChain() {
    const { net, chain, v0, v1, v2, v3 } = setup();
    chain.add([notaryTx(net, v0), notaryTx(net, v1)]);
    chain.add([notaryTx(net, v2)]);
    chain.add([notaryTx(net, v3)]);
    const b3 = chain.blocks[2]!;
    const digest = stateDigestOf([...chain.state].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const cp = (v: TestOrg) => tx(net, v, 'consortium.checkpoint', { height: 3, blockHash: blockHash(b3.header), stateDigest: digest });
    chain.add([cp(v0), cp(v1), cp(v2)]);
    expect(chain.blocks[3]!.execution.results.every((r) => r.code === undefined)).toBe(true);
    const manifest: SnapshotManifest = {
      format: SNAPSHOT_FORMAT, height: 3, header: b3.header, commit: b3.commit,
      frontier: MerkleLog.fromReader(chain.nodes, b3.header.logSize).frontier().map(toHex), stateDigest: digest, entries: chain.state.size,
      setChanges: [], checkpoints: [0, 1, 2].map((i) => chain.bundle(4, i)),
      recent: chain.blocks.slice(0, 3).map((b) => ({ header: b.header, commit: b.commit, txs: b.txs })),
    };
    return { net, manifest, v0, v1, v2 };
  }

  it('verifies a snapshot whose checkpoints carry more than 2/3 of the power, with the genesis alone', () => {
    const { net, manifest, v0, v1, v2 } = snapshotChain();
    expect(verifySnapshot(JSON.parse(JSON.stringify(manifest)), net.genesis)).toMatchObject({ height: 3, attestedBy: [v0.id, v1.id, v2.id].sort() });
  });

  it('refuses too few checkpoints, another digest, a wrong frontier, a broken recent chain', () => {
    const { net, manifest } = snapshotChain();
    const few = { ...manifest, checkpoints: manifest.checkpoints.slice(0, 2) };
    expect(machiError(() => verifySnapshot(few, net.genesis)).message).toMatch(/2 of 4 power/);
    const other = { ...manifest, stateDigest: 'e'.repeat(64) };
    expect(machiError(() => verifySnapshot(other, net.genesis)).message).toMatch(/not for this block and digest/);
    const frontier = { ...manifest, frontier: manifest.frontier.map(() => 'a'.repeat(64)) };
    expect(machiError(() => verifySnapshot(frontier, net.genesis)).detail?.field).toBe('frontier');
    const recent = { ...manifest, recent: manifest.recent.slice(1).concat([]).reverse() };
    expect(machiError(() => verifySnapshot(recent, net.genesis)).code).toBe('SNAPSHOT_INVALID');
    expect(() => stateDigestOf([['b', '1'], ['a', '2']])).toThrow(/key order/);
  });
});
