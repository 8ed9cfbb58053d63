/** JSON schemas of the ledger routes (request and response). Response schemas also stop accidental disclosure. */
import { errorRef, ref } from '../shared-schemas.js';

/** The error body (shared schema `Error`). */
export const errorSchema = errorRef;

export const hashParam = {
  type: 'object',
  properties: { hash: ref('Hash') },
  required: ['hash'],
} as const;

export const headerSchema = {
  type: 'object',
  properties: {
    chainId: { type: 'string' },
    height: { type: 'integer' },
    time: { type: 'integer' },
    prevHash: { type: 'string' },
    txRoot: { type: 'string' },
    txCount: { type: 'integer' },
    logSize: { type: 'integer' },
    logRoot: { type: 'string' },
    appHash: { type: 'string' },
    proposer: { type: 'string' },
    validatorsHash: { type: 'string' },
  },
} as const;

export const commitSchema = {
  type: 'object',
  properties: {
    height: { type: 'integer' },
    round: { type: 'integer' },
    blockHash: { type: 'string' },
    signatures: {
      type: 'array',
      items: {
        type: 'object',
        properties: { validator: { type: 'string' }, org: { type: 'string' }, sig: { type: 'string' } },
      },
    },
  },
} as const;

export const txSchema = {
  type: 'object',
  properties: {
    chainId: { type: 'string' },
    type: { type: 'string' },
    payload: { type: 'object', additionalProperties: true },
    signer: { type: 'string' },
    nonce: { type: 'string' },
    time: { type: 'integer' },
    sig: { type: 'string' },
  },
} as const;

export const receiptSchema = {
  type: 'object',
  properties: {
    hash: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'committed'] },
    height: { type: 'integer' },
    seq: { type: 'integer' },
    code: { type: 'string', description: 'the handler refused the transaction (it is on the ledger, with no effect); absent: applied — unless resultKnown is false' },
    message: { type: 'string' },
    resultKnown: {
      type: 'boolean', enum: [false],
      description: 'false: this node does not know the handler result yet, and the absent code does not mean applied — it joined from a snapshot and re-derives the results of older transactions by re-executing the chain once its history is complete (docs/spec/membership.md#history); ask another node or retry later. Absent otherwise',
    },
  },
  required: ['hash', 'status'],
} as const;

/** Whether the node votes (node/restore-check.ts): on `/v1/health` and `/v1/consensus`. */
export const votingSchema = {
  type: 'string',
  enum: ['checking', 'refused', 'allowed'],
  description: 'whether this node may vote: `checking` a restored node before its double-sign check, `refused` its organisation\'s key signed after the backup (it votes nothing until restarted), `allowed` otherwise (docs/spec/storage.md#backup-and-restore)',
} as const;

/** A restored node's double-sign check (only on a node started from `machi restore`'s folder). */
export const doubleSignCheckSchema = {
  type: 'object',
  description: 'the double-sign check of a node restored from a backup (docs/spec/storage.md#backup-and-restore)',
  properties: {
    state: votingSchema,
    reason: { type: 'string' },
    backupHeight: { type: 'integer' },
    signedUpTo: { type: 'integer', description: 'the highest height the backup had signed; signatures above it are searched for' },
    heights: { type: 'integer', description: 'newest commits searched' },
    foundHeights: { type: 'array', items: { type: 'integer' }, description: 'heights above signedUpTo whose commits carry the organisation\'s signature, newest first' },
    voteFrom: { type: 'integer', description: 'once the check passed: the node votes from this height on' },
    ignored: { type: 'boolean', description: 'started with --ignore-double-sign-check' },
  },
} as const;
