/**
 * A resident's wallet on their organisation's node: offers to pick up, credentials kept (encrypted) after checking
 * they are of this chain and about the resident, the demo presentation, and the resident's one consent to a desk.
 */
import {
  CREDENTIAL_TYPES,
  FIELDS,
  MachiError,
  SERVICES,
  credentialRecord,
  credentialTypeOfVct,
  didOfOrg,
  fieldsOfClaims,
  isCredentialTypeId,
  retiredBefore,
  requiredClaims,
  sessionRecord,
  sha256Hex,
  type CredentialTypeId,
  type DataClass,
  type SessionRecord,
  type ConsentGiven,
  type WalletCredential,
  type WalletOffers,
} from '@machi/core';
import { decodeSdJwt, splitSdJwt } from '@sd-jwt/decode';
import type { Principal } from '../../auth/principal.js';
import { hex32, type IdentityContext } from './context.js';
import type { Issuing } from './issuing.js';
import { decodedClaims, demoHolderKey, demoHolderSigner, hasher, presentSdJwtVc, type HolderJwk } from './sdjwt.js';
import { WALLET_CREDENTIALS_MAX, type WalletContent, type WalletRow } from './store.js';
import { consentCommitment, issuerKeyOf } from './verify.js';
import { consentContext } from '../privacy/index.js';

export class Wallet {
  readonly #c: IdentityContext;
  readonly #issuing: Issuing;

  constructor(c: IdentityContext, issuing: Issuing) {
    this.#c = c;
    this.#issuing = issuing;
  }

  /** Offers made at this node to the signed-in resident. */
  offersFor(p: Principal): WalletOffers['offers'] {
    const subject = this.#c.o.vault.subjectOfUser(p.userId);
    if (subject === undefined) return [];
    const now = this.#c.node.clock();
    return this.#c.o.store.offersOf(subject).filter((o) => o.offerExpiresAt >= now).map((o) => ({
      offer: o.offer, type: o.type, typeName: CREDENTIAL_TYPES[o.type as CredentialTypeId]?.name ?? o.type, issuer: this.#c.org, issuerDid: this.#c.did, expiresAt: o.expiresAt, offerExpiresAt: o.offerExpiresAt,
    }));
  }

  /**
   * Checks a credential (issuer signature from the genesis, a known type, its ledger record) and keeps it, encrypted,
   * in the resident's wallet. `demoHolderKey` only for demo credentials whose key the node made.
   */
  async store(p: Principal, credential: string, demoKey?: Record<string, unknown>): Promise<WalletCredential> {
    let decoded;
    try {
      decoded = await decodeSdJwt(credential, hasher);
    } catch {
      throw new MachiError('CREDENTIAL_INVALID', 'not an SD-JWT VC');
    }
    const { payload } = decoded.jwt;
    const type = credentialTypeOfVct(payload.vct);
    if (type === undefined || typeof payload.jti !== 'string' || decoded.kbJwt !== undefined) throw new MachiError('CREDENTIAL_INVALID', 'not a credential of this chain');
    // the issuer's key its kid names, among the keys its key rotations gave it (docs/spec/identity.md#dids-and-keys)
    const signedBy = await issuerKeyOf({ genesis: this.#c.node.genesis, issuerKeys: (o) => this.#c.issuerKeys(o) }, payload.iss, decoded.jwt.header.kid, splitSdJwt(credential).jwt);
    if (!signedBy.ok) throw new MachiError('CREDENTIAL_INVALID', signedBy.reason === 'unknown-issuer' ? `not a credential of this chain: ${signedBy.why}` : signedBy.why);
    const orgId = signedBy.orgId;
    const credentialHash = sha256Hex(payload.jti);
    const record = await this.#c.catchUp(() => credentialRecord(this.#c.read, credentialHash));
    if (record === undefined || record.issuer !== orgId || record.type !== type.id) throw new MachiError('CREDENTIAL_INVALID', 'the credential is not recorded on the ledger');
    if (retiredBefore(signedBy.key, this.#c.issuedHeight(record))) throw new MachiError('ISSUER_KEY_RETIRED', `signed with ${signedBy.key.kid}, which ${orgId} retired at height ${signedBy.key.until!}, before the credential was recorded`);
    this.#checkOwn(p, type.id, await decodedClaims(credential));
    const existing = this.#c.o.store.walletHas(p.userId, credentialHash);
    if (existing !== undefined) return this.#walletEntry(this.#c.o.store.getWallet(existing)!.row.id);
    if (this.#c.o.store.walletCount(p.userId) >= WALLET_CREDENTIALS_MAX) throw new MachiError('CREDENTIAL_INVALID', `a wallet holds at most ${WALLET_CREDENTIALS_MAX} credentials`);
    const id = `wc_${hex32()}`;
    const content: WalletContent = demoKey === undefined ? { credential } : { credential, demoHolderKey: demoKey };
    this.#c.o.store.putWallet({ id, userId: p.userId, credentialHash, type: type.id, issuer: orgId, storedAt: this.#c.node.clock() }, content);
    return this.#walletEntry(id);
  }

  /** Picks up an offer made at this node to the signed-in resident and keeps the credential in their wallet. */
  async accept(p: Principal, offer: string, holder: { holderJwk: HolderJwk } | { demoHolderKey: true }): Promise<WalletCredential> {
    const subject = this.#c.subjectOf(p);
    let jwk: HolderJwk;
    let demoKey: Record<string, unknown> | undefined;
    if ('holderJwk' in holder) jwk = holder.holderJwk;
    else {
      const k = await demoHolderKey();
      jwk = k.publicJwk;
      demoKey = k.privateJwk as Record<string, unknown>;
    }
    // Refused before the offer is used up: an offer whose claims are not about this resident stays for the issuer.
    const pending = this.#c.o.store.getOffer(offer);
    if (pending?.content !== undefined && pending.row.subject === subject && isCredentialTypeId(pending.row.type)) this.#checkOwn(p, pending.row.type, pending.content.claims);
    const { credential } = await this.#issuing.redeem(offer, { subject }, jwk);
    return this.store(p, credential, demoKey);
  }

  async #walletEntry(id: string): Promise<WalletCredential> {
    const w = this.#c.o.store.getWallet(id)!;
    const record = credentialRecord(this.#c.read, w.row.credentialHash);
    const claims = await decodedClaims(w.content.credential);
    const type = CREDENTIAL_TYPES[w.row.type as CredentialTypeId];
    const own = Object.fromEntries(Object.keys(type.claims).filter((c) => c in claims).map((c) => [c, claims[c]]));
    return {
      id, type: type.id, typeName: type.name, vct: type.vct, issuer: w.row.issuer, issuerDid: claims.iss as string, credentialHash: w.row.credentialHash,
      issuedAt: (claims.iat as number) * 1000, expiresAt: (claims.exp as number) * 1000, status: record?.status ?? 'unknown',
      claims: own, credential: w.content.credential, demoHolderKey: w.content.demoHolderKey !== undefined,
    };
  }

  async wallet(p: Principal): Promise<WalletCredential[]> {
    return Promise.all(this.#c.o.store.walletOf(p.userId).map((w) => this.#walletEntry(w.row.id)));
  }

  /**
   * DEMO ONLY: makes a presentation of a credential whose holder key the node generated (seeded demo credentials). A
   * real wallet makes presentations on the device with its own key; the node never sees that key.
   */
  async demoPresent(p: Principal, id: string, req: { session: string; nonce: string; disclose?: string[] }): Promise<{ presentation: string }> {
    const w = this.#c.o.store.getWallet(id);
    if (w === undefined || w.row.userId !== p.userId) throw new MachiError('CREDENTIAL_NOT_FOUND', `no credential ${id} in your wallet`);
    if (w.content.demoHolderKey === undefined) throw new MachiError('CREDENTIAL_INVALID', 'this credential\'s key is on your device: present it from there');
    const s = await this.#c.catchUp(() => sessionRecord(this.#c.read, req.session));
    if (s === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${req.session}`);
    const r = SERVICES[s.service].requirements.find((x) => x.type === w.row.type);
    if (r === undefined) throw new MachiError('CREDENTIAL_INVALID', `${s.service} does not ask for a ${w.row.type} credential`);
    // Exactly what the service needs: a `disclose` list in the request is ignored (kept in the body for compatibility).
    const disclose = requiredClaims(r);
    const sign = await demoHolderSigner(w.content.demoHolderKey as never);
    const presentation = await presentSdJwtVc(w.content.credential, disclose, { nonce: req.nonce, aud: didOfOrg(this.#c.node.genesis.chainId, s.deskOrg), iatS: Math.floor(this.#c.node.clock() / 1000), sign, alg: 'ES256' });
    return { presentation };
  }

  /**
   * The resident consents once, from their own organisation's node: checks the nonce against the session's hash, and
   * for a desk of another organisation records the holder's grant to it (bounded by the session) before the consent.
   */
  async consent(p: Principal, session: string, nonce: string, credentials?: readonly string[]): Promise<ConsentGiven> {
    const subject = this.#c.subjectOf(p);
    const s = await this.#c.catchUp(() => sessionRecord(this.#c.read, session));
    if (s === undefined) throw new MachiError('SESSION_NOT_FOUND', `no session ${session}`);
    if (this.#c.node.clock() >= s.expiresAt) throw new MachiError('SESSION_CLOSED', `session ${session} expired`);
    if (s.consent !== null) throw new MachiError('CONSENT_INVALID', 'this session already has a consent');
    if (sha256Hex(nonce) !== s.nonceHash) throw new MachiError('CONSENT_INVALID', 'the nonce is not this session\'s');
    const picked = this.#consentCredentials(p, s, credentials);
    const commitments = picked.map((w) => consentCommitment(nonce, w.credentialHash)).sort();
    let grant: string | undefined;
    if (s.deskOrg !== this.#c.org) {
      // Exactly the personal-data fields of the claims the service needs: the grant names them, so the desk's
      // officials cannot read any other field of the same class (the ID number beside the name, the unit beside the
      // building) from the holder's vault under it.
      const fields = fieldsOfClaims(SERVICES[s.service].requirements.flatMap(requiredClaims));
      const classes = [...new Set(fields.map((f) => FIELDS[f]))].sort() as DataClass[];
      const now = this.#c.node.clock();
      const g = await this.#c.o.privacy.grant(p, { subjects: [subject], classes, fields, toOrg: s.deskOrg, toRole: 'official', purpose: 'identity-verification', from: now - 1000, until: s.expiresAt } as never);
      grant = g.grant;
    }
    const privacy = this.#c.o.privacy;
    // On chains with ledger.context-pseudonyms the consent names the resident by this holder's pseudonym for this
    // session only, and neither the service (the session names it) nor the grant (whose subject list names the record).
    const payload = privacy.pseudonymous
      ? { session, subject: privacy.pseudonyms.derive(consentContext(session), subject), deskOrg: s.deskOrg, types: s.types, nonceHash: s.nonceHash, commitments, actor: p.actor }
      : { session, subject, service: s.service, deskOrg: s.deskOrg, types: s.types, nonceHash: s.nonceHash, commitments, actor: p.actor, ...(grant === undefined ? {} : { grant }) };
    const tx = await this.#c.commit('identity.consent', payload);
    return { session, subject, consented: true, credentials: picked.map((w) => w.id), ...(grant === undefined ? {} : { grant }), ...tx };
  }

  /**
   * The wallet credentials a consent names: the ones the resident listed (each in their wallet here, of a type the
   * session asks for, one per type), or else, per type the session asks for, the first credential of the wallet (in
   * its listed order) that is valid on the ledger and unexpired — the one the web app presents.
   */
  #consentCredentials(p: Principal, s: SessionRecord, ids: readonly string[] | undefined): WalletRow[] {
    const now = this.#c.node.clock();
    if (ids !== undefined) {
      const rows: WalletRow[] = [];
      for (const id of ids) {
        const w = this.#c.o.store.getWallet(id);
        if (w === undefined || w.row.userId !== p.userId) throw new MachiError('CONSENT_INVALID', `no credential ${id} in your wallet`);
        if (!s.types.includes(w.row.type as CredentialTypeId)) throw new MachiError('CONSENT_INVALID', `${s.service} does not ask for a ${w.row.type} credential (${id})`);
        if (rows.some((r) => r.type === w.row.type)) throw new MachiError('CONSENT_INVALID', `two ${w.row.type} credentials: name one per type`);
        rows.push(w.row);
      }
      return rows;
    }
    const wallet = this.#c.o.store.walletRows(p.userId);
    return s.types.map((type) => {
      const w = wallet.find((r) => {
        const rec = r.type === type ? credentialRecord(this.#c.read, r.credentialHash) : undefined;
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
    const held = this.#c.o.vault.get(this.#c.subjectOf(p));
    const key = Object.hasOwn(CREDENTIAL_TYPES[type].claims, 'idNumber') ? 'idNumber' : 'name';
    const mine = held?.fields[key as 'idNumber' | 'name'];
    if (mine === undefined || claims[key] !== mine) throw new MachiError('CREDENTIAL_INVALID', `this credential is not about you: its ${key === 'idNumber' ? 'ID number' : 'name'} is not the one in your record`);
  }
}
