/**
 * The `repair.*` transaction types (one per request action, and `repair.configure_sla`): strict payload schemas
 * (ids, hashes, pseudonyms, catalogue codes, bounded arrays — no free text) and deterministic handlers that re-check
 * the transition against the state and write the request record and the open index (or the organisation's SLA).
 * docs/spec/repairs.md#states-and-transitions
 */
import { MachiError } from '../../errors.js';
import { ID_CHARS_MAX } from '../../limits.js';
import type { HandlerContext, StateAccess, TxType } from '../../state/registry.js';
import type { OrgIds } from '../../foundation/state.js';
import { ACTOR_PATTERN, ORG_ID_PATTERN, SUBJECT_ID_PATTERN } from '../../foundation/patterns.js';
import { CATEGORY_CODES, CAUSES, LOCATION_KINDS, PARTS, PRIORITIES, isOpenStatus, slaDueAt, type RepairAction, type RepairCategory, type SlaHours } from './catalogue.js';
import { checkSlaHours, slaHoursOf } from './sla.js';
import { checkLedgerTransition, nextStatus } from './transitions.js';
import {
  BUILDING_ID_PATTERN,
  CONTENT_HASH_PATTERN,
  REPAIRS_BUILDING_CHARS_MAX,
  REPAIRS_ESCALATION_LEVEL_MAX,
  REPAIRS_PARTS_MAX,
  REPAIRS_PART_QUANTITY_MAX,
  REPAIRS_PHOTOS_MAX,
  REPAIRS_RATING_MAX,
  REPAIRS_RATING_MIN,
  REPAIRS_SLA_HOURS_MAX,
  REPAIRS_SLA_HOURS_MIN,
  REQUEST_ID_PATTERN,
  openKey,
  requestKey,
  slaKey,
  type RepairAssignPayload,
  type RepairCancelPayload,
  type RepairConfigureSlaPayload,
  type RepairConfirmPayload,
  type RepairCreatePayload,
  type RepairDiagnosePayload,
  type RepairEscalatePayload,
  type RepairFinishPayload,
  type RepairFollowPayload,
  type RepairPartLine,
  type RepairPayload,
  type RepairReopenPayload,
  type RepairStep,
  type RepairWorkerPayload,
  type RequestRecord,
  type SlaConfigRecord,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------------
// Schema pieces
// ---------------------------------------------------------------------------------------------------------------------

const id = (pattern: string) => ({ type: 'string', pattern });
const requestId = id(REQUEST_ID_PATTERN);
const actor = id(ACTOR_PATTERN);
const contentHash = id(CONTENT_HASH_PATTERN);
const orgId = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX };
const photoHashes = { type: 'array', minItems: 0, maxItems: REPAIRS_PHOTOS_MAX, uniqueItems: true, items: contentHash };
const enumOf = (values: readonly string[]) => ({ type: 'string', enum: [...values] });
const integer = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });

function objectSchema(properties: Record<string, unknown>, optional: readonly string[] = [], extra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
    ...extra,
  };
}

const building = { type: 'string', minLength: 1, maxLength: REPAIRS_BUILDING_CHARS_MAX, pattern: BUILDING_ID_PATTERN };
const location = objectSchema({ kind: enumOf(LOCATION_KINDS), building });
const homeLocation = objectSchema({ kind: { type: 'string', const: 'home' }, building });
const parts = {
  type: 'array',
  minItems: 0,
  maxItems: REPAIRS_PARTS_MAX,
  uniqueItems: true,
  items: objectSchema({ part: enumOf(PARTS), quantity: integer(1, REPAIRS_PART_QUANTITY_MAX) }),
};

// ---------------------------------------------------------------------------------------------------------------------
// Stateless payload check (the API calls it first and answers 400 REQUEST_INVALID; the handler re-checks)
// ---------------------------------------------------------------------------------------------------------------------

const hasOrg = (orgIds: OrgIds, org: string): boolean => (Array.isArray(orgIds) ? orgIds.includes(org) : (orgIds as ReadonlySet<string>).has(org));

/** A part code listed twice, if any. */
export function duplicatePart(lines: readonly RepairPartLine[]): string | undefined {
  const seen = new Set<string>();
  for (const { part } of lines) {
    if (seen.has(part)) return part;
    seen.add(part);
  }
  return undefined;
}

/**
 * The payload rules the schema cannot express or that need the genesis: `assign`'s `workerOrg` is an organisation of
 * the chain; `diagnose` lists each part once. Returns why the payload is invalid, or null.
 */
export function checkRepairPayload(action: RepairAction, payload: RepairPayload, orgIds: OrgIds): string | null {
  if (action === 'assign') {
    const { workerOrg } = payload as RepairAssignPayload;
    if (typeof workerOrg !== 'string' || !hasOrg(orgIds, workerOrg)) return `workerOrg ${String(workerOrg)} is not an organisation of this chain`;
  }
  if (action === 'diagnose') {
    const twice = duplicatePart((payload as RepairDiagnosePayload).parts);
    if (twice !== undefined) return `part ${twice} is listed twice`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------------------------------

function reject(why: string): never {
  throw new MachiError('HANDLER_REJECTED', why);
}

const readRequest = (state: StateAccess, request: string): RequestRecord | undefined => state.get(requestKey(request)) as RequestRecord | undefined;

/** `org`'s SLA setting for `category` (undefined: the catalogue default applies). */
function configuredSla(state: StateAccess, org: string, category: RepairCategory): SlaHours | undefined {
  const c = state.get(slaKey(org, category)) as SlaConfigRecord | undefined;
  return c === undefined ? undefined : slaHoursOf(c);
}

/** The request, if `actor` (the payload's pseudonym, signed for by ctx.org) may apply `action` to it now. */
function admit(ctx: HandlerContext, action: RepairAction, request: string, actor: string): RequestRecord {
  const record = readRequest(ctx.state, request);
  const check = checkLedgerTransition(record, action, { actor, org: ctx.org.id }, ctx.time);
  if (!check.ok) return reject(check.reason);
  if (record === undefined) return reject(`request ${request} does not exist`);
  return record;
}

function checked(ctx: HandlerContext, action: RepairAction, payload: RepairPayload): void {
  const invalid = checkRepairPayload(action, payload, ctx.orgsById);
  if (invalid !== null) reject(invalid);
}

type StepDetail = Omit<RepairStep, 'action' | 'at' | 'actor' | 'txHash'>;

/** Writes the request after `action`: the new status, a step, `changes`; keeps the open index in step with the status. */
function advance(ctx: HandlerContext, r: RequestRecord, action: Exclude<RepairAction, 'follow'>, actor: string, detail: StepDetail = {}, changes: Partial<RequestRecord> = {}): void {
  const step: RepairStep = { action, at: ctx.time, actor, txHash: ctx.txHash, ...detail };
  const next: RequestRecord = { ...r, ...changes, status: nextStatus(r.status, action), steps: [...r.steps, step] };
  ctx.state.set(requestKey(r.request), next);
  const wasOpen = isOpenStatus(r.status);
  const isOpen = isOpenStatus(next.status);
  if (wasOpen && !isOpen) ctx.state.delete(openKey(r.location.building, r.request));
  if (!wasOpen && isOpen) ctx.state.set(openKey(r.location.building, r.request), r.category);
}

export const repairCreate: TxType<RepairCreatePayload> = {
  type: 'repair.create',
  schema: objectSchema(
    {
      request: requestId,
      category: enumOf(CATEGORY_CODES),
      priority: enumOf(PRIORITIES),
      location,
      descriptionHash: contentHash,
      photoHashes,
      reporter: actor,
      subject: id(SUBJECT_ID_PATTERN),
    },
    ['subject'],
    // the resident is linked only when they report for their home
    { if: { properties: { subject: id(SUBJECT_ID_PATTERN) }, required: ['subject'] }, then: { properties: { location: homeLocation } } },
  ),
  handle(ctx, p) {
    const check = checkLedgerTransition(readRequest(ctx.state, p.request), 'create', { actor: p.reporter, org: ctx.org.id }, ctx.time);
    if (!check.ok) reject(check.reason);
    if (p.subject !== undefined && p.location.kind !== 'home') reject('a subject is linked only to a request for a home');
    const record: RequestRecord = {
      request: p.request,
      status: 'received',
      category: p.category,
      priority: p.priority,
      location: { kind: p.location.kind, building: p.location.building },
      descriptionHash: p.descriptionHash,
      reporter: p.reporter,
      org: ctx.org.id,
      ...(p.subject === undefined ? {} : { subject: p.subject }),
      createdAt: ctx.time,
      // the SLA the recording organisation has set for the category, else the catalogue's
      slaDueAt: slaDueAt(ctx.time, p.category, p.priority, configuredSla(ctx.state, ctx.org.id, p.category)),
      steps: [{ action: 'create', at: ctx.time, actor: p.reporter, txHash: ctx.txHash, photoHashes: p.photoHashes }],
      followers: [],
      escalation: null,
    };
    ctx.state.set(requestKey(p.request), record);
    ctx.state.set(openKey(p.location.building, p.request), p.category);
  },
};

export const repairAssign: TxType<RepairAssignPayload> = {
  type: 'repair.assign',
  schema: objectSchema({ request: requestId, worker: actor, workerOrg: orgId, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'assign', p.request, p.by);
    checked(ctx, 'assign', p);
    advance(ctx, r, 'assign', p.by, { worker: p.worker, workerOrg: p.workerOrg }, { worker: p.worker, workerOrg: p.workerOrg });
  },
};

/** accept, arrive, start: the assigned worker moves the request on, nothing else to record. */
function workerType(action: 'accept' | 'arrive' | 'start'): TxType<RepairWorkerPayload> {
  return {
    type: `repair.${action}`,
    schema: objectSchema({ request: requestId, worker: actor }),
    handle(ctx, p) {
      advance(ctx, admit(ctx, action, p.request, p.worker), action, p.worker);
    },
  };
}

export const repairAccept = workerType('accept');
export const repairArrive = workerType('arrive');
export const repairStart = workerType('start');

export const repairDiagnose: TxType<RepairDiagnosePayload> = {
  type: 'repair.diagnose',
  schema: objectSchema({ request: requestId, worker: actor, cause: enumOf(CAUSES), parts, photoHashes }),
  handle(ctx, p) {
    const r = admit(ctx, 'diagnose', p.request, p.worker);
    checked(ctx, 'diagnose', p);
    const lines = p.parts.map(({ part, quantity }) => ({ part, quantity }));
    advance(ctx, r, 'diagnose', p.worker, { cause: p.cause, parts: lines, photoHashes: p.photoHashes });
  },
};

export const repairFinish: TxType<RepairFinishPayload> = {
  type: 'repair.finish',
  schema: objectSchema({ request: requestId, worker: actor, photoHashes }),
  handle(ctx, p) {
    advance(ctx, admit(ctx, 'finish', p.request, p.worker), 'finish', p.worker, { photoHashes: p.photoHashes });
  },
};

export const repairConfirm: TxType<RepairConfirmPayload> = {
  type: 'repair.confirm',
  schema: objectSchema({ request: requestId, reporter: actor, rating: integer(REPAIRS_RATING_MIN, REPAIRS_RATING_MAX), commentHash: contentHash }, ['commentHash']),
  handle(ctx, p) {
    const r = admit(ctx, 'confirm', p.request, p.reporter);
    const detail: StepDetail = p.commentHash === undefined ? { rating: p.rating } : { rating: p.rating, commentHash: p.commentHash };
    advance(ctx, r, 'confirm', p.reporter, detail, { rating: p.rating });
  },
};

export const repairReopen: TxType<RepairReopenPayload> = {
  type: 'repair.reopen',
  schema: objectSchema({ request: requestId, reporter: actor, reasonHash: contentHash }),
  handle(ctx, p) {
    const r = admit(ctx, 'reopen', p.request, p.reporter);
    // a new SLA period: someone must be back on site within the category's SLA (the organisation's setting as it is
    // now, else the catalogue's), escalations start again
    const due = slaDueAt(ctx.time, r.category, r.priority, configuredSla(ctx.state, r.org, r.category));
    advance(ctx, r, 'reopen', p.reporter, { reasonHash: p.reasonHash }, { slaDueAt: due, escalation: null });
  },
};

export const repairCancel: TxType<RepairCancelPayload> = {
  type: 'repair.cancel',
  schema: objectSchema({ request: requestId, by: actor }),
  handle(ctx, p) {
    advance(ctx, admit(ctx, 'cancel', p.request, p.by), 'cancel', p.by);
  },
};

export const repairFollow: TxType<RepairFollowPayload> = {
  type: 'repair.follow',
  schema: objectSchema({ request: requestId, follower: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'follow', p.request, p.follower);
    ctx.state.set(requestKey(r.request), { ...r, followers: [...r.followers, p.follower] } satisfies RequestRecord);
  },
};

export const repairEscalate: TxType<RepairEscalatePayload> = {
  type: 'repair.escalate',
  schema: objectSchema({ request: requestId, level: integer(1, REPAIRS_ESCALATION_LEVEL_MAX), by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'escalate', p.request, p.by);
    const expected = (r.escalation?.level ?? 0) + 1;
    if (p.level !== expected) reject(`request ${r.request} escalates to level ${expected}, not ${p.level}`);
    const overdueMs = ctx.time - r.slaDueAt;
    advance(ctx, r, 'escalate', p.by, { level: p.level, overdueMs }, { escalation: { level: p.level, at: ctx.time, overdueMs } });
  },
};

const slaHours = integer(REPAIRS_SLA_HOURS_MIN, REPAIRS_SLA_HOURS_MAX);

/**
 * The signing organisation sets its SLA for a category: its requests created (or reopened) from then on are due by
 * it. Keyed to the signer, so an organisation sets only its own; requests already open keep their `slaDueAt`.
 */
export const repairConfigureSla: TxType<RepairConfigureSlaPayload> = {
  type: 'repair.configure_sla',
  schema: objectSchema({ category: enumOf(CATEGORY_CODES), urgentHours: slaHours, normalHours: slaHours, by: actor }),
  handle(ctx, p) {
    const invalid = checkSlaHours(p.urgentHours, p.normalHours);
    if (invalid !== null) reject(invalid);
    const record: SlaConfigRecord = { org: ctx.org.id, category: p.category, urgentHours: p.urgentHours, normalHours: p.normalHours, by: p.by, at: ctx.time, txHash: ctx.txHash };
    ctx.state.set(slaKey(ctx.org.id, p.category), record);
  },
};

/** The module's transaction types: one per action, in ACTIONS order, then `repair.configure_sla`. */
export const repairsTypes: readonly TxType<RepairPayload>[] = [
  repairCreate,
  repairAssign,
  repairAccept,
  repairArrive,
  repairDiagnose,
  repairStart,
  repairFinish,
  repairConfirm,
  repairReopen,
  repairCancel,
  repairFollow,
  repairEscalate,
  repairConfigureSla,
];
