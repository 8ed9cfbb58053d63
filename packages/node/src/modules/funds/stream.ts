/**
 * The regulators' live stream: GET /v1/funds/feed/stream, Server-Sent Events of every funds step the moment its
 * block commits on this node — `{type, txHash, height, org, proof}` (the proof bundle verifies with the genesis
 * alone), so an auditor's own system can follow and check every disbursement step as it happens; it catches up after
 * a gap with GET /v1/funds/feed?since=. Refused transactions recorded nothing and are not sent. The same limits as
 * the repairs stream (modules/repairs/events.ts): streams per node and per user, a heartbeat, the token's life.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ProofBundle } from '@machi/core';
import { requestToken } from '../../auth/principal.js';
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
  for (const tx of node.store.blockTxs(block.header.height)) {
    if (tx.code !== null) continue;
    const body = JSON.parse(tx.body) as { type: string; signer: string };
    if (!body.type.startsWith('fund.')) continue;
    const org = node.genesis.orgs.find((o) => o.publicKey === body.signer)?.id ?? '';
    out.push({ type: body.type, txHash: tx.hash, height: block.header.height, org, proof: node.proof(tx.hash) ?? null });
  }
  return out;
}

interface Stream {
  user: string;
  jti: string | undefined;
  write(text: string): void;
  close(): void;
}

export const fundsStreamRoutes: FastifyPluginAsync<{ node: MachiNode; isRevoked: (jti: string) => boolean; heartbeatMs?: number }> = async (app, { node, isRevoked, heartbeatMs = FUNDS_STREAM_HEARTBEAT_MS }) => {
  const streams = new Set<Stream>();
  const onBlock = (block: StoredBlock): void => {
    if (streams.size === 0) return;
    const events = fundsEventsOf(node, block);
    if (events.length === 0) return;
    const text = events.map((e) => `event: fund\nid: ${e.height}\ndata: ${JSON.stringify(e)}\n\n`).join('');
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

  app.get('/v1/funds/feed/stream', {
    config: { access: 'funds.oversight' },
    schema: { response: { 200: { description: 'text/event-stream: `event: fund` frames, data = {type, txHash, height, org, proof}', type: 'string' } } },
  }, async (req, reply) => {
    const user = req.principal?.userId ?? '';
    const mine = [...streams].filter((s) => s.user === user);
    if (mine.length >= FUNDS_STREAMS_PER_USER_MAX) mine[0]!.close();
    if (streams.size >= FUNDS_STREAMS_MAX) [...streams][0]!.close();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
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
    const expiry = token === undefined ? undefined : setTimeout(() => stream.close(), Math.max(0, token.expiresAt - Date.now()));
    expiry?.unref();
    req.raw.on('close', () => {
      if (expiry !== undefined) clearTimeout(expiry);
      streams.delete(stream);
    });
  });
};
