/**
 * What the identity API shows from the ledger: a session as a wallet sees it (no personal data), the resident's
 * record of uses (consents, the desks' attempts, verifications of their credentials, with proofs), a credential's
 * public record.
 */
import {
  CREDENTIAL_TYPES,
  MachiError,
  SERVICES,
  consentedSessions,
  credentialRecord,
  didOfOrg,
  requiredClaims,
  sessionComplete,
  sessionRecord,
  verificationsOfCredential,
  verificationsOfSession,
  type CredentialRecord,
  type VerificationRecord,
  type IdentityUses,
  type ProofBundle,
  type SessionView,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { IdentityContext } from './context.js';

export class IdentityViews {
  readonly #c: IdentityContext;

  constructor(c: IdentityContext) {
    this.#c = c;
  }

  /** What a wallet needs to answer a session (public: no personal data). */
  sessionView(session: string): SessionView | undefined {
    const s = sessionRecord(this.#c.read, session);
    if (s === undefined) return undefined;
    const svc = SERVICES[s.service];
    const desk = this.#c.node.genesis.orgs.find((o) => o.id === s.deskOrg);
    return {
      session, service: s.service, serviceName: svc.name, deskOrg: s.deskOrg, deskName: desk?.name ?? s.deskOrg,
      audience: didOfOrg(this.#c.node.genesis.chainId, s.deskOrg), nonceHash: s.nonceHash, expiresAt: s.expiresAt,
      requirements: svc.requirements.map((r) => ({ type: r.type, typeName: CREDENTIAL_TYPES[r.type].name, vct: CREDENTIAL_TYPES[r.type].vct, disclose: requiredClaims(r), ...(r.require === undefined ? {} : { require: r.require }) })),
      consented: s.consent !== null, verified: s.verified, complete: sessionComplete(s), attempts: s.attempts, txHash: s.txHash,
    };
  }

  /** Every consent the resident gave (with the desk's attempts in that session) and every verification of their credentials. */
  uses(p: Principal): IdentityUses {
    const subject = this.#c.subjectOf(p);
    // the consents name the resident by a pseudonym per session on newer chains: this holder knows which are theirs
    const sessions = this.#c.o.privacy.ledgerNames(subject, 'identity.consent/').flatMap((n) => consentedSessions(this.#c.read, this.#c.scan, n))
      .sort((a, b) => (a.consent?.at ?? 0) - (b.consent?.at ?? 0) || (a.session < b.session ? -1 : 1));
    const consents = sessions.map((s) => ({
      ...this.sessionView(s.session)!, consent: s.consent, verifications: verificationsOfSession(this.#c.read, this.#c.scan, s.session), proof: this.#c.node.proof(s.consent!.txHash) ?? null,
    }));
    const seen = new Set<string>();
    const verifications: (VerificationRecord & { proof: ProofBundle | null })[] = [];
    for (const { row } of this.#c.o.store.walletOf(p.userId)) {
      for (const v of verificationsOfCredential(this.#c.read, this.#c.scan, row.credentialHash)) {
        if (seen.has(v.verification)) continue;
        seen.add(v.verification);
        verifications.push({ ...v, proof: this.#c.node.proof(v.txHash) ?? null });
      }
    }
    return { subject, consents, verifications };
  }

  /** The ledger's record of a credential (public: no claims). */
  credential(hash: string): CredentialRecord {
    const r = credentialRecord(this.#c.read, hash);
    if (r === undefined) throw new MachiError('CREDENTIAL_NOT_FOUND', `no credential ${hash}`);
    return r;
  }
}
