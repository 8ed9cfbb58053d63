/**
 * The `event.*` transaction types: strict payload schemas (ids, codes, hashes, pseudonyms, bounded arrays — no free
 * text) and deterministic handlers. Each event handler re-checks the transition against the state, the payload's
 * pseudonym and the signing organisation (a department signs only its own part), takes every time from the block,
 * and writes the event record and its indexes. docs/spec/events.md#transactions
 */
import { MachiError } from '../../errors.js';
import { ALARM_ID_PATTERN, alarmKey, type AlarmRecord } from '../devices/types.js';
import { isAlarmOpen } from '../devices/transitions.js';
import { ID_CHARS_MAX } from '../../limits.js';
import type { HandlerContext, StateAccess, TxType } from '../../state/registry.js';
import { hasOrg, type OrgIds } from '../../foundation/state.js';
import { ACTOR_PATTERN, HASH_HEX_PATTERN, ORG_ID_PATTERN, closedObject, enumString, integerIn, patternString, type JsonSchema } from '../../foundation/patterns.js';
import {
  EVENT_CATEGORIES,
  EVENT_CATEGORY_CODES,
  CHECK_RESULTS,
  DEPARTMENTS,
  DEPARTMENT_CODES,
  FLAG_ANSWERS,
  FLAG_KINDS,
  HELP_REASONS,
  EVENT_LOCATION_KINDS,
  EVENT_REJECT_REASONS,
  EVENT_REPORTER_KINDS,
  EVENT_RESULT_CODES,
  SEND_BACK_REASONS,
  EVENT_SEVERITIES,
  TRIAGE_DECISIONS,
  VISIT_PURPOSES,
  isEventOpen,
  majorRule,
  type DepartmentCode,
  type EventAction,
  type EventStatus,
  type ResultCode,
} from './catalogue.js';
import { checkEventImport, checkGridDefinition, checkGridWork, checkEventLedgerTransition, checkEventReport, settledStatus, type EventActionInput } from './transitions.js';
import {
  EVENT_CODE_PATTERN,
  EVENTS_ASSIGNMENTS_MAX,
  EVENTS_BUILDING_HOUSEHOLDS_MAX,
  EVENTS_CODE_CHARS_MAX,
  EVENTS_DEADLINE_MINUTES_MAX,
  EVENTS_DEADLINE_MINUTES_MIN,
  EVENTS_DEPARTMENT_ORGS_MAX,
  EVENTS_DISPATCH_DEPARTMENTS_MAX,
  EVENTS_ESCALATION_LEVEL_MAX,
  EVENTS_FLAGS_MAX,
  EVENTS_GRID_BUILDINGS_MAX,
  EVENTS_GRID_WORKERS_MAX,
  EVENTS_IMPORT_DEPARTMENTS_MAX,
  EVENTS_IMPORT_SENT_BACK_MAX,
  EVENTS_PHOTOS_MAX,
  EVENTS_RATING_MAX,
  EVENTS_RATING_MIN,
  EVENTS_STEPS_MAX,
  EVENTS_VISIT_HOUSEHOLDS_MAX,
  EVENT_ID_PATTERN,
  EVENTS_MINUTE_MS,
  alarmEventKey,
  directoryKey,
  eventKey,
  gridEventKey,
  gridKey,
  openGridKey,
  openOrgKey,
  orgEventKey,
  patrolKey,
  reporterEventKey,
  visitKey,
  type Assignment,
  type ConfigureDepartmentPayload,
  type DepartmentConfigRecord,
  type DepartmentDeadline,
  type EventAnswerFlagPayload,
  type EventClosePayload,
  type EventDepartmentPayload,
  type EventDispatchPayload,
  type EventEscalatePayload,
  type EventFlagPayload,
  type EventHandlePayload,
  type EventImportPayload,
  type EventPayload,
  type EventRatePayload,
  type EventRecord,
  type EventReportPayload,
  type EventRequestHelpPayload,
  type EventSendBackPayload,
  type EventStep,
  type EventTriagePayload,
  type GridDefinePayload,
  type GridPatrolPayload,
  type GridRecord,
  type GridVisitPayload,
  type PatrolRecord,
  type VisitRecord,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------------
// Schema pieces
// ---------------------------------------------------------------------------------------------------------------------

const eventId = patternString(EVENT_ID_PATTERN);
const actor = patternString(ACTOR_PATTERN);
const hash = patternString(HASH_HEX_PATTERN);
const orgId: JsonSchema = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX };
const code: JsonSchema = { type: 'string', minLength: 1, maxLength: EVENTS_CODE_CHARS_MAX, pattern: EVENT_CODE_PATTERN };
const hashes = (max: number, min = 0): JsonSchema => ({ type: 'array', minItems: min, maxItems: max, uniqueItems: true, items: hash });
const photoHashes = hashes(EVENTS_PHOTOS_MAX);
const deadlineMinutes = integerIn(EVENTS_DEADLINE_MINUTES_MIN, EVENTS_DEADLINE_MINUTES_MAX);
const departments: JsonSchema = {
  type: 'array',
  minItems: 1,
  maxItems: EVENTS_DISPATCH_DEPARTMENTS_MAX,
  items: closedObject(['org', 'deadlineMinutes'], { org: orgId, deadlineMinutes }),
};
/** A time in ms (block times are safe integers). */
const timeMs = integerIn(0, Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------------------------------------------------------------
// Stateless payload check (the API calls it first and answers 400 REQUEST_INVALID; the handler re-checks)
// ---------------------------------------------------------------------------------------------------------------------

const firstRepeat = (values: readonly string[]): string | undefined => values.find((v, i) => values.indexOf(v) !== i);
const notInChain = (orgIds: OrgIds, orgs: readonly string[]): string | undefined => orgs.find((o) => !hasOrg(orgIds, o));

/**
 * The payload rules the schema cannot say or that need the genesis: every organisation named is one of the chain's;
 * a dispatch, send-back, grid or directory lists each organisation, building or worker once. Returns why the payload
 * is invalid, or null.
 */
export function checkEventPayload(type: string, payload: EventPayload, orgIds: OrgIds): string | null {
  const p = payload as Partial<Record<string, unknown>>;
  const orgs: string[] = [];
  if (typeof p.centre === 'string') orgs.push(p.centre);
  if (typeof p.to === 'string') orgs.push(p.to);
  if (typeof p.department === 'string' && type === 'event.escalate') orgs.push(p.department);
  if (Array.isArray(p.departments)) {
    const named = (p.departments as DepartmentDeadline[]).map((d) => d.org);
    const twice = firstRepeat(named);
    if (twice !== undefined) return `${twice} is named twice`;
    orgs.push(...named);
  }
  if (type === 'event.configure_department') orgs.push(...(p.orgs as string[]));
  const stranger = notInChain(orgIds, orgs);
  if (stranger !== undefined) return `${stranger} is not an organisation of this chain`;
  if (type === 'event.define_grid') {
    const twice = firstRepeat((p.buildings as GridDefinePayload['buildings']).map((b) => b.building));
    if (twice !== undefined) return `building ${twice} is listed twice`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------------

function reject(why: string): never {
  throw new MachiError('HANDLER_REJECTED', why);
}

const readEvent = (state: StateAccess, event: string): EventRecord | undefined => state.get(eventKey(event)) as EventRecord | undefined;
const readGrid = (state: StateAccess, grid: string): GridRecord | undefined => state.get(gridKey(grid)) as GridRecord | undefined;

function checked(ctx: HandlerContext, type: string, payload: EventPayload): void {
  const invalid = checkEventPayload(type, payload, ctx.orgsById);
  if (invalid !== null) reject(invalid);
}

/** The index entries of a record: key → value (the status). */
export function eventIndexEntries(r: EventRecord): Map<string, string> {
  const out = new Map<string, string>();
  const orgs = [r.centre, ...r.assignments.map((a) => a.org)];
  for (const o of orgs) out.set(orgEventKey(o, r.event), r.status);
  out.set(gridEventKey(r.grid, r.event), r.status);
  out.set(reporterEventKey(r.reporterOrg, r.reporter, r.event), r.status);
  if (isEventOpen(r.status)) {
    for (const o of orgs) out.set(openOrgKey(o, r.event), r.status);
    out.set(openGridKey(r.grid, r.event), r.status);
  }
  return out;
}

/** Writes `after` and brings its indexes from `before`'s to its own (deletes what no longer applies). */
function save(state: StateAccess, before: EventRecord | undefined, after: EventRecord): void {
  state.set(eventKey(after.event), after);
  const old = before === undefined ? new Map<string, string>() : eventIndexEntries(before);
  const now = eventIndexEntries(after);
  for (const key of [...old.keys()].sort()) if (!now.has(key)) state.delete(key);
  for (const [key, value] of [...now.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) if (old.get(key) !== value) state.set(key, value);
}

/** The event, if `actor` (signed for by ctx.org) may apply `action` with `input` to it now. */
function admit(ctx: HandlerContext, action: EventAction, event: string, actorId: string, input: EventActionInput = {}): EventRecord {
  const record = readEvent(ctx.state, event);
  const into = input.decision === 'merge' && input.into !== undefined ? readEvent(ctx.state, input.into) : undefined;
  const check = checkEventLedgerTransition(record, action, { actor: actorId, org: ctx.org.id }, input, { now: ctx.time, into });
  if (!check.ok) return reject(check.reason);
  if (record === undefined) return reject(`event ${event} does not exist`);
  return record;
}

type StepDetail = Omit<EventStep, 'action' | 'status' | 'at' | 'org' | 'actor' | 'txHash'>;

const stepOf = (ctx: HandlerContext, action: EventAction, status: EventStatus, actorId: string, detail: StepDetail = {}): EventStep => ({
  action,
  status,
  at: ctx.time,
  org: ctx.org.id,
  actor: actorId,
  txHash: ctx.txHash,
  ...detail,
});

/** Appends the step, applies `changes`, writes the record and its indexes. */
function advance(ctx: HandlerContext, r: EventRecord, action: EventAction, actorId: string, detail: StepDetail, changes: Partial<EventRecord>): EventRecord {
  const status = changes.status ?? r.status;
  const next: EventRecord = { ...r, ...changes, steps: [...r.steps, stepOf(ctx, action, status, actorId, detail)] };
  save(ctx.state, r, next);
  return next;
}

/** The signer's part, with `changes`. */
const withPart = (r: EventRecord, org: string, changes: Partial<Assignment>): Assignment[] => r.assignments.map((a) => (a.org === org ? { ...a, ...changes } : a));

const newAssignment = (org: string, at: number, dueAt: number, extra: Partial<Assignment> & Pick<Assignment, 'via'>): Assignment => ({
  org,
  status: 'assigned',
  assignedAt: at,
  ackDueAt: null,
  acknowledgedAt: null,
  acceptedAt: null,
  dueAt,
  handledAt: null,
  result: null,
  sentBack: 0,
  escalation: 0,
  ...extra,
});

/**
 * The organisations that stand for `department` for command centre `centre`: its configuration
 * (`event.configure_department`) if it made one, else the catalogue's default ids; only organisations of the chain.
 */
export function departmentOrgs(read: (key: string) => unknown, centre: string, department: DepartmentCode, orgIds: OrgIds): string[] {
  const configured = read(directoryKey(centre, department)) as DepartmentConfigRecord | undefined;
  const orgs = configured?.orgs ?? DEPARTMENTS[department].defaultOrgs;
  return orgs.filter((o) => hasOrg(orgIds, o));
}

/** The major-event fan-out: one part per responsible organisation (catalogue order, each once, the centre excepted). */
function fanOut(ctx: HandlerContext, p: EventReportPayload): Assignment[] {
  const rule = majorRule(p.category, p.severity);
  if (rule === null) return [];
  const out: Assignment[] = [];
  for (const department of EVENT_CATEGORIES[p.category].departments) {
    for (const org of departmentOrgs((k) => ctx.state.get(k), p.centre, department, ctx.orgsById)) {
      if (out.length >= EVENTS_ASSIGNMENTS_MAX || out.some((a) => a.org === org)) continue;
      out.push(newAssignment(org, ctx.time, ctx.time + rule.deadlineMinutes * EVENTS_MINUTE_MS, { via: 'fan-out', department, ackDueAt: ctx.time + rule.ackMinutes * EVENTS_MINUTE_MS }));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Event transactions
// ---------------------------------------------------------------------------------------------------------------------

export const eventReport: TxType<EventReportPayload> = {
  type: 'event.report',
  schema: closedObject(
    ['event', 'category', 'severity', 'grid', 'location', 'descriptionHash', 'photoHashes', 'reporter', 'reporterKind', 'centre', 'observedAt'],
    {
      event: eventId,
      category: enumString(EVENT_CATEGORY_CODES),
      severity: enumString(EVENT_SEVERITIES),
      grid: code,
      location: closedObject(['kind', 'code'], { kind: enumString(EVENT_LOCATION_KINDS), code }),
      descriptionHash: hash,
      photoHashes,
      reporter: actor,
      reporterKind: enumString(EVENT_REPORTER_KINDS),
      centre: orgId,
      observedAt: timeMs,
      alarm: patternString(ALARM_ID_PATTERN),
    },
  ),
  handle(ctx, p) {
    checked(ctx, 'event.report', p);
    if (p.reporterKind === 'device') deviceReport(ctx, p);
    else if (p.alarm !== undefined) reject('only a device report names an alarm');
    const signer = { actor: p.reporter, org: ctx.org.id };
    const exists = checkEventLedgerTransition(readEvent(ctx.state, p.event), 'report', signer, {}, { now: ctx.time });
    if (!exists.ok) reject(exists.reason);
    const where = checkEventReport(readGrid(ctx.state, p.grid), signer, p, ctx.time);
    if (!where.ok) reject(where.reason);
    const assignments = fanOut(ctx, p);
    const status: EventStatus = assignments.length > 0 ? 'dispatched' : 'reported';
    const detail: StepDetail = { photoHashes: [...p.photoHashes] };
    if (assignments.length > 0) detail.departments = assignments.map((a) => ({ org: a.org, dueAt: a.dueAt, ackDueAt: a.ackDueAt as number }));
    const record: EventRecord = {
      event: p.event,
      status,
      category: p.category,
      severity: p.severity,
      major: majorRule(p.category, p.severity) !== null,
      grid: p.grid,
      location: { kind: p.location.kind, code: p.location.code },
      descriptionHash: p.descriptionHash,
      reporter: p.reporter,
      reporterKind: p.reporterKind,
      reporterOrg: ctx.org.id,
      centre: p.centre,
      observedAt: p.observedAt,
      reportedAt: ctx.time,
      assignments,
      flags: [],
      steps: [stepOf(ctx, 'report', status, p.reporter, detail)],
      mergedInto: null,
      duplicates: [],
      closedAt: null,
      rating: null,
      ...(p.alarm === undefined ? {} : { alarm: p.alarm }),
    };
    save(ctx.state, undefined, record);
    if (p.alarm !== undefined) ctx.state.set(alarmEventKey(p.alarm), p.event);
  },
};

/**
 * A device report (reporterKind `device`): it names an alarm (400 otherwise) that is open, of a device the signer owns,
 * and has reported no event yet; the location is a building — the device's, when the device is at a building.
 */
function deviceReport(ctx: HandlerContext, p: EventReportPayload): void {
  if (p.alarm === undefined) reject('a device report names its alarm');
  const alarm = ctx.state.get(alarmKey(p.alarm)) as AlarmRecord | undefined;
  if (alarm === undefined) reject(`no alarm ${p.alarm}`);
  if (alarm.org !== ctx.org.id) reject(`alarm ${p.alarm} is of a device of ${alarm.org}, not of ${ctx.org.id}`);
  if (!isAlarmOpen(alarm)) reject(`alarm ${p.alarm} is closed`);
  if (p.location.kind !== 'building') reject('a device report is located at a building');
  if (alarm.location.kind === 'building' && alarm.location.code !== p.location.code) reject(`the device of alarm ${p.alarm} is at ${alarm.location.code}, not ${p.location.code}`);
  if (ctx.state.get(alarmEventKey(p.alarm)) !== undefined) reject(`alarm ${p.alarm} has reported an event already`);
}

export const eventTriage: TxType<EventTriagePayload> = {
  type: 'event.triage',
  schema: {
    ...closedObject(['event', 'decision', 'by'], { event: eventId, decision: enumString(TRIAGE_DECISIONS), into: eventId, reason: enumString(EVENT_REJECT_REASONS), by: actor }),
    // merge names the event it duplicates, reject a reason code, accept neither
    allOf: [
      { if: { properties: { decision: { const: 'merge' } } }, then: { properties: { into: eventId, reason: false }, required: ['into'] } },
      { if: { properties: { decision: { const: 'reject' } } }, then: { properties: { into: false, reason: enumString(EVENT_REJECT_REASONS) }, required: ['reason'] } },
      { if: { properties: { decision: { const: 'accept' } } }, then: { properties: { into: false, reason: false } } },
    ],
  },
  handle(ctx, p) {
    const r = admit(ctx, 'triage', p.event, p.by, { decision: p.decision, ...(p.into === undefined ? {} : { into: p.into }) });
    if (p.decision === 'accept') {
      advance(ctx, r, 'triage', p.by, { decision: 'accept' }, { status: 'filed' });
    } else if (p.decision === 'reject') {
      if (p.reason === undefined) reject('a rejection carries a reason code');
      advance(ctx, r, 'triage', p.by, { decision: 'reject', reason: p.reason }, { status: 'rejected' });
    } else {
      if (p.into === undefined) reject('a merge names the event it duplicates');
      const into = readEvent(ctx.state, p.into) as EventRecord;
      advance(ctx, r, 'triage', p.by, { decision: 'merge', into: p.into }, { status: 'merged', mergedInto: p.into });
      ctx.state.set(eventKey(into.event), { ...into, duplicates: [...into.duplicates, r.event] } satisfies EventRecord);
    }
  },
};

export const eventDispatch: TxType<EventDispatchPayload> = {
  type: 'event.dispatch',
  schema: closedObject(['event', 'departments', 'by'], { event: eventId, departments, by: actor }),
  handle(ctx, p) {
    checked(ctx, 'event.dispatch', p);
    const r = admit(ctx, 'dispatch', p.event, p.by, { departments: p.departments });
    const added = p.departments.map((d) => newAssignment(d.org, ctx.time, ctx.time + d.deadlineMinutes * EVENTS_MINUTE_MS, { via: 'dispatch' }));
    advance(ctx, r, 'dispatch', p.by, { departments: added.map((a) => ({ org: a.org, dueAt: a.dueAt })) }, { status: 'dispatched', assignments: [...r.assignments, ...added] });
  },
};

const departmentSchema = closedObject(['event', 'by'], { event: eventId, by: actor });

/** The assigned department acknowledges (it knows: the major-event timer stops). */
export const eventAcknowledge: TxType<EventDepartmentPayload> = {
  type: 'event.acknowledge',
  schema: departmentSchema,
  handle(ctx, p) {
    const r = admit(ctx, 'acknowledge', p.event, p.by);
    advance(ctx, r, 'acknowledge', p.by, {}, { assignments: withPart(r, ctx.org.id, { status: 'acknowledged', acknowledgedAt: ctx.time }) });
  },
};

/** The assigned department takes its part on (acknowledging it too, if it had not). */
export const eventAccept: TxType<EventDepartmentPayload> = {
  type: 'event.accept',
  schema: departmentSchema,
  handle(ctx, p) {
    const r = admit(ctx, 'accept', p.event, p.by);
    const part = r.assignments.find((a) => a.org === ctx.org.id) as Assignment;
    advance(ctx, r, 'accept', p.by, {}, { assignments: withPart(r, ctx.org.id, { status: 'accepted', acceptedAt: ctx.time, acknowledgedAt: part.acknowledgedAt ?? ctx.time }) });
  },
};

export const eventHandle: TxType<EventHandlePayload> = {
  type: 'event.handle',
  schema: closedObject(['event', 'result', 'photoHashes', 'by'], { event: eventId, result: enumString(EVENT_RESULT_CODES), photoHashes, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'handle', p.event, p.by);
    const part = r.assignments.find((a) => a.org === ctx.org.id) as Assignment;
    const assignments = withPart(r, ctx.org.id, { status: 'handled', handledAt: ctx.time, result: p.result });
    advance(ctx, r, 'handle', p.by, { result: p.result, photoHashes: [...p.photoHashes], dueAt: part.dueAt }, { assignments, status: settledStatus(assignments) });
  },
};

export const eventRequestHelp: TxType<EventRequestHelpPayload> = {
  type: 'event.request_help',
  schema: closedObject(['event', 'to', 'reason', 'deadlineMinutes', 'by'], { event: eventId, to: orgId, reason: enumString(HELP_REASONS), deadlineMinutes, by: actor }),
  handle(ctx, p) {
    checked(ctx, 'event.request_help', p);
    const r = admit(ctx, 'request_help', p.event, p.by, { to: p.to });
    const helper = newAssignment(p.to, ctx.time, ctx.time + p.deadlineMinutes * EVENTS_MINUTE_MS, { via: 'help', requestedBy: ctx.org.id });
    advance(ctx, r, 'request_help', p.by, { to: p.to, reason: p.reason, departments: [{ org: p.to, dueAt: helper.dueAt }] }, { status: 'dispatched', assignments: [...r.assignments, helper] });
  },
};

const evidenceHashes = hashes(EVENTS_PHOTOS_MAX);

export const eventFlag: TxType<EventFlagPayload> = {
  type: 'event.flag',
  schema: closedObject(['event', 'step', 'kind', 'evidenceHashes', 'by'], { event: eventId, step: integerIn(0, EVENTS_STEPS_MAX - 1), kind: enumString(FLAG_KINDS), evidenceHashes, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'flag', p.event, p.by, { step: p.step });
    const target = (r.steps[p.step] as EventStep).org;
    const flag = { step: p.step, kind: p.kind, by: ctx.org.id, target, raisedAt: ctx.time, answer: null, answeredAt: null };
    advance(ctx, r, 'flag', p.by, { step: p.step, kind: p.kind, to: target, evidenceHashes: [...p.evidenceHashes] }, { flags: [...r.flags, flag] });
  },
};

export const eventAnswerFlag: TxType<EventAnswerFlagPayload> = {
  type: 'event.answer_flag',
  schema: closedObject(['event', 'flag', 'answer', 'evidenceHashes', 'by'], { event: eventId, flag: integerIn(0, EVENTS_FLAGS_MAX - 1), answer: enumString(FLAG_ANSWERS), evidenceHashes, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'answer_flag', p.event, p.by, { flag: p.flag });
    const flags = r.flags.map((f, i) => (i === p.flag ? { ...f, answer: p.answer, answeredAt: ctx.time } : f));
    advance(ctx, r, 'answer_flag', p.by, { flag: p.flag, answer: p.answer, evidenceHashes: [...p.evidenceHashes] }, { flags });
  },
};

export const eventClose: TxType<EventClosePayload> = {
  type: 'event.close',
  schema: closedObject(['event', 'check', 'photoHashes', 'by'], { event: eventId, check: enumString(CHECK_RESULTS), photoHashes, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'close', p.event, p.by);
    advance(ctx, r, 'close', p.by, { check: p.check, photoHashes: [...p.photoHashes] }, { status: 'closed', closedAt: ctx.time });
  },
};

export const eventSendBack: TxType<EventSendBackPayload> = {
  type: 'event.send_back',
  schema: closedObject(['event', 'departments', 'reason', 'by'], { event: eventId, departments, reason: enumString(SEND_BACK_REASONS), by: actor }),
  handle(ctx, p) {
    checked(ctx, 'event.send_back', p);
    const r = admit(ctx, 'send_back', p.event, p.by, { departments: p.departments });
    const due = new Map(p.departments.map((d) => [d.org, ctx.time + d.deadlineMinutes * EVENTS_MINUTE_MS]));
    const assignments = r.assignments.map((a) => {
      const dueAt = due.get(a.org);
      return dueAt === undefined ? a : { ...a, status: 'accepted' as const, dueAt, handledAt: null, result: null, sentBack: a.sentBack + 1 };
    });
    const detail: StepDetail = { reason: p.reason, departments: p.departments.map((d) => ({ org: d.org, dueAt: due.get(d.org) as number })) };
    advance(ctx, r, 'send_back', p.by, detail, { status: 'dispatched', assignments });
  },
};

export const eventEscalate: TxType<EventEscalatePayload> = {
  type: 'event.escalate',
  schema: closedObject(['event', 'department', 'level', 'by'], { event: eventId, department: orgId, level: integerIn(1, EVENTS_ESCALATION_LEVEL_MAX), by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'escalate', p.event, p.by, { department: p.department, level: p.level });
    advance(ctx, r, 'escalate', p.by, { to: p.department, level: p.level }, { assignments: withPart(r, p.department, { escalation: p.level }) });
  },
};

export const eventRate: TxType<EventRatePayload> = {
  type: 'event.rate',
  schema: closedObject(['event', 'reporter', 'rating'], { event: eventId, reporter: actor, rating: integerIn(EVENTS_RATING_MIN, EVENTS_RATING_MAX) }),
  handle(ctx, p) {
    const r = admit(ctx, 'rate', p.event, p.reporter);
    advance(ctx, r, 'rate', p.reporter, { rating: p.rating }, { rating: p.rating });
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// Importing a finished event from the command centre's previous system
// ---------------------------------------------------------------------------------------------------------------------

/**
 * The timeline of an imported event: report, dispatch (at the first assignment), each department's acknowledge,
 * accept and handle, close — in time order (ties: that order), every step `imported`, in this one transaction, signed
 * by the command centre (a department's step names the department's organisation as the previous system recorded it;
 * its signature is the command centre's, so it is not a department-signed step). Send-backs are counts on the parts.
 */
export function importedTimeline(p: EventImportPayload, centre: string, txHash: string, assignments: readonly Assignment[]): EventStep[] {
  const base = { actor: p.by, txHash, imported: true as const };
  type Timed = { at: number; order: number; step: Omit<EventStep, 'status'> };
  const timed: Timed[] = [];
  timed.push({ at: p.reportedAt, order: 0, step: { action: 'report', at: p.reportedAt, org: centre, ...base, actor: p.reporter, photoHashes: [] } });
  const first = Math.min(...assignments.map((a) => a.assignedAt));
  const departments = assignments.map((a) => ({ org: a.org, dueAt: a.dueAt, ...(a.ackDueAt === null ? {} : { ackDueAt: a.ackDueAt }) }));
  timed.push({ at: first, order: 1, step: { action: 'dispatch', at: first, org: centre, ...base, departments } });
  for (const a of assignments) {
    timed.push({ at: a.acknowledgedAt as number, order: 2, step: { action: 'acknowledge', at: a.acknowledgedAt as number, org: a.org, ...base } });
    timed.push({ at: a.acceptedAt as number, order: 3, step: { action: 'accept', at: a.acceptedAt as number, org: a.org, ...base } });
    timed.push({ at: a.handledAt as number, order: 4, step: { action: 'handle', at: a.handledAt as number, org: a.org, ...base, result: a.result as ResultCode, photoHashes: [], dueAt: a.dueAt } });
  }
  timed.push({ at: p.closedAt, order: 5, step: { action: 'close', at: p.closedAt, org: centre, ...base, check: p.check, photoHashes: [] } });
  const sorted = timed.map((t, i) => ({ ...t, i })).sort((x, y) => x.at - y.at || x.order - y.order || x.i - y.i);
  let handled = 0;
  return sorted.map(({ step }) => {
    if (step.action === 'handle') handled += 1;
    const status: EventStatus =
      step.action === 'report' ? 'reported' : step.action === 'close' ? 'closed' : handled === assignments.length ? 'handled' : 'dispatched';
    return { ...step, status } as EventStep;
  });
}

export const eventImport: TxType<EventImportPayload> = {
  type: 'event.import',
  schema: closedObject(
    ['event', 'category', 'severity', 'grid', 'location', 'descriptionHash', 'reporter', 'reporterKind', 'observedAt', 'reportedAt', 'departments', 'check', 'closedAt', 'by'],
    {
      event: eventId,
      category: enumString(EVENT_CATEGORY_CODES),
      severity: enumString(EVENT_SEVERITIES),
      grid: code,
      location: closedObject(['kind', 'code'], { kind: enumString(EVENT_LOCATION_KINDS), code }),
      descriptionHash: hash,
      reporter: actor,
      reporterKind: enumString(EVENT_REPORTER_KINDS),
      observedAt: timeMs,
      reportedAt: timeMs,
      departments: {
        type: 'array',
        minItems: 1,
        maxItems: EVENTS_IMPORT_DEPARTMENTS_MAX,
        items: closedObject(['org', 'assignedAt', 'dueAt', 'acceptedAt', 'handledAt', 'result', 'sentBack'], {
          org: orgId,
          assignedAt: timeMs,
          dueAt: timeMs,
          acknowledgedAt: timeMs,
          acceptedAt: timeMs,
          handledAt: timeMs,
          result: enumString(EVENT_RESULT_CODES),
          sentBack: integerIn(0, EVENTS_IMPORT_SENT_BACK_MAX),
        }),
      },
      check: enumString(CHECK_RESULTS),
      closedAt: timeMs,
      by: actor,
    },
  ),
  handle(ctx, p) {
    checked(ctx, 'event.import', p);
    const check = checkEventImport(readEvent(ctx.state, p.event), readGrid(ctx.state, p.grid), { actor: p.by, org: ctx.org.id }, p, ctx.time);
    if (!check.ok) reject(check.reason);
    const rule = majorRule(p.category, p.severity);
    const assignments: Assignment[] = p.departments.map((d) => ({
      ...newAssignment(d.org, d.assignedAt, d.dueAt, { via: rule === null ? 'dispatch' : 'fan-out' }),
      status: 'handled',
      ackDueAt: rule === null ? null : d.assignedAt + rule.ackMinutes * EVENTS_MINUTE_MS,
      acknowledgedAt: d.acknowledgedAt ?? d.acceptedAt,
      acceptedAt: d.acceptedAt,
      handledAt: d.handledAt,
      result: d.result,
      sentBack: d.sentBack,
    }));
    const record: EventRecord = {
      event: p.event,
      status: 'closed',
      category: p.category,
      severity: p.severity,
      major: rule !== null,
      grid: p.grid,
      location: { kind: p.location.kind, code: p.location.code },
      descriptionHash: p.descriptionHash,
      reporter: p.reporter,
      reporterKind: p.reporterKind,
      reporterOrg: ctx.org.id,
      centre: ctx.org.id,
      observedAt: p.observedAt,
      reportedAt: p.reportedAt,
      assignments,
      flags: [],
      steps: importedTimeline(p, ctx.org.id, ctx.txHash, assignments),
      mergedInto: null,
      duplicates: [],
      closedAt: p.closedAt,
      rating: null,
      imported: true,
    };
    save(ctx.state, undefined, record);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// Grids and the department directory
// ---------------------------------------------------------------------------------------------------------------------

export const gridDefine: TxType<GridDefinePayload> = {
  type: 'event.define_grid',
  schema: closedObject(['grid', 'buildings', 'workers', 'by'], {
    grid: code,
    buildings: {
      type: 'array',
      minItems: 1,
      maxItems: EVENTS_GRID_BUILDINGS_MAX,
      items: closedObject(['building', 'households'], { building: code, households: integerIn(0, EVENTS_BUILDING_HOUSEHOLDS_MAX) }),
    },
    workers: { type: 'array', minItems: 0, maxItems: EVENTS_GRID_WORKERS_MAX, uniqueItems: true, items: actor },
    by: actor,
  }),
  handle(ctx, p) {
    checked(ctx, 'event.define_grid', p);
    const check = checkGridDefinition(readGrid(ctx.state, p.grid), { actor: p.by, org: ctx.org.id });
    if (!check.ok) reject(check.reason);
    const record: GridRecord = {
      grid: p.grid,
      org: ctx.org.id,
      buildings: p.buildings.map((b) => ({ building: b.building, households: b.households })),
      workers: [...p.workers],
      by: p.by,
      at: ctx.time,
      txHash: ctx.txHash,
    };
    ctx.state.set(gridKey(p.grid), record);
  },
};

const gridWork = { grid: code, building: code, worker: actor };

export const gridPatrol: TxType<GridPatrolPayload> = {
  type: 'event.patrol',
  schema: closedObject(['grid', 'building', 'worker'], gridWork),
  handle(ctx, p) {
    const check = checkGridWork(readGrid(ctx.state, p.grid), { actor: p.worker, org: ctx.org.id }, p);
    if (!check.ok) reject(check.reason);
    const record: PatrolRecord = { grid: p.grid, building: p.building, worker: p.worker, at: ctx.time, txHash: ctx.txHash };
    ctx.state.set(patrolKey(p.grid, ctx.time, ctx.txHash), record);
  },
};

export const gridVisit: TxType<GridVisitPayload> = {
  type: 'event.visit',
  schema: closedObject(['grid', 'building', 'worker', 'households', 'purpose'], { ...gridWork, households: hashes(EVENTS_VISIT_HOUSEHOLDS_MAX, 1), purpose: enumString(VISIT_PURPOSES) }),
  handle(ctx, p) {
    const check = checkGridWork(readGrid(ctx.state, p.grid), { actor: p.worker, org: ctx.org.id }, p);
    if (!check.ok) reject(check.reason);
    const record: VisitRecord = { grid: p.grid, building: p.building, worker: p.worker, households: [...p.households], purpose: p.purpose, at: ctx.time, txHash: ctx.txHash };
    ctx.state.set(visitKey(p.grid, ctx.time, ctx.txHash), record);
  },
};

/**
 * The signing command centre says which organisations stand for a department (replacing the catalogue's default ids
 * for its events from then on; an empty list: the department takes no part in its fan-outs).
 */
export const configureDepartment: TxType<ConfigureDepartmentPayload> = {
  type: 'event.configure_department',
  schema: closedObject(['department', 'orgs', 'by'], {
    department: enumString(DEPARTMENT_CODES),
    orgs: { type: 'array', minItems: 0, maxItems: EVENTS_DEPARTMENT_ORGS_MAX, uniqueItems: true, items: orgId },
    by: actor,
  }),
  handle(ctx, p) {
    checked(ctx, 'event.configure_department', p);
    const record: DepartmentConfigRecord = { centre: ctx.org.id, department: p.department, orgs: [...p.orgs], by: p.by, at: ctx.time, txHash: ctx.txHash };
    ctx.state.set(directoryKey(ctx.org.id, p.department), record);
  },
};

/** The module's transaction types: the event actions in EVENT_ACTIONS order, then the grid and directory types. */
export const eventsTypes: readonly TxType<EventPayload>[] = [
  eventReport,
  eventTriage,
  eventDispatch,
  eventAcknowledge,
  eventAccept,
  eventHandle,
  eventRequestHelp,
  eventFlag,
  eventAnswerFlag,
  eventClose,
  eventSendBack,
  eventEscalate,
  eventRate,
  gridDefine,
  gridPatrol,
  gridVisit,
  configureDepartment,
  eventImport,
];
