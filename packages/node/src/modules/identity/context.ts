/**
 * What every part of the identity service shares: the node, this organisation's DID, committing its transactions,
 * waiting for blocks other nodes committed, and the resident's own record.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ERRORS, MachiError, didOfOrg, issuerKeyInForce, issuerKeys, type CredentialRecord, type CredentialTypeId, type ErrorCode, type IssuerKey, type Signer,
} from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import type { Principal } from '../../auth/principal.js';
import type { PrivacyService } from '../privacy/index.js';
import type { Vault } from '../privacy/index.js';
import type { IdentityStore } from './store.js';
export { hex32 } from '../../ids.js';
import { hex32 } from '../../ids.js';

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

export const sha256b64u = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64url');

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

export class IdentityContext {
  readonly o: IdentityServiceOptions;

  constructor(o: IdentityServiceOptions) {
    this.o = o;
  }

  get node(): MachiNode {
    return this.o.node;
  }
  read = (key: string): string | undefined => this.o.node.store.read(key);
  scan = (prefix: string, limit: number): [string, string][] => this.o.node.store.scan(prefix, limit);
  get org(): string {
    return this.node.self.id;
  }
  get did(): string {
    return didOfOrg(this.node.genesis.chainId, this.org);
  }
  statusListUri(org = this.org): string {
    return `${this.o.baseUrl()}/v1/identity/status-lists/${org}`;
  }

  /**
   * An organisation's keys as an issuer (kid, heights in force), as of the next height — the keys the chain's
   * member-set changes gave it (MachiNode.keyHistory); undefined for an organisation the chain never had.
   * docs/spec/identity.md#dids-and-keys
   */
  issuerKeys(orgId: string): IssuerKey[] | undefined {
    const history = this.node.keyHistory().get(orgId);
    return history === undefined ? undefined : issuerKeys(this.node.genesis.chainId, orgId, history, this.node.head.height + 1);
  }

  /**
   * The height of the block that recorded a credential (its `identity.issue`). A node that joined from a snapshot
   * and has not fetched that block yet knows only that it is below the lowest block it holds: that bound is used
   * (so a key retired before the node's history reaches back is refused for it until the history is fetched).
   */
  issuedHeight(record: CredentialRecord): number {
    const tx = this.node.store.getTx(record.txHash);
    return tx?.height ?? Math.max(1, this.node.history.view.lowestHeight - 1);
  }

  /**
   * When a retired key stopped being in force: the time of the first block it no longer signed, or, if this node does
   * not hold that block (joined from a snapshot), of the block that approved its retirement (two heights before).
   */
  retiredAtMs = (key: IssuerKey): number | undefined => {
    if (key.until === undefined) return undefined;
    return this.node.store.getBlock(key.until)?.header.time ?? this.node.setChanges.find((c) => c.set.from === key.until)?.header.time;
  };

  /**
   * Runs `sign` with this organisation's key in force and its kid. The node's signer follows a key rotation (the key
   * ring switches as the block before it commits); if it switches while `sign` runs, the result is signed again with
   * the new key, so the kid always names the key that signed.
   */
  async withSigningKey<T>(sign: (signer: Signer, kid: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const ring = this.o.signer;
      const publicKey = ring.publicKey;
      const key = issuerKeyInForce(this.issuerKeys(this.org) ?? []);
      if (key?.publicKey !== publicKey) throw new MachiError('TX_UNKNOWN_SIGNER', `this node does not hold ${this.org}'s key in force`);
      let switched = false;
      const out = await sign({ publicKey, sign: (m) => { switched ||= ring.publicKey !== publicKey; return ring.sign(m); } }, key.kid);
      if (!switched) return out;
    }
    throw new MachiError('TX_UNKNOWN_SIGNER', `${this.org}'s key changed twice while signing`);
  }

  /** Signs, submits, waits; a handler refusal becomes its catalogue error, naming the transaction that records it. */
  async commit(type: string, payload: Record<string, unknown>): Promise<Tx> {
    const r = await this.o.submitter.submit(type, payload);
    if (r.code !== undefined) {
      const code = (Object.hasOwn(ERRORS, r.code) ? r.code : 'HANDLER_REJECTED') as ErrorCode;
      throw new MachiError(code, `${r.message ?? r.code} (the attempt is recorded in tx ${r.hash})`);
    }
    return { txHash: r.hash, height: r.height! };
  }

  /** Polls committed state until `get` answers, for at most LEDGER_CATCH_UP_MS_MAX (another node committed it). */
  async catchUp<T>(get: () => T | undefined, until: (v: T | undefined) => boolean = (v) => v !== undefined, maxMs = LEDGER_CATCH_UP_MS_MAX): Promise<T | undefined> {
    const deadline = Date.now() + maxMs;
    let v = get();
    while (!until(v) && Date.now() < deadline && !this.node.closed) {
      await new Promise((r) => setTimeout(r, 50));
      v = get();
    }
    return v;
  }

  /** The subject id of the signed-in resident's own record (404 SUBJECT_NOT_FOUND without one). */
  subjectOf(p: Principal): string {
    const subject = this.o.vault.subjectOfUser(p.userId);
    if (subject === undefined) throw new MachiError('SUBJECT_NOT_FOUND', 'no record is linked to this account');
    return subject;
  }
}
