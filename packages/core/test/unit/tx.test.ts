import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MachiError,
  NOTARY_LABEL_CHARS_MAX,
  TX_BYTES_MAX,
  TxTypeRegistry,
  checkTx,
  checkTxShape,
  createRegistry,
  fromBase64url,
  notaryRecord,
  signTx,
  toBase64url,
  txCanonical,
  txHash,
  txSignBytes,
  type ErrorCode,
  type SignedTx,
  type TxCheckContext,
} from '../../src/index.js';
import { clone, freshNonce, machiError, makeNet, makeOrg, notaryBody, notaryTx, sha256Hex, type TestNet } from './helpers.js';

/** Registry with notary.record plus two test types: one with the same payload schema, one that allows large payloads. */
function testRegistry(): TxTypeRegistry {
  const r = createRegistry();
  r.register({ type: 'test.echo', schema: notaryRecord.schema, handle: () => {} });
  r.register({
    type: 'test.blob',
    schema: { type: 'object', additionalProperties: false, required: ['data'], properties: { data: { type: 'string' } } },
    handle: () => {},
  });
  return r;
}

const net: TestNet = makeNet({ powers: [1, 1, 1], members: 1, registry: testRegistry() });
const [alice, bob] = net.validators as [TestNet['orgs'][number], TestNet['orgs'][number]];
const member = net.members[0]!;
const outsider = makeOrg('outsider', 1);

function code(value: unknown, ctx: TxCheckContext = net.ctx): ErrorCode | 'OK' {
  try {
    checkTx(value, ctx);
    return 'OK';
  } catch (e) {
    if (e instanceof MachiError) return e.code;
    throw e;
  }
}

function good(): SignedTx {
  return notaryTx(net, alice, { label: 'budget 2025', time: 1_735_689_600_123 });
}

function resign(tx: SignedTx, org = alice): SignedTx {
  const { sig: _sig, ...body } = tx;
  return signTx(body, (m) => org.signer.sign(m));
}

describe('genesis helper', () => {
  it('makes genesis files with 1 to 4 validating organisations whose txs verify', () => {
    for (let n = 1; n <= 4; n++) {
      const g = makeNet({ powers: Array(n).fill(1) });
      expect(g.genesis.orgs).toHaveLength(n);
      expect(new Set(g.genesis.orgs.map((o) => o.publicKey)).size).toBe(n);
      for (const org of g.orgs) expect(code(notaryTx(g, org), g.ctx)).toBe('OK');
    }
  });
});

describe('checkTx', () => {
  it('accepts a well-formed, signed notary.record and returns its canonical text and hash', () => {
    const tx = good();
    const c = checkTx(tx, net.ctx);
    expect(c.tx).toEqual(tx);
    expect(c.canonical).toBe(txCanonical(tx));
    expect(c.hash).toBe(txHash(tx));
    expect(c.hash).toMatch(/^[0-9a-f]{64}$/);
    // the canonical text is the sorted-key JSON of the seven fields, and the hash is its SHA-256
    const sorted = Object.fromEntries(Object.entries(tx).sort(([a], [b]) => (a < b ? -1 : 1)));
    const payload = tx.payload as { hash: string; label: string };
    const expected = JSON.stringify({ ...sorted, payload: { hash: payload.hash, label: payload.label } });
    expect(c.canonical).toBe(expected);
    expect(c.hash).toBe(createHash('sha256').update(expected, 'utf8').digest('hex'));
  });

  it('accepts txs from every organisation, including members without voting power', () => {
    for (const org of net.orgs) expect(code(notaryTx(net, org))).toBe('OK');
  });

  it('accepts a tx given as parsed JSON text with keys in any order', () => {
    const tx = good();
    const reordered = JSON.parse(JSON.stringify({ type: tx.type, sig: tx.sig, time: tx.time, payload: { label: (tx.payload as { label: string }).label, hash: (tx.payload as { hash: string }).hash }, nonce: tx.nonce, signer: tx.signer, chainId: tx.chainId })) as unknown;
    expect(checkTx(reordered, net.ctx).hash).toBe(txHash(tx));
  });

  it('signatures are over the domain-tagged canonical body (sig excluded)', () => {
    const tx = good();
    const text = Buffer.from(txSignBytes(tx)).toString('utf8');
    expect(text.startsWith('machi.tx.v1\n')).toBe(true);
    const body = JSON.parse(text.slice('machi.tx.v1\n'.length)) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['chainId', 'nonce', 'payload', 'signer', 'time', 'type']);
    expect(txSignBytes({ ...tx, sig: 'x' } as SignedTx)).toEqual(txSignBytes(tx));
  });

  describe('TX_MALFORMED with the field named', () => {
    const cases: [string, (tx: Record<string, unknown>) => unknown, string][] = [
      ['a string', () => 'tx', '(root)'],
      ['null', () => null, '(root)'],
      ['an array', (tx) => [tx], '(root)'],
      ['a number', () => 42, '(root)'],
      ['an extra field', (tx) => ({ ...tx, extra: 1 }), 'extra'],
      ['an extra "hash" field', (tx) => ({ ...tx, hash: 'ab' }), 'hash'],
      ['missing chainId', ({ chainId: _, ...tx }) => tx, 'chainId'],
      ['empty chainId', (tx) => ({ ...tx, chainId: '' }), 'chainId'],
      ['chainId a number', (tx) => ({ ...tx, chainId: 7 }), 'chainId'],
      ['missing type', ({ type: _, ...tx }) => tx, 'type'],
      ['type without a dot', (tx) => ({ ...tx, type: 'notary' }), 'type'],
      ['type in capitals', (tx) => ({ ...tx, type: 'Notary.Record' }), 'type'],
      ['type too long', (tx) => ({ ...tx, type: `a.${'b'.repeat(63)}` }), 'type'],
      ['missing payload', ({ payload: _, ...tx }) => tx, 'payload'],
      ['payload an array', (tx) => ({ ...tx, payload: [] }), 'payload'],
      ['payload null', (tx) => ({ ...tx, payload: null }), 'payload'],
      ['payload a string', (tx) => ({ ...tx, payload: '{}' }), 'payload'],
      ['missing signer', ({ signer: _, ...tx }) => tx, 'signer'],
      ['signer too short', (tx) => ({ ...tx, signer: (tx.signer as string).slice(1) }), 'signer'],
      ['signer in standard base64', (tx) => ({ ...tx, signer: `+${(tx.signer as string).slice(1)}` }), 'signer'],
      ['signer in hex', (tx) => ({ ...tx, signer: 'ab'.repeat(32) }), 'signer'],
      ['missing nonce', ({ nonce: _, ...tx }) => tx, 'nonce'],
      ['nonce too short (15 hex chars)', (tx) => ({ ...tx, nonce: 'a'.repeat(15) }), 'nonce'],
      ['nonce too long (66 hex chars)', (tx) => ({ ...tx, nonce: 'a'.repeat(66) }), 'nonce'],
      ['nonce odd length', (tx) => ({ ...tx, nonce: 'a'.repeat(17) }), 'nonce'],
      ['nonce in capitals', (tx) => ({ ...tx, nonce: 'A'.repeat(32) }), 'nonce'],
      ['nonce not hex', (tx) => ({ ...tx, nonce: 'z'.repeat(32) }), 'nonce'],
      ['nonce a number', (tx) => ({ ...tx, nonce: 1234567890123456 }), 'nonce'],
      ['missing time', ({ time: _, ...tx }) => tx, 'time'],
      ['time negative', (tx) => ({ ...tx, time: -1 }), 'time'],
      ['time fractional', (tx) => ({ ...tx, time: 1.5 }), 'time'],
      ['time a string', (tx) => ({ ...tx, time: '1735689600000' }), 'time'],
      ['time beyond 2^53', (tx) => ({ ...tx, time: 2 ** 53 }), 'time'],
      ['time NaN', (tx) => ({ ...tx, time: NaN }), 'time'],
      ['missing sig', ({ sig: _, ...tx }) => tx, 'sig'],
      ['sig too short', (tx) => ({ ...tx, sig: (tx.sig as string).slice(2) }), 'sig'],
      ['sig padded', (tx) => ({ ...tx, sig: `${tx.sig as string}==` }), 'sig'],
    ];
    it.each(cases)('%s', (_name, mutate, field) => {
      const value = mutate(good() as unknown as Record<string, unknown>);
      const e = machiError(() => checkTx(value, net.ctx));
      expect(e.code).toBe('TX_MALFORMED');
      expect(e.detail?.field).toBe(field);
      expect(e.message).toContain(`"${field}"`);
      // checkTxShape alone gives the same answer
      expect(machiError(() => checkTxShape(value)).detail?.field).toBe(field);
    });

    it('nonce bounds are inclusive: 16 and 64 hex chars are accepted', () => {
      expect(code(notaryTx(net, alice, { nonce: 'ab'.repeat(8) }))).toBe('OK');
      expect(code(notaryTx(net, alice, { nonce: 'cd'.repeat(32) }))).toBe('OK');
      expect(code(notaryTx(net, alice, { time: 0 }))).toBe('OK');
    });
  });

  it('TX_WRONG_CHAIN for a tx signed for another chain id', () => {
    const tx = notaryTx(net, alice, { chainId: 'other-chain' });
    expect(code(tx)).toBe('TX_WRONG_CHAIN');
    // and the same signed tx is accepted by a chain with that id and the same organisations
    expect(code(tx, { ...net.ctx, chainId: 'other-chain' })).toBe('OK');
  });

  it('TX_UNKNOWN_TYPE for a well-formed type nobody registered', () => {
    const tx = signTx({ ...notaryBody(net, alice), type: 'notary.erase' }, (m) => alice.signer.sign(m));
    expect(code(tx)).toBe('TX_UNKNOWN_TYPE');
    expect(code(good(), { ...net.ctx, registry: new TxTypeRegistry() })).toBe('TX_UNKNOWN_TYPE');
  });

  describe('TX_PAYLOAD_INVALID when the payload fails its schema', () => {
    const hash = sha256Hex('a document');
    const cases: [string, Record<string, unknown>][] = [
      ['hash in capitals', { hash: hash.toUpperCase(), label: 'x' }],
      ['hash 63 chars', { hash: hash.slice(1), label: 'x' }],
      ['hash 65 chars', { hash: `${hash}0`, label: 'x' }],
      ['hash not hex', { hash: `${hash.slice(1)}g`, label: 'x' }],
      ['hash a number', { hash: 12, label: 'x' }],
      ['hash missing', { label: 'x' }],
      ['label empty', { hash, label: '' }],
      ['label missing', { hash }],
      ['label not a string', { hash, label: ['x'] }],
      [`label of ${NOTARY_LABEL_CHARS_MAX + 1} chars`, { hash, label: 'l'.repeat(NOTARY_LABEL_CHARS_MAX + 1) }],
      ['an extra property', { hash, label: 'x', org: 'street-office' }],
      ['empty payload', {}],
    ];
    it.each(cases)('%s', (_name, payload) => {
      const tx = signTx({ ...notaryBody(net, alice), payload }, (m) => alice.signer.sign(m));
      const e = machiError(() => checkTx(tx, net.ctx));
      expect(e.code).toBe('TX_PAYLOAD_INVALID');
      expect(e.message).toContain('notary.record');
    });

    it(`accepts a label of exactly ${NOTARY_LABEL_CHARS_MAX} chars`, () => {
      const tx = signTx({ ...notaryBody(net, alice), payload: { hash, label: 'l'.repeat(NOTARY_LABEL_CHARS_MAX) } }, (m) => alice.signer.sign(m));
      expect(code(tx)).toBe('OK');
    });
  });

  it('TX_UNKNOWN_SIGNER for a key that is not an organisation of the genesis', () => {
    expect(code(notaryTx(net, outsider))).toBe('TX_UNKNOWN_SIGNER');
  });

  describe('TX_BAD_SIGNATURE (or the earlier code) when a field changes after signing', () => {
    const cases: [string, (tx: SignedTx) => SignedTx, ErrorCode][] = [
      ['payload.hash', (tx) => ({ ...tx, payload: { ...tx.payload, hash: sha256Hex('another document') } }), 'TX_BAD_SIGNATURE'],
      ['payload.label', (tx) => ({ ...tx, payload: { ...tx.payload, label: 'budget 2026' } }), 'TX_BAD_SIGNATURE'],
      ['nonce', (tx) => ({ ...tx, nonce: freshNonce() }), 'TX_BAD_SIGNATURE'],
      ['nonce, one char', (tx) => ({ ...tx, nonce: (tx.nonce[0] === 'a' ? 'b' : 'a') + tx.nonce.slice(1) }), 'TX_BAD_SIGNATURE'],
      ['time + 1 ms', (tx) => ({ ...tx, time: tx.time + 1 }), 'TX_BAD_SIGNATURE'],
      ['type to another registered type', (tx) => ({ ...tx, type: 'test.echo' }), 'TX_BAD_SIGNATURE'],
      ['type to an unregistered type', (tx) => ({ ...tx, type: 'notary.erase' }), 'TX_UNKNOWN_TYPE'],
      ['signer swapped for another validator', (tx) => ({ ...tx, signer: bob.publicKey }), 'TX_BAD_SIGNATURE'],
      ['signer swapped for a member', (tx) => ({ ...tx, signer: member.publicKey }), 'TX_BAD_SIGNATURE'],
      ['signer swapped for an outsider', (tx) => ({ ...tx, signer: outsider.publicKey }), 'TX_UNKNOWN_SIGNER'],
      ['chainId', (tx) => ({ ...tx, chainId: 'machi-other' }), 'TX_WRONG_CHAIN'],
      ['sig from another tx by the same signer', (tx) => ({ ...tx, sig: notaryTx(net, alice).sig }), 'TX_BAD_SIGNATURE'],
      ['sig by another org over the same body', (tx) => ({ ...tx, sig: resign(tx, bob).sig }), 'TX_BAD_SIGNATURE'],
      ['sig, first byte flipped', (tx) => ({ ...tx, sig: flipByte(tx.sig, 0) }), 'TX_BAD_SIGNATURE'],
      ['sig, last byte flipped', (tx) => ({ ...tx, sig: flipByte(tx.sig, 63) }), 'TX_BAD_SIGNATURE'],
      ['sig all zero', (tx) => ({ ...tx, sig: toBase64url(new Uint8Array(64)) }), 'TX_BAD_SIGNATURE'],
    ];
    it.each(cases)('%s', (_name, mutate, expected) => {
      const tx = good();
      expect(code(tx)).toBe('OK');
      expect(code(mutate(clone(tx)))).toBe(expected);
    });

    it('a tx moved to another chain with the same organisations does not verify there', () => {
      const tx = good();
      expect(code({ ...tx, chainId: 'machi-other' }, { ...net.ctx, chainId: 'machi-other' })).toBe('TX_BAD_SIGNATURE');
    });

    it('re-signing the changed body makes it valid again (the mutation, not the helper, broke it)', () => {
      const tx = good();
      expect(code(resign({ ...tx, time: tx.time + 1 }))).toBe('OK');
      expect(code(resign({ ...tx, signer: bob.publicKey }, bob))).toBe('OK');
    });
  });

  it('checks run in a stable order: shape, chain, type, payload, signer, size, signature', () => {
    const tx = good();
    // wrong chain + unknown type + bad payload + unknown signer + bad sig → the first one wins
    const all = { ...tx, chainId: 'x-chain', type: 'notary.erase', payload: {}, signer: outsider.publicKey };
    expect(code(all)).toBe('TX_WRONG_CHAIN');
    expect(code({ ...all, chainId: tx.chainId })).toBe('TX_UNKNOWN_TYPE');
    expect(code({ ...all, chainId: tx.chainId, type: tx.type })).toBe('TX_PAYLOAD_INVALID');
    expect(code({ ...all, chainId: tx.chainId, type: tx.type, payload: tx.payload })).toBe('TX_UNKNOWN_SIGNER');
    expect(code({ ...tx, nonce: 'x', chainId: 'x-chain' })).toBe('TX_MALFORMED');
  });

  describe('TX_TOO_LARGE', () => {
    function blobTx(data: string): SignedTx {
      return signTx({ ...notaryBody(net, alice), type: 'test.blob', payload: { data } }, (m) => alice.signer.sign(m));
    }
    function bytes(tx: SignedTx): number {
      return Buffer.byteLength(txCanonical(tx), 'utf8');
    }

    it(`accepts exactly ${TX_BYTES_MAX} canonical bytes and rejects one more`, () => {
      const base = bytes(blobTx(''));
      const fits = blobTx('a'.repeat(TX_BYTES_MAX - base));
      expect(bytes(fits)).toBe(TX_BYTES_MAX);
      expect(code(fits)).toBe('OK');
      const over = blobTx('a'.repeat(TX_BYTES_MAX - base + 1));
      expect(bytes(over)).toBe(TX_BYTES_MAX + 1);
      expect(code(over)).toBe('TX_TOO_LARGE');
    });

    it('counts UTF-8 bytes, not UTF-16 code units', () => {
      const n = Math.ceil(TX_BYTES_MAX / 3) + 10; // '€' is 3 bytes in UTF-8, 1 code unit
      const tx = blobTx('€'.repeat(n));
      expect(txCanonical(tx).length).toBeLessThan(TX_BYTES_MAX);
      expect(code(tx)).toBe('TX_TOO_LARGE');
    });

    it('counts escapes as they appear in the canonical text', () => {
      const base = bytes(blobTx(''));
      // each \u0001 is 6 bytes in the canonical text
      const n = Math.floor((TX_BYTES_MAX - base) / 6) + 1;
      expect(code(blobTx('\u0001'.repeat(n)))).toBe('TX_TOO_LARGE');
      expect(code(blobTx('\u0001'.repeat(n - 1)))).toBe('OK');
    });
  });

  // Everything hashed must have one encoding. A signature text whose last character differs only in the 4 unused
  // bits decodes to the same 64 bytes, so it verifies — but it is a different canonical text, hence a different
  // txHash: anyone relaying a tx can change its hash (transaction malleability; the client then waits on a hash that
  // never commits, and the original is refused as a replay).
  it('rejects a signature re-encoded with non-zero unused bits (txHash must not be malleable)', () => {
    const tx = good();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(tx.sig[85]!);
    const twin = { ...tx, sig: tx.sig.slice(0, 85) + alphabet[last ^ 1]! };
    expect(Buffer.from(twin.sig, 'base64url')).toEqual(Buffer.from(tx.sig, 'base64url'));
    expect(txHash(twin)).not.toBe(txHash(tx));
    expect(code(twin)).not.toBe('OK');
  });
});

function flipByte(b64: string, index: number): string {
  const bytes = Buffer.from(fromBase64url(b64));
  bytes[index] = bytes[index]! ^ 0x01;
  return toBase64url(bytes);
}

describe('txHash', () => {
  it('is deterministic and independent of key order', () => {
    const tx = good();
    const copy = JSON.parse(JSON.stringify(tx)) as SignedTx;
    const reversed = Object.fromEntries(Object.entries(tx).reverse()) as unknown as SignedTx;
    expect(txHash(copy)).toBe(txHash(tx));
    expect(txHash(reversed)).toBe(txHash(tx));
    // Ed25519 is deterministic: signing the same body again gives the same tx and hash
    expect(txHash(resign(tx))).toBe(txHash(tx));
  });

  it('changes with any change to any field, including the signature', () => {
    const tx = good();
    const variants: [string, SignedTx][] = [
      ['chainId', { ...tx, chainId: 'machi-other' }],
      ['type', { ...tx, type: 'test.echo' }],
      ['payload.hash', { ...tx, payload: { ...tx.payload, hash: sha256Hex('b') } }],
      ['payload.label', { ...tx, payload: { ...tx.payload, label: 'budget 2025 ' } }],
      ['payload extra key', { ...tx, payload: { ...tx.payload, x: null } }],
      ['signer', { ...tx, signer: bob.publicKey }],
      ['nonce', { ...tx, nonce: freshNonce() }],
      ['time', { ...tx, time: tx.time + 1 }],
      ['sig', { ...tx, sig: flipByte(tx.sig, 10) }],
      ['sig by another key', resign(tx, bob)],
    ];
    const seen = new Set([txHash(tx)]);
    for (const [name, v] of variants) {
      const h = txHash(v);
      expect(h, name).toMatch(/^[0-9a-f]{64}$/);
      expect(seen.has(h), name).toBe(false);
      seen.add(h);
    }
  });
});
