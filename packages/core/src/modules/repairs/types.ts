/**
 * Payloads, state records, limits and state keys of the repairs module. docs/spec/repairs.md#states-and-transitions
 *
 * Payloads are type aliases (not interfaces) so that they are assignable to the registry's generic payload record.
 */
import type { LocationKind, RepairAction, RepairCategory, RepairCause, RepairPart, RepairPriority, RepairStatus } from './catalogue.js';

// ---------------------------------------------------------------------------------------------------------------------
// Limits (named, unit last)
// ---------------------------------------------------------------------------------------------------------------------

/** Photo hashes one transaction may carry (create, diagnose, finish). */
export const REPAIRS_PHOTOS_MAX = 10;
/** Distinct parts one diagnosis may list. */
export const REPAIRS_PARTS_MAX = 20;
/** Largest quantity of one part. */
export const REPAIRS_PART_QUANTITY_MAX = 100;
/** Residents following one request. */
export const REPAIRS_FOLLOWERS_MAX = 100;
/** Steps one request may record (every accepted transaction but a follow adds one); beyond it, actions are refused. */
export const REPAIRS_STEPS_MAX = 100;
/** Escalation levels per SLA period (level 1 = the facility leader). */
export const REPAIRS_ESCALATION_LEVEL_MAX = 3;
export const REPAIRS_RATING_MIN = 1;
export const REPAIRS_RATING_MAX = 5;
/** A building code, e.g. `b12` or `tower-3`. */
export const REPAIRS_BUILDING_CHARS_MAX = 16;
/** Most index entries a query reads with one prefix scan. */
export const REPAIRS_QUERY_ITEMS_MAX = 1000;
/** Shortest SLA an organisation may set for a category (`repair.configure_sla`), hours. */
export const REPAIRS_SLA_HOURS_MIN = 1;
/** Longest SLA an organisation may set for a category, hours (30 days). */
export const REPAIRS_SLA_HOURS_MAX = 720;

// ---------------------------------------------------------------------------------------------------------------------
// Id patterns (JSON Schema and RegExp source). Actors, subjects and org ids use the privacy module's patterns.
// ---------------------------------------------------------------------------------------------------------------------

/** `rq_` + 32 hex (random, chosen by the reporting node). */
export const REQUEST_ID_PATTERN = '^rq_[0-9a-f]{32}$';
/** SHA-256, lowercase hex: of a description, a photo, a comment or a reason kept off the ledger. */
export const CONTENT_HASH_PATTERN = '^[0-9a-f]{64}$';
/**
 * A building code: lowercase ASCII starting with a letter (so a bare phone or ID number cannot pass), no `/` (it is
 * part of a state key).
 */
export const BUILDING_ID_PATTERN = '^[a-z][a-z0-9-]*$';

// ---------------------------------------------------------------------------------------------------------------------
// Payloads (one per transaction type `repair.<action>`)
// ---------------------------------------------------------------------------------------------------------------------

export type RepairLocation = {
  kind: LocationKind;
  building: string;
};

export type RepairPartLine = {
  part: RepairPart;
  quantity: number;
};

export type RepairCreatePayload = {
  request: string;
  category: RepairCategory;
  priority: RepairPriority;
  location: RepairLocation;
  descriptionHash: string;
  photoHashes: string[];
  /** the reporter's pseudonym */
  reporter: string;
  /** the resident's subject id: only for `home` */
  subject?: string;
};

export type RepairAssignPayload = {
  request: string;
  /** the worker's pseudonym (in `workerOrg`) */
  worker: string;
  workerOrg: string;
  /** the dispatcher's or staff member's pseudonym */
  by: string;
};

/** accept, arrive, start */
export type RepairWorkerPayload = {
  request: string;
  worker: string;
};

export type RepairDiagnosePayload = {
  request: string;
  worker: string;
  cause: RepairCause;
  parts: RepairPartLine[];
  photoHashes: string[];
};

export type RepairFinishPayload = {
  request: string;
  worker: string;
  photoHashes: string[];
};

export type RepairConfirmPayload = {
  request: string;
  reporter: string;
  rating: number;
  commentHash?: string;
};

export type RepairReopenPayload = {
  request: string;
  reporter: string;
  reasonHash: string;
};

export type RepairCancelPayload = {
  request: string;
  /** the reporter's or a staff member's pseudonym */
  by: string;
};

export type RepairFollowPayload = {
  request: string;
  follower: string;
};

export type RepairEscalatePayload = {
  request: string;
  /** exactly one more than the request's current level */
  level: number;
  /** the pseudonym of the staff member (or the node's escalation job) */
  by: string;
};

/**
 * An organisation's SLA for one category (`repair.configure_sla`, signed by the organisation): applies to the requests
 * it records from then on (create, reopen); whole hours, REPAIRS_SLA_HOURS_MIN..MAX, urgent ≤ normal.
 */
export type RepairConfigureSlaPayload = {
  category: RepairCategory;
  urgentHours: number;
  normalHours: number;
  /** the dispatcher's or staff member's pseudonym */
  by: string;
};

export type RepairPayload =
  | RepairConfigureSlaPayload
  | RepairCreatePayload
  | RepairAssignPayload
  | RepairWorkerPayload
  | RepairDiagnosePayload
  | RepairFinishPayload
  | RepairConfirmPayload
  | RepairReopenPayload
  | RepairCancelPayload
  | RepairFollowPayload
  | RepairEscalatePayload;

// ---------------------------------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------------------------------

/**
 * One step of a request: who did what, when (block time), in which transaction, and what the step recorded (only the
 * fields of its action are present).
 */
export type RepairStep = {
  action: Exclude<RepairAction, 'follow'>;
  at: number;
  actor: string;
  txHash: string;
  /** assign */
  worker?: string;
  workerOrg?: string;
  /** diagnose */
  cause?: RepairCause;
  parts?: RepairPartLine[];
  /** create, diagnose, finish */
  photoHashes?: string[];
  /** confirm */
  rating?: number;
  commentHash?: string;
  /** reopen */
  reasonHash?: string;
  /** escalate */
  level?: number;
  overdueMs?: number;
};

export type RepairEscalation = {
  level: number;
  /** block time of the escalation, ms */
  at: number;
  /** at − slaDueAt */
  overdueMs: number;
};

/** `repairs/request/<id>` */
export type RequestRecord = {
  request: string;
  status: RepairStatus;
  category: RepairCategory;
  priority: RepairPriority;
  location: RepairLocation;
  descriptionHash: string;
  reporter: string;
  /** the organisation that recorded the request: its staff manage it, its private store holds the details */
  org: string;
  subject?: string;
  /** the assigned (or, after a reopen, the last) worker */
  worker?: string;
  workerOrg?: string;
  /** block time of `repair.create`, ms */
  createdAt: number;
  /** createdAt (or the last reopen) + SLA of category × priority, ms */
  slaDueAt: number;
  steps: RepairStep[];
  /** pseudonyms of residents following the request, in order */
  followers: string[];
  /** the highest escalation of the current SLA period, or null */
  escalation: RepairEscalation | null;
  rating?: number;
};

/** `repairs/sla/<org>/<category>`: the organisation's SLA for the category (absent: the catalogue default). */
export type SlaConfigRecord = {
  org: string;
  category: RepairCategory;
  urgentHours: number;
  normalHours: number;
  /** who set it (pseudonym in `org`) */
  by: string;
  /** block time, ms */
  at: number;
  txHash: string;
};

// ---------------------------------------------------------------------------------------------------------------------
// State keys (docs/spec/repairs.md: "State keys")
// ---------------------------------------------------------------------------------------------------------------------

export const REPAIRS_PREFIX = 'repairs/';
export const requestKey = (request: string): string => `repairs/request/${request}`;
/** index of open requests; value: the category */
export const OPEN_PREFIX = 'repairs/open/';
export const openBuildingPrefix = (building: string): string => `${OPEN_PREFIX}${building}/`;
export const openKey = (building: string, request: string): string => `${openBuildingPrefix(building)}${request}`;
/** per-organisation SLA settings; value: SlaConfigRecord */
export const SLA_PREFIX = 'repairs/sla/';
export const slaOrgPrefix = (org: string): string => `${SLA_PREFIX}${org}/`;
export const slaKey = (org: string, category: string): string => `${slaOrgPrefix(org)}${category}`;
