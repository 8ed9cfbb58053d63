/**
 * SHA-256 and Ed25519 via node:crypto (pure computation; no I/O). Ed25519 public keys are the raw 32 bytes in
 * base64url (43 chars); private keys are held as JWK (RFC 8037) so they can be stored and reloaded as text.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { fromBase64url, toBase64url, toHex } from './encoding.js';

export function sha256(data: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(data).digest();
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
}

export interface KeyPair {
  /** base64url raw public key */
  publicKey: string;
  jwk: Ed25519Jwk;
}

export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as unknown as Ed25519Jwk;
  return { publicKey: jwk.x, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d } };
}

export interface Signer {
  publicKey: string;
  sign(message: Uint8Array): string;
}

export function signerFromJwk(jwk: Ed25519Jwk): Signer {
  const key = createPrivateKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
  return { publicKey: jwk.x, sign: (message) => toBase64url(sign(null, message, key)) };
}

const publicKeyCache = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE_MAX = 4096;

function publicKeyObject(publicKey: string): KeyObject {
  let key = publicKeyCache.get(publicKey);
  if (key === undefined) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
    if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) publicKeyCache.clear();
    publicKeyCache.set(publicKey, key);
  }
  return key;
}

/** True only for a valid Ed25519 signature (base64url, 64 bytes) by `publicKey` over `message`. Never throws. */
export function verifySignature(publicKey: string, message: Uint8Array, signature: string): boolean {
  try {
    const sig = fromBase64url(signature);
    if (sig.length !== 64 || fromBase64url(publicKey).length !== 32) return false;
    return verify(null, message, publicKeyObject(publicKey), sig);
  } catch {
    return false;
  }
}

export { toHex };
