/**
 * Live events: GET /v1/events/live, a Server-Sent Events stream of every community-event step the moment its block
 * commits on this node: `{event, action, status, org, height, txHash}` — ledger data only (an event id, the step's
 * transaction type, the record's status after it, the signing organisation), so a board, an inbox or an event's page
 * refetches what it shows through its own authorised route at once instead of polling. Built on the shared block
 * stream (api/block-stream.ts): bounded streams, heartbeats, a stream lasts as long as its token.
 */
import type { FastifyPluginAsync } from 'fastify';
import { eventRecord, type EventLiveFrame } from '@machi/core';
import { blockEventStream } from '../../api/block-stream.js';
import type { MachiNode } from '../../node/node.js';
import type { StoredBlock } from '../../storage/store.js';

/** Open event streams per node, at most; a new stream beyond it closes the oldest (the client reconnects). */
export const EVENTS_LIVE_STREAMS_MAX = 512;
/** Streams one user may hold (a board and an event page in two tabs, say); the oldest goes first. */
export const EVENTS_LIVE_STREAMS_PER_USER_MAX = 8;
/** A comment line this often keeps proxies from closing an idle stream, ms. */
export const EVENTS_LIVE_HEARTBEAT_MS = 20_000;

/** The event steps a committed block recorded (accepted transactions of the `event.` family naming an event). */
export function eventFramesOf(node: MachiNode, block: StoredBlock): EventLiveFrame[] {
  const out: EventLiveFrame[] = [];
  for (const { stored: tx, tx: body } of node.committedTxs(block.header.height)) {
    if (tx.code !== null) continue;
    if (!body.type.startsWith('event.') || typeof body.payload.event !== 'string') continue;
    const r = eventRecord((k) => node.store.read(k), body.payload.event);
    if (r === undefined) continue;
    out.push({
      event: body.payload.event, action: body.type.slice('event.'.length), status: r.status, org: node.orgs.get(tx.signer)?.id ?? '',
      height: block.header.height, txHash: tx.hash,
    });
  }
  return out;
}

export const eventLiveRoutes: FastifyPluginAsync<{ node: MachiNode; isRevoked?: (jti: string) => boolean; now?: () => number; heartbeatMs?: number }> = async (
  app, { node, isRevoked, now, heartbeatMs = EVENTS_LIVE_HEARTBEAT_MS },
) => {
  blockEventStream(app, {
    node, url: '/v1/events/live', access: 'events.view', event: 'step',
    description: 'text/event-stream: `event: step` frames, data = {event, action, status, org, height, txHash} (ledger data only); refetch what you show',
    eventsOf: (block) => eventFramesOf(node, block),
    streamsMax: EVENTS_LIVE_STREAMS_MAX, perUserMax: EVENTS_LIVE_STREAMS_PER_USER_MAX, heartbeatMs,
    ...(isRevoked === undefined ? {} : { isRevoked }), ...(now === undefined ? {} : { now }),
  });
};
