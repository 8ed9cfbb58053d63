/**
 * The provenance module's private tables in private.db: files kept on request and the labels of preserved records
 * and the names behind works' pseudonyms (sealed with the organisation's key, the row's identity as additional data),
 * scan counts per serial and place, and the alerts copied codes raise.
 */
import type Database from 'better-sqlite3';
import { MetaTable, openPrivateDb, sealPacked, unsealPacked } from '../../storage/private-db.js';

/** A kept file's size limit, bytes. */
export const PRESERVED_FILE_BYTES_MAX = 20 * 1024 * 1024;
export const PRESERVED_LABEL_CHARS_MAX = 200;
/** Places counted per serial (beyond, scans count in the total only). */
export const SCAN_PLACES_PER_SERIAL_MAX = 50;
export const SCAN_ALERTS_MAX = 10_000;

export interface ScanCount { total: number; places: number }

export class ProvenanceStore {
  readonly db: Database.Database;
  readonly meta: MetaTable;

  constructor(file: string, private readonly kek: Buffer) {
    this.db = openPrivateDb(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS provenance_files (record TEXT PRIMARY KEY, sealed BLOB NOT NULL, bytes INTEGER NOT NULL, media TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS provenance_notes (id TEXT PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS provenance_scans (gtin TEXT NOT NULL, serial TEXT NOT NULL, place TEXT NOT NULL, count INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (gtin, serial, place)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS provenance_alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, gtin TEXT NOT NULL, serial TEXT NOT NULL, kind TEXT NOT NULL, place TEXT NOT NULL, at INTEGER NOT NULL, scans INTEGER NOT NULL);
    `);
    this.meta = new MetaTable(this.db, 'provenance_meta');
  }

  putFile(record: string, bytes: Buffer, media: string): void {
    this.db.prepare('INSERT OR REPLACE INTO provenance_files (record, sealed, bytes, media) VALUES (?, ?, ?, ?)').run(record, sealPacked(this.kek, bytes, `provenance/file/${record}`), bytes.length, media);
  }

  getFile(record: string): { bytes: Buffer; media: string } | undefined {
    const row = this.db.prepare('SELECT sealed, media FROM provenance_files WHERE record = ?').get(record) as { sealed: Buffer; media: string } | undefined;
    return row === undefined ? undefined : { bytes: unsealPacked(this.kek, row.sealed, `provenance/file/${record}`), media: row.media };
  }

  hasFile(record: string): boolean {
    return this.db.prepare('SELECT 1 FROM provenance_files WHERE record = ?').get(record) !== undefined;
  }

  /** A private note (a record's label and who made it; a work's author names), JSON, sealed. */
  putNote(id: string, value: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO provenance_notes (id, sealed) VALUES (?, ?)').run(id, sealPacked(this.kek, Buffer.from(JSON.stringify(value)), `provenance/note/${id}`));
  }

  getNote<T>(id: string): T | undefined {
    const row = this.db.prepare('SELECT sealed FROM provenance_notes WHERE id = ?').get(id) as { sealed: Buffer } | undefined;
    return row === undefined ? undefined : (JSON.parse(unsealPacked(this.kek, row.sealed, `provenance/note/${id}`).toString('utf8')) as T);
  }

  /** Counts a scan of a serial at a place ('' = not said); returns the counts after it. */
  countScan(gtin: string, serial: string, place: string, at: number): ScanCount {
    const tx = this.db.transaction(() => {
      const known = this.db.prepare('SELECT count(*) AS n FROM provenance_scans WHERE gtin = ? AND serial = ?').get(gtin, serial) as { n: number };
      const exists = this.db.prepare('SELECT 1 FROM provenance_scans WHERE gtin = ? AND serial = ? AND place = ?').get(gtin, serial, place) !== undefined;
      const where = exists || known.n < SCAN_PLACES_PER_SERIAL_MAX ? place : '';
      this.db.prepare('INSERT INTO provenance_scans (gtin, serial, place, count, last) VALUES (?, ?, ?, 1, ?) ON CONFLICT(gtin, serial, place) DO UPDATE SET count = count + 1, last = excluded.last').run(gtin, serial, where, at);
      return this.scans(gtin, serial);
    });
    return tx();
  }

  scans(gtin: string, serial: string): ScanCount {
    const r = this.db.prepare("SELECT coalesce(sum(count), 0) AS total, count(CASE WHEN place <> '' THEN 1 END) AS places FROM provenance_scans WHERE gtin = ? AND serial = ?").get(gtin, serial) as { total: number; places: number };
    return { total: r.total, places: r.places };
  }

  addAlert(a: { gtin: string; serial: string; kind: string; place: string; at: number; scans: number }): void {
    this.db.prepare('INSERT INTO provenance_alerts (gtin, serial, kind, place, at, scans) VALUES (?, ?, ?, ?, ?, ?)').run(a.gtin, a.serial, a.kind, a.place, a.at, a.scans);
    this.db.prepare('DELETE FROM provenance_alerts WHERE id <= (SELECT max(id) FROM provenance_alerts) - ?').run(SCAN_ALERTS_MAX);
  }

  alerts(limit: number): { id: number; gtin: string; serial: string; kind: string; place: string; at: number; scans: number }[] {
    return this.db.prepare('SELECT id, gtin, serial, kind, place, at, scans FROM provenance_alerts ORDER BY id DESC LIMIT ?').all(limit) as never;
  }

  close(): void {
    this.db.close();
  }
}
