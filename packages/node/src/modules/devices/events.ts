/**
 * Live alarm board: GET /v1/devices/alarms/events, a Server-Sent Events stream of every alarm state change the moment
 * its block commits on this node, for the alarms this node's organisation sees (its own devices', and those escalated
 * to it): `{alarm, action, device, condition, severity, status, active, level, height, txHash}` — ledger data only,
 * so a phone's board can make a new critical alarm stand out (and sound) at once and refetch the rest. Modelled on
 * the repairs stream (repairs/events.ts): bounded streams, heartbeats, a stream lasts as long as its token.
 */
import type { FastifyPluginAsync } from 'fastify';
import { alarmRecord } from '@machi/core';
import { requestToken } from '../../auth/principal.js';
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
  for (const tx of node.store.blockTxs(block.header.height)) {
    if (tx.code !== null) continue;
    const body = JSON.parse(tx.body) as { type: string; payload: { alarm?: unknown } };
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

interface Stream {
  jti: string | undefined;
  write(text: string): void;
  close(): void;
}

export const alarmEventRoutes: FastifyPluginAsync<{ node: MachiNode; isRevoked?: (jti: string) => boolean; now?: () => number; heartbeatMs?: number }> = async (
  app, { node, isRevoked = () => false, now = Date.now, heartbeatMs = DEVICES_EVENT_HEARTBEAT_MS },
) => {
  const streams = new Set<Stream>();
  const onBlock = (block: StoredBlock): void => {
    if (streams.size === 0) return;
    const events = alarmEventsOf(node, block, node.self.id);
    if (events.length === 0) return;
    const text = events.map((e) => `event: alarm\nid: ${e.height}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    for (const s of streams) s.write(text);
  };
  node.on('block', onBlock);
  const heartbeat = setInterval(() => {
    for (const s of [...streams]) {
      if (s.jti !== undefined && isRevoked(s.jti)) s.close();
      else s.write(': ping\n\n');
    }
  }, heartbeatMs);
  heartbeat.unref();
  app.addHook('preClose', async () => {
    node.off('block', onBlock);
    clearInterval(heartbeat);
    for (const s of [...streams]) s.close();
  });

  app.get('/v1/devices/alarms/events', {
    config: { access: 'devices.board' },
    schema: { response: { 200: { description: 'text/event-stream: `event: alarm` frames, data = {alarm, action, device, condition, severity, status, active, level, height, txHash}', type: 'string' } } },
  }, async (req, reply) => {
    if (streams.size >= DEVICES_EVENT_STREAMS_MAX) [...streams][0]!.close();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const token = requestToken(req);
    const stream: Stream = {
      jti: token?.jti,
      write: (text) => {
        if (!res.writableEnded) res.write(text);
      },
      close: () => {
        streams.delete(stream);
        if (!res.writableEnded) res.end();
      },
    };
    streams.add(stream);
    res.write(`retry: 1500\n: height ${node.head.height}\n\n`);
    const expiry = token === undefined ? undefined : setTimeout(() => stream.close(), Math.max(0, token.expiresAt - now()));
    expiry?.unref();
    req.raw.on('close', () => {
      if (expiry !== undefined) clearTimeout(expiry);
      streams.delete(stream);
    });
  });
};
