/**
 * The funds service for this node's signed-in users. Every step is decided first by the core's pure checks
 * (transitions.ts: 400 FUND_INVALID / 403 FUND_FORBIDDEN / 404 FUND_NOT_FOUND / 409 FUND_CONFLICT, nothing written),
 * then signed by the user's organisation — this node's own, or a member organisation whose key it hosts (treasury,
 * bank, department: docs/decisions/0001-hosted-departments.md on branch events-node) — and the answer waits for the
 * commit. Views attach each step's proof bundle (verifyBundle with the genesis). docs/spec/funds.md
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  MachiError,
  alerts,
  applicationRecord,
  applicationsOf,
  benefitsOf,
  budgetOf,
  checkAnswerObjection,
  checkApply,
  checkDefineProgramme,
  checkInstruct,
  checkNotice,
  checkObject,
  checkReceipt,
  checkReconcile,
  checkReissue,
  checkReview,
  checkVerify,
  credentialRecord,
  feedSince,
  fundsMetrics,
  fundErrorCode,
  noticesOf,
  parseState,
  paymentRecord,
  paymentsOf,
  programmeRecord,
  programmes,
  publicTotals,
  receiptKey,
  reconciliationsOf,
  runningNotices,
  sessionRecord,
  verificationsOfSession,
  type AlertFilter,
  type AlertRecord,
  type ApplicationRecord,
  type DefineProgrammePayload,
  type EligibilityRef,
  type FundCheck,
  type FundStep,
  type FundsGet,
  type ImportPayload,
  type PaymentRecord,
  type ProofBundle,
} from '@machi/core';
import { CONTEXT_PSEUDONYM_KEY_INFO, domainKeyOf } from '../../auth/secret.js';
import { LedgerActors, type Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { hex32 } from '../../ids.js';
import { maskName, type FundsStore, type NoticeLine } from './store.js';

/** The privacy vault's part the funds desk needs: whether this organisation holds a subject, and a resident's own. */
export interface FundsSubjects {
  has(subject: string): boolean;
  subjectOfUser(userId: string): string | undefined;
}

export interface FundsServiceOptions {
  node: MachiNode;
  store: FundsStore;
  /** organisation → its submitter: this node's own and each hosted member's */
  submitters: ReadonlyMap<string, OrgSubmitter>;
  secret: Uint8Array;
  subjects?: FundsSubjects;
  log?: (line: string) => void;
}

/** The pseudonym context of the funds module: one pseudonym per person per holder across its programmes. */
export const FUNDS_PSEUDONYM_CONTEXT = 'funds';
/** Feed entries one answer carries. */
export const FUNDS_FEED_PAGE_MAX = 200;

export type StepResult = { id: string; txHash: string; height: number };
type Proved<T> = T & { proof: ProofBundle | null };

export class FundsService {
  readonly node: MachiNode;
  readonly store: FundsStore;
  readonly #submitters: ReadonlyMap<string, OrgSubmitter>;
  readonly #pseudonymKey: Uint8Array;
  readonly #subjects: FundsSubjects | undefined;
  readonly actors: LedgerActors;

  constructor(o: FundsServiceOptions) {
    this.node = o.node;
    this.store = o.store;
    this.#submitters = o.submitters;
    this.#pseudonymKey = domainKeyOf(o.secret, CONTEXT_PSEUDONYM_KEY_INFO);
    this.#subjects = o.subjects;
    this.actors = new LedgerActors(o.secret, o.node.genesis.rules, 'funds');
  }

  read = (key: string): string | undefined => this.node.store.read(key);
  scan = (prefix: string, limit: number): [string, string][] => this.node.store.scan(prefix, limit);
  get: FundsGet = (key) => parseState(this.read(key));
  now = (): number => this.node.clock();

  /** The organisations this node signs for. */
  signsFor = (): string[] => [...this.#submitters.keys()];
  /** The submitter of an organisation this node signs for (the demo seed issues credentials with it). */
  submitterFor = (org: string): OrgSubmitter | undefined => this.#submitters.get(org);

  /**
   * `psn_` + HMAC-SHA-256(K, "funds\n" ‖ subject): the formula of the privacy module's per-context pseudonyms
   * (modules/privacy/pseudonyms.ts), so the holder's key derives it; the mapping is kept in the funds store.
   */
  pseudonymOf(subject: string): string {
    return `psn_${createHmac('sha256', this.#pseudonymKey).update(`${FUNDS_PSEUDONYM_CONTEXT}\n${subject}`, 'utf8').digest('hex')}`;
  }

  /** SHA-256 of the account number with the chain id as the per-chain salt (docs/spec/funds.md). */
  accountHashOf(accountNumber: string): string {
    return createHash('sha256').update(`machi-funds-account\n${this.node.genesis.chainId}\n${accountNumber}`, 'utf8').digest('hex');
  }

  // ---- commands -----------------------------------------------------------------------------------------------------

  /**
   * The one path of every step: the core's check, then the private writes (`write`, returning their undo), then the
   * transaction signed by the caller's organisation and its commit. A refusal leaves nothing private behind; a commit
   * timeout keeps it, since the transaction may still commit.
   */
  async #step(p: Principal, type: string, id: string, payload: Record<string, unknown>, check: FundCheck, write?: () => () => void): Promise<StepResult> {
    if (!check.ok) throw new MachiError(fundErrorCode(check.status), check.reason);
    const submitter = this.#submitters.get(p.org);
    if (submitter === undefined) throw new MachiError('FUND_FORBIDDEN', `this node does not sign for ${p.org}`);
    const undo = write?.();
    try {
      const r = await submitter.submit(type, { ...payload, by: this.actors.in(p).actor });
      if (r.code !== undefined) throw new MachiError('HANDLER_REJECTED', `${r.message ?? r.code} (recorded with no effect in tx ${r.hash})`);
      return { id, txHash: r.hash, height: r.height! };
    } catch (e) {
      if (!(e instanceof MachiError && e.code === 'COMMIT_TIMEOUT')) undo?.();
      throw e;
    }
  }

  defineProgramme(p: Principal, programme: string, b: Omit<DefineProgrammePayload, 'programme' | 'by'>): Promise<StepResult> {
    const payload = { ...b, programme, by: '' } as DefineProgrammePayload;
    return this.#step(p, 'fund.define_programme', programme, { ...b, programme }, checkDefineProgramme(this.get, p.org, payload, this.node.genesis.orgs.map((o) => o.id)));
  }

  /**
   * The desk's application for a person this organisation holds: pseudonym, masked name and account hash made here.
   * The eligibility credential is named either by its status-list entry (`credential`) or by the desk session in
   * which the resident presented it (`session`: the one-trip flow — the session's valid verification of a type the
   * programme accepts names the credential, whose issuer, status index and expiry the ledger holds).
   */
  apply(p: Principal, b: ApplyBody, imported?: { approvedOn: number }): Promise<StepResult> {
    if (this.#subjects !== undefined && !this.#subjects.has(b.subject)) throw new MachiError('FUND_NOT_FOUND', `this organisation holds no subject ${b.subject}`);
    if ((b.credential === undefined) === (b.session === undefined)) throw new MachiError('REQUEST_INVALID', 'name the eligibility credential by `credential` or by the desk `session`, one of them');
    const eligibility = b.credential ?? this.#eligibilityOfSession(p, b.programme, b.session as string);
    const application = `fa_${hex32()}`;
    const person = this.pseudonymOf(b.subject);
    const payload = {
      application, programme: b.programme, person, category: b.category, building: b.building,
      eligibility: { ...eligibility }, accountHash: this.accountHashOf(b.accountNumber), ...(imported === undefined ? {} : imported),
    };
    const check = checkApply(this.get, p.org, { ...payload, by: '' }, this.now(), imported);
    return this.#step(p, imported === undefined ? 'fund.apply' : 'fund.import', application, payload, check, () => this.store.putPerson(person, b.subject, maskName(b.name)));
  }

  #eligibilityOfSession(p: Principal, programme: string, session: string): EligibilityRef {
    const s = sessionRecord(this.read, session);
    if (s === undefined) throw new MachiError('FUND_NOT_FOUND', `no desk session ${session}`);
    if (s.deskOrg !== p.org) throw new MachiError('FUND_FORBIDDEN', `session ${session} is ${s.deskOrg}'s desk's`);
    const types: string[] = programmeRecord(this.read, programme)?.eligibility.map((e) => e.type) ?? [];
    const v = verificationsOfSession(this.read, this.scan, session).filter((x) => x.result === 'valid' && x.type !== undefined && types.includes(x.type)).at(-1);
    const c = v?.credentialHash === undefined ? undefined : credentialRecord(this.read, v.credentialHash);
    if (c === undefined) throw new MachiError('FUND_INVALID', `session ${session} verified no credential that makes one eligible for ${programme}`);
    return { type: c.type, issuer: c.issuer, statusIndex: c.statusIndex, expiresAt: c.expiresAt };
  }

  importBeneficiary(p: Principal, b: ApplyBody & { approvedOn: number }): Promise<StepResult> {
    const { approvedOn, ...rest } = b;
    return this.apply(p, rest, { approvedOn } satisfies Pick<ImportPayload, 'approvedOn'>);
  }

  verify(p: Principal, application: string, b: { result: 'verified' | 'rejected'; reason?: string }): Promise<StepResult> {
    const payload = { application, ...b };
    return this.#step(p, 'fund.verify', application, payload, checkVerify(this.get, p.org, { ...payload, by: '' }));
  }

  /** Publishes a notice of verified applications: the masked list is kept here, its hash goes on the ledger. */
  async publishNotice(p: Principal, b: { programme: string; applications: string[] }): Promise<StepResult & { lines: NoticeLine[] }> {
    const notice = `fn_${hex32()}`;
    const prog = programmeRecord(this.read, b.programme);
    const lines: NoticeLine[] = b.applications.map((id) => {
      const a = applicationRecord(this.read, id);
      const masked = a === undefined ? undefined : this.store.person(a.person)?.masked;
      const amountFen = prog?.categories.find((c) => c.category === a?.category)?.amountFen ?? 0;
      return { name: masked ?? '*', building: a?.building ?? '', category: a?.category ?? '', amountFen };
    });
    const listHash = createHash('sha256').update(JSON.stringify(lines), 'utf8').digest('hex');
    const payload = { notice, programme: b.programme, applications: b.applications, listHash };
    const check = checkNotice(this.get, p.org, { ...payload, by: '' });
    return { ...(await this.#step(p, 'fund.publish_notice', notice, payload, check, () => this.store.putNotice(notice, b.programme, lines))), lines };
  }

  object(p: Principal, application: string, b: { ground: string; text: string }): Promise<StepResult> {
    const t = saltedText(b.text);
    const payload = { application, ground: b.ground, contentHash: t.hash };
    return this.#step(p, 'fund.object', application, payload, checkObject(this.get, p.org, { ...payload, by: '' } as never, this.now()), () => this.store.putText(t.hash, t.kept));
  }

  answerObjection(p: Principal, application: string, objection: number, b: { outcome: string; finding: string }): Promise<StepResult> {
    const t = saltedText(b.finding);
    const payload = { application, objection, outcome: b.outcome, findingHash: t.hash };
    return this.#step(p, 'fund.answer_objection', application, payload, checkAnswerObjection(this.get, p.org, { ...payload, by: '' } as never), () => this.store.putText(t.hash, t.kept));
  }

  review(p: Principal, application: string, b: { decision: string; reason: string }): Promise<StepResult> {
    const payload = { application, ...b };
    return this.#step(p, 'fund.review', application, payload, checkReview(this.get, p.org, { ...payload, by: '' } as never, this.now()));
  }

  instruct(p: Principal, b: { application: string; period: string; amountFen: number }): Promise<StepResult> {
    const payment = `fp_${hex32()}`;
    const payload = { payment, ...b };
    return this.#step(p, 'fund.instruct', payment, payload, checkInstruct(this.get, p.org, { ...payload, by: '' }, this.now()));
  }

  reissue(p: Principal, of: string, b: { accountNumber?: string }): Promise<StepResult> {
    const payment = `fp_${hex32()}`;
    const old = paymentRecord(this.read, of);
    const accountHash = b.accountNumber === undefined ? (old?.accountHash ?? '0'.repeat(64)) : this.accountHashOf(b.accountNumber);
    const payload = { payment, of, accountHash };
    return this.#step(p, 'fund.reissue', payment, payload, checkReissue(this.get, p.org, { ...payload, by: '' }));
  }

  /**
   * The bank's receipt. The ledger records every receipt; one that does not settle its payment (from an organisation
   * that is not the paying bank, without an instruction, or not matching it) is an alert there, and the caller is
   * answered 403 / 404 / 409 naming the transaction that recorded it: refused and recorded.
   */
  async receipt(p: Principal, payment: string, b: { result: 'paid' | 'failed'; reason?: string; amountFen: number; accountNumber: string }): Promise<StepResult> {
    const receipt = `fr_${hex32()}`;
    const payload = { receipt, payment, result: b.result, ...(b.reason === undefined ? {} : { reason: b.reason }), amountFen: b.amountFen, accountHash: this.accountHashOf(b.accountNumber) };
    const r = await this.#step(p, 'fund.receipt', receipt, payload, checkReceipt(this.get, { ...payload, by: '' } as never));
    const standing = (this.get(receiptKey(receipt)) as { standing: string } | undefined)?.standing;
    const refused = { 'wrong-bank': 'FUND_FORBIDDEN', 'no-instruction': 'FUND_NOT_FOUND', mismatch: 'FUND_CONFLICT' } as const;
    if (standing !== undefined && standing !== 'accepted') {
      throw new MachiError(refused[standing as keyof typeof refused], `receipt refused (${standing}) and recorded as evidence with an alert in tx ${r.txHash}`);
    }
    return r;
  }

  reconcile(p: Principal, b: { programme: string; period: string; paidCount: number; paidFen: number; failedCount: number }): Promise<StepResult> {
    const reconciliation = `fc_${hex32()}`;
    const payload = { reconciliation, ...b };
    return this.#step(p, 'fund.reconcile', reconciliation, payload, checkReconcile(this.get, p.org, { ...payload, by: '' }));
  }

  personStatus(p: Principal, subject: string, status: string): Promise<StepResult> {
    if (this.#subjects !== undefined && !this.#subjects.has(subject)) throw new MachiError('FUND_NOT_FOUND', `this organisation holds no subject ${subject}`);
    const person = this.pseudonymOf(subject);
    return this.#step(p, 'fund.person_status', person, { person, status }, { ok: true });
  }

  // ---- views --------------------------------------------------------------------------------------------------------

  #proved = <T extends { txHash: string }>(s: T): Proved<T> => ({ ...s, proof: this.node.proof(s.txHash) ?? null });

  programmes = () => programmes(this.read, this.scan);
  programme = (id: string) => {
    const r = programmeRecord(this.read, id);
    if (r === undefined) throw new MachiError('FUND_NOT_FOUND', `no programme ${id}`);
    return r;
  };

  /** An application with every step's proof (staff, regulators). */
  application(id: string): ApplicationRecord & { steps: Proved<FundStep>[]; payments: (PaymentRecord & { steps: Proved<FundStep>[] })[] } {
    const a = applicationRecord(this.read, id);
    if (a === undefined) throw new MachiError('FUND_NOT_FOUND', `no application ${id}`);
    return { ...a, steps: a.steps.map(this.#proved), payments: paymentsOf(this.read, this.scan, id).map((pay) => ({ ...pay, steps: pay.steps.map(this.#proved) })) };
  }

  applications(programme: string): ApplicationRecord[] {
    this.programme(programme);
    return applicationsOf(this.read, this.scan, programme);
  }

  payment(id: string): PaymentRecord & { steps: Proved<FundStep>[] } {
    const pay = paymentRecord(this.read, id);
    if (pay === undefined) throw new MachiError('FUND_NOT_FOUND', `no payment ${id}`);
    return { ...pay, steps: pay.steps.map(this.#proved) };
  }

  budget(programme: string) {
    this.programme(programme);
    return { ...budgetOf(this.read, this.scan, programme), reconciliations: reconciliationsOf(this.read, this.scan, programme) };
  }

  /** The programme's metrics over the periods it has paid in. */
  metrics(programme: string) {
    this.programme(programme);
    return fundsMetrics(this.read, this.scan, programme, budgetOf(this.read, this.scan, programme).periods.map((b) => b.period));
  }

  /** Alerts: every one for a regulator; a programme owner's staff see their programmes'. */
  alerts(p: Principal, f: AlertFilter): Proved<AlertRecord>[] {
    const all = alerts(this.read, this.scan, f);
    const mine = p.role === 'regulator' ? all : all.filter((a) => a.owner === p.org);
    return mine.map(this.#proved);
  }

  /** The live feed from `sinceMs` on, each entry with its transaction's proof. */
  feed(sinceMs: number, limit = FUNDS_FEED_PAGE_MAX) {
    return feedSince(this.read, this.scan, sinceMs, Math.min(limit, FUNDS_FEED_PAGE_MAX)).map(this.#proved);
  }

  publicTotals(programme: string) {
    const t = publicTotals(this.read, this.scan, programme);
    if (t === undefined) throw new MachiError('FUND_NOT_FOUND', `no programme ${programme}`);
    return t;
  }

  /** The notices of a programme running now, with their masked lists (where this node published them) and hashes. */
  publicNotices(programme: string) {
    this.programme(programme);
    return runningNotices(this.read, this.scan, programme, this.now()).map((n) => ({
      notice: n.notice, programme: n.programme, community: n.community, publishedAt: n.publishedAt, endsAt: n.endsAt, listHash: n.listHash,
      lines: this.store.noticeLines(n.notice) ?? null, txHash: n.txHash,
    }));
  }

  notices = (programme: string) => noticesOf(this.read, this.scan, programme);

  /** A resident's benefits: their applications and payments (every step with its proof), through their holder's link. */
  myBenefits(p: Principal) {
    const subject = this.#subjects?.subjectOfUser(p.userId);
    if (subject === undefined) return [];
    return benefitsOf(this.read, this.scan, this.pseudonymOf(subject)).map((b) => ({
      application: { ...b.application, steps: b.application.steps.map(this.#proved) },
      payments: b.payments.map((pay) => ({ ...pay, steps: pay.steps.map(this.#proved) })),
    }));
  }
}

/**
 * SHA-256 of a text kept off the ledger (an objection, a finding) under a random salt, so that a short text cannot be
 * guessed from its hash: `salt ‖ "\n" ‖ text`; the salt is kept with the text (salted:text).
 */
function saltedText(text: string): { hash: string; kept: string } {
  const salt = randomBytes(16).toString('hex');
  return { hash: createHash('sha256').update(`${salt}\n${text}`, 'utf8').digest('hex'), kept: `${salt}\n${text}` };
}

export type ApplyBody = {
  programme: string;
  /** the person's subject id in this organisation's vault */
  subject: string;
  /** the full name as on the verified credential: only its masked form is kept (for the notice) */
  name: string;
  building: string;
  category: string;
  /** the bank account (hashed here with the chain's salt; never stored or sent in clear) */
  accountNumber: string;
  /** the eligibility credential's status-list entry, or … */
  credential?: EligibilityRef;
  /** … the desk session (identity module) in which the resident presented it */
  session?: string;
};
