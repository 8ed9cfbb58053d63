/**
 * Digital ID on a node: issuing SD-JWT VCs (issuing.ts), the residents' wallets and their consent (wallet.ts), the
 * "one trip" desk (desk.ts) and what the ledger shows (views.ts), over one context (context.ts) — each step a ledger
 * transaction signed by this organisation, each refusal a catalogue error whose attempt stays on the ledger. One
 * object over the parts, for the routes and the demo seed. docs/spec/identity.md
 */
import { MachiError, didDocument, didOfOrg, issuerJwks, type CredentialStatus, type IssuerKey, type OrgJwk, type StatusReason } from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import { IdentityContext, type IdentityServiceOptions } from './context.js';
import { Desk } from './desk.js';
import { Issuing } from './issuing.js';
import type { HolderJwk } from './sdjwt.js';
import { IdentityViews } from './views.js';
import { Wallet } from './wallet.js';

export {
  CONSENT_CATCH_UP_MS_MAX,
  DESK_SESSIONS_KEPT_MAX,
  ISSUED_LIST_MAX,
  LEDGER_CATCH_UP_MS_MAX,
  OFFER_MS_MAX,
  PRESENTATIONS_MAX,
  SESSION_VIEW_CATCH_UP_MS_MAX,
  type IdentityServiceOptions,
  type SubmissionResult,
  type Tx,
} from './context.js';

export class IdentityService {
  readonly #c: IdentityContext;
  readonly #issuing: Issuing;
  readonly #wallet: Wallet;
  readonly #views: IdentityViews;
  readonly #desk: Desk;

  /** Every caller's principal acts here with its identity actor (LedgerActors). */
  #in = (p: Principal): Principal => this.#c.o.privacy.actors.in(p, 'identity');

  constructor(o: IdentityServiceOptions) {
    this.#c = new IdentityContext(o);
    this.#issuing = new Issuing(this.#c);
    this.#wallet = new Wallet(this.#c, this.#issuing);
    this.#views = new IdentityViews(this.#c);
    this.#desk = new Desk(this.#c, this.#views);
  }

  get org(): string {
    return this.#c.org;
  }
  get did(): string {
    return this.#c.did;
  }
  statusListUri = (org?: string): string => this.#c.statusListUri(org);

  // ---- keys: DID documents and issuer metadata (docs/spec/identity.md#dids-and-keys) ----------------------------------
  #keysOrThrow(org: string): IssuerKey[] {
    const keys = this.#c.issuerKeys(org);
    if (keys === undefined || keys.length === 0) throw new MachiError('NOT_FOUND', `no organisation ${org} in ${this.#c.node.genesis.chainId}`);
    return keys;
  }
  /** An organisation's DID document: its key in force and its retired keys (with when they were retired). */
  didDocument = (org: string): Record<string, unknown> => didDocument(this.#c.node.genesis.chainId, org, this.#keysOrThrow(org), this.#c.retiredAtMs);
  /** SD-JWT VC issuer metadata: the issuer's DID and its JWKS (the key in force first, then the retired ones). */
  issuerMetadata = (org: string): { issuer: string; jwks: { keys: OrgJwk[] } } => ({ issuer: didOfOrg(this.#c.node.genesis.chainId, org), jwks: issuerJwks(this.#keysOrThrow(org), this.#c.retiredAtMs) });

  // ---- issuing ----------------------------------------------------------------------------------------------------
  offer = (p: Principal, req: Parameters<Issuing['offer']>[1]) => this.#issuing.offer(this.#in(p), req);
  redeem = (offer: string, auth: { code: string } | { subject: string }, holderJwk: HolderJwk) => this.#issuing.redeem(offer, auth, holderJwk);
  setStatus = (p: Principal, credentialHash: string, status: CredentialStatus, reason: StatusReason) => this.#issuing.setStatus(this.#in(p), credentialHash, status, reason);
  statusList = (org: string): Promise<string> => this.#issuing.statusList(org);
  issued = (p: Principal, limit?: number) => this.#issuing.issued(this.#in(p), limit);

  // ---- the wallet -------------------------------------------------------------------------------------------------
  offersFor = (p: Principal) => this.#wallet.offersFor(this.#in(p));
  store = (p: Principal, credential: string, demoKey?: Record<string, unknown>) => this.#wallet.store(this.#in(p), credential, demoKey);
  accept = (p: Principal, offer: string, holder: { holderJwk: HolderJwk } | { demoHolderKey: true }) => this.#wallet.accept(this.#in(p), offer, holder);
  wallet = (p: Principal) => this.#wallet.wallet(this.#in(p));
  demoPresent = (p: Principal, id: string, req: { session: string; nonce: string; disclose?: string[] }) => this.#wallet.demoPresent(this.#in(p), id, req);
  consent = (p: Principal, session: string, nonce: string, credentials?: readonly string[]) => this.#wallet.consent(this.#in(p), session, nonce, credentials);

  // ---- the desk ---------------------------------------------------------------------------------------------------
  startSession = (p: Principal, service: string, ttlMs?: number) => this.#desk.startSession(this.#in(p), service, ttlMs);
  sessionViewWaiting = (session: string) => this.#desk.sessionViewWaiting(session);
  deskView = (p: Principal, session: string) => this.#desk.deskView(this.#in(p), session);
  present = (session: string, presentations: unknown[]) => this.#desk.present(session, presentations);

  // ---- views ------------------------------------------------------------------------------------------------------
  sessionView = (session: string) => this.#views.sessionView(session);
  uses = (p: Principal) => this.#views.uses(this.#in(p));
  credential = (hash: string) => this.#views.credential(hash);
}
