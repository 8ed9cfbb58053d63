/**
 * Id patterns several modules use (JSON Schema `pattern` and RegExp source), and small builders for payload schemas.
 * A module's own ids (request ids, session ids, …) stay in the module.
 */

/** Genesis organisation ids (same rule as genesis.ts). */
export const ORG_ID_PATTERN = '^[a-z0-9][a-z0-9-]*$';
/** Pseudonym of a user: first 32 hex of SHA-256(org id ‖ ":" ‖ user id ‖ ":" ‖ node secret). */
export const ACTOR_PATTERN = '^[0-9a-f]{32}$';
/** A person whose data an organisation holds (docs/spec/privacy.md). */
export const SUBJECT_ID_PATTERN = '^sub_[0-9a-f]{32}$';
/**
 * A person as the ledger names them on chains with `ledger.context-pseudonyms`: `psn_` + HMAC-SHA-256(the holding
 * organisation's pseudonym key, context ‖ subject id), hex. Only the holder can link it back (docs/spec/privacy.md).
 */
export const PSEUDONYM_PATTERN = '^psn_[0-9a-f]{64}$';
/** SHA-256, lowercase hex: of a document, a photo, or text kept off the ledger. */
export const HASH_HEX_PATTERN = '^[0-9a-f]{64}$';

export type JsonSchema = Record<string, unknown>;

/** A string matching `pattern`. */
export const patternString = (pattern: string): JsonSchema => ({ type: 'string', pattern });
/** One of a fixed list of strings. */
export const enumString = (values: readonly string[]): JsonSchema => ({ type: 'string', enum: [...values] });
/** An integer in [minimum, maximum]. */
export const integerIn = (minimum: number, maximum: number): JsonSchema => ({ type: 'integer', minimum, maximum });
/** A closed object: every property listed, `required` present, nothing else. */
export const closedObject = (required: readonly string[], properties: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: [...required],
  properties,
});
