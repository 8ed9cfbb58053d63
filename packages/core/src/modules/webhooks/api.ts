/**
 * The webhooks module's client contract: what its HTTP API takes and shows, as JSON schemas (the node's request and
 * response schemas) and the types derived from them. Pure data. docs/spec/webhooks.md#api
 */
import type { FromSchema } from 'json-schema-to-ts';
import {
  WEBHOOK_DELIVERY_ID_PATTERN,
  WEBHOOK_DESCRIPTION_CHARS_MAX,
  WEBHOOK_ID_PATTERN,
  WEBHOOK_TYPES_PER_SUBSCRIPTION_MAX,
  WEBHOOK_TYPE_PREFIX_PATTERN,
  WEBHOOK_URL_CHARS_MAX,
} from './types.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const typePrefixes = {
  type: 'array',
  minItems: 1,
  maxItems: WEBHOOK_TYPES_PER_SUBSCRIPTION_MAX,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 64, pattern: WEBHOOK_TYPE_PREFIX_PATTERN },
} as const;

/** POST /v1/webhooks */
export const webhookCreateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** where to POST: http: or https: (checked beyond the schema: WEBHOOK_TARGET_INVALID) */
    url: { type: 'string', minLength: 1, maxLength: WEBHOOK_URL_CHARS_MAX },
    /** transaction type prefixes: `event.`, `event.dispatch`, `repair.` */
    types: typePrefixes,
    /** only transactions that concern the subscribing organisation (signed by it or naming it) */
    ownOnly: { type: 'boolean' },
    description: { type: 'string', maxLength: WEBHOOK_DESCRIPTION_CHARS_MAX },
  },
  required: ['url', 'types'],
} as const;
export type WebhookCreate = FromSchema<typeof webhookCreateSchema>;

export const webhookViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: WEBHOOK_ID_PATTERN },
    org: str,
    url: str,
    types: { type: 'array', items: str },
    ownOnly: { type: 'boolean' },
    description: str,
    /** ms since the epoch */
    createdAt: int,
    /** transactions committed at this height or later are sent (none from before the subscription) */
    fromHeight: int,
    /** the public key (base64url Ed25519, as in the genesis) that signs the deliveries */
    signingKey: str,
    /** deliveries waiting to be sent or retried */
    pending: int,
  },
  required: ['id', 'org', 'url', 'types', 'ownOnly', 'description', 'createdAt', 'fromHeight', 'signingKey', 'pending'],
} as const;
export type WebhookView = FromSchema<typeof webhookViewSchema>;

export const webhookListSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { webhooks: { type: 'array', items: webhookViewSchema } },
  required: ['webhooks'],
} as const;
export type WebhookList = FromSchema<typeof webhookListSchema>;

/** One attempt at sending a delivery: when, how long, and the answer (an HTTP status) or why there was none. */
export const webhookAttemptSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    at: int,
    durationMs: int,
    /** the receiver's HTTP status (2xx: delivered; 3xx counts as a failure: redirects are never followed) */
    status: int,
    /** why there was no status: `timeout`, a connection error */
    error: str,
  },
  required: ['at', 'durationMs'],
} as const;
export type WebhookAttempt = FromSchema<typeof webhookAttemptSchema>;

export const webhookDeliverySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** the `webhook-id` header: the same on every attempt */
    id: { type: 'string', pattern: WEBHOOK_DELIVERY_ID_PATTERN },
    /** the CloudEvent's id (a transaction hash, or a ping's id) and type */
    eventId: str,
    eventType: str,
    state: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'array', items: webhookAttemptSchema },
    createdAt: int,
    /** when the next attempt is due (pending only) */
    nextAttemptAt: int,
  },
  required: ['id', 'eventId', 'eventType', 'state', 'attempts', 'createdAt'],
} as const;
export type WebhookDelivery = FromSchema<typeof webhookDeliverySchema>;

/** A page of a subscription's delivery log, newest first; `next` is the cursor of the next page. */
export const webhookDeliveryPageSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { deliveries: { type: 'array', items: webhookDeliverySchema }, next: str },
  required: ['deliveries'],
} as const;
export type WebhookDeliveryPage = FromSchema<typeof webhookDeliveryPageSchema>;

/** POST /v1/webhooks/{id}/ping: the delivery it queued. */
export const webhookPingResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { delivery: { type: 'string', pattern: WEBHOOK_DELIVERY_ID_PATTERN }, eventId: str },
  required: ['delivery', 'eventId'],
} as const;
export type WebhookPingResult = FromSchema<typeof webhookPingResultSchema>;
