/**
 * dashboard — the command centre's read models: projections of committed blocks (events, repairs, alarms, fund
 * payments, data uses, property bills) into pre-aggregated counters, the overview's panels, click-through to the records behind a
 * figure, and explainable analytics. No transaction types and no state of its own: every node builds the same read
 * model from its own copy of the ledger. docs/spec/dashboard.md
 */
import { defineCoreModule } from '../../foundation/module.js';
import { DASHBOARD_ERRORS } from './errors.js';

export * from './api.js';
export * from './errors.js';
export * from './types.js';
export * from './cube.js';
export * from './facts.js';
export * from './model.js';
export * from './analytics.js';

export const dashboardModule = defineCoreModule({
  name: 'dashboard',
  dependsOn: ['privacy', 'repairs', 'funds', 'devices', 'events', 'property'],
  typePrefixes: [],
  statePrefixes: [],
  txTypes: () => [],
  errors: DASHBOARD_ERRORS,
  spec: 'docs/spec/dashboard.md',
});
