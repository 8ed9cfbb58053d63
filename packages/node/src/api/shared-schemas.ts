/**
 * JSON schemas every route may reference by `$id` (`{ $ref: 'RequestId#' }`), registered once on the server
 * (buildServer) and listed once in the OpenAPI document's components. Built from the core's patterns, so an id's rule
 * is written once. `FromRoute` derives a request type from a route schema that references them.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import {
  BUILDING_ID_PATTERN,
  GRANT_ID_PATTERN,
  HASH_HEX_PATTERN,
  OFFER_ID_PATTERN,
  ORG_ID_PATTERN,
  REPAIRS_BUILDING_CHARS_MAX,
  REQUEST_ID_PATTERN,
  SESSION_ID_PATTERN,
  SUBJECT_ID_PATTERN,
  WALLET_CREDENTIAL_ID_PATTERN,
} from '@machi/core';

const id = <const I extends string, const P extends string>($id: I, pattern: P, description: string) =>
  ({ $id, type: 'string', pattern, description }) as const;

export const SHARED_SCHEMAS = [
  {
    $id: 'Error',
    type: 'object',
    description: 'an expected failure: a code of the catalogue (docs/spec/errors.md) and a message',
    properties: { code: { type: 'string' }, message: { type: 'string' } },
    required: ['code', 'message'],
  },
  id('Hash', HASH_HEX_PATTERN, 'SHA-256, lowercase hex (a transaction, a document, a photo, a credential)'),
  id('OrgId', ORG_ID_PATTERN, 'an organisation of the chain (genesis)'),
  id('SubjectId', SUBJECT_ID_PATTERN, 'a person whose data an organisation holds'),
  id('GrantId', GRANT_ID_PATTERN, 'a data-sharing grant'),
  id('RequestId', REQUEST_ID_PATTERN, 'a repair request'),
  { $id: 'BuildingId', type: 'string', minLength: 1, maxLength: REPAIRS_BUILDING_CHARS_MAX, pattern: BUILDING_ID_PATTERN, description: 'a building code' },
  id('SessionId', SESSION_ID_PATTERN, 'a desk session'),
  id('OfferId', OFFER_ID_PATTERN, 'a credential offer'),
  id('WalletCredentialId', WALLET_CREDENTIAL_ID_PATTERN, 'a credential in a wallet'),
] as const;

export type SharedSchemaId = (typeof SHARED_SCHEMAS)[number]['$id'];

/** A reference to a shared schema. */
export const ref = <const I extends SharedSchemaId>($id: I) => ({ $ref: `${$id}#` as const });

/** The error body every route answers its 4xx (and 5xx) with. */
export const errorRef = ref('Error');

/** The type a route schema (which may reference the shared schemas) validates. */
export type FromRoute<S extends JSONSchema> = FromSchema<S, { references: [...typeof SHARED_SCHEMAS] }>;
