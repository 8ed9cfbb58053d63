/**
 * What the core imports from `node:crypto`, for the browser (vite.config.ts aliases `node:crypto` here): SHA-256 and
 * Ed25519 verification from @noble (audited, synchronous like node:crypto — Web Crypto is asynchronous, the core's
 * verification is not). Signing and key generation never happen in the browser and throw.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Buffer } from 'buffer/'; // the npm package (plain 'buffer' is Node's own under Node)

type Data = Uint8Array | string;
const bytes = (d: Data): Uint8Array => (typeof d === 'string' ? new TextEncoder().encode(d) : d);
const out = (d: Uint8Array, enc?: string): Buffer | string => {
  const b = Buffer.from(d.buffer as ArrayBuffer, d.byteOffset, d.byteLength);
  return enc === undefined || enc === 'buffer' ? b : b.toString(enc as BufferEncoding);
};

export interface Hash {
  update(data: Data): Hash;
  digest(): Buffer;
  digest(enc: string): string;
}

export function createHash(algorithm: string): Hash {
  if (algorithm !== 'sha256') throw new Error(`hash ${algorithm} is not available in the browser`);
  const h = sha256.create();
  const self = {
    update(data: Data) {
      h.update(bytes(data));
      return self;
    },
    digest(enc?: string) {
      return out(h.digest(), enc);
    },
  };
  return self as Hash;
}

/** Node's one-shot `crypto.hash(algorithm, data, outputEncoding)`. */
export function hash(algorithm: string, data: Data, enc?: string): Buffer | string {
  if (algorithm !== 'sha256') throw new Error(`hash ${algorithm} is not available in the browser`);
  return out(sha256(bytes(data)), enc ?? 'hex');
}

export interface KeyObject {
  readonly raw: Uint8Array;
}

export function createPublicKey(input: { key: { kty: string; crv: string; x: string } }): KeyObject {
  if (input.key.kty !== 'OKP' || input.key.crv !== 'Ed25519') throw new Error('only Ed25519 public keys');
  return { raw: new Uint8Array(Buffer.from(input.key.x.replace(/-/g, '+').replace(/_/g, '/'), 'base64')) };
}

/** Ed25519 verification as Node does it (RFC 8032 strict: no ZIP-215 leniency). */
export function verify(algorithm: null, message: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  if (algorithm !== null) throw new Error('only Ed25519');
  try {
    return ed25519.verify(signature, message, key.raw, { zip215: false });
  } catch {
    return false;
  }
}

const unavailable = (what: string) => (): never => {
  throw new Error(`${what} is not available in the browser`);
};
export const createPrivateKey = unavailable('createPrivateKey');
export const generateKeyPairSync = unavailable('generateKeyPairSync');
export const sign = unavailable('sign');
export const randomBytes = unavailable('randomBytes');
