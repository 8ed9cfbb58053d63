/** notary — queries over the state its handlers write (see @machi/core modules/notary). */
import type { FastifyPluginAsync } from 'fastify';
import { notaryAnchorsSchema, notaryKey, type NotaryAnchor, type NotaryAnchors } from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import { errorSchema, hashParam } from '../../api/routes/schemas.js';
import type { FromRoute } from '../../api/shared-schemas.js';

export const notaryRoutes: FastifyPluginAsync<{ node: MachiNode }> = async (app, { node }) => {
  /** Every anchor of a document hash, oldest first (an empty list if it was never anchored). */
  app.get<{ Params: FromRoute<typeof hashParam> }>('/v1/notary/:hash', {
    config: { access: 'public' },
    schema: {
      params: hashParam,
      response: {
        200: notaryAnchorsSchema,
        '4xx': errorSchema,
      },
    },
  }, async (req): Promise<NotaryAnchors> => {
    const raw = node.store.read(notaryKey(req.params.hash));
    return { hash: req.params.hash, anchors: raw === undefined ? [] : (JSON.parse(raw) as NotaryAnchor[]) };
  });
};
