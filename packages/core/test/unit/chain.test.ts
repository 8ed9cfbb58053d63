import { describe, expect, it } from 'vitest';
import {
  MemoryReplayStore,
  parseGenesis,
  BLOCK_TXS_MAX,
  ChainReplay,
  ChainVerifier,
  MachiError,
  TX_TIME_SKEW_MS_MAX,
  TxTypeRegistry,
  blockHash,
  checkTx,
  executeBlock,
  genesisHash,
  genesisHead,
  orgByKey,
  precommitSignBytes,
  signTx,
  txHash,
  txRootOf,
  validatorsHash,
  validatorsOf,
  verifyCommit,
  type BlockHeader,
  type Commit,
  type ExecutableTx,
  type SignedTx,
} from '../../src/index.js';
import { GENESIS_MS, TestChain, clone, machiError, makeNet, makeOrg, notaryTx, sha256Hex, signCommit, type TestBlock, type TestNet, type TestOrg } from './helpers.js';

// ---------------------------------------------------------------------------------------------------------------------
// Commit certificates
// ---------------------------------------------------------------------------------------------------------------------

describe('verifyCommit', () => {
  function oneBlock(net: TestNet): BlockHeader {
    const chain = new TestChain(net);
    return chain.add([notaryTx(net, net.validators[0]!)]).header;
  }

  function reason(header: BlockHeader, commit: Commit, net: TestNet): string {
    const e = machiError(() => verifyCommit(header, commit, validatorsOf(net.genesis)));
    expect(e.code).toBe('BLOCK_INVALID');
    return e.message;
  }

  it('a single validator with power 1: its signature is a quorum, no signature is not', () => {
    const net = makeNet({ powers: [1], members: 1 });
    const header = oneBlock(net);
    expect(() => verifyCommit(header, signCommit(header, net.validators), validatorsOf(net.genesis))).not.toThrow();
    expect(reason(header, signCommit(header, []), net)).toMatch(/0 of 1 voting power/);
    expect(reason(header, signCommit(header, net.members), net)).toMatch(/not a validator/);
  });

  describe('four validators with power 1', () => {
    const net = makeNet({ powers: [1, 1, 1, 1], members: 1 });
    const [a, b, c, d] = net.validators as [TestOrg, TestOrg, TestOrg, TestOrg];
    const header = oneBlock(net);
    const ok = (signers: TestOrg[], round = 0) => verifyCommit(header, signCommit(header, signers, round), validatorsOf(net.genesis));

    it('accepts 3 of 4 and 4 of 4 signatures, in any order', () => {
      expect(() => ok([a, b, c])).not.toThrow();
      expect(() => ok([d, b, a])).not.toThrow();
      expect(() => ok([a, b, c, d])).not.toThrow();
      expect(() => ok([a, b, c], 7)).not.toThrow();
    });

    it('rejects 2 of 4, 1 of 4 and none (2/3 is not more than 2/3)', () => {
      expect(reason(header, signCommit(header, [a, b]), net)).toMatch(/2 of 4 voting power/);
      expect(reason(header, signCommit(header, [c]), net)).toMatch(/1 of 4/);
      expect(reason(header, signCommit(header, []), net)).toMatch(/0 of 4/);
    });

    it('rejects a duplicate signature, even when the others make a quorum', () => {
      const commit = signCommit(header, [a, b, c]);
      const dup = { ...commit, signatures: [...commit.signatures, commit.signatures[0]!] };
      expect(reason(header, dup, net)).toMatch(/two signatures/);
      // two copies of one signature must not count twice: a, a, b is not 3 of 4
      const aab = { ...commit, signatures: [commit.signatures[0]!, commit.signatures[0]!, commit.signatures[1]!] };
      expect(reason(header, aab, net)).toMatch(/two signatures/);
    });

    it('rejects a signature by a non-validator, even a member of the genesis, even alongside a quorum', () => {
      const outsider = makeOrg('outsider', 1);
      expect(reason(header, signCommit(header, [a, b, c, outsider]), net)).toMatch(/not a validator/);
      expect(reason(header, signCommit(header, [a, b, c, net.members[0]!]), net)).toMatch(/not a validator/);
    });

    it('rejects signatures made for another round, height, block or chain', () => {
      const commit = signCommit(header, [a, b, c], 0);
      expect(reason(header, { ...commit, round: 1 }, net)).toMatch(/does not verify/);
      expect(reason(header, { ...commit, height: header.height + 1 }, net)).toMatch(/height/);
      expect(reason(header, { ...commit, blockHash: sha256Hex('another block') }, net)).toMatch(/signs block/);
      // signatures over another height's precommit bytes, carried in a commit that claims this height
      const sign = (o: TestOrg, bytes: Uint8Array) => ({ validator: o.publicKey, sig: o.signer.sign(bytes) });
      const hash = blockHash(header);
      const wrongHeight = precommitSignBytes(header.chainId, header.height + 1, 0, hash);
      expect(reason(header, { ...commit, signatures: [a, b, c].map((o) => sign(o, wrongHeight)) }, net)).toMatch(/does not verify/);
      const wrongChain = precommitSignBytes('machi-other', header.height, 0, hash);
      expect(reason(header, { ...commit, signatures: [a, b, c].map((o) => sign(o, wrongChain)) }, net)).toMatch(/does not verify/);
      // one bad signature among four is enough to reject: every signature must verify
      const bad = signCommit(header, [a, b, c, d]);
      bad.signatures[3] = { validator: d.publicKey, sig: bad.signatures[2]!.sig };
      expect(reason(header, bad, net)).toMatch(/does not verify/);
    });

    it('rejects a commit for a header changed after signing', () => {
      const commit = signCommit(header, [a, b, c]);
      expect(reason({ ...header, time: header.time + 1 }, commit, net)).toMatch(/signs block/);
    });
  });

  it('weighs signatures by voting power', () => {
    const net = makeNet({ powers: [3, 1, 1, 1] });
    const header = oneBlock(net);
    const [big, s1, s2, s3] = net.validators as [TestOrg, TestOrg, TestOrg, TestOrg];
    const vals = validatorsOf(net.genesis);
    expect(reason(header, signCommit(header, [big, s1]), net)).toMatch(/4 of 6/); // 4 is not > 2/3 of 6
    expect(reason(header, signCommit(header, [s1, s2, s3]), net)).toMatch(/3 of 6/);
    expect(() => verifyCommit(header, signCommit(header, [big, s1, s2]), vals)).not.toThrow(); // 5 of 6
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Chain verification
// ---------------------------------------------------------------------------------------------------------------------

interface Built {
  net: TestNet;
  chain: TestChain;
  blocks: TestBlock[];
}

/** Three blocks: 2 txs, 3 txs (from different orgs), 0 txs; then a fourth with 2 txs. */
function buildChain(powers: number[]): Built {
  const net = makeNet({ powers, members: 1 });
  const chain = new TestChain(net);
  const [v0] = net.validators as [TestOrg];
  const m = net.members[0]!;
  const other = net.validators[net.validators.length - 1]!;
  const t = (org: TestOrg, label: string) => notaryTx(net, org, { label });
  chain.add([t(v0, 'a'), t(m, 'b')]);
  chain.add([t(other, 'c'), t(v0, 'd'), t(m, 'e')], { proposer: other });
  chain.add([]);
  chain.add([t(v0, 'f'), t(v0, 'g')]);
  return { net, chain, blocks: chain.blocks };
}

/** Feeds blocks to a fresh verifier; returns the verifier. */
function replay(net: TestNet, blocks: readonly { header: BlockHeader; commit: Commit; txs: readonly string[] }[]): ChainVerifier {
  const v = new ChainVerifier(net.genesis, net.registry);
  for (const b of blocks) v.verifyNext(b.header, b.commit, b.txs);
  return v;
}

/** Verifies honest blocks before `index`, then `bad` at `index`; returns the BLOCK_INVALID error. */
function rejectAt(built: Built, index: number, bad: { header: BlockHeader; commit: Commit; txs: readonly string[] }): MachiError {
  const v = replay(built.net, built.blocks.slice(0, index));
  const e = machiError(() => v.verifyNext(bad.header, bad.commit, bad.txs));
  expect(e.code).toBe('BLOCK_INVALID');
  expect(e.detail?.height).toBe(index + 1);
  expect(e.message).toBe(`block ${index + 1}: ${String(e.detail?.reason)}`);
  return e;
}

/** The block with `header` changed and the commit re-signed by a quorum: only the verifier's own checks can catch it. */
function forged(built: Built, index: number, change: (h: BlockHeader) => void): { header: BlockHeader; commit: Commit; txs: string[] } {
  const b = built.blocks[index]!;
  const header = clone(b.header);
  change(header);
  return { header, commit: signCommit(header, built.net.validators.slice(0, Math.floor((2 * built.net.validators.length) / 3) + 1)), txs: b.txs };
}

describe.each([
  ['1 validator', [1]],
  ['4 validators with power 1', [1, 1, 1, 1]],
])('ChainVerifier, %s', (_name, powers) => {
  const built = buildChain(powers);
  const { net, blocks } = built;

  it('accepts the honest chain and ends at its head', () => {
    const v = replay(net, blocks);
    const last = blocks[blocks.length - 1]!;
    expect(v.head).toEqual({ height: blocks.length, hash: blockHash(last.header), time: last.header.time, appHash: last.header.appHash });
    expect(v.txCount).toBe(7);
    expect(last.header.logSize).toBe(7);
  });

  it('the honest chain links to the genesis and to each previous block', () => {
    expect(blocks[0]!.header.prevHash).toBe(genesisHash(net.genesis));
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.header.prevHash).toBe(blockHash(blocks[i - 1]!.header));
    expect(blocks[1]!.header.txRoot).toBe(txRootOf(blocks[1]!.checked.map((c) => c.hash)));
    expect(blocks[1]!.header.validatorsHash).toBe(validatorsHash(validatorsOf(net.genesis)));
  });

  it('rejects reordered txs', () => {
    const b = blocks[1]!;
    const e = rejectAt(built, 1, { ...b, txs: [b.txs[1]!, b.txs[0]!, b.txs[2]!] });
    expect(e.detail?.reason).toMatch(/txRoot/);
  });

  it('rejects a dropped tx', () => {
    const b = blocks[1]!;
    expect(rejectAt(built, 1, { ...b, txs: [b.txs[0]!, b.txs[2]!] }).detail?.reason).toMatch(/counts 3 txs, 2 are stored/);
    expect(rejectAt(built, 1, { ...b, txs: b.txs.slice(0, 2) }).detail?.reason).toMatch(/counts 3 txs/);
    // even when the validators sign a header that agrees on the count
    const f = forged(built, 1, (h) => (h.txCount = 2));
    expect(rejectAt(built, 1, { ...f, txs: b.txs.slice(0, 2) }).detail?.reason).toMatch(/txRoot/);
  });

  it('rejects an added tx', () => {
    const b = blocks[1]!;
    const extra = checkTx(notaryTx(net, net.validators[0]!), net.ctx).canonical;
    expect(rejectAt(built, 1, { ...b, txs: [...b.txs, extra] }).detail?.reason).toMatch(/counts 3 txs, 4 are stored/);
  });

  it('rejects a tx from a later block in place of one of its own', () => {
    const b = blocks[1]!;
    const e = rejectAt(built, 1, { ...b, txs: [b.txs[0]!, blocks[3]!.txs[0]!, b.txs[2]!] });
    expect(e.detail?.reason).toMatch(/txRoot/);
  });

  it('rejects a tx from an earlier block (a replay)', () => {
    const b = blocks[1]!;
    const e = rejectAt(built, 1, { ...b, txs: [b.txs[0]!, blocks[0]!.txs[0]!, b.txs[2]!] });
    expect(e.detail?.reason).toMatch(/tx 1 replays nonce/);
  });

  it('rejects a changed tx (its signature no longer verifies)', () => {
    const b = blocks[1]!;
    const tx = JSON.parse(b.txs[1]!) as SignedTx;
    (tx.payload as { label: string }).label = 'z';
    const e = rejectAt(built, 1, { ...b, txs: [b.txs[0]!, checkTxCanonical(tx), b.txs[2]!] });
    expect(e.detail?.reason).toMatch(/tx 1: TX_BAD_SIGNATURE/);
  });

  it('rejects a tx that is not stored in canonical form, or not JSON', () => {
    const b = blocks[1]!;
    const spaced = JSON.stringify(JSON.parse(b.txs[0]!) as unknown, null, 1);
    expect(rejectAt(built, 1, { ...b, txs: [spaced, b.txs[1]!, b.txs[2]!] }).detail?.reason).toMatch(/tx 0 is not stored in canonical form/);
    expect(rejectAt(built, 1, { ...b, txs: [b.txs[0]!, '{', b.txs[2]!] }).detail?.reason).toMatch(/tx 1 is not valid JSON/);
  });

  describe('rejects altered header fields, even under a commit signed by a quorum', () => {
    const cases: [string, number, (h: BlockHeader) => void, RegExp][] = [
      ['time earlier than the previous block', 1, (h) => (h.time = blocks[0]!.header.time - 1), /time goes backwards/],
      ['time earlier than the genesis', 0, (h) => (h.time = GENESIS_MS - 1), /time goes backwards/],
      ['time later (state records it)', 1, (h) => (h.time += 1), /appHash/],
      ['height', 1, (h) => (h.height += 1), /height 3/],
      ['chainId', 1, (h) => (h.chainId = 'machi-other'), /chain id/],
      ['prevHash', 1, (h) => (h.prevHash = blockHash(blocks[1]!.header)), /prevHash/],
      ['prevHash of block 1 (not the genesis hash)', 0, (h) => (h.prevHash = sha256Hex('another genesis')), /prevHash/],
      ['txRoot', 1, (h) => (h.txRoot = blocks[0]!.header.txRoot), /txRoot/],
      ['txCount', 1, (h) => (h.txCount -= 1), /counts 2 txs, 3 are stored/],
      ['logRoot', 1, (h) => (h.logRoot = blocks[0]!.header.logRoot), /logRoot/],
      ['logSize', 1, (h) => (h.logSize += 1), /logSize is 6, the log holds 5/],
      ['logSize of an empty block', 2, (h) => (h.logSize -= 1), /logSize/],
      ['appHash', 1, (h) => (h.appHash = blocks[0]!.header.appHash), /appHash/],
      ['appHash of an empty block', 2, (h) => (h.appHash = blocks[1]!.header.appHash), /appHash/],
      ['proposer not a validator', 1, (h) => (h.proposer = makeOrg('outsider', 1).publicKey), /proposer is not a validator/],
      ['proposer a member without power', 1, (h) => (h.proposer = net.members[0]!.publicKey), /proposer is not a validator/],
      ['validatorsHash', 1, (h) => (h.validatorsHash = sha256Hex('other validators')), /validatorsHash/],
      ['an extra header field', 1, (h) => Object.assign(h, { note: 'x' }), /rebuilt header/],
    ];
    it.each(cases)('%s', (_n, index, change, expected) => {
      const e = rejectAt(built, index, forged(built, index, change));
      expect(e.detail?.reason).toMatch(expected);
      expect(e.detail?.reason).not.toMatch(/commit/);
    });
  });

  it('rejects a header changed without re-signing (the commit does not cover it)', () => {
    const b = blocks[1]!;
    const other = net.validators.find((v) => v.publicKey !== b.header.proposer);
    if (other !== undefined) {
      // a different validator as proposer passes every header check; only the commit catches it
      const e = rejectAt(built, 1, { ...b, header: { ...b.header, proposer: other.publicKey } });
      expect(e.detail?.reason).toMatch(/commit certificate: commit signs block/);
    }
    const e = rejectAt(built, 2, { ...blocks[2]!, header: { ...blocks[2]!.header, time: blocks[2]!.header.time + 5 } });
    expect(e.detail?.reason).toMatch(/commit certificate/);
  });

  it('rejects a block whose commit is not a quorum, or belongs to another block', () => {
    const b = blocks[1]!;
    const few = net.validators.length === 1 ? [] : net.validators.slice(0, 2);
    expect(rejectAt(built, 1, { ...b, commit: signCommit(b.header, few) }).detail?.reason).toMatch(/commit certificate: .*voting power/);
    expect(rejectAt(built, 1, { ...b, commit: blocks[0]!.commit }).detail?.reason).toMatch(/commit certificate/);
    expect(rejectAt(built, 1, { ...b, commit: { ...b.commit, round: b.commit.round + 1 } }).detail?.reason).toMatch(/does not verify/);
  });

  it('rejects blocks out of order: skipping one, or repeating one', () => {
    expect(rejectAt(built, 1, blocks[2]!).detail?.reason).toMatch(/height 3/);
    expect(rejectAt(built, 1, blocks[0]!).detail?.reason).toMatch(/height 1/);
  });
});

function checkTxCanonical(tx: SignedTx): string {
  // canonical text of a (possibly invalid) tx, without checking it
  return JSON.stringify(Object.fromEntries(Object.entries(tx).sort(([a], [b]) => (a < b ? -1 : 1))));
}

describe('ChainVerifier and nonces', () => {
  it('rejects a nonce replayed in a later block by the same signer', () => {
    const net = makeNet({ powers: [1, 1, 1, 1] });
    const chain = new TestChain(net);
    const [a] = net.validators as [TestOrg];
    const first = notaryTx(net, a, { label: 'first' });
    chain.add([first]);
    chain.add([notaryTx(net, a, { label: 'second' })]);
    // a different transaction (different payload, so a different hash) reusing the nonce of block 1's tx
    const replayed = notaryTx(net, a, { label: 'third', nonce: first.nonce });
    chain.add([notaryTx(net, a, { label: 'fourth' }), replayed]);
    const v = replay(net, chain.blocks.slice(0, 2));
    const e = machiError(() => v.verifyNext(chain.blocks[2]!.header, chain.blocks[2]!.commit, chain.blocks[2]!.txs));
    expect(e.code).toBe('BLOCK_INVALID');
    expect(e.detail?.reason).toMatch(new RegExp(`tx 1 replays nonce ${first.nonce}`));
  });

  it('rejects a nonce replayed within one block, and allows the same nonce from two signers', () => {
    const net = makeNet({ powers: [1, 1] });
    const [a, b] = net.validators as [TestOrg, TestOrg];
    const nonce = 'ab'.repeat(16);
    const ok = new TestChain(net);
    ok.add([notaryTx(net, a, { nonce }), notaryTx(net, b, { nonce })], { signers: [a, b] });
    expect(() => replay(net, ok.blocks)).not.toThrow();
    const bad = new TestChain(net);
    bad.add([notaryTx(net, a, { nonce, label: 'x' }), notaryTx(net, a, { nonce, label: 'y' })], { signers: [a, b] });
    const e = machiError(() => replay(net, bad.blocks));
    expect(e.detail?.reason).toMatch(/tx 1 replays nonce/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Execution and the app-hash chain
// ---------------------------------------------------------------------------------------------------------------------

describe('executeBlock', () => {
  const net = makeNet({ powers: [1], members: 1 });
  const orgs = orgByKey(net.genesis);
  const prev = genesisHead(net.genesis).appHash;
  const [a] = net.validators as [TestOrg];
  const doc = sha256Hex('the statutes');

  function exec(txs: SignedTx[], opts: { state?: Map<string, string>; prevAppHash?: string; time?: number; registry?: TxTypeRegistry; firstSeq?: number } = {}) {
    const state = opts.state ?? new Map<string, string>();
    const registry = opts.registry ?? net.registry;
    const ctx = { ...net.ctx, registry };
    const etxs: ExecutableTx[] = txs.map((t, i) => ({ tx: t, hash: checkTx(t, ctx).hash, seq: (opts.firstSeq ?? 0) + i }));
    return executeBlock(registry, orgs, { read: (k) => state.get(k) }, opts.prevAppHash ?? prev, { height: 1, time: opts.time ?? GENESIS_MS + 1000 }, etxs);
  }

  it('is deterministic: the same txs on the same state give the same writes, results and appHash', () => {
    const txs = [notaryTx(net, a, { hash: doc, label: 'v1' }), notaryTx(net, net.members[0]!, { label: 'other' })];
    const state = new Map([['notary/' + sha256Hex('unrelated'), '[]']]);
    const x = exec(txs, { state });
    const y = exec(clone(txs), { state: new Map(state) });
    expect(y).toEqual(x);
    expect(x.appHash).toMatch(/^[0-9a-f]{64}$/);
    expect(x.results).toEqual([{}, {}]);
    expect(x.writes.map(([k]) => k)).toEqual([...x.writes.map(([k]) => k)].sort());
    // the anchor written names the org, tx hash, height and time
    const written = x.writes.find(([k]) => k === `notary/${doc}`)?.[1];
    expect(JSON.parse(written!)).toEqual([{ label: 'v1', org: a.id, txHash: txHashOf(txs[0]!), height: 1, time: GENESIS_MS + 1000 }]);
  });

  it('a different write gives a different appHash', () => {
    const base = exec([notaryTx(net, a, { hash: doc, label: 'v1', nonce: 'aa'.repeat(16) })]).appHash;
    const label = exec([notaryTx(net, a, { hash: doc, label: 'v2', nonce: 'aa'.repeat(16) })]).appHash;
    const time = exec([notaryTx(net, a, { hash: doc, label: 'v1', nonce: 'aa'.repeat(16) })], { time: GENESIS_MS + 1001 }).appHash;
    const prevDiff = exec([notaryTx(net, a, { hash: doc, label: 'v1', nonce: 'aa'.repeat(16) })], { prevAppHash: sha256Hex('x') }).appHash;
    const stateDiff = exec([notaryTx(net, a, { hash: doc, label: 'v1', nonce: 'aa'.repeat(16) })], {
      state: new Map([[`notary/${doc}`, JSON.stringify([{ hash: doc, label: 'v0', org: a.id, txHash: sha256Hex('t'), height: 0, time: 0 }])]]),
    }).appHash;
    const empty = exec([]).appHash;
    expect(new Set([base, label, time, prevDiff, stateDiff, empty]).size).toBe(6);
  });

  it('the order of txs matters (anchors are kept oldest first)', () => {
    const t1 = notaryTx(net, a, { hash: doc, label: 'one' });
    const t2 = notaryTx(net, a, { hash: doc, label: 'two' });
    expect(exec([t1, t2]).appHash).not.toBe(exec([t2, t1]).appHash);
  });

  it('later txs in a block see the writes of earlier ones', () => {
    const t1 = notaryTx(net, a, { hash: doc, label: 'one' });
    const t2 = notaryTx(net, a, { hash: doc, label: 'two' });
    const x = exec([t1, t2]);
    const anchors = JSON.parse(x.writes.find(([k]) => k === `notary/${doc}`)![1]!) as { label: string }[];
    expect(anchors.map((z) => z.label)).toEqual(['one', 'two']);
  });

  describe('handler rejection', () => {
    function rejectingRegistry(): TxTypeRegistry {
      const r = new TxTypeRegistry();
      r.register<{ key: string; reject: boolean }>({
        type: 'test.maybe',
        schema: {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'reject'],
          properties: { key: { type: 'string' }, reject: { type: 'boolean' } },
        },
        handle(ctx, p) {
          ctx.state.set(p.key, { by: ctx.org.id });
          ctx.state.set('counter', ((ctx.state.get('counter') as number | undefined) ?? 0) + 1);
          if (p.reject) throw new MachiError('HANDLER_REJECTED', `rejected ${p.key}`);
        },
      });
      r.register({
        type: 'test.crash',
        schema: { type: 'object' },
        handle() {
          throw new TypeError('a bug in a handler');
        },
      });
      return r;
    }
    const registry = rejectingRegistry();
    const mk = (key: string, reject: boolean) =>
      notaryTxOfType(net, a, 'test.maybe', { key, reject });

    it('leaves no writes and records the code in the results', () => {
      const x = exec([mk('k1', true)], { registry });
      expect(x.writes).toEqual([]);
      expect(x.results).toEqual([{ code: 'HANDLER_REJECTED', message: 'rejected k1' }]);
    });

    it('keeps the writes of accepted txs around a rejected one', () => {
      const x = exec([mk('k1', false), mk('k2', true), mk('k3', false)], { registry });
      expect(x.results.map((r) => r.code)).toEqual([undefined, 'HANDLER_REJECTED', undefined]);
      expect(x.writes).toEqual([
        ['counter', '2'],
        ['k1', '{"by":"validator-0"}'],
        ['k3', '{"by":"validator-0"}'],
      ]);
    });

    it('the rejection code is part of the appHash', () => {
      const rejected = exec([mk('k1', true)], { registry });
      const none = exec([], { registry });
      expect(rejected.writes).toEqual(none.writes);
      expect(rejected.appHash).not.toBe(none.appHash);
    });

    it('records TX_UNKNOWN_TYPE for a type the registry does not know', () => {
      const tx = notaryTx(net, a);
      const x = executeBlock(registry, orgs, { read: () => undefined }, prev, { height: 1, time: 0 }, [{ tx, hash: txHashOf(tx), seq: 0 }]);
      expect(x.results).toEqual([{ code: 'TX_UNKNOWN_TYPE' }]);
      expect(x.writes).toEqual([]);
    });

    it('a handler that throws something other than a MachiError crashes the block (a bug, not a result)', () => {
      const tx = notaryTxOfType(net, a, 'test.crash', {});
      expect(() => exec([tx], { registry })).toThrow(TypeError);
    });
  });
});

function txHashOf(tx: SignedTx): string {
  return txHash(tx);
}

function notaryTxOfType(net: TestNet, org: TestOrg, type: string, payload: Record<string, unknown>): SignedTx {
  const { sig: _sig, ...body } = notaryTx(net, org);
  return signTx({ ...body, type, payload }, (m) => org.signer.sign(m));
}

// ---------------------------------------------------------------------------------------------------------------------
// Replaying a verified chain for its handler results
// ---------------------------------------------------------------------------------------------------------------------

describe('ChainReplay', () => {
  const built = buildChain([1, 1, 1, 1]);
  const { net, blocks } = built;

  it('gives every block\'s results as executing the chain did, and ends at its head', () => {
    const r = new ChainReplay(net.genesis, net.registry);
    for (const b of blocks) expect(r.replayNext(b.header, b.txs)).toEqual(b.execution.results);
    expect(r.head).toEqual(built.chain.head);
  });

  it('resumes on a store that holds a replay (a restart): from the block after its head, with its state', () => {
    const store = new MemoryReplayStore();
    const first = new ChainReplay(net.genesis, net.registry, store);
    first.replayNext(blocks[0]!.header, blocks[0]!.txs);
    first.replayNext(blocks[1]!.header, blocks[1]!.txs);
    expect(store.head()).toEqual({ ...first.head, logSize: blocks[1]!.header.logSize });
    const again = new ChainReplay(net.genesis, net.registry, store);
    expect(again.head).toEqual(first.head);
    expect(machiError(() => again.replayNext(blocks[0]!.header, blocks[0]!.txs)).detail?.reason).toMatch(/header says height 1/);
    for (const b of blocks.slice(2)) expect(again.replayNext(b.header, b.txs)).toEqual(b.execution.results);
    expect(again.head).toEqual(built.chain.head);
    // a verifier checks every block from genesis: it refuses a store that holds a replay already
    expect(() => new ChainVerifier(net.genesis, net.registry, store)).toThrow(/from genesis/);
  });

  it('refuses a block whose app hash re-execution does not give (no commit needed: it checks none), leaving the replay as it was', () => {
    const r = new ChainReplay(net.genesis, net.registry);
    r.replayNext(blocks[0]!.header, blocks[0]!.txs);
    const b = blocks[1]!;
    const e = machiError(() => r.replayNext({ ...b.header, appHash: sha256Hex('other') }, b.txs));
    expect([e.code, e.detail?.height, e.detail?.reason]).toEqual(['BLOCK_INVALID', 2, 'appHash does not match re-execution (state diverged)']);
    expect(r.head.height).toBe(1);
    expect(r.replayNext(b.header, b.txs)).toEqual(b.execution.results);
  });

  it('refuses transactions that are not the block\'s, and a block that does not follow', () => {
    const r = new ChainReplay(net.genesis, net.registry);
    const [b1, b2] = blocks as [TestBlock, TestBlock];
    expect(machiError(() => r.replayNext(b1.header, [...b1.txs].reverse())).detail?.reason).toMatch(/txRoot/);
    expect(machiError(() => r.replayNext(b1.header, b1.txs.slice(1))).detail?.reason).toMatch(/header counts 2 txs/);
    expect(machiError(() => r.replayNext(b2.header, b2.txs)).detail?.reason).toMatch(/header says height 2/);
    r.replayNext(b1.header, b1.txs);
    expect(machiError(() => r.replayNext({ ...b2.header, prevHash: sha256Hex('x') }, b2.txs)).detail?.reason).toMatch(/previous-hash link/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Robustness of the verifier against bad input
// ---------------------------------------------------------------------------------------------------------------------

describe('ChainVerifier robustness', () => {
  it('a rejected block leaves the verifier as it was: the honest block at that height is then accepted', () => {
    const built = buildChain([1, 1, 1, 1]);
    const b = built.blocks[0]!;
    const v = new ChainVerifier(built.net.genesis, built.net.registry);
    // the right header and txs, but a commit without a quorum (e.g. from a faulty peer)
    const e = machiError(() => v.verifyNext(b.header, signCommit(b.header, built.net.validators.slice(0, 2)), b.txs));
    expect(e.detail?.reason).toMatch(/commit certificate/);
    expect(v.head.height).toBe(0);
    expect(v.txCount).toBe(0);
    expect(() => v.verifyNext(b.header, b.commit, b.txs)).not.toThrow();
    for (const next of built.blocks.slice(1)) v.verifyNext(next.header, next.commit, next.txs);
    expect(v.head.hash).toBe(blockHash(built.blocks[built.blocks.length - 1]!.header));
  });

  it(`a block with more than BLOCK_TXS_MAX (${BLOCK_TXS_MAX}) txs is BLOCK_INVALID, not a crash`, () => {
    const net = makeNet({ powers: [1] });
    const [a] = net.validators as [TestOrg];
    const txs: string[] = [];
    for (let i = 0; i <= BLOCK_TXS_MAX; i++) txs.push(checkTx(notaryTx(net, a, { label: `t${i}` }), net.ctx).canonical);
    const head = genesisHead(net.genesis);
    const header: BlockHeader = {
      chainId: net.genesis.chainId,
      height: 1,
      time: head.time + 1000,
      prevHash: head.hash,
      txRoot: sha256Hex('r'),
      txCount: txs.length,
      logSize: txs.length,
      logRoot: sha256Hex('l'),
      appHash: sha256Hex('a'),
      proposer: a.publicKey,
      validatorsHash: validatorsHash(validatorsOf(net.genesis)),
    };
    const v = new ChainVerifier(net.genesis, net.registry);
    const e = machiError(() => v.verifyNext(header, signCommit(header, [a]), txs));
    expect(e.code).toBe('BLOCK_INVALID');
  });

  it('a genesis whose total power cannot be summed exactly is refused, so the 2/3 check stays exact', () => {
    // With powers like these, 3 × signed vs 2 × total computed in doubles rounds the wrong way (signed = the last
    // three = NOT a quorum in exact arithmetic, but a quorum in doubles). parseGenesis caps the total instead.
    const powers = [9007199254740970, 389, 9007199254740794, 9007199254740754];
    const orgs = [0, 1, 2, 3].map((i) => makeOrg(`big-${i}`, 1));
    const exact = powers.slice(1).reduce((s, p) => s + BigInt(p), 0n);
    expect(3n * exact).toBeLessThanOrEqual(2n * powers.reduce((s, p) => s + BigInt(p), 0n));
    const genesis = { chainId: 'big', genesisTime: new Date(GENESIS_MS).toISOString(), orgs: orgs.map((o, i) => ({ id: o.id, name: o.id, publicKey: o.publicKey, power: powers[i]! })) };
    const e = machiError(() => parseGenesis(genesis));
    expect(e.code).toBe('GENESIS_INVALID');
    expect(e.message).toMatch(/voting power/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Replay protection: transaction time vs block time, and the nonce window (src/replay.ts)
// ---------------------------------------------------------------------------------------------------------------------

describe('ChainVerifier, transaction times and the nonce window', () => {
  const S = TX_TIME_SKEW_MS_MAX;
  const net = makeNet({ powers: [1] });
  const [a] = net.validators as [TestOrg];
  const T0 = GENESIS_MS + 10 * S;

  /** Builds blocks at the given times with the given txs and replays them all; returns the error or undefined. */
  function run(blocks: { time: number; txs: SignedTx[] }[]): MachiError | undefined {
    const chain = new TestChain(net);
    for (const b of blocks) chain.add(b.txs, { time: b.time });
    try {
      replay(net, chain.blocks);
      return undefined;
    } catch (e) {
      if (e instanceof MachiError) return e;
      throw e;
    }
  }

  it(`accepts a tx up to TX_TIME_SKEW_MS_MAX (${S} ms) before or after its block, and rejects one ms more`, () => {
    for (const offset of [-S, -1, 0, 1, S]) expect(run([{ time: T0, txs: [notaryTx(net, a, { time: T0 + offset })] }]), String(offset)).toBeUndefined();
    for (const offset of [-S - 1, S + 1, -10 * S]) {
      const e = run([{ time: T0, txs: [notaryTx(net, a, { time: T0 + offset })] }]);
      expect(e?.code, String(offset)).toBe('BLOCK_INVALID');
      expect(e?.detail?.reason).toMatch(/tx 0 time is more than/);
    }
  });

  it('refuses a nonce reused within the window (2 × skew), even by a different tx, and accepts it after', () => {
    const first = notaryTx(net, a, { time: T0, label: 'first' });
    const reuse = (t: number) => notaryTx(net, a, { time: t, nonce: first.nonce, label: 'second' });
    expect(run([{ time: T0, txs: [first] }, { time: T0 + 2 * S, txs: [reuse(T0 + 2 * S)] }])?.detail?.reason).toMatch(/replays nonce/);
    expect(run([{ time: T0, txs: [first] }, { time: T0 + S, txs: [] }, { time: T0 + 2 * S, txs: [reuse(T0 + 2 * S)] }])?.detail?.reason).toMatch(/replays nonce/);
    expect(run([{ time: T0, txs: [first] }, { time: T0 + 2 * S + 1, txs: [reuse(T0 + 2 * S + 1)] }])).toBeUndefined();
    // with empty blocks in between that let the verifier forget the old nonce
    expect(run([{ time: T0, txs: [first] }, { time: T0 + 3 * S, txs: [] }, { time: T0 + 3 * S + 1, txs: [reuse(T0 + 3 * S + 1)] }])).toBeUndefined();
  });

  it('never accepts the same signed tx twice: within the window by nonce, after it by time', () => {
    const tx = notaryTx(net, a, { time: T0 + S });
    for (const later of [T0 + 1, T0 + S, T0 + 2 * S]) {
      const e = run([{ time: T0, txs: [tx] }, { time: later, txs: [tx] }]);
      expect(e?.detail?.reason, String(later)).toMatch(/replays nonce/);
    }
    const e = run([{ time: T0, txs: [tx] }, { time: T0 + 2 * S + 1, txs: [tx] }]);
    expect(e?.detail?.reason).toMatch(/time is more than/);
  });
});
