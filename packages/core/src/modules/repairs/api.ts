/**
 * The repairs module's client contract: what its HTTP API shows, as JSON schemas (the node's response schemas: only
 * what they list leaves) and the types derived from them, so that the node and the web app share one definition.
 * Pure data. docs/spec/repairs.md#api
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { ProofBundle } from '../../bundle.js';
import { ACTIONS, CATEGORY_CODES, CAUSES, PARTS, PRIORITIES, STATUSES } from './catalogue.js';
import { CONTENT_HASH_PATTERN } from './types.js';

/** A work phone on a worker's card. */
export const WORK_PHONE_PATTERN = '^[+0-9][0-9 ()-]*$';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const strings = { type: 'array', items: str } as const;

/** What a transition answers, once its transaction is committed. */
export const actResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { request: str, action: { type: 'string', enum: ACTIONS }, status: { type: 'string', enum: STATUSES }, txHash: str, height: int },
  required: ['request', 'action', 'status', 'txHash', 'height'],
} as const;
export type ActResult = FromSchema<typeof actResultSchema>;

/** What the worker's organisation shares about the worker: the name, the work phone, `photo: true` if it shares one. */
export const workerCardViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { name: str, phone: str, photo: { type: 'boolean', const: true } },
} as const;
export type WorkerCardView = FromSchema<typeof workerCardViewSchema>;

/** A text kept off the ledger (a comment, a reason), with the salt that opens its hash. */
export const privateNoteSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { kind: str, text: str, hash: str, salt: str, at: int },
  required: ['kind', 'text', 'hash', 'salt', 'at'],
} as const;
export type PrivateNote = FromSchema<typeof privateNoteSchema>;

/**
 * A request as shown. `workerUsername` only to staff of the worker's organisation; `workerCard` where the worker's
 * organisation is the node's; the private part (description … notes) only to those who may read it, on the node that
 * holds it.
 */
export const requestViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    request: str, category: { type: 'string', enum: CATEGORY_CODES }, categoryName: str,
    priority: { type: 'string', enum: PRIORITIES }, status: { type: 'string', enum: STATUSES }, open: bool,
    location: { type: 'object', additionalProperties: false, properties: { kind: str, building: str }, required: ['kind', 'building'] },
    org: str, reporter: str, worker: str, workerOrg: str, workerUsername: str,
    createdAt: int, updatedAt: int, slaDueAt: int, overdue: bool,
    escalation: { type: ['object', 'null'], additionalProperties: false, properties: { level: int, at: int, overdueMs: int }, required: ['level', 'at', 'overdueMs'] },
    followers: int, rating: int, descriptionHash: str,
    /** every photo hash the steps recorded, in order */
    photos: strings,
    workerCard: workerCardViewSchema,
    /** the caller reported it / follows it */
    yours: bool, following: bool,
    description: str, descriptionSalt: str, unit: str, notes: { type: 'array', items: privateNoteSchema },
  },
  required: [
    'request', 'category', 'categoryName', 'priority', 'status', 'open', 'location', 'org', 'reporter', 'createdAt', 'updatedAt',
    'slaDueAt', 'overdue', 'escalation', 'followers', 'descriptionHash', 'photos', 'yours', 'following',
  ],
} as const;
export type RequestView = FromSchema<typeof requestViewSchema>;

const requestViews = { type: 'array', items: requestViewSchema } as const;
/** Lists of requests: similar ones (`requests`), the board (`requests`), a worker's jobs (`jobs`). */
export const requestListSchema = { type: 'object', additionalProperties: false, properties: { requests: requestViews }, required: ['requests'] } as const;
export const jobListSchema = { type: 'object', additionalProperties: false, properties: { jobs: requestViews }, required: ['jobs'] } as const;
export type RequestList = FromSchema<typeof requestListSchema>;
export type JobList = FromSchema<typeof jobListSchema>;
/** The caller's requests: reported through this node, and open ones they follow. */
export const myRequestsSchema = {
  type: 'object', additionalProperties: false, properties: { reported: requestViews, following: requestViews }, required: ['reported', 'following'],
} as const;
export type MyRequests = FromSchema<typeof myRequestsSchema>;

/** One step of a request's timeline: the step, the status it led to, and the proof bundle of its transaction. */
export const timelineStepSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: ACTIONS }, status: { type: 'string', enum: STATUSES }, at: int, actor: str, txHash: str,
    worker: str, workerOrg: str, cause: { type: 'string', enum: CAUSES },
    parts: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { part: { type: 'string', enum: PARTS }, quantity: int }, required: ['part', 'quantity'] } },
    photoHashes: strings,
    rating: int, commentHash: str, reasonHash: str, level: int, overdueMs: int,
    // a proof bundle (docs/spec/formats.md): public ledger data, passed through whole for verifyBundle
    proof: { type: ['object', 'null'], additionalProperties: true },
  },
  required: ['action', 'status', 'at', 'actor', 'txHash', 'proof'],
} as const;
/** The schema passes the bundle through whole; its type is the core's. */
export type TimelineStep = Omit<FromSchema<typeof timelineStepSchema>, 'proof'> & { proof: ProofBundle | null };

export const timelineSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { request: str, status: { type: 'string', enum: STATUSES }, steps: { type: 'array', items: timelineStepSchema } },
  required: ['request', 'status', 'steps'],
} as const;
export type Timeline = Omit<FromSchema<typeof timelineSchema>, 'steps'> & { steps: TimelineStep[] };

const slaHours = { type: 'object', additionalProperties: false, properties: { urgent: int, normal: int }, required: ['urgent', 'normal'] } as const;

/**
 * A category's service level for an organisation: `slaHours` applies to its new requests and reopens, `defaultSlaHours`
 * is the catalogue's; when `configured`, the block time of the setting, its transaction and who set it (pseudonym;
 * user name if of the caller's organisation).
 */
export const slaViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    category: { type: 'string', enum: CATEGORY_CODES }, name: str, defaultPriority: { type: 'string', enum: PRIORITIES },
    slaHours, defaultSlaHours: slaHours, configured: bool,
    at: int, txHash: str, by: str, byUsername: str,
  },
  required: ['category', 'name', 'defaultPriority', 'slaHours', 'defaultSlaHours', 'configured'],
} as const;
export type SlaView = FromSchema<typeof slaViewSchema>;

/** The organisation's service levels. */
export const slaTableSchema = {
  type: 'object', additionalProperties: false, properties: { org: str, categories: { type: 'array', items: slaViewSchema } }, required: ['org', 'categories'],
} as const;
export type SlaTable = FromSchema<typeof slaTableSchema>;
/** A service level just set: its view and the height of its transaction. */
export const slaSetSchema = { ...slaViewSchema, properties: { ...slaViewSchema.properties, height: int } } as const;
export type SlaSet = FromSchema<typeof slaSetSchema>;

/** The catalogues a client builds its forms from, with this node's organisation's SLAs. */
export const repairCataloguesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    categories: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: { code: { type: 'string', enum: CATEGORY_CODES }, name: str, defaultPriority: { type: 'string', enum: PRIORITIES }, slaHours, defaultSlaHours: slaHours, slaConfigured: bool },
        required: ['code', 'name', 'defaultPriority', 'slaHours', 'defaultSlaHours', 'slaConfigured'],
      },
    },
    priorities: strings,
    locationKinds: strings,
    causes: strings,
    parts: strings,
    statuses: strings,
    buildings: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { code: str, name: str, lat: { type: 'number' }, long: { type: 'number' } }, required: ['code', 'name'] },
    },
  },
  required: ['categories', 'priorities', 'locationKinds', 'causes', 'parts', 'statuses', 'buildings'],
} as const;
export type RepairCatalogues = FromSchema<typeof repairCataloguesSchema>;

/** The maintenance workers of the caller's organisation (to assign). */
export const workerListSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { workers: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { username: str, displayName: str }, required: ['username', 'displayName'] } } },
  required: ['workers'],
} as const;
export type WorkerList = FromSchema<typeof workerListSchema>;

/**
 * A worker's card, as set and as shown to the organisation's staff: the work phone, the photo (a hash the caller
 * uploaded, or the card's current one), and what residents see of it. `share.photo` may be left out when setting
 * (false), as cards were before photos.
 */
export const staffCardSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['share'],
  properties: {
    phone: { type: 'string', minLength: 3, maxLength: 32, pattern: WORK_PHONE_PATTERN },
    photo: { type: 'string', pattern: CONTENT_HASH_PATTERN },
    share: { type: 'object', additionalProperties: false, required: ['name', 'phone'], properties: { name: bool, phone: bool, photo: bool } },
  },
} as const;
export type StaffCardBody = FromSchema<typeof staffCardSchema>;

/** An uploaded photo: its hash (to name in a report or a step), its type by magic bytes, its size. */
export const photoUploadedSchema = {
  type: 'object', additionalProperties: false, properties: { hash: str, type: str, bytes: int }, required: ['hash', 'type', 'bytes'],
} as const;
export type PhotoUploaded = FromSchema<typeof photoUploadedSchema>;

/**
 * One event of the live stream (`GET /v1/repairs/events`, Server-Sent Events): a repair step the moment its block
 * commits, public ledger data only; `status` is the request's once the block is applied (`unknown` if it has no record).
 */
export const repairEventSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { request: str, action: { type: 'string', enum: ACTIONS }, status: { anyOf: [{ type: 'string', enum: STATUSES }, { type: 'string', const: 'unknown' }] }, height: int, txHash: str },
  required: ['request', 'action', 'status', 'height', 'txHash'],
} as const;
export type RepairEvent = FromSchema<typeof repairEventSchema>;
