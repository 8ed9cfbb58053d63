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
  }));

  app.get('/v1/genesis', { config: { access: 'public' } }, async () => node.genesis);
};
