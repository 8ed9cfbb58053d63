/**
 * Subjects filed under a standard address code (一标三实: the population, housing and units linked to an address). The
 * link is personal data, so it stays here, beside the vault, never on the ledger: a holder files a subject it holds
 * under an active code of the address register, and a read for a case finds the subjects at an address — each one
 * through the ordinary privacy read (decideAccess, an access record on the ledger per subject, allowed or denied), so
 * the address adds a way to find records, not a way around the rules. An erased subject's links are removed when the
 * address is next read or filed (the vault no longer has it). docs/spec/addresses.md#personal-data-at-an-address
 */
import type { FastifyPluginAsync } from 'fastify';
import type Database from 'better-sqlite3';
import { ADDRESS_CODE_CHARS_MAX, ADDRESS_CODE_PATTERN, MachiError, PURPOSES, addressRecord, readResultSchema, type ReadResultView } from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { errorRef, ref, type FromRoute } from '../../api/shared-schemas.js';
import type { MachiNode } from '../../node/node.js';
import { openPrivateDb } from '../../storage/private-db.js';
import type { PrivacyService } from './service.js';
import type { Vault } from './vault.js';

/** Subjects one address may have filed (a unit's household; a building's filings are its units'). */
export const ADDRESS_SUBJECTS_MAX = 20;

export class AddressFiling {
  readonly #db: Database.Database;
  readonly #q;

  constructor(file: string) {
    this.#db = openPrivateDb(file);
    this.#db.exec('CREATE TABLE IF NOT EXISTS vault_address_subjects (address TEXT NOT NULL, subject TEXT NOT NULL, PRIMARY KEY (address, subject)) WITHOUT ROWID');
    this.#q = {
      file: this.#db.prepare('INSERT OR IGNORE INTO vault_address_subjects (address, subject) VALUES (?, ?)'),
      unfile: this.#db.prepare('DELETE FROM vault_address_subjects WHERE address = ? AND subject = ?'),
      at: this.#db.prepare('SELECT subject FROM vault_address_subjects WHERE address = ? ORDER BY subject LIMIT ?').pluck(),
    };
  }

  file(address: string, subject: string): void {
    this.#q.file.run(address, subject);
  }

  /** The subjects filed under an address that the vault still holds (links of erased subjects are removed). */
  subjectsAt(address: string, vault: Vault): string[] {
    const all = this.#q.at.all(address, ADDRESS_SUBJECTS_MAX + 1) as string[];
    const held: string[] = [];
    for (const s of all) {
      if (vault.has(s)) held.push(s);
      else this.#q.unfile.run(address, s);
    }
    return held.slice(0, ADDRESS_SUBJECTS_MAX);
  }

  close(): void {
    this.#db.close();
  }
}

const addressCode = { type: 'string', pattern: ADDRESS_CODE_PATTERN, minLength: 1, maxLength: ADDRESS_CODE_CHARS_MAX } as const;
const fileParams = { type: 'object', properties: { subject: ref('SubjectId') }, required: ['subject'] } as const;
const fileBody = { type: 'object', additionalProperties: false, properties: { address: addressCode }, required: ['address'] } as const;
const atParams = { type: 'object', properties: { code: addressCode }, required: ['code'] } as const;
const atQuery = {
  type: 'object',
  required: ['purpose', 'fields', 'caseRef'],
  properties: { purpose: { type: 'string', enum: PURPOSES }, fields: { type: 'string', maxLength: 500 }, caseRef: { type: 'string', maxLength: 80 } },
} as const;
const filedSchema = { type: 'object', additionalProperties: false, properties: { subject: { type: 'string' }, address: { type: 'string' }, filed: { type: 'integer' } }, required: ['subject', 'address', 'filed'] } as const;
const atSchema = { type: 'object', additionalProperties: false, properties: { address: { type: 'string' }, results: { type: 'array', items: readResultSchema } }, required: ['address', 'results'] } as const;

export interface AddressFilingRouteOptions {
  node: MachiNode;
  service: PrivacyService;
  vault: Vault;
  filing: AddressFiling;
}

export const addressFilingRoutes: FastifyPluginAsync<AddressFilingRouteOptions> = async (app, { node, service, vault, filing }) => {
  const read = (k: string): string | undefined => node.store.read(k);
  const activeAddress = (code: string): void => {
    const a = addressRecord(read, code);
    if (a === undefined || a.status !== 'active') throw new MachiError('ADDRESS_NOT_FOUND', `no active address ${code} in the register`);
  };

  /** A holder files a subject it holds under an address code (kept here, not on the ledger). */
  app.put<{ Params: FromRoute<typeof fileParams>; Body: FromRoute<typeof fileBody> }>('/v1/subjects/:subject/address', {
    config: { access: 'subjects.register' },
    schema: { params: fileParams, body: fileBody, response: { 200: filedSchema, '4xx': errorRef } },
  }, async (req) => {
    if (!vault.has(req.params.subject)) throw new MachiError('SUBJECT_NOT_FOUND', `subject ${req.params.subject} is not held by ${node.self.id}`);
    activeAddress(req.body.address);
    const already = filing.subjectsAt(req.body.address, vault);
    if (!already.includes(req.params.subject) && already.length >= ADDRESS_SUBJECTS_MAX) throw new MachiError('REQUEST_INVALID', `address ${req.body.address} already has ${ADDRESS_SUBJECTS_MAX} subjects filed`);
    filing.file(req.body.address, req.params.subject);
    return { subject: req.params.subject, address: req.body.address, filed: filing.subjectsAt(req.body.address, vault).length };
  });

  /**
   * A read for a case of the subjects filed at an address held here: each subject read as `GET /v1/subjects/:subject`
   * reads it (decided, recorded on the ledger); denied ones are listed with their reason and no fields.
   */
  app.get<{ Params: FromRoute<typeof atParams>; Querystring: FromRoute<typeof atQuery> }>('/v1/subjects/by-address/:code', {
    config: { access: 'subjects.read' },
    schema: { params: atParams, querystring: atQuery, response: { 200: atSchema, '4xx': errorRef } },
  }, async (req) => {
    const p = principalOf(req);
    if (addressRecord(read, req.params.code) === undefined) throw new MachiError('ADDRESS_NOT_FOUND', `no address ${req.params.code} in the register`);
    const fields = req.query.fields.split(',').map((f) => f.trim()).filter(Boolean);
    const results: ReadResultView[] = [];
    for (const subject of filing.subjectsAt(req.params.code, vault)) {
      const r = await service.read(p, { subject, purpose: req.query.purpose, fields, caseRef: req.query.caseRef });
      results.push({
        subject, decision: r.decision.decision, reason: r.decision.reason, access: r.access, txHash: r.txHash, height: r.height,
        ...(r.fields === undefined ? {} : { fields: r.fields }), ...(r.commitment === undefined ? {} : { commitment: r.commitment }), ...(r.opening === undefined ? {} : { opening: r.opening }),
      });
    }
    return { address: req.params.code, results };
  });
};
