/**
 * The dashboard's routes (docs/spec/dashboard.md#api): the overview's panels, the records behind a figure, the grid
 * map, analytics, exports, the explorer's block list and search, and a live stream that says when the read model
 * moved. All of class `dashboard.view`; the records they name are fetched with their proofs from the public
 * `/v1/txs/{hash}/proof` and verified in the browser.
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  DASHBOARD_DAY_MS, DASHBOARD_EXPORT_ROWS_MAX, DASHBOARD_RANGE_DAYS_MAX, DASHBOARD_RECORDS_MAX, MachiError, analytics,
  addressKey, notaryKey,
  type AddressRecord, type AnalyticsView, type DashboardFilter, type GridRecord, type MapView, type OverviewView, type RecordsView, type SearchView,
} from '@machi/core';
import { errorSchema } from '../../api/routes/schemas.js';
import { blockEventStream } from '../../api/block-stream.js';
import type { MachiNode } from '../../node/node.js';
import type { DashboardProjection } from './projection.js';
import { toCsv, toXlsx, type Table } from './export.js';
import {
  analyticsSchema, blocksQuery, blocksSchema, exportQuery, filterQuery, mapSchema, overviewSchema, recordsQuery, recordsSchema, searchQuery, searchSchema,
} from './schemas.js';

export const DASHBOARD_DEFAULT_RANGE_DAYS = 30;
export const DASHBOARD_STREAMS_MAX = 64;
export const DASHBOARD_STREAM_HEARTBEAT_MS = 20_000;
/** Grids the map reads. */
const GRIDS_MAX = 500;

type FilterQ = { from?: number; to?: number; grid?: string; department?: string };
type RecordsQ = FilterQ & { panel: string; dim?: string; value?: string; limit?: number };

export interface DashboardRouteOptions {
  node: MachiNode;
  projection: DashboardProjection;
  isRevoked: (jti: string) => boolean;
  now?: () => number;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, { node, projection, isRevoked, now = Date.now }) => {
  const model = projection.model;
  const filter = (q: FilterQ): DashboardFilter => {
    const to = q.to ?? now();
    const from = q.from ?? to - DASHBOARD_DEFAULT_RANGE_DAYS * DASHBOARD_DAY_MS;
    if (from > to || to - from > DASHBOARD_RANGE_DAYS_MAX * DASHBOARD_DAY_MS) throw new MachiError('DASHBOARD_RANGE_INVALID', `from ${from} to ${to}: at most ${DASHBOARD_RANGE_DAYS_MAX} days, from before to`);
    return { from, to, ...(q.grid === undefined ? {} : { grid: q.grid }), ...(q.department === undefined ? {} : { department: q.department }) };
  };
  const access = 'dashboard.view' as const;
  const fail = { '4xx': errorSchema };

  app.get<{ Querystring: FilterQ }>('/v1/dashboard/overview', {
    config: { access },
    schema: { description: 'every panel of the community overview for a time range, grid and department', querystring: filterQuery, response: { 200: overviewSchema, ...fail } },
  }, async (req): Promise<OverviewView> => model.overview(filter(req.query), now()));

  app.get<{ Querystring: RecordsQ }>('/v1/dashboard/records', {
    config: { access },
    schema: { description: 'the records behind one figure (newest first), each with the transaction whose proof shows it', querystring: recordsQuery, response: { 200: recordsSchema, ...fail } },
  }, async (req): Promise<RecordsView> => model.records(req.query.panel, req.query.dim, req.query.value, filter(req.query), req.query.limit ?? DASHBOARD_RECORDS_MAX, now()));

  app.get('/v1/dashboard/analytics', {
    config: { access },
    schema: { description: 'explainable alerts: events per grid × category, data accesses per accessor, payments — each with its baseline and records', response: { 200: analyticsSchema, ...fail } },
  }, async (): Promise<AnalyticsView> => analytics(model, now()));

  app.get('/v1/dashboard/map', {
    config: { access },
    schema: { description: "the grids and their buildings (events module's grids, addresses' names) with open events, alarms and repairs, and property fee arrears", response: { 200: mapSchema, ...fail } },
  }, async (): Promise<MapView> => gridMap(node, projection, now()));

  app.get<{ Querystring: RecordsQ & { format: 'csv' | 'xlsx' } }>('/v1/dashboard/export', {
    config: { access },
    schema: {
      description: 'a panel (its counts), analytics or the records behind a figure as CSV or Excel (.xlsx)', querystring: exportQuery,
      response: { 200: { description: 'text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', type: 'string' }, ...fail },
    },
  }, async (req, reply) => {
    const q = req.query;
    const table = exportTable(projection, q, filter(q), now());
    const name = `machi-${q.panel}-${new Date(now()).toISOString().slice(0, 10)}`;
    if (q.format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(table));
    }
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${name}.xlsx"`).send(toXlsx(table, q.panel));
  });

  app.get<{ Querystring: { before?: number; limit?: number } }>('/v1/dashboard/blocks', {
    config: { access },
    schema: { description: 'the latest blocks: time, transactions, proposer, the organisations that signed the commit, time since the block before', querystring: blocksQuery, response: { 200: blocksSchema, ...fail } },
  }, async (req) => {
    const head = node.head.height;
    const top = Math.min(head, (req.query.before ?? head + 1) - 1);
    const blocks = [];
    for (let h = top; h >= 1 && blocks.length < (req.query.limit ?? 20); h--) {
      // a node joined from a snapshot holds no blocks below the lowest it has fetched (membership.md#history)
      const b = node.store.getBlock(h);
      if (b === undefined) break;
      const prev = h > 1 ? node.store.getBlock(h - 1) : undefined;
      blocks.push({
        height: h, hash: b.hash, time: b.header.time, txs: b.header.txCount, round: b.commit.round,
        proposer: node.orgs.get(b.header.proposer)?.id ?? 'unknown',
        signedBy: b.commit.signatures.map((s) => node.orgs.get(s.validator)?.id ?? 'unknown'),
        intervalMs: prev === undefined ? null : b.header.time - prev.header.time,
      });
    }
    return { height: head, blocks };
  });

  app.get<{ Querystring: { q: string } }>('/v1/dashboard/search', {
    config: { access },
    schema: { description: 'explorer search: a transaction hash, a block height, a document hash (notary anchors); GS1 Digital Link is not supported yet', querystring: searchQuery, response: { 200: searchSchema, ...fail } },
  }, async (req): Promise<SearchView> => search(node, req.query.q.trim()));

  blockEventStream(app, {
    node, url: '/v1/dashboard/stream', access, event: 'height',
    description: 'text/event-stream: `event: height` frames, data = {height, time, txs}, once the read model has applied each block',
    eventsOf: (b) => [{ height: b.header.height, time: b.header.time, txs: b.header.txCount }],
    streamsMax: DASHBOARD_STREAMS_MAX, heartbeatMs: DASHBOARD_STREAM_HEARTBEAT_MS, isRevoked,
  });
};

export function search(node: MachiNode, q: string): SearchView {
  if (/^[0-9]{1,12}$/.test(q)) {
    const height = Number(q);
    if (node.store.getBlock(height) === undefined) {
      if (height >= 1 && height <= node.head.height && !node.history.complete) throw node.history.incomplete(`block ${height}`);
      throw new MachiError('DASHBOARD_NOT_FOUND', `no block at height ${height}`);
    }
    return { kind: 'block', txs: node.store.blockTxs(height).map((t) => t.hash), height, note: null };
  }
  if (/^https?:\/\/[^/]+\/(.+\/)?01\/[0-9]{8,14}(\/|$)/.test(q)) {
    return { kind: 'unsupported', txs: [], height: null, note: 'GS1 Digital Link search is not supported yet (preserved records and traceability come with issue 16)' };
  }
  const h = q.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(h)) {
    const tx = node.store.getTx(h);
    if (tx !== undefined) return { kind: 'tx', txs: [tx.hash], height: tx.height, note: null };
    const anchors = node.store.read(notaryKey(h));
    if (anchors !== undefined) return { kind: 'document', txs: (JSON.parse(anchors) as { txHash: string }[]).map((a) => a.txHash), height: null, note: null };
    // it may be in the older history a node joined from a snapshot is still fetching
    if (!node.history.complete) throw node.history.incomplete(`no transaction or anchored document ${h} here`);
  }
  throw new MachiError('DASHBOARD_NOT_FOUND', 'no transaction, block or anchored document matches');
}

export function gridMap(node: MachiNode, projection: DashboardProjection, now: number): MapView {
  const open = projection.model.openByBuilding;
  const arrears = projection.model.arrearsByBuilding(now);
  const grids = node.store.scan('events/grid/', GRIDS_MAX).map(([, v]) => JSON.parse(v) as GridRecord);
  return {
    grids: grids.map((g) => ({
      grid: g.grid,
      buildings: g.buildings.map((b) => {
        const a = node.store.read(addressKey(b.building));
        const c = open.get(b.building);
        return {
          building: b.building, name: a === undefined ? b.building : (JSON.parse(a) as AddressRecord).name, households: b.households,
          openEvents: c?.events ?? 0, openAlarms: c?.alarms ?? 0, openRepairs: c?.repairs ?? 0,
          arrearsFen: arrears.get(b.building)?.arrearsFen ?? 0, unitsInArrears: arrears.get(b.building)?.units ?? 0,
        };
      }),
    })),
  };
}

function exportTable(projection: DashboardProjection, q: RecordsQ, f: DashboardFilter, now: number): Table {
  const model = projection.model;
  if (q.panel === 'overview') {
    const o = model.overview(f, now).panels;
    const rows: (string | number)[][] = [];
    for (const [panel, v] of Object.entries(o)) {
      for (const [series, items] of Object.entries(v as Record<string, unknown>)) {
        if (Array.isArray(items)) for (const it of items as Record<string, unknown>[]) {
          const key = String(it.key ?? it.org ?? it.programme ?? it.period ?? it.building);
          for (const [k, n] of Object.entries(it)) if (typeof n === 'number') rows.push([panel, series, key, k, n]);
        } else if (typeof items === 'number') rows.push([panel, series, '', 'n', items]);
      }
    }
    return { columns: ['panel', 'series', 'key', 'measure', 'value'], rows };
  }
  if (q.panel === 'analytics') {
    const a = analytics(model, now);
    return {
      columns: ['kind', 'subject', 'from', 'to', 'observed', 'baseline_mean', 'baseline_sd', 'threshold', 'records'],
      rows: a.alerts.map((x) => [x.kind, x.subject, new Date(x.from).toISOString(), new Date(x.to).toISOString(), x.observed, x.baseline.mean, x.baseline.sd, x.threshold, x.records.map((r) => r.tx).join(' ')]),
    };
  }
  const recs = model.records(q.panel, q.dim, q.value, f, DASHBOARD_EXPORT_ROWS_MAX, now).records;
  const keys = [...new Set(recs.flatMap((r) => Object.keys(r.fields)))];
  return {
    columns: ['kind', 'id', 'at', ...keys, 'tx', 'last_tx'],
    rows: recs.map((r) => [r.kind, r.id, new Date(r.at).toISOString(), ...keys.map((k) => r.fields[k] ?? ''), r.tx, r.lastTx]),
  };
}
