/**
 * The catalogues of the privacy module: roles, data classes and their fields, purposes, and which role may use which
 * purpose. docs/spec/privacy.md#roles
 */
import { ROLES, isRole, type Role } from '../../foundation/roles.js';

/** Roles a grant may name: a resident reads their own record and nothing else, so a grant to residents is refused. */
export const GRANTEE_ROLES = ROLES.filter((r): r is Exclude<Role, 'resident'> => r !== 'resident');

export const DATA_CLASSES = ['identity', 'contact', 'address', 'vehicle', 'staff'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** Every field of a subject's private record, with its data class. */
export const FIELDS = {
  name: 'identity',
  idNumber: 'identity',
  birthDate: 'identity',
  phone: 'contact',
  building: 'address',
  unit: 'address',
  address: 'address',
  plate: 'vehicle',
  employer: 'staff',
  position: 'staff',
  workPhone: 'staff',
} as const satisfies Record<string, DataClass>;
export type Field = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as Field[];

export const PURPOSES = [
  'repair-dispatch',
  'alarm-response',
  'case-handling',
  'welfare-assessment',
  'identity-verification',
  'audit',
  'emergency',
  // community events (docs/spec/events.md): the case is an open event the reader's department is assigned to
  'public-safety',
  'dispute-mediation',
  // property services (docs/spec/property.md#read-grants): a unit's owner, read by the power company to move the
  // unit's electricity account, and by the housing bureau to check the register
  'utility-account-transfer',
  'housing-register-check',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The purposes each role may use; any other purpose is denied (and flagged by the `purpose-role` rule). */
export const ROLE_PURPOSES: Readonly<Record<Role, readonly Purpose[]>> = {
  resident: ['identity-verification'],
  'property-staff': ['repair-dispatch', 'identity-verification'],
  dispatcher: ['repair-dispatch', 'alarm-response', 'public-safety'],
  'maintenance-worker': ['repair-dispatch'],
  // alarm-response kept for the grid worker: records made before the power role was renamed stay valid
  'grid-worker': ['alarm-response'],
  'line-worker': ['alarm-response'],
  'utility-staff': ['alarm-response', 'identity-verification', 'utility-account-transfer'],
  official: ['case-handling', 'welfare-assessment', 'identity-verification', 'emergency', 'public-safety', 'dispute-mediation', 'housing-register-check'],
  regulator: ['audit'],
};

/**
 * The data classes each purpose may read (issue: staff reading whole records "for a repair"): a repair or an alarm
 * needs how to reach the person and where; a case or a welfare assessment also who they are; identity verification
 * at a desk what a credential states (name, address, vehicle); an audit anything. Fields of other classes are refused.
 */
export const PURPOSE_CLASSES: Readonly<Record<Purpose, readonly DataClass[]>> = {
  'repair-dispatch': ['contact', 'address'],
  'alarm-response': ['contact', 'address'],
  'case-handling': ['identity', 'contact', 'address', 'staff'],
  'welfare-assessment': ['identity', 'contact', 'address'],
  'identity-verification': ['identity', 'address', 'vehicle'],
  audit: ['identity', 'contact', 'address', 'vehicle', 'staff'],
  emergency: ['identity', 'contact', 'address'],
  'public-safety': ['identity', 'contact', 'address'],
  'dispute-mediation': ['identity', 'contact', 'address'],
  // whom to bill and where: the owner's phone and the unit's address, never who they are
  'utility-account-transfer': ['contact', 'address'],
  // who owns the unit: name and ID number against the bureau's title register, and the address
  'housing-register-check': ['identity', 'address'],
};

/** Purposes that need a case reference (the request, alarm or case the access is for). */
export const CASE_PURPOSES: readonly Purpose[] = ['repair-dispatch', 'alarm-response', 'case-handling', 'public-safety', 'dispute-mediation'];
/** Case purposes whose case must be of one of these kinds (the `kind:` of the case reference). */
export const PURPOSE_CASE_KINDS: Readonly<Partial<Record<Purpose, readonly string[]>>> = { 'public-safety': ['event'], 'dispute-mediation': ['event'] };
/** Whether `caseRef` is of a kind `purpose` accepts (any, for purposes without a rule). */
export const caseKindFits = (purpose: Purpose, caseRef: string): boolean => {
  const kinds = PURPOSE_CASE_KINDS[purpose];
  return kinds === undefined || kinds.includes(caseRef.slice(0, caseRef.indexOf(':')));
};

const has = <T extends string>(list: readonly T[], value: unknown): value is T => (list as readonly unknown[]).includes(value);

export const isDataClass = (v: unknown): v is DataClass => has(DATA_CLASSES, v);
export const isPurpose = (v: unknown): v is Purpose => has(PURPOSES, v);
export const isField = (v: unknown): v is Field => typeof v === 'string' && Object.hasOwn(FIELDS, v);

/** Whether `role` may use `purpose` (false for unknown roles or purposes). */
export function roleMayUse(role: unknown, purpose: unknown): boolean {
  return isRole(role) && has(ROLE_PURPOSES[role], purpose);
}

export const isCasePurpose = (purpose: unknown): boolean => has(CASE_PURPOSES, purpose);
