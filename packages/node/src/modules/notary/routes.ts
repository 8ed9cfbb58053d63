/** notary — queries over the state its handlers write (see @machi/core modules/notary). */
import type { FastifyPluginAsync } from 'fastify';
import { notaryKey, type NotaryAnchor } from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import { errorSchema, hashParam } from '../../api/routes/schemas.js';

export const notaryRoutes: FastifyPluginAsync<{ node: MachiNode }> = async (app, { node }) => {
  /** Every anchor of a document hash, oldest first (an empty list if it was never anchored). */
  app.get<{ Params: { hash: string } }>('/v1/notary/:hash', {
    config: { access: 'public' },
    schema: {
      params: hashParam,
      response: {
        200: {
          type: 'object',
          properties: {
            hash: { type: 'string' },
            anchors: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  label: { type: 'string' }, org: { type: 'string' },
                  txHash: { type: 'string' }, height: { type: 'integer' }, time: { type: 'integer' },
                },
              },
            },
          },
        },
        '4xx': errorSchema,
      },
    },
  }, async (req) => {
    const raw = node.store.read(notaryKey(req.params.hash));
    return { hash: req.params.hash, anchors: raw === undefined ? [] : (JSON.parse(raw) as NotaryAnchor[]) };
  });
};
