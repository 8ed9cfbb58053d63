/**
 * What the funds module keeps off the ledger, in DIR/private.db: the community's link between a person (subject id,
 * held in the privacy vault) and their funds pseudonym, the masked name its notices show, the published notice lists
 * (whose hash is on the ledger) and the texts of objections and findings, sealed under the organisation's key.
 * Never a full name, an ID number, a phone number or an account number.
 */
import type Database from 'better-sqlite3';
import { MetaTable, openPrivateDb, sealPacked, unsealPacked } from '../../storage/private-db.js';

/** One line of a public notice: surname and masked given name, building, category, amount. */
export type NoticeLine = { name: string; building: string; category: string; amountFen: number };

/** Longest objection or finding text, characters. */
export const FUNDS_TEXT_CHARS_MAX = 2000;

export class FundsStore {
  readonly #db: Database.Database;
  readonly #kek: Buffer;
  readonly #q;
  readonly meta: MetaTable;

  constructor(file: string, kek: Buffer) {
    this.#db = openPrivateDb(file);
    this.#kek = kek;
    this.#db.exec(`CREATE TABLE IF NOT EXISTS funds_people (
      pseudonym TEXT PRIMARY KEY, subject TEXT NOT NULL, masked TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS funds_people_subject ON funds_people (subject);
    CREATE TABLE IF NOT EXISTS funds_notices (notice TEXT PRIMARY KEY, programme TEXT NOT NULL, lines TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS funds_texts (hash TEXT PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;`);
    this.meta = new MetaTable(this.#db, 'funds_meta');
    this.#q = {
      putPerson: this.#db.prepare('INSERT INTO funds_people (pseudonym, subject, masked) VALUES (?, ?, ?) ON CONFLICT(pseudonym) DO UPDATE SET masked = excluded.masked'),
      person: this.#db.prepare('SELECT subject, masked FROM funds_people WHERE pseudonym = ?'),
      deletePerson: this.#db.prepare('DELETE FROM funds_people WHERE pseudonym = ?'),
      deleteText: this.#db.prepare('DELETE FROM funds_texts WHERE hash = ?'),
      putNotice: this.#db.prepare('INSERT INTO funds_notices (notice, programme, lines) VALUES (?, ?, ?)'),
      notice: this.#db.prepare('SELECT lines FROM funds_notices WHERE notice = ?').pluck(),
      deleteNotice: this.#db.prepare('DELETE FROM funds_notices WHERE notice = ?'),
      putText: this.#db.prepare('INSERT OR IGNORE INTO funds_texts (hash, sealed) VALUES (?, ?)'),
      text: this.#db.prepare('SELECT sealed FROM funds_texts WHERE hash = ?').pluck(),
    };
  }

  /** Links a pseudonym to its subject with the masked name; returns the undo (the previous row back, or none). */
  putPerson(pseudonym: string, subject: string, masked: string): () => void {
    const before = this.person(pseudonym);
    this.#q.putPerson.run(pseudonym, subject, masked);
    return () => {
      if (before === undefined) this.#q.deletePerson.run(pseudonym);
      else this.#q.putPerson.run(pseudonym, before.subject, before.masked);
    };
  }

  person(pseudonym: string): { subject: string; masked: string } | undefined {
    return this.#q.person.get(pseudonym) as { subject: string; masked: string } | undefined;
  }

  putNotice(notice: string, programme: string, lines: readonly NoticeLine[]): () => void {
    this.#q.putNotice.run(notice, programme, JSON.stringify(lines));
    return () => this.#q.deleteNotice.run(notice);
  }

  noticeLines(notice: string): NoticeLine[] | undefined {
    const t = this.#q.notice.get(notice) as string | undefined;
    return t === undefined ? undefined : (JSON.parse(t) as NoticeLine[]);
  }

  /** Keeps a text under its hash; returns the undo (removes it if it was not kept before). */
  putText(hash: string, text: string): () => void {
    const added = this.#q.putText.run(hash, sealPacked(this.#kek, Buffer.from(text, 'utf8'), `funds-text:${hash}`)).changes > 0;
    return () => {
      if (added) this.#q.deleteText.run(hash);
    };
  }

  text(hash: string): string | undefined {
    const sealed = this.#q.text.get(hash) as Buffer | undefined;
    return sealed === undefined ? undefined : unsealPacked(this.#kek, sealed, `funds-text:${hash}`).toString('utf8');
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * A name as a public notice shows it: the surname and the given name masked (张三丰 → 张**; "Zhang San" → "Zhang *").
 * Compound surnames are not recognised (欧阳修 → 欧**): the notice shows less, never more.
 */
export function maskName(full: string): string {
  const name = full.trim();
  const space = name.indexOf(' ');
  if (space > 0) return `${name.slice(0, space)} ${'*'.repeat(Math.max(1, [...name.slice(space + 1).replace(/\s/g, '')].length))}`;
  const chars = [...name];
  return `${chars[0] ?? ''}${'*'.repeat(Math.max(1, chars.length - 1))}`;
}
