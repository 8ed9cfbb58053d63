/**
 * Payloads, state records, limits and state keys of the privacy module. docs/spec/privacy.md#transactions-module-privacy
 *
 * Payloads are type aliases (not interfaces) so that they are assignable to the registry's generic payload record.
 */
import type { Role } from '../../foundation/roles.js';
import type { DataClass, Field, Purpose } from './roles.js';

// ---------------------------------------------------------------------------------------------------------------------
// Limits (named, unit last)
// ---------------------------------------------------------------------------------------------------------------------

/** Subject ids one grant may name (a holder grants on all its subjects with `["*"]`). */
export const PRIVACY_GRANT_SUBJECTS_MAX = 100;
/** A case reference: the id of a repair request, alarm or case, never free text. */
export const PRIVACY_CASE_REF_CHARS_MAX = 80;
/** An alert's `detail` (written by detectAnomalies, never from a payload). */
export const PRIVACY_ALERT_DETAIL_CHARS_MAX = 200;
/** The volume rule looks back at most this many days (one state read per day per access). */
export const PRIVACY_VOLUME_HISTORY_DAYS_MAX = 31;
/** Largest time (ms) in a payload: the largest valid JavaScript Date, so date arithmetic never throws. */
export const PRIVACY_TIME_MS_MAX = 8.64e15;
/** Most state entries a query reads with one prefix scan. */
export const PRIVACY_QUERY_ITEMS_MAX = 1000;
/** Most grants read when looking for the grants of one subject (all grants, or all grants to one org). */
export const PRIVACY_GRANTS_SCAN_MAX = 10_000;

// ---------------------------------------------------------------------------------------------------------------------
// Id patterns (JSON Schema and RegExp source)
// ---------------------------------------------------------------------------------------------------------------------

export const GRANT_ID_PATTERN = '^gr_[0-9a-f]{32}$';
export const ACCESS_ID_PATTERN = '^acc_[0-9a-f]{32}$';
/** Salted SHA-256 commitment to a subject's fields. */
export const COMMITMENT_PATTERN = '^[0-9a-f]{64}$';
/**
 * `<kind>:<id>` (e.g. `repair:rq_12`, `alarm:42`, `case:2025-001`): ASCII ids only, so that no free text — a name, an
 * address, a bare phone or ID number — can ride along.
 */
/** `<kind>:<id>`; no run of 7 or more digits, so a phone or ID number cannot ride in clear on a case reference. */
export const CASE_REF_PATTERN = '^(?!.*[0-9]{7})[a-z][a-z0-9-]{0,31}:[A-Za-z0-9._:-]+$';

// ---------------------------------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------------------------------

export const ALLOWED_REASONS = ['holder', 'self', 'grant'] as const;
export type AllowedReason = (typeof ALLOWED_REASONS)[number];
export const DENIED_REASONS = [
  'unknown-subject',
  'erased',
  'unknown-field',
  'class-not-held',
  'purpose-not-allowed-for-role',
  'no-case',
  'not-self',
  /** a field of a class the purpose does not need */
  'purpose-fields',
  /** the case reference names no record of a known kind */
  'case-not-found',
  /** the case is closed */
  'case-closed',
  /** the reader is neither assigned to the case nor one of its managers */
  'not-on-case',
  /** the person read is not one the case is about */
  'not-case-subject',
  'no-grant',
] as const;
export type DeniedReason = (typeof DENIED_REASONS)[number];
export type AccessReason = AllowedReason | DeniedReason;

export const DECISIONS = ['allowed', 'denied'] as const;
export type Decision = (typeof DECISIONS)[number];

// ---------------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------------

export type SubjectRegisterPayload = {
  subject: string;
  commitment: string;
  classes: DataClass[];
  actor: string;
};

export type GrantPayload = {
  grant: string;
  /** subject ids held by the signer, or `["*"]` = every subject the signer holds */
  subjects: string[];
  classes: DataClass[];
  /**
   * Optional: the exact fields granted (each of a class in `classes`). When present, the grant allows a read only if
   * every requested field is one of these; absent, it covers every field of `classes`.
   */
  fields?: Field[];
  toOrg: string;
  toRole: Exclude<Role, 'resident'>;
  purpose: Purpose;
  /** valid from (inclusive), ms */
  from: number;
  /** valid until (exclusive), ms */
  until: number;
  actor: string;
};

export type RevokePayload = {
  grant: string;
  actor: string;
};

export type AccessPayload = {
  access: string;
  subject: string;
  org: string;
  role: Role;
  purpose: Purpose;
  /** the known fields requested (unknown field names are not recorded: they could carry anything) */
  fields: Field[];
  decision: Decision;
  reason: AccessReason;
  caseRef?: string;
  /** the grant that allowed the access; present exactly when `reason` is `grant` */
  grant?: string;
  actor: string;
  /** when the node decided, ms */
  at: number;
};

export type ErasePayload = {
  subject: string;
  actor: string;
};

export type PrivacyPayload = SubjectRegisterPayload | GrantPayload | RevokePayload | AccessPayload | ErasePayload;

// ---------------------------------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------------------------------

/** `privacy/subject/<id>` */
export type SubjectRecord = {
  /** the organisation holding the private data (the registering signer) */
  holder: string;
  commitment: string;
  classes: DataClass[];
  erased: boolean;
  /** block time of the registration, ms */
  registeredAt: number;
};

/** `privacy/grant/<id>` */
export type GrantRecord = GrantPayload & {
  /** the granting organisation (= the holder of the subjects) */
  org: string;
  revoked: boolean;
};

/** `privacy/access/<subject>/<access>` */
export type AccessRecord = AccessPayload & {
  txHash: string;
  height: number;
};

export const ANOMALY_RULES = ['volume', 'off-hours', 'purpose-role', 'no-case'] as const;
export type AnomalyRule = (typeof ANOMALY_RULES)[number];

/** `privacy/alert/<subject>/<access>/<rule>` */
export type Alert = {
  access: string;
  subject: string;
  rule: AnomalyRule;
  detail: string;
  org: string;
  role: Role;
  actor: string;
  /** block time of the access record (the time the rules ran on), ms */
  at: number;
};

// ---------------------------------------------------------------------------------------------------------------------
// State keys (docs/spec/privacy.md: "State keys")
// ---------------------------------------------------------------------------------------------------------------------

export const PRIVACY_PREFIX = 'privacy/';
export const subjectKey = (subject: string): string => `privacy/subject/${subject}`;
export const grantKey = (grant: string): string => `privacy/grant/${grant}`;
export const GRANT_PREFIX = 'privacy/grant/';
/** index of grants by grantee org; value: the granting org id */
export const grantsByOrgPrefix = (toOrg: string): string => `privacy/grants-by-org/${toOrg}/`;
export const grantsByOrgKey = (toOrg: string, grant: string): string => `${grantsByOrgPrefix(toOrg)}${grant}`;
export const accessPrefix = (subject: string): string => `privacy/access/${subject}/`;
export const accessKey = (subject: string, access: string): string => `${accessPrefix(subject)}${access}`;
export const alertPrefix = (subject: string): string => `privacy/alert/${subject}/`;
export const alertKey = (subject: string, access: string, rule: AnomalyRule): string => `${alertPrefix(subject)}${access}/${rule}`;
/** the regulator's index of every alert; value: the subject id */
export const ALERT_INDEX_PREFIX = 'privacy/alerts/';
export const alertIndexKey = (access: string, rule: AnomalyRule): string => `${ALERT_INDEX_PREFIX}${access}/${rule}`;
/** distinct subjects an accessor (org + actor pseudonym) touched on a day (`YYYY-MM-DD`, UTC+8); value: a count */
export const actorDayKey = (org: string, actor: string, day: string): string => `privacy/actor-day/${org}/${actor}/${day}`;
/** marks a subject as counted for that accessor and day; value: 1 */
export const actorDaySubjectKey = (org: string, actor: string, day: string, subject: string): string =>
  `${actorDayKey(org, actor, day)}/${subject}`;
