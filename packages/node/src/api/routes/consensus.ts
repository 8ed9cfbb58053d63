import type { FastifyPluginAsync } from 'fastify';
import type { ConsensusDriver } from '../../consensus/driver.js';
import type { VotingView } from '../../node/restore-check.js';
import { doubleSignCheckSchema, votingSchema } from './schemas.js';

export interface ConsensusRouteOptions {
  consensus: ConsensusDriver;
  peers: () => { orgId: string; publicKey: string }[];
  /** whether the node votes (a restored node's double-sign check) */
  voting: () => VotingView;
}

/** Consensus status and recorded evidence of misbehaviour ("mutual supervision"). */
export const consensusRoutes: FastifyPluginAsync<ConsensusRouteOptions> = async (app, { consensus, peers, voting }) => {
  app.get('/v1/consensus', {
    config: { access: 'public' },
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            height: { type: 'integer' },
            round: { type: 'integer' },
            step: { type: 'string' },
            started: { type: 'boolean' },
            peers: { type: 'array', items: { type: 'object', properties: { org: { type: 'string' }, height: { type: 'integer' } } } },
            // compact proposals since the node started: proposals whose bodies were fetched, transactions asked for and
            // received, requests of peers answered; and transactions whose signature this node checked
            fetches: {
              type: 'object',
              properties: { fetches: { type: 'integer' }, asked: { type: 'integer' }, received: { type: 'integer' }, served: { type: 'integer' } },
            },
            txsChecked: { type: 'integer' },
            voting: votingSchema,
            doubleSignCheck: doubleSignCheckSchema,
          },
        },
      },
    },
  }, async () => {
    const s = consensus.status();
    return { ...s, peers: peers().map((p) => ({ org: p.orgId, height: consensus.peerHeights.get(p.publicKey) ?? 0 })), ...voting() };
  });

  app.get('/v1/evidence', {
    config: { access: 'public' },
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            evidence: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  org: { type: 'string' }, validator: { type: 'string' }, height: { type: 'integer' }, round: { type: 'integer' },
                  type: { type: 'string' }, blockHashes: { type: 'array', items: { type: ['string', 'null'] } }, detectedAt: { type: 'integer' },
                  // both signed messages (a duplicate-vote or duplicate-proposal, as the core's verifyEvidence takes)
                  evidence: { type: 'object', additionalProperties: true },
                },
              },
            },
          },
        },
      },
    },
  }, async () => ({ evidence: consensus.evidence() }));
};
