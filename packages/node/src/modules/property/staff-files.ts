/**
 * Property staff files (docs/spec/property.md#staff-files): name, role, licences (kind, number, expiry) and training —
 * personal data, kept in this node's private store (DIR/private.db), each file sealed with AES-256-GCM under the
 * organisation's key-encryption key. The ledger gets only what is public and non-identifying: each licence's kind and
 * expiry under the staff member's pseudonym (`property.licence`), so that an owner can check that a licence was valid
 * when a job was done. A licence expiring within 30 days raises an alert on the staff desk.
 */
import type Database from 'better-sqlite3';
import { LICENCE_KINDS, MachiError, type LicenceKind } from '@machi/core';
import { openPrivateDb, sealPacked, unsealPacked } from '../../storage/private-db.js';

/** A licence expiring within this is flagged on the desk. */
export const LICENCE_ALERT_MS = 30 * 86_400_000;
/** Characters of a name, role, licence number or course. */
export const STAFF_TEXT_CHARS_MAX = 80;
/** Licences and training records per file. */
export const STAFF_FILE_ITEMS_MAX = 50;

export interface StaffLicence {
  licence: string;
  kind: LicenceKind;
  number: string;
  expiresAt: number;
  txHash: string;
}
export interface StaffFile {
  id: string;
  name: string;
  role: string;
  /** the maintenance-worker account (user name) this member works as: their licences cover the jobs it is assigned */
  worker?: string;
  licences: StaffLicence[];
  training: { course: string; completedAt: number }[];
  createdAt: number;
}
export interface LicenceAlert {
  staff: string;
  name: string;
  licence: string;
  kind: LicenceKind;
  expiresAt: number;
  expired: boolean;
}

export class StaffFiles {
  readonly #db: Database.Database;
  readonly #kek: Buffer;
  readonly #q;

  constructor(file: string, kek: Buffer) {
    this.#db = openPrivateDb(file);
    this.#kek = kek;
    this.#db.exec('CREATE TABLE IF NOT EXISTS property_staff_files (id TEXT PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID');
    this.#q = {
      put: this.#db.prepare('INSERT INTO property_staff_files (id, sealed) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed'),
      get: this.#db.prepare('SELECT sealed FROM property_staff_files WHERE id = ?').pluck(),
      all: this.#db.prepare('SELECT id, sealed FROM property_staff_files ORDER BY id'),
    };
  }

  #open(id: string, sealed: Buffer): StaffFile {
    return JSON.parse(unsealPacked(this.#kek, sealed, `property-staff/${id}`).toString('utf8')) as StaffFile;
  }

  put(f: StaffFile): void {
    if (f.licences.length > STAFF_FILE_ITEMS_MAX || f.training.length > STAFF_FILE_ITEMS_MAX) throw new MachiError('PROPERTY_INVALID', `a staff file holds at most ${STAFF_FILE_ITEMS_MAX} licences and training records`);
    this.#q.put.run(f.id, sealPacked(this.#kek, Buffer.from(JSON.stringify(f), 'utf8'), `property-staff/${f.id}`));
  }

  get(id: string): StaffFile | undefined {
    const sealed = this.#q.get.get(id) as Buffer | undefined;
    return sealed === undefined ? undefined : this.#open(id, sealed);
  }

  all(): StaffFile[] {
    return (this.#q.all.all() as { id: string; sealed: Buffer }[]).map((r) => this.#open(r.id, r.sealed));
  }

  /** Licences expired or expiring within 30 days of `now`, soonest first. */
  alerts(now: number): LicenceAlert[] {
    return this.all().flatMap((f) => f.licences.filter((l) => l.expiresAt - now <= LICENCE_ALERT_MS)
      .map((l) => ({ staff: f.id, name: f.name, licence: l.licence, kind: l.kind, expiresAt: l.expiresAt, expired: l.expiresAt <= now })))
      .sort((a, b) => a.expiresAt - b.expiresAt);
  }

  close(): void {
    this.#db.close();
  }
}

export const isLicenceKind = (k: unknown): k is LicenceKind => (LICENCE_KINDS as readonly unknown[]).includes(k);
