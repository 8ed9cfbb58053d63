/**
 * Live alarm board: GET /v1/devices/alarms/events, a Server-Sent Events stream of every alarm state change the moment
 * its block commits on this node, for the alarms this node's organisation sees (its own devices', and those escalated
 * to it): `{alarm, action, device, condition, severity, status, active, level, height, txHash}` — ledger data only,
 * so a phone's board can make a new critical alarm stand out (and sound) at once and refetch the rest. Modelled on
 * the repairs stream (repairs/events.ts): bounded streams, heartbeats, a stream lasts as long as its token.
 */
import type { FastifyPluginAsync } from 'fastify';
import { alarmRecord } from '@machi/core';
import { blockEventStream } from '../../api/block-stream.js';
import type { MachiNode } from '../../node/node.js';
import type { StoredBlock } from '../../storage/store.js';

/** Open alarm streams per node, at most; a new stream beyond it closes the oldest (the client reconnects). */
export const DEVICES_EVENT_STREAMS_MAX = 512;
/** A comment line this often keeps proxies from closing an idle stream, ms. */
export const DEVICES_EVENT_HEARTBEAT_MS = 20_000;

export interface AlarmEvent {
  alarm: string;
  action: string;
  device: string;
  condition: string;
  severity: string;
  status: string;
  active: boolean;
  level: number;
  height: number;
  txHash: string;
}

const ALARM_TYPES = new Set(['device.raise', 'device.repeat', 'device.acknowledge', 'device.escalate', 'device.clear', 'device.resolve', 'device.link']);

/** The alarm state changes a committed block recorded that `org` sees. */
export function alarmEventsOf(node: MachiNode, block: StoredBlock, org: string): AlarmEvent[] {
  const out: AlarmEvent[] = [];
  for (const { stored: tx, tx: body } of node.committedTxs(block.header.height)) {
    if (tx.code !== null) continue;
    if (!ALARM_TYPES.has(body.type) || typeof body.payload.alarm !== 'string') continue;
    const r = alarmRecord((k) => node.store.read(k), body.payload.alarm);
    if (r === undefined || !(r.org === org || r.escalatedTo.includes(org))) continue;
    out.push({
      alarm: r.alarm, action: body.type.slice('device.'.length), device: r.device, condition: r.condition, severity: r.rule.severity,
      status: r.status, active: r.active, level: r.level, height: block.header.height, txHash: tx.hash,
    });
  }
  return out;
}

export const alarmEventRoutes: FastifyPluginAsync<{ node: MachiNode; isRevoked?: (jti: string) => boolean; now?: () => number; heartbeatMs?: number }> = async (
  app, { node, isRevoked, now, heartbeatMs = DEVICES_EVENT_HEARTBEAT_MS },
) => {
  blockEventStream(app, {
    node, url: '/v1/devices/alarms/events', access: 'devices.board', event: 'alarm',
    description: 'text/event-stream: `event: alarm` frames, data = {alarm, action, device, condition, severity, status, active, level, height, txHash}',
    eventsOf: (block) => alarmEventsOf(node, block, node.self.id),
    streamsMax: DEVICES_EVENT_STREAMS_MAX, heartbeatMs,
    ...(isRevoked === undefined ? {} : { isRevoked }), ...(now === undefined ? {} : { now }),
  });
};
