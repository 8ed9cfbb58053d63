import { describe, expect, it } from 'vitest';
import {
  BUNDLE_FORMAT,
  blockHash,
  fromBase64url,
  fromHex,
  hashLeaf,
  precommitSignBytes,
  signTx,
  toBase64url,
  toHex,
  txHash,
  verifyBundle,
  verifyInclusion,
  type ProofBundle,
  type SignedTx,
} from '../../src/index.js';
import { TestChain, clone, machiError, makeNet, makeOrg, notaryTx, sha256Hex, type TestNet, type TestOrg } from './helpers.js';

// One chain with four validators of power 1 and one member. Every commit carries exactly 3 of 4 signatures (the
// smallest quorum), so removing any one of them must break it.
const net: TestNet = makeNet({ powers: [1, 1, 1, 1], members: 1 });
const [v0, v1, v2, v3] = net.validators as [TestOrg, TestOrg, TestOrg, TestOrg];
const member = net.members[0]!;
const outsider = makeOrg('outsider', 1);
const chain = new TestChain(net);
chain.add([notaryTx(net, v0, { label: 'a' }), notaryTx(net, member, { label: 'b' })]); // log 0..1
chain.add([notaryTx(net, v1, { label: 'c' }), notaryTx(net, member, { label: 'd' }), notaryTx(net, v2, { label: 'e' })], { proposer: v1 }); // log 2..4
chain.add([]); // empty block
chain.add([notaryTx(net, v3, { label: 'f' })]); // log 5
chain.add(Array.from({ length: 6 }, (_, i) => notaryTx(net, v0, { label: `g${i}` }))); // log 6..11

function bundleOf(blockIndex: number, i: number): ProofBundle {
  const b = chain.blocks[blockIndex]!;
  const seq = b.firstSeq + i;
  return {
    format: BUNDLE_FORMAT,
    tx: JSON.parse(b.txs[i]!) as SignedTx,
    txHash: b.checked[i]!.hash,
    leafIndex: seq,
    inclusionProof: chain.log.inclusionProof(seq, b.header.logSize).map(toHex),
    header: clone(b.header),
    commit: clone(b.commit),
  };
}

/** The MachiError verifyBundle throws; checks it is BUNDLE_INVALID naming `field` in detail and message. */
function rejected(bundle: unknown, field: string, genesis: unknown = net.genesis): string {
  const e = machiError(() => verifyBundle(bundle, genesis));
  expect(e.code).toBe('BUNDLE_INVALID');
  expect(e.detail?.field).toBe(field);
  expect(e.message.startsWith(`${field}: `)).toBe(true);
  return e.message;
}

function flipHex(hex: string, pos = 0): string {
  const c = hex[pos]!;
  return hex.slice(0, pos) + (c === '0' ? '1' : '0') + hex.slice(pos + 1);
}

function flipSigByte(b64: string, index: number): string {
  const bytes = Buffer.from(fromBase64url(b64));
  bytes[index] = bytes[index]! ^ 0x80;
  return toBase64url(bytes);
}

function resignTx(tx: SignedTx, org: TestOrg): SignedTx {
  const { sig: _sig, ...body } = tx;
  return signTx(body, (m) => org.signer.sign(m));
}

describe('verifyBundle accepts real bundles', () => {
  it('for every transaction of the chain, against the genesis', () => {
    const seen = new Set<number>();
    chain.blocks.forEach((b, bi) => {
      b.txs.forEach((_, i) => {
        const bundle = bundleOf(bi, i);
        const verdict = verifyBundle(bundle, net.genesis);
        expect(verdict).toEqual({
          txHash: txHash(bundle.tx),
          height: bi + 1,
          leafIndex: b.firstSeq + i,
          signedBy: [v0.id, v1.id, v2.id],
          signer: net.genesis.orgs.find((o) => o.publicKey === bundle.tx.signer)!.id,
        });
        seen.add(verdict.leafIndex);
      });
    });
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
  });

  it('after a JSON round trip (as a file), and with a genesis given as parsed JSON', () => {
    const bundle = JSON.parse(JSON.stringify(bundleOf(1, 1))) as unknown;
    const genesis = JSON.parse(JSON.stringify(net.genesis)) as unknown;
    expect(verifyBundle(bundle, genesis).leafIndex).toBe(3);
  });

  it('the bundle proof is a real RFC 9162 inclusion proof of the tx hash in the log the header commits to', () => {
    const b = bundleOf(1, 1);
    expect(b.inclusionProof).toHaveLength(3);
    expect(() => verifyInclusion(3, 5, hashLeaf(fromHex(b.txHash)), b.inclusionProof.map(fromHex), fromHex(b.header.logRoot))).not.toThrow();
    expect(b.header.logSize).toBe(5);
    expect(b.header.txCount).toBe(3);
  });

  it('with all four signatures, and with signatures in another order', () => {
    const b = bundleOf(1, 1);
    const message = precommitSignBytes(b.header.chainId, b.header.height, b.commit.round, blockHash(b.header));
    b.commit.signatures.push({ validator: v3.publicKey, sig: v3.signer.sign(message) });
    expect(verifyBundle(b, net.genesis).signedBy).toEqual([v0.id, v1.id, v2.id, v3.id]);
    b.commit.signatures.reverse();
    expect(verifyBundle(b, net.genesis).signedBy).toEqual([v3.id, v2.id, v1.id, v0.id]);
    // and then any one of the four may go
    b.commit.signatures.splice(1, 1);
    expect(() => verifyBundle(b, net.genesis)).not.toThrow();
  });
});

type Row = [name: string, base: [block: number, tx: number], mutate: (b: ProofBundle) => unknown, field: string];

/** Every field of the bundle altered, one at a time. `mutate` edits the bundle in place or returns a replacement. */
function tamperRows(): Row[] {
  const rows: Row[] = [];
  const mid: [number, number] = [1, 1]; // leaf 3 of a log of 5; block 2 holds leaves 2..4
  const add = (name: string, mutate: (b: ProofBundle) => unknown, field: string, base: [number, number] = mid) => rows.push([name, base, mutate, field]);
  const any = (o: object) => o as Record<string, unknown>;

  // the bundle itself
  add('format changed', (b) => void (any(b).format = 'machi.proof.v2'), 'format');
  add('format missing', (b) => void delete any(b).format, 'format');
  add('bundle is null', () => null, 'bundle');
  add('bundle is a string', () => JSON.stringify(bundleOf(...mid)), 'bundle');

  // each tx field, with the stale txHash (the tx no longer hashes to it) ...
  const txEdits: [string, (tx: SignedTx) => void, string, string][] = [
    // [name, edit, field with stale txHash, field with recomputed txHash]
    ['tx.chainId', (tx) => (tx.chainId = 'machi-other'), 'tx.chainId', 'tx.chainId'],
    ['tx.type', (tx) => (tx.type = 'notary.erase'), 'txHash', 'tx.sig'],
    ['tx.payload.hash', (tx) => ((tx.payload as { hash: string }).hash = sha256Hex('forged')), 'txHash', 'tx.sig'],
    ['tx.payload.label', (tx) => ((tx.payload as { label: string }).label = 'forged'), 'txHash', 'tx.sig'],
    ['tx.payload extra key', (tx) => ((tx.payload as Record<string, unknown>).x = 1), 'txHash', 'tx.sig'],
    ['tx.signer (another org)', (tx) => (tx.signer = v3.publicKey), 'txHash', 'tx.sig'],
    ['tx.signer (an outsider)', (tx) => (tx.signer = outsider.publicKey), 'txHash', 'tx.signer'],
    ['tx.nonce', (tx) => (tx.nonce = flipHex(tx.nonce)), 'txHash', 'tx.sig'],
    ['tx.time', (tx) => (tx.time += 1), 'txHash', 'tx.sig'],
    ['tx.sig (a byte flipped)', (tx) => (tx.sig = flipSigByte(tx.sig, 5)), 'txHash', 'tx.sig'],
    ['tx.sig (another tx of the same signer)', (tx) => (tx.sig = bundleOf(0, 1).tx.sig), 'txHash', 'tx.sig'],
  ];
  for (const [name, edit, stale, fresh] of txEdits) {
    add(`${name}, txHash left`, (b) => void edit(b.tx), stale);
    add(`${name}, txHash recomputed`, (b) => {
      edit(b.tx);
      b.txHash = txHash(b.tx);
    }, fresh);
  }
  // a different tx, validly signed by the same org, presented with the first one's proof
  add('tx re-signed by its signer with another label', (b) => {
    (b.tx.payload as { label: string }).label = 'forged';
    b.tx = resignTx(b.tx, member);
    b.txHash = txHash(b.tx);
  }, 'inclusionProof');
  add('tx of another block with its hash', (b) => {
    const other = bundleOf(0, 0);
    b.tx = other.tx;
    b.txHash = other.txHash;
  }, 'inclusionProof');
  add('tx has an extra field', (b) => void (any(b.tx).extra = 1), 'tx');
  add('tx.sig missing', (b) => void delete any(b.tx).sig, 'tx');
  add('tx is a string', (b) => void (any(b).tx = JSON.stringify(b.tx)), 'tx');

  // txHash
  add('txHash, one char', (b) => void (b.txHash = flipHex(b.txHash, 63)), 'txHash');
  add('txHash in capitals', (b) => void (b.txHash = b.txHash.toUpperCase()), 'txHash');
  add('txHash missing', (b) => void delete any(b).txHash, 'txHash');

  // leafIndex
  add('leafIndex + 1 (same block)', (b) => void (b.leafIndex += 1), 'inclusionProof');
  add('leafIndex - 1 (same block)', (b) => void (b.leafIndex -= 1), 'inclusionProof');
  add('leafIndex - 1 (before the block)', (b) => void (b.leafIndex -= 1), 'leafIndex', [1, 0]);
  add('leafIndex + 1 (after the block)', (b) => void (b.leafIndex += 1), 'leafIndex', [1, 2]);
  add('leafIndex = logSize', (b) => void (b.leafIndex = b.header.logSize), 'leafIndex');
  add('leafIndex negative', (b) => void (b.leafIndex = -1), 'leafIndex');
  add('leafIndex fractional', (b) => void (b.leafIndex = 3.5), 'leafIndex');
  add('leafIndex a string', (b) => void (any(b).leafIndex = '3'), 'leafIndex');
  add('leafIndex missing', (b) => void delete any(b).leafIndex, 'leafIndex');

  // inclusionProof
  const proofLength = bundleOf(...mid).inclusionProof.length;
  for (let k = 0; k < proofLength; k++) {
    add(`inclusionProof[${k}] first char flipped`, (b) => void (b.inclusionProof[k] = flipHex(b.inclusionProof[k]!, 0)), 'inclusionProof');
    add(`inclusionProof[${k}] last char flipped`, (b) => void (b.inclusionProof[k] = flipHex(b.inclusionProof[k]!, 63)), 'inclusionProof');
    add(`inclusionProof[${k}] removed`, (b) => void b.inclusionProof.splice(k, 1), 'inclusionProof');
    add(`inclusionProof[${k}] in capitals`, (b) => void (b.inclusionProof[k] = b.inclusionProof[k]!.toUpperCase()), 'inclusionProof');
  }
  add('inclusionProof with a node added at the end', (b) => void b.inclusionProof.push(sha256Hex('extra')), 'inclusionProof');
  add('inclusionProof with a node added at the start', (b) => void b.inclusionProof.unshift(sha256Hex('extra')), 'inclusionProof');
  add('inclusionProof with its last node repeated', (b) => void b.inclusionProof.push(b.inclusionProof[b.inclusionProof.length - 1]!), 'inclusionProof');
  add('inclusionProof reversed', (b) => void b.inclusionProof.reverse(), 'inclusionProof');
  add('inclusionProof empty', (b) => void (b.inclusionProof = []), 'inclusionProof');
  add('inclusionProof a string', (b) => void (any(b).inclusionProof = b.inclusionProof.join('')), 'inclusionProof');
  add('inclusionProof missing', (b) => void delete any(b).inclusionProof, 'inclusionProof');
  add('inclusionProof of another tree size', (b) => void (b.inclusionProof = chain.log.inclusionProof(b.leafIndex, chain.log.size).map(toHex)), 'inclusionProof');
  add('inclusionProof of the neighbouring leaf', (b) => void (b.inclusionProof = chain.log.inclusionProof(b.leafIndex + 1, b.header.logSize).map(toHex)), 'inclusionProof');

  // each header field (the commit covers the header, so most changes surface as a commit that signs another block)
  const header = bundleOf(...mid).header;
  const headerField: Record<string, string> = { chainId: 'header.chainId', validatorsHash: 'header.validatorsHash' };
  for (const key of Object.keys(header) as (keyof typeof header)[]) {
    const value = header[key];
    const edit =
      typeof value === 'number'
        ? (b: ProofBundle) => void ((b.header as unknown as Record<string, number>)[key] = value + 1)
        : key === 'chainId'
          ? (b: ProofBundle) => void (b.header.chainId = 'machi-other')
          : key === 'proposer'
            ? (b: ProofBundle) => void (b.header.proposer = v2.publicKey)
            : (b: ProofBundle) => void ((b.header as unknown as Record<string, string>)[key] = flipHex(value as string, 10));
    add(`header.${key}`, edit, headerField[key] ?? 'commit');
  }
  add('header.logSize - 1', (b) => void (b.header.logSize -= 1), 'commit');
  add('header.txCount - 1', (b) => void (b.header.txCount -= 1), 'commit');
  add('header.time - 1', (b) => void (b.header.time -= 1), 'commit');
  add('header.proposer an outsider', (b) => void (b.header.proposer = outsider.publicKey), 'commit');
  add('header of another block', (b) => void (b.header = clone(chain.blocks[0]!.header)), 'commit');
  add('header with an extra field', (b) => void (any(b.header).note = 'x'), 'header/commit');
  add('header.time a string', (b) => void (any(b.header).time = String(b.header.time)), 'header/commit');
  add('header.logRoot in capitals', (b) => void (b.header.logRoot = b.header.logRoot.toUpperCase()), 'header/commit');
  add('header missing', (b) => void delete any(b).header, 'header/commit');

  // the commit
  add('commit.height + 1', (b) => void (b.commit.height += 1), 'commit');
  add('commit.height - 1', (b) => void (b.commit.height -= 1), 'commit');
  add('commit.round + 1', (b) => void (b.commit.round += 1), 'commit');
  add('commit.blockHash, one char', (b) => void (b.commit.blockHash = flipHex(b.commit.blockHash, 5)), 'commit');
  add('commit.blockHash of another block', (b) => void (b.commit.blockHash = blockHash(chain.blocks[0]!.header)), 'commit');
  add('commit of another block', (b) => void (b.commit = clone(chain.blocks[0]!.commit)), 'commit');
  const sigCount = bundleOf(...mid).commit.signatures.length;
  for (let k = 0; k < sigCount; k++) {
    add(`commit.signatures[${k}].sig, first byte flipped`, (b) => void (b.commit.signatures[k]!.sig = flipSigByte(b.commit.signatures[k]!.sig, 0)), 'commit');
    add(`commit.signatures[${k}].sig, last byte flipped`, (b) => void (b.commit.signatures[k]!.sig = flipSigByte(b.commit.signatures[k]!.sig, 63)), 'commit');
    add(`commit.signatures[${k}] removed`, (b) => void b.commit.signatures.splice(k, 1), 'commit');
    add(`commit.signatures[${k}] claimed by the fourth validator`, (b) => void (b.commit.signatures[k]!.validator = v3.publicKey), 'commit');
    add(`commit.signatures[${k}] duplicated`, (b) => void b.commit.signatures.push(clone(b.commit.signatures[k]!)), 'commit');
  }
  const nonValidatorSig = (o: TestOrg) => (b: ProofBundle) => {
    const message = precommitSignBytes(b.header.chainId, b.header.height, b.commit.round, blockHash(b.header));
    b.commit.signatures.push({ validator: o.publicKey, sig: o.signer.sign(message) });
  };
  add('commit with a signature by an outsider added', nonValidatorSig(outsider), 'commit');
  add('commit with a signature by a member without power added', nonValidatorSig(member), 'commit');
  add('commit.signatures a string', (b) => void (any(b.commit).signatures = 'x'), 'header/commit');
  add('commit.signatures[0].sig truncated', (b) => void (b.commit.signatures[0]!.sig = b.commit.signatures[0]!.sig.slice(1)), 'header/commit');
  add('commit missing', (b) => void delete any(b).commit, 'header/commit');
  return rows;
}

describe('verifyBundle rejects a tampered bundle, naming the field', () => {
  it.each(tamperRows())('%s', (_name, base, mutate, field) => {
    const original = bundleOf(...base);
    expect(() => verifyBundle(original, net.genesis)).not.toThrow();
    const bundle = clone(original);
    const replaced = mutate(bundle);
    rejected(replaced === undefined ? bundle : replaced, field);
  });

  it('covers every top-level, tx, header and commit field', () => {
    const names = tamperRows().map(([n]) => n);
    const b = bundleOf(1, 1);
    for (const k of Object.keys(b)) expect(names.some((n) => n.startsWith(k)), k).toBe(true);
    for (const k of Object.keys(b.tx)) expect(names.some((n) => n.startsWith(`tx.${k}`)), `tx.${k}`).toBe(true);
    for (const k of Object.keys(b.header)) expect(names.some((n) => n.startsWith(`header.${k}`)), `header.${k}`).toBe(true);
    for (const k of Object.keys(b.commit)) expect(names.some((n) => n.startsWith(`commit.${k}`)), `commit.${k}`).toBe(true);
  });

  it('a bundle pairing a tx with a later block (log positions outside that block)', () => {
    const b = bundleOf(0, 0);
    const later = chain.blocks[3]!;
    rejected({ ...b, header: later.header, commit: later.commit, inclusionProof: chain.log.inclusionProof(0, later.header.logSize).map(toHex) }, 'leafIndex');
  });
});

describe('verifyBundle against another genesis', () => {
  const bundle = bundleOf(1, 1);

  it('rejects a genesis with another chainId (same organisations and keys)', () => {
    const other = makeNet({ powers: [1, 1, 1, 1], members: 1, chainId: 'machi-other', reuse: net.orgs });
    expect(other.genesis.orgs.map((o) => o.publicKey)).toEqual(net.genesis.orgs.map((o) => o.publicKey));
    expect(rejected(bundle, 'header.chainId', other.genesis)).toMatch(/machi-other/);
  });

  it('rejects a genesis with the same chainId and other keys', () => {
    const other = makeNet({ powers: [1, 1, 1, 1], members: 1, chainId: net.genesis.chainId });
    rejected(bundle, 'tx.signer', other.genesis);
  });

  it('rejects a genesis where the tx signer is known but the validators differ', () => {
    // same member (the tx signer), four new validators
    const other = makeNet({ powers: [1, 1, 1, 1], members: 1, chainId: net.genesis.chainId });
    const genesis = { ...other.genesis, orgs: [...other.genesis.orgs.filter((o) => o.power > 0), net.genesis.orgs.find((o) => o.power === 0)!] };
    rejected(bundle, 'header.validatorsHash', genesis);
  });

  it('rejects a genesis with the same keys and other voting powers', () => {
    const genesis = clone(net.genesis);
    genesis.orgs[0]!.power = 2;
    rejected(bundle, 'header.validatorsHash', genesis);
    // a validator demoted to member
    const demoted = clone(net.genesis);
    demoted.orgs.find((o) => o.publicKey === v3.publicKey)!.power = 0;
    rejected(bundle, 'header.validatorsHash', demoted);
  });

  it('refuses an invalid genesis with GENESIS_INVALID', () => {
    expect(machiError(() => verifyBundle(bundle, { chainId: 'x' })).code).toBe('GENESIS_INVALID');
  });
});
