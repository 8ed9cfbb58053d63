/**
 * The catalogues of the events module, modelled on GB/T 30428.2 (digital urban management: components and events) and
 * the case process of GB/T 30428.8: event categories with the departments responsible for them, severities, the
 * major-event rule, departments, and the codes every step may carry. Everything a payload says is a code from here —
 * no free text on the ledger. docs/spec/events.md#catalogue
 */

// ---------------------------------------------------------------------------------------------------------------------
// Departments
// ---------------------------------------------------------------------------------------------------------------------

export interface DepartmentInfo {
  name: string;
  /**
   * Genesis organisation ids that stand for this department when the command centre has not configured its own
   * (`event.configure_department`): the ids `machi init` gives such organisations. Only those in the genesis count.
   */
  defaultOrgs: readonly string[];
}

/** Departments a command centre dispatches to. On the ledger a department is always a genesis organisation id. */
export const DEPARTMENTS = {
  police: { name: 'Police station', defaultOrgs: ['police'] },
  'urban-management': { name: 'Urban management bureau', defaultOrgs: ['urban-management'] },
  'comprehensive-management': { name: 'Comprehensive management office', defaultOrgs: ['comprehensive-management'] },
  judicial: { name: 'Judicial office', defaultOrgs: ['judiciary'] },
  'civil-affairs': { name: 'Civil affairs bureau', defaultOrgs: ['civil-affairs'] },
  property: { name: 'Property-management company', defaultOrgs: ['property-company'] },
  utilities: { name: 'Utilities (water, power, gas)', defaultOrgs: ['water-company', 'power-company', 'gas-company'] },
} as const satisfies Record<string, DepartmentInfo>;
export type DepartmentCode = keyof typeof DEPARTMENTS;
export const DEPARTMENT_CODES = Object.keys(DEPARTMENTS) as DepartmentCode[];
/**
 * Genesis organisation ids that run a command centre (define grids, triage and dispatch) as `machi init` names them:
 * the street office. Any organisation may define a grid on the ledger; this only tells the web app whose staff to show
 * the board before it has read anything.
 */
export const COMMAND_CENTRE_ORGS: readonly string[] = ['street-office'];

// ---------------------------------------------------------------------------------------------------------------------
// Severities and categories
// ---------------------------------------------------------------------------------------------------------------------

/** In increasing order: `minor` (一般), `serious` (较大), `grave` (重大), `critical` (特别重大). */
export const EVENT_SEVERITIES = ['minor', 'serious', 'grave', 'critical'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];
export const severityRank = (s: EventSeverity): number => EVENT_SEVERITIES.indexOf(s);

/**
 * The major-event rule of a category: from severity `from` up, the event is fanned out at report to every responsible
 * department, each of which must acknowledge within `ackMinutes` and handle within `deadlineMinutes` (block time).
 */
export interface MajorRule {
  from: EventSeverity;
  ackMinutes: number;
  deadlineMinutes: number;
}

export interface EventCategoryInfo {
  name: string;
  /** GB/T 30428.2 class it corresponds to */
  gbClass: string;
  /** the departments responsible (the major-event fan-out; the command centre's suggestion otherwise) */
  departments: readonly DepartmentCode[];
  /** null: never major by category and severity alone (the command centre may still dispatch widely) */
  major: MajorRule | null;
}

export const EVENT_CATEGORIES = {
  'public-facilities': { name: 'Public facilities (lights, covers, signs, seats)', gbClass: '公用设施', departments: ['urban-management', 'utilities'], major: null },
  'road-traffic': { name: 'Roads and traffic facilities', gbClass: '道路交通', departments: ['urban-management', 'police'], major: { from: 'critical', ackMinutes: 15, deadlineMinutes: 240 } },
  'environment-sanitation': { name: 'Environment and sanitation', gbClass: '市容环境', departments: ['urban-management', 'property'], major: null },
  landscaping: { name: 'Trees and green spaces (fallen tree)', gbClass: '园林绿化', departments: ['urban-management', 'property'], major: { from: 'grave', ackMinutes: 15, deadlineMinutes: 240 } },
  'public-order': { name: 'Public order', gbClass: '社会治安', departments: ['police', 'comprehensive-management'], major: { from: 'grave', ackMinutes: 10, deadlineMinutes: 120 } },
  'safety-hazard': { name: 'Safety hazards (blocked fire escape, loose facade)', gbClass: '安全隐患', departments: ['urban-management', 'property', 'comprehensive-management'], major: { from: 'grave', ackMinutes: 10, deadlineMinutes: 120 } },
  fire: { name: 'Fire', gbClass: '突发事件·火灾', departments: ['police', 'urban-management', 'property', 'utilities', 'comprehensive-management'], major: { from: 'minor', ackMinutes: 5, deadlineMinutes: 60 } },
  'gas-leak': { name: 'Gas leak', gbClass: '突发事件·燃气', departments: ['utilities', 'police', 'property', 'comprehensive-management'], major: { from: 'minor', ackMinutes: 5, deadlineMinutes: 60 } },
  'person-trapped': { name: 'Person trapped (lift, flood, building)', gbClass: '突发事件·被困', departments: ['police', 'property', 'utilities'], major: { from: 'minor', ackMinutes: 5, deadlineMinutes: 30 } },
  dispute: { name: 'Neighbour or family dispute', gbClass: '矛盾纠纷', departments: ['judicial', 'comprehensive-management'], major: { from: 'critical', ackMinutes: 15, deadlineMinutes: 240 } },
  'mass-dispute': { name: 'Mass dispute (many people)', gbClass: '群体性事件', departments: ['police', 'judicial', 'comprehensive-management', 'civil-affairs'], major: { from: 'minor', ackMinutes: 10, deadlineMinutes: 120 } },
  'special-care': { name: 'Special groups needing care (elderly alone, not seen)', gbClass: '特殊人群', departments: ['civil-affairs', 'comprehensive-management'], major: { from: 'grave', ackMinutes: 15, deadlineMinutes: 120 } },
  'illegal-construction': { name: 'Illegal construction', gbClass: '违法建设', departments: ['urban-management', 'property'], major: null },
  'utility-outage': { name: 'Water, power or gas outage', gbClass: '市政公用', departments: ['utilities', 'property'], major: { from: 'critical', ackMinutes: 15, deadlineMinutes: 240 } },
  other: { name: 'Other', gbClass: '其他', departments: ['comprehensive-management'], major: null },
} as const satisfies Record<string, EventCategoryInfo>;
export type EventCategory = keyof typeof EVENT_CATEGORIES;
export const EVENT_CATEGORY_CODES = Object.keys(EVENT_CATEGORIES) as EventCategory[];

/** The major-event rule that applies to an event of `category` at `severity`, or null (not a major event). */
export function majorRule(category: EventCategory, severity: EventSeverity): MajorRule | null {
  const rule: MajorRule | null = EVENT_CATEGORIES[category].major;
  return rule !== null && severityRank(severity) >= severityRank(rule.from) ? rule : null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Codes steps carry
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Who reported: a grid worker (网格员) on patrol, a resident, or an organisation's device system (`device`: a
 * dangerous alarm of a device it owns, named by `alarm`; docs/spec/events.md#device-reports).
 */
export const EVENT_REPORTER_KINDS = ['grid-worker', 'resident', 'device'] as const;
export type ReporterKind = (typeof EVENT_REPORTER_KINDS)[number];

/** `building`: a building code of the grid; `common-area`: a common area code (gate, square, park). Never a unit. */
export const EVENT_LOCATION_KINDS = ['building', 'common-area'] as const;
export type EventLocationKind = (typeof EVENT_LOCATION_KINDS)[number];

export const TRIAGE_DECISIONS = ['accept', 'merge', 'reject'] as const;
export type TriageDecision = (typeof TRIAGE_DECISIONS)[number];

export const EVENT_REJECT_REASONS = ['not-an-event', 'outside-area', 'insufficient-information', 'already-resolved', 'not-public-matter'] as const;
export type RejectReason = (typeof EVENT_REJECT_REASONS)[number];

export const EVENT_RESULT_CODES = ['resolved', 'partially-resolved', 'temporary-measure', 'unable-to-resolve', 'not-found-on-site'] as const;
export type ResultCode = (typeof EVENT_RESULT_CODES)[number];

export const HELP_REASONS = ['expertise', 'enforcement-power', 'manpower', 'equipment', 'jurisdiction'] as const;
export type HelpReason = (typeof HELP_REASONS)[number];

/** Mutual supervision: a department says another's step was not carried out, or disputes its result. */
export const FLAG_KINDS = ['not-handled', 'result-disputed'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export const FLAG_ANSWERS = ['handled-now', 'result-upheld', 'redo-agreed', 'not-responsible'] as const;
export type FlagAnswer = (typeof FLAG_ANSWERS)[number];

export const CHECK_RESULTS = ['verified-resolved', 'verified-partially'] as const;
export type CheckResult = (typeof CHECK_RESULTS)[number];

export const SEND_BACK_REASONS = ['not-resolved', 'incomplete', 'wrong-result', 'no-evidence', 'resident-complaint'] as const;
export type SendBackReason = (typeof SEND_BACK_REASONS)[number];

export const VISIT_PURPOSES = ['routine', 'special-care', 'dispute-follow-up', 'safety-check', 'address-verification'] as const;
export type VisitPurpose = (typeof VISIT_PURPOSES)[number];

// ---------------------------------------------------------------------------------------------------------------------
// Statuses and actions
// ---------------------------------------------------------------------------------------------------------------------

/**
 * The event's status (GB/T 30428.8: report → file → dispatch → handle → check → close):
 * `reported` waits for triage; `filed` is accepted, not yet dispatched; `dispatched` has a department still working;
 * `handled` has every department's result and waits for the on-site check; `closed`, `rejected`, `merged` are final.
 */
export const EVENT_STATUSES = ['reported', 'filed', 'dispatched', 'handled', 'closed', 'rejected', 'merged'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const EVENT_OPEN_STATUSES = ['reported', 'filed', 'dispatched', 'handled'] as const satisfies readonly EventStatus[];
export const EVENT_FINAL_STATUSES = ['closed', 'rejected', 'merged'] as const satisfies readonly EventStatus[];

/** One department's part of an event. `handled` returns to `accepted` when the command centre sends it back. */
export const EVENT_ASSIGNMENT_STATUSES = ['assigned', 'acknowledged', 'accepted', 'handled'] as const;
export type AssignmentStatus = (typeof EVENT_ASSIGNMENT_STATUSES)[number];

/** How a department came to be assigned. */
export const ASSIGNMENT_VIAS = ['fan-out', 'dispatch', 'help'] as const;
export type AssignmentVia = (typeof ASSIGNMENT_VIAS)[number];

/** One per event transaction type `event.<action>` (grid types are separate: GRID_ACTIONS). */
export const EVENT_ACTIONS = [
  'report',
  'triage',
  'dispatch',
  'acknowledge',
  'accept',
  'handle',
  'request_help',
  'flag',
  'answer_flag',
  'close',
  'send_back',
  'escalate',
  'rate',
] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

const has = <T extends string>(list: readonly T[], value: unknown): value is T => (list as readonly unknown[]).includes(value);

export const isEventCategory = (v: unknown): v is EventCategory => typeof v === 'string' && Object.hasOwn(EVENT_CATEGORIES, v);
export const isDepartment = (v: unknown): v is DepartmentCode => typeof v === 'string' && Object.hasOwn(DEPARTMENTS, v);
export const isSeverity = (v: unknown): v is EventSeverity => has(EVENT_SEVERITIES, v);
export const isEventStatus = (v: unknown): v is EventStatus => has(EVENT_STATUSES, v);
export const isEventAction = (v: unknown): v is EventAction => has(EVENT_ACTIONS, v);
export const isEventOpen = (v: unknown): boolean => has(EVENT_OPEN_STATUSES, v);
