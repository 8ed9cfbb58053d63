/**
 * The handshake and frame functions without sockets: both sides derive the same keys, every transcript field and the
 * role are bound by the signature, malformed Hellos are refused, and frames fail on any change, replay or reorder.
 */
import { describe, expect, it } from 'vitest';
import { genesisHash, toBase64url } from '@machi/core';
import {
  authSignBytes, checkHello, deriveSessionKeys, parseAuth, parseHello, signAuth, startHandshake, transcriptHash, verifyAuth,
  type HandshakeContext, type Hello,
} from '../../src/p2p/handshake.js';
import { FrameOpener, FrameSealer } from '../../src/p2p/frames.js';
import { backoffMs, parseAddress } from '../../src/p2p/dialer.js';
import { HANDSHAKE_BYTES_MAX, RECONNECT_BACKOFF_MS_MAX, RECONNECT_BACKOFF_MS_MIN } from '../../src/p2p/limits.js';
import { makeGenesis, outsiderSigner } from './helpers.js';

const { genesis, signers } = makeGenesis(3);
const gh = genesisHash(genesis);
const ctxOf = (i: number): HandshakeContext => ({
  chainId: genesis.chainId, genesisHash: gh, orgs: new Map(genesis.orgs.map((o) => [o.publicKey, o])), ownPublicKey: signers[i]!.publicKey,
});

function pair() {
  const a = startHandshake(ctxOf(0), signers[0]!.publicKey); // initiator
  const b = startHandshake(ctxOf(1), signers[1]!.publicKey); // responder
  const t = transcriptHash(a.hello, b.hello);
  return { a, b, t };
}

describe('p2p handshake', () => {
  it('both sides derive the same transcript and matching directional keys; the Auths verify only in their role', () => {
    const { a, b, t } = pair();
    const ka = deriveSessionKeys('initiator', a.ephPrivate, b.hello.eph, t)!;
    const kb = deriveSessionKeys('responder', b.ephPrivate, a.hello.eph, t)!;
    expect(ka.sendKey.equals(kb.receiveKey)).toBe(true);
    expect(ka.receiveKey.equals(kb.sendKey)).toBe(true);
    expect(ka.sendKey.equals(ka.receiveKey)).toBe(false);
    const authA = signAuth(signers[0]!, 'initiator', t);
    expect(verifyAuth(a.hello, 'initiator', t, authA)).toBe(true);
    expect(verifyAuth(a.hello, 'responder', t, authA)).toBe(false); // reflected as the other role
    expect(verifyAuth(b.hello, 'initiator', t, authA)).toBe(false); // by another key
  });

  it('the signature binds every Hello field: change any one and the old Auth fails', () => {
    const { a, b, t } = pair();
    const auth = signAuth(signers[0]!, 'initiator', t);
    const fresh = startHandshake(ctxOf(1), signers[1]!.publicKey).hello;
    const variants: [Hello, Hello][] = [
      [a.hello, { ...b.hello, eph: fresh.eph }],
      [a.hello, { ...b.hello, nonce: fresh.nonce }],
      [a.hello, { ...b.hello, publicKey: signers[2]!.publicKey }],
      [b.hello, a.hello], // roles swapped
      [{ ...a.hello, genesisHash: '0'.repeat(64) }, { ...b.hello, genesisHash: '0'.repeat(64) }],
    ];
    for (const [i, r] of variants) expect(verifyAuth(a.hello, 'initiator', transcriptHash(i, r), auth)).toBe(false);
    expect(authSignBytes('initiator', t).equals(authSignBytes('responder', t))).toBe(false);
  });

  it('two handshakes never share ephemerals or nonces', () => {
    const x = startHandshake(ctxOf(0), signers[0]!.publicKey).hello;
    const y = startHandshake(ctxOf(0), signers[0]!.publicKey).hello;
    expect(x.eph).not.toBe(y.eph);
    expect(x.nonce).not.toBe(y.nonce);
  });

  it('parseHello accepts exactly the shape and refuses the rest', () => {
    const { a } = pair();
    const ok = JSON.stringify(a.hello);
    expect(parseHello(ok)).toEqual({ ok: true, value: a.hello });
    const bad = [
      'not json', '[]', 'null', JSON.stringify({ ...a.hello, extra: 1 }), JSON.stringify({ ...a.hello, v: 2 }),
      JSON.stringify({ ...a.hello, eph: a.hello.eph.slice(1) }), JSON.stringify({ ...a.hello, nonce: `${a.hello.nonce.slice(0, -1)}B` }),
      JSON.stringify({ ...a.hello, genesisHash: gh.toUpperCase() }), JSON.stringify({ ...a.hello, chainId: 7 }),
      JSON.stringify({ ...a.hello, chainId: 'x'.repeat(HANDSHAKE_BYTES_MAX) }),
    ];
    for (const text of bad) expect(parseHello(text).ok).toBe(false);
    expect(parseAuth(JSON.stringify({ sig: 'abc' })).ok).toBe(false);
    expect(parseAuth(JSON.stringify({ sig: signAuth(signers[0]!, 'initiator', Buffer.alloc(32)).sig, more: 1 })).ok).toBe(false);
  });

  it('checkHello refuses another chain or genesis, an unknown key and our own key', () => {
    const { a } = pair();
    const ctx = ctxOf(1);
    expect(checkHello(a.hello, ctx)).toBeUndefined();
    expect(checkHello({ ...a.hello, chainId: 'other' }, ctx)).toMatch(/chainId differs/);
    expect(checkHello({ ...a.hello, genesisHash: '1'.repeat(64) }, ctx)).toMatch(/genesis differs/);
    expect(checkHello({ ...a.hello, publicKey: outsiderSigner().publicKey }, ctx)).toMatch(/not an org of the genesis/);
    expect(checkHello({ ...a.hello, publicKey: signers[1]!.publicKey }, ctx)).toMatch(/our own/);
  });

  it('a low-order X25519 point (all-zero secret) gives no session', () => {
    const { a, t } = pair();
    expect(deriveSessionKeys('initiator', a.ephPrivate, toBase64url(Buffer.alloc(32)), t)).toBeUndefined();
  });
});

describe('p2p frames', () => {
  const key = Buffer.alloc(32, 7);

  it('round-trip in order; a flipped bit, a replay, a reorder or a truncation fails', () => {
    const s = new FrameSealer(key);
    const o = new FrameOpener(key);
    const f0 = s.seal(Buffer.from('zero'))!;
    const f1 = s.seal(Buffer.from('one'))!;
    const f2 = s.seal(Buffer.from('two'))!;
    expect(o.open(f0)?.toString()).toBe('zero');
    expect(o.open(f0)).toBeUndefined(); // replay
    expect(o.open(f2)).toBeUndefined(); // skips one
    const flipped = Buffer.from(f1);
    flipped[0]! ^= 0x80;
    expect(o.open(flipped)).toBeUndefined();
    expect(o.open(f1.subarray(0, f1.length - 1))).toBeUndefined();
    expect(o.open(Buffer.alloc(3))).toBeUndefined();
    expect(o.open(f1)?.toString()).toBe('one');
    expect(o.open(f2)?.toString()).toBe('two');
    expect(new FrameOpener(Buffer.alloc(32, 8)).open(f0)).toBeUndefined(); // other key
  });

  it('the sealer stops instead of reusing a nonce once its counter is spent', () => {
    const s = new FrameSealer(key, 2);
    expect(s.seal(Buffer.from('a'))).toBeDefined();
    expect(s.seal(Buffer.from('b'))).toBeDefined();
    expect(s.seal(Buffer.from('c'))).toBeUndefined();
    expect(s.seal(Buffer.from('d'))).toBeUndefined();
  });

  it('same plaintext, successive frames: different ciphertexts (the counter moves)', () => {
    const s = new FrameSealer(key);
    expect(s.seal(Buffer.from('same'))!.equals(s.seal(Buffer.from('same'))!)).toBe(false);
  });
});

describe('p2p dialing', () => {
  it('backoff doubles from the minimum to the cap, jittered down to half', () => {
    expect(backoffMs(0, () => 1)).toBe(RECONNECT_BACKOFF_MS_MIN);
    expect(backoffMs(0, () => 0)).toBe(RECONNECT_BACKOFF_MS_MIN / 2);
    expect(backoffMs(1, () => 1)).toBe(2 * RECONNECT_BACKOFF_MS_MIN);
    expect(backoffMs(50, () => 1)).toBe(RECONNECT_BACKOFF_MS_MAX);
    expect(backoffMs(1e9, () => 0)).toBe(RECONNECT_BACKOFF_MS_MAX / 2);
  });

  it('parses host:port addresses', () => {
    expect(parseAddress('127.0.0.1:26656')).toEqual({ host: '127.0.0.1', port: 26656 });
    expect(parseAddress('node-a.example:1')).toEqual({ host: 'node-a.example', port: 1 });
    expect(parseAddress('[::1]:80')).toEqual({ host: '::1', port: 80 });
    for (const bad of ['', 'host', 'host:', ':80', 'host:0', 'host:65536', '::1:80', 'a b:1', 'ws://h:1']) expect(parseAddress(bad)).toBeUndefined();
  });
});
