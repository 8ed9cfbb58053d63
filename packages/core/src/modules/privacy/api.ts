/**
 * The privacy module's client contract: what its HTTP API shows, as JSON schemas (the node's response schemas) and
 * the types derived from them. Ledger records (uses, alerts) pass through whole; their types are the core's state
 * records. Pure data. docs/spec/privacy.md
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { ProofBundle } from '../../bundle.js';
import { FIELD_NAMES } from './roles.js';
import type { AccessRecord, Alert } from './types.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const strMap = { type: 'object', additionalProperties: str } as const;
/** A ledger record, passed through whole. */
const record = { type: 'object', additionalProperties: true } as const;

const fieldText = { type: 'string', minLength: 1, maxLength: 200 } as const;
/** Personal data fields by name (FIELDS): at least one, each a short text. */
export const fieldsSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(FIELD_NAMES.map((f) => [f, fieldText])) as Record<string, typeof fieldText>,
} as const;
export type PersonalFields = Record<string, string>;

/** A subject just registered: its commitment on the ledger and the data classes it holds. */
export const subjectRegisteredSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { subject: str, commitment: str, classes: { type: 'array', items: str }, txHash: str, height: int },
  required: ['subject', 'commitment', 'classes', 'txHash', 'height'],
} as const;
export type SubjectRegistered = FromSchema<typeof subjectRegisteredSchema>;

/**
 * A granted read: the decision, the access record's id and transaction, the fields, and the opening that checks them
 * against the subject's commitment (checkFieldCommitment).
 */
export const readResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subject: str,
    decision: str,
    reason: str,
    access: str,
    txHash: str,
    height: int,
    fields: fieldsSchema,
    commitment: str,
    opening: { type: 'object', additionalProperties: false, properties: { salts: strMap, digests: strMap }, required: ['salts', 'digests'] },
  },
  required: ['subject', 'decision', 'reason', 'access', 'txHash', 'height'],
} as const;
export type ReadResultView = Omit<FromSchema<typeof readResultSchema>, 'fields'> & { fields?: PersonalFields };

/** What a transaction of the organisation answers once committed. */
export const privacyTxResultSchema = { type: 'object', additionalProperties: false, properties: { txHash: str, height: int }, required: ['txHash', 'height'] } as const;
export type PrivacyTxResult = FromSchema<typeof privacyTxResultSchema>;

/** A grant just recorded. */
export const grantCreatedSchema = {
  type: 'object', additionalProperties: false, properties: { grant: str, txHash: str, height: int }, required: ['grant', 'txHash', 'height'],
} as const;
export type GrantCreated = FromSchema<typeof grantCreatedSchema>;

/** Every use of the caller's data, each with a proof bundle, and the alerts the anomaly rules raised on them. */
export const myUsesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subject: str,
    uses: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { record, proof: record }, required: ['record'] } },
    alerts: { type: 'array', items: record },
  },
  required: ['subject', 'uses', 'alerts'],
} as const;
export interface MyUses {
  subject: string;
  uses: { record: AccessRecord; proof?: ProofBundle }[];
  alerts: Alert[];
}

/** A subject's access log, for an auditor. */
export const accessLogSchema = {
  type: 'object', additionalProperties: false, properties: { accesses: { type: 'array', items: record }, alerts: { type: 'array', items: record } }, required: ['accesses', 'alerts'],
} as const;
export interface AccessLog {
  accesses: AccessRecord[];
  alerts: Alert[];
}

/** Every alert, for the regulator. */
export const alertListSchema = { type: 'object', additionalProperties: false, properties: { alerts: { type: 'array', items: record } }, required: ['alerts'] } as const;
export interface AlertList {
  alerts: Alert[];
}
