/**
 * The access decision: pure, so the API decides with it before reading the private store and tests can table it.
 * docs/spec/privacy.md#access-decision-pure-decideaccess
 */
import type { Role } from '../../foundation/roles.js';
import type { CaseInfo } from '../../foundation/module.js';
import { FIELDS, PURPOSE_CLASSES, caseKindFits, isCasePurpose, isField, roleMayUse, type DataClass, type Field, type Purpose } from './roles.js';
import type { DeniedReason, GrantRecord, SubjectRecord } from './types.js';

export interface AccessRequest {
  /** the subject whose record is asked for */
  subject: string;
  /** the requesting user's organisation */
  org: string;
  role: Role;
  purpose: Purpose;
  /** field names as asked (unknown ones are denied, not ignored) */
  fields: readonly string[];
  caseRef?: string | undefined;
  /** the record `caseRef` names, as the state has it (resolveCase); undefined if it names none */
  case?: CaseInfo | undefined;
  /** the reader's pseudonym (cases: assigned people may read) */
  actor?: string | undefined;
  /** ms; grants are valid for `from ≤ at < until` */
  at: number;
  /** residents only: the subject id of the signed-in resident's own record */
  ownSubject?: string | undefined;
}

export type AccessDecision =
  | { decision: 'allowed'; reason: 'holder' | 'self' }
  | { decision: 'allowed'; reason: 'grant'; grant: string }
  | { decision: 'denied'; reason: DeniedReason };

const deny = (reason: DeniedReason): AccessDecision => ({ decision: 'denied', reason });

/** The classes of `fields`, in catalogue order of first appearance, without repeats. Unknown fields are skipped. */
export function classesOfFields(fields: readonly string[]): DataClass[] {
  const out: DataClass[] = [];
  for (const f of fields) {
    if (!isField(f)) continue;
    const c = FIELDS[f];
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** The known fields of `fields`, without repeats: what an access record lists. */
export function knownFields(fields: readonly string[]): Field[] {
  const out: Field[] = [];
  for (const f of fields) if (isField(f) && !out.includes(f)) out.push(f);
  return out;
}

/**
 * Whether `grant` lets `request` read fields of `classes` of this subject (held by `holder`). A grant naming exact
 * `fields` covers only those: every requested field must be one of them.
 */
export function grantCovers(grant: GrantRecord, holder: string, request: AccessRequest, classes: readonly DataClass[]): boolean {
  return (
    !grant.revoked &&
    grant.org === holder &&
    (grant.subjects.includes(request.subject) || (grant.subjects.length === 1 && grant.subjects[0] === '*')) &&
    grant.toOrg === request.org &&
    grant.toRole === request.role &&
    grant.purpose === request.purpose &&
    grant.from <= request.at &&
    request.at < grant.until &&
    classes.every((c) => grant.classes.includes(c)) &&
    (grant.fields === undefined || request.fields.every((f) => (grant.fields as readonly string[]).includes(f)))
  );
}

/**
 * Decides one access, in the spec's order: subject known and not erased; every field known and of a held class;
 * purpose allowed for the role and every field of a class the purpose needs; for a case purpose, a case reference
 * naming an open case the reader is assigned to or manages (a manager role of its organisation or of one of its `orgs`);
 * then a resident reads only their
 * own record, the holder's staff read for their role's purposes, anyone else needs a covering grant (the one with the
 * smallest id wins, so the answer does not depend on the order of `grants`).
 */
export function decideAccess(record: SubjectRecord | undefined, grants: readonly GrantRecord[], request: AccessRequest): AccessDecision {
  if (record === undefined) return deny('unknown-subject');
  if (record.erased) return deny('erased');
  if (request.fields.length === 0) return deny('unknown-field');
  for (const f of request.fields) {
    if (!isField(f)) return deny('unknown-field');
    if (!record.classes.includes(FIELDS[f])) return deny('class-not-held');
  }
  if (!roleMayUse(request.role, request.purpose)) return deny('purpose-not-allowed-for-role');
  if (isCasePurpose(request.purpose)) {
    if (!request.caseRef) return deny('no-case');
    // public-safety and dispute-mediation name an event (`event:ev_…`), nothing else
    if (!caseKindFits(request.purpose, request.caseRef)) return deny('case-not-found');
    const c = request.case;
    if (c === undefined) return deny('case-not-found');
    if (!c.open) return deny('case-closed');
    const manages = (c.org === request.org || (c.orgs ?? []).includes(request.org)) && c.managerRoles.includes(request.role);
    if (!manages && (request.actor === undefined || !c.assigned.includes(request.actor))) return deny('not-on-case');
    if (c.subjects !== undefined && !c.subjects.includes(request.subject)) return deny('not-case-subject');
  }
  if (request.role === 'resident') {
    return request.ownSubject === request.subject ? { decision: 'allowed', reason: 'self' } : deny('not-self');
  }
  // a resident sees all of their own record; everyone else only the classes the purpose needs
  if (request.fields.some((f) => !PURPOSE_CLASSES[request.purpose].includes(FIELDS[f as Field]))) return deny('purpose-fields');
  if (request.org === record.holder) return { decision: 'allowed', reason: 'holder' };
  const classes = classesOfFields(request.fields);
  let best: string | undefined;
  for (const g of grants) {
    if (grantCovers(g, record.holder, request, classes) && (best === undefined || g.grant < best)) best = g.grant;
  }
  return best === undefined ? deny('no-grant') : { decision: 'allowed', reason: 'grant', grant: best };
}
