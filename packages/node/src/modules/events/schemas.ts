/**
 * What the events routes take as params (bodies and queries are the client contract's schemas, modules/events/api.ts
 * in the core), and the shape of a step route.
 */
import { EVENT_CODE_PATTERN, EVENT_ID_PATTERN, eventActResultSchema } from '@machi/core';
import { errorRef, ref, type FromRoute } from '../../api/shared-schemas.js';

const eventId = { type: 'string', pattern: EVENT_ID_PATTERN } as const;
const code = { type: 'string', pattern: EVENT_CODE_PATTERN, maxLength: 32 } as const;

export const eventParam = { type: 'object', properties: { event: eventId }, required: ['event'] } as const;
export type EventParam = FromRoute<typeof eventParam>;
export const photoParam = { type: 'object', properties: { event: eventId, hash: ref('Hash') }, required: ['event', 'hash'] } as const;
export type PhotoParam = FromRoute<typeof photoParam>;
export const gridParam = { type: 'object', properties: { grid: code }, required: ['grid'] } as const;
export type GridParam = FromRoute<typeof gridParam>;
export const orgParam = { type: 'object', properties: { org: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['org'] } as const;
export type OrgParam = FromRoute<typeof orgParam>;

/** A step on an event: the event param, an optional body, the act result. */
export const step = (body?: object) => ({
  params: eventParam,
  ...(body === undefined ? {} : { body }),
  response: { 200: eventActResultSchema, '4xx': errorRef },
});
