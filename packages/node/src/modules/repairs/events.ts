/**
 * Live updates: GET /v1/repairs/events, a Server-Sent Events stream of every repair step the moment its block commits
 * on this node — `{request, action, status, height, txHash}` and nothing else (all public ledger data: no text, no
 * pseudonym), so one stream serves every signed-in user and pages refetch what they show. The resident's timeline and
 * the dispatcher's board update without a reload. docs/spec/repairs.md#live-updates
 */
import type { FastifyPluginAsync } from 'fastify';
import { requestRecord } from '@machi/core';
import { requestToken } from '../../auth/principal.js';
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
  for (const tx of node.store.blockTxs(block.header.height)) {
    if (tx.code !== null) continue;
    const body = JSON.parse(tx.body) as { type: string; payload: { request?: unknown } };
    if (!body.type.startsWith('repair.') || typeof body.payload.request !== 'string') continue;
    const record = requestRecord((k) => node.store.read(k), body.payload.request);
    out.push({ request: body.payload.request, action: body.type.slice('repair.'.length), status: record?.status ?? 'unknown', height: block.header.height, txHash: tx.hash });
  }
  return out;
}

interface Stream {
  user: string;
  /** the session token's id: a stream ends when its token is signed out */
  jti: string | undefined;
  write(text: string): void;
  close(): void;
}

export interface RepairEventOptions {
  node: MachiNode;
  /** whether a session token was signed out (its streams end at the next heartbeat) */
  isRevoked?: (jti: string) => boolean;
  now?: () => number;
  heartbeatMs?: number;
}

export const repairEventRoutes: FastifyPluginAsync<RepairEventOptions> = async (app, { node, isRevoked = () => false, now = Date.now, heartbeatMs = REPAIRS_EVENT_HEARTBEAT_MS }) => {
  const streams = new Set<Stream>();

  const onBlock = (block: StoredBlock): void => {
    if (streams.size === 0) return;
    const events = repairEventsOf(node, block);
    if (events.length === 0) return;
    const text = events.map((e) => `event: repair\nid: ${e.height}\ndata: ${JSON.stringify(e)}\n\n`).join('');
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
  // before the server closes: it waits for open connections, and these never end by themselves
  app.addHook('preClose', async () => {
    node.off('block', onBlock);
    clearInterval(heartbeat);
    for (const s of [...streams]) s.close();
  });

  app.get('/v1/repairs/events', {
    config: { access: 'repairs.view' },
    schema: { response: { 200: { description: 'text/event-stream: `event: repair` frames, data = {request, action, status, height, txHash}', type: 'string' } } },
  }, async (req, reply) => {
    const user = req.principal?.userId ?? '';
    const mine = [...streams].filter((s) => s.user === user);
    if (mine.length >= REPAIRS_EVENT_STREAMS_PER_USER_MAX) mine[0]!.close();
    if (streams.size >= REPAIRS_EVENT_STREAMS_MAX) [...streams][0]!.close();

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const token = requestToken(req);
    const stream: Stream = {
      user,
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
    // the stream lasts as long as the token that opened it: the client signs in again and reconnects
    const expiry = token === undefined ? undefined : setTimeout(() => stream.close(), Math.max(0, token.expiresAt - now()));
    expiry?.unref();
    req.raw.on('close', () => {
      if (expiry !== undefined) clearTimeout(expiry);
      streams.delete(stream);
    });
  });
};
