/**
 * Issuing: an official's offer (claims checked, `identity.issue` recorded, a one-time code for the wallet), the
 * wallet's redemption into an SD-JWT VC bound to its key, status changes, the issuer's status list, what was issued.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  CREDENTIAL_TYPES,
  IDENTITY_CREDENTIAL_VALIDITY_MS_MAX,
  MachiError,
  checkClaims,
  credentialRecord,
  isCredentialTypeId,
  mayIssue,
  sha256Hex,
  statusListValues,
  subjectRecord,
  type CredentialStatus,
  type CredentialTypeId,
  type StatusReason,
  type IssuedList,
  type OfferCreated,
  type OfferRedeemed,
  type StatusChanged,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import { ISSUED_LIST_MAX, OFFER_MS_MAX, hex32, sha256b64u, type IdentityContext, type Tx } from './context.js';
import { issueSdJwtVc, statusListToken, type HolderJwk } from './sdjwt.js';

export class Issuing {
  readonly #c: IdentityContext;

  constructor(c: IdentityContext) {
    this.#c = c;
  }

  /**
   * An official issues a credential: the claims are checked, `identity.issue` is recorded (the ledger refuses a type
   * this organisation may not issue, and the refusal stays recorded), then an offer with a one-time code waits for
   * the resident's wallet to bind its key.
   */
  async offer(p: Principal, req: { type: string; claims: Record<string, unknown>; subject?: string; validDays?: number }): Promise<OfferCreated> {
    if (!isCredentialTypeId(req.type)) throw new MachiError('CREDENTIAL_INVALID', `unknown credential type ${req.type}`);
    const now = this.#c.node.clock();
    const checked = checkClaims(req.type, req.claims, now);
    const validMs = (req.validDays ?? CREDENTIAL_TYPES[req.type].validityDays) * 86_400_000;
    if (!Number.isSafeInteger(validMs) || validMs <= 0 || validMs > IDENTITY_CREDENTIAL_VALIDITY_MS_MAX) throw new MachiError('CREDENTIAL_INVALID', 'validDays is out of range');
    if (req.subject !== undefined && subjectRecord(this.#c.read, req.subject) === undefined) throw new MachiError('SUBJECT_NOT_FOUND', `no subject ${req.subject}`);
    const credentialId = `urn:machi:credential:${hex32()}`;
    const credentialHash = sha256Hex(credentialId);
    const expiresAt = now + validMs;
    // An authorised issuer's bad input is refused here; an unauthorised one is refused by the ledger
    // (ISSUER_NOT_AUTHORISED), and that refused identity.issue stays in the log: the attempt is recorded.
    if (!checked.ok && mayIssue(this.#c.org, req.type)) throw new MachiError('CREDENTIAL_INVALID', checked.why);
    const tx = await this.#c.commit('identity.issue', { credentialHash, type: req.type, expiresAt, actor: p.actor });
    if (!checked.ok) throw new MachiError('CREDENTIAL_INVALID', checked.why); // unreachable: the ledger refused it
    const record = credentialRecord(this.#c.read, credentialHash)!;
    const offer = `off_${hex32()}`;
    const code = randomBytes(24).toString('base64url');
    this.#c.o.store.putOffer(
      { offer, codeHash: sha256b64u(code), credentialHash, type: req.type, subject: req.subject ?? null, expiresAt, offerExpiresAt: now + OFFER_MS_MAX },
      { credentialId, claims: checked.claims, statusIndex: record.statusIndex, issuedAt: record.issuedAt },
    );
    return { offer, code, credentialHash, type: req.type, issuer: this.#c.org, issuerDid: this.#c.did, statusIndex: record.statusIndex, expiresAt, offerExpiresAt: now + OFFER_MS_MAX, ...tx };
  }

  /** The wallet binds its key to an offer (with the offer's code, or as the linked resident) and gets the SD-JWT VC. */
  async redeem(offer: string, auth: { code: string } | { subject: string }, holderJwk: HolderJwk): Promise<OfferRedeemed> {
    const got = this.#c.o.store.getOffer(offer);
    const now = this.#c.node.clock();
    if (got === undefined || got.content === undefined || got.row.redeemedAt !== null || now > got.row.offerExpiresAt) throw new MachiError('OFFER_INVALID');
    const ok = 'code' in auth
      ? timingSafeEqual(Buffer.from(sha256b64u(auth.code)), Buffer.from(got.row.codeHash))
      : got.row.subject !== null && got.row.subject === auth.subject;
    if (!ok) throw new MachiError('OFFER_INVALID', 'the offer code does not match');
    const record = credentialRecord(this.#c.read, got.row.credentialHash);
    if (record === undefined || record.status === 'revoked') throw new MachiError('OFFER_INVALID', 'the credential was revoked before it was picked up');
    // signed with the key in force now (after a rotation, the new one, even for a credential recorded before it)
    const content = got.content;
    const credential = await this.#c.withSigningKey((signer, kid) => issueSdJwtVc({
      chainId: this.#c.node.genesis.chainId, orgId: this.#c.org, signer, kid, type: record.type, claims: content.claims, holderJwk,
      credentialId: content.credentialId, issuedAtMs: content.issuedAt, expiresAtMs: record.expiresAt, statusIndex: record.statusIndex, statusUri: this.#c.statusListUri(),
    }));
    if (!this.#c.o.store.redeem(offer, now)) throw new MachiError('OFFER_INVALID', 'the offer was just redeemed');
    return { credential, credentialHash: record.credentialHash, type: record.type, issuer: this.#c.org, issuerDid: this.#c.did, expiresAt: record.expiresAt };
  }

  /** Changes a credential's status (the ledger refuses a non-issuer, and a change after revocation). */
  async setStatus(p: Principal, credentialHash: string, status: CredentialStatus, reason: StatusReason): Promise<Tx & StatusChanged & { status: CredentialStatus }> {
    if (credentialRecord(this.#c.read, credentialHash) === undefined) throw new MachiError('CREDENTIAL_NOT_FOUND', `no credential ${credentialHash}`);
    const tx = await this.#c.commit('identity.status', { credentialHash, status, reason, actor: p.actor });
    return { ...tx, status };
  }

  /** The issuer's signed Token Status List, from the ledger. */
  async statusList(org: string): Promise<string> {
    if (org !== this.#c.org) throw new MachiError('NOT_FOUND', `the status list of ${org} is served by ${org}'s node`);
    const now = this.#c.node.clock();
    const values = statusListValues(this.#c.read, this.#c.scan, this.#c.org);
    return this.#c.withSigningKey((signer, kid) => statusListToken({ chainId: this.#c.node.genesis.chainId, orgId: this.#c.org, signer, kid, uri: this.#c.statusListUri(), values, nowMs: now }));
  }

  /**
   * What this organisation issued at this node, newest first: type, when, whether the wallet picked it up, and its
   * status on the ledger (no claims: those were destroyed when the wallet took the credential).
   */
  issued(_p: Principal, limit = ISSUED_LIST_MAX): IssuedList['issued'] {
    return this.#c.o.store.issued(limit).map((o) => {
      const r = credentialRecord(this.#c.read, o.credentialHash);
      return {
        credentialHash: o.credentialHash, type: o.type, typeName: CREDENTIAL_TYPES[o.type as CredentialTypeId]?.name ?? o.type,
        subject: o.subject ?? null, pickedUp: o.redeemedAt !== null, expiresAt: o.expiresAt,
        status: r?.status ?? 'refused', issuedAt: r?.issuedAt ?? null, history: r?.history ?? [],
      };
    });
  }
}
