import { describe, expect, it } from 'vitest';
import {
  classesOfFields,
  decideAccess,
  knownFields,
  type AccessDecision,
  type AccessRequest,
  type GrantRecord,
  type SubjectRecord,
} from '../../../src/index.js';
import { AUDIT, DAY_MS, HOUSING, POWER, STREET, T0, grantPayload, gr, hex64, sub } from './fixtures.js';

const ALICE = sub('alice');
const WORKER = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const BOB = sub('bob');

const record = (over: Partial<SubjectRecord> = {}): SubjectRecord => ({
  holder: HOUSING.id,
  commitment: hex64('commitment'),
  classes: ['identity', 'contact', 'address'],
  erased: false,
  registeredAt: T0 - 10 * DAY_MS,
  ...over,
});

const grant = (over: Partial<GrantRecord> = {}): GrantRecord => ({ ...grantPayload(), org: HOUSING.id, revoked: false, ...over });

const request = (over: Partial<AccessRequest> = {}): AccessRequest => ({
  subject: ALICE,
  org: POWER.id,
  role: 'grid-worker',
  purpose: 'alarm-response',
  fields: ['phone', 'building'],
  caseRef: 'alarm:42',
  case: { open: true, org: POWER.id, assigned: [WORKER], managerRoles: ['dispatcher'] },
  actor: WORKER,
  at: T0,
  ...over,
});
/** the case a holder's staff read for: managed by the holder's dispatchers and staff */
const HOLDER_CASE = { open: true, org: HOUSING.id, assigned: [WORKER], managerRoles: ['dispatcher', 'property-staff'] } as const;
/** an event of the street office's command centre with the power company among its assigned departments */
const EVENT_CASE = { open: true, org: STREET.id, orgs: [POWER.id], assigned: [], managerRoles: ['official', 'dispatcher', 'utility-staff'] } as const;

const allowed = (reason: 'holder' | 'self'): AccessDecision => ({ decision: 'allowed', reason });
const denied = (reason: string): AccessDecision => ({ decision: 'denied', reason }) as AccessDecision;
const byGrant = (id: string): AccessDecision => ({ decision: 'allowed', reason: 'grant', grant: id });

interface Row {
  name: string;
  /** default: Alice's record held by HOUSING; null: no record */
  record?: SubjectRecord | null;
  grants?: GrantRecord[];
  request: Partial<AccessRequest>;
  want: AccessDecision;
}

const G1 = gr('g1');

const rows: Row[] = [
  // holder's own staff
  { name: 'holder staff, own purpose', request: { org: HOUSING.id, role: 'property-staff', purpose: 'repair-dispatch', caseRef: 'repair:1', case: HOLDER_CASE }, want: allowed('holder') },
  // purposes read only the classes they need; case purposes need an open case the reader is on
  { name: 'repair dispatch may not read the ID number', request: { org: HOUSING.id, role: 'maintenance-worker', purpose: 'repair-dispatch', fields: ['name', 'idNumber'], case: HOLDER_CASE }, want: denied('purpose-fields') },
  { name: 'repair dispatch may not read the birth date beside the phone', request: { org: HOUSING.id, role: 'dispatcher', purpose: 'repair-dispatch', fields: ['phone', 'birthDate'], case: HOLDER_CASE }, want: denied('purpose-fields') },
  { name: 'the assigned worker reads contact and address', request: { org: HOUSING.id, role: 'maintenance-worker', purpose: 'repair-dispatch', fields: ['phone', 'unit'], case: HOLDER_CASE }, want: allowed('holder') },
  { name: 'a worker not assigned to the case', request: { org: HOUSING.id, role: 'maintenance-worker', purpose: 'repair-dispatch', actor: OTHER, case: HOLDER_CASE }, want: denied('not-on-case') },
  { name: 'a manager of another organisation', request: { org: STREET.id, role: 'dispatcher', purpose: 'repair-dispatch', actor: OTHER, case: HOLDER_CASE }, want: denied('not-on-case') },
  { name: 'a dispatcher of the case organisation manages it', request: { org: HOUSING.id, role: 'dispatcher', purpose: 'repair-dispatch', actor: OTHER, case: HOLDER_CASE }, want: allowed('holder') },
  { name: 'a case about someone else', request: { org: HOUSING.id, role: 'maintenance-worker', purpose: 'repair-dispatch', case: { ...HOLDER_CASE, subjects: [BOB] } }, want: denied('not-case-subject') },
  { name: 'a case about this subject', request: { org: HOUSING.id, role: 'maintenance-worker', purpose: 'repair-dispatch', fields: ['phone'], case: { ...HOLDER_CASE, subjects: [ALICE] } }, want: allowed('holder') },
  { name: 'a closed case', request: { org: HOUSING.id, role: 'dispatcher', purpose: 'repair-dispatch', case: { ...HOLDER_CASE, open: false } }, want: denied('case-closed') },
  // an event's case: a whole department is assigned (CaseInfo.orgs), so its staff of the manager roles are on it
  { name: 'staff of a department assigned to the event (case orgs)', grants: [grant({ toRole: 'utility-staff' })], request: { role: 'utility-staff', actor: OTHER, caseRef: 'event:1', case: EVENT_CASE }, want: byGrant(G1) },
  { name: 'staff of a department not assigned to the event', grants: [grant({ toRole: 'utility-staff' })], request: { role: 'utility-staff', actor: OTHER, caseRef: 'event:1', case: { ...EVENT_CASE, orgs: [AUDIT.id] } }, want: denied('not-on-case') },
  { name: 'an assigned department, but a role that does not manage events', request: { role: 'grid-worker', actor: OTHER, caseRef: 'event:1', case: EVENT_CASE }, want: denied('not-on-case') },
  { name: 'a case reference naming no record', request: { org: HOUSING.id, role: 'dispatcher', purpose: 'repair-dispatch', caseRef: 'case:ZhangWei-b2-1203', case: undefined }, want: denied('case-not-found') },
  { name: 'a resident reads every field of their own record', request: { org: HOUSING.id, role: 'resident', purpose: 'identity-verification', ownSubject: ALICE, fields: ['phone', 'idNumber', 'building'] }, want: allowed('self') },
  { name: 'holder staff, identity-verification needs no case', request: { org: HOUSING.id, role: 'property-staff', purpose: 'identity-verification', caseRef: undefined, fields: ['name'] }, want: allowed('holder') },
  { name: 'holder staff, purpose of another role', request: { org: HOUSING.id, role: 'maintenance-worker', purpose: 'identity-verification' }, want: denied('purpose-not-allowed-for-role') },
  { name: 'holder staff, case purpose without caseRef', request: { org: HOUSING.id, role: 'dispatcher', purpose: 'repair-dispatch', caseRef: undefined, case: HOLDER_CASE }, want: denied('no-case') },
  { name: 'holder staff, empty caseRef counts as none', request: { org: HOUSING.id, role: 'dispatcher', purpose: 'repair-dispatch', caseRef: '' }, want: denied('no-case') },
  // residents
  { name: 'resident reads own record', request: { org: HOUSING.id, role: 'resident', purpose: 'identity-verification', ownSubject: ALICE, caseRef: undefined }, want: allowed('self') },
  { name: 'resident of another org reads own record', request: { org: STREET.id, role: 'resident', purpose: 'identity-verification', ownSubject: ALICE }, want: allowed('self') },
  { name: 'resident reads someone else', request: { org: HOUSING.id, role: 'resident', purpose: 'identity-verification', ownSubject: BOB }, want: denied('not-self') },
  { name: 'resident without own subject', request: { org: HOUSING.id, role: 'resident', purpose: 'identity-verification' }, want: denied('not-self') },
  { name: 'resident with a purpose not theirs', request: { org: HOUSING.id, role: 'resident', purpose: 'repair-dispatch', ownSubject: ALICE }, want: denied('purpose-not-allowed-for-role') },
  { name: 'resident of holder org is not holder staff', grants: [grant({ toOrg: HOUSING.id })], request: { org: HOUSING.id, role: 'resident', purpose: 'identity-verification' }, want: denied('not-self') },
  // grants
  { name: 'grant match', grants: [grant()], request: {}, want: byGrant(G1) },
  { name: 'grant match, field subset of classes', grants: [grant()], request: { fields: ['unit'] }, want: byGrant(G1) },
  { name: 'no grant at all', grants: [], request: {}, want: denied('no-grant') },
  { name: 'grant to another org', grants: [grant({ toOrg: STREET.id })], request: {}, want: denied('no-grant') },
  { name: 'grant to another role', grants: [grant({ toRole: 'utility-staff' })], request: {}, want: denied('no-grant') },
  { name: 'grant for another purpose', grants: [grant({ toRole: 'dispatcher', purpose: 'repair-dispatch' })], request: { role: 'dispatcher', purpose: 'alarm-response' }, want: denied('no-grant') },
  { name: 'grant does not cover a class', grants: [grant({ classes: ['contact'] })], request: { fields: ['phone', 'building'] }, want: denied('no-grant') },
  { name: 'grant for another subject', grants: [grant({ subjects: [BOB] })], request: {}, want: denied('no-grant') },
  { name: 'grant from an org that is not the holder', grants: [grant({ org: STREET.id })], request: {}, want: denied('no-grant') },
  { name: 'expired grant (at = until)', grants: [grant({ until: T0 })], request: {}, want: denied('no-grant') },
  { name: 'grant valid until 1 ms after', grants: [grant({ until: T0 + 1 })], request: {}, want: byGrant(G1) },
  { name: 'grant not yet valid (from = at + 1)', grants: [grant({ from: T0 + 1 })], request: {}, want: denied('no-grant') },
  { name: 'grant valid from exactly at', grants: [grant({ from: T0 })], request: {}, want: byGrant(G1) },
  { name: 'revoked grant', grants: [grant({ revoked: true })], request: {}, want: denied('no-grant') },
  { name: 'wildcard grant of the holder', grants: [grant({ subjects: ['*'] })], request: {}, want: byGrant(G1) },
  { name: 'wildcard grant of another org', grants: [grant({ subjects: ['*'], org: STREET.id })], request: {}, want: denied('no-grant') },
  {
    name: 'several grants: the smallest id wins, in any order',
    grants: [grant({ grant: `gr_${'f'.repeat(32)}` }), grant({ grant: `gr_${'0'.repeat(32)}` }), grant({ grant: `gr_${'1'.repeat(32)}`, revoked: true })],
    request: {},
    want: byGrant(`gr_${'0'.repeat(32)}`),
  },
  { name: 'regulator needs a grant', request: { org: AUDIT.id, role: 'regulator', purpose: 'audit', caseRef: undefined }, want: denied('no-grant') },
  { name: 'regulator with an audit grant', grants: [grant({ toOrg: AUDIT.id, toRole: 'regulator', purpose: 'audit' })], request: { org: AUDIT.id, role: 'regulator', purpose: 'audit' }, want: byGrant(G1) },
  // subject and fields
  { name: 'unknown subject', record: null, request: {}, want: denied('unknown-subject') },
  { name: 'erased subject, even for the holder', record: record({ erased: true }), request: { org: HOUSING.id, role: 'property-staff', purpose: 'identity-verification' }, want: denied('erased') },
  { name: 'erased subject, even for a resident self', record: record({ erased: true }), request: { role: 'resident', purpose: 'identity-verification', ownSubject: ALICE }, want: denied('erased') },
  { name: 'erased beats a matching grant', record: record({ erased: true }), grants: [grant()], request: {}, want: denied('erased') },
  { name: 'unknown field', grants: [grant()], request: { fields: ['phone', 'salary'] }, want: denied('unknown-field') },
  { name: 'prototype key is not a field', grants: [grant()], request: { fields: ['constructor'] }, want: denied('unknown-field') },
  { name: 'no fields', grants: [grant()], request: { fields: [] }, want: denied('unknown-field') },
  { name: 'field of a class not held', grants: [grant({ classes: ['vehicle'] })], request: { fields: ['plate'] }, want: denied('class-not-held') },
  { name: 'unknown field is checked before purpose', request: { fields: ['salary'], role: 'regulator', purpose: 'repair-dispatch' }, want: denied('unknown-field') },
  { name: 'purpose is checked before case', request: { role: 'grid-worker', purpose: 'case-handling', caseRef: undefined }, want: denied('purpose-not-allowed-for-role') },
  { name: 'case checked before grant', grants: [grant()], request: { caseRef: undefined }, want: denied('no-case') },
];

describe('decideAccess', () => {
  it.each(rows)('$name', ({ record: r, grants, request: req, want }) => {
    const rec = r === null ? undefined : (r ?? record());
    expect(decideAccess(rec, grants ?? [], request(req))).toEqual(want);
  });

  it('is pure: the same inputs give the same answer and the inputs are not changed', () => {
    const grants = [grant(), grant({ grant: gr('g2'), subjects: ['*'] })];
    const before = JSON.stringify(grants);
    const a = decideAccess(record(), grants, request());
    const b = decideAccess(record(), [...grants].reverse(), request());
    expect(a).toEqual(b);
    expect(JSON.stringify(grants)).toBe(before);
  });
});

describe('a grant naming exact fields', () => {
  // what a desk of another organisation gets from a resident's consent: name and building, not idNumber or unit
  const exact = grant({ classes: ['identity', 'address'], fields: ['name', 'building'], toOrg: STREET.id, toRole: 'official', purpose: 'identity-verification' });
  const asDesk = (fields: string[]) => request({ org: STREET.id, role: 'official', purpose: 'identity-verification', fields, caseRef: undefined });

  it('allows a read of granted fields only', () => {
    expect(decideAccess(record(), [exact], asDesk(['name']))).toEqual(byGrant(exact.grant));
    expect(decideAccess(record(), [exact], asDesk(['name', 'building']))).toEqual(byGrant(exact.grant));
  });

  it.each([[['idNumber']], [['birthDate']], [['unit']], [['name', 'idNumber']]])('denies %j (same class, not granted)', (fields: string[]) => {
    expect(decideAccess(record(), [exact], asDesk(fields))).toEqual(denied('no-grant'));
  });

  it('a class-only grant still covers every field of its classes', () => {
    const { fields: _, ...classOnly } = exact;
    expect(decideAccess(record(), [classOnly], asDesk(['idNumber', 'unit']))).toEqual(byGrant(exact.grant));
  });
});

describe('field helpers', () => {
  it('classesOfFields lists each class once, skipping unknown fields', () => {
    expect(classesOfFields(['phone', 'unit', 'building', 'nope', 'name'])).toEqual(['contact', 'address', 'identity']);
  });
  it('knownFields drops unknown names and repeats', () => {
    expect(knownFields(['phone', 'phone', 'salary', 'toString', 'plate'])).toEqual(['phone', 'plate']);
  });
});
