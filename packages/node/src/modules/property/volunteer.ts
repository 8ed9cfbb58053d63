/**
 * The volunteer-hours credential (docs/spec/property.md#volunteer-credential): `property.hours` sets the label on
 * `property/volunteer/<psn>` once a person's minutes reach VOLUNTEER_LABEL_MINUTES; the node of an organisation that
 * may issue the digital ID's `volunteer-hours` type (the catalogue: the street office and the property company, who run
 * activities) then offers the credential (name, whole hours, since) to each labelled person it holds, through
 * identity's ordinary issuance: `identity.issue` on the ledger and an offer in the resident's "My digital ID". Only the
 * holder can tell whom a pseudonym names, so each node offers to the people it holds and leaves the others to theirs.
 *
 * Once per person: a marker in this node's private store (`property_meta`), written when the offer is made, and a
 * sweep at start that catches up with labels committed while the node was down.
 */
import type Database from 'better-sqlite3';
import { mayIssue, volunteers, VOLUNTEER_HOURS_MAX, type CredentialTypeId, type VolunteerRecord } from '@machi/core';
import { actorOf, type Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { StoredBlock } from '../../storage/store.js';
import { MetaTable, openPrivateDb } from '../../storage/private-db.js';
import type { IdentityService } from '../identity/index.js';

/** The credential type offered at the label (the street office's community labels are the `volunteer` type). */
export const VOLUNTEER_CREDENTIAL_TYPE: CredentialTypeId = 'volunteer-hours';
/** The pseudonymous account in whose name the node issues it (no official decides: the ledger's label does). */
export const VOLUNTEER_ISSUER_USER = 'machi:volunteer-label';
/** Most labelled people one sweep offers a credential to (the rest a retry later). */
export const VOLUNTEER_OFFERS_PER_SWEEP_MAX = 200;
/** After a sweep that could not offer to everyone (the chain not yet committing at start, say), the next one, ms. */
export const VOLUNTEER_SWEEP_RETRY_MS = 60_000;
/** China Standard Time, for the credential's `since` date. */
const CST_OFFSET_MS = 8 * 3_600_000;

export interface VolunteerHolder {
  /** the subject behind this holder's property pseudonym, if it holds them (not erased) */
  subjectOf(pseudonym: string): string | undefined;
  /** the person's name, from the vault */
  nameOf(subject: string): string | undefined;
}

export class VolunteerCredentials {
  readonly #node: MachiNode;
  readonly #identity: IdentityService;
  readonly #holder: VolunteerHolder;
  readonly #issuer: Principal;
  readonly #db: Database.Database;
  readonly #meta: MetaTable;
  readonly #log: (line: string) => void;
  #running: Promise<void> = Promise.resolve();
  #queued = false;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onBlock = (b: StoredBlock): void => {
    if (this.#hasHours(b)) void this.sweep(b.header.time);
  };

  constructor(o: { node: MachiNode; identity: IdentityService; holder: VolunteerHolder; secret: Uint8Array; dbFile: string; log: (line: string) => void }) {
    this.#node = o.node;
    this.#identity = o.identity;
    this.#holder = o.holder;
    this.#log = o.log;
    const org = o.node.self.id;
    this.#issuer = { userId: VOLUNTEER_ISSUER_USER, username: VOLUNTEER_ISSUER_USER, org, role: 'official', actor: actorOf(org, VOLUNTEER_ISSUER_USER, o.secret) };
    this.#db = openPrivateDb(o.dbFile);
    this.#meta = new MetaTable(this.#db, 'property_meta');
  }

  /** Whether this node's organisation issues the credential at all. */
  get issues(): boolean {
    return mayIssue(this.#node.self.id, VOLUNTEER_CREDENTIAL_TYPE);
  }

  /** Watches committed blocks, after catching up with what committed before. */
  start(): void {
    if (!this.issues) return;
    this.#node.on('block', this.#onBlock);
    void this.sweep(this.#node.clock());
  }

  /** The credential hash of the offer made to the person named `pseudonym`, if one was. */
  offered(pseudonym: string): string | undefined {
    return this.#meta.get(`volunteer-offer/${pseudonym}`);
  }

  /**
   * Offers the credential to every labelled person held here who has none; `at` (ms) is the `since` date. Sweeps run
   * one after another (an offer waits for its commit, during which more blocks arrive). Resolves when this one ran.
   */
  sweep(at: number): Promise<void> {
    if (!this.issues) return Promise.resolve(); // the ledger would refuse its offers
    if (this.#queued) return this.#running;
    this.#queued = true;
    this.#running = this.#running.then(async () => {
      this.#queued = false;
      if (!this.#closed && !(await this.#offerAll(at)) && this.#retry === undefined) {
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          void this.sweep(this.#node.clock());
        }, VOLUNTEER_SWEEP_RETRY_MS).unref();
      }
    }).catch((e: unknown) => this.#log(`property: volunteer credentials: ${(e as Error).message}`));
    return this.#running;
  }

  /** Offers to each labelled person held here without one; false if some are left (an offer failed, logged, or over the limit). */
  async #offerAll(at: number): Promise<boolean> {
    // people held by other organisations are never offered here: left out before the limit, so they take no place
    const waiting = volunteers((p, l) => this.#node.store.scan(p, l))
      .filter((v) => v.label && this.offered(v.person) === undefined && this.#holder.subjectOf(v.person) !== undefined);
    const due = waiting.slice(0, VOLUNTEER_OFFERS_PER_SWEEP_MAX);
    let all = due.length === waiting.length;
    for (const v of due) {
      try {
        await this.#offer(v, at);
      } catch (e) {
        all = false;
        this.#log(`property: volunteer credential not offered yet: ${(e as Error).message}`);
      }
    }
    return all;
  }

  async #offer(v: VolunteerRecord, at: number): Promise<void> {
    const subject = this.#holder.subjectOf(v.person);
    if (subject === undefined) return; // held by another organisation (or erased): not ours to issue
    const name = this.#holder.nameOf(subject);
    if (name === undefined) return void this.#log(`property: volunteer credential: no name held for a labelled volunteer`);
    const claims = { name, hours: Math.min(Math.floor(v.minutes / 60), VOLUNTEER_HOURS_MAX), since: new Date(at + CST_OFFSET_MS).toISOString().slice(0, 10) };
    const made = await this.#identity.offer(this.#issuer, { type: VOLUNTEER_CREDENTIAL_TYPE, claims, subject });
    this.#meta.set(`volunteer-offer/${v.person}`, made.credentialHash);
  }

  #hasHours(b: StoredBlock): boolean {
    if (b.header.txCount === 0) return false;
    return this.#node.committedTxs(b.header.height).some((t) => t.tx.type === 'property.hours');
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#node.off('block', this.#onBlock);
    await this.#running;
    this.#db.close();
  }
}

