import type { FastifyPluginAsync } from 'fastify';
import { MachiError } from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import type { StoredBlock } from '../../storage/store.js';
import { commitSchema, errorSchema, headerSchema } from './schemas.js';

const blockResponse = {
  type: 'object',
  properties: {
    hash: { type: 'string' },
    header: headerSchema,
    commit: commitSchema,
    txs: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const blockRoutes: FastifyPluginAsync<{ node: MachiNode }> = async (app, { node }) => {
  const view = (b: StoredBlock) => ({
    hash: b.hash,
    header: b.header,
    commit: {
      ...b.commit,
      signatures: b.commit.signatures.map((s) => ({ ...s, org: node.orgs.get(s.validator)?.id ?? 'unknown' })),
    },
    txs: node.store.blockTxs(b.header.height).map((t) => t.hash),
  });
  const get = (height: number) => {
    const b = node.store.getBlock(height);
    if (b === undefined && height > 0 && height <= node.head.height && !node.history.complete) throw node.history.incomplete(`block ${height}`);
    if (b === undefined) throw new MachiError('NOT_FOUND', height === 0 ? 'no block committed yet' : `no block at height ${height}`);
    return view(b);
  };

  app.get('/v1/blocks/latest', { config: { access: 'public' }, schema: { response: { 200: blockResponse, '4xx': errorSchema } } }, async () => get(node.head.height));

  app.get<{ Params: { height: number } }>('/v1/blocks/:height', {
    config: { access: 'public' },
    schema: {
      params: { type: 'object', properties: { height: { type: 'integer', minimum: 1 } }, required: ['height'] },
      response: { 200: blockResponse, '4xx': errorSchema },
    },
  }, async (req) => get(req.params.height));

  /** RFC 9162 consistency proof between two log sizes (each the logSize of some block, or any size up to the current). */
  app.get<{ Querystring: { from: number; to: number } }>('/v1/log/consistency', {
    config: { access: 'public' },
    schema: {
      querystring: {
        type: 'object',
        properties: { from: { type: 'integer', minimum: 0 }, to: { type: 'integer', minimum: 0 } },
        required: ['from', 'to'],
      },
      response: {
        200: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' }, proof: { type: 'array', items: { type: 'string' } } } },
        '4xx': errorSchema,
      },
    },
  }, async (req) => {
    const { from, to } = req.query;
    if (from > to || to > node.store.logSize()) throw new MachiError('REQUEST_INVALID', `need 0 <= from <= to <= ${node.store.logSize()}`);
    const p = node.history.progress;
    if (p !== undefined && !node.history.complete && from > 0 && from < p.snapshotLogSize) throw node.history.incomplete(`a consistency proof from log size ${from}`);
    return { from, to, proof: node.consistencyProof(from, to) };
  });
};
