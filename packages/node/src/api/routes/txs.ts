import type { FastifyPluginAsync } from 'fastify';
import { BATCH_TXS_MAX, COMMIT_WAIT_MS_MAX, MachiError } from '@machi/core';
import { committedReceipt, type MachiNode, type Receipt } from '../../node/node.js';
import { txRateLimit } from '../../auth/rate-limit.js';
import { commitSchema, errorSchema, hashParam, headerSchema, receiptSchema, txSchema } from './schemas.js';

const waitQuery = {
  type: 'object',
  properties: {
    wait: { type: 'boolean', default: false },
    timeoutMs: { type: 'integer', minimum: 1, maximum: COMMIT_WAIT_MS_MAX, default: 10_000 },
  },
} as const;

interface WaitQuery {
  wait: boolean;
  timeoutMs: number;
}

export const txRoutes: FastifyPluginAsync<{ node: MachiNode; txsPerMinute: number }> = async (app, { node, txsPerMinute }) => {
  // unauthenticated, and each transaction costs a signature check: transactions per client address are limited
  const txLimit = txRateLimit(app, txsPerMinute);
  /** Submit one signed transaction. 202 pending, or with ?wait=true 200 once committed. */
  app.post<{ Body: unknown; Querystring: WaitQuery }>('/v1/txs', {
    config: { access: 'public' },
    preHandler: txLimit,
    schema: {
      querystring: waitQuery,
      body: { type: 'object' },
      response: { 200: receiptSchema, 202: receiptSchema, '4xx': errorSchema, 504: errorSchema },
    },
  }, async (req, reply) => {
    const [outcome] = await node.submit([req.body]);
    if (!outcome!.ok) throw new MachiError(outcome!.code, outcome!.message);
    if (!req.query.wait) return reply.status(202).send({ hash: outcome!.hash, status: 'pending' });
    return node.waitCommitted(outcome!.hash, req.query.timeoutMs);
  });

  /** Submit many at once; each gets its own outcome. With ?wait=true, answers once all accepted ones commit. */
  app.post<{ Body: { txs: unknown[] }; Querystring: WaitQuery }>('/v1/txs/batch', {
    config: { access: 'public' },
    preHandler: txLimit,
    schema: {
      querystring: waitQuery,
      body: {
        type: 'object',
        required: ['txs'],
        properties: { txs: { type: 'array', items: { type: 'object' } } },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            accepted: { type: 'integer' },
            results: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  hash: { type: 'string' },
                  status: { type: 'string' },
                  height: { type: 'integer' },
                  seq: { type: 'integer' },
                  code: { type: 'string' },
                  message: { type: 'string' },
                },
              },
            },
          },
        },
        '4xx': errorSchema,
      },
    },
  }, async (req) => {
    if (req.body.txs.length > BATCH_TXS_MAX) throw new MachiError('BATCH_TOO_LARGE', `a batch holds at most ${BATCH_TXS_MAX} transactions, this one ${req.body.txs.length}`);
    const outcomes = await node.submit(req.body.txs);
    const results = await Promise.all(outcomes.map(async (o): Promise<Partial<Receipt>> => {
      if (!o.ok) return { ...(o.hash === undefined ? {} : { hash: o.hash }), code: o.code, message: o.message };
      if (!req.query.wait) return { hash: o.hash, status: 'pending' };
      try {
        return await node.waitCommitted(o.hash, req.query.timeoutMs);
      } catch (e) {
        if (e instanceof MachiError) return { hash: o.hash, status: 'pending', code: e.code, message: e.message };
        throw e;
      }
    }));
    return { accepted: outcomes.filter((o) => o.ok).length, results };
  });

  app.get<{ Params: { hash: string } }>('/v1/txs/:hash', {
    config: { access: 'public' },
    schema: {
      params: hashParam,
      response: {
        200: { type: 'object', properties: { ...receiptSchema.properties, tx: txSchema } },
        '4xx': errorSchema,
      },
    },
  }, async (req) => {
    // one store read for a committed transaction (the hot path: bench:reads)
    const stored = node.store.getTx(req.params.hash);
    if (stored !== undefined) return { ...committedReceipt(stored), tx: JSON.parse(stored.body) };
    const r = node.receipt(req.params.hash);
    if (r === undefined) throw node.history.complete ? new MachiError('NOT_FOUND', `no transaction ${req.params.hash}`) : node.history.incomplete(`no transaction ${req.params.hash} here`);
    return r;
  });

  app.get<{ Params: { hash: string } }>('/v1/txs/:hash/proof', {
    config: { access: 'public' },
    schema: {
      params: hashParam,
      response: {
        200: {
          type: 'object',
          properties: {
            format: { type: 'string' },
            tx: txSchema,
            txHash: { type: 'string' },
            leafIndex: { type: 'integer' },
            inclusionProof: { type: 'array', items: { type: 'string' } },
            header: headerSchema,
            commit: commitSchema,
            setChanges: {
              type: 'array',
              description: 'the validator-set changes from genesis up to the block, each certified by the set before it (docs/spec/formats.md#proof-bundles); absent while the genesis set holds',
              items: { type: 'object', additionalProperties: true },
            },
          },
        },
        '4xx': errorSchema,
      },
    },
  }, async (req) => {
    if (!node.history.complete) {
      // a joined node builds proofs from the snapshot on; older ones need the history below it (node/history.ts)
      const stored = node.store.getTx(req.params.hash);
      if (stored === undefined ? node.receipt(req.params.hash) === undefined : !node.history.provable(stored.height)) {
        throw node.history.incomplete(`no proof of transaction ${req.params.hash} here yet`);
      }
    }
    const bundle = node.proof(req.params.hash);
    if (bundle === undefined) {
      const pending = node.receipt(req.params.hash)?.status === 'pending';
      throw new MachiError('NOT_FOUND', pending ? `transaction ${req.params.hash} is not committed yet` : `no committed transaction ${req.params.hash}`);
    }
    return bundle;
  });
};
