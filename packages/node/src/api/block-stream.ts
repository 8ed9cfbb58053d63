/**
 * A live Server-Sent Events route fed by committed blocks, shared by the modules that offer one (repairs' board,
 * devices' alarm board, funds' regulator feed): each committed block is turned into the module's events and written
 * to every open stream as `event: <name>` frames with `id: <height>`; a heartbeat every `heartbeatMs` keeps proxies
 * from closing it and ends streams whose session token was signed out; a stream lasts at most as long as its token;
 * the oldest stream is dropped past `streamsMax` (and past `perUserMax` for one user).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteClass } from '../auth/policy.js';
import { requestToken } from '../auth/principal.js';
import type { MachiNode } from '../node/node.js';
import type { StoredBlock } from '../storage/store.js';

export interface BlockStreamOptions<E extends { height: number }> {
  node: MachiNode;
  url: string;
  /** the route's access class */
  access: RouteClass;
  /** what the OpenAPI document says of the stream */
  description: string;
  /** the SSE event name of every frame */
  event: string;
  /** the events a committed block carries for this stream */
  eventsOf: (block: StoredBlock) => E[];
  streamsMax: number;
  /** streams one user may hold; the oldest goes first (unlimited if absent) */
  perUserMax?: number;
  heartbeatMs: number;
  /** whether a session token was signed out (its streams end at the next heartbeat) */
  isRevoked?: (jti: string) => boolean;
  now?: () => number;
}

interface Stream {
  user: string;
  /** the session token's id: a stream ends when its token is signed out */
  jti: string | undefined;
  write(text: string): void;
  close(): void;
}

/** Each node's open streams by route, for the metrics (api/metrics.ts). */
const openStreams = new WeakMap<MachiNode, Map<string, Set<Stream>>>();

/** Open Server-Sent Events streams of `node`, by route. */
export function sseClients(node: MachiNode): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [url, set] of openStreams.get(node) ?? []) out[url] = set.size;
  return out;
}

export function blockEventStream<E extends { height: number }>(app: FastifyInstance, o: BlockStreamOptions<E>): void {
  const { node, isRevoked = () => false, now = Date.now } = o;
  const streams = new Set<Stream>();
  if (!openStreams.has(node)) openStreams.set(node, new Map());
  openStreams.get(node)!.set(o.url, streams);

  const onBlock = (block: StoredBlock): void => {
    if (streams.size === 0) return;
    const events = o.eventsOf(block);
    if (events.length === 0) return;
    const text = events.map((e) => `event: ${o.event}\nid: ${e.height}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    for (const s of streams) s.write(text);
  };
  node.on('block', onBlock);
  const heartbeat = setInterval(() => {
    for (const s of [...streams]) {
      if (s.jti !== undefined && isRevoked(s.jti)) s.close();
      else s.write(': ping\n\n');
    }
  }, o.heartbeatMs);
  heartbeat.unref();
  // before the server closes: it waits for open connections, and these never end by themselves
  app.addHook('preClose', async () => {
    node.off('block', onBlock);
    clearInterval(heartbeat);
    for (const s of [...streams]) s.close();
  });

  app.get(o.url, {
    config: { access: o.access },
    schema: { response: { 200: { description: o.description, type: 'string' } } },
  }, async (req, reply) => {
    const user = req.principal?.userId ?? '';
    if (o.perUserMax !== undefined) {
      const mine = [...streams].filter((s) => s.user === user);
      if (mine.length >= o.perUserMax) mine[0]!.close();
    }
    if (streams.size >= o.streamsMax) [...streams][0]!.close();

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
}
