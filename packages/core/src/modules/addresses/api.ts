/**
 * The address register's client contract: what its HTTP API (`/v1/addresses…`) takes and shows, as JSON schemas and
 * the types derived from them, shared by the node and the web app. Pure data. docs/spec/addresses.md#api
 */
import type { FromSchema } from 'json-schema-to-ts';
import {
  ADDRESS_CODE_CHARS_MAX,
  ADDRESS_CODE_PATTERN,
  ADDRESS_KINDS,
  ADDRESS_LAT_E6_MAX,
  ADDRESS_LONG_E6_MAX,
  ADDRESS_NAME_CHARS_MAX,
  ADDRESS_NAME_PATTERN,
  ADDRESS_STATUSES,
  ADDRESSES_QUERY_ITEMS_MAX,
} from './types.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const code = { type: 'string', pattern: ADDRESS_CODE_PATTERN, minLength: 1, maxLength: ADDRESS_CODE_CHARS_MAX } as const;
const name = { type: 'string', pattern: ADDRESS_NAME_PATTERN, minLength: 1, maxLength: ADDRESS_NAME_CHARS_MAX } as const;
const kind = { type: 'string', enum: ADDRESS_KINDS } as const;
const position = {
  type: 'object',
  additionalProperties: false,
  properties: { latE6: { type: 'integer', minimum: -ADDRESS_LAT_E6_MAX, maximum: ADDRESS_LAT_E6_MAX }, longE6: { type: 'integer', minimum: -ADDRESS_LONG_E6_MAX, maximum: ADDRESS_LONG_E6_MAX } },
  required: ['latE6', 'longE6'],
} as const;

/** `POST /v1/addresses`: a building, or a unit of a registered building. */
export const addressRegisterBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { code, kind, parent: code, name, position },
  required: ['code', 'kind', 'name'],
} as const;
export type AddressRegisterBody = FromSchema<typeof addressRegisterBodySchema>;

/** `PATCH /v1/addresses/:code`: a new name and/or position (null removes it). */
export const addressUpdateBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { name, position: { anyOf: [position, { type: 'null' }] } },
  minProperties: 1,
} as const;
export type AddressUpdateBody = FromSchema<typeof addressUpdateBodySchema>;

/** `GET /v1/addresses`: buildings, a building's units, or both; retired ones on request. */
export const addressQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { kind, parent: code, retired: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: ADDRESSES_QUERY_ITEMS_MAX } },
} as const;
export type AddressListQuery = FromSchema<typeof addressQuerySchema>;

export const addressViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    code: str, kind, parent: { type: ['string', 'null'] }, name: str, position: { anyOf: [position, { type: 'null' }] }, org: str, orgName: str,
    status: { type: 'string', enum: ADDRESS_STATUSES }, units: int, activeUnits: int, registeredAt: int, updatedAt: int, txHash: str,
  },
  required: ['code', 'kind', 'parent', 'name', 'position', 'org', 'orgName', 'status', 'units', 'activeUnits', 'registeredAt', 'updatedAt', 'txHash'],
} as const;
export type AddressView = FromSchema<typeof addressViewSchema>;

export const addressListSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { addresses: { type: 'array', items: addressViewSchema } },
  required: ['addresses'],
} as const;
export type AddressList = FromSchema<typeof addressListSchema>;

/** What a register, update or retire answers: the record as committed and its transaction. */
export const addressActResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { address: addressViewSchema, txHash: str, height: int },
  required: ['address', 'txHash', 'height'],
} as const;
export type AddressActResult = FromSchema<typeof addressActResultSchema>;
