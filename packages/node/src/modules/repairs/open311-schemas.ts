/**
 * Open311 GeoReport v2's own shapes (https://wiki.open311.org/GeoReport_v2): services, requests, errors as
 * `[{code, description}]`, the query and the post, with the types derived from them.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { REPAIRS_DESCRIPTION_CHARS_MAX } from './store.js';

const ADDRESS_CHARS_MAX = 200;

export const serviceSchema = {
  type: 'object',
  properties: {
    service_code: { type: 'string' }, service_name: { type: 'string' }, description: { type: 'string' }, metadata: { type: 'boolean' },
    type: { type: 'string' }, keywords: { type: 'string' }, group: { type: 'string' },
  },
} as const;
export const nullable = (type: string) => ({ type: [type, 'null'] });
export const requestSchema = {
  type: 'object',
  properties: {
    service_request_id: { type: 'string' }, status: { type: 'string' }, status_notes: { type: 'string' },
    service_name: { type: 'string' }, service_code: { type: 'string' }, description: { type: 'string' },
    agency_responsible: { type: 'string' }, service_notice: { type: 'string' },
    requested_datetime: { type: 'string' }, updated_datetime: { type: 'string' }, expected_datetime: nullable('string'),
    address: { type: 'string' }, address_id: { type: 'string' }, lat: nullable('number'), long: nullable('number'), media_url: nullable('string'),
  },
} as const;
const errorList = { type: 'array', items: { type: 'object', properties: { code: { type: 'integer' }, description: { type: 'string' } } } } as const;
export const responses = (ok: object) => ({ 200: ok, '4xx': errorList, '5xx': errorList });

export const jurisdiction = { jurisdiction_id: { type: 'string', maxLength: 100 } } as const;
export const requestsQuery = {
  type: 'object',
  properties: {
    ...jurisdiction,
    api_key: { type: 'string', maxLength: 4096 },
    service_request_id: { type: 'string', maxLength: 4000 },
    service_code: { type: 'string', maxLength: 1000 },
    status: { type: 'string', maxLength: 20 },
    start_date: { type: 'string', maxLength: 40 },
    end_date: { type: 'string', maxLength: 40 },
  },
} as const;
export const postBody = {
  type: 'object',
  required: ['service_code'],
  // GeoReport lets clients send more (attribute[…], email, first_name, …): accepted, never stored
  additionalProperties: true,
  properties: {
    ...jurisdiction,
    api_key: { type: 'string', maxLength: 4096 },
    service_code: { type: 'string', maxLength: 40 },
    description: { type: 'string', maxLength: REPAIRS_DESCRIPTION_CHARS_MAX },
    lat: { type: 'number', minimum: -90, maximum: 90 },
    long: { type: 'number', minimum: -180, maximum: 180 },
    address_string: { type: 'string', maxLength: ADDRESS_CHARS_MAX },
    address_id: { type: 'string', maxLength: ADDRESS_CHARS_MAX },
  },
} as const;

/** The fields a post names (GeoReport's others are accepted and ignored). */
export type PostBody = Pick<FromSchema<typeof postBody>, 'api_key' | 'service_code' | 'description' | 'lat' | 'long' | 'address_string' | 'address_id'>;
export type RequestsQuery = FromSchema<typeof requestsQuery>;
