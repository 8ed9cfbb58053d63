/**
 * The property service for this node's signed-in users. Every step is a `property.*` transaction signed by the user's
 * organisation — this node's own, or a member organisation whose key it hosts (the housing bureau:
 * docs/decisions/0001-hosted-departments.md) — and the answer waits for the commit. The core's handler decides; a
 * refusal stays on the ledger as its result code and is answered with the module's code (PROPERTY_BALLOT_CAST, …).
 * Owners appear on the ledger only as their pseudonym in the property context. docs/spec/property.md#api
 */
import { createHmac } from 'node:crypto';
import {
  MachiError, addressRecord, arrears, ballotRecord, ballotsOf, billRecord, billsOfUnit, disclosures, feeSchedules, fundRecord, fundUseRecord, fundUses,
  ownerRecord, propertyBuildings, propertyErrorOf, propertyUnits, recount, registerTotals, tenderRecord, tenderStatusAt, tenders, unitRecord,
  voteRecord, votes, licenceRecord, licenceValidAt, type LicenceKind, type LicenceRecord, householdRecord, vehiclesOfUnit, type HouseholdRecord, type VehicleRecord, PROPERTY_IMPORT_ROWS_MAX, UNIT_TYPES, type BallotChoice, type DisclosureLine, type FeeItem, type EmergencyTrigger,
  jobLicenceRecord, licenceKindForJob, type RequestRecord,
  parseState, sessionRecord, propertyTypes, propertyNotices, noticeRead, activities, signupsOf, signupOf, volunteerRecord, type PropertyErrorCode, type SignedTx, type StateAccess, type ProofBundle, type UnitRow, type UnitType, type VoteMatter,
} from '@machi/core';
import { CONTEXT_PSEUDONYM_KEY_INFO, domainKeyOf } from '../../auth/secret.js';
import { LedgerActors, type Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { hex32 } from '../../ids.js';
import type { LicenceAlert, StaffFile, StaffFiles } from './staff-files.js';
import type { VolunteerCredentials } from './volunteer.js';

/** A session id no desk opens: a ballot refused before its ID check names it. */
const NO_SESSION = `ses_${'0'.repeat(32)}`;
const TYPES = new Map(propertyTypes.map((t) => [t.type, t]));

/** The pseudonym context of the property module: one pseudonym per owner per holder. */
export const PROPERTY_PSEUDONYM_CONTEXT = 'property';
/** Characters of a CSV import. */
export const PROPERTY_CSV_CHARS_MAX = 200_000;

/** The privacy vault's part the register needs. */
export interface PropertySubjects {
  has(subject: string): boolean;
  subjectOfUser(userId: string): string | undefined;
  /** the holder's pseudonym of `subject` in an identity session's consent (privacy's per-context formula) */
  consentPseudonym?(session: string, subject: string): string;
  /** keeps an owner's pseudonym with its subject (privacy's pseudonym table), so that a granted reader can resolve it */
  remember?(pseudonym: string, subject: string): void;
  /** keeps a plate in the vault (a subject of class vehicle held here): its commitment goes on the ledger */
  keepPlate?(p: Principal, plate: string): Promise<{ subject: string; commitment: string }>;
}

/** A mainland plate: province character, letter, 5 (ordinary) or 6 (new energy) letters or digits. */
export const PLATE_PATTERN = '^[\u4e00-\u9fa5][A-Z][A-HJ-NP-Z0-9]{5,6}$';
const plateRe = new RegExp(PLATE_PATTERN);

/** Runs an owner's digital-ID check (identity's owners-meeting one trip) and returns the passed session's id. */
export type IdCheck = (owner: Principal) => Promise<string>;

export type StepResult = { id: string; txHash: string; height: number };
type Proved<T> = T & { proof: ProofBundle | null };

/** A pseudonym and the subject it names, kept (remember) once the step that names it passes its dry run. */
type PseudonymLink = [pseudonym: string, subject: string];

export interface CsvReport {
  imported: number;
  refused: { line: number; unit: string; reason: string }[];
  txHash: string | null;
}

export class PropertyService {
  readonly node: MachiNode;
  readonly #submitters: ReadonlyMap<string, OrgSubmitter>;
  readonly #pseudonymKey: Uint8Array;
  readonly #subjects: PropertySubjects;
  readonly #idCheck: IdCheck | undefined;
  readonly actors: LedgerActors;

  readonly #staff: StaffFiles | undefined;
  /** the volunteer credential's issuance on this node (volunteer.ts), set by the module */
  volunteer: VolunteerCredentials | undefined;

  /** whether a user name is a maintenance worker of this organisation (a staff file may name one) */
  readonly isWorker: (username: string) => boolean;

  constructor(o: { node: MachiNode; submitters: ReadonlyMap<string, OrgSubmitter>; secret: Uint8Array; subjects: PropertySubjects; idCheck?: IdCheck; staff?: StaffFiles; isWorker?: (username: string) => boolean }) {
    this.node = o.node;
    this.isWorker = o.isWorker ?? (() => false);
    this.#staff = o.staff;
    this.#submitters = o.submitters;
    this.#pseudonymKey = domainKeyOf(o.secret, CONTEXT_PSEUDONYM_KEY_INFO);
    this.#subjects = o.subjects;
    this.#idCheck = o.idCheck;
    this.actors = new LedgerActors(o.secret, o.node.genesis.rules, 'property');
  }

  read = (key: string): string | undefined => this.node.store.read(key);
  scan = (prefix: string, limit: number): [string, string][] => this.node.store.scan(prefix, limit);
  now = (): number => this.node.clock();
  signsFor = (): string[] => [...this.#submitters.keys()];
  /** The submitter of `org` if this node signs for it (its own or a hosted member's). */
  submitterFor = (org: string): OrgSubmitter | undefined => this.#submitters.get(org);

  /** `psn_` + HMAC-SHA-256(K, "property\n" ‖ subject): the privacy module's per-context pseudonym formula. */
  pseudonymOf(subject: string): string {
    return `psn_${createHmac('sha256', this.#pseudonymKey).update(`${PROPERTY_PSEUDONYM_CONTEXT}\n${subject}`, 'utf8').digest('hex')}`;
  }

  /** The signed-in resident's owner pseudonym (undefined: this node holds no record of them). */
  ownerOf(p: Principal): string | undefined {
    const s = this.#subjects.subjectOfUser(p.userId);
    return s === undefined ? undefined : this.pseudonymOf(s);
  }

  /** The signed-in resident's pseudonym for a step that puts it on the ledger: kept with the subject (signed up, read). */
  /** The signed-in person's pseudonym; its link to the subject goes into `links`, kept once the step passes its dry run. */
  #namedOnLedger(p: Principal, links: PseudonymLink[]): string | undefined {
    const s = this.#subjects.subjectOfUser(p.userId);
    if (s === undefined) return undefined;
    const pseudonym = this.pseudonymOf(s);
    links.push([pseudonym, s]);
    return pseudonym;
  }

  // ---- the one path of every step ----------------------------------------------------------------------------------

  /**
   * Runs the core's handler on the current state without writing (an overlay): the refusal it would record, or
   * undefined. Steps are checked this way first, so a refused request writes nothing — except a ballot, whose refusal
   * the design records on the ledger (docs/spec/property.md#transactions).
   */
  dryRun(type: string, org: string, payload: Record<string, unknown>): { code: PropertyErrorCode | 'HANDLER_REJECTED'; message: string } | undefined {
    const t = TYPES.get(type);
    const signer = this.node.genesis.orgs.find((o) => o.id === org);
    if (t === undefined || signer === undefined) return { code: 'HANDLER_REJECTED', message: `cannot check ${type} for ${org}` };
    const overlay = new Map<string, unknown>();
    const state: StateAccess = {
      get: (k) => (overlay.has(k) ? overlay.get(k) : parseState(this.read(k))),
      set: (k, v) => void overlay.set(k, v),
      delete: (k) => void overlay.set(k, undefined),
    };
    try {
      t.handle({ state, height: this.node.store.height() + 1, time: this.now(), txHash: '0'.repeat(64), seq: 0, org: signer, orgsById: new Map(this.node.genesis.orgs.map((o) => [o.id, o])), tx: {} as SignedTx }, { ...payload, by: '0'.repeat(32) } as never);
      return undefined;
    } catch (e) {
      const message = (e as Error).message;
      return { code: propertyErrorOf(message) ?? 'HANDLER_REJECTED', message };
    }
  }

  async #step(p: Principal | null, type: string, id: string, payload: Record<string, unknown>, o: { recordRefusal?: boolean; links?: PseudonymLink[] } = {}): Promise<StepResult> {
    const org = p?.org ?? this.node.self.id;
    const submitter = this.#submitters.get(org);
    if (submitter === undefined) throw new MachiError('PROPERTY_FORBIDDEN', `this node does not sign for ${org}`);
    if (o.recordRefusal !== true) {
      const refused = this.dryRun(type, org, payload);
      if (refused !== undefined) throw new MachiError(refused.code, refused.message);
    }
    // the pseudonym → subject links the payload names are kept only now: a refused request writes nothing
    for (const [pseudonym, subject] of o.links ?? []) this.#subjects.remember?.(pseudonym, subject);
    const body = p === null ? payload : { ...payload, by: this.actors.in(p).actor };
    const r = await submitter.submit(type, body);
    if (r.code !== undefined) {
      const code = propertyErrorOf(r.message) ?? 'HANDLER_REJECTED';
      throw new MachiError(code, `${r.message ?? r.code} (refused and recorded in tx ${r.hash})`);
    }
    return { id, txHash: r.hash, height: r.height! };
  }

  // ---- register -----------------------------------------------------------------------------------------------------

  #ownerPseudonym(subject: string | null | undefined, links: PseudonymLink[]): string | null {
    if (subject === null || subject === undefined || subject === '') return null;
    if (!this.#subjects.has(subject)) throw new MachiError('PROPERTY_NOT_FOUND', `this organisation holds no subject ${subject}`);
    const pseudonym = this.pseudonymOf(subject);
    links.push([pseudonym, subject]);
    return pseudonym;
  }

  putUnit(p: Principal, b: { unit: string; type: UnitType; areaDm2: number; ownerSubject?: string | null }): Promise<StepResult> {
    const links: PseudonymLink[] = [];
    return this.#step(p, 'property.unit', b.unit, { unit: b.unit, type: b.type, areaDm2: b.areaDm2, owner: this.#ownerPseudonym(b.ownerSubject, links) }, { links });
  }

  space(p: Principal, b: { space: string; building: string; unit: string | null }): Promise<StepResult> {
    return this.#step(p, 'property.space', b.space, b);
  }

  // ---- staff files: personal data in the private store, each licence's kind and expiry on the ledger -----------------

  #files(): StaffFiles {
    if (this.#staff === undefined) throw new MachiError('PROPERTY_FORBIDDEN', 'this node keeps no staff files');
    return this.#staff;
  }

  /** A staff member's pseudonym on the ledger: the per-context formula in the `property-staff` context. */
  staffPseudonym(id: string): string {
    return `psn_${createHmac('sha256', this.#pseudonymKey).update(`property-staff\n${id}`, 'utf8').digest('hex')}`;
  }

  createStaff(b: { name: string; role: string; worker?: string; training?: { course: string; completedAt: number }[] }): StaffFile & { pseudonym: string } {
    if (b.worker !== undefined && !this.isWorker(b.worker)) throw new MachiError('PROPERTY_NOT_FOUND', `${b.worker} is not a maintenance worker of ${this.node.self.id}`);
    if (b.worker !== undefined && this.staffFiles().some((f) => f.worker === b.worker)) throw new MachiError('PROPERTY_CONFLICT', `${b.worker} has a staff file`);
    const f: StaffFile = { id: `st_${hex32()}`, name: b.name, role: b.role, ...(b.worker === undefined ? {} : { worker: b.worker }), licences: [], training: b.training ?? [], createdAt: this.now() };
    this.#files().put(f);
    return { ...f, pseudonym: this.staffPseudonym(f.id) };
  }

  /** Adds a licence: its kind and expiry go on the ledger under the staff pseudonym, its number stays in the file. */
  async addLicence(p: Principal, staff: string, b: { kind: LicenceKind; number: string; expiresAt: number }): Promise<StepResult> {
    const files = this.#files();
    const f = files.get(staff);
    if (f === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no staff file ${staff}`);
    const licence = `pl_${hex32()}`;
    const r = await this.#step(p, 'property.licence', licence, { licence, staff: this.staffPseudonym(staff), kind: b.kind, expiresAt: b.expiresAt });
    files.put({ ...f, licences: [...f.licences, { licence, kind: b.kind, number: b.number, expiresAt: b.expiresAt, txHash: r.txHash }] });
    return r;
  }

  addTraining(staff: string, t: { course: string; completedAt: number }): StaffFile {
    const files = this.#files();
    const f = files.get(staff);
    if (f === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no staff file ${staff}`);
    const next = { ...f, training: [...f.training, t] };
    files.put(next);
    return next;
  }

  staffFiles(): (StaffFile & { pseudonym: string })[] {
    return this.#files().all().map((f) => ({ ...f, pseudonym: this.staffPseudonym(f.id) }));
  }

  licenceAlerts(): LicenceAlert[] {
    return this.#files().alerts(this.now());
  }

  /** Anyone: a licence as the ledger has it, and whether it was valid at `at` (e.g. when a job was done). */
  publicLicence(licence: string, at?: number): LicenceRecord & { validAt: { at: number; valid: boolean }; proof: ProofBundle | null } {
    const l = licenceRecord(this.read, licence);
    if (l === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no licence ${licence}`);
    const when = at ?? this.now();
    return { ...l, validAt: { at: when, valid: licenceValidAt(l, when) }, proof: this.node.proof(l.txHash) ?? null };
  }

  /**
   * After a repair job is assigned here (repairs' `onAssigned`): for a category that needs a licence
   * (JOB_LICENCE_KINDS), `property.job_licence` records the licence covering it — of the worker's staff file, of the
   * kind, valid now, the one expiring last — or, with none, the assignment's warning. Not a refusal: see the handler.
   */
  async recordJobLicence(p: Principal, request: RequestRecord, worker: { username: string; actor: string }): Promise<StepResult | undefined> {
    const kind = licenceKindForJob(request.category);
    if (kind === undefined || this.#staff === undefined) return undefined;
    const now = this.now();
    const held = this.#staff.all().filter((f) => f.worker === worker.username).flatMap((f) => f.licences)
      .map((l) => licenceRecord(this.read, l.licence)).filter((l): l is LicenceRecord => l !== undefined && l.kind === kind && licenceValidAt(l, now))
      .sort((a, b) => b.expiresAt - a.expiresAt);
    return this.#step(p, 'property.job_licence', request.request, { request: request.request, worker: worker.actor, licence: held[0]?.licence ?? null });
  }

  /** Anyone: the licence a repair job needs and, per assignment, the licence covering it (or the warning), with proofs. */
  jobLicence(request: string) {
    const r = jobLicenceRecord(this.read, request);
    if (r === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no licence record for job ${request} (its category needs none, or it was not assigned)`);
    return { ...r, assignments: r.assignments.map(this.#proved) };
  }

  /** A unit's household: residents held here, on the ledger by their pseudonyms in the property context. */
  household(p: Principal, b: { unit: string; memberSubjects: string[] }): Promise<StepResult> {
    const links: PseudonymLink[] = [];
    const members = [...new Set(b.memberSubjects)].map((m) => this.#ownerPseudonym(m, links)!);
    return this.#step(p, 'property.household', b.unit, { unit: b.unit, members }, { links });
  }

  /**
   * A vehicle of a unit: the plate is kept in the vault (a subject of class vehicle), the ledger gets its commitment,
   * the unit and the parking space. Checked before the plate is stored, so a refused vehicle stores nothing.
   */
  async vehicle(p: Principal, b: { vehicle?: string; unit: string; space?: string | null; plate: string }): Promise<StepResult & { plateSubject: string }> {
    if (!plateRe.test(b.plate)) throw new MachiError('PROPERTY_INVALID', 'a plate is a province character, a letter and 5 or 6 letters or digits');
    if (this.#subjects.keepPlate === undefined) throw new MachiError('PROPERTY_FORBIDDEN', 'this node keeps no vault');
    const vehicle = b.vehicle ?? `vh_${hex32()}`;
    const payload = { vehicle, unit: b.unit, space: b.space ?? null, plate: '0'.repeat(64) };
    const refused = this.dryRun('property.vehicle', p.org, payload);
    if (refused !== undefined) throw new MachiError(refused.code, refused.message);
    const kept = await this.#subjects.keepPlate(p, b.plate);
    return { ...(await this.#step(p, 'property.vehicle', vehicle, { ...payload, plate: kept.commitment })), plateSubject: kept.subject };
  }

  /** A unit's household and vehicles (pseudonyms and plate commitments: what the ledger holds). */
  residents(unit: string): { unit: string; household: HouseholdRecord | null; vehicles: VehicleRecord[] } {
    if (unitRecord(this.read, unit) === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no unit ${unit} in the register`);
    return { unit, household: householdRecord(this.read, unit) ?? null, vehicles: vehiclesOfUnit(this.read, unit) };
  }

  /**
   * An existing register as CSV (`unit,type,area_m2,owner_subject`, header first): every row is checked here (unit of
   * the address register, type, area with at most two decimals, owner held by this organisation, no repeats); the
   * valid rows go on the ledger in ONE transaction (all of them or none), the others are reported with the reason.
   */
  async importCsv(p: Principal, csv: string): Promise<CsvReport> {
    const lines = csv.replace(/\r\n?/g, '\n').split('\n').map((l, i) => ({ n: i + 1, text: l.trim() })).filter((l) => l.text !== '');
    const header = lines.shift();
    if (header === undefined || header.text.toLowerCase().replace(/\s/g, '') !== 'unit,type,area_m2,owner_subject') {
      throw new MachiError('REQUEST_INVALID', 'the first line must be the header unit,type,area_m2,owner_subject');
    }
    if (lines.length > PROPERTY_IMPORT_ROWS_MAX) throw new MachiError('REQUEST_INVALID', `at most ${PROPERTY_IMPORT_ROWS_MAX} rows per import`);
    const rows: UnitRow[] = [];
    const links: PseudonymLink[] = [];
    const refused: CsvReport['refused'] = [];
    const seen = new Set<string>();
    for (const l of lines) {
      const cells = l.text.split(',').map((c) => c.trim());
      const unit = cells[0] ?? '';
      const why = this.#rowProblem(cells, seen);
      if (why !== null) {
        refused.push({ line: l.n, unit, reason: why });
        continue;
      }
      seen.add(unit);
      const [whole, frac = ''] = cells[2]!.split('.');
      rows.push({ unit, type: cells[1] as UnitType, areaDm2: Number(whole) * 100 + Number(frac.padEnd(2, '0')), owner: this.#ownerPseudonym(cells[3], links) });
    }
    if (rows.length === 0) return { imported: 0, refused, txHash: null };
    const r = await this.#step(p, 'property.import', 'import', { rows }, { links });
    return { imported: rows.length, refused, txHash: r.txHash };
  }

  #rowProblem(cells: string[], seen: ReadonlySet<string>): string | null {
    if (cells.length !== 4) return `expected 4 fields, found ${cells.length}`;
    const [unit, type, area, owner] = cells as [string, string, string, string];
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(unit)) return 'malformed unit code';
    if (seen.has(unit)) return 'unit repeated in the file';
    const a = addressRecord(this.read, unit);
    if (a === undefined || a.kind !== 'unit' || a.status !== 'active') return 'unknown unit: not an active unit of the standard address register';
    const u = unitRecord(this.read, unit);
    if (u !== undefined && u.org !== this.node.self.id) return `in ${u.org}'s register`;
    if (!(UNIT_TYPES as readonly string[]).includes(type)) return `type must be one of ${UNIT_TYPES.join(', ')}`;
    if (!/^[0-9]{1,6}(\.[0-9]{1,2})?$/.test(area) || Number(area) <= 0) return 'area_m2 must be a positive number with at most two decimals';
    if (owner !== '' && !/^sub_[0-9a-f]{32}$/.test(owner)) return 'owner_subject must be a subject id (sub_…) or empty';
    if (owner !== '' && !this.#subjects.has(owner)) return 'owner_subject is not a person this organisation holds';
    return null;
  }

  // ---- fees, bills, payments, dunning, disclosure ------------------------------------------------------------------

  fees = (p: Principal, b: { from: string; items: FeeItem[] }) => this.#step(p, 'property.fees', b.from, b);
  bill = (p: Principal, b: { period: string; building: string; dueAt: number }) => this.#step(p, 'property.bill', `${b.building}/${b.period}`, b);
  pay = (p: Principal, b: { unit: string; period: string; amountFen: number; reference: string }) => this.#step(p, 'property.pay', `${b.unit}/${b.period}`, b);
  dun = (p: Principal, b: { unit: string; period: string; step: 'reminder' | 'written-demand' }) => this.#step(p, 'property.dun', `${b.unit}/${b.period}`, b);
  disclose = (p: Principal, b: { period: string; lines: DisclosureLine[] }) => this.#step(p, 'property.disclose', b.period, b);

  // ---- votes --------------------------------------------------------------------------------------------------------

  openVote(p: Principal, b: { matter: VoteMatter; title: string; closesAt: number; use?: string }): Promise<StepResult> {
    const vote = `pv_${hex32()}`;
    return this.#step(p, 'property.vote_open', vote, { vote, ...b });
  }

  closeVote = (p: Principal, vote: string) => this.#step(p, 'property.vote_close', vote, { vote });

  /**
   * An owner's ballot for one of their units. `session`: the owners-meeting desk session in which they presented
   * their property-ownership credential; without it, the node runs that check with the credentials it holds for them
   * (demo wallets only). A second ballot, a non-owner, a closed vote: refused by the ledger and recorded.
   */
  async ballot(p: Principal, vote: string, b: { unit: string; choice: BallotChoice; session?: string }): Promise<StepResult> {
    const owner = this.ownerOf(p);
    if (owner === undefined) throw new MachiError('PROPERTY_NOT_OWNER', 'this organisation holds no record of you');
    const payload = { vote, unit: b.unit, owner, choice: b.choice };
    // the handler checks vote, unit, owner and a cast ballot before the ID check: a ballot refused for those is recorded
    // as it is (NO_SESSION fails only the last check), without running an ID check for nothing
    const first = this.dryRun('property.ballot', p.org, { ...payload, session: b.session ?? NO_SESSION });
    let session = b.session;
    if (first === undefined && session !== undefined) this.#mustBeMine(p, session);
    if (first !== undefined && first.code !== 'PROPERTY_ID_CHECK') session = NO_SESSION;
    else if (session === undefined) {
      if (this.#idCheck === undefined) throw new MachiError('PROPERTY_ID_CHECK', 'name the session of your digital-ID check');
      session = await this.#idCheck(p);
    }
    return this.#step(p, 'property.ballot', `${vote}/${b.unit}`, { ...payload, session }, { recordRefusal: true });
  }

  /**
   * A session the owner names must be their own check: its consent was given by them (the ledger cannot tell: the
   * consent names the resident by a pseudonym of that session only, which this holder can recompute).
   */
  #mustBeMine(p: Principal, session: string): void {
    const subject = this.#subjects.subjectOfUser(p.userId);
    const consent = sessionRecord(this.read, session)?.consent;
    const mine = subject !== undefined && consent != null && (consent.subject === subject || consent.subject === this.#subjects.consentPseudonym?.(session, subject));
    if (!mine) throw new MachiError('PROPERTY_ID_CHECK', `session ${session} is not your digital-ID check`);
  }

  // ---- maintenance fund ---------------------------------------------------------------------------------------------

  fundDeposit = (p: Principal, b: { amountFen: number; reference: string }) => this.#step(p, 'property.fund_deposit', b.reference, b);
  fundPropose(p: Principal, b: { building: string; title: string; contractor: string; budgetFen: number; emergency?: EmergencyTrigger }): Promise<StepResult> {
    const use = `pu_${hex32()}`;
    return this.#step(p, 'property.fund_propose', use, { use, ...b });
  }
  fundWorks = (p: Principal, use: string, stage: 'started' | 'completed') => this.#step(p, 'property.fund_works', use, { use, stage });
  fundApprove = (p: Principal, use: string) => this.#step(p, 'property.fund_approve', use, { use });
  fundTransfer = (p: Principal, use: string, b: { amountFen: number; reference: string }) => this.#step(p, 'property.fund_transfer', use, { use, ...b });

  // ---- tenders ------------------------------------------------------------------------------------------------------

  openTender(p: Principal, b: { title: string; deadline: number; revealUntil: number }): Promise<StepResult> {
    const tender = `pt_${hex32()}`;
    return this.#step(p, 'property.tender_open', tender, { tender, ...b });
  }
  /** A bidder's commitment (public route: bidders have no account; the price stays with them until the reveal). */
  commitBid(tender: string, b: { bidder: string; commitment: string; bid?: string }): Promise<StepResult> {
    const bid = b.bid ?? `pb_${hex32()}`;
    return this.#step(null, 'property.tender_commit', bid, { tender, bid, bidder: b.bidder, commitment: b.commitment });
  }
  revealBid = (tender: string, bid: string, b: { priceFen: number; salt: string }) => this.#step(null, 'property.tender_reveal', bid, { tender, bid, ...b });
  closeTender = (p: Principal, tender: string) => this.#step(p, 'property.tender_close', tender, { tender });

  // ---- notices and activities --------------------------------------------------------------------------------------

  publishNotice(p: Principal, b: { title: string; text: string }): Promise<StepResult> {
    const notice = `pn_${hex32()}`;
    return this.#step(p, 'property.notice', notice, { notice, ...b });
  }
  /** The signed-in resident's read receipt (their pseudonym in the property context). */
  readNotice(p: Principal, notice: string): Promise<StepResult> {
    const links: PseudonymLink[] = [];
    const reader = this.#namedOnLedger(p, links);
    if (reader === undefined) throw new MachiError('PROPERTY_NOT_FOUND', 'this organisation holds no record of you');
    return this.#step(null, 'property.notice_read', notice, { notice, reader }, { links });
  }
  announceActivity(p: Principal, b: { title: string; startsAt: number; capacity: number }): Promise<StepResult> {
    const activity = `pa_${hex32()}`;
    return this.#step(p, 'property.activity', activity, { activity, ...b });
  }
  signUp(p: Principal, activity: string): Promise<StepResult> {
    const links: PseudonymLink[] = [];
    const person = this.#namedOnLedger(p, links);
    if (person === undefined) throw new MachiError('PROPERTY_NOT_FOUND', 'this organisation holds no record of you');
    return this.#step(null, 'property.signup', activity, { activity, person }, { links });
  }
  recordHours = (p: Principal, activity: string, b: { person: string; minutes: number }) => this.#step(p, 'property.hours', activity, { activity, ...b });
  notices = () => propertyNotices(this.scan);
  activities = () => activities(this.scan).map((a) => ({ ...a, signups: signupsOf(this.scan, a.activity) }));

  // ---- views --------------------------------------------------------------------------------------------------------

  #proved = <T extends { txHash: string }>(s: T): Proved<T> => ({ ...s, proof: this.node.proof(s.txHash) ?? null });

  register() {
    return { totals: registerTotals(this.read), buildings: propertyBuildings(this.scan), units: propertyUnits(this.read, this.scan) };
  }
  schedules = () => feeSchedules(this.read).map(this.#proved);
  bills(q: { unit?: string; period?: string }) {
    const units = q.unit !== undefined ? [q.unit] : propertyUnits(this.read, this.scan).map((u) => u.unit);
    return units.flatMap((u) => billsOfUnit(this.scan, u)).filter((b) => q.period === undefined || b.period === q.period);
  }
  arrears = () => arrears(this.scan, this.now());
  /** Each period's disclosure with the proof of its transaction: every line is in it, checkable with the genesis alone. */
  disclosures = () => disclosures(this.scan).map(this.#proved);
  fund = () => ({ ...fundRecord(this.read), uses: fundUses(this.scan) });
  fundUse(use: string) {
    const u = fundUseRecord(this.read, use);
    if (u === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no fund use ${use}`);
    return { ...u, steps: u.steps.map(this.#proved), transfers: u.transfers.map(this.#proved) };
  }
  votes = () => votes(this.scan);
  vote(vote: string) {
    const v = voteRecord(this.read, vote);
    if (v === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no vote ${vote}`);
    return { ...v, proof: this.node.proof(v.txHash) ?? null, ballots: ballotsOf(this.scan, vote), recount: recount(this.read, this.scan, vote)! };
  }
  tenders = () => tenders(this.scan).map((t) => ({ ...t, status: tenderStatusAt(t, this.now()) }));
  tender(tender: string) {
    const t = tenderRecord(this.read, tender);
    if (t === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no tender ${tender}`);
    return { ...t, status: tenderStatusAt(t, this.now()), proof: t.opened === null ? null : this.node.proof(t.opened.txHash) ?? null };
  }

  /** The signed-in owner's units, bills (each step with its proof) and votes (with their ballot and its proof). */
  mine(p: Principal) {
    const owner = this.ownerOf(p);
    const rec = owner === undefined ? undefined : ownerRecord(this.read, owner);
    const units = (rec?.units ?? []).map((u) => unitRecord(this.read, u)!).filter((u) => u !== undefined);
    const bills = units.flatMap((u) => billsOfUnit(this.scan, u.unit)).map((b) => ({
      ...this.#proved(b), payments: b.payments.map(this.#proved), dunning: b.dunning.map(this.#proved),
    })).sort((a, b) => (a.period < b.period ? 1 : a.period > b.period ? -1 : a.unit < b.unit ? -1 : 1));
    const vs = votes(this.scan).map((v) => ({
      ...v,
      ballots: units.map((u) => ballotRecord(this.read, v.vote, u.unit)).filter((x) => x !== undefined).map(this.#proved),
      recount: recount(this.read, this.scan, v.vote)!,
    }));
    const ns = propertyNotices(this.scan).map((n) => ({ ...n, read: owner === undefined ? null : noticeRead(this.read, n.notice, owner) ?? null }));
    const acts = activities(this.scan).map((a) => ({ ...a, signedUpAt: owner === undefined ? null : signupOf(this.read, a.activity, owner)?.at ?? null }));
    const volunteer = owner === undefined ? null : volunteerRecord(this.read, owner) ?? null;
    return { owner: owner ?? null, areaDm2: rec?.areaDm2 ?? 0, units, bills, votes: vs, notices: ns, activities: acts, volunteer };
  }

  billOf(unit: string, period: string) {
    const b = billRecord(this.read, unit, period);
    if (b === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no bill of ${unit} for ${period}`);
    return { ...this.#proved(b), payments: b.payments.map(this.#proved) };
  }
}
