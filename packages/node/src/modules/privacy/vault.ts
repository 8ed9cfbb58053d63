/**
 * The private store: personal data held by this organisation, encrypted, beside the ledger (DIR/private.db). Per
 * subject a random data key encrypts the fields (AES-256-GCM, the subject id as additional data); the data key is
 * wrapped under the organisation's key-encryption key (KEK). The commitment's salt travels inside the ciphertext, so
 * erasing a subject's row destroys both: the data cannot be decrypted, and the on-ledger commitment can no longer be
 * linked to any value (crypto-shredding). docs/spec/privacy.md#private-store-and-crypto-shredding
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { KEY_BYTES, MetaTable, openPrivateDb, seal, unseal } from '../../storage/private-db.js';

export { KEK_FILE, PRIVATE_DB_FILE, loadKek } from '../../storage/private-db.js';
import { commitmentOfDigests, fieldDigest, type FieldOpening } from '@machi/core';

export type Fields = Record<string, string>;

/** Per-field salted digests and their commitment: what the ledger holds instead of the data (docs/spec/privacy.md). */
export function commitmentOf(salts: Record<string, string>, fields: Fields): { commitment: string; digests: Record<string, string> } {
  const digests = Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, fieldDigest(Buffer.from(salts[f]!, 'base64url'), v)]));
  return { commitment: commitmentOfDigests(digests), digests };
}

/** The opening a reader of `shown` fields gets: their salts, and the digests of the fields it does not see. */
export function openingFor(held: { fields: Fields; salts: Record<string, string> }, shown: readonly string[]): FieldOpening {
  const { digests } = commitmentOf(held.salts, held.fields);
  const salts: Record<string, string> = {};
  const others: Record<string, string> = {};
  for (const f of Object.keys(held.fields)) {
    if (shown.includes(f)) salts[f] = held.salts[f]!;
    else others[f] = digests[f]!;
  }
  return { salts, digests: others };
}

interface Row {
  subject: string;
  data_nonce: Buffer;
  data: Buffer;
  key_nonce: Buffer;
  wrapped_key: Buffer;
}

export class Vault {
  readonly #db: Database.Database;
  /** this module's markers (what the demo seed made) */
  readonly meta: MetaTable;
  readonly #kek: Buffer;
  readonly #q;

  constructor(file: string, kek: Buffer) {
    this.#db = openPrivateDb(file);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS vault_subjects (
      subject TEXT PRIMARY KEY,
      data_nonce BLOB NOT NULL, data BLOB NOT NULL,
      key_nonce BLOB NOT NULL, wrapped_key BLOB NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS vault_residents (user_id TEXT PRIMARY KEY, subject TEXT NOT NULL) WITHOUT ROWID;`);
    this.meta = new MetaTable(this.#db, 'vault_meta');
    this.#kek = kek;
    this.#q = {
      put: this.#db.prepare('INSERT INTO vault_subjects (subject, data_nonce, data, key_nonce, wrapped_key, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      get: this.#db.prepare('SELECT subject, data_nonce, data, key_nonce, wrapped_key FROM vault_subjects WHERE subject = ?'),
      del: this.#db.prepare('DELETE FROM vault_subjects WHERE subject = ?'),
      link: this.#db.prepare('INSERT INTO vault_residents (user_id, subject) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET subject = excluded.subject'),
      subjectOf: this.#db.prepare('SELECT subject FROM vault_residents WHERE user_id = ?').pluck(),
      subjects: this.#db.prepare('SELECT subject FROM vault_subjects ORDER BY subject').pluck(),
    };
  }

  /** Encrypts and stores a subject's fields; returns the commitment for the ledger. */
  put(subject: string, fields: Fields, now: number): string {
    const salts = Object.fromEntries(Object.keys(fields).map((f) => [f, randomBytes(KEY_BYTES).toString('base64url')]));
    const dataKey = randomBytes(KEY_BYTES);
    const data = seal(dataKey, Buffer.from(JSON.stringify({ fields, salts }), 'utf8'), `data:${subject}`);
    const key = seal(this.#kek, dataKey, `key:${subject}`);
    this.#q.put.run(subject, data.nonce, data.sealed, key.nonce, key.sealed, now);
    dataKey.fill(0);
    return commitmentOf(salts, fields).commitment;
  }

  /** Decrypts a subject's fields and their salts; undefined if the subject is not held here (or was erased). */
  get(subject: string): { fields: Fields; salts: Record<string, string> } | undefined {
    const r = this.#q.get.get(subject) as Row | undefined;
    if (r === undefined) return undefined;
    const dataKey = unseal(this.#kek, r.key_nonce, r.wrapped_key, `key:${r.subject}`);
    const plain = JSON.parse(unseal(dataKey, r.data_nonce, r.data, `data:${r.subject}`).toString('utf8')) as { fields: Fields; salts: Record<string, string> };
    dataKey.fill(0);
    return plain;
  }

  has(subject: string): boolean {
    return this.#q.get.get(subject) !== undefined;
  }

  /** Crypto-shredding: the wrapped key, the ciphertext and the salt go, and the WAL is truncated. */
  erase(subject: string): boolean {
    const gone = this.#q.del.run(subject).changes > 0;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return gone;
  }

  /** The ids of the subjects held here (nothing decrypted), in id order. */
  *subjects(): IterableIterator<string> {
    for (const s of this.#q.subjects.iterate()) yield s as string;
  }

  linkResident(userId: string, subject: string): void {
    this.#q.link.run(userId, subject);
  }

  subjectOfUser(userId: string): string | undefined {
    return this.#q.subjectOf.get(userId) as string | undefined;
  }

  close(): void {
    this.#db.close();
  }
}
