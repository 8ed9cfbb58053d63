/**
 * The node's private store, one file (DIR/private.db) that the privacy vault, the repairs store and the identity store
 * share: how it is opened, and how a row's content is sealed (AES-256-GCM with the row's identity as additional data,
 * so a sealed value copied onto another row does not open). docs/spec/privacy.md#private-store-and-crypto-shredding
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** How long a writer waits for another connection to the same private.db (each store has its own), ms. */
export const PRIVATE_DB_BUSY_TIMEOUT_MS = 5_000;

/** Opens private.db as every store does: WAL, synchronous FULL, secure_delete (erased rows are zeroed, not left in free pages). */
export function openPrivateDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma(`busy_timeout = ${PRIVATE_DB_BUSY_TIMEOUT_MS}`);
  return db;
}

/** Seals `plaintext` under `key`: a fresh nonce, and the ciphertext with its tag. */
export function seal(key: Buffer, plaintext: Buffer, aad: string): { nonce: Buffer; sealed: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(aad, 'utf8'));
  return { nonce, sealed: Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]) };
}

/** Opens what `seal` made; throws if the key, the additional data or a byte is wrong. */
export function unseal(key: Buffer, nonce: Buffer, sealed: Buffer, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
}

/** `seal` in one value: nonce ‖ ciphertext ‖ tag (for a table with one column per sealed value). */
export function sealPacked(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const { nonce, sealed } = seal(key, plaintext, aad);
  return Buffer.concat([nonce, sealed]);
}

export function unsealPacked(key: Buffer, packed: Buffer, aad: string): Buffer {
  return unseal(key, packed.subarray(0, NONCE_BYTES), packed.subarray(NONCE_BYTES), aad);
}
