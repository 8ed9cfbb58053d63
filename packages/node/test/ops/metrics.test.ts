/**
 * Operations on one in-process node: GET /metrics (Prometheus text, public) reports the ledger, consensus, mempool,
 * API latency by route pattern, open SSE streams, open alarms and webhook deliveries; every answer carries a request
 * id (the client's when sane), and the JSON request log names it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, newChainRules, signTx, signerFromJwk, type Genesis } from '@machi/core';
import { InlineChecker, SqliteStore, buildServer, wireNode, type Wired } from '../../src/index.js';
import { blockEventStream } from '../../src/api/block-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'machi-metrics-'));
const kp = generateKeyPair();
const signer = signerFromJwk(kp.jwk);
const genesis: Genesis = { chainId: 'machi-metrics', genesisTime: new Date().toISOString(), orgs: [{ id: 'street-office', name: 'Street office', publicKey: kp.publicKey, power: 1 }], rules: newChainRules() };
const logLines: Record<string, unknown>[] = [];
let store: SqliteStore;
let wired: Wired;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  store = new SqliteStore(join(dir, 'ledger.db'));
  wired = wireNode({ genesis, signer, store, checker: new InlineChecker(genesis) });
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(l) as Record<string, unknown>); done(); } });
  app = await buildServer(wired.node, {
    consensus: wired.consensus, peers: () => [], logger: pino(sink),
    webhookStates: () => ({ delivered: 3, pending: 1 }),
    plugins: [async (a) => blockEventStream(a, { node: wired.node, url: '/test/stream', access: 'public', description: 'test', event: 'x', eventsOf: () => [], streamsMax: 5, heartbeatMs: 60_000 })],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await app.close();
  wired.consensus.close();
  await wired.node.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The value of one series in a Prometheus text exposition. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('reports height, committed txs, mempool, latency by route, SSE streams, open alarms and webhook deliveries, to anyone', async () => {
    const txs = Array.from({ length: 25 }, (_, i) => signTx({
      chainId: genesis.chainId, type: 'notary.record', payload: { hash: randomBytes(32).toString('hex'), label: `doc ${i}` },
      signer: signer.publicKey, nonce: randomBytes(16).toString('hex'), time: Date.now(),
    }, signer.sign));
    const r = await fetch(`${url}/v1/txs/batch?wait=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ txs }) });
    expect(r.status).toBe(200);
    const hash = ((await r.json()) as { results: { hash: string }[] }).results[0]!.hash;
    expect((await fetch(`${url}/v1/txs/${hash}`)).status).toBe(200);
    // an alarm open in the state (as the devices module indexes it), an SSE client connected
    const db = new Database(join(dir, 'ledger.db'));
    db.prepare('INSERT INTO state (key, value) VALUES (?, ?)').run('devices/open-org/street-office/alarm-1', '"open"');
    db.close();
    const stream = new AbortController();
    const sse = await fetch(`${url}/test/stream`, { signal: stream.signal });
    expect(sse.status).toBe(200);

    const m = await fetch(`${url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await m.text();
    stream.abort();
    expect(value(text, 'machi_height')).toBe(wired.node.head.height);
    expect(wired.node.head.height).toBeGreaterThan(0);
    expect(value(text, 'machi_txs_committed_total')).toBe(25);
    expect(value(text, 'machi_log_size')).toBe(25);
    expect(value(text, 'machi_mempool_txs')).toBe(0);
    expect(value(text, 'machi_round')).toBe(0);
    expect(value(text, 'machi_peers')).toBe(0);
    expect(value(text, 'machi_sync_lag_blocks')).toBe(0);
    expect(value(text, 'machi_txs_per_second')).toBeGreaterThan(0);
    expect(value(text, 'machi_sse_clients{route="/test/stream"}')).toBe(1);
    expect(value(text, 'machi_alarms_open{org="street-office"}')).toBe(1);
    expect(value(text, 'machi_webhook_deliveries{state="delivered"}')).toBe(3);
    // latency by route pattern, never the raw path (a series per transaction hash would grow without end)
    expect(value(text, 'machi_http_request_duration_seconds_count{method="GET",route="/v1/txs/:hash",status="200"}')).toBe(1);
    expect(text).not.toContain(hash);
    expect(text).toMatch(/^machi_block_interval_seconds_bucket\{le="1"\} \d+$/m);
  });
});

describe('request ids', () => {
  it("answers with the client's X-Request-Id when sane, a fresh one otherwise, and logs it as JSON", async () => {
    const mine = await app.inject({ url: '/v1/health', headers: { 'x-request-id': 'trace-42.a:b' } });
    expect(mine.headers['x-request-id']).toBe('trace-42.a:b');
    const odd = await app.inject({ url: '/v1/health', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await app.inject({ url: '/v1/health' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers['x-request-id']).not.toBe(odd.headers['x-request-id']);
    const done = logLines.find((l) => l.reqId === 'trace-42.a:b' && l.msg === 'request completed');
    expect(done).toMatchObject({ level: 30, res: { statusCode: 200 } });
    expect(typeof done!.responseTime).toBe('number');
    // a token in a query string (Open311's api_key) never reaches the log
    await app.inject({ url: '/v1/health?api_key=secret-token-1&x=1', headers: { 'x-request-id': 'with-key' } });
    const incoming = logLines.find((l) => l.reqId === 'with-key' && l.msg === 'incoming request');
    expect((incoming!.req as { url: string }).url).toBe('/v1/health?api_key=***&x=1');
    expect(JSON.stringify(logLines)).not.toContain('secret-token-1');
  });
});
