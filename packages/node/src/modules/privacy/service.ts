/**
 * Reading, registering, granting and erasing personal data for this node's signed-in users. Every decision is the
 * core's pure `decideAccess` over ledger state; every read — allowed or denied — is first recorded on the ledger
 * (`privacy.access`), and data is released only after that record is committed. Data held by another organisation is
 * fetched from its node over the encrypted peer link (peer-reads.ts); the holder releases it only against a committed
 * access record that allows exactly those fields to the asking organisation. docs/spec/privacy.md
 */
import {
  FIELDS,
  MachiError,
  checkGrantPayload,
  classesOfFields,
  decideAccess,
  resolveCase,
  grantRecord,
  grantsForSubject,
  isField,
  knownFields,
  ruleHolds,
  subjectRecord,
  RULE_LEDGER_CONTEXT_PSEUDONYMS,
  type Role,
  type AccessDecision,
  type DataClass,
  type FieldOpening,
  type GrantPayload,
  type Purpose,
  type CaseInfo,
  type Signer,
} from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import type { AccountStore } from '../../auth/accounts.js';
import type { LedgerActors, Principal } from '../../auth/principal.js';
import { PeerReads, releaseHeld, type PrivatePeers, type PseudonymResolver } from './peer-reads.js';
import { accessContext, type Pseudonyms } from './pseudonyms.js';
import { CaseSubjects } from './case-subjects.js';
import type { Fields, Vault } from './vault.js';
import { hex32 } from '../../ids.js';

export { ACCESS_RECORD_AGE_MS_MAX, PRIVATE_READ_BLOCKS_AHEAD_MAX, PRIVATE_READ_MS_MAX, PRIVATE_READ_WAITING_MAX, type PrivatePeers } from './peer-reads.js';


export interface ReadRequest {
  subject: string;
  purpose: Purpose;
  fields: string[];
  caseRef?: string;
}

export interface ReadResult {
  decision: AccessDecision;
  access: string;
  txHash: string;
  height: number;
  fields?: Fields;
  /** to check the fields against the subject's commitment on the ledger (checkFieldCommitment) */
  opening?: FieldOpening;
  commitment?: string;
}

export class PrivacyService {
  readonly #peerReads: PeerReads;
  /** whom each case is about, as the modules that own cases tell it (repairs: the reporter) */
  readonly cases = new CaseSubjects();

  constructor(
    private readonly node: MachiNode,
    private readonly vault: Vault,
    private readonly submitter: OrgSubmitter,
    peers: PrivatePeers | null,
    log: (line: string) => void = () => {},
    /** resident accounts a registration may link (absent: no linking) */
    private readonly accounts: Pick<AccountStore, 'getUser'> | undefined,
    /** the holder's per-context pseudonyms, and those other holders gave this node */
    readonly pseudonyms: Pseudonyms,
    /** the actors users appear as in this module's transactions */
    readonly actors: LedgerActors,
    /** member organisations this node hosts (DIR/hosted): it asks other holders for them, signing with their keys */
    hosted: ReadonlyMap<string, Signer> = new Map(),
  ) {
    this.#peerReads = new PeerReads(node, vault, peers, log, this.cases, pseudonyms, hosted);
  }

  /** Whether the next block names people by per-context pseudonyms (the chain's rule, foundation/rules.ts). */
  get pseudonymous(): boolean {
    return ruleHolds(this.node.genesis.rules, RULE_LEDGER_CONTEXT_PSEUDONYMS, this.node.head.height + 1);
  }

  /**
   * How an access record names `subject` (held by `holder`): its id on older chains; else the holder's pseudonym for
   * the record's context — derived here if this node holds the subject, else asked of the holder over the peer link
   * by `a.org` (this node's organisation or a member it hosts).
   */
  async accessName(subject: string, holder: string, a: { org: string; role: Role; purpose: string; caseRef?: string | undefined }): Promise<string> {
    if (!this.pseudonymous) return subject;
    const context = accessContext(a);
    if (holder === this.node.self.id) return this.pseudonyms.derive(context, subject);
    // given once by the holder, kept: the holder need not be reachable to record another read in the same context
    return this.pseudonyms.find(subject, context) ?? this.#peerReads.pseudonym(holder, subject, context, a.org);
  }

  /**
   * The subject behind a pseudonym: known here (derived or given), else asked of its holder, who may refuse. `asOrg`:
   * the organisation asking — this node's (the default) or a member it hosts.
   */
  async subjectOfPseudonym(pseudonym: string, holder: string, asOrg?: string): Promise<string> {
    const known = this.pseudonyms.subjectOf(pseudonym)?.subject;
    if (known !== undefined) return known;
    if (holder === this.node.self.id) throw new MachiError('SUBJECT_NOT_FOUND', 'this node does not know that pseudonym');
    return this.#peerReads.subjectOf(holder, pseudonym, asOrg);
  }

  /** Lets another organisation learn the subject behind this holder's pseudonyms of contexts starting with `prefix`. */
  registerResolver(prefix: string, may: PseudonymResolver): void {
    this.#peerReads.registerResolver(prefix, may);
  }

  /** Every name the ledger may give `subject` in records this node can find: its id, and the pseudonyms known here. */
  ledgerNames(subject: string, contextPrefix: string): string[] {
    return [subject, ...this.pseudonyms.of(subject).filter((x) => x.context.startsWith(contextPrefix)).map((x) => x.pseudonym)];
  }

  #read = (key: string): string | undefined => this.node.store.read(key);

  /** The case a reference names, with whom it is about where this node knows it. */
  caseOf(caseRef: string): CaseInfo | undefined {
    return this.cases.caseOf(this.#read, caseRef);
  }
  #scan = (prefix: string, limit: number): [string, string][] => this.node.store.scan(prefix, limit);

  async #commit(type: string, payload: Record<string, unknown>, submitter: OrgSubmitter = this.submitter): Promise<{ txHash: string; height: number }> {
    const r = await submitter.submit(type, payload);
    if (r.code !== undefined) throw new MachiError('HANDLER_REJECTED', r.message);
    return { txHash: r.hash, height: r.height! };
  }

  /** Registers a person held by this organisation: encrypted here, a commitment on the ledger. */
  async register(caller: Principal, fields: Fields, linkUser?: string): Promise<{ subject: string; commitment: string; classes: DataClass[]; txHash: string; height: number }> {
    const p = this.actors.in(caller);
    const names = Object.keys(fields);
    if (names.length === 0 || !names.every(isField)) throw new MachiError('REQUEST_INVALID', `fields must be among ${Object.keys(FIELDS).join(', ')}`);
    // the account linked to the record reads it as its own: only a resident of this organisation not linked yet
    if (linkUser !== undefined) {
      const u = this.accounts?.getUser(linkUser);
      if (u === undefined || u.org !== p.org || u.role !== 'resident') throw new MachiError('REQUEST_INVALID', 'linkUser must be a resident account of this organisation');
      if (this.vault.subjectOfUser(linkUser) !== undefined) throw new MachiError('REQUEST_INVALID', 'this resident account is already linked to a record');
    }
    const subject = `sub_${hex32()}`;
    const classes = classesOfFields(names);
    const commitment = this.vault.put(subject, fields, this.node.clock());
    try {
      const tx = await this.#commit('privacy.subject_register', { subject, commitment, classes, actor: p.actor });
      if (linkUser !== undefined) this.vault.linkResident(linkUser, subject);
      return { subject, commitment, classes, ...tx };
    } catch (e) {
      // Nothing half-written: refused → no ledger record, so no stored data either. A timeout may still commit, so
      // the data is kept (an erasure removes it if the registration is abandoned).
      if (!(e instanceof MachiError && e.code === 'COMMIT_TIMEOUT')) this.vault.erase(subject);
      throw e;
    }
  }

  /**
   * Decides, records the access on the ledger, then (if allowed) returns the fields from whoever holds them.
   * `submitter`: the caller's organisation's, where this node hosts it (a member without its own node, such as the
   * housing bureau): the access record must be signed by the reading organisation.
   */
  async read(caller: Principal, req: ReadRequest, ownSubject?: string, submitter?: OrgSubmitter): Promise<ReadResult> {
    const p = this.actors.in(caller);
    const record = subjectRecord(this.#read, req.subject);
    if (record === undefined) throw new MachiError('SUBJECT_NOT_FOUND', `no subject ${req.subject}`);
    const at = this.node.clock();
    const grants = grantsForSubject(this.#read, this.#scan, req.subject, p.org);
    const named = req.caseRef === undefined ? undefined : this.caseOf(req.caseRef);
    const decision = decideAccess(record, grants, {
      subject: req.subject, org: p.org, role: p.role, purpose: req.purpose, fields: req.fields, at, actor: p.actor,
      ...(req.caseRef === undefined ? {} : { caseRef: req.caseRef, case: named }),
      ...(ownSubject === undefined ? {} : { ownSubject }),
    });
    const access = `acc_${hex32()}`;
    // a case reference goes on the ledger only when it names a real record: never free text riding along
    const caseRef = req.caseRef !== undefined && named !== undefined ? req.caseRef : undefined;
    const name = await this.accessName(req.subject, record.holder, { org: p.org, role: p.role, purpose: req.purpose, caseRef });
    const payload: Record<string, unknown> = {
      access, subject: name, org: p.org, role: p.role, purpose: req.purpose,
      fields: knownFields(req.fields), decision: decision.decision, reason: decision.reason, actor: p.actor, at,
    };
    if (decision.decision === 'allowed' && decision.reason === 'grant') payload.grant = decision.grant;
    if (caseRef !== undefined) payload.caseRef = caseRef;
    const tx = await this.#commit('privacy.access', payload, submitter);
    const result: ReadResult = { decision, access, ...tx };
    if (decision.decision === 'denied') return result;
    const released = record.holder === this.node.self.id ? releaseHeld(this.node, this.vault, req.subject, req.fields) : await this.#peerReads.fetch(record.holder, access, req.subject, tx.height, name === req.subject ? undefined : name, p.org);
    if (released === undefined) throw new MachiError('SUBJECT_NOT_FOUND', `the data of ${req.subject} is no longer held (erased)`);
    return { ...result, fields: released.fields, opening: released.opening, commitment: record.commitment };
  }

  async grant(caller: Principal, body: Omit<GrantPayload, 'grant' | 'actor'>): Promise<{ grant: string; txHash: string; height: number }> {
    const p = this.actors.in(caller);
    const payload = { ...body, grant: `gr_${hex32()}`, actor: p.actor } as GrantPayload;
    const why = checkGrantPayload(payload, this.node.genesis.orgs.map((o) => o.id));
    if (why !== null) throw new MachiError('GRANT_INVALID', why);
    const tx = await this.#commit('privacy.grant', payload as unknown as Record<string, unknown>);
    return { grant: payload.grant, ...tx };
  }

  async revoke(caller: Principal, grant: string): Promise<{ txHash: string; height: number }> {
    const p = this.actors.in(caller);
    const g = grantRecord(this.#read, grant);
    if (g === undefined) throw new MachiError('NOT_FOUND', `no grant ${grant}`);
    if (g.org !== p.org) throw new MachiError('ACCESS_DENIED', 'only the organisation that granted it may revoke a grant');
    return this.#commit('privacy.revoke', { grant, actor: p.actor });
  }

  /** Crypto-shredding: the erasure is recorded, then the subject's key and ciphertext are destroyed. */
  async erase(caller: Principal, subject: string): Promise<{ txHash: string; height: number }> {
    const p = this.actors.in(caller);
    const record = subjectRecord(this.#read, subject);
    if (record === undefined) {
      // Data kept from a registration that never committed is ours to remove; the ledger knows nothing to record.
      this.vault.erase(subject);
      throw new MachiError('SUBJECT_NOT_FOUND', `no subject ${subject}`);
    }
    if (record.holder !== p.org) throw new MachiError('ACCESS_DENIED', `only the holder (${record.holder}) may erase this subject`);
    if (record.erased) throw new MachiError('SUBJECT_NOT_FOUND', `subject ${subject} is already erased`);
    // Destroy first, then record (docs/spec/privacy.md): if recording fails, erasing again is harmless and finishes it.
    this.vault.erase(subject);
    return this.#commit('privacy.erase', { subject, actor: p.actor });
  }



}
