/**
 * Consortium routes (public ledger reads): the member set and membership proposals, and snapshots for joining nodes.
 * Proposals and approvals are transactions an organisation signs (`machi submit consortium.propose|consortium.approve`).
 * docs/spec/consensus.md#membership, #snapshots
 */
import { createReadStream } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { CONSORTIUM_NEXT_KEY, MachiError, consortiumProposals, memberSetAt, type MemberSet } from '@machi/core';
import { errorRef } from '../../api/shared-schemas.js';
import type { MachiNode } from '../../node/node.js';
import type { Snapshots } from './snapshots.js';

const anyObject = { type: 'object', additionalProperties: true } as const;
const consortiumView = {
  type: 'object',
  required: ['epoch', 'from', 'orgs', 'proposals'],
  properties: {
    epoch: { type: 'integer' },
    from: { type: 'integer' },
    orgs: { type: 'array', items: anyObject },
    next: anyObject,
    proposals: { type: 'array', items: anyObject },
    setChanges: { type: 'integer', description: 'number of set changes since genesis (their certificates ride on proof bundles)' },
  },
} as const;

export const consortiumRoutes: FastifyPluginAsync<{ node: MachiNode; snapshots: Snapshots }> = async (app, { node, snapshots }) => {
  app.get('/v1/consortium', {
    config: { access: 'public' },
    schema: { response: { 200: consortiumView, '4xx': errorRef } },
  }, async () => {
    const read = (k: string): string | undefined => node.store.read(k);
    const set = memberSetAt(node.genesis.orgs, read, node.head.height + 1);
    const nextRaw = read(CONSORTIUM_NEXT_KEY);
    const next = nextRaw === undefined ? undefined : (JSON.parse(nextRaw) as MemberSet);
    return {
      epoch: set.epoch,
      from: set.from,
      orgs: set.orgs,
      ...(next !== undefined && next.epoch > set.epoch ? { next } : {}),
      proposals: consortiumProposals((p, l) => node.store.scan(p, l)).filter((p) => p.epoch >= set.epoch),
      setChanges: node.setChanges.length,
    };
  });

  app.get('/v1/snapshot', {
    config: { access: 'public' },
    schema: { response: { 200: anyObject, '4xx': errorRef } },
  }, async () => {
    const m = snapshots.manifest();
    if (m === undefined) throw new MachiError('NOT_FOUND', 'no snapshot certified by the validators yet');
    return m;
  });

  app.get<{ Querystring: { height: number } }>('/v1/snapshot/state', {
    config: { access: 'public' },
    schema: {
      querystring: { type: 'object', required: ['height'], properties: { height: { type: 'integer', minimum: 1 } }, additionalProperties: false },
      response: { '4xx': errorRef },
    },
  }, async (req, reply) => {
    const path = snapshots.statePath(req.query.height);
    if (path === undefined) throw new MachiError('NOT_FOUND', `no snapshot at height ${req.query.height} here`);
    return reply.type('application/jsonl').send(createReadStream(path));
  });
};
