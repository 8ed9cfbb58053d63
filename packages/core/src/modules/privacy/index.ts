/**
 * privacy — who may read whose personal data, for what, and the public record of every grant, access and erasure.
 * Personal data never reaches the ledger: only commitments, pseudonyms and ids. docs/spec/privacy.md
 */
export * from './roles.js';
export * from './types.js';
export * from './decide.js';
export * from './anomalies.js';
export * from './handlers.js';
export * from './queries.js';
export * from './commitment.js';
