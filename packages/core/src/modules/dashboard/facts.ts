/**
 * What one record of another module contributes to the dashboard: its state record (after the block) → a fact.
 * Pure functions of the record; the node reads the records a block touched and hands them here.
 * docs/spec/dashboard.md#facts
 */
import type { AlarmRecord } from '../devices/types.js';
import type { EventRecord } from '../events/types.js';
import type { BudgetRecord, PaymentRecord } from '../funds/types.js';
import type { AccessRecord } from '../privacy/types.js';
import type { RequestRecord } from '../repairs/types.js';
import type { BillRecord } from '../property/types.js';
import { OPEN_STATUSES as REPAIR_OPEN_STATUSES } from '../repairs/catalogue.js';
import { DASHBOARD_TZ_OFFSET_MS } from './types.js';
import type { AccessFact, AlarmFact, BillFact, BudgetFact, EventFact, PaymentFact, RepairFact } from './types.js';

const OPEN_EVENT = new Set(['reported', 'filed', 'dispatched', 'handled']);
const OPEN_REPAIR = new Set<string>(REPAIR_OPEN_STATUSES);

const firstTx = (steps: readonly { txHash: string }[]): string => steps[0]?.txHash ?? '';
const lastTx = (steps: readonly { txHash: string }[]): string => steps[steps.length - 1]?.txHash ?? '';

export function eventFact(r: EventRecord): EventFact {
  return {
    kind: 'event', id: r.event, at: r.reportedAt, category: r.category, grid: r.grid, building: r.location.code,
    status: r.status, open: OPEN_EVENT.has(r.status), department: r.assignments[0]?.org ?? '',
    sla: r.assignments.filter((a) => a.handledAt !== null).map((a) => ({ org: a.org, at: a.handledAt!, met: a.handledAt! <= a.dueAt })),
    tx: firstTx(r.steps), lastTx: lastTx(r.steps),
  };
}

export function repairFact(r: RequestRecord): RepairFact {
  return {
    kind: 'repair', id: r.request, at: r.createdAt, category: r.category, building: r.location.building, org: r.org,
    status: r.status, open: OPEN_REPAIR.has(r.status), tx: firstTx(r.steps), lastTx: lastTx(r.steps),
  };
}

export function alarmFact(r: AlarmRecord): AlarmFact {
  return {
    kind: 'alarm', id: r.alarm, at: r.raisedAt, class: r.class, building: r.location.code, org: r.org, status: r.status,
    open: r.status !== 'resolved', tx: firstTx(r.steps), lastTx: lastTx(r.steps),
  };
}

export function paymentFact(r: PaymentRecord): PaymentFact {
  return {
    kind: 'payment', id: r.payment, at: r.instructedAt, programme: r.programme, amountFen: r.amountFen, status: r.status,
    tx: firstTx(r.steps), lastTx: lastTx(r.steps),
  };
}

/** A funds period's first moment (community local time), ms (`2026-03`, `2026-q2`, `2026`), or null for `once`. */
export function budgetPeriodStart(period: string): number | null {
  const m = /^(\d{4})(?:-(?:(\d{2})|q([1-4])))?$/.exec(period);
  if (m === null) return null;
  const month = m[2] !== undefined ? Number(m[2]) - 1 : m[3] !== undefined ? (Number(m[3]) - 1) * 3 : 0;
  return Date.UTC(Number(m[1]), month, 1) - DASHBOARD_TZ_OFFSET_MS;
}

export function budgetFact(r: BudgetRecord): BudgetFact {
  return { kind: 'budget', id: `${r.programme}/${r.period}`, at: budgetPeriodStart(r.period), programme: r.programme, period: r.period, budgetFen: r.budgetFen };
}

/** An access record and the anomaly rules it raised (the privacy module's alerts of that access). */
export function accessFact(r: AccessRecord, alerts: readonly string[]): AccessFact {
  return {
    kind: 'access', id: r.access, at: r.at, org: r.org, accessor: `${r.org}/${r.actor}`, purpose: r.purpose, decision: r.decision,
    alerts: [...alerts].sort(), tx: r.txHash,
  };
}

/** A property bill; `grid` is its building's grid (the events module's grid records), '' if none lists it. */
export function billFact(r: BillRecord, grid: string): BillFact {
  const steps = [{ at: r.issuedAt, txHash: r.txHash }, ...r.payments, ...r.dunning].sort((a, b) => a.at - b.at);
  return {
    kind: 'bill', id: `${r.unit}/${r.period}`, at: budgetPeriodStart(r.period) ?? r.issuedAt, unit: r.unit, period: r.period, building: r.building, grid,
    dueFen: r.dueFen, paidFen: r.paidFen, status: r.status, open: r.status === 'open', dueAt: r.dueAt,
    dunning: r.dunning.map((d) => ({ step: d.step, at: d.at })), tx: r.txHash, lastTx: steps[steps.length - 1]!.txHash,
  };
}
