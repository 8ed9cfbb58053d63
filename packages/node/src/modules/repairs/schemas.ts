/**
 * What the repairs routes take: params, queries and bodies as JSON schemas, and the types derived from them (the
 * routes' and the service's). What they show is the module's client contract in the core (modules/repairs/api.ts).
 */
import {
  CATEGORY_CODES,
  CAUSES,
  LOCATION_KINDS,
  PARTS,
  PRIORITIES,
  REPAIRS_PARTS_MAX,
  REPAIRS_PART_QUANTITY_MAX,
  REPAIRS_PHOTOS_MAX,
  REPAIRS_RATING_MAX,
  REPAIRS_RATING_MIN,
  REPAIRS_SLA_HOURS_MAX,
  REPAIRS_SLA_HOURS_MIN,
  actResultSchema,
} from '@machi/core';
import { errorRef, ref, type FromRoute } from '../../api/shared-schemas.js';
import { REPAIRS_DESCRIPTION_CHARS_MAX, REPAIRS_NOTE_CHARS_MAX, REPAIRS_UNIT_CHARS_MAX } from './store.js';

const text = <const N extends number>(maxLength: N) => ({ type: 'string', minLength: 1, maxLength }) as const;
const photos = { type: 'array', maxItems: REPAIRS_PHOTOS_MAX, uniqueItems: true, items: ref('Hash') } as const;
const category = { type: 'string', enum: CATEGORY_CODES } as const;

export const requestParam = { type: 'object', properties: { request: ref('RequestId') }, required: ['request'] } as const;
export type RequestParam = FromRoute<typeof requestParam>;
export const photoParam = { type: 'object', properties: { request: ref('RequestId'), hash: ref('Hash') }, required: ['request', 'hash'] } as const;
export type PhotoParam = FromRoute<typeof photoParam>;
export const categoryParam = { type: 'object', properties: { category }, required: ['category'] } as const;
export type CategoryParam = FromRoute<typeof categoryParam>;
export const userParam = { type: 'object', properties: { username: text(64) }, required: ['username'] } as const;
export type UserParam = FromRoute<typeof userParam>;

export const reportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['category', 'location', 'description'],
  properties: {
    category,
    /** default: the category's default priority */
    priority: { type: 'string', enum: PRIORITIES },
    location: { type: 'object', additionalProperties: false, required: ['kind', 'building'], properties: { kind: { type: 'string', enum: LOCATION_KINDS }, building: ref('BuildingId') } },
    description: text(REPAIRS_DESCRIPTION_CHARS_MAX),
    /** the exact unit (kept off the ledger) */
    unit: text(REPAIRS_UNIT_CHARS_MAX),
    /** hashes of photos this user uploaded (POST /v1/repairs/photos) */
    photos,
  },
} as const;
export type ReportBody = FromRoute<typeof reportBody>;

export const diagnoseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['cause', 'parts'],
  properties: {
    cause: { type: 'string', enum: CAUSES },
    parts: {
      type: 'array',
      maxItems: REPAIRS_PARTS_MAX,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['part', 'quantity'],
        properties: { part: { type: 'string', enum: PARTS }, quantity: { type: 'integer', minimum: 1, maximum: REPAIRS_PART_QUANTITY_MAX } },
      },
    },
    photos,
  },
} as const;
export type DiagnoseBody = FromRoute<typeof diagnoseBody>;

export const finishBody = { type: 'object', additionalProperties: false, properties: { photos } } as const;
export type FinishBody = FromRoute<typeof finishBody>;
export const assignBody = { type: 'object', additionalProperties: false, required: ['worker'], properties: { worker: text(64) } } as const;
export type AssignBody = FromRoute<typeof assignBody>;
export const confirmBody = {
  type: 'object',
  additionalProperties: false,
  required: ['rating'],
  properties: { rating: { type: 'integer', minimum: REPAIRS_RATING_MIN, maximum: REPAIRS_RATING_MAX }, comment: text(REPAIRS_NOTE_CHARS_MAX) },
} as const;
export type ConfirmBody = FromRoute<typeof confirmBody>;
export const reopenBody = { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: text(REPAIRS_NOTE_CHARS_MAX) } } as const;
export type ReopenBody = FromRoute<typeof reopenBody>;

const slaHoursIn = { type: 'integer', minimum: REPAIRS_SLA_HOURS_MIN, maximum: REPAIRS_SLA_HOURS_MAX } as const;
export const slaBody = { type: 'object', additionalProperties: false, required: ['urgentHours', 'normalHours'], properties: { urgentHours: slaHoursIn, normalHours: slaHoursIn } } as const;
export type SlaBody = FromRoute<typeof slaBody>;

export const boardQuery = { type: 'object', additionalProperties: false, properties: { building: ref('BuildingId'), category } } as const;
export type BoardQuery = FromRoute<typeof boardQuery>;
export const similarQuery = { ...boardQuery, required: ['building'] } as const;
export type SimilarQuery = FromRoute<typeof similarQuery>;

/** A transition's route schema: the request in the path, its body if any, the result or an error. */
export const act = <B extends object>(body?: B) => ({
  params: requestParam,
  ...(body === undefined ? {} : { body }),
  response: { 200: actResultSchema, '4xx': errorRef },
});
