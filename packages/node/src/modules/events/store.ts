/**
 * The events part of the node's private store (DIR/private.db, never replicated): what a report says that stays off
 * the ledger — the description text with the salt of its hash — the photos by content hash, and who follows which
 * event. Texts and photos are sealed under the organisation's key-encryption key (AES-256-GCM, the row's identity as
 * additional data). The ledger holds only the hashes. docs/spec/events.md#personal-data-stays-off-the-ledger
 *
 * This class owns only its tables (`event_notes`, `event_photos`, `event_follows`, `events_meta`); the file is shared,
 * so the schema is `CREATE … IF NOT EXISTS` and touches nothing else.
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { MetaTable, openPrivateDb, seal, unseal } from '../../storage/private-db.js';

/** Largest photo, bytes (as repairs'). */
export const EVENTS_PHOTO_BYTES_MAX = 5 * 1024 * 1024;
/** Photos one user may have uploaded and not yet named in a step. */
export const EVENTS_UPLOADS_PENDING_MAX = 20;
/** An uploaded photo not named in a step within this time is deleted, ms. */
export const EVENTS_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
/** Events a user follows, at most. */
export const EVENTS_FOLLOWS_MAX = 200;

const SALT_BYTES = 16;

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
/**
 * The hash a description is recorded under on the ledger: SHA-256 of `salt ‖ "\n" ‖ text` (UTF-8), the salt 32 random
 * hex digits kept with the text (as repairs' notes: a short text could be guessed from a bare hash).
 */
export const noteHash = (salt: string, text: string): string => sha256Hex(`${salt}\n${text}`);
export const newSalt = (): string => randomBytes(SALT_BYTES).toString('hex');

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** The image type by magic bytes (never by the declared content type), or undefined for anything else. */
export function imageTypeOf(b: Buffer): ImageType | undefined {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS event_notes (
  event TEXT PRIMARY KEY, hash TEXT NOT NULL, salt TEXT NOT NULL,
  nonce BLOB NOT NULL, sealed BLOB NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_photos (
  hash TEXT NOT NULL, uploader TEXT NOT NULL, type TEXT NOT NULL, bytes INTEGER NOT NULL,
  nonce BLOB NOT NULL, sealed BLOB NOT NULL, uploaded_at INTEGER NOT NULL, event TEXT,
  PRIMARY KEY (hash, uploader)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_photos_by_event ON event_photos(event, hash);
CREATE TABLE IF NOT EXISTS event_follows (
  user_id TEXT NOT NULL, event TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (user_id, event)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_follows_by_event ON event_follows(event);
`;

const noteAad = (event: string, hash: string): string => `event-note:${event}:${hash}`;
const photoAad = (hash: string, uploader: string): string => `event-photo:${hash}:${uploader}`;

export interface EventNote {
  event: string;
  hash: string;
  salt: string;
  text: string;
  userId: string;
  at: number;
}

export class EventStore {
  readonly #db: Database.Database;
  readonly #kek: Buffer;
  /** what the demo seed made */
  readonly meta: MetaTable;

  constructor(file: string, kek: Buffer) {
    this.#db = openPrivateDb(file);
    this.#db.exec(SCHEMA);
    this.#kek = kek;
    this.meta = new MetaTable(this.#db, 'events_meta');
  }

  putNote(n: EventNote): void {
    const { nonce, sealed } = seal(this.#kek, Buffer.from(n.text, 'utf8'), noteAad(n.event, n.hash));
    this.#db.prepare('INSERT INTO event_notes (event, hash, salt, nonce, sealed, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(n.event, n.hash, n.salt, nonce, sealed, n.userId, n.at);
  }

  deleteNote(event: string): void {
    this.#db.prepare('DELETE FROM event_notes WHERE event = ?').run(event);
  }

  note(event: string): EventNote | undefined {
    const r = this.#db.prepare('SELECT * FROM event_notes WHERE event = ?').get(event) as
      | { event: string; hash: string; salt: string; nonce: Buffer; sealed: Buffer; user_id: string; created_at: number }
      | undefined;
    if (r === undefined) return undefined;
    const text = unseal(this.#kek, r.nonce, r.sealed, noteAad(r.event, r.hash)).toString('utf8');
    return { event: r.event, hash: r.hash, salt: r.salt, text, userId: r.user_id, at: r.created_at };
  }

  /** Events reported through this node by a user, newest first. */
  reportedBy(userId: string, limit: number): string[] {
    return this.#db.prepare('SELECT event FROM event_notes WHERE user_id = ? ORDER BY created_at DESC LIMIT ?').pluck().all(userId, limit) as string[];
  }

  /** Stores an upload; its hash and type. Undefined type: not an image we take. */
  putPhoto(uploader: string, bytes: Buffer, at: number): { hash: string; type: ImageType; bytes: number } | undefined {
    const type = imageTypeOf(bytes);
    if (type === undefined) return undefined;
    const hash = sha256Hex(bytes);
    const { nonce, sealed } = seal(this.#kek, bytes, photoAad(hash, uploader));
    this.#db.prepare(`INSERT INTO event_photos (hash, uploader, type, bytes, nonce, sealed, uploaded_at, event) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
      ON CONFLICT(hash, uploader) DO NOTHING`).run(hash, uploader, type, bytes.length, nonce, sealed, at);
    return { hash, type, bytes: bytes.length };
  }

  pendingUploads(uploader: string): number {
    return this.#db.prepare('SELECT count(*) FROM event_photos WHERE uploader = ? AND event IS NULL').pluck().get(uploader) as number;
  }

  uploadedBy(hash: string, uploader: string): boolean {
    return this.#db.prepare('SELECT 1 FROM event_photos WHERE hash = ? AND uploader = ?').get(hash, uploader) !== undefined;
  }

  attach(event: string, hashes: readonly string[], uploader: string): void {
    const st = this.#db.prepare('UPDATE event_photos SET event = ? WHERE hash = ? AND uploader = ? AND event IS NULL');
    for (const h of hashes) st.run(event, h, uploader);
  }

  detach(event: string, hashes: readonly string[], uploader: string): void {
    const st = this.#db.prepare('UPDATE event_photos SET event = NULL WHERE hash = ? AND uploader = ? AND event = ?');
    for (const h of hashes) st.run(h, uploader, event);
  }

  /** A photo of `event` held here, whoever uploaded it. */
  photo(event: string, hash: string): { type: string; bytes: Buffer } | undefined {
    const r = this.#db.prepare('SELECT * FROM event_photos WHERE event = ? AND hash = ? LIMIT 1').get(event, hash) as
      | { hash: string; uploader: string; type: string; nonce: Buffer; sealed: Buffer }
      | undefined;
    if (r === undefined) return undefined;
    return { type: r.type, bytes: unseal(this.#kek, r.nonce, r.sealed, photoAad(r.hash, r.uploader)) };
  }

  /** Deletes uploads never named in a step within EVENTS_UPLOAD_TTL_MS. */
  prune(now: number): void {
    this.#db.prepare('DELETE FROM event_photos WHERE event IS NULL AND uploaded_at < ?').run(now - EVENTS_UPLOAD_TTL_MS);
  }

  follow(userId: string, event: string, at: number): void {
    this.#db.prepare('INSERT INTO event_follows (user_id, event, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(userId, event, at);
  }

  unfollow(userId: string, event: string): void {
    this.#db.prepare('DELETE FROM event_follows WHERE user_id = ? AND event = ?').run(userId, event);
  }

  follows(userId: string): string[] {
    return this.#db.prepare('SELECT event FROM event_follows WHERE user_id = ? ORDER BY at DESC LIMIT ?').pluck().all(userId, EVENTS_FOLLOWS_MAX) as string[];
  }

  isFollowing(userId: string, event: string): boolean {
    return this.#db.prepare('SELECT 1 FROM event_follows WHERE user_id = ? AND event = ?').get(userId, event) !== undefined;
  }

  followers(event: string): number {
    return this.#db.prepare('SELECT count(*) FROM event_follows WHERE event = ?').pluck().get(event) as number;
  }

  close(): void {
    this.#db.close();
  }
}
