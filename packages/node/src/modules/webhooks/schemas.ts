/** What the webhooks routes take beyond the core's request body (`webhookCreateSchema`): the path id, the log's page. */
import type { FromSchema } from 'json-schema-to-ts';
import { WEBHOOK_DELIVERIES_PAGE_MAX, WEBHOOK_ID_PATTERN } from '@machi/core';

/** Deliveries on a page of the log when the query names no limit. */
export const WEBHOOK_DELIVERIES_PAGE_DEFAULT = 20;

export const idParam = {
  type: 'object',
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: WEBHOOK_ID_PATTERN } },
  required: ['id'],
} as const;
export type IdParam = FromSchema<typeof idParam>;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: WEBHOOK_DELIVERIES_PAGE_MAX, default: WEBHOOK_DELIVERIES_PAGE_DEFAULT },
    /** the `next` of the previous page */
    cursor: { type: 'string', pattern: '^[0-9]{1,15}$' },
  },
} as const;
export type PageQuery = FromSchema<typeof pageQuery>;
