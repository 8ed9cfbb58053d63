/**
 * The node's private store, one file (DIR/private.db) that every module's private tables share (the privacy vault,
 * the repairs store, the identity store, …): where it is, the organisation's key-encryption key, how it is opened,
 * and how a row's content is sealed (AES-256-GCM with the row's identity as additional data,
 * so a sealed value copied onto another row does not open). docs/spec/privacy.md#private-store-and-crypto-shredding
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assert } from '@machi/core';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** How long a writer waits for another connection to the same private.db (each store has its own), ms. */
export const PRIVATE_DB_BUSY_TIMEOUT_MS = 5_000;

export const KEK_FILE = 'kek.key';
export const PRIVATE_DB_FILE = 'private.db';

/** The organisation's key-encryption key: MACHI_KEK (base64url, 32 bytes) or DIR/kek.key, created on first use. */
export function loadKek(dir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.MACHI_KEK;
  if (fromEnv !== undefined && fromEnv !== '') {
    const k = Buffer.from(fromEnv, 'base64url');
    if (k.length !== KEY_BYTES) throw new Error('MACHI_KEK must be 32 bytes in base64url');
    return k;
  }
  const path = join(dir, KEK_FILE);
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(KEY_BYTES).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  const k = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  if (k.length !== KEY_BYTES) throw new Error(`${path} must hold 32 bytes in base64url`);
  return k;
}

/** The private store of the node whose data directory is `dir`. */
export const privateDbPath = (dir: string): string => join(dir, PRIVATE_DB_FILE);

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

/** A key → text table of one module in private.db: its markers (what its demo seed made, …). */
export class MetaTable {
  readonly #get: Database.Statement;
  readonly #set: Database.Statement;

  constructor(db: Database.Database, table: string) {
    assert(/^[a-z_]+$/.test(table), `meta table name ${table}`);
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
    this.#get = db.prepare(`SELECT value FROM ${table} WHERE key = ?`).pluck();
    this.#set = db.prepare(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
  }

  get(key: string): string | undefined {
    return this.#get.get(key) as string | undefined;
  }

  set(key: string, value: string): void {
    this.#set.run(key, value);
  }
}
