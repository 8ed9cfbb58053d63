/**
 * What the privacy routes take: params, queries and bodies as JSON schemas, and the types derived from them. What
 * they show is the module's client contract in the core (modules/privacy/api.ts).
 */
import { DATA_CLASSES, PURPOSES, fieldsSchema } from '@machi/core';
import { ref, type FromRoute } from '../../api/shared-schemas.js';

export const subjectParam = { type: 'object', properties: { subject: ref('SubjectId') }, required: ['subject'] } as const;
export type SubjectParam = FromRoute<typeof subjectParam>;
export const grantParam = { type: 'object', properties: { grant: ref('GrantId') }, required: ['grant'] } as const;
export type GrantParam = FromRoute<typeof grantParam>;

export const registerBody = { type: 'object', additionalProperties: false, required: ['fields'], properties: { fields: fieldsSchema, linkUser: { type: 'string', maxLength: 64 } } } as const;
/** `fields` by name: the schema lists them from FIELD_NAMES, so its type is a record. */
export type RegisterBody = Omit<FromRoute<typeof registerBody>, 'fields'> & { fields: Record<string, string> };

export const readQuery = {
  type: 'object',
  required: ['purpose', 'fields'],
  properties: {
    purpose: { type: 'string', enum: PURPOSES },
    fields: { type: 'string', maxLength: 500, description: 'comma-separated field names' },
    caseRef: { type: 'string', maxLength: 80 },
  },
} as const;
export type ReadQuery = FromRoute<typeof readQuery>;
export const ownRecordQuery = { type: 'object', properties: { fields: { type: 'string', maxLength: 500 } } } as const;
export type OwnRecordQuery = FromRoute<typeof ownRecordQuery>;

export const grantBody = {
  type: 'object',
  additionalProperties: false,
  required: ['subjects', 'classes', 'toOrg', 'toRole', 'purpose', 'from', 'until'],
  properties: {
    subjects: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', maxLength: 40 } },
    classes: { type: 'array', minItems: 1, maxItems: DATA_CLASSES.length, items: { type: 'string', maxLength: 40 } },
    fields: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', maxLength: 40 } },
    toOrg: { type: 'string', maxLength: 64 },
    toRole: { type: 'string', maxLength: 40 },
    purpose: { type: 'string', maxLength: 40 },
    from: { type: 'integer', minimum: 0 },
    until: { type: 'integer', minimum: 0 },
  },
} as const;
export type GrantBody = FromRoute<typeof grantBody>;
