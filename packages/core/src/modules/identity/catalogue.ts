/**
 * The one catalogue of digital-ID credentials: each type with its claims (every claim selectively disclosable), the
 * organisations that may issue it, and the "one trip" services with the credentials and claims each one needs.
 * docs/spec/identity.md#credential-types
 */
import type { Field } from '../privacy/roles.js';

// ---------------------------------------------------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------------------------------------------------

/** How a claim's value is checked at issuance. */
export type ClaimKind =
  | { kind: 'text' }
  | { kind: 'id-number' }
  | { kind: 'date' }
  | { kind: 'boolean' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] };

/** Every kind of claim value (ClaimKind's `kind`). */
export const CLAIM_KINDS = ['text', 'id-number', 'date', 'boolean', 'integer', 'enum'] as const satisfies readonly ClaimKind['kind'][];

export interface ClaimSpec {
  /** what the claim says, for people (the wallet shows it) */
  label: string;
  value: ClaimKind;
  /** computed by the issuer from other claims (never taken from the request) */
  derived?: true;
}

export type ClaimValue = string | number | boolean;
export type Claims = Record<string, ClaimValue>;

const text: ClaimKind = { kind: 'text' };
const date: ClaimKind = { kind: 'date' };
const bool: ClaimKind = { kind: 'boolean' };
const idNumber: ClaimKind = { kind: 'id-number' };

const NAME: ClaimSpec = { label: 'Name', value: text };
const ID_NUMBER: ClaimSpec = { label: 'Resident ID number', value: idNumber };

// ---------------------------------------------------------------------------------------------------------------------
// Credential types
// ---------------------------------------------------------------------------------------------------------------------

export const CREDENTIAL_TYPE_IDS = ['residence', 'property-ownership', 'low-income', 'elderly', 'disability', 'vehicle', 'volunteer', 'volunteer-hours'] as const;
export type CredentialTypeId = (typeof CREDENTIAL_TYPE_IDS)[number];

export interface CredentialType {
  id: CredentialTypeId;
  /** the SD-JWT VC `vct` value */
  vct: string;
  name: string;
  /** genesis organisation ids that may issue it (an organisation not in the chain's genesis issues nothing) */
  issuers: readonly string[];
  /** every claim, each selectively disclosable; all non-derived claims are required at issuance */
  claims: Readonly<Record<string, ClaimSpec>>;
  /** default validity at issuance, days */
  validityDays: number;
}

export const VCT_PREFIX = 'urn:machi:vct:';

/** The elderly thresholds: each is a derived boolean claim `ageNNOrOver`, true or false at issuance. */
export const ELDERLY_AGES = [60, 70, 80] as const;
export const ELDERLY_AGE_MIN = 60;
/** The most service hours a volunteer credential states (whole hours). */
export const VOLUNTEER_HOURS_MAX = 100_000;

export const CREDENTIAL_TYPES: Readonly<Record<CredentialTypeId, CredentialType>> = {
  residence: {
    id: 'residence',
    vct: `${VCT_PREFIX}residence`,
    name: 'Residence in the community',
    issuers: ['street-office', 'property-company', 'police'],
    claims: {
      name: NAME,
      idNumber: ID_NUMBER,
      community: { label: 'Community', value: text },
      building: { label: 'Building', value: text },
      unit: { label: 'Unit', value: text },
      residentSince: { label: 'Resident since', value: date },
    },
    validityDays: 365,
  },
  'property-ownership': {
    id: 'property-ownership',
    vct: `${VCT_PREFIX}property-ownership`,
    name: 'Property ownership of a unit',
    // the housing bureau's real-estate register, or the owners' register the property company keeps
    issuers: ['housing-bureau', 'property-company'],
    claims: {
      name: NAME,
      idNumber: ID_NUMBER,
      building: { label: 'Building', value: text },
      unit: { label: 'Unit', value: text },
      certificateNumber: { label: 'Certificate number', value: text },
      share: { label: 'Ownership share', value: { kind: 'enum', values: ['sole', 'joint'] } },
    },
    validityDays: 5 * 365,
  },
  'low-income': {
    id: 'low-income',
    vct: `${VCT_PREFIX}low-income`,
    name: 'Low-income subsidy eligibility',
    issuers: ['civil-affairs', 'street-office'],
    claims: {
      name: NAME,
      idNumber: ID_NUMBER,
      eligible: { label: 'Eligible for low-income support', value: bool },
      category: { label: 'Category', value: { kind: 'enum', values: ['minimum-living', 'low-income-family', 'extreme-poverty'] } },
      validFrom: { label: 'Eligible since', value: date },
    },
    validityDays: 365,
  },
  elderly: {
    id: 'elderly',
    vct: `${VCT_PREFIX}elderly`,
    name: 'Elderly status',
    issuers: ['civil-affairs', 'street-office', 'police'],
    claims: {
      name: NAME,
      idNumber: ID_NUMBER,
      birthDate: { label: 'Date of birth', value: date },
      age60OrOver: { label: 'Aged 60 or over', value: bool, derived: true },
      age70OrOver: { label: 'Aged 70 or over', value: bool, derived: true },
      age80OrOver: { label: 'Aged 80 or over', value: bool, derived: true },
    },
    validityDays: 5 * 365,
  },
  disability: {
    id: 'disability',
    vct: `${VCT_PREFIX}disability`,
    name: 'Disability status',
    issuers: ['civil-affairs', 'street-office'],
    claims: {
      name: NAME,
      idNumber: ID_NUMBER,
      category: { label: 'Category', value: { kind: 'enum', values: ['physical', 'visual', 'hearing', 'speech', 'intellectual', 'mental', 'multiple'] } },
      grade: { label: 'Grade (1 most severe)', value: { kind: 'integer', min: 1, max: 4 } },
    },
    validityDays: 5 * 365,
  },
  vehicle: {
    id: 'vehicle',
    vct: `${VCT_PREFIX}vehicle`,
    name: 'Vehicle registration',
    issuers: ['police'],
    claims: {
      name: NAME,
      plate: { label: 'Plate', value: text },
      vehicleType: { label: 'Vehicle type', value: { kind: 'enum', values: ['car', 'motorcycle', 'e-bike'] } },
      registeredOn: { label: 'Registered on', value: date },
    },
    validityDays: 365,
  },
  volunteer: {
    id: 'volunteer',
    vct: `${VCT_PREFIX}volunteer`,
    name: 'Community label (volunteer, party member, building leader)',
    issuers: ['street-office'],
    claims: {
      name: NAME,
      label: { label: 'Label', value: { kind: 'enum', values: ['volunteer', 'party-member', 'building-leader', 'community-worker'] } },
      since: { label: 'Since', value: date },
      hours: { label: 'Service hours', value: { kind: 'integer', min: 0, max: VOLUNTEER_HOURS_MAX } },
    },
    validityDays: 365,
  },
  // the hours a person served in an organisation's activities: issued by the organisation that runs them and holds
  // the person (its node offers it by itself at the property module's volunteer label); the street office's community
  // labels stay the `volunteer` type
  'volunteer-hours': {
    id: 'volunteer-hours',
    vct: `${VCT_PREFIX}volunteer-hours`,
    name: 'Volunteer service hours',
    issuers: ['street-office', 'property-company'],
    claims: {
      name: NAME,
      hours: { label: 'Service hours', value: { kind: 'integer', min: 0, max: VOLUNTEER_HOURS_MAX } },
      since: { label: 'Since', value: date },
    },
    validityDays: 365,
  },
};

export const isCredentialTypeId = (v: unknown): v is CredentialTypeId => typeof v === 'string' && Object.hasOwn(CREDENTIAL_TYPES, v);

/** The type whose `vct` this is, or undefined. */
export function credentialTypeOfVct(vct: unknown): CredentialType | undefined {
  return Object.values(CREDENTIAL_TYPES).find((t) => t.vct === vct);
}

/** Whether organisation `org` may issue credentials of type `type` (false for unknown types). */
export function mayIssue(org: string, type: unknown): boolean {
  return isCredentialTypeId(type) && CREDENTIAL_TYPES[type].issuers.includes(org);
}

/** The claims of a type, in catalogue order. */
export const claimNames = (type: CredentialTypeId): string[] => Object.keys(CREDENTIAL_TYPES[type].claims);

// ---------------------------------------------------------------------------------------------------------------------
// Claim checks and derived claims (pure: the time comes in)
// ---------------------------------------------------------------------------------------------------------------------

/** A claim's text: at most this many characters. */
export const IDENTITY_CLAIM_CHARS_MAX = 200;
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const ID_NUMBER_RE = /^\d{17}[\dX]$/;

/** GB 11643-1999 check character of an 18-character resident ID number. */
function idNumberValid(id: string): boolean {
  if (!ID_NUMBER_RE.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id.slice(0, 17)].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return '10X98765432'[sum % 11] === id[17];
}

function valueProblem(name: string, spec: ClaimKind, v: unknown): string | null {
  switch (spec.kind) {
    case 'text':
      return typeof v === 'string' && v.trim().length > 0 && v.length <= IDENTITY_CLAIM_CHARS_MAX ? null : `${name} must be text of 1-${IDENTITY_CLAIM_CHARS_MAX} characters`;
    case 'id-number':
      return typeof v === 'string' && idNumberValid(v) ? null : `${name} must be an 18-character resident ID number with a valid check character`;
    case 'date':
      return typeof v === 'string' && DATE_RE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? null : `${name} must be a date YYYY-MM-DD`;
    case 'boolean':
      return typeof v === 'boolean' ? null : `${name} must be true or false`;
    case 'integer':
      return Number.isSafeInteger(v) && (v as number) >= spec.min && (v as number) <= spec.max ? null : `${name} must be an integer in ${spec.min}..${spec.max}`;
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v) ? null : `${name} must be one of ${spec.values.join(', ')}`;
  }
}

/** Whole years between a birth date (YYYY-MM-DD) and `atMs`, in UTC+8 (the community's calendar). */
export function ageOn(birthDate: string, atMs: number): number {
  const d = new Date(atMs + 8 * 3_600_000);
  const [y, m, day] = birthDate.split('-').map(Number) as [number, number, number];
  const beforeBirthday = d.getUTCMonth() + 1 < m || (d.getUTCMonth() + 1 === m && d.getUTCDate() < day);
  return d.getUTCFullYear() - y - (beforeBirthday ? 1 : 0);
}

/**
 * The claims a credential of `type` carries, given the issuing official's input at time `atMs`: every non-derived
 * claim present and valid, no other claim, and the derived claims computed. Returns the claims, or why not.
 * The elderly credential is issued only to people aged ELDERLY_AGE_MIN or more; the low-income one only when
 * `eligible` is true (a "not eligible" credential would certify nothing).
 */
export function checkClaims(type: CredentialTypeId, input: Record<string, unknown>, atMs: number): { ok: true; claims: Claims } | { ok: false; why: string } {
  const spec = CREDENTIAL_TYPES[type];
  for (const k of Object.keys(input)) {
    if (!Object.hasOwn(spec.claims, k)) return { ok: false, why: `${type} has no claim ${k}` };
    if (spec.claims[k]!.derived === true) return { ok: false, why: `${k} is computed by the issuer, not given` };
  }
  const claims: Claims = {};
  for (const [name, c] of Object.entries(spec.claims)) {
    if (c.derived === true) continue;
    const problem = valueProblem(name, c.value, input[name]);
    if (problem !== null) return { ok: false, why: problem };
    claims[name] = input[name] as ClaimValue;
  }
  if (type === 'elderly') {
    const birth = claims.birthDate as string;
    if (typeof claims.idNumber === 'string' && claims.idNumber.slice(6, 14) !== birth.replace(/-/g, '')) return { ok: false, why: 'birthDate does not match the ID number' };
    const age = ageOn(birth, atMs);
    if (age < ELDERLY_AGE_MIN) return { ok: false, why: `aged ${age}: the elderly credential needs ${ELDERLY_AGE_MIN} or over` };
    for (const a of ELDERLY_AGES) claims[`age${a}OrOver`] = age >= a;
  }
  if (type === 'low-income' && claims.eligible !== true) return { ok: false, why: 'a low-income credential certifies eligibility: eligible must be true' };
  return { ok: true, claims };
}

// ---------------------------------------------------------------------------------------------------------------------
// Services of the "one trip" desk
// ---------------------------------------------------------------------------------------------------------------------

export interface Requirement {
  type: CredentialTypeId;
  /** the claims the desk must see (the wallet discloses exactly these) */
  disclose: readonly string[];
  /** claims that must have these values for eligibility (also disclosed) */
  require?: Readonly<Record<string, ClaimValue>>;
}

export interface Service {
  id: string;
  name: string;
  /** organisations whose officials may run the service at their desk */
  desks: readonly string[];
  requirements: readonly Requirement[];
}

export const SERVICE_IDS = ['elderly-subsidy', 'low-income-subsidy', 'disability-subsidy', 'parking-permit', 'owners-meeting'] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];

const residenceIn = (...claims: string[]): Requirement => ({ type: 'residence', disclose: ['community', 'building', ...claims] });

export const SERVICES: Readonly<Record<ServiceId, Service>> = {
  'elderly-subsidy': {
    id: 'elderly-subsidy',
    name: 'Elderly subsidy application',
    desks: ['street-office', 'civil-affairs'],
    requirements: [residenceIn(), { type: 'elderly', disclose: ['name'], require: { age60OrOver: true } }],
  },
  'low-income-subsidy': {
    id: 'low-income-subsidy',
    name: 'Low-income subsidy application',
    desks: ['street-office', 'civil-affairs'],
    requirements: [residenceIn(), { type: 'low-income', disclose: ['name', 'category'], require: { eligible: true } }],
  },
  'disability-subsidy': {
    id: 'disability-subsidy',
    name: 'Disability allowance application',
    desks: ['street-office', 'civil-affairs'],
    requirements: [residenceIn(), { type: 'disability', disclose: ['name', 'category', 'grade'] }],
  },
  'parking-permit': {
    id: 'parking-permit',
    name: 'Residents\' parking permit',
    desks: ['property-company'],
    requirements: [residenceIn('unit'), { type: 'vehicle', disclose: ['plate', 'vehicleType'] }],
  },
  'owners-meeting': {
    id: 'owners-meeting',
    name: 'Owners\' meeting registration (one vote per unit)',
    desks: ['property-company', 'street-office'],
    requirements: [residenceIn(), { type: 'property-ownership', disclose: ['name', 'building', 'unit', 'share'] }],
  },
};

export const isServiceId = (v: unknown): v is ServiceId => typeof v === 'string' && Object.hasOwn(SERVICES, v);

/** The credential types a service needs, in its order. */
export const serviceTypes = (service: ServiceId): CredentialTypeId[] => SERVICES[service].requirements.map((r) => r.type);

/** Every claim a requirement needs disclosed: `disclose` and the `require`d claims. */
export function requiredClaims(r: Requirement): string[] {
  return [...new Set([...r.disclose, ...Object.keys(r.require ?? {})])];
}

/** Whether disclosed claims meet a requirement: every required claim disclosed, required values equal. */
export function meetsRequirement(r: Requirement, disclosed: Readonly<Record<string, unknown>>): { ok: true } | { ok: false; why: string } {
  const missing = requiredClaims(r).filter((c) => !Object.hasOwn(disclosed, c));
  if (missing.length > 0) return { ok: false, why: `not disclosed: ${missing.join(', ')}` };
  for (const [c, v] of Object.entries(r.require ?? {})) if (disclosed[c] !== v) return { ok: false, why: `${c} is not ${String(v)}` };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------------------------------
// Claims that are personal-data fields of the privacy module (for the access records of a verification)
// ---------------------------------------------------------------------------------------------------------------------

export const CLAIM_FIELDS: Readonly<Record<string, Field>> = {
  name: 'name',
  idNumber: 'idNumber',
  birthDate: 'birthDate',
  building: 'building',
  unit: 'unit',
  plate: 'plate',
};

/** The privacy fields among disclosed claim names (sorted, no repeats). */
export function fieldsOfClaims(claims: readonly string[]): Field[] {
  return [...new Set(claims.flatMap((c) => (Object.hasOwn(CLAIM_FIELDS, c) ? [CLAIM_FIELDS[c]!] : [])))].sort();
}
