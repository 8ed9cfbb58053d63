/**
 * The event state machine as one explicit table, and the pure checks over it: `checkEventTransition` (the API, before
 * anything is recorded, with the user's role: 404 / 409 / 403) and `checkEventLedgerTransition` (the handlers, which know
 * the signing organisation and the payload's pseudonym but not the role). The same function decides both, so the API
 * and the ledger cannot disagree on anything but roles. docs/spec/events.md#states-and-transitions
 */
import type { Role } from '../../foundation/roles.js';
import { TX_TIME_SKEW_MS_MAX } from '../../limits.js';
import type { EventAction, EventStatus } from './catalogue.js';
import {
  EVENTS_ASSIGNMENTS_MAX,
  EVENTS_DUPLICATES_MAX,
  EVENTS_ESCALATION_LEVEL_MAX,
  EVENTS_FLAGS_MAX,
  EVENTS_IMPORT_AGE_MS_MAX,
  EVENTS_OBSERVED_AGE_MS_MAX,
  EVENTS_STEPS_MAX,
  type Assignment,
  type EventImportPayload,
  type EventRecord,
  type GridRecord,
} from './types.js';

/** Who may report: a grid worker (网格员) for their grid, or a resident. */
export const EVENT_REPORTER_ROLES = ['grid-worker', 'resident'] as const satisfies readonly Role[];
/** Command-centre staff (of the event's `centre`): triage, dispatch, send back, close, escalate. */
export const CENTRE_ROLES = ['official', 'dispatcher'] as const satisfies readonly Role[];
/** Department staff (of an assigned organisation): acknowledge, accept, handle, ask for help, flag, answer flags. */
export const DEPARTMENT_ROLES = ['official', 'dispatcher', 'property-staff', 'utility-staff', 'maintenance-worker'] as const satisfies readonly Role[];
/** Who patrols, visits and reports for a grid. */
export const GRID_WORKER_ROLES = ['grid-worker'] as const satisfies readonly Role[];
/** Who defines grids and sets the department directory (staff of the street office / command centre). */
export const GRID_MANAGER_ROLES = ['official'] as const satisfies readonly Role[];
/** Staff whose organisation is on an event may read personal data for it (the case kind `event:`). */
export const CASE_MANAGER_ROLES = ['official', 'dispatcher', 'property-staff', 'utility-staff'] as const satisfies readonly Role[];

/**
 * - `reporter-role`: a EVENT_REPORTER_ROLES user (report);
 * - `centre`: CENTRE_ROLES staff of the event's command centre;
 * - `assignee`: DEPARTMENT_ROLES staff of a department assigned to the event (the signer's own part only);
 * - `party`: the command centre's or an assigned department's staff (flag: never one's own step);
 * - `flag-target`: staff of the department whose step was flagged (answer);
 * - `reporter`: the reporter (pseudonym and organisation).
 */
export type EventActorRule = 'reporter-role' | 'centre' | 'assignee' | 'party' | 'flag-target' | 'reporter';

export interface EventTransitionRule {
  /** statuses the action is allowed from; empty for `report` (the event must not exist) */
  from: readonly EventStatus[];
  /**
   * the status after it: a status; `null` = unchanged; `settle` = `handled` when every department has handled its
   * part, else `dispatched`; `decision` = by the triage decision (filed / merged / rejected); `reported` for a report,
   * `dispatched` instead when the major-event rule fans it out
   */
  to: EventStatus | null | 'settle' | 'decision';
  who: EventActorRule;
}

export const EVENT_TRANSITIONS = {
  report: { from: [], to: 'reported', who: 'reporter-role' },
  // and from dispatched only for a major event (fanned out at report) and only to merge a duplicate or reject it
  triage: { from: ['reported', 'dispatched'], to: 'decision', who: 'centre' },
  dispatch: { from: ['filed', 'dispatched', 'handled'], to: 'dispatched', who: 'centre' },
  acknowledge: { from: ['dispatched'], to: null, who: 'assignee' },
  accept: { from: ['dispatched'], to: null, who: 'assignee' },
  handle: { from: ['dispatched'], to: 'settle', who: 'assignee' },
  request_help: { from: ['dispatched'], to: 'dispatched', who: 'assignee' },
  flag: { from: ['dispatched', 'handled', 'closed'], to: null, who: 'party' },
  answer_flag: { from: ['dispatched', 'handled', 'closed'], to: null, who: 'flag-target' },
  close: { from: ['handled'], to: 'closed', who: 'centre' },
  send_back: { from: ['dispatched', 'handled'], to: 'dispatched', who: 'centre' },
  // and only past the department's acknowledgement or handling deadline (checked with the time)
  escalate: { from: ['dispatched'], to: null, who: 'centre' },
  rate: { from: ['closed'], to: null, who: 'reporter' },
} as const satisfies Record<EventAction, EventTransitionRule>;

/** `dispatched` while a department still works on its part, `handled` once every part is handled. */
export const settledStatus = (assignments: readonly Assignment[]): EventStatus =>
  assignments.length > 0 && assignments.every((a) => a.status === 'handled') ? 'handled' : 'dispatched';

/** Who wants to act: the user's pseudonym, role and organisation. */
export interface EventActorInfo {
  actor: string;
  role: Role;
  org: string;
}

export type EventTransitionCheck = { ok: true } | { ok: false; status: 409 | 403 | 404; reason: string };

const OK: EventTransitionCheck = { ok: true };
const conflict = (reason: string): EventTransitionCheck => ({ ok: false, status: 409, reason });
const forbidden = (reason: string): EventTransitionCheck => ({ ok: false, status: 403, reason });
const notFound = (reason: string): EventTransitionCheck => ({ ok: false, status: 404, reason });

/** `role` undefined: the ledger's view (pseudonyms and signing organisations, no roles). */
export interface EventActing {
  actor: string;
  org: string;
  role?: Role | undefined;
}

/** What the payload says that the checks need (the fields of the action's payload; others absent). */
export interface EventActionInput {
  /** triage */
  decision?: string;
  into?: string;
  /** dispatch, send_back */
  departments?: readonly { org: string }[];
  /** request_help */
  to?: string;
  /** flag */
  step?: number;
  /** answer_flag */
  flag?: number;
  /** escalate */
  department?: string;
  level?: number;
}

/** What else the check may need from the state: the event a triage merges into. */
export interface EventCheckContext {
  /** block time (ledger) or the node's clock (API), ms: needed for escalate */
  now?: number | undefined;
  /** triage merge: the record `into` names (undefined: none) */
  into?: EventRecord | undefined;
}

const roleIn = (roles: readonly Role[], a: EventActing): boolean => a.role === undefined || roles.includes(a.role);
export const assignmentOf = (r: EventRecord, org: string): Assignment | undefined => r.assignments.find((x) => x.org === org);
const isCentre = (r: EventRecord, a: EventActing): boolean => a.org === r.centre && roleIn(CENTRE_ROLES, a);
const isAssignee = (r: EventRecord, a: EventActing): boolean => assignmentOf(r, a.org) !== undefined && roleIn(DEPARTMENT_ROLES, a);

/** Whether a department's acknowledgement is missed at `now`: its major-event deadline has passed, and it acknowledged after it or not at all. */
export const ackMissed = (a: Assignment, now: number): boolean =>
  a.ackDueAt !== null && now > a.ackDueAt && (a.acknowledgedAt === null || a.acknowledgedAt > a.ackDueAt);
/** Whether a department's part is overdue at `now`: not handled and past its deadline. */
export const handlingOverdue = (a: Assignment, now: number): boolean => a.status !== 'handled' && now > a.dueAt;

function whoMayAct(r: EventRecord, action: EventAction, a: EventActing, input: EventActionInput): EventTransitionCheck {
  switch (EVENT_TRANSITIONS[action].who) {
    case 'reporter-role':
      return roleIn(EVENT_REPORTER_ROLES, a) ? OK : forbidden(`role ${String(a.role)} may not report an event`);
    case 'centre':
      return isCentre(r, a) ? OK : forbidden(`only the command centre ${r.centre} may ${action} event ${r.event}`);
    case 'assignee':
      return isAssignee(r, a) ? OK : forbidden(`${a.org} is not assigned to event ${r.event}`);
    case 'party':
      return isCentre(r, a) || isAssignee(r, a) ? OK : forbidden(`${a.org} is neither the command centre nor assigned to event ${r.event}`);
    case 'flag-target': {
      const f = r.flags[input.flag ?? -1];
      return f !== undefined && f.target === a.org && roleIn(DEPARTMENT_ROLES, a) ? OK : forbidden(`only the flagged department may answer flag ${String(input.flag)} of event ${r.event}`);
    }
    case 'reporter':
      return a.actor === r.reporter && a.org === r.reporterOrg ? OK : forbidden(`only the reporter may ${action} event ${r.event}`);
  }
}

/** 404s below the event: a flagged step, a flag, a merge target, an escalated department that do not exist. */
function lookups(r: EventRecord, action: EventAction, input: EventActionInput, c: EventCheckContext): EventTransitionCheck {
  if (action === 'flag' && r.steps[input.step ?? -1] === undefined) return notFound(`event ${r.event} has no step ${String(input.step)}`);
  if (action === 'answer_flag' && r.flags[input.flag ?? -1] === undefined) return notFound(`event ${r.event} has no flag ${String(input.flag)}`);
  if (action === 'triage' && input.decision === 'merge' && c.into === undefined) return notFound(`no event ${String(input.into)} to merge into`);
  if (action === 'escalate' && assignmentOf(r, input.department ?? '') === undefined) return notFound(`${String(input.department)} is not assigned to event ${r.event}`);
  return OK;
}

const orgsOf = (input: EventActionInput): string[] => (input.departments ?? []).map((d) => d.org);

/** The conflicts that depend on more than the status: parts, flags, deadlines, limits. */
function stateRules(r: EventRecord, action: EventAction, a: EventActing, input: EventActionInput, c: EventCheckContext): EventTransitionCheck {
  if (r.steps.length >= EVENTS_STEPS_MAX) return conflict(`event ${r.event} has ${EVENTS_STEPS_MAX} steps`);
  const mine = assignmentOf(r, a.org);
  switch (action) {
    case 'triage': {
      // a major event was fanned out at report: triage may still merge a duplicate report of it or reject a false one
      if (r.status === 'dispatched' && !r.major) return conflict(`event ${r.event} is already dispatched`);
      if (r.status === 'dispatched' && input.decision === 'accept') return conflict(`major event ${r.event} was dispatched at report: merge or reject it, or leave it`);
      if (input.decision !== 'merge') return OK;
      const into = c.into as EventRecord;
      if (into.event === r.event) return conflict('an event cannot be merged into itself');
      if (into.status === 'merged' || into.status === 'rejected' || into.status === 'closed') return conflict(`event ${into.event} is ${into.status}: merge into an open event`);
      if (into.centre !== r.centre) return conflict(`event ${into.event} belongs to another command centre`);
      if (into.duplicates.length >= EVENTS_DUPLICATES_MAX) return conflict(`event ${into.event} has ${EVENTS_DUPLICATES_MAX} duplicates`);
      return OK;
    }
    case 'dispatch': {
      const orgs = orgsOf(input);
      const again = orgs.find((o) => assignmentOf(r, o) !== undefined);
      if (again !== undefined) return conflict(`${again} is already assigned to event ${r.event}`);
      if (r.assignments.length + orgs.length > EVENTS_ASSIGNMENTS_MAX) return conflict(`event ${r.event} would have more than ${EVENTS_ASSIGNMENTS_MAX} departments`);
      return OK;
    }
    case 'acknowledge':
      return mine?.status === 'assigned' ? OK : conflict(`${a.org}'s part of event ${r.event} is ${String(mine?.status)}: only a newly assigned part is acknowledged`);
    case 'accept':
      return mine?.status === 'assigned' || mine?.status === 'acknowledged' ? OK : conflict(`${a.org}'s part of event ${r.event} is ${String(mine?.status)}: already accepted`);
    case 'handle':
      return mine?.status === 'accepted' ? OK : conflict(`${a.org}'s part of event ${r.event} is ${String(mine?.status)}: accept it before handling`);
    case 'request_help': {
      if (mine?.status === 'handled') return conflict(`${a.org} has already handled its part of event ${r.event}`);
      if (assignmentOf(r, input.to ?? '') !== undefined) return conflict(`${String(input.to)} is already assigned to event ${r.event}`);
      if (r.assignments.length >= EVENTS_ASSIGNMENTS_MAX) return conflict(`event ${r.event} has ${EVENTS_ASSIGNMENTS_MAX} departments`);
      return OK;
    }
    case 'flag': {
      const step = r.steps[input.step as number]!;
      if (step.org === a.org) return conflict('a department does not flag its own step');
      if (assignmentOf(r, step.org) === undefined) return conflict(`step ${String(input.step)} of event ${r.event} is not a department's step`);
      if (r.flags.some((f) => f.step === input.step && f.by === a.org && f.answer === null)) return conflict(`${a.org} already has an open flag on step ${String(input.step)}`);
      if (r.flags.length >= EVENTS_FLAGS_MAX) return conflict(`event ${r.event} has ${EVENTS_FLAGS_MAX} flags`);
      return OK;
    }
    case 'answer_flag':
      return r.flags[input.flag as number]!.answer === null ? OK : conflict(`flag ${String(input.flag)} of event ${r.event} is already answered`);
    case 'send_back': {
      const notDone = orgsOf(input).find((o) => assignmentOf(r, o)?.status !== 'handled');
      return notDone === undefined ? OK : conflict(`${notDone} has no handled part of event ${r.event} to send back`);
    }
    case 'escalate': {
      const part = assignmentOf(r, input.department as string)!;
      if (part.escalation >= EVENTS_ESCALATION_LEVEL_MAX) return conflict(`${part.org} is already at the highest escalation level`);
      if (input.level !== undefined && input.level !== part.escalation + 1) return conflict(`${part.org} escalates to level ${part.escalation + 1}, not ${input.level}`);
      if (c.now !== undefined && !ackMissed(part, c.now) && !handlingOverdue(part, c.now)) return conflict(`${part.org} has missed neither its acknowledgement nor its deadline`);
      return OK;
    }
    case 'rate':
      return r.rating === null ? OK : conflict(`event ${r.event} is already rated`);
    default:
      return OK;
  }
}

function evaluate(r: EventRecord | undefined, action: EventAction, a: EventActing, input: EventActionInput, c: EventCheckContext): EventTransitionCheck {
  if (action === 'report') {
    if (r !== undefined) return conflict(`event ${r.event} already exists`);
    return roleIn(EVENT_REPORTER_ROLES, a) ? OK : forbidden(`role ${String(a.role)} may not report an event`);
  }
  if (r === undefined) return notFound('no such event');
  if (!(EVENT_TRANSITIONS[action].from as readonly EventStatus[]).includes(r.status)) return conflict(`cannot ${action} event ${r.event}: it is ${r.status}`);
  const found = lookups(r, action, input, c);
  if (!found.ok) return found;
  const who = whoMayAct(r, action, a, input);
  return who.ok ? stateRules(r, action, a, input, c) : who;
}

/**
 * Whether `actorInfo` may apply `action` (with the payload fields `input`) to `event` (undefined = no such event).
 * Pure; the API calls it before recording anything. In order: 409 if `report` names an existing event, 404 if another
 * action names none, 409 if the status does not allow the action, 404 for a step, flag, merge target or department
 * that does not exist, 403 if the actor may not (a department not assigned, another centre, …), 409 for the remaining
 * conflicts (a part in the wrong state, already assigned, not overdue, limits).
 */
export function checkEventTransition(event: EventRecord | undefined, action: EventAction, actorInfo: EventActorInfo, input: EventActionInput = {}, context: EventCheckContext = {}): EventTransitionCheck {
  return evaluate(event, action, actorInfo, input, context);
}

/** The same rules as the ledger checks them: `actor` the payload's pseudonym, `org` the signer, `now` the block time. */
export function checkEventLedgerTransition(event: EventRecord | undefined, action: EventAction, signer: { actor: string; org: string }, input: EventActionInput, context: EventCheckContext): EventTransitionCheck {
  return evaluate(event, action, { actor: signer.actor, org: signer.org }, input, context);
}

// ---------------------------------------------------------------------------------------------------------------------
// Reports and grids
// ---------------------------------------------------------------------------------------------------------------------

export interface EventReportInput {
  grid: string;
  location: { kind: string; code: string };
  reporterKind: string;
  observedAt: number;
}

/**
 * The report rules beyond the table: the grid is defined (404); a `building` location is one of its buildings (409);
 * a grid worker reports only for their own grid, through its organisation (403); with a role, the role matches the
 * reporter kind (403); `observedAt` is not after `now` (beyond the allowed clock skew) nor older than
 * EVENTS_OBSERVED_AGE_MS_MAX (409).
 */
export function checkEventReport(grid: GridRecord | undefined, a: EventActing, input: EventReportInput, now: number): EventTransitionCheck {
  if (grid === undefined) return notFound(`no grid ${input.grid}`);
  if (a.role !== undefined && a.role !== input.reporterKind) return forbidden(`a ${a.role} reports as ${a.role}, not as ${input.reporterKind}`);
  if (input.reporterKind === 'device' && a.role !== undefined) return forbidden('a device report is made by its organisation\'s device system, not by a user');
  if (input.reporterKind === 'grid-worker' && (a.org !== grid.org || !grid.workers.includes(a.actor))) return forbidden(`only a grid worker of ${grid.grid} reports as its grid worker`);
  if (input.location.kind === 'building' && !grid.buildings.some((b) => b.building === input.location.code)) return conflict(`building ${input.location.code} is not in grid ${grid.grid}`);
  if (input.observedAt > now + TX_TIME_SKEW_MS_MAX) return conflict('observedAt is in the future');
  if (input.observedAt < now - EVENTS_OBSERVED_AGE_MS_MAX) return conflict('observedAt is more than 7 days ago');
  return OK;
}

/**
 * A grid worker's patrol or visit: the grid is defined (404), the signer is its organisation and the worker one of its
 * workers (403), with a role a GRID_WORKER_ROLES user (403), the building one of its buildings (409).
 */
export function checkGridWork(grid: GridRecord | undefined, a: EventActing, input: { grid: string; building: string }): EventTransitionCheck {
  if (grid === undefined) return notFound(`no grid ${input.grid}`);
  if (!roleIn(GRID_WORKER_ROLES, a) || a.org !== grid.org || !grid.workers.includes(a.actor)) return forbidden(`only a grid worker of ${grid.grid} patrols or visits it`);
  if (!grid.buildings.some((b) => b.building === input.building)) return conflict(`building ${input.building} is not in grid ${grid.grid}`);
  return OK;
}

/** Defining a grid: a GRID_MANAGER_ROLES user (403); a grid another organisation defined is not redefined (403). */
export function checkGridDefinition(existing: GridRecord | undefined, a: EventActing): EventTransitionCheck {
  if (!roleIn(GRID_MANAGER_ROLES, a)) return forbidden(`role ${String(a.role)} may not define grids`);
  if (existing !== undefined && existing.org !== a.org) return forbidden(`grid ${existing.grid} belongs to ${existing.org}`);
  return OK;
}

/**
 * An import (`event.import`) beyond the schema: the event is new (409); the grid is defined (404) and the signer is
 * the organisation that defined it, i.e. its command centre (403); a `building` location is one of its buildings
 * (409); every time is at most `now` and at least `now` − EVENTS_IMPORT_AGE_MS_MAX (409); the timeline is in order —
 * observed ≤ reported ≤ each part's assigned ≤ acknowledged ≤ accepted ≤ handled ≤ closed, assigned ≤ due (409).
 */
export function checkEventImport(existing: EventRecord | undefined, grid: GridRecord | undefined, a: EventActing, p: EventImportPayload, now: number): EventTransitionCheck {
  if (existing !== undefined) return conflict(`event ${existing.event} exists`);
  if (grid === undefined) return notFound(`no grid ${p.grid}`);
  if (a.org !== grid.org || !roleIn(CENTRE_ROLES, a)) return forbidden(`only the command centre of ${grid.grid} (${grid.org}) imports its events`);
  if (p.location.kind === 'building' && !grid.buildings.some((b) => b.building === p.location.code)) return conflict(`building ${p.location.code} is not in grid ${grid.grid}`);
  const times: [string, number][] = [['observedAt', p.observedAt], ['reportedAt', p.reportedAt], ['closedAt', p.closedAt]];
  for (const [i, d] of p.departments.entries()) {
    times.push([`departments[${i}].assignedAt`, d.assignedAt], [`departments[${i}].acceptedAt`, d.acceptedAt], [`departments[${i}].handledAt`, d.handledAt]);
    if (d.acknowledgedAt !== undefined) times.push([`departments[${i}].acknowledgedAt`, d.acknowledgedAt]);
  }
  for (const [name, t] of times) {
    if (t > now) return conflict(`${name} is not before the block time: only finished events are imported`);
    if (t < now - EVENTS_IMPORT_AGE_MS_MAX) return conflict(`${name} is more than 400 days ago`);
  }
  if (p.observedAt > p.reportedAt) return conflict('observedAt is after reportedAt');
  for (const [i, d] of p.departments.entries()) {
    const chain = [p.reportedAt, d.assignedAt, d.acknowledgedAt ?? d.acceptedAt, d.acceptedAt, d.handledAt, p.closedAt];
    if (chain.some((t, k) => k > 0 && t < (chain[k - 1] as number))) return conflict(`departments[${i}]: reported ≤ assigned ≤ acknowledged ≤ accepted ≤ handled ≤ closed`);
    if (d.dueAt < d.assignedAt) return conflict(`departments[${i}]: dueAt is before assignedAt`);
  }
  return OK;
}
