import type { FastifyPluginAsync } from 'fastify';
import type { MachiNode } from '../../node/node.js';
import type { VotingView } from '../../node/restore-check.js';
import { doubleSignCheckSchema, votingSchema } from './schemas.js';

export interface HealthRouteOptions {
  node: MachiNode;
  /** whether the node votes (a restored node's double-sign check); default allowed */
  voting: () => VotingView;
}

/**
 * `status` is `degraded` while the node refuses to vote (a restored validator found its organisation's signatures
 * after its backup): it serves reads and follows the chain, so the answer stays 200, but it needs its operator, and a
 * restart alone changes nothing while the original runs. `checking` clears by itself and leaves `ok`. Also `degraded`:
 * a node joined from a snapshot whose re-execution of its history did not reproduce a block (node/history-results.ts).
 */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { node, voting }) => {
  app.get('/v1/health', {
    config: { access: 'public' },
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['ok', 'degraded'], description: '`degraded`: the node refuses to vote (see voting and doubleSignCheck), or re-executing its history did not reproduce a block (history.resultsFault); it still serves reads' },
            chainId: { type: 'string' },
            org: { type: 'string' },
            height: { type: 'integer' },
            logSize: { type: 'integer' },
            mempool: { type: 'integer' },
            history: {
              type: 'object',
              description: 'how far back the stored blocks reach: a node joined from a snapshot fetches the older ones in the background (docs/spec/membership.md#history)',
              properties: {
                complete: { type: 'boolean' },
                lowestHeight: { type: 'integer' },
                snapshotHeight: { type: 'integer' },
                resultsHeight: {
                  type: 'integer',
                  description: 'every stored transaction at or below this height has its handler result here (the head once all do); a node joined from a snapshot re-derives those up to it by re-executing the chain once its history is complete — receipts above resultsHeight and at or below snapshotHeight say resultKnown: false',
                },
                resultsFault: {
                  type: 'object',
                  description: 'the re-execution stopped at a block whose app hash it did not reproduce: the stored history or this node\'s software diverges from the chain (status is degraded)',
                  properties: { height: { type: 'integer' }, reason: { type: 'string' } },
                },
              },
            },
            voting: votingSchema,
            doubleSignCheck: doubleSignCheckSchema,
          },
        },
      },
    },
  }, async () => {
    const v = voting();
    const history = node.history.view;
    return {
      status: v.voting === 'refused' || history.resultsFault !== undefined ? 'degraded' : 'ok',
      chainId: node.genesis.chainId,
      org: node.self.id,
      height: node.head.height,
      logSize: node.store.logSize(),
      mempool: node.mempoolSize,
      history,
      ...v,
    };
  });

  app.get('/v1/genesis', { config: { access: 'public' } }, async () => node.genesis);
};
