/**
 * Read grants over units' owners (docs/spec/property.md#read-grants): the power company (to move a unit's electricity
 * account to its owner) and the housing bureau (to check the register against its title register) read a unit's
 * owner's personal data through the privacy module — a grant from the property company for that purpose, the data
 * classes the purpose needs, an access record on the ledger for every read, allowed or denied, which the owner sees in
 * "who used my data". The ledger names the owner by the property company's pseudonym; the reading node learns the
 * subject behind it from the holder only while it holds a live grant for a property purpose over that subject.
 */
import { MachiError, grantsForSubject, householdRecord, propertyUnits, unitRecord, volunteers, type Purpose } from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { PrivacyService } from '../privacy/index.js';
import { PROPERTY_PSEUDONYM_CONTEXT, type PropertyService } from './service.js';

/** The purposes of a read of a unit's owner. */
export const PROPERTY_READ_PURPOSES = ['utility-account-transfer', 'housing-register-check'] as const satisfies readonly Purpose[];
export type PropertyReadPurpose = (typeof PROPERTY_READ_PURPOSES)[number];

export interface OwnerRead {
  unit: string;
  /** the owner's pseudonym on the ledger (property.unit) */
  owner: string;
  decision: 'allowed';
  reason: string;
  access: string;
  txHash: string;
  height: number;
  fields: Record<string, string>;
  commitment: string;
  opening: unknown;
}

/** Whether `org` holds a live grant from `holder` for a property purpose over `subject` (at `now`). */
export function holdsPropertyGrant(s: PropertyService, holder: string, org: string, subject: string, now: number): boolean {
  return grantsForSubject(s.read, s.scan, subject, org).some((g) =>
    g.org === holder && !g.revoked && g.from <= now && now < g.until && (PROPERTY_READ_PURPOSES as readonly string[]).includes(g.purpose));
}

/**
 * Lets organisations with a live property grant over an owner learn the subject behind the owner's pseudonym from this
 * holder (nobody else: the pseudonym exists so that the ledger does not link an owner to their other records).
 */
export function registerOwnerResolver(privacy: PrivacyService, s: PropertyService): void {
  privacy.registerResolver(PROPERTY_PSEUDONYM_CONTEXT, (context, asker, subject) =>
    context === PROPERTY_PSEUDONYM_CONTEXT && holdsPropertyGrant(s, s.node.self.id, asker, subject, s.now()));
}

/**
 * The holder's property pseudonyms on the ledger: owners and household members of the units this organisation
 * registered, and volunteers (whoever signed them up: a pseudonym only its holder can match).
 */
export function propertyPseudonymsOnLedger(s: PropertyService): Set<string> {
  const names = new Set<string>();
  for (const u of propertyUnits(s.read, s.scan)) {
    if (u.org !== s.node.self.id) continue;
    if (u.owner !== null) names.add(u.owner);
    for (const m of householdRecord(s.read, u.unit)?.members ?? []) names.add(m);
  }
  for (const v of volunteers(s.scan)) names.add(v.person);
  return names;
}

/**
 * Keeps, in the holder's pseudonym table, the subject behind each of its property pseudonyms on the ledger that the
 * table does not have — units registered (and volunteers signed up) before the node kept them — by deriving the
 * property pseudonym of every subject it holds. Run at start; returns how many it added.
 */
export function backfillPropertyPseudonyms(s: PropertyService, held: Iterable<string>, known: (pseudonym: string) => boolean, remember: (pseudonym: string, subject: string) => void): number {
  const missing = new Set([...propertyPseudonymsOnLedger(s)].filter((p) => !known(p)));
  let added = 0;
  for (const subject of held) {
    if (missing.size === 0) break;
    const p = s.pseudonymOf(subject);
    if (!missing.delete(p)) continue;
    remember(p, subject);
    added++;
  }
  return added;
}

/** A granted read of a unit's owner: refused (ACCESS_DENIED, the refusal recorded) without a grant for `purpose`. */
export async function readOwner(privacy: PrivacyService, s: PropertyService, p: Principal, unit: string, q: { purpose: PropertyReadPurpose; fields: string[] }): Promise<OwnerRead> {
  const u = unitRecord(s.read, unit);
  if (u === undefined) throw new MachiError('PROPERTY_NOT_FOUND', `no unit ${unit} in the register`);
  if (u.owner === null) throw new MachiError('PROPERTY_NOT_FOUND', `no owner is registered for ${unit}`);
  // the holder (u.org) tells the subject only to an organisation it granted a property read over it: asked by the
  // reader's organisation, which for a member this node hosts (the housing bureau) signs the request with its key
  if (!(PROPERTY_READ_PURPOSES as readonly string[]).includes(q.purpose)) throw new MachiError('PROPERTY_INVALID', `a unit's owner is read for ${PROPERTY_READ_PURPOSES.join(' or ')}`);
  let subject: string;
  try {
    subject = await privacy.subjectOfPseudonym(u.owner, u.org, p.org);
  } catch (e) {
    if (e instanceof MachiError && e.code === 'SUBJECT_NOT_FOUND') throw new MachiError('ACCESS_DENIED', `no grant of ${u.org} lets ${p.org} read the owner of ${unit}`, { reason: 'no-grant' });
    throw e;
  }
  // the access record is signed by the reading organisation: this node's own, or a member it hosts
  const submitter = p.org === s.node.self.id ? undefined : s.submitterFor(p.org);
  if (p.org !== s.node.self.id && submitter === undefined) throw new MachiError('PROPERTY_FORBIDDEN', `this node does not sign for ${p.org}`);
  const r = await privacy.read(p, { subject, purpose: q.purpose, fields: q.fields }, undefined, submitter);
  if (r.decision.decision === 'denied') {
    throw new MachiError('ACCESS_DENIED', `access denied (${r.decision.reason}); the attempt is recorded as ${r.access} in tx ${r.txHash}`, { reason: r.decision.reason });
  }
  return {
    unit, owner: u.owner, decision: 'allowed', reason: r.decision.reason, access: r.access, txHash: r.txHash, height: r.height,
    fields: r.fields ?? {}, commitment: r.commitment ?? '', opening: r.opening,
  };
}
