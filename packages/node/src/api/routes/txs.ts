import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { BATCH_TXS_MAX, COMMIT_WAIT_MS_MAX, MachiError, assert } from '@machi/core';
import { committedReceipt, type MachiNode, type Receipt } from '../../node/node.js';
import { txRateLimit } from '../../auth/rate-limit.js';
import { commitSchema, errorSchema, hashParam, headerSchema, receiptSchema, txSchema } from './schemas.js';
import { ReadCache } from '../read-cache.js';

/** What Fastify sends with a serialised object: cached JSON text goes out with the same header. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** `value` as the route's 200 response schema serialises it (fast-json-stringify: always a string). */
function serialised(reply: FastifyReply, value: unknown): string {
  const text = reply.serialize(value);
  assert(typeof text === 'string', 'a response schema serialises to a string');
  return text;
}

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
  // committed receipts and proof bundles as sent (read-cache.ts)
  const receipts = new ReadCache();
  const bundles = new ReadCache();
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
  }, (req, reply) => {
    // the hot path (bench:reads): a committed receipt is final, its JSON text is kept; else one store read
    const hash = req.params.hash;
    const cached = receipts.get(hash);
    if (cached !== undefined) return reply.type(JSON_CONTENT_TYPE).send(cached);
    const stored = node.store.getTx(hash);
    if (stored === undefined) {
      const r = node.receipt(hash);
      if (r === undefined) throw node.history.complete ? new MachiError('NOT_FOUND', `no transaction ${hash}`) : node.history.incomplete(`no transaction ${hash} here`);
      return reply.send(r);
    }
    // the route's own response serialiser: the same text as an object sent; a result not known yet will change
    const known = node.history.results.known(stored.height);
    const text = serialised(reply, { ...committedReceipt(stored, known), tx: JSON.parse(stored.body) });
    if (known) receipts.set(hash, text);
    return reply.type(JSON_CONTENT_TYPE).send(text);
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
  }, (req, reply) => {
    const hash = req.params.hash;
    // a bundle carries the set changes known so far: keyed by their count, a new one is never answered from before it
    const key = `${node.setChanges.length}:${hash}`;
    const cached = bundles.get(key);
    if (cached !== undefined) return reply.type(JSON_CONTENT_TYPE).send(cached);
    // a joined node builds proofs from the snapshot on; older ones need the history below it (node/history.ts)
    const incomplete = node.proofIncomplete(hash);
    if (incomplete !== undefined) throw incomplete;
    const bundle = node.proof(hash);
    if (bundle === undefined) {
      const pending = node.receipt(hash)?.status === 'pending';
      throw new MachiError('NOT_FOUND', pending ? `transaction ${hash} is not committed yet` : `no committed transaction ${hash}`);
    }
    const text = serialised(reply, bundle);
    bundles.set(key, text);
    return reply.type(JSON_CONTENT_TYPE).send(text);
  });
};
