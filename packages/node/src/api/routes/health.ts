import type { FastifyPluginAsync } from 'fastify';
import type { MachiNode } from '../../node/node.js';

export const healthRoutes: FastifyPluginAsync<{ node: MachiNode }> = async (app, { node }) => {
  app.get('/v1/health', {
    config: { access: 'public' },
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string' },
            chainId: { type: 'string' },
            org: { type: 'string' },
            height: { type: 'integer' },
            logSize: { type: 'integer' },
            mempool: { type: 'integer' },
            history: {
              type: 'object',
              description: 'how far back the stored blocks reach: a node joined from a snapshot fetches the older ones in the background (docs/spec/membership.md#history)',
              properties: { complete: { type: 'boolean' }, lowestHeight: { type: 'integer' }, snapshotHeight: { type: 'integer' } },
            },
          },
        },
      },
    },
  }, async () => ({
    status: 'ok',
    chainId: node.genesis.chainId,
    org: node.self.id,
    height: node.head.height,
    logSize: node.store.logSize(),
    mempool: node.mempoolSize,
    history: node.history.view,
  }));

  app.get('/v1/genesis', { config: { access: 'public' } }, async () => node.genesis);
};
