/**
 * Digital ID on a node: issuing SD-JWT VCs (an offer the resident's wallet picks up with its own key), changing their
 * status, the residents' wallets, and the "one trip" desk: a session, the resident's one consent, the verification of
 * every presentation — each step a ledger transaction signed by this organisation, each refusal a catalogue error
 * whose attempt stays on the ledger. docs/spec/identity.md
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  CREDENTIAL_TYPES,
  ERRORS,
  FIELDS,
  IDENTITY_CREDENTIAL_VALIDITY_MS_MAX,
  IDENTITY_SESSION_MS_MAX,
  MachiError,
  SERVICES,
  VERIFY_REASON_CODES,
  checkClaims,
  consentedSessions,
  credentialRecord,
  credentialTypeOfVct,
  decideAccess,
  didOfOrg,
  fieldsOfClaims,
  grantsForSubject,
  isCredentialTypeId,
  isServiceId,
  mayIssue,
  orgOfDid,
  requiredClaims,
  sessionComplete,
  sessionRecord,
  sha256Hex,
  statusListValues,
  subjectRecord,
  verificationsOfCredential,
  verificationsOfSession,
  type CredentialRecord,
  type CredentialStatus,
  type CredentialTypeId,
  type DataClass,
  type ErrorCode,
  type ServiceId,
  type SessionRecord,
  type Signer,
  type StatusReason,
  type VerificationRecord,
} from '@machi/core';
import { decodeSdJwt, splitSdJwt } from '@sd-jwt/decode';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import type { Principal } from '../../auth/principal.js';
import type { PrivacyService } from '../privacy/service.js';
import type { Vault } from '../privacy/vault.js';
import { IdentityStore, WALLET_CREDENTIALS_MAX, type WalletContent, type WalletRow } from './store.js';
import { decodedClaims, demoHolderKey, demoHolderSigner, ed25519Verifier, hasher, holderJwkOf, issueSdJwtVc, presentSdJwtVc, statusListToken, type HolderJwk } from './sdjwt.js';
import { consentCommitment, verifyPresentation, type Verdict } from './verify.js';

/** How long an offer may wait for the wallet. */
export const OFFER_MS_MAX = 24 * 3_600_000;
/** Presentations in one submission (one per credential the service needs). */
export const PRESENTATIONS_MAX = 8;
/** How long a node waits for a block another node already committed (a session, a consent) to reach it. */
export const LEDGER_CATCH_UP_MS_MAX = 5_000;
/** How long a desk waits for the consent the resident's node committed to reach it. */
export const CONSENT_CATCH_UP_MS_MAX = 2_000;
/**
 * How long `GET /v1/identity/sessions/{id}` waits for a session this node's desk did not open (another desk's block
 * may be on its way); a session opened here waits up to LEDGER_CATCH_UP_MS_MAX. An unknown id is answered quickly.
 */
export const SESSION_VIEW_CATCH_UP_MS_MAX = 1_000;
/** Sessions whose disclosed claims the desk keeps in memory for its official. */
export const DESK_SESSIONS_KEPT_MAX = 1000;

const hex32 = (): string => randomBytes(16).toString('hex');
const sha256b64u = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64url');

/** Issued credentials listed for an issuer, at most. */
export const ISSUED_LIST_MAX = 200;

export interface IdentityServiceOptions {
  node: MachiNode;
  signer: Signer;
  submitter: OrgSubmitter;
  store: IdentityStore;
  vault: Vault;
  privacy: PrivacyService;
  /** this node's public base URL (status list URIs name it) */
  baseUrl: () => string;
  log?: (line: string) => void;
}

export interface Tx {
  txHash: string;
  height: number;
}

export interface SubmissionResult {
  session: string;
  eligible: boolean;
  /** `verification` and `txHash` are absent for an attempt answered without a ledger record (Verdict.recorded) */
  results: { verification?: string; type?: CredentialTypeId; issuer?: string; result: 'valid' | 'invalid'; reason: string; code?: ErrorCode; detail: string; txHash?: string }[];
}

export class IdentityService {
  readonly #o: IdentityServiceOptions;
  /** session → type → disclosed claims (the desk's view; never on the ledger) */
  readonly #disclosed = new Map<string, Map<CredentialTypeId, Record<string, unknown>>>();

  constructor(o: IdentityServiceOptions) {
    this.#o = o;
  }

  get #node(): MachiNode {
    return this.#o.node;
  }
  #read = (key: string): string | undefined => this.#o.node.store.read(key);
  #scan = (prefix: string, limit: number): [string, string][] => this.#o.node.store.scan(prefix, limit);
  get org(): string {
    return this.#node.self.id;
  }
  get did(): string {
    return didOfOrg(this.#node.genesis.chainId, this.org);
  }
  statusListUri(org = this.org): string {
    return `${this.#o.baseUrl()}/v1/identity/status-lists/${org}`;
  }

  /** Signs, submits, waits; a handler refusal becomes its catalogue error, naming the transaction that records it. */
  async #commit(type: string, payload: Record<string, unknown>): Promise<Tx> {
    const r = await this.#o.submitter.submit(type, payload);
    if (r.code !== undefined) {
      const code = (Object.hasOwn(ERRORS, r.code) ? r.code : 'HANDLER_REJECTED') as ErrorCode;
      throw new MachiError(code, `${r.message ?? r.code} (the attempt is recorded in tx ${r.hash})`);
    }
    return { txHash: r.hash, height: r.height! };
  }

  /** Polls committed state until `get` answers, for at most LEDGER_CATCH_UP_MS_MAX (another node committed it). */
  async #catchUp<T>(get: () => T | undefined, until: (v: T | undefined) => boolean = (v) => v !== undefined, maxMs = LEDGER_CATCH_UP_MS_MAX): Promise<T | undefined> {
    const deadline = Date.now() + maxMs;
    let v = get();
    while (!until(v) && Date.now() < deadline && !this.#node.closed) {
      await new Promise((r) => setTimeout(r, 50));
      v = get();
    }
    return v;
  }

  // ---- issuing ---------------------------------------------------------------------------------------------------

  /**
   * An official issues a credential: the claims are checked, `identity.issue` is recorded (the ledger refuses a type
   * this organisation may not issue, and the refusal stays recorded), then an offer with a one-time code waits for
   * the resident's wallet to bind its key.
   */
  async offer(p: Principal, req: { type: string; claims: Record<string, unknown>; subject?: string; validDays?: number }) {
    if (!isCredentialTypeId(req.type)) throw new MachiError('CREDENTIAL_INVALID', `unknown credential type ${req.type}`);
    const now = this.#node.clock();
    const checked = checkClaims(req.type, req.claims, now);
    const validMs = (req.validDays ?? CREDENTIAL_TYPES[req.type].validityDays) * 86_400_000;
    if (!Number.isSafeInteger(validMs) || validMs <= 0 || validMs > IDENTITY_CREDENTIAL_VALIDITY_MS_MAX) throw new MachiError('CREDENTIAL_INVALID', 'validDays is out of range');
    if (req.subject !== undefined && subjectRecord(this.#read, req.subject) === undefined) throw new MachiError('SUBJECT_NOT_FOUND', `no subject ${req.subject}`);
    const credentialId = `urn:machi:credential:${hex32()}`;
    const credentialHash = sha256Hex(credentialId);
    const expiresAt = now + validMs;
    // An authorised issuer's bad input is refused here; an unauthorised one is refused by the ledger
    // (ISSUER_NOT_AUTHORISED), and that refused identity.issue stays in the log: the attempt is recorded.
    if (!checked.ok && mayIssue(this.org, req.type)) throw new MachiError('CREDENTIAL_INVALID', checked.why);
    const tx = await this.#commit('identity.issue', { credentialHash, type: req.type, expiresAt, actor: p.actor });
    if (!checked.ok) throw new MachiError('CREDENTIAL_INVALID', checked.why); // unreachable: the ledger refused it
    const record = credentialRecord(this.#read, credentialHash)!;
    const offer = `off_${hex32()}`;
    const code = randomBytes(24).toString('base64url');
    this.#o.store.putOffer(
      { offer, codeHash: sha256b64u(code), credentialHash, type: req.type, subject: req.subject ?? null, expiresAt, offerExpiresAt: now + OFFER_MS_MAX },
      { credentialId, claims: checked.claims, statusIndex: record.statusIndex, issuedAt: record.issuedAt },
    );
    return { offer, code, credentialHash, type: req.type, issuer: this.org, issuerDid: this.did, statusIndex: record.statusIndex, expiresAt, offerExpiresAt: now + OFFER_MS_MAX, ...tx };
  }

  /** The wallet binds its key to an offer (with the offer's code, or as the linked resident) and gets the SD-JWT VC. */
  async redeem(offer: string, auth: { code: string } | { subject: string }, holderJwk: HolderJwk) {
    const got = this.#o.store.getOffer(offer);
    const now = this.#node.clock();
    if (got === undefined || got.content === undefined || got.row.redeemedAt !== null || now > got.row.offerExpiresAt) throw new MachiError('OFFER_INVALID');
    const ok = 'code' in auth
      ? timingSafeEqual(Buffer.from(sha256b64u(auth.code)), Buffer.from(got.row.codeHash))
      : got.row.subject !== null && got.row.subject === auth.subject;
    if (!ok) throw new MachiError('OFFER_INVALID', 'the offer code does not match');
    const record = credentialRecord(this.#read, got.row.credentialHash);
    if (record === undefined || record.status === 'revoked') throw new MachiError('OFFER_INVALID', 'the credential was revoked before it was picked up');
    const credential = await issueSdJwtVc({
      chainId: this.#node.genesis.chainId, orgId: this.org, signer: this.#o.signer, type: record.type, claims: got.content.claims, holderJwk,
      credentialId: got.content.credentialId, issuedAtMs: got.content.issuedAt, expiresAtMs: record.expiresAt, statusIndex: record.statusIndex, statusUri: this.statusListUri(),
    });
    if (!this.#o.store.redeem(offer, now)) throw new MachiError('OFFER_INVALID', 'the offer was just redeemed');
    return { credential, credentialHash: record.credentialHash, type: record.type, issuer: this.org, issuerDid: this.did, expiresAt: record.expiresAt };
  }

  /** Changes a credential's status (the ledger refuses a non-issuer, and a change after revocation). */
  async setStatus(p: Principal, credentialHash: string, status: CredentialStatus, reason: StatusReason): Promise<Tx & { status: CredentialStatus }> {
    if (credentialRecord(this.#read, credentialHash) === undefined) throw new MachiError('CREDENTIAL_NOT_FOUND', `no credential ${credentialHash}`);
    const tx = await this.#commit('identity.status', { credentialHash, status, reason, actor: p.actor });
    return { ...tx, status };
  }

  /** The issuer's signed Token Status List, from the ledger. */
  async statusList(org: string): Promise<string> {
    if (org !== this.org) throw new MachiError('NOT_FOUND', `the status list of ${org} is served by ${org}'s node`);
    const now = this.#node.clock();
    return statusListToken({ chainId: this.#node.genesis.chainId, orgId: this.org, signer: this.#o.signer, uri: this.statusListUri(), values: statusListValues(this.#read, this.#scan, this.org), nowMs: now });
  }

  // ---- the wallet ------------------------------------------------------------------------------------------------

  #subjectOf(p: Principal): string {
    const subject = this.#o.vault.subjectOfUser(p.userId);
    if (subject === undefined) throw new MachiError('SUBJECT_NOT_FOUND', 'no record is linked to this account');
    return subject;
  }

  /** Offers made at this node to the signed-in resident. */
  /**
   * What this organisation issued at this node, newest first: type, when, whether the wallet picked it up, and its
   * status on the ledger (no claims: those were destroyed when the wallet took the credential).
   */
  issued(_p: Principal, limit = ISSUED_LIST_MAX) {
    return this.#o.store.issued(limit).map((o) => {
      const r = credentialRecord(this.#read, o.credentialHash);
      return {
        credentialHash: o.credentialHash, type: o.type, typeName: CREDENTIAL_TYPES[o.type as CredentialTypeId]?.name ?? o.type,
        subject: o.subject ?? null, pickedUp: o.redeemedAt !== null, expiresAt: o.expiresAt,
        status: r?.status ?? 'refused', issuedAt: r?.issuedAt ?? null, history: r?.history ?? [],
      };
    });
  }

  offersFor(p: Principal) {
    const subject = this.#o.vault.subjectOfUser(p.userId);
    if (subject === undefined) return [];
    const now = this.#node.clock();
    return this.#o.store.offersOf(subject).filter((o) => o.offerExpiresAt >= now).map((o) => ({
      offer: o.offer, type: o.type, typeName: CREDENTIAL_TYPES[o.type as CredentialTypeId]?.name ?? o.type, issuer: this.org, issuerDid: this.did, expiresAt: o.expiresAt, offerExpiresAt: o.offerExpiresAt,
    }));
  }

  /**
   * Checks a credential (issuer signature from the genesis, a known type, its ledger record) and keeps it, encrypted,
   * in the resident's wallet. `demoHolderKey` only for demo credentials whose key the node made.
   */
  async store(p: Principal, credential: string, demoKey?: Record<string, unknown>) {
    let decoded;
    try {
      decoded = await decodeSdJwt(credential, hasher);
    } catch {
      throw new MachiError('CREDENTIAL_INVALID', 'not an SD-JWT VC');
    }
    const { payload } = decoded.jwt;
    const org = orgOfDid(this.#node.genesis, payload.iss);
    const type = credentialTypeOfVct(payload.vct);
    const [h, pl, sig] = splitSdJwt(credential).jwt.split('.');
    if (org === undefined || type === undefined || typeof payload.jti !== 'string' || decoded.kbJwt !== undefined) throw new MachiError('CREDENTIAL_INVALID', 'not a credential of this chain');
    if (!(await ed25519Verifier(org.publicKey)(`${h}.${pl}`, sig ?? ''))) throw new MachiError('CREDENTIAL_INVALID', `the signature is not ${org.id}'s`);
    const credentialHash = sha256Hex(payload.jti);
    const record = await this.#catchUp(() => credentialRecord(this.#read, credentialHash));
    if (record === undefined || record.issuer !== org.id || record.type !== type.id) throw new MachiError('CREDENTIAL_INVALID', 'the credential is not recorded on the ledger');
    this.#checkOwn(p, type.id, await decodedClaims(credential));
    const existing = this.#o.store.walletHas(p.userId, credentialHash);
    if (existing !== undefined) return this.#walletEntry(this.#o.store.getWallet(existing)!.row.id);
    if (this.#o.store.walletCount(p.userId) >= WALLET_CREDENTIALS_MAX) throw new MachiError('CREDENTIAL_INVALID', `a wallet holds at most ${WALLET_CREDENTIALS_MAX} credentials`);
    const id = `wc_${hex32()}`;
    const content: WalletContent = demoKey === undefined ? { credential } : { credential, demoHolderKey: demoKey };
    this.#o.store.putWallet({ id, userId: p.userId, credentialHash, type: type.id, issuer: org.id, storedAt: this.#node.clock() }, content);
    return this.#walletEntry(id);
  }

  /** Picks up an offer made at this node to the signed-in resident and keeps the credential in their wallet. */
  async accept(p: Principal, offer: string, holder: { holderJwk: HolderJwk } | { demoHolderKey: true }) {
    const subject = this.#subjectOf(p);
    let jwk: HolderJwk;
    let demoKey: Record<string, unknown> | undefined;
    if ('holderJwk' in holder) jwk = holder.holderJwk;
    else {
      const k = await demoHolderKey();
      jwk = k.publicJwk;
      demoKey = k.privateJwk as Record<string, unknown>;
    }
    // Refused before the offer is used up: an offer whose claims are not about this resident stays for the issuer.
    const pending = this.#o.store.getOffer(offer);
    if (pending?.content !== undefined && pending.row.subject === subject && isCredentialTypeId(pending.row.type)) this.#checkOwn(p, pending.row.type, pending.content.claims);
    const { credential } = await this.redeem(offer, { subject }, jwk);
    return this.store(p, credential, demoKey);
  }

  async #walletEntry(id: string) {
    const w = this.#o.store.getWallet(id)!;
    const record = credentialRecord(this.#read, w.row.credentialHash);
    const claims = await decodedClaims(w.content.credential);
    const type = CREDENTIAL_TYPES[w.row.type as CredentialTypeId];
    const own = Object.fromEntries(Object.keys(type.claims).filter((c) => c in claims).map((c) => [c, claims[c]]));
    return {
      id, type: type.id, typeName: type.name, vct: type.vct, issuer: w.row.issuer, issuerDid: claims.iss, credentialHash: w.row.credentialHash,
      issuedAt: (claims.iat as number) * 1000, expiresAt: (claims.exp as number) * 1000, status: record?.status ?? 'unknown',
      claims: own, credential: w.content.credential, demoHolderKey: w.content.demoHolderKey !== undefined,
    };
  }

  async wallet(p: Principal) {
    return Promise.all(this.#o.store.walletOf(p.userId).map((w) => this.#walletEntry(w.row.id)));
  }

  /**
   * DEMO ONLY: makes a presentation of a credential whose holder key the node generated (seeded demo credentials). A
   * real wallet makes presentations on the device with its own key; the node never sees that key.
   */
  async demoPresent(p: Principal, id: string, req: { session: string; nonce: string; disclose?: string[] }): Promise<{ presentation: string }> {
    const w = this.#o.store.getWallet(id);
    if (w === undefined || w.row.userId !== p.userId) throw new MachiError('CREDENTIAL_NOT_FOUND', `no credential ${id} in your wallet`);
    if (w.content.demoHolderKey === undefined) throw new MachiError('CREDENTIAL_INVALID', 'this credential\'s key is on your device: present it from there');
    const s = await this.#catchUp(() => sessionRecord(this.#read, req.session));
    if (s === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${req.session}`);
    const r = SERVICES[s.service].requirements.find((x) => x.type === w.row.type);
    if (r === undefined) throw new MachiError('CREDENTIAL_INVALID', `${s.service} does not ask for a ${w.row.type} credential`);
    // Exactly what the service needs: a `disclose` list in the request is ignored (kept in the body for compatibility).
    const disclose = requiredClaims(r);
    const sign = await demoHolderSigner(w.content.demoHolderKey as never);
    const presentation = await presentSdJwtVc(w.content.credential, disclose, { nonce: req.nonce, aud: didOfOrg(this.#node.genesis.chainId, s.deskOrg), iatS: Math.floor(this.#node.clock() / 1000), sign, alg: 'ES256' });
    return { presentation };
  }

  // ---- the desk ----------------------------------------------------------------------------------------------------

  /** An official starts a service: the ledger records the session (service, desk, nonce hash, expiry). */
  async startSession(p: Principal, service: string, ttlMs = IDENTITY_SESSION_MS_MAX) {
    if (!isServiceId(service)) throw new MachiError('SESSION_INVALID', `unknown service ${service}`);
    const session = `ses_${hex32()}`;
    const nonce = randomBytes(24).toString('base64url');
    const expiresAt = this.#node.clock() + Math.min(ttlMs, IDENTITY_SESSION_MS_MAX);
    // The nonce is kept before the session is recorded, so a presentation can never find a session without it.
    this.#o.store.putSession(session, nonce, p.userId, this.#node.clock());
    const tx = await this.#commit('identity.session', { session, service, nonceHash: sha256Hex(nonce), expiresAt, actor: p.actor });
    return { ...this.sessionView(session)!, nonce, ...tx };
  }

  /** What a wallet needs to answer a session (public: no personal data). */
  sessionView(session: string) {
    const s = sessionRecord(this.#read, session);
    if (s === undefined) return undefined;
    const svc = SERVICES[s.service];
    const desk = this.#node.genesis.orgs.find((o) => o.id === s.deskOrg);
    return {
      session, service: s.service, serviceName: svc.name, deskOrg: s.deskOrg, deskName: desk?.name ?? s.deskOrg,
      audience: didOfOrg(this.#node.genesis.chainId, s.deskOrg), nonceHash: s.nonceHash, expiresAt: s.expiresAt,
      requirements: svc.requirements.map((r) => ({ type: r.type, typeName: CREDENTIAL_TYPES[r.type].name, vct: CREDENTIAL_TYPES[r.type].vct, disclose: requiredClaims(r), ...(r.require === undefined ? {} : { require: r.require }) })),
      consented: s.consent !== null, verified: s.verified, complete: sessionComplete(s), attempts: s.attempts, txHash: s.txHash,
    };
  }

  async sessionViewWaiting(session: string) {
    const ownDesk = this.#o.store.getSession(session) !== undefined;
    const v = await this.#catchUp(() => this.sessionView(session), undefined, ownDesk ? LEDGER_CATCH_UP_MS_MAX : SESSION_VIEW_CATCH_UP_MS_MAX);
    if (v === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session}`);
    return v;
  }

  /** The desk official's view: the session, every attempt with its reason, the disclosed claims, eligibility. */
  deskView(p: Principal, session: string) {
    const s = sessionRecord(this.#read, session);
    if (s === undefined || s.deskOrg !== p.org) throw new MachiError('SESSION_NOT_FOUND', `no session ${session} at ${p.org}'s desk`);
    const disclosed = this.#disclosed.get(session);
    return {
      ...this.sessionView(session)!,
      eligible: sessionComplete(s),
      disclosed: Object.fromEntries(disclosed ?? []),
      consent: s.consent === null ? null : { txHash: s.consent.txHash, at: s.consent.at, holderOrg: s.consent.holderOrg, ...(s.consent.grant === undefined ? {} : { grant: s.consent.grant }) },
      verifications: verificationsOfSession(this.#read, this.#scan, session),
    };
  }

  /**
   * The resident consents once, from their own organisation's node: checks the nonce against the session's hash, and
   * for a desk of another organisation records the holder's grant to it (bounded by the session) before the consent.
   */
  async consent(p: Principal, session: string, nonce: string, credentials?: readonly string[]) {
    const subject = this.#subjectOf(p);
    const s = await this.#catchUp(() => sessionRecord(this.#read, session));
    if (s === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session}`);
    if (this.#node.clock() >= s.expiresAt) throw new MachiError('SESSION_CLOSED', `session ${session} expired`);
    if (s.consent !== null) throw new MachiError('CONSENT_INVALID', 'this session already has a consent');
    if (sha256Hex(nonce) !== s.nonceHash) throw new MachiError('CONSENT_INVALID', 'the nonce is not this session\'s');
    const picked = this.#consentCredentials(p, s, credentials);
    const commitments = picked.map((w) => consentCommitment(nonce, w.credentialHash)).sort();
    let grant: string | undefined;
    if (s.deskOrg !== this.org) {
      // Exactly the personal-data fields of the claims the service needs: the grant names them, so the desk's
      // officials cannot read any other field of the same class (the ID number beside the name, the unit beside the
      // building) from the holder's vault under it.
      const fields = fieldsOfClaims(SERVICES[s.service].requirements.flatMap(requiredClaims));
      const classes = [...new Set(fields.map((f) => FIELDS[f]))].sort() as DataClass[];
      const now = this.#node.clock();
      const g = await this.#o.privacy.grant(p, { subjects: [subject], classes, fields, toOrg: s.deskOrg, toRole: 'official', purpose: 'identity-verification', from: now - 1000, until: s.expiresAt } as never);
      grant = g.grant;
    }
    const tx = await this.#commit('identity.consent', {
      session, subject, service: s.service, deskOrg: s.deskOrg, types: s.types, nonceHash: s.nonceHash, commitments, actor: p.actor, ...(grant === undefined ? {} : { grant }),
    });
    return { session, subject, consented: true, credentials: picked.map((w) => w.id), ...(grant === undefined ? {} : { grant }), ...tx };
  }

  /**
   * The wallet credentials a consent names: the ones the resident listed (each in their wallet here, of a type the
   * session asks for, one per type), or else, per type the session asks for, the first credential of the wallet (in
   * its listed order) that is valid on the ledger and unexpired — the one the web app presents.
   */
  #consentCredentials(p: Principal, s: SessionRecord, ids: readonly string[] | undefined): WalletRow[] {
    const now = this.#node.clock();
    if (ids !== undefined) {
      const rows: WalletRow[] = [];
      for (const id of ids) {
        const w = this.#o.store.getWallet(id);
        if (w === undefined || w.row.userId !== p.userId) throw new MachiError('CONSENT_INVALID', `no credential ${id} in your wallet`);
        if (!s.types.includes(w.row.type as CredentialTypeId)) throw new MachiError('CONSENT_INVALID', `${s.service} does not ask for a ${w.row.type} credential (${id})`);
        if (rows.some((r) => r.type === w.row.type)) throw new MachiError('CONSENT_INVALID', `two ${w.row.type} credentials: name one per type`);
        rows.push(w.row);
      }
      return rows;
    }
    const wallet = this.#o.store.walletRows(p.userId);
    return s.types.map((type) => {
      const w = wallet.find((r) => {
        const rec = r.type === type ? credentialRecord(this.#read, r.credentialHash) : undefined;
        return rec !== undefined && rec.status === 'valid' && rec.expiresAt > now;
      });
      if (w === undefined) throw new MachiError('CONSENT_INVALID', `your wallet holds no valid ${type} credential for ${s.service}`);
      return w;
    });
  }

  /**
   * A credential is kept in a resident's wallet only if it is about them: its ID number (or, for a type without one,
   * its name) must equal their own record in this node's vault.
   */
  #checkOwn(p: Principal, type: CredentialTypeId, claims: Readonly<Record<string, unknown>>): void {
    const held = this.#o.vault.get(this.#subjectOf(p));
    const key = Object.hasOwn(CREDENTIAL_TYPES[type].claims, 'idNumber') ? 'idNumber' : 'name';
    const mine = held?.fields[key as 'idNumber' | 'name'];
    if (mine === undefined || claims[key] !== mine) throw new MachiError('CREDENTIAL_INVALID', `this credential is not about you: its ${key === 'idNumber' ? 'ID number' : 'name'} is not the one in your record`);
  }

  /**
   * The desk verifies a submission of presentations. Every attempt is recorded (`identity.verify`); each valid one is
   * also a `privacy.access` record for the resident, decided by the core's decideAccess like any other read.
   * Answers the results, or throws the first failure's catalogue error.
   */
  async present(session: string, presentations: unknown[]): Promise<SubmissionResult> {
    const local = this.#o.store.getSession(session);
    if (local === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session} at this desk`);
    let s = await this.#catchUp(() => sessionRecord(this.#read, session));
    if (s === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session}`);
    // The resident's node committed the consent; give ours a moment to hold that block.
    s = (await this.#catchUp(() => sessionRecord(this.#read, session), (v) => v?.consent != null, CONSENT_CATCH_UP_MS_MAX)) ?? s;
    const results: SubmissionResult['results'] = [];
    for (const presentation of presentations.slice(0, PRESENTATIONS_MAX)) {
      const current = sessionRecord(this.#read, session)!;
      const verdict = await verifyPresentation({ genesis: this.#node.genesis, read: this.#read, nowMs: this.#node.clock(), session: current, nonce: local.nonce, audience: this.did }, presentation);
      if (!verdict.recorded) {
        // Nothing signed by an issuer of this chain, or a closed / unconsented session: answered and logged, never
        // written to the ledger, and not counted as one of the session's attempts.
        const reason = verdict.reason as Exclude<Verdict['reason'], 'ok'>;
        this.#o.log?.(`identity: session ${session}: presentation refused without a ledger record: ${reason} (${verdict.detail})`);
        results.push({ ...(verdict.type === undefined ? {} : { type: verdict.type }), ...(verdict.issuer === undefined ? {} : { issuer: verdict.issuer }), result: 'invalid', reason, code: VERIFY_REASON_CODES[reason], detail: verdict.detail });
        continue;
      }
      results.push(await this.#record(current, verdict));
    }
    const after = sessionRecord(this.#read, session)!;
    const failed = results.find((r) => r.result === 'invalid');
    if (failed !== undefined) {
      const where = failed.txHash === undefined ? 'not recorded: nothing an issuer of this chain signed, or the session is closed or not consented' : `recorded as ${failed.verification} in tx ${failed.txHash}`;
      throw new MachiError(failed.code!, `${failed.reason}: ${failed.detail} (${where})`);
    }
    return { session, eligible: sessionComplete(after), results };
  }

  async #record(s: SessionRecord, v: Verdict): Promise<SubmissionResult['results'][number]> {
    const verification = `ver_${hex32()}`;
    const at = this.#node.clock();
    const actor = s.actor; // the official who opened the session
    const base = { verification, session: s.session, actor, at, ...(v.credentialHash === undefined ? {} : { credentialHash: v.credentialHash }), ...(v.type === undefined ? {} : { type: v.type }), ...(v.issuer === undefined ? {} : { issuer: v.issuer }) };
    let verdict = v;
    if (v.reason === 'ok') {
      // The privacy rules decide first whether the desk may have these claims at all; refused, nothing is kept or
      // shown, and the refused use is itself recorded (as every use of personal data is).
      const access = this.#accessOf(s, v, actor, at);
      if (access.decision !== 'allowed') {
        await this.#commit('privacy.access', access).catch((e: unknown) => this.#o.log?.(`identity: access record not written: ${String(e)}`));
        verdict = { ...v, reason: 'no-consent', detail: `the privacy rules refuse this desk these claims (${String(access.reason)})` };
      } else {
        let tx: { txHash: string } | undefined;
        try {
          tx = await this.#commit('identity.verify', { ...base, result: 'valid', reason: 'ok' });
        } catch (e) {
          // The ledger disagreed (a status changed meanwhile, a race): record the refusal as an invalid attempt.
          if (!(e instanceof MachiError)) throw e;
          const reason = e.code === 'CREDENTIAL_REVOKED' ? 'revoked' : e.code === 'CREDENTIAL_SUSPENDED' ? 'suspended' : e.code === 'CREDENTIAL_EXPIRED' ? 'expired' : e.code === 'CONSENT_MISSING' ? 'no-consent' : e.code === 'PRESENTATION_REPLAYED' ? 'replayed-nonce' : e.code === 'SESSION_CLOSED' ? 'session-closed' : 'unknown-credential';
          verdict = { ...v, reason, detail: e.message };
        }
        if (tx !== undefined) {
          // the verification is on the ledger: the use record follows; if writing it fails, that is logged, never a
          // second (invalid) record of the same presentation
          await this.#commit('privacy.access', access).catch((e: unknown) => this.#o.log?.(`identity: access record not written for ${verification}: ${String(e)}`));
          const kept = this.#disclosed.get(s.session) ?? new Map();
          kept.set(v.type!, v.disclosed!);
          this.#disclosed.set(s.session, kept);
          if (this.#disclosed.size > DESK_SESSIONS_KEPT_MAX) this.#disclosed.delete(this.#disclosed.keys().next().value!);
          return { verification, type: v.type!, issuer: v.issuer!, result: 'valid', reason: 'ok', detail: v.detail, txHash: tx.txHash };
        }
      }
    }
    const reason = verdict.reason as Exclude<Verdict['reason'], 'ok'>;
    const tx = await this.#commit('identity.verify', { ...base, result: 'invalid', reason });
    return { verification, ...(v.type === undefined ? {} : { type: v.type }), ...(v.issuer === undefined ? {} : { issuer: v.issuer }), result: 'invalid', reason, code: VERIFY_REASON_CODES[reason], detail: verdict.detail, txHash: tx.txHash };
  }

  /** The use of the resident's data, as the privacy module records every use (visible in their /v1/me/uses). */
  #accessOf(s: SessionRecord, v: Verdict, actor: string, at: number): Record<string, unknown> {
    const subject = s.consent!.subject;
    const fields = fieldsOfClaims(Object.keys(v.disclosed ?? {}));
    const decision = decideAccess(subjectRecord(this.#read, subject), grantsForSubject(this.#read, this.#scan, subject, this.org), {
      subject, org: this.org, role: 'official', purpose: 'identity-verification', fields, at,
    });
    const payload: Record<string, unknown> = {
      access: `acc_${hex32()}`, subject, org: this.org, role: 'official', purpose: 'identity-verification', fields, decision: decision.decision, reason: decision.reason, actor, at,
    };
    if (decision.decision === 'allowed' && decision.reason === 'grant') payload.grant = decision.grant;
    return payload;
  }

  // ---- the resident's record of uses -------------------------------------------------------------------------------

  /** Every consent the resident gave (with the desk's attempts in that session) and every verification of their credentials. */
  uses(p: Principal) {
    const subject = this.#subjectOf(p);
    const consents = consentedSessions(this.#read, this.#scan, subject).map((s) => ({
      ...this.sessionView(s.session)!, consent: s.consent, verifications: verificationsOfSession(this.#read, this.#scan, s.session), proof: this.#node.proof(s.consent!.txHash) ?? null,
    }));
    const seen = new Set<string>();
    const verifications: (VerificationRecord & { proof: unknown })[] = [];
    for (const { row } of this.#o.store.walletOf(p.userId)) {
      for (const v of verificationsOfCredential(this.#read, this.#scan, row.credentialHash)) {
        if (seen.has(v.verification)) continue;
        seen.add(v.verification);
        verifications.push({ ...v, proof: this.#node.proof(v.txHash) ?? null });
      }
    }
    return { subject, consents, verifications };
  }

  /** The ledger's record of a credential (public: no claims). */
  credential(hash: string): CredentialRecord {
    const r = credentialRecord(this.#read, hash);
    if (r === undefined) throw new MachiError('CREDENTIAL_NOT_FOUND', `no credential ${hash}`);
    return r;
  }
}
