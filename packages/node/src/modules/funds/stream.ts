/**
 * The regulators' live stream: GET /v1/funds/feed/stream, Server-Sent Events of every funds step the moment its
 * block commits on this node — `{type, txHash, height, org, proof}` (the proof bundle verifies with the genesis
 * alone), so an auditor's own system can follow and check every disbursement step as it happens; it catches up after
 * a gap with GET /v1/funds/feed?since=. Refused transactions recorded nothing and are not sent. The same limits as
 * the repairs stream (modules/repairs/events.ts): streams per node and per user, a heartbeat, the token's life.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ProofBundle } from '@machi/core';
import { blockEventStream } from '../../api/block-stream.js';
import type { MachiNode } from '../../node/node.js';
import type { StoredBlock } from '../../storage/store.js';

export const FUNDS_STREAMS_MAX = 128;
export const FUNDS_STREAMS_PER_USER_MAX = 4;
export const FUNDS_STREAM_HEARTBEAT_MS = 20_000;

export interface FundsStreamEvent {
  /** the transaction type, e.g. `fund.receipt` */
  type: string;
  txHash: string;
  height: number;
  /** the signing organisation */
  org: string;
  proof: ProofBundle | null;
}

/** The funds steps a committed block recorded. */
export function fundsEventsOf(node: MachiNode, block: StoredBlock): FundsStreamEvent[] {
  const out: FundsStreamEvent[] = [];
  for (const { stored: tx, tx: body } of node.committedTxs(block.header.height)) {
    if (tx.code !== null) continue;
    if (!body.type.startsWith('fund.')) continue;
    // the member set first: a key rotated since the genesis (a hosted treasury's, membership.md#key-rotation)
    const org = node.orgs.get(body.signer)?.id ?? node.genesis.orgs.find((o) => o.publicKey === body.signer)?.id ?? '';
    out.push({ type: body.type, txHash: tx.hash, height: block.header.height, org, proof: node.proof(tx.hash) ?? null });
  }
  return out;
}

export const fundsStreamRoutes: FastifyPluginAsync<{ node: MachiNode; isRevoked: (jti: string) => boolean; heartbeatMs?: number }> = async (app, { node, isRevoked, heartbeatMs = FUNDS_STREAM_HEARTBEAT_MS }) => {
  blockEventStream(app, {
    node, url: '/v1/funds/feed/stream', access: 'funds.oversight', event: 'fund',
    description: 'text/event-stream: `event: fund` frames, data = {type, txHash, height, org, proof}',
    eventsOf: (block) => fundsEventsOf(node, block),
    streamsMax: FUNDS_STREAMS_MAX, perUserMax: FUNDS_STREAMS_PER_USER_MAX, heartbeatMs, isRevoked,
  });
};
