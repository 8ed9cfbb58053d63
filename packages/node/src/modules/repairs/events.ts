/**
 * Live updates: GET /v1/repairs/events, a Server-Sent Events stream of every repair step the moment its block commits
 * on this node — `{request, action, status, height, txHash}` and nothing else (all public ledger data: no text, no
 * pseudonym), so one stream serves every signed-in user and pages refetch what they show. The resident's timeline and
 * the dispatcher's board update without a reload. docs/spec/repairs.md#live-updates
 */
import type { FastifyPluginAsync } from 'fastify';
import { requestRecord } from '@machi/core';
import { blockEventStream } from '../../api/block-stream.js';
import type { MachiNode } from '../../node/node.js';
import type { StoredBlock } from '../../storage/store.js';

/** Open event streams per node, at most; a new stream beyond it closes the oldest (the client reconnects). */
export const REPAIRS_EVENT_STREAMS_MAX = 512;
/** Open event streams per user, at most (tabs and devices); beyond it the user's oldest closes. */
export const REPAIRS_EVENT_STREAMS_PER_USER_MAX = 8;
/** A comment line this often keeps proxies from closing an idle stream, ms. */
export const REPAIRS_EVENT_HEARTBEAT_MS = 20_000;

export interface RepairEvent {
  request: string;
  action: string;
  /** the request's status once the block is applied */
  status: string;
  height: number;
  txHash: string;
}

/** The repair steps a committed block recorded (rejected transactions recorded nothing and are not reported). */
export function repairEventsOf(node: MachiNode, block: StoredBlock): RepairEvent[] {
  const out: RepairEvent[] = [];
  for (const { stored: tx, tx: body } of node.committedTxs(block.header.height)) {
    if (tx.code !== null) continue;
    if (!body.type.startsWith('repair.') || typeof body.payload.request !== 'string') continue;
    const record = requestRecord((k) => node.store.read(k), body.payload.request);
    out.push({ request: body.payload.request, action: body.type.slice('repair.'.length), status: record?.status ?? 'unknown', height: block.header.height, txHash: tx.hash });
  }
  return out;
}

export interface RepairEventOptions {
  node: MachiNode;
  /** whether a session token was signed out (its streams end at the next heartbeat) */
  isRevoked?: (jti: string) => boolean;
  now?: () => number;
  heartbeatMs?: number;
}

export const repairEventRoutes: FastifyPluginAsync<RepairEventOptions> = async (app, { node, isRevoked, now, heartbeatMs = REPAIRS_EVENT_HEARTBEAT_MS }) => {
  blockEventStream(app, {
    node, url: '/v1/repairs/events', access: 'repairs.view', event: 'repair',
    description: 'text/event-stream: `event: repair` frames, data = {request, action, status, height, txHash}',
    eventsOf: (block) => repairEventsOf(node, block),
    streamsMax: REPAIRS_EVENT_STREAMS_MAX, perUserMax: REPAIRS_EVENT_STREAMS_PER_USER_MAX, heartbeatMs,
    ...(isRevoked === undefined ? {} : { isRevoked }), ...(now === undefined ? {} : { now }),
  });
};
