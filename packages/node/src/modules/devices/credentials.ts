/**
 * Device credentials and message signatures. A device proves itself at MQTT CONNECT (username = its id) with either
 * its secret (the ledger holds only SHA-256(secret)), or — a device with an Ed25519 key — a password
 * `<ms>.<signature of "machi-connect:<device>:<ms>">` no older than DEVICES_CONNECT_SKEW_MS (a captured password is
 * useless minutes later). A signed message carries `sig`: the Ed25519 signature of the canonical JSON of the message
 * without `sig`.
 */
import { createHash, createPublicKey, randomBytes, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, type DeviceCredential } from '@machi/core';

/** How far an Ed25519 CONNECT password's time may be from the node's clock, ms. */
export const DEVICES_CONNECT_SKEW_MS = 5 * 60 * 1000;
export const DEVICE_SECRET_BYTES = 32;

/** A fresh device secret (shown once to the staff member who registers the device) and its hash for the ledger. */
export function newDeviceSecret(): { secret: string; hash: string } {
  const secret = randomBytes(DEVICE_SECRET_BYTES).toString('base64url');
  return { secret, hash: secretHash(secret) };
}

export const secretHash = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

const keys = new Map<string, KeyObject>();
function publicKeyOf(x: string): KeyObject {
  let k = keys.get(x);
  if (k === undefined) {
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    keys.set(x, k);
  }
  return k;
}

export const connectMessage = (device: string, ms: number): string => `machi-connect:${device}:${ms}`;

/** Whether `password` proves `credential` for `device` at `now`. */
export function checkConnectPassword(device: string, credential: DeviceCredential, password: string, now: number): boolean {
  if (credential.kind === 'secret') {
    const a = Buffer.from(secretHash(password), 'hex');
    return timingSafeEqual(a, Buffer.from(credential.hash, 'hex'));
  }
  const dot = password.indexOf('.');
  const ms = Number(password.slice(0, dot));
  if (dot < 0 || !Number.isSafeInteger(ms) || Math.abs(now - ms) > DEVICES_CONNECT_SKEW_MS) return false;
  return verifySignature(credential.publicKey, Buffer.from(connectMessage(device, ms)), password.slice(dot + 1));
}

export function verifySignature(publicKey: string, data: Buffer, sigB64url: string): boolean {
  try {
    return verify(null, data, publicKeyOf(publicKey), Buffer.from(sigB64url, 'base64url'));
  } catch {
    return false;
  }
}

/** Whether a message object's `sig` is its signature by `publicKey`. */
export function checkMessageSignature(publicKey: string, message: Record<string, unknown>): boolean {
  const { sig, ...rest } = message;
  return typeof sig === 'string' && verifySignature(publicKey, Buffer.from(canonicalJson(rest)), sig);
}
