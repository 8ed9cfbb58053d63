/**
 * The repairs part of the reporting organisation's private store (DIR/private.db, beside the ledger, never
 * replicated): what a request says that must stay off the ledger — the description text and the exact unit, a
 * confirmation's comment, a reopen's reason — and the photos, by SHA-256 content hash. Everything is sealed under
 * the organisation's key-encryption key (AES-256-GCM; the additional data binds each row to its place). The ledger
 * holds only the hashes. docs/spec/repairs.md#api
 *
 * This class owns only its tables (`repair_notes`, `repair_photos`, `staff_cards`, `staff_card_photos`); the file is shared with the accounts and the
 * privacy vault, so the schema is `CREATE … IF NOT EXISTS` and touches nothing else.
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { KEY_BYTES, openPrivateDb, seal, unseal } from '../../storage/private-db.js';

// ---- limits (unit last) -----------------------------------------------------------------------------------------

/** Largest photo, bytes. */
export const REPAIRS_PHOTO_BYTES_MAX = 5 * 1024 * 1024;
/** Longest description of a problem, characters. */
export const REPAIRS_DESCRIPTION_CHARS_MAX = 2000;
/** Longest confirmation comment or reopen reason, characters. */
export const REPAIRS_NOTE_CHARS_MAX = 1000;
/** Longest exact unit ("2单元 1203"), characters. */
export const REPAIRS_UNIT_CHARS_MAX = 64;
/** Photos one user may have uploaded and not yet attached to a request. */
export const REPAIRS_UPLOADS_PENDING_MAX = 20;
/** An uploaded photo not attached to any request within this time is deleted, ms. */
export const REPAIRS_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
/** Requests `requestsOfUser` lists at most. */
export const REPAIRS_MINE_MAX = 200;

const SALT_BYTES = 16;
/** Another connection (accounts, the vault) may hold the write lock briefly. */

// ---- content hashes ---------------------------------------------------------------------------------------------

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/**
 * The hash a text is recorded under on the ledger: SHA-256 of `salt ‖ "\n" ‖ text` (UTF-8), the salt 32 random hex
 * digits kept with the text. Salted because a short text ("the lift is stuck") could be guessed from a bare hash; a
 * reader who is given the text and the salt can recompute it.
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

// ---- the store --------------------------------------------------------------------------------------------------

export const NOTE_KINDS = ['description', 'comment', 'reason'] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

export interface Note {
  request: string;
  kind: NoteKind;
  /** the hash on the ledger (noteHash(salt, text)) */
  hash: string;
  salt: string;
  text: string;
  /** description only: the exact unit, if given */
  unit?: string;
  /** the user who wrote it */
  userId: string;
  at: number;
}

interface NoteRow {
  request: string;
  kind: NoteKind;
  hash: string;
  nonce: Buffer;
  sealed: Buffer;
  user_id: string;
  created_at: number;
}

const noteAad = (request: string, kind: string, hash: string): string => `repair-note:${request}:${kind}:${hash}`;
const photoAad = (hash: string, uploader: string): string => `repair-photo:${hash}:${uploader}`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS repair_notes (
  request TEXT NOT NULL, kind TEXT NOT NULL, hash TEXT NOT NULL,
  nonce BLOB NOT NULL, sealed BLOB NOT NULL,
  user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (request, kind, hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS repair_notes_by_user ON repair_notes(user_id, kind, created_at);
CREATE INDEX IF NOT EXISTS repair_notes_by_kind ON repair_notes(kind, request);
-- this organisation's requests that can no longer change (confirmed or cancelled): left out of the open list
CREATE TABLE IF NOT EXISTS repair_finished (request TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS repair_photos (
  hash TEXT NOT NULL, uploader TEXT NOT NULL,
  type TEXT NOT NULL, bytes INTEGER NOT NULL,
  nonce BLOB NOT NULL, sealed BLOB NOT NULL,
  uploaded_at INTEGER NOT NULL, request TEXT,
  PRIMARY KEY (hash, uploader)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS repair_photos_pending ON repair_photos(uploader, request);
CREATE TABLE IF NOT EXISTS staff_cards (
  username TEXT PRIMARY KEY, nonce BLOB NOT NULL, sealed BLOB NOT NULL, updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staff_card_photos (
  username TEXT PRIMARY KEY, hash TEXT NOT NULL, type TEXT NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL
) WITHOUT ROWID;
`;

/**
 * What a worker's organisation chose to show residents about the worker on a job: the name (on by default), a work
 * phone and a photo (each off unless set and turned on). Kept sealed like every private text; the photo (by content
 * hash) is a copy of an upload, kept in `staff_card_photos` for as long as the card names it.
 */
export interface StaffCard {
  phone?: string;
  /** SHA-256 of the photo's bytes */
  photo?: string;
  share: { name: boolean; phone: boolean; photo: boolean };
}

/** A card as a client sends it: `share.photo` may be left out (false), as cards were before photos. */
export type StaffCardInput = Omit<StaffCard, 'share'> & { share: { name: boolean; phone: boolean; photo?: boolean } };

export const DEFAULT_STAFF_CARD: StaffCard = { share: { name: true, phone: false, photo: false } };
const cardAad = (username: string): string => `staff-card:${username}`;
const cardPhotoAad = (username: string, hash: string): string => `staff-card-photo:${username}:${hash}`;

/** A card with every field of today's shape (a card stored before photos has no `photo`, no `share.photo`). */
function normalCard(c: StaffCardInput): StaffCard {
  return {
    ...(c.phone === undefined ? {} : { phone: c.phone }),
    ...(c.photo === undefined ? {} : { photo: c.photo }),
    share: { name: c.share.name, phone: c.share.phone, photo: c.share.photo ?? false },
  };
}

export class RepairStore {
  readonly #db: Database.Database;
  readonly #kek: Buffer;
  readonly #q;

  constructor(file: string, kek: Buffer) {
    if (kek.length !== KEY_BYTES) throw new Error('the key-encryption key must be 32 bytes');
    this.#kek = kek;
    this.#db = openPrivateDb(file);
    this.#db.exec(SCHEMA);
    const db = this.#db;
    this.#q = {
      putNote: db.prepare('INSERT INTO repair_notes (request, kind, hash, nonce, sealed, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      notes: db.prepare('SELECT request, kind, hash, nonce, sealed, user_id, created_at FROM repair_notes WHERE request = ? ORDER BY created_at, kind'),
      delNote: db.prepare('DELETE FROM repair_notes WHERE request = ? AND kind = ? AND hash = ?'),
      ofUser: db.prepare("SELECT request FROM repair_notes WHERE user_id = ? AND kind = 'description' ORDER BY created_at DESC LIMIT ?").pluck(),
      unfinished: db.prepare("SELECT request FROM repair_notes WHERE kind = 'description' AND request NOT IN (SELECT request FROM repair_finished) LIMIT ?").pluck(),
      finish: db.prepare('INSERT INTO repair_finished (request) VALUES (?) ON CONFLICT DO NOTHING'),
      putPhoto: db.prepare('INSERT INTO repair_photos (hash, uploader, type, bytes, nonce, sealed, uploaded_at, request) VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (hash, uploader) DO NOTHING'),
      photoOf: db.prepare('SELECT uploader, type, nonce, sealed FROM repair_photos WHERE hash = ? AND uploader = ?'),
      anyPhoto: db.prepare('SELECT uploader, type, nonce, sealed FROM repair_photos WHERE hash = ? LIMIT 1'),
      pending: db.prepare('SELECT COUNT(*) FROM repair_photos WHERE uploader = ? AND request IS NULL').pluck(),
      attach: db.prepare('UPDATE repair_photos SET request = ? WHERE hash = ? AND uploader = ? AND request IS NULL'),
      detach: db.prepare('UPDATE repair_photos SET request = NULL WHERE request = ? AND hash = ? AND uploader = ?'),
      prune: db.prepare('DELETE FROM repair_photos WHERE request IS NULL AND uploaded_at < ?'),
      putCard: db.prepare('INSERT INTO staff_cards (username, nonce, sealed, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET nonce = excluded.nonce, sealed = excluded.sealed, updated_at = excluded.updated_at'),
      card: db.prepare('SELECT nonce, sealed FROM staff_cards WHERE username = ?'),
      putCardPhoto: db.prepare('INSERT INTO staff_card_photos (username, hash, type, nonce, sealed) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET hash = excluded.hash, type = excluded.type, nonce = excluded.nonce, sealed = excluded.sealed'),
      cardPhoto: db.prepare('SELECT hash, type, nonce, sealed FROM staff_card_photos WHERE username = ?'),
      delCardPhoto: db.prepare('DELETE FROM staff_card_photos WHERE username = ?'),
      delPending: db.prepare('DELETE FROM repair_photos WHERE hash = ? AND uploader = ? AND request IS NULL'),
    };
  }

  /** Seals and stores a text of a request under `salt` (newSalt()); returns its hash, as the ledger records it. */
  putNote(n: { request: string; kind: NoteKind; text: string; salt: string; unit?: string | undefined; userId: string; at: number }): string {
    const { salt } = n;
    const hash = noteHash(salt, n.text);
    const body = { text: n.text, salt, ...(n.unit === undefined ? {} : { unit: n.unit }) };
    const s = seal(this.#kek, Buffer.from(JSON.stringify(body), 'utf8'), noteAad(n.request, n.kind, hash));
    this.#q.putNote.run(n.request, n.kind, hash, s.nonce, s.sealed, n.userId, n.at);
    return hash;
  }

  deleteNote(request: string, kind: NoteKind, hash: string): void {
    this.#q.delNote.run(request, kind, hash);
  }

  /** The texts of a request held here, oldest first ([] if none: another organisation's request, or none written). */
  notes(request: string): Note[] {
    return (this.#q.notes.all(request) as NoteRow[]).map((r) => {
      const body = JSON.parse(unseal(this.#kek, r.nonce, r.sealed, noteAad(r.request, r.kind, r.hash)).toString('utf8')) as { text: string; salt: string; unit?: string };
      return { request: r.request, kind: r.kind, hash: r.hash, salt: body.salt, text: body.text, ...(body.unit === undefined ? {} : { unit: body.unit }), userId: r.user_id, at: r.created_at };
    });
  }

  /**
   * This organisation's requests (those reported through this node: each has its description here) not yet known to
   * be finished — the open list of the board, the jobs and the SLA job, whatever other organisations write to the
   * shared per-building index.
   */
  unfinishedRequests(limit: number): string[] {
    return this.#q.unfinished.all(limit) as string[];
  }

  /** Marks a request as finished for good (confirmed or cancelled on the ledger). */
  markFinished(request: string): void {
    this.#q.finish.run(request);
  }

  /** Requests whose description this user wrote, newest first. */
  requestsOfUser(userId: string, limit = REPAIRS_MINE_MAX): string[] {
    return this.#q.ofUser.all(userId, limit) as string[];
  }

  /** Seals and stores an uploaded photo under its content hash (uploading the same bytes again is harmless). */
  putPhoto(uploader: string, bytes: Buffer, type: ImageType, at: number): string {
    const hash = sha256Hex(bytes);
    const s = seal(this.#kek, bytes, photoAad(hash, uploader));
    this.#q.putPhoto.run(hash, uploader, type, bytes.length, s.nonce, s.sealed, at);
    return hash;
  }

  uploadedBy(hash: string, uploader: string): boolean {
    return this.#q.photoOf.get(hash, uploader) !== undefined;
  }

  pendingUploads(uploader: string): number {
    return this.#q.pending.get(uploader) as number;
  }

  /** Marks the user's uploads as part of a request (they are then kept). */
  attach(request: string, hashes: readonly string[], uploader: string): void {
    this.#db.transaction(() => {
      for (const h of hashes) this.#q.attach.run(request, h, uploader);
    })();
  }

  /** Undoes `attach` (the transaction that named them was refused). */
  detach(request: string, hashes: readonly string[], uploader: string): void {
    for (const h of hashes) this.#q.detach.run(request, h, uploader);
  }

  /** A photo's bytes and type, if held here. */
  photo(hash: string): { type: ImageType; bytes: Buffer } | undefined {
    const r = this.#q.anyPhoto.get(hash) as { uploader: string; type: ImageType; nonce: Buffer; sealed: Buffer } | undefined;
    if (r === undefined) return undefined;
    return { type: r.type, bytes: unseal(this.#kek, r.nonce, r.sealed, photoAad(hash, r.uploader)) };
  }

  /** Deletes uploads never attached to a request within REPAIRS_UPLOAD_TTL_MS; returns how many. */
  prune(now: number): number {
    return this.#q.prune.run(now - REPAIRS_UPLOAD_TTL_MS).changes;
  }

  /**
   * Stores a worker's card, in one transaction with its photo: a card naming a photo other than the one held for it
   * takes a copy of `photoUploader`'s upload of that hash (the upload itself is then used up: deleted unless a request
   * holds it); a card naming none drops the held one. Throws if the new photo is not an upload of `photoUploader`.
   */
  setStaffCard(username: string, card: StaffCardInput, at: number, photoUploader?: string): void {
    const c = normalCard(card);
    this.#db.transaction(() => {
      if (c.photo === undefined) this.#q.delCardPhoto.run(username);
      else if (this.#cardPhotoRow(username)?.hash !== c.photo) {
        const up = photoUploader === undefined ? undefined : (this.#q.photoOf.get(c.photo, photoUploader) as { type: ImageType; nonce: Buffer; sealed: Buffer } | undefined);
        if (up === undefined) throw new Error(`photo ${c.photo} is not an upload of ${String(photoUploader)}`);
        const bytes = unseal(this.#kek, up.nonce, up.sealed, photoAad(c.photo, photoUploader!));
        const s = seal(this.#kek, bytes, cardPhotoAad(username, c.photo));
        this.#q.putCardPhoto.run(username, c.photo, up.type, s.nonce, s.sealed);
        this.#q.delPending.run(c.photo, photoUploader);
      }
      const s = seal(this.#kek, Buffer.from(JSON.stringify(c), 'utf8'), cardAad(username));
      this.#q.putCard.run(username, s.nonce, s.sealed, at);
    })();
  }

  /** The worker's card (DEFAULT_STAFF_CARD itself if none was set); a card stored before photos reads as sharing none. */
  staffCard(username: string): StaffCard {
    const r = this.#q.card.get(username) as { nonce: Buffer; sealed: Buffer } | undefined;
    if (r === undefined) return DEFAULT_STAFF_CARD;
    return normalCard(JSON.parse(unseal(this.#kek, r.nonce, r.sealed, cardAad(username)).toString('utf8')) as StaffCardInput);
  }

  #cardPhotoRow(username: string): { hash: string; type: ImageType; nonce: Buffer; sealed: Buffer } | undefined {
    return this.#q.cardPhoto.get(username) as { hash: string; type: ImageType; nonce: Buffer; sealed: Buffer } | undefined;
  }

  /** The photo held for the worker's card, if any. */
  staffCardPhoto(username: string): { hash: string; type: ImageType; bytes: Buffer } | undefined {
    const r = this.#cardPhotoRow(username);
    if (r === undefined) return undefined;
    return { hash: r.hash, type: r.type, bytes: unseal(this.#kek, r.nonce, r.sealed, cardPhotoAad(username, r.hash)) };
  }

  close(): void {
    this.#db.close();
  }
}
