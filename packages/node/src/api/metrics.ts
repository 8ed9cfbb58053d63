/**
 * Prometheus metrics at `GET /metrics` (prom-client, text exposition format), one registry per server: the ledger
 * (height, block interval, committed transactions and their rate), consensus (round, peers, sync lag, voting state), the mempool,
 * API latency per route, open Server-Sent Events streams, open device alarms and webhook deliveries. Access class
 * `metrics` (public, like /v1/health and /v1/consensus: counts and timings of a public ledger, nothing about a
 * person). README.md, "Operating a node"
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConsensusDriver } from '../consensus/driver.js';
import type { MachiNode } from '../node/node.js';
import { VOTING_STATES, type VotingView } from '../node/restore-check.js';
import type { StoredBlock } from '../storage/store.js';
import { sseClients } from './block-stream.js';

/** The window over which `machi_txs_per_second` averages committed transactions, ms of ledger time. */
export const TX_RATE_WINDOW_MS = 60_000;
/** Open alarms counted per organisation at most (a scrape stays cheap). */
export const ALARMS_COUNTED_MAX = 100_000;
/** State key prefix of an organisation's open alarms (the devices module's index, core devices/types.ts). */
const openAlarmPrefix = (org: string): string => `devices/open-org/${org}/`;

export interface MetricsOptions {
  node: MachiNode;
  consensus?: ConsensusDriver | undefined;
  peers?: (() => readonly unknown[]) | undefined;
  /** whether the node votes (a restored node's double-sign check, node/restore-check.ts) */
  voting?: (() => VotingView) | undefined;
  /** webhook deliveries in the node's queue and log, by state (the webhooks module's store) */
  webhookStates?: (() => Record<string, number>) | undefined;
  /** also the process's own metrics (CPU, memory, event loop lag, GC): on for a node process, off in tests */
  processMetrics?: boolean | undefined;
}

/** Registers the API latency hook: call before the routes are added. */
export function metricsRegistry(app: FastifyInstance, o: MetricsOptions): Registry {
  const { node } = o;
  const register = new Registry();
  if (o.processMetrics === true) collectDefaultMetrics({ register, prefix: 'machi_' });
  const gauge = (name: string, help: string, collect: () => number): void => {
    new Gauge({ name, help, registers: [register], collect() { this.set(collect()); } });
  };
  gauge('machi_height', 'height of the last committed block', () => node.head.height);
  gauge('machi_log_size', 'transactions in the ledger log', () => node.store.logSize());
  gauge('machi_mempool_txs', 'transactions admitted and not yet committed', () => node.mempoolSize);
  gauge('machi_history_results_height', 'every stored transaction at or below this height has its handler result (the head once all do): a node joined from a snapshot re-derives those up to it by re-executing the chain once its history is complete', () => node.history.view.resultsHeight);
  gauge('machi_history_results_fault', '1 when re-executing the history did not reproduce a block\'s app hash (the stored history or this node\'s software diverges; see /v1/health history.resultsFault)', () => (node.history.results.progress.fault === undefined ? 0 : 1));
  gauge('machi_history_backfill_lowest_height', 'lowest block height stored: 1 once every block since genesis is here (a node joined from a snapshot fetches the older ones in the background)', () => node.history.view.lowestHeight);
  if (o.consensus !== undefined) {
    const c = o.consensus;
    gauge('machi_round', 'consensus round at the current height', () => c.status().round);
    gauge('machi_sync_lag_blocks', 'blocks the highest peer is ahead of this node (0 when current)', () => {
      let top = 0;
      for (const h of c.peerHeights.values()) top = Math.max(top, h);
      return Math.max(0, top - node.head.height);
    });
  }
  if (o.peers !== undefined) {
    const peers = o.peers;
    gauge('machi_peers', 'peers connected over the peer-to-peer link', () => peers().length);
  }
  new Gauge({
    name: 'machi_sse_clients', help: 'open Server-Sent Events streams, by route', labelNames: ['route'], registers: [register],
    collect() {
      this.reset();
      for (const [route, n] of Object.entries(sseClients(node))) this.set({ route }, n);
    },
  });
  new Gauge({
    name: 'machi_alarms_open', help: 'open device alarms, by organisation indexed', labelNames: ['org'], registers: [register],
    collect() {
      this.reset();
      for (const org of node.genesis.orgs) {
        const n = node.store.scan(openAlarmPrefix(org.id), ALARMS_COUNTED_MAX).length;
        if (n > 0) this.set({ org: org.id }, n);
      }
    },
  });
  if (o.voting !== undefined) {
    const voting = o.voting;
    // a state set: one series per state, 1 for the node's, so `machi_voting_state{state="refused"} == 1` alerts
    new Gauge({
      name: 'machi_voting_state', help: 'whether the node may vote, one series per state (checking, refused, allowed), 1 for the current: refused = a restored validator found its key\'s signatures after its backup and votes nothing', labelNames: ['state'], registers: [register],
      collect() {
        const now = voting().voting;
        for (const state of VOTING_STATES) this.set({ state }, state === now ? 1 : 0);
      },
    });
  }
  if (o.webhookStates !== undefined) {
    const states = o.webhookStates;
    new Gauge({
      name: 'machi_webhook_deliveries', help: 'webhook deliveries in the queue and kept log, by state (pending, delivered, failed)', labelNames: ['state'], registers: [register],
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(states())) this.set({ state }, n);
      },
    });
  }

  // from committed blocks
  const txs = new Counter({ name: 'machi_txs_committed_total', help: 'transactions committed since the node started', registers: [register] });
  const blocks = new Counter({ name: 'machi_blocks_committed_total', help: 'blocks committed since the node started', registers: [register] });
  const interval = new Histogram({
    name: 'machi_block_interval_seconds', help: 'ledger time between consecutive blocks', registers: [register],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  });
  const recent: { time: number; txs: number }[] = [];
  let lastTime: number | undefined;
  gauge('machi_txs_per_second', `committed transactions per second over the last ${TX_RATE_WINDOW_MS / 1000} s of ledger time`, () => {
    if (recent.length === 0) return 0;
    const n = recent.reduce((s, r) => s + r.txs, 0);
    return n / (TX_RATE_WINDOW_MS / 1000);
  });
  const onBlock = (b: StoredBlock): void => {
    const t = b.header.time;
    blocks.inc();
    txs.inc(b.header.txCount);
    if (lastTime !== undefined && t >= lastTime) interval.observe((t - lastTime) / 1000);
    lastTime = t;
    recent.push({ time: t, txs: b.header.txCount });
    while (recent.length > 0 && recent[0]!.time <= t - TX_RATE_WINDOW_MS) recent.shift();
  };
  node.on('block', onBlock);
  app.addHook('onClose', async () => {
    node.off('block', onBlock);
  });

  // API latency, by route pattern (never the raw URL: ids in paths would make a series per request)
  const latency = new Histogram({
    name: 'machi_http_request_duration_seconds', help: 'API request duration, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [register],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  });
  // a callback hook, not an async one: no promise per request
  app.addHook('onResponse', (req, reply, done) => {
    latency.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  return register;
}

export const metricsRoutes: FastifyPluginAsync<{ register: Registry }> = async (app, { register }) => {
  app.get('/metrics', {
    config: { access: 'metrics' },
    schema: { summary: 'Prometheus metrics of this node', response: { 200: { type: 'string', description: 'Prometheus text exposition format' } } },
  }, async (_req, reply) => {
    const text = await register.metrics();
    return reply.type(register.contentType).send(text);
  });
};
