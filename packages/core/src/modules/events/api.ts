/**
 * The events module's client contract: what its HTTP API (`/v1/events…`) shows, as JSON schemas (the node's response
 * schemas: only what they list leaves) and the types derived from them, so that the node and the web app share one
 * definition. Pure data. docs/spec/events.md#api
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { ProofBundle } from '../../bundle.js';
import {
  ASSIGNMENT_VIAS,
  CHECK_RESULTS,
  DEPARTMENT_CODES,
  EVENT_ACTIONS,
  EVENT_ASSIGNMENT_STATUSES,
  EVENT_CATEGORY_CODES,
  EVENT_LOCATION_KINDS,
  EVENT_REJECT_REASONS,
  EVENT_REPORTER_KINDS,
  EVENT_RESULT_CODES,
  EVENT_SEVERITIES,
  EVENT_STATUSES,
  FLAG_ANSWERS,
  FLAG_KINDS,
  HELP_REASONS,
  SEND_BACK_REASONS,
  TRIAGE_DECISIONS,
  VISIT_PURPOSES,
} from './catalogue.js';
import {
  EVENT_CODE_PATTERN,
  EVENTS_BUILDING_HOUSEHOLDS_MAX,
  EVENTS_CODE_CHARS_MAX,
  EVENTS_DEPARTMENT_ORGS_MAX,
  EVENTS_GRID_BUILDINGS_MAX,
  EVENTS_GRID_WORKERS_MAX,
  EVENTS_IMPORT_DEPARTMENTS_MAX,
  EVENTS_IMPORT_SENT_BACK_MAX,
} from './types.js';

/** Rows of the command centre's board in one page, at most (and by default). */
export const EVENTS_PAGE_MAX = 100;
export const EVENTS_PAGE_DEFAULT = 50;

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const strings = { type: 'array', items: str } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const status = { type: 'string', enum: EVENT_STATUSES } as const;
const category = { type: 'string', enum: EVENT_CATEGORY_CODES } as const;
const severity = { type: 'string', enum: EVENT_SEVERITIES } as const;
const department = { type: 'string', enum: DEPARTMENT_CODES } as const;

/** What a step on an event answers, once its transaction is committed: the event's status after it. */
export const eventActResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { event: str, action: { type: 'string', enum: EVENT_ACTIONS }, status, txHash: str, height: int },
  required: ['event', 'action', 'status', 'txHash', 'height'],
} as const;
export type EventActResult = FromSchema<typeof eventActResultSchema>;

/** What a patrol check-in or a household visit answers (`households`: tokens recorded, visits only). */
export const gridWorkResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { grid: str, building: str, action: { type: 'string', enum: ['patrol', 'visit'] }, households: int, txHash: str, height: int },
  required: ['grid', 'building', 'action', 'txHash', 'height'],
} as const;
export type GridWorkResult = FromSchema<typeof gridWorkResultSchema>;

/** What a follow or unfollow answers (kept on the node that recorded it, not on the ledger). */
export const followResultSchema = {
  type: 'object', additionalProperties: false, properties: { event: str, following: bool, followers: int }, required: ['event', 'following', 'followers'],
} as const;
export type FollowResult = FromSchema<typeof followResultSchema>;

/**
 * One department's part of an event with its timers at the node's clock: `ackMissed` (a major event's acknowledgement
 * deadline passed without, or before, an acknowledgement), `overdue` (not handled past `dueAt` while dispatched).
 * `orgName` from the genesis. (Whether a department's key is hosted is in the catalogue and department records.)
 */
export const partViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    org: str, orgName: str, department, via: { type: 'string', enum: ASSIGNMENT_VIAS }, requestedBy: str,
    status: { type: 'string', enum: EVENT_ASSIGNMENT_STATUSES },
    assignedAt: int, ackDueAt: nullableInt, acknowledgedAt: nullableInt, acceptedAt: nullableInt, dueAt: int, handledAt: nullableInt,
    result: { type: ['string', 'null'], enum: [...EVENT_RESULT_CODES, null] },
    sentBack: int, escalation: int, ackMissed: bool, overdue: bool,
  },
  required: ['org', 'orgName', 'via', 'status', 'assignedAt', 'ackDueAt', 'acknowledgedAt', 'acceptedAt', 'dueAt', 'handledAt', 'result', 'sentBack', 'escalation', 'ackMissed', 'overdue'],
} as const;
export type PartView = FromSchema<typeof partViewSchema>;

/** A flag (mutual supervision): who raised it on whose step, and the answer. */
export const flagViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    index: int, step: int, kind: { type: 'string', enum: FLAG_KINDS }, by: str, target: str, raisedAt: int,
    answer: { type: ['string', 'null'], enum: [...FLAG_ANSWERS, null] }, answeredAt: nullableInt,
  },
  required: ['index', 'step', 'kind', 'by', 'target', 'raisedAt', 'answer', 'answeredAt'],
} as const;
export type FlagView = FromSchema<typeof flagViewSchema>;

const location = {
  type: 'object', additionalProperties: false, properties: { kind: { type: 'string', enum: EVENT_LOCATION_KINDS }, code: str }, required: ['kind', 'code'],
} as const;

const summaryProperties = {
  event: str, category, categoryName: str, severity, major: bool, status, open: bool,
  grid: str, location, centre: str, reporterKind: { type: 'string', enum: EVENT_REPORTER_KINDS },
  observedAt: int, reportedAt: int, updatedAt: int, closedAt: nullableInt,
  parts: { type: 'array', items: partViewSchema },
  /** any part overdue / any acknowledgement missed, at the node's clock */
  overdue: bool, ackMissed: bool,
  /** flags not yet answered */
  openFlags: int,
  rating: nullableInt,
  /** the caller reported it / follows it; the caller's organisation's part, if it has one */
  yours: bool, following: bool, myPart: partViewSchema,
  /** `event.import`: a finished event from the command centre's previous system; its times are legacy times */
  imported: bool,
} as const;
const summaryRequired = [
  'event', 'category', 'categoryName', 'severity', 'major', 'status', 'open', 'grid', 'location', 'centre', 'reporterKind',
  'observedAt', 'reportedAt', 'updatedAt', 'closedAt', 'parts', 'overdue', 'ackMissed', 'openFlags', 'rating', 'yours', 'following',
] as const;

/** An event as a row of a list (board, inbox, my reports, a grid's events). */
export const eventSummarySchema = { type: 'object', additionalProperties: false, properties: summaryProperties, required: summaryRequired } as const;
export type EventSummary = FromSchema<typeof eventSummarySchema>;

/**
 * An event in full: the summary, its flags, duplicates, the hashes on the ledger; and the private part (the
 * description text and its salt: SHA-256 of salt ‖ text is `descriptionHash`) only to those who may read it, on the
 * node that holds it (the reporter's organisation's).
 */
export const eventViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...summaryProperties,
    reporter: str, reporterOrg: str, descriptionHash: str,
    /** every photo hash the steps recorded, in order */
    photos: strings,
    flags: { type: 'array', items: flagViewSchema },
    mergedInto: { type: ['string', 'null'] }, duplicates: strings,
    followers: int,
    description: str, descriptionSalt: str,
  },
  required: [...summaryRequired, 'reporter', 'reporterOrg', 'descriptionHash', 'photos', 'flags', 'mergedInto', 'duplicates', 'followers'],
} as const;
export type EventView = FromSchema<typeof eventViewSchema>;

const summaries = { type: 'array', items: eventSummarySchema } as const;
/** A list of events (a department's inbox, a grid's open events). */
export const eventListSchema = { type: 'object', additionalProperties: false, properties: { events: summaries }, required: ['events'] } as const;
export type EventList = FromSchema<typeof eventListSchema>;
/** One page of the command centre's board of open events, oldest first: `total` matching rows, this page from `offset`. */
export const eventBoardSchema = {
  type: 'object', additionalProperties: false, properties: { events: summaries, total: int, offset: int, limit: int }, required: ['events', 'total', 'offset', 'limit'],
} as const;
export type EventBoard = FromSchema<typeof eventBoardSchema>;
/** The caller's events: reported by them (pseudonym of their organisation), and those they follow. */
export const myEventsSchema = {
  type: 'object', additionalProperties: false, properties: { reported: summaries, following: summaries }, required: ['reported', 'following'],
} as const;
export type MyEvents = FromSchema<typeof myEventsSchema>;

/**
 * One step of an event's timeline as the ledger recorded it (EventStep), with its index (what a flag names), the
 * user name of its actor when of the caller's organisation, and the proof bundle of its transaction: check it with
 * `verifyEventStep(event, step, proof, genesis)` (the verdict names the signing organisation).
 */
export const eventTimelineStepSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    index: int, action: { type: 'string', enum: EVENT_ACTIONS }, status, at: int, org: str, actor: str, txHash: str,
    actorUsername: str,
    photoHashes: strings,
    decision: { type: 'string', enum: TRIAGE_DECISIONS }, into: str,
    reason: { type: 'string', enum: [...EVENT_REJECT_REASONS, ...HELP_REASONS, ...SEND_BACK_REASONS] },
    departments: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { org: str, dueAt: int, ackDueAt: int }, required: ['org', 'dueAt'] },
    },
    result: { type: 'string', enum: EVENT_RESULT_CODES }, dueAt: int, to: str,
    step: int, kind: { type: 'string', enum: FLAG_KINDS }, evidenceHashes: strings,
    flag: int, answer: { type: 'string', enum: FLAG_ANSWERS },
    check: { type: 'string', enum: CHECK_RESULTS }, level: int, rating: int,
    // `event.import`: a legacy step (the previous system's time), recorded by the command centre's one transaction
    imported: { type: 'boolean', const: true },
    // a proof bundle (docs/spec/formats.md): public ledger data, passed through whole for verifyEventStep
    proof: { type: ['object', 'null'], additionalProperties: true },
  },
  required: ['index', 'action', 'status', 'at', 'org', 'actor', 'txHash', 'proof'],
} as const;
/** The schema passes the bundle through whole; its type is the core's. */
export type EventTimelineStep = Omit<FromSchema<typeof eventTimelineStepSchema>, 'proof'> & { proof: ProofBundle | null };

/** An event's timeline with every department's timers at the node's clock (`now`). */
export const eventTimelineSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { event: str, status, now: int, parts: { type: 'array', items: partViewSchema }, steps: { type: 'array', items: eventTimelineStepSchema } },
  required: ['event', 'status', 'now', 'parts', 'steps'],
} as const;
export type EventTimeline = Omit<FromSchema<typeof eventTimelineSchema>, 'steps'> & { steps: EventTimelineStep[] };

/** A building of a grid, with the caller's last check-in there (grid workers' own grids). */
const gridBuildingSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { building: str, name: str, households: int, lastPatrolAt: nullableInt, householdsVisited: int },
  required: ['building', 'households'],
} as const;

/** A grid worker's record over a period (docs/spec/events.md#contribution-and-timeliness); `username` on their node. */
export const gridWorkerRecordSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    grid: str, worker: str, username: str, displayName: str,
    households: int, householdsVisited: int, coverage: num, buildings: int, buildingsPatrolled: int,
    reports: int, timelyReports: int, residentReports: int,
  },
  required: ['grid', 'worker', 'households', 'householdsVisited', 'coverage', 'buildings', 'buildingsPatrolled', 'reports', 'timelyReports', 'residentReports'],
} as const;
export type GridWorkerRecord = FromSchema<typeof gridWorkerRecordSchema>;

/** A grid as its grid workers see it: buildings with households, coverage over the last 30 days, open events. */
export const gridViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    grid: str, name: str, org: str, households: int,
    buildings: { type: 'array', items: gridBuildingSchema },
    commonAreas: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { code: str, name: str }, required: ['code', 'name'] } },
    workers: int, openEvents: int,
    /** the caller's record over the last 30 days (grid workers of the grid) */
    mine: gridWorkerRecordSchema,
  },
  required: ['grid', 'org', 'households', 'buildings', 'commonAreas', 'workers', 'openEvents'],
} as const;
export type GridView = FromSchema<typeof gridViewSchema>;
export const gridListSchema = { type: 'object', additionalProperties: false, properties: { grids: { type: 'array', items: gridViewSchema } }, required: ['grids'] } as const;
export type GridList = FromSchema<typeof gridListSchema>;

/** Every grid worker's record of a grid over [from, to). */
export const gridRecordSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { grid: str, from: int, to: int, workers: { type: 'array', items: gridWorkerRecordSchema } },
  required: ['grid', 'from', 'to', 'workers'],
} as const;
export type GridRecordView = FromSchema<typeof gridRecordSchema>;

/** A department's contribution and timeliness from the ledger (departmentMetrics at the node's clock). */
export const departmentRecordSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    org: str, orgName: str, departments: { type: 'array', items: department }, hosted: bool, validator: bool, now: int,
    assigned: int, helpGiven: int, helpRequested: int,
    acknowledgementsDue: int, acknowledgedOnTime: int, acknowledgementsMissed: int,
    handled: int, handledOnTime: int, overdue: int, sentBack: int,
    flagsRaised: int, flagsReceived: int, flagsAnswered: int, escalated: int,
    /** imported events (legacy times), never counted in the ledger-timed figures above */
    imported: {
      type: 'object', additionalProperties: false,
      properties: { assigned: int, handled: int, handledOnTime: int, sentBack: int },
      required: ['assigned', 'handled', 'handledOnTime', 'sentBack'],
    },
  },
  required: [
    'org', 'orgName', 'departments', 'hosted', 'validator', 'now', 'assigned', 'helpGiven', 'helpRequested', 'acknowledgementsDue',
    'acknowledgedOnTime', 'acknowledgementsMissed', 'handled', 'handledOnTime', 'overdue', 'sentBack', 'flagsRaised', 'flagsReceived',
    'flagsAnswered', 'escalated', 'imported',
  ],
} as const;
export type DepartmentRecordView = FromSchema<typeof departmentRecordSchema>;
export const departmentRecordListSchema = {
  type: 'object', additionalProperties: false, properties: { departments: { type: 'array', items: departmentRecordSchema } }, required: ['departments'],
} as const;
export type DepartmentRecordList = FromSchema<typeof departmentRecordListSchema>;

/**
 * The catalogues a client builds its forms from: categories (with responsible departments and the major-event rule),
 * the codes steps carry, the departments with the organisations standing for them in this command centre's directory
 * (`hosted`: a member whose key this node holds for it, its staff signing in here — docs/decisions/0001-hosted-departments.md;
 * `validator`: it has voting power).
 */
export const eventCataloguesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    categories: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: {
          code: category, name: str, gbClass: str, departments: { type: 'array', items: department },
          major: {
            type: ['object', 'null'], additionalProperties: false,
            properties: { from: severity, ackMinutes: int, deadlineMinutes: int }, required: ['from', 'ackMinutes', 'deadlineMinutes'],
          },
        },
        required: ['code', 'name', 'gbClass', 'departments', 'major'],
      },
    },
    departments: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: {
          code: department, name: str,
          orgs: {
            type: 'array',
            items: { type: 'object', additionalProperties: false, properties: { org: str, name: str, hosted: bool, validator: bool }, required: ['org', 'name', 'hosted', 'validator'] },
          },
        },
        required: ['code', 'name', 'orgs'],
      },
    },
    /** this node's command centre (the `centre` of reports made through it) */
    centre: str,
    severities: strings, statuses: strings, locationKinds: strings, rejectReasons: strings, resultCodes: strings, helpReasons: strings,
    flagKinds: strings, flagAnswers: strings, checkResults: strings, sendBackReasons: strings, visitPurposes: strings,
    /** the community's grids (code, name, buildings, common areas): residents pick one to report about */
    grids: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: {
          grid: str, name: str, buildings: strings,
          commonAreas: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { code: str, name: str }, required: ['code', 'name'] } },
        },
        required: ['grid', 'buildings', 'commonAreas'],
      },
    },
  },
  required: [
    'categories', 'departments', 'centre', 'severities', 'statuses', 'locationKinds', 'rejectReasons', 'resultCodes', 'helpReasons',
    'flagKinds', 'flagAnswers', 'checkResults', 'sendBackReasons', 'visitPurposes', 'grids',
  ],
} as const;
export type EventCatalogues = FromSchema<typeof eventCataloguesSchema>;

// ---------------------------------------------------------------------------------------------------------------------
// Request bodies (the node validates them with these schemas; clients build them with these types)
// ---------------------------------------------------------------------------------------------------------------------

const hash = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const hashes = { type: 'array', items: hash, maxItems: 10, uniqueItems: true } as const;
const code = { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 32 } as const;
/** Where an event is, as a report or an import gives it: a building or a common area of the grid, by its code. */
const locationBody = { type: 'object', additionalProperties: false, properties: { kind: { type: 'string', enum: EVENT_LOCATION_KINDS }, code }, required: ['kind', 'code'] } as const;
const deadlineMinutes = { type: 'integer', minimum: 5, maximum: 43200 } as const;
const departmentsBody = {
  type: 'array', minItems: 1, maxItems: 8,
  items: { type: 'object', additionalProperties: false, properties: { org: { type: 'string', minLength: 1, maxLength: 64 }, deadlineMinutes }, required: ['org', 'deadlineMinutes'] },
} as const;

/**
 * `POST /v1/events`: a report. `description` stays on the reporting node (its salted hash goes on the ledger);
 * `photos` are hashes of photos uploaded first (`POST /v1/events/photos`); `observedAt` defaults to now. A resident
 * reports about a common area only.
 */
export const eventReportBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    category, severity, grid: code,
    location: locationBody,
    description: { type: 'string', minLength: 1, maxLength: 2000 },
    photos: hashes,
    observedAt: int,
  },
  required: ['category', 'severity', 'grid', 'location', 'description'],
} as const;
export type EventReportBody = FromSchema<typeof eventReportBodySchema>;

/**
 * `POST /v1/events/imports`: the command centre imports one FINISHED event from its previous system (`event.import`):
 * the legacy timeline's times (each at most now, at most EVENTS_IMPORT_AGE_MS_MAX ago, in order), the description
 * (kept off the ledger like a report's), and the reporter as an account of the centre's organisation (a grid worker;
 * absent: the caller). Refusals are those of the transaction (docs/spec/events.md#importing-finished-events-eventimport).
 */
export const eventImportBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    category, severity, grid: code,
    location: locationBody,
    description: { type: 'string', minLength: 1, maxLength: 2000 },
    reporter: { type: 'string', minLength: 1, maxLength: 64 },
    reporterKind: { type: 'string', enum: EVENT_REPORTER_KINDS },
    observedAt: int, reportedAt: int,
    departments: {
      type: 'array', minItems: 1, maxItems: EVENTS_IMPORT_DEPARTMENTS_MAX,
      items: {
        type: 'object', additionalProperties: false,
        properties: {
          org: { type: 'string', minLength: 1, maxLength: 64 }, assignedAt: int, dueAt: int, acknowledgedAt: int, acceptedAt: int, handledAt: int,
          result: { type: 'string', enum: EVENT_RESULT_CODES }, sentBack: { type: 'integer', minimum: 0, maximum: EVENTS_IMPORT_SENT_BACK_MAX },
        },
        required: ['org', 'assignedAt', 'dueAt', 'acceptedAt', 'handledAt', 'result', 'sentBack'],
      },
    },
    check: { type: 'string', enum: CHECK_RESULTS },
    closedAt: int,
  },
  required: ['category', 'severity', 'grid', 'location', 'description', 'reporterKind', 'observedAt', 'reportedAt', 'departments', 'check', 'closedAt'],
} as const;
export type EventImportRequest = FromSchema<typeof eventImportBodySchema>;

export const eventTriageBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { decision: { type: 'string', enum: TRIAGE_DECISIONS }, into: { type: 'string', pattern: '^ev_[0-9a-f]{32}$' }, reason: { type: 'string', enum: EVENT_REJECT_REASONS } },
  required: ['decision'],
} as const;
export type EventTriageBody = FromSchema<typeof eventTriageBodySchema>;

export const eventDispatchBodySchema = { type: 'object', additionalProperties: false, properties: { departments: departmentsBody }, required: ['departments'] } as const;
export type EventDispatchBody = FromSchema<typeof eventDispatchBodySchema>;

export const eventSendBackBodySchema = {
  type: 'object', additionalProperties: false, properties: { departments: departmentsBody, reason: { type: 'string', enum: SEND_BACK_REASONS } }, required: ['departments', 'reason'],
} as const;
export type EventSendBackBody = FromSchema<typeof eventSendBackBodySchema>;

export const eventCloseBodySchema = {
  type: 'object', additionalProperties: false, properties: { check: { type: 'string', enum: CHECK_RESULTS }, photos: hashes }, required: ['check'],
} as const;
export type EventCloseBody = FromSchema<typeof eventCloseBodySchema>;

export const eventEscalateBodySchema = {
  type: 'object', additionalProperties: false, properties: { department: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['department'],
} as const;
export type EventEscalateBody = FromSchema<typeof eventEscalateBodySchema>;

export const eventHandleBodySchema = {
  type: 'object', additionalProperties: false, properties: { result: { type: 'string', enum: EVENT_RESULT_CODES }, photos: hashes }, required: ['result'],
} as const;
export type EventHandleBody = FromSchema<typeof eventHandleBodySchema>;

export const eventHelpBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { to: { type: 'string', minLength: 1, maxLength: 64 }, reason: { type: 'string', enum: HELP_REASONS }, deadlineMinutes },
  required: ['to', 'reason', 'deadlineMinutes'],
} as const;
export type EventHelpBody = FromSchema<typeof eventHelpBodySchema>;

export const eventFlagBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { step: { type: 'integer', minimum: 0 }, kind: { type: 'string', enum: FLAG_KINDS }, evidence: hashes },
  required: ['step', 'kind'],
} as const;
export type EventFlagBody = FromSchema<typeof eventFlagBodySchema>;

export const eventAnswerFlagBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { flag: { type: 'integer', minimum: 0 }, answer: { type: 'string', enum: FLAG_ANSWERS }, evidence: hashes },
  required: ['flag', 'answer'],
} as const;
export type EventAnswerFlagBody = FromSchema<typeof eventAnswerFlagBodySchema>;

export const eventRateBodySchema = {
  type: 'object', additionalProperties: false, properties: { rating: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['rating'],
} as const;
export type EventRateBody = FromSchema<typeof eventRateBodySchema>;

export const patrolBodySchema = { type: 'object', additionalProperties: false, properties: { building: code }, required: ['building'] } as const;
export type PatrolBody = FromSchema<typeof patrolBodySchema>;

/**
 * A household visit: `units` are the visited units' standard address codes (一标三实); the node turns each into the
 * grid organisation's household token (never on the ledger as such).
 */
export const visitBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    building: code,
    units: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } },
    purpose: { type: 'string', enum: VISIT_PURPOSES },
  },
  required: ['building', 'units', 'purpose'],
} as const;
export type VisitBody = FromSchema<typeof visitBodySchema>;

/** `GET /v1/events/board`: filters and the page. */
export const eventBoardQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['reported', 'filed', 'dispatched', 'handled'] },
    major: bool, overdue: bool, grid: code, category,
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: EVENTS_PAGE_MAX, default: EVENTS_PAGE_DEFAULT },
  },
} as const;
export type EventBoardQuery = FromSchema<typeof eventBoardQuerySchema>;

/** Records over a period: [from, to), ms; default the last 30 days. */
export const periodQuerySchema = {
  type: 'object', additionalProperties: false, properties: { from: { type: 'integer', minimum: 0 }, to: { type: 'integer', minimum: 0 } },
} as const;
export type PeriodQuery = FromSchema<typeof periodQuerySchema>;

// ---------------------------------------------------------------------------------------------------------------------
// The street office's configuration: grids and the department directory
// ---------------------------------------------------------------------------------------------------------------------

/** Characters of a grid's, a building's or a common area's name as people write it (kept on the defining node). */
export const EVENTS_NAME_CHARS_MAX = 64;
/** Common areas one grid lists. */
export const EVENTS_GRID_COMMON_AREAS_MAX = 20;

const codeSchema = { type: 'string', pattern: EVENT_CODE_PATTERN, minLength: 1, maxLength: EVENTS_CODE_CHARS_MAX } as const;
const nameSchema = { type: 'string', minLength: 1, maxLength: EVENTS_NAME_CHARS_MAX, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;

/**
 * `PUT /v1/events/grids/:grid`: defines or redefines a grid — its buildings (codes of the address register once it
 * has any) with household counts, its common areas, and its grid workers by user name (accounts of the caller's
 * organisation: the ledger gets their pseudonyms). Names stay on the node.
 */
export const gridDefineBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: nameSchema,
    buildings: {
      type: 'array', minItems: 1, maxItems: EVENTS_GRID_BUILDINGS_MAX,
      items: { type: 'object', additionalProperties: false, properties: { building: codeSchema, name: nameSchema, households: { type: 'integer', minimum: 0, maximum: EVENTS_BUILDING_HOUSEHOLDS_MAX } }, required: ['building', 'households'] },
    },
    commonAreas: {
      type: 'array', maxItems: EVENTS_GRID_COMMON_AREAS_MAX,
      items: { type: 'object', additionalProperties: false, properties: { code: codeSchema, name: nameSchema }, required: ['code', 'name'] },
    },
    workers: { type: 'array', maxItems: EVENTS_GRID_WORKERS_MAX, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } },
  },
  required: ['name', 'buildings', 'workers'],
} as const;
export type GridDefineBody = FromSchema<typeof gridDefineBodySchema>;

/** One grid as the street office sees it: its buildings, common areas, and its grid workers' user names where known here. */
export const gridEntrySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    grid: str, name: str, org: str, households: int,
    buildings: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { building: str, name: str, households: int }, required: ['building', 'households'] } },
    commonAreas: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { code: str, name: str }, required: ['code', 'name'] } },
    workers: int,
    workerNames: strings,
    definedAt: int,
    txHash: str,
  },
  required: ['grid', 'org', 'households', 'buildings', 'commonAreas', 'workers', 'workerNames', 'definedAt', 'txHash'],
} as const;
export type GridEntry = FromSchema<typeof gridEntrySchema>;
export const gridEntryListSchema = { type: 'object', additionalProperties: false, properties: { grids: { type: 'array', items: gridEntrySchema } }, required: ['grids'] } as const;
export type GridEntryList = FromSchema<typeof gridEntryListSchema>;

/** `PUT /v1/events/directory/:department`: the organisations standing for a department (empty: none). */
export const departmentConfigureBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { orgs: { type: 'array', maxItems: EVENTS_DEPARTMENT_ORGS_MAX, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } } },
  required: ['orgs'],
} as const;
export type DepartmentConfigureBody = FromSchema<typeof departmentConfigureBodySchema>;

/** What defining a grid or configuring a department answers, once committed. */
export const configResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { grid: str, department, orgs: strings, txHash: str, height: int },
  required: ['txHash', 'height'],
} as const;
export type ConfigResult = FromSchema<typeof configResultSchema>;

/**
 * One frame of `GET /v1/events/live` (Server-Sent Events, `event: step`): an event step, once committed — ledger data
 * only; a page refetches what it shows through its own route.
 */
export interface EventLiveFrame {
  event: string;
  /** the transaction type without `event.` (report, triage, dispatch, acknowledge, …) */
  action: string;
  /** the event's status after the block */
  status: string;
  /** the signing organisation */
  org: string;
  height: number;
  txHash: string;
}
