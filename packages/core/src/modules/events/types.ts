/**
 * Payloads, state records, limits, id patterns and state keys of the events module. docs/spec/events.md
 *
 * Payloads are type aliases (not interfaces) so that they are assignable to the registry's generic payload record.
 */
import type {
  AssignmentStatus,
  AssignmentVia,
  CheckResult,
  DepartmentCode,
  EventAction,
  EventCategory,
  EventLocationKind,
  EventSeverity,
  EventStatus,
  FlagAnswer,
  FlagKind,
  HelpReason,
  RejectReason,
  ReporterKind,
  ResultCode,
  SendBackReason,
  TriageDecision,
  VisitPurpose,
} from './catalogue.js';

// ---------------------------------------------------------------------------------------------------------------------
// Limits (named, unit last)
// ---------------------------------------------------------------------------------------------------------------------

/** Photo or evidence hashes one transaction may carry. */
export const EVENTS_PHOTOS_MAX = 10;
/** Departments one event may have (dispatch, fan-out and help together). */
export const EVENTS_ASSIGNMENTS_MAX = 12;
/** Departments one dispatch or send-back may name. */
export const EVENTS_DISPATCH_DEPARTMENTS_MAX = 8;
/** Flags one event may carry. */
export const EVENTS_FLAGS_MAX = 50;
/** Steps one event may record; beyond it, actions are refused. */
export const EVENTS_STEPS_MAX = 200;
/** Events merged into one. */
export const EVENTS_DUPLICATES_MAX = 50;
/** Escalation levels per department of an event (level 1 = the department's leader). */
export const EVENTS_ESCALATION_LEVEL_MAX = 3;
/** Shortest and longest deadline the command centre may give a department, minutes (30 days). */
export const EVENTS_DEADLINE_MINUTES_MIN = 5;
export const EVENTS_DEADLINE_MINUTES_MAX = 30 * 24 * 60;
/** How long before its report an event may have been observed, ms (7 days). */
export const EVENTS_OBSERVED_AGE_MS_MAX = 7 * 24 * 60 * 60 * 1000;
/** A grid worker's report is timely when block time − observedAt is at most this, ms (GB/T 30428.4 style). */
export const EVENTS_REPORT_TIMELY_MS = 60 * 60 * 1000;
/** Building, grid and common-area codes. */
export const EVENTS_CODE_CHARS_MAX = 32;
/** Buildings of one grid. */
export const EVENTS_GRID_BUILDINGS_MAX = 200;
/** Households of one building. */
export const EVENTS_BUILDING_HOUSEHOLDS_MAX = 2000;
/** Grid workers of one grid. */
export const EVENTS_GRID_WORKERS_MAX = 8;
/** Household tokens one visit record may carry. */
export const EVENTS_VISIT_HOUSEHOLDS_MAX = 50;
/** Organisations a command centre maps one department to. */
export const EVENTS_DEPARTMENT_ORGS_MAX = 4;
export const EVENTS_RATING_MIN = 1;
export const EVENTS_RATING_MAX = 5;
/** Most entries a query reads with one prefix scan. */
export const EVENTS_QUERY_ITEMS_MAX = 1000;

export const EVENTS_MINUTE_MS = 60 * 1000;
/** `event.import`: how far back a finished event from the command centre's previous system may go, ms (400 days). */
export const EVENTS_IMPORT_AGE_MS_MAX = 400 * 24 * 60 * 60 * 1000;
/** `event.import`: departments one imported event may name. */
export const EVENTS_IMPORT_DEPARTMENTS_MAX = EVENTS_DISPATCH_DEPARTMENTS_MAX;
/** `event.import`: times the previous system may have sent one department's part back. */
export const EVENTS_IMPORT_SENT_BACK_MAX = 5;

// ---------------------------------------------------------------------------------------------------------------------
// Id patterns
// ---------------------------------------------------------------------------------------------------------------------

/** `ev_` + 32 hex (random, chosen by the reporting node). */
export const EVENT_ID_PATTERN = '^ev_[0-9a-f]{32}$';
/**
 * A building, grid or common-area code: lowercase ASCII starting with a letter (a bare phone or ID number cannot
 * pass), no `/` (part of state keys). A standard address code (一标三实) of a building fits.
 */
export const EVENT_CODE_PATTERN = '^[a-z][a-z0-9-]*$';

// ---------------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------------

export type EventLocation = {
  kind: EventLocationKind;
  /** a building code of the grid, or a common-area code */
  code: string;
};

export type EventReportPayload = {
  event: string;
  category: EventCategory;
  severity: EventSeverity;
  grid: string;
  location: EventLocation;
  descriptionHash: string;
  photoHashes: string[];
  /** the reporter's pseudonym */
  reporter: string;
  reporterKind: ReporterKind;
  /** the command centre (genesis organisation) that triages it and closes it */
  centre: string;
  /** when the reporter saw it (ms, their claim): at most EVENTS_OBSERVED_AGE_MS_MAX before the block */
  observedAt: number;
  /** reporterKind `device` only (and then required): the open alarm of the signer's device that reports it */
  alarm?: string;
};

export type EventTriagePayload = {
  event: string;
  decision: TriageDecision;
  /** merge: the event it duplicates */
  into?: string;
  /** reject */
  reason?: RejectReason;
  by: string;
};

export type DepartmentDeadline = {
  /** the department's genesis organisation */
  org: string;
  deadlineMinutes: number;
};

export type EventDispatchPayload = {
  event: string;
  departments: DepartmentDeadline[];
  by: string;
};

/** acknowledge, accept: the signing department's staff member. */
export type EventDepartmentPayload = {
  event: string;
  by: string;
};

export type EventHandlePayload = {
  event: string;
  result: ResultCode;
  photoHashes: string[];
  by: string;
};

export type EventRequestHelpPayload = {
  event: string;
  /** the department asked (a genesis organisation not yet on the event) */
  to: string;
  reason: HelpReason;
  deadlineMinutes: number;
  by: string;
};

export type EventFlagPayload = {
  event: string;
  /** index of the flagged step in the event's steps; the step must be the target's */
  step: number;
  kind: FlagKind;
  evidenceHashes: string[];
  by: string;
};

export type EventAnswerFlagPayload = {
  event: string;
  /** index of the flag in the event's flags */
  flag: number;
  answer: FlagAnswer;
  evidenceHashes: string[];
  by: string;
};

export type EventClosePayload = {
  event: string;
  check: CheckResult;
  photoHashes: string[];
  by: string;
};

export type EventSendBackPayload = {
  event: string;
  departments: DepartmentDeadline[];
  reason: SendBackReason;
  by: string;
};

export type EventEscalatePayload = {
  event: string;
  /** the department (organisation) that missed its acknowledgement or deadline */
  department: string;
  /** exactly one more than that department's current level */
  level: number;
  by: string;
};

export type EventRatePayload = {
  event: string;
  reporter: string;
  rating: number;
};

export type GridBuilding = {
  building: string;
  households: number;
};

/** `event.define_grid`: a grid, its buildings with their household counts, its grid workers' pseudonyms. */
export type GridDefinePayload = {
  grid: string;
  buildings: GridBuilding[];
  workers: string[];
  by: string;
};

/** `event.patrol`: a grid worker checks in at a building of their grid. */
export type GridPatrolPayload = {
  grid: string;
  building: string;
  worker: string;
};

/**
 * `event.visit`: a grid worker's visit to households of a building. A household is an opaque token (SHA-256 the
 * grid's organisation derives from the unit's standard address code and its own secret), never a unit or a person.
 */
export type GridVisitPayload = {
  grid: string;
  building: string;
  worker: string;
  households: string[];
  purpose: VisitPurpose;
};

/** `event.configure_department`: the signing command centre's organisations for one department. */
export type ConfigureDepartmentPayload = {
  department: DepartmentCode;
  orgs: string[];
  by: string;
};

/** One department's part of an imported event, as the previous system recorded it (times in ms). */
export type ImportedPart = {
  /** the department's genesis organisation */
  org: string;
  assignedAt: number;
  /** the deadline the command centre gave it */
  dueAt: number;
  /** major events: when it acknowledged (absent: at acceptance) */
  acknowledgedAt?: number;
  acceptedAt: number;
  handledAt: number;
  result: ResultCode;
  /** times the command centre sent its result back before it held */
  sentBack: number;
};

/**
 * `event.import`: the command centre records a FINISHED (closed) event from its previous system with its timeline.
 * Every time is the previous system's (legacy, before the block time, within EVENTS_IMPORT_AGE_MS_MAX); the record and
 * its steps are marked `imported`. Signed by the command centre that defined the grid.
 */
export type EventImportPayload = {
  event: string;
  category: EventCategory;
  severity: EventSeverity;
  grid: string;
  location: EventLocation;
  descriptionHash: string;
  /** the reporter's pseudonym as the previous system knew them */
  reporter: string;
  reporterKind: ReporterKind;
  observedAt: number;
  reportedAt: number;
  departments: ImportedPart[];
  check: CheckResult;
  closedAt: number;
  by: string;
};

export type EventPayload =
  | EventReportPayload
  | EventImportPayload
  | EventTriagePayload
  | EventDispatchPayload
  | EventDepartmentPayload
  | EventHandlePayload
  | EventRequestHelpPayload
  | EventFlagPayload
  | EventAnswerFlagPayload
  | EventClosePayload
  | EventSendBackPayload
  | EventEscalatePayload
  | EventRatePayload
  | GridDefinePayload
  | GridPatrolPayload
  | GridVisitPayload
  | ConfigureDepartmentPayload;

// ---------------------------------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------------------------------

/** One step: who (organisation and pseudonym) did what, when (block time), in which transaction, with what detail. */
export type EventStep = {
  action: EventAction;
  /** the event's status after the step */
  status: EventStatus;
  at: number;
  org: string;
  actor: string;
  txHash: string;
  /** report, handle, close */
  photoHashes?: string[];
  /** triage */
  decision?: TriageDecision;
  into?: string;
  reason?: RejectReason | HelpReason | SendBackReason;
  /** dispatch, send_back, report (fan-out): the departments and their due times */
  departments?: { org: string; dueAt: number; ackDueAt?: number }[];
  /** handle */
  result?: ResultCode;
  /** handle: the deadline in force when it was recorded */
  dueAt?: number;
  /** request_help, escalate */
  to?: string;
  /** flag */
  step?: number;
  kind?: FlagKind;
  evidenceHashes?: string[];
  /** answer_flag */
  flag?: number;
  answer?: FlagAnswer;
  /** close */
  check?: CheckResult;
  /** escalate */
  level?: number;
  /** rate */
  rating?: number;
  /** `event.import`: the time is the previous system's, recorded by the command centre in one transaction */
  imported?: true;
};

/** One department's part of an event. */
export type Assignment = {
  /** the department's genesis organisation: only it signs this part's steps */
  org: string;
  /** the department code it stands for, when known (fan-out) */
  department?: DepartmentCode;
  via: AssignmentVia;
  /** help: the department that asked */
  requestedBy?: string;
  status: AssignmentStatus;
  assignedAt: number;
  /** major events: acknowledge by this block time, ms; null otherwise */
  ackDueAt: number | null;
  acknowledgedAt: number | null;
  acceptedAt: number | null;
  /** handle by this block time, ms (renewed by a send-back) */
  dueAt: number;
  handledAt: number | null;
  result: ResultCode | null;
  /** times the command centre sent this part back */
  sentBack: number;
  /** highest escalation level, 0 = none */
  escalation: number;
};

export type EventFlag = {
  /** the step flagged (index in steps) */
  step: number;
  kind: FlagKind;
  /** who raised it and whose step it is */
  by: string;
  target: string;
  raisedAt: number;
  answer: FlagAnswer | null;
  answeredAt: number | null;
};

/** `events/event/<id>` */
export type EventRecord = {
  event: string;
  status: EventStatus;
  category: EventCategory;
  severity: EventSeverity;
  /** the major-event rule applied at report */
  major: boolean;
  grid: string;
  location: EventLocation;
  descriptionHash: string;
  reporter: string;
  reporterKind: ReporterKind;
  /** the organisation that signed the report (the reporter's) */
  reporterOrg: string;
  /** the command centre: triages, dispatches, checks and closes */
  centre: string;
  observedAt: number;
  reportedAt: number;
  assignments: Assignment[];
  flags: EventFlag[];
  steps: EventStep[];
  /** merged: the event it was merged into */
  mergedInto: string | null;
  /** events merged into this one */
  duplicates: string[];
  closedAt: number | null;
  rating: number | null;
  /** `event.import`: a finished event from the command centre's previous system; its times are legacy times */
  imported?: true;
  /** reporterKind `device`: the alarm (devices module) that reported it */
  alarm?: string;
};

/** `events/grid/<grid>` */
export type GridRecord = {
  grid: string;
  /** the organisation that defined it (the street office): only it redefines it and records its patrols */
  org: string;
  buildings: GridBuilding[];
  workers: string[];
  by: string;
  at: number;
  txHash: string;
};

/** `events/patrol/<grid>/<time>/<txHash>` */
export type PatrolRecord = {
  grid: string;
  building: string;
  worker: string;
  at: number;
  txHash: string;
};

/** `events/visit/<grid>/<time>/<txHash>` */
export type VisitRecord = {
  grid: string;
  building: string;
  worker: string;
  households: string[];
  purpose: VisitPurpose;
  at: number;
  txHash: string;
};

/** `events/directory/<centre>/<department>` */
export type DepartmentConfigRecord = {
  centre: string;
  department: DepartmentCode;
  orgs: string[];
  by: string;
  at: number;
  txHash: string;
};

// ---------------------------------------------------------------------------------------------------------------------
// State keys (docs/spec/events.md#state-keys)
// ---------------------------------------------------------------------------------------------------------------------

export const EVENTS_PREFIX = 'events/';
export const eventKey = (event: string): string => `events/event/${event}`;
/** open events by grid; value: the status */
export const openGridPrefix = (grid: string): string => `events/open-grid/${grid}/`;
export const openGridKey = (grid: string, event: string): string => `${openGridPrefix(grid)}${event}`;
/** open events by organisation (the command centre and every assigned department); value: the status */
export const openOrgPrefix = (org: string): string => `events/open-org/${org}/`;
export const openOrgKey = (org: string, event: string): string => `${openOrgPrefix(org)}${event}`;
/** every event an organisation was ever on (command centre or department): the metrics read these; value: status */
export const orgEventPrefix = (org: string): string => `events/by-org/${org}/`;
export const orgEventKey = (org: string, event: string): string => `${orgEventPrefix(org)}${event}`;
/** every event of a grid; value: status */
export const gridEventPrefix = (grid: string): string => `events/by-grid/${grid}/`;
export const gridEventKey = (grid: string, event: string): string => `${gridEventPrefix(grid)}${event}`;
/** every event a reporter reported (their "my reports"); value: status */
export const reporterEventPrefix = (org: string, reporter: string): string => `events/by-reporter/${org}/${reporter}/`;
export const reporterEventKey = (org: string, reporter: string, event: string): string => `${reporterEventPrefix(org, reporter)}${event}`;
export const gridKey = (grid: string): string => `events/grid/${grid}`;
/** the event a device alarm reported (reporterKind `device`); value: the event id */
export const alarmEventKey = (alarm: string): string => `events/by-alarm/${alarm}`;
/** Block times as 15 digits, so keys sort by time. */
export const eventsTimeCode = (ms: number): string => String(ms).padStart(15, '0');
export const patrolPrefix = (grid: string): string => `events/patrol/${grid}/`;
export const patrolKey = (grid: string, at: number, txHash: string): string => `${patrolPrefix(grid)}${eventsTimeCode(at)}/${txHash}`;
export const visitPrefix = (grid: string): string => `events/visit/${grid}/`;
export const visitKey = (grid: string, at: number, txHash: string): string => `${visitPrefix(grid)}${eventsTimeCode(at)}/${txHash}`;
export const directoryPrefix = (centre: string): string => `events/directory/${centre}/`;
export const directoryKey = (centre: string, department: string): string => `${directoryPrefix(centre)}${department}`;
