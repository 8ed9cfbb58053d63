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
    code: { type: 'string' },
    message: { type: 'string' },
  },
  required: ['hash', 'status'],
} as const;
