/** Request and response schemas of the dashboard's routes (the views are the core's modules/dashboard/api.ts). */
import { DASHBOARD_PANELS, DASHBOARD_RECORDS_MAX } from '@machi/core';

const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const str = { type: 'string' } as const;
const obj = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties }) as const;
const list = (items: unknown) => ({ type: 'array', items }) as const;
const counts = list(obj({ key: str, n: int }));

export const filterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'integer', minimum: 0, description: 'start of the time range (block time, ms); default 30 days before `to`' },
    to: { type: 'integer', minimum: 0, description: 'end of the time range (ms); default now' },
    grid: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 32 },
    department: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 64, description: "a department's organisation" },
  },
} as const;

export const recordsQuery = {
  ...filterQuery,
  required: ['panel'],
  properties: {
    ...filterQuery.properties,
    panel: { type: 'string', enum: [...DASHBOARD_PANELS] },
    dim: { type: 'string', maxLength: 32, description: 'the dimension the figure counts by (category, grid, status, org, …)' },
    value: { type: 'string', maxLength: 128 },
    limit: { type: 'integer', minimum: 1, maximum: DASHBOARD_RECORDS_MAX },
  },
} as const;

export const exportQuery = {
  ...recordsQuery,
  required: ['panel', 'format'],
  properties: {
    ...recordsQuery.properties,
    panel: { type: 'string', enum: ['overview', 'analytics', ...DASHBOARD_PANELS] },
    format: { type: 'string', enum: ['csv', 'xlsx'] },
  },
} as const;

const recordRef = obj({
  kind: str, id: str, at: int, tx: str, lastTx: str,
  fields: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
});

export const overviewSchema = obj({
  from: int, to: int, height: int,
  panels: obj({
    events: obj({ total: int, open: int, byCategory: counts, byGrid: counts, byStatus: counts }),
    sla: obj({ byDepartment: list(obj({ org: str, met: int, missed: int, rate: { type: ['number', 'null'] } })) }),
    repairs: obj({ today: int, month: int, open: int, byCategory: counts, byStatus: counts }),
    alarms: obj({ today: int, month: int, open: int, byClass: counts, byStatus: counts }),
    funds: obj({ programmes: list(obj({ programme: str, budgetFen: int, instructedFen: int, paidFen: int, failedFen: int, payments: int })) }),
    privacy: obj({ total: int, denied: int, byPurpose: counts, alertsByRule: counts }),
    property: obj({
      billedFen: int, paidFen: int, arrearsFen: int, rate: { type: ['number', 'null'] }, unitsInArrears: int, dunning: counts,
      byMonth: list(obj({ period: str, billedFen: int, paidFen: int, arrearsFen: int, bills: int, unitsInArrears: int, rate: { type: ['number', 'null'] } })),
      byBuilding: list(obj({ building: str, billedFen: int, paidFen: int, arrearsFen: int, bills: int, unitsInArrears: int, rate: { type: ['number', 'null'] } })),
    }),
  }),
});

export const recordsSchema = obj({ panel: str, dim: { type: ['string', 'null'] }, value: { type: ['string', 'null'] }, total: int, records: list(recordRef) });

export const analyticsSchema = obj({
  now: int, windowDays: int, baselineWindows: int,
  alerts: list(obj({
    kind: { type: 'string', enum: ['events', 'access', 'payment'] }, subject: str, from: int, to: int, observed: num,
    baseline: obj({ mean: num, sd: num, windows: list(num) }), threshold: num, explain: str, records: list(recordRef),
  })),
});

export const mapSchema = obj({
  grids: list(obj({
    grid: str,
    buildings: list(obj({ building: str, name: str, households: int, openEvents: int, openAlarms: int, openRepairs: int, arrearsFen: int, unitsInArrears: int })),
  })),
});

export const blocksQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { before: { type: 'integer', minimum: 1, description: 'list blocks below this height (default: from the head)' }, limit: { type: 'integer', minimum: 1, maximum: 100 } },
} as const;

export const blocksSchema = obj({
  height: int,
  blocks: list(obj({ height: int, hash: str, time: int, proposer: str, txs: int, round: int, signedBy: list(str), intervalMs: { type: ['integer', 'null'] } })),
});

export const searchQuery = {
  type: 'object', additionalProperties: false, required: ['q'],
  properties: { q: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

export const searchSchema = obj({
  kind: { type: 'string', enum: ['tx', 'block', 'document', 'unsupported'] },
  txs: list(str), height: { type: ['integer', 'null'] }, note: { type: ['string', 'null'] },
});
