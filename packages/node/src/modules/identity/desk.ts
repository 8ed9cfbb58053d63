/**
 * The "one trip" desk: an official opens a session (recorded on the ledger), and verifies the presentations the
 * resident's wallet posts — every attempt recorded (`identity.verify`), each accepted one also a privacy access
 * decided by the core's decideAccess. The disclosed claims stay in memory for the desk's official.
 */
import { logSafe } from '../../log-safe.js';
import { randomBytes } from 'node:crypto';
import {
  IDENTITY_SESSION_MS_MAX,
  MachiError,
  VERIFY_REASON_CODES,
  decideAccess,
  fieldsOfClaims,
  grantsForSubject,
  isServiceId,
  sessionComplete,
  sessionRecord,
  sha256Hex,
  subjectRecord,
  verificationsOfSession,
  type CredentialTypeId,
  type SessionRecord,
  type DeskView,
  type SessionStarted,
  type SessionView,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import {
  CONSENT_CATCH_UP_MS_MAX,
  DESK_SESSIONS_KEPT_MAX,
  LEDGER_CATCH_UP_MS_MAX,
  PRESENTATIONS_MAX,
  SESSION_VIEW_CATCH_UP_MS_MAX,
  hex32,
  type IdentityContext,
  type SubmissionResult,
} from './context.js';
import { verifyPresentation, type Verdict } from './verify.js';
import type { IdentityViews } from './views.js';
import { isPseudonym } from '../privacy/index.js';

export class Desk {
  readonly #c: IdentityContext;
  readonly #views: IdentityViews;
  /** session → type → disclosed claims (the desk's view; never on the ledger) */
  readonly #disclosed = new Map<string, Map<CredentialTypeId, Record<string, unknown>>>();

  constructor(c: IdentityContext, views: IdentityViews) {
    this.#c = c;
    this.#views = views;
  }

  /** An official starts a service: the ledger records the session (service, desk, nonce hash, expiry). */
  async startSession(p: Principal, service: string, ttlMs = IDENTITY_SESSION_MS_MAX): Promise<SessionStarted> {
    if (!isServiceId(service)) throw new MachiError('SESSION_INVALID', `unknown service ${service}`);
    const session = `ses_${hex32()}`;
    const nonce = randomBytes(24).toString('base64url');
    const expiresAt = this.#c.node.clock() + Math.min(ttlMs, IDENTITY_SESSION_MS_MAX);
    // The nonce is kept before the session is recorded, so a presentation can never find a session without it.
    this.#c.o.store.putSession(session, nonce, p.userId, this.#c.node.clock());
    const tx = await this.#c.commit('identity.session', { session, service, nonceHash: sha256Hex(nonce), expiresAt, actor: p.actor });
    return { ...this.#views.sessionView(session)!, nonce, ...tx };
  }

  async sessionViewWaiting(session: string): Promise<SessionView> {
    const ownDesk = this.#c.o.store.getSession(session) !== undefined;
    const v = await this.#c.catchUp(() => this.#views.sessionView(session), undefined, ownDesk ? LEDGER_CATCH_UP_MS_MAX : SESSION_VIEW_CATCH_UP_MS_MAX);
    if (v === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session}`);
    return v;
  }

  /** The desk official's view: the session, every attempt with its reason, the disclosed claims, eligibility. */
  deskView(p: Principal, session: string): DeskView {
    const s = sessionRecord(this.#c.read, session);
    if (s === undefined || s.deskOrg !== p.org) throw new MachiError('SESSION_NOT_FOUND', `no session ${session} at ${p.org}'s desk`);
    const disclosed = this.#disclosed.get(session);
    return {
      ...this.#views.sessionView(session)!,
      eligible: sessionComplete(s),
      disclosed: Object.fromEntries(disclosed ?? []),
      consent: s.consent === null ? null : { txHash: s.consent.txHash, at: s.consent.at, holderOrg: s.consent.holderOrg, ...(s.consent.grant === undefined ? {} : { grant: s.consent.grant }) },
      verifications: verificationsOfSession(this.#c.read, this.#c.scan, session),
    };
  }

  /**
   * The desk verifies a submission of presentations. Every attempt is recorded (`identity.verify`); each valid one is
   * also a `privacy.access` record for the resident, decided by the core's decideAccess like any other read.
   * Answers the results, or throws the first failure's catalogue error.
   */
  async present(session: string, presentations: unknown[]): Promise<SubmissionResult> {
    const local = this.#c.o.store.getSession(session);
    if (local === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session} at this desk`);
    let s = await this.#c.catchUp(() => sessionRecord(this.#c.read, session));
    if (s === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session}`);
    // The resident's node committed the consent; give ours a moment to hold that block.
    s = (await this.#c.catchUp(() => sessionRecord(this.#c.read, session), (v) => v?.consent != null, CONSENT_CATCH_UP_MS_MAX)) ?? s;
    const results: SubmissionResult['results'] = [];
    for (const presentation of presentations.slice(0, PRESENTATIONS_MAX)) {
      const current = sessionRecord(this.#c.read, session)!;
      const verdict = await verifyPresentation({
        genesis: this.#c.node.genesis, read: this.#c.read, nowMs: this.#c.node.clock(), session: current, nonce: local.nonce, audience: this.#c.did,
        issuerKeys: (org) => this.#c.issuerKeys(org), issuedHeight: (r) => this.#c.issuedHeight(r),
      }, presentation);
      if (!verdict.recorded) {
        // Nothing signed by an issuer of this chain, or a closed / unconsented session: answered and logged, never
        // written to the ledger, and not counted as one of the session's attempts.
        const reason = verdict.reason as Exclude<Verdict['reason'], 'ok'>;
        this.#c.o.log?.(`identity: session ${session}: presentation refused without a ledger record: ${reason} (${logSafe(verdict.detail)})`);
        results.push({ ...(verdict.type === undefined ? {} : { type: verdict.type }), ...(verdict.issuer === undefined ? {} : { issuer: verdict.issuer }), result: 'invalid', reason, code: VERIFY_REASON_CODES[reason], detail: verdict.detail });
        continue;
      }
      results.push(await this.#record(current, verdict));
    }
    const after = sessionRecord(this.#c.read, session)!;
    const failed = results.find((r) => r.result === 'invalid');
    if (failed !== undefined) {
      const where = failed.txHash === undefined ? 'not recorded: nothing an issuer of this chain signed, or the session is closed or not consented' : `recorded as ${failed.verification} in tx ${failed.txHash}`;
      throw new MachiError(failed.code!, `${failed.reason}: ${failed.detail} (${where})`);
    }
    return { session, eligible: sessionComplete(after), results };
  }

  async #record(s: SessionRecord, v: Verdict): Promise<SubmissionResult['results'][number]> {
    const verification = `ver_${hex32()}`;
    const at = this.#c.node.clock();
    const actor = s.actor; // the official who opened the session
    const base = { verification, session: s.session, actor, at, ...(v.credentialHash === undefined ? {} : { credentialHash: v.credentialHash }), ...(v.type === undefined ? {} : { type: v.type }), ...(v.issuer === undefined ? {} : { issuer: v.issuer }) };
    let verdict = v;
    if (v.reason === 'ok') {
      // The privacy rules decide first whether the desk may have these claims at all; refused, nothing is kept or
      // shown, and the refused use is itself recorded (as every use of personal data is).
      const access = await this.#accessOf(s, v, at);
      if (access.decision !== 'allowed') {
        await this.#c.commit('privacy.access', access).catch((e: unknown) => this.#c.o.log?.(`identity: access record not written: ${logSafe(String(e))}`));
        verdict = { ...v, reason: 'no-consent', detail: `the privacy rules refuse this desk these claims (${String(access.reason)})` };
      } else {
        // The use is recorded before anything is shown (architecture: recorded before released); then the
        // verification; the desk keeps the claims as soon as that commits, so a desk polling the session never sees
        // it complete without them.
        await this.#c.commit('privacy.access', access);
        let tx: { txHash: string } | undefined;
        try {
          tx = await this.#c.commit('identity.verify', { ...base, result: 'valid', reason: 'ok' });
        } catch (e) {
          // The ledger disagreed (a status changed meanwhile, a race): record the refusal as an invalid attempt.
          if (!(e instanceof MachiError)) throw e;
          const reason = e.code === 'CREDENTIAL_REVOKED' ? 'revoked' : e.code === 'CREDENTIAL_SUSPENDED' ? 'suspended' : e.code === 'CREDENTIAL_EXPIRED' ? 'expired' : e.code === 'CONSENT_MISSING' ? 'no-consent' : e.code === 'PRESENTATION_REPLAYED' ? 'replayed-nonce' : e.code === 'SESSION_CLOSED' ? 'session-closed' : 'unknown-credential';
          verdict = { ...v, reason, detail: e.message };
        }
        if (tx !== undefined) {
          const kept = this.#disclosed.get(s.session) ?? new Map();
          kept.set(v.type!, v.disclosed!);
          this.#disclosed.set(s.session, kept);
          if (this.#disclosed.size > DESK_SESSIONS_KEPT_MAX) this.#disclosed.delete(this.#disclosed.keys().next().value!);
          return { verification, type: v.type!, issuer: v.issuer!, result: 'valid', reason: 'ok', detail: v.detail, txHash: tx.txHash };
        }
      }
    }
    const reason = verdict.reason as Exclude<Verdict['reason'], 'ok'>;
    const tx = await this.#c.commit('identity.verify', { ...base, result: 'invalid', reason });
    return { verification, ...(v.type === undefined ? {} : { type: v.type }), ...(v.issuer === undefined ? {} : { issuer: v.issuer }), result: 'invalid', reason, code: VERIFY_REASON_CODES[reason], detail: verdict.detail, txHash: tx.txHash };
  }

  /**
   * The use of the resident's data, as the privacy module records every use (visible in their /v1/me/uses). Where the
   * consent names the resident by the holder's pseudonym for the session, the desk learns whom it is about from the
   * holder (itself, or the holder's node, which answers only the session's desk); the access record then names them by
   * the holder's pseudonym for this desk's reads.
   */
  async #accessOf(s: SessionRecord, v: Verdict, at: number): Promise<Record<string, unknown>> {
    const privacy = this.#c.o.privacy;
    const consent = s.consent!;
    const subject = isPseudonym(consent.subject) ? await privacy.subjectOfPseudonym(consent.subject, consent.holderOrg) : consent.subject;
    const actor = s.actor; // the official who opened the session (staff keep one actor across modules: LedgerActors)
    const fields = fieldsOfClaims(Object.keys(v.disclosed ?? {}));
    const record = subjectRecord(this.#c.read, subject);
    const decision = decideAccess(record, grantsForSubject(this.#c.read, this.#c.scan, subject, this.#c.org), {
      subject, org: this.#c.org, role: 'official', purpose: 'identity-verification', fields, at,
    });
    const name = record === undefined ? subject : await privacy.accessName(subject, record.holder, { org: this.#c.org, role: 'official', purpose: 'identity-verification' });
    const payload: Record<string, unknown> = {
      access: `acc_${hex32()}`, subject: name, org: this.#c.org, role: 'official', purpose: 'identity-verification', fields, decision: decision.decision, reason: decision.reason, actor, at,
    };
    if (decision.decision === 'allowed' && decision.reason === 'grant') payload.grant = decision.grant;
    return payload;
  }
}
