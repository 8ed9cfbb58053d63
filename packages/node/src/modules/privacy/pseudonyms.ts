/**
 * Per-context pseudonyms: how the ledger names a person on chains with `ledger.context-pseudonyms`
 * (docs/spec/privacy.md#how-the-linkages-are-closed). The organisation holding a subject derives
 *
 *   pseudonym = "psn_" ‖ hex(HMAC-SHA-256(K, context ‖ "\n" ‖ subject))     K = HKDF(node secret, CONTEXT_PSEUDONYM_KEY_INFO)
 *
 * per context (one module's record kind plus what it is for: an access record's org, role, purpose and case; a desk
 * session), so that no outsider can join a person's records across contexts, and keeps the mapping here (DIR/private.db)
 * to answer "who used my data" (an erasure keeps it: it links ledger records to a subject id whose data is gone, so that
 * a use refused as `erased` is still named as the holder derives it). Another organisation recording a read of the subject asks the holder for the
 * pseudonym over the peer link (peer-reads.ts) and keeps the answer, so it too can list the reads it recorded.
 */
import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PSEUDONYM_PATTERN, assert } from '@machi/core';
import { openPrivateDb } from '../../storage/private-db.js';
import { CONTEXT_PSEUDONYM_KEY_INFO, domainKeyOf } from '../../auth/secret.js';

/** Most pseudonyms listed for one subject (its access contexts and desk sessions). */
export const PSEUDONYMS_PER_SUBJECT_MAX = 10_000;

/**
 * The context of an access record: the reading organisation, its role, the purpose and the case (or "-"). One person
 * read by the same organisation and role for the same purpose and case has one pseudonym there, so the anomaly
 * counters still see them as one; for another case or purpose they are another.
 */
export const accessContext = (a: { org: string; role: string; purpose: string; caseRef?: string | undefined }): string =>
  `privacy.access/${a.org}/${a.role}/${a.purpose}/${a.caseRef ?? '-'}`;

/** The context of a resident's consent at a desk session: that session only. */
export const consentContext = (session: string): string => `identity.consent/${session}`;

const pseudonymRe = new RegExp(PSEUDONYM_PATTERN);
export const isPseudonym = (s: string): boolean => pseudonymRe.test(s);

export class Pseudonyms {
  readonly #db: Database.Database;
  readonly #key: Uint8Array;
  readonly #q;

  constructor(file: string, secret: Uint8Array) {
    this.#db = openPrivateDb(file);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS ledger_pseudonyms (
      pseudonym TEXT PRIMARY KEY, subject TEXT NOT NULL, context TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ledger_pseudonyms_subject ON ledger_pseudonyms (subject);`);
    this.#key = domainKeyOf(secret, CONTEXT_PSEUDONYM_KEY_INFO);
    this.#q = {
      put: this.#db.prepare('INSERT OR IGNORE INTO ledger_pseudonyms (pseudonym, subject, context) VALUES (?, ?, ?)'),
      subjectOf: this.#db.prepare('SELECT subject, context FROM ledger_pseudonyms WHERE pseudonym = ?'),
      of: this.#db.prepare('SELECT pseudonym, context FROM ledger_pseudonyms WHERE subject = ? ORDER BY context LIMIT ?'),
      find: this.#db.prepare('SELECT pseudonym FROM ledger_pseudonyms WHERE subject = ? AND context = ?'),
    };
  }

  /** The holder's pseudonym of `subject` in `context` (not remembered: for checking one). */
  compute(context: string, subject: string): string {
    return `psn_${createHmac('sha256', this.#key).update(`${context}\n${subject}`, 'utf8').digest('hex')}`;
  }

  /** The holder's pseudonym of `subject` in `context`, remembered. */
  derive(context: string, subject: string): string {
    const pseudonym = this.compute(context, subject);
    this.#q.put.run(pseudonym, subject, context);
    return pseudonym;
  }

  /** A pseudonym the holder gave for a subject this node recorded a read of. */
  remember(pseudonym: string, subject: string, context: string): void {
    assert(isPseudonym(pseudonym), 'a pseudonym is psn_ and 64 hex');
    this.#q.put.run(pseudonym, subject, context);
  }

  /** The pseudonym of `subject` in `context`, if this node derived or was given it before. */
  find(subject: string, context: string): string | undefined {
    return (this.#q.find.get(subject, context) as { pseudonym: string } | undefined)?.pseudonym;
  }

  subjectOf(pseudonym: string): { subject: string; context: string } | undefined {
    return this.#q.subjectOf.get(pseudonym) as { subject: string; context: string } | undefined;
  }

  /** Every pseudonym of `subject` known here, with its context. */
  of(subject: string): { pseudonym: string; context: string }[] {
    return this.#q.of.all(subject, PSEUDONYMS_PER_SUBJECT_MAX) as { pseudonym: string; context: string }[];
  }

  close(): void {
    this.#db.close();
  }
}
