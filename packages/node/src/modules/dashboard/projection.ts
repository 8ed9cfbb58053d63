/**
 * The dashboard's projection on a node: every committed block is read once, the records its transactions touched are
 * read from the state after it and turned into facts (the core's facts.ts), and the core's read model folds them in.
 * At start-up it catches up from the stored blocks. The model lives in memory: rebuilding it is one pass over the
 * chain (docs/spec/dashboard.md#read-models). A record is found from the ids a transaction names (`ev_…`, `rq_…`,
 * `al_…`, `fp_…`, `fa_…` → its payments, `acc_…` with its subject), so the projection needs no per-type table; a
 * property bill, whose id is not of that form, is found from its unit and period (`property.bill`: every unit of the
 * building's register; `property.pay` and `property.dun`: the one bill).
 */
import {
  DashboardModel, accessFact, accessKey, alarmFact, alarmKey, alertPrefix, applicationPaymentsPrefix, billFact, billKey, budgetFact,
  buildingKey, eventFact, eventKey, paymentFact, paymentKey, repairFact, requestKey,
  type AccessRecord, type AlarmRecord, type BillRecord, type BudgetRecord, type BuildingRecord, type EventRecord, type Fact, type GridRecord,
  type PaymentRecord, type RequestRecord, type SignedTx,
} from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import type { StoredBlock } from '../../storage/store.js';

/** How deep a payload is searched for ids. */
const PAYLOAD_DEPTH_MAX = 3;
/** Payments of one application read when a transaction names the application. */
const APPLICATION_PAYMENTS_MAX = 500;
/** Budgets read after a block with a funds transaction. */
const BUDGETS_MAX = 10_000;
/** Grids read to find a bill's building's grid. */
const GRIDS_MAX = 500;
/** State entries read at a time when the model is built from the state (a joined node's start). */
const STATE_PAGE_ENTRIES = 2_000;

type Touched = { events: Set<string>; repairs: Set<string>; alarms: Set<string>; payments: Set<string>; applications: Set<string>; accesses: Map<string, string>; funds: boolean;
  /** property bills as `unit/period`, and buildings billed for a period (`building/period`) */
  bills: Set<string>; billed: Set<string> };

export class DashboardProjection {
  readonly model = new DashboardModel();
  /** time spent applying blocks, ms, and transactions applied (the bench's apply rate) */
  applyMs = 0;
  applied = 0;
  readonly #node: MachiNode;
  readonly #onBlock = (b: StoredBlock): void => this.applyBlocks(b.header.height, b.header.height);
  readonly #listeners = new Set<(height: number) => void>();

  constructor(node: MachiNode) {
    this.#node = node;
  }

  /**
   * Catches up from the stored blocks, then follows every committed block. A node joined from a snapshot that has not
   * fetched the blocks below it yet (membership.md#history) folds in every record of the state instead: the records
   * the missing blocks made are there, and a fact is a function of its record alone.
   */
  start(): void {
    if (this.model.height === 0 && !this.#node.history.complete) this.applyState();
    this.applyBlocks(this.model.height + 1, this.#node.head.height);
    this.#node.on('block', this.#onBlock);
  }

  stop(): void {
    this.#node.off('block', this.#onBlock);
  }

  /** called after each block is applied (the live stream) */
  onApplied(fn: (height: number) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Applies blocks [from, to]; the records they touched are read once, after the last. */
  applyBlocks(from: number, to: number): void {
    if (to < from || to <= this.model.height) return;
    const started = performance.now();
    const t: Touched = { events: new Set(), repairs: new Set(), alarms: new Set(), payments: new Set(), applications: new Set(), accesses: new Map(), funds: false, bills: new Set(), billed: new Set() };
    let txs = 0;
    for (let h = Math.max(from, this.model.height + 1); h <= to; h++) {
      for (const { stored, tx } of this.#node.committedTxs(h)) {
        txs++;
        if (stored.code === null) touch(t, tx);
      }
    }
    for (const f of this.facts(t)) this.model.apply(f);
    this.model.height = to;
    this.applied += txs;
    this.applyMs += performance.now() - started;
    for (const fn of this.#listeners) fn(to);
  }

  /**
   * Folds in every record of the state as of the head (the facts the blocks up to it would have given), read in pages
   * from a view of the state where the store has one; the model is then at the head.
   */
  applyState(): void {
    const started = performance.now();
    const store = this.#node.store;
    const height = this.#node.head.height;
    const view = store.stateSnapshot?.();
    /** every entry under `prefix`, in key order, STATE_PAGE_ENTRIES at a time */
    const each = (prefix: string, fn: (key: string, value: string) => void): void => {
      if (view === undefined) {
        for (const [k, v] of store.scan(prefix, Number.MAX_SAFE_INTEGER)) fn(k, v);
        return;
      }
      let after = prefix;
      for (;;) {
        const page = view.page(after, STATE_PAGE_ENTRIES);
        for (const [k, v] of page) {
          if (!k.startsWith(prefix)) return;
          fn(k, v);
        }
        if (page.length < STATE_PAGE_ENTRIES) return;
        after = page[page.length - 1]![0];
      }
    };
    const apply = (f: Fact): void => this.model.apply(f);
    try {
      each(eventKey(''), (_k, v) => apply(eventFact(JSON.parse(v) as EventRecord)));
      each(requestKey(''), (_k, v) => apply(repairFact(JSON.parse(v) as RequestRecord)));
      each(alarmKey(''), (_k, v) => apply(alarmFact(JSON.parse(v) as AlarmRecord)));
      each(paymentKey(''), (_k, v) => apply(paymentFact(JSON.parse(v) as PaymentRecord)));
      each('privacy/access/', (_k, v) => {
        const r = JSON.parse(v) as AccessRecord;
        const rules = store.scan(`${alertPrefix(r.subject)}${r.access}/`, 16).map(([key]) => key.slice(key.lastIndexOf('/') + 1));
        apply(accessFact(r, rules));
      });
      each('funds/budget/', (_k, v) => apply(budgetFact(JSON.parse(v) as BudgetRecord)));
      const gridOf = new Map<string, string>();
      for (const [, v] of store.scan('events/grid/', GRIDS_MAX)) {
        const g = JSON.parse(v) as GridRecord;
        for (const b of g.buildings) gridOf.set(b.building, g.grid);
      }
      each('property/bill/', (_k, v) => {
        const r = JSON.parse(v) as BillRecord;
        apply(billFact(r, gridOf.get(r.building) ?? ''));
      });
    } finally {
      view?.close();
    }
    this.model.height = height;
    this.applyMs += performance.now() - started;
    for (const fn of this.#listeners) fn(height);
  }

  facts(t: Touched): Fact[] {
    const store = this.#node.store;
    const read = <T>(key: string): T | undefined => {
      const raw = store.read(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    };
    const out: Fact[] = [];
    for (const id of t.events) {
      const r = read<EventRecord>(eventKey(id));
      if (r !== undefined) out.push(eventFact(r));
    }
    for (const id of t.repairs) {
      const r = read<RequestRecord>(requestKey(id));
      if (r !== undefined) out.push(repairFact(r));
    }
    for (const id of t.alarms) {
      const r = read<AlarmRecord>(alarmKey(id));
      if (r !== undefined) out.push(alarmFact(r));
    }
    for (const app of t.applications) {
      for (const [key] of store.scan(applicationPaymentsPrefix(app), APPLICATION_PAYMENTS_MAX)) t.payments.add(key.slice(key.lastIndexOf('/') + 1));
    }
    for (const id of t.payments) {
      const r = read<PaymentRecord>(paymentKey(id));
      if (r !== undefined) out.push(paymentFact(r));
    }
    for (const [access, subject] of t.accesses) {
      const r = read<AccessRecord>(accessKey(subject, access));
      if (r === undefined) continue;
      const rules = store.scan(`${alertPrefix(subject)}${access}/`, 16).map(([k]) => k.slice(k.lastIndexOf('/') + 1));
      out.push(accessFact(r, rules));
    }
    if (t.funds) for (const [, v] of store.scan('funds/budget/', BUDGETS_MAX)) out.push(budgetFact(JSON.parse(v) as BudgetRecord));
    if (t.bills.size + t.billed.size > 0) {
      const gridOf = new Map<string, string>();
      for (const [, v] of store.scan('events/grid/', GRIDS_MAX)) {
        const g = JSON.parse(v) as GridRecord;
        for (const b of g.buildings) gridOf.set(b.building, g.grid);
      }
      for (const bp of t.billed) {
        const [building, period] = bp.split('/') as [string, string];
        for (const unit of read<BuildingRecord>(buildingKey(building))?.units ?? []) t.bills.add(`${unit}/${period}`);
      }
      for (const up of t.bills) {
        const [unit, period] = up.split('/') as [string, string];
        const r = read<BillRecord>(billKey(unit, period));
        if (r !== undefined) out.push(billFact(r, gridOf.get(r.building) ?? ''));
      }
    }
    return out;
  }
}

const ID = /^(ev|rq|al|fp|fa|acc)_[0-9a-f]{32}$/;

function touch(t: Touched, body: Readonly<SignedTx>): void {
  if (body.type.startsWith('fund.')) t.funds = true;
  if (body.type === 'privacy.access') {
    const p = body.payload as { access: string; subject: string };
    t.accesses.set(p.access, p.subject);
    return;
  }
  if (body.type === 'property.bill') {
    const p = body.payload as { building: string; period: string };
    t.billed.add(`${p.building}/${p.period}`);
    return;
  }
  if (body.type === 'property.pay' || body.type === 'property.dun') {
    const p = body.payload as { unit: string; period: string };
    t.bills.add(`${p.unit}/${p.period}`);
    return;
  }
  collect(t, body.payload, 0);
}

function collect(t: Touched, v: unknown, depth: number): void {
  if (typeof v === 'string') {
    const m = ID.exec(v);
    if (m === null) return;
    ({ ev: t.events, rq: t.repairs, al: t.alarms, fp: t.payments, fa: t.applications } as Record<string, Set<string>>)[m[1]!]?.add(v);
    return;
  }
  if (depth >= PAYLOAD_DEPTH_MAX || typeof v !== 'object' || v === null) return;
  for (const x of Array.isArray(v) ? v : Object.values(v)) collect(t, x, depth + 1);
}
