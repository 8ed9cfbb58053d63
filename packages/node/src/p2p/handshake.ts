/**
 * The link handshake (README.md#handshake): pure functions over the two Hello messages, plus the ephemeral key
 * generation. Each side sends a Hello, then an Auth signing the transcript with its genesis (org) key; both derive
 * one AES-256-GCM key per direction from an X25519 exchange, salted with the transcript hash.
 */
import {
  createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject,
} from 'node:crypto';
import {
  fromBase64url, fromHex, isBase64url, isHex, sha256, toBase64url, toHex, verifySignature, type Org, type Signer,
} from '@machi/core';
import { HANDSHAKE_BYTES_MAX } from './limits.js';

export const P2P_PROTOCOL_VERSION = 1;
/** Domain-separation tag of the transcript; the Auth signature and the key derivation extend it. */
export const P2P_TRANSCRIPT_TAG = 'machi.p2p.v1';

/** The dialing side is the initiator; every transcript lists the initiator's values first. */
export type Role = 'initiator' | 'responder';

export interface Hello {
  v: typeof P2P_PROTOCOL_VERSION;
  chainId: string;
  /** hex SHA-256 of the genesis (core `genesisHash`) */
  genesisHash: string;
  /** the sender's Ed25519 org key, base64url raw 32 bytes */
  publicKey: string;
  /** the sender's fresh X25519 public key, base64url raw 32 bytes */
  eph: string;
  /** 32 fresh random bytes, base64url */
  nonce: string;
}

export interface Auth {
  /** Ed25519 by Hello.publicKey over authSignBytes(role, transcript hash), base64url */
  sig: string;
}

export interface HandshakeStart {
  hello: Hello;
  /** the X25519 private key for this one handshake; dropped once the session keys are derived */
  ephPrivate: KeyObject;
}

export interface SessionKeys {
  sendKey: Buffer;
  receiveKey: Buffer;
}

/** What a Hello is checked against: our chain and the genesis organisations. */
export interface HandshakeContext {
  chainId: string;
  genesisHash: string;
  orgs: ReadonlyMap<string, Org>;
  ownPublicKey: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const HELLO_KEYS = ['chainId', 'eph', 'genesisHash', 'nonce', 'publicKey', 'v'];

/** A fresh Hello: a new X25519 key pair and 32 random bytes, so no two transcripts are alike. */
export function startHandshake(ctx: Pick<HandshakeContext, 'chainId' | 'genesisHash'>, publicKey: string): HandshakeStart {
  const { publicKey: ephPublic, privateKey } = generateKeyPairSync('x25519');
  const eph = (ephPublic.export({ format: 'jwk' }) as { x: string }).x;
  return {
    hello: { v: P2P_PROTOCOL_VERSION, chainId: ctx.chainId, genesisHash: ctx.genesisHash, publicKey, eph, nonce: toBase64url(randomBytes(32)) },
    ephPrivate: privateKey,
  };
}

function parseObject(text: string, keys: string[]): Parsed<Record<string, unknown>> {
  if (Buffer.byteLength(text, 'utf8') > HANDSHAKE_BYTES_MAX) return { ok: false, reason: 'handshake message too large' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'handshake message is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'handshake message is not an object' };
  const o = value as Record<string, unknown>;
  if (Object.keys(o).sort().join() !== keys.join()) return { ok: false, reason: `handshake message must have exactly ${keys.join(', ')}` };
  return { ok: true, value: o };
}

/** Shape only (types, lengths, canonical base64url); `checkHello` decides whether we talk to the sender. */
export function parseHello(text: string): Parsed<Hello> {
  const p = parseObject(text, HELLO_KEYS);
  if (!p.ok) return p;
  const o = p.value;
  if (o.v !== P2P_PROTOCOL_VERSION) return { ok: false, reason: `unsupported protocol version ${String(o.v).slice(0, 16)}` };
  if (typeof o.chainId !== 'string' || o.chainId.length > 64) return { ok: false, reason: 'hello: bad chainId' };
  if (!isHex(o.genesisHash, 64)) return { ok: false, reason: 'hello: bad genesisHash' };
  if (!isBase64url(o.publicKey, 32)) return { ok: false, reason: 'hello: bad publicKey' };
  if (!isBase64url(o.eph, 32)) return { ok: false, reason: 'hello: bad eph' };
  if (!isBase64url(o.nonce, 32)) return { ok: false, reason: 'hello: bad nonce' };
  return { ok: true, value: o as unknown as Hello };
}

/** Undefined if we accept to authenticate the sender, else the refusal reason. */
export function checkHello(hello: Hello, ctx: HandshakeContext): string | undefined {
  if (hello.chainId !== ctx.chainId) return `refused: chainId differs (theirs ${JSON.stringify(hello.chainId.slice(0, 24))})`;
  if (hello.genesisHash !== ctx.genesisHash) return `refused: genesis differs (theirs ${hello.genesisHash.slice(0, 12)}…)`;
  if (hello.publicKey === ctx.ownPublicKey) return 'refused: the peer key is our own';
  if (!ctx.orgs.has(hello.publicKey)) return `refused: key ${hello.publicKey.slice(0, 8)}… is not an org of the genesis`;
  return undefined;
}

export function parseAuth(text: string): Parsed<Auth> {
  const p = parseObject(text, ['sig']);
  if (!p.ok) return p;
  if (!isBase64url(p.value.sig, 64)) return { ok: false, reason: 'auth: bad sig' };
  return { ok: true, value: p.value as unknown as Auth };
}

/**
 * SHA-256( "machi.p2p.v1\n" ‖ genesisHash ‖ pk_I ‖ pk_R ‖ eph_I ‖ eph_R ‖ nonce_I ‖ nonce_R ), every field raw and
 * fixed-length (32 bytes), the initiator's first. Both org keys are included so a relaying third org cannot make two
 * honest nodes each believe they talk to someone else (unknown key-share).
 * Precondition: both Hellos passed parseHello and name the same genesisHash.
 */
export function transcriptHash(initiator: Hello, responder: Hello): Buffer {
  return Buffer.from(sha256(Buffer.concat([
    Buffer.from(`${P2P_TRANSCRIPT_TAG}\n`, 'utf8'),
    fromHex(initiator.genesisHash),
    fromBase64url(initiator.publicKey), fromBase64url(responder.publicKey),
    fromBase64url(initiator.eph), fromBase64url(responder.eph),
    fromBase64url(initiator.nonce), fromBase64url(responder.nonce),
  ])));
}

/** What each side signs: the role is included so that one side's Auth can never stand for the other's. */
export function authSignBytes(role: Role, transcript: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${P2P_TRANSCRIPT_TAG}.auth.${role}\n`, 'utf8'), transcript]);
}

export function signAuth(signer: Signer, role: Role, transcript: Uint8Array): Auth {
  return { sig: signer.sign(authSignBytes(role, transcript)) };
}

/** True only if `auth` is the peer's (Hello.publicKey) signature over this very transcript in its role. */
export function verifyAuth(peer: Hello, peerRole: Role, transcript: Uint8Array, auth: Auth): boolean {
  return verifySignature(peer.publicKey, authSignBytes(peerRole, transcript), auth.sig);
}

/**
 * HKDF-SHA256(ikm = X25519(ours, theirs), salt = transcript hash, info = "machi.p2p.v1.keys", 64 bytes): the first 32
 * bytes key the initiator→responder direction, the next 32 the other. Returns undefined for a degenerate exchange
 * (a low-order peer point giving an all-zero secret).
 */
export function deriveSessionKeys(role: Role, ephPrivate: KeyObject, peerEph: string, transcript: Uint8Array): SessionKeys | undefined {
  let secret: Buffer;
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peerEph }, format: 'jwk' });
    secret = diffieHellman({ privateKey: ephPrivate, publicKey });
  } catch {
    return undefined;
  }
  if (secret.every((b) => b === 0)) return undefined;
  const okm = Buffer.from(hkdfSync('sha256', secret, transcript, `${P2P_TRANSCRIPT_TAG}.keys`, 64));
  const i2r = okm.subarray(0, 32);
  const r2i = okm.subarray(32, 64);
  return role === 'initiator' ? { sendKey: i2r, receiveKey: r2i } : { sendKey: r2i, receiveKey: i2r };
}

/** Short printable form of a transcript hash, for logs. */
export function sessionId(transcript: Uint8Array): string {
  return toHex(transcript).slice(0, 12);
}
