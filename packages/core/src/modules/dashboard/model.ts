/**
 * The dashboard's read model: facts (facts.ts) folded into pre-aggregated counters (cube.ts), an index of entities by
 * day for click-through, and open counts per building for the map. `apply(fact)` replaces the entity's previous fact
 * (its counters are taken away, the new ones added), so feeding the same record twice changes nothing. Pure and
 * deterministic: time comes in as arguments. docs/spec/dashboard.md#read-models
 */
import { Cube, dayOf, monthOf, monthStart, type CubeFilter } from './cube.js';
import type { AccessFact, AlarmFact, BillFact, BudgetFact, EventFact, Fact, FactKind, PaymentFact, RepairFact } from './types.js';
import { DASHBOARD_RECORDS_MAX } from './types.js';
import { OPEN_STATUSES as REPAIR_OPEN } from '../repairs/catalogue.js';
import { EVENT_OPEN_STATUSES } from '../events/catalogue.js';
import type { Count, DashboardFilter, OverviewView, PropertyPanel, RecordRef, RecordsView } from './api.js';

type Entities<F> = { byId: Map<string, F>; byDay: Map<number, Map<string, F>> };
const entities = <F>(): Entities<F> => ({ byId: new Map(), byDay: new Map() });

const EVENT_DIMS = ['category', 'grid', 'status', 'department'] as const;
const counts = (m: Map<string, { n: number; sum: number }>): Count[] =>
  [...m].map(([key, c]) => ({ key, n: c.n })).filter((c) => c.n !== 0).sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
const total = (m: Map<string, { n: number; sum: number }>): number => [...m.values()].reduce((s, c) => s + c.n, 0);

export type OpenCounts = { events: number; alarms: number; repairs: number };

export class DashboardModel {
  /** the last block applied */
  height = 0;
  readonly events = new Cube(EVENT_DIMS, [{ by: [0], filter: [1, 3] }, { by: [1], filter: [1, 3] }, { by: [2], filter: [1, 3] }, { by: [1, 0], filter: [] }]);
  /** department parts with a result, at their handling time: met or missed */
  readonly sla = new Cube(['org', 'grid', 'outcome'], [{ by: [0, 2], filter: [0, 1] }]);
  readonly repairs = new Cube(['category', 'status', 'org'], [{ by: [], filter: [2] }, { by: [0], filter: [2] }, { by: [1], filter: [2] }]);
  readonly alarms = new Cube(['class', 'status', 'org'], [{ by: [], filter: [2] }, { by: [0], filter: [2] }, { by: [1], filter: [2] }]);
  readonly payments = new Cube(['programme', 'status'], [{ by: [0, 1], filter: [] }]);
  readonly accesses = new Cube(['purpose', 'decision', 'org', 'accessor'], [{ by: [0, 1], filter: [] }, { by: [3], filter: [] }]);
  readonly accessAlerts = new Cube(['rule', 'org'], [{ by: [0], filter: [] }]);
  readonly budgets = new Map<string, BudgetFact>();
  /** property bills at their period's first day: count and billed fen; paid fen */
  readonly billed = new Cube(['period', 'building', 'grid'], [{ by: [0], filter: [2] }, { by: [1], filter: [2] }]);
  readonly paid = new Cube(['period', 'building', 'grid'], [{ by: [0], filter: [2] }, { by: [1], filter: [2] }]);
  /** dunning steps at their time */
  readonly dunning = new Cube(['step', 'grid'], [{ by: [0], filter: [1] }]);
  /** open (not fully paid) bills, now: arrears are those past due at the query's time */
  readonly openBills = new Map<string, BillFact>();
  readonly #kinds = {
    event: entities<EventFact>(), repair: entities<RepairFact>(), alarm: entities<AlarmFact>(),
    payment: entities<PaymentFact>(), access: entities<AccessFact>(), bill: entities<BillFact>(),
  };
  /** open events, alarms and repairs per building (events also per grid), now */
  readonly openByBuilding = new Map<string, OpenCounts>();
  readonly openByGrid = new Map<string, number>();
  /** events by grid, then by day: a grid's click-through walks only its own */
  readonly #eventsByGrid = new Map<string, Map<number, Map<string, EventFact>>>();

  /** Replaces the entity's fact by this one. */
  apply(f: Fact): void {
    if (f.kind === 'budget') {
      this.budgets.set(f.id, f);
      return;
    }
    const e = this.#kinds[f.kind] as Entities<Fact>;
    const old = e.byId.get(f.id);
    if (old !== undefined) {
      this.#count(old as Exclude<Fact, BudgetFact>, -1);
      e.byDay.get(dayOf(old.at as number))?.delete(f.id);
      if (old.kind === 'event') this.#eventsByGrid.get(old.grid)?.get(dayOf(old.at))?.delete(f.id);
    }
    this.#count(f as Exclude<Fact, BudgetFact>, 1);
    e.byId.set(f.id, f);
    const day = dayOf(f.at);
    let facts = e.byDay.get(day);
    if (facts === undefined) e.byDay.set(day, (facts = new Map()));
    facts.set(f.id, f);
    if (f.kind === 'event') {
      let byDay = this.#eventsByGrid.get(f.grid);
      if (byDay === undefined) this.#eventsByGrid.set(f.grid, (byDay = new Map()));
      let inGrid = byDay.get(day);
      if (inGrid === undefined) byDay.set(day, (inGrid = new Map()));
      inGrid.set(f.id, f);
    }
  }

  get(kind: Exclude<FactKind, 'budget'>, id: string): Fact | undefined {
    return this.#kinds[kind].byId.get(id);
  }

  size(kind: Exclude<FactKind, 'budget'>): number {
    return this.#kinds[kind].byId.size;
  }

  #open(building: string, k: keyof OpenCounts, n: number): void {
    let c = this.openByBuilding.get(building);
    if (c === undefined) this.openByBuilding.set(building, (c = { events: 0, alarms: 0, repairs: 0 }));
    c[k] += n;
  }

  #count(f: Exclude<Fact, BudgetFact>, n: number): void {
    const day = dayOf(f.at);
    switch (f.kind) {
      case 'event':
        this.events.add(day, [f.category, f.grid, f.status, f.department], n);
        for (const s of f.sla) this.sla.add(dayOf(s.at), [s.org, f.grid, s.met ? 'met' : 'missed'], n);
        if (f.open) {
          this.#open(f.building, 'events', n);
          this.openByGrid.set(f.grid, (this.openByGrid.get(f.grid) ?? 0) + n);
        }
        return;
      case 'repair':
        this.repairs.add(day, [f.category, f.status, f.org], n);
        if (f.open) this.#open(f.building, 'repairs', n);
        return;
      case 'alarm':
        this.alarms.add(day, [f.class, f.status, f.org], n);
        if (f.open) this.#open(f.building, 'alarms', n);
        return;
      case 'payment':
        this.payments.add(day, [f.programme, f.status], n, n * f.amountFen);
        return;
      case 'access':
        this.accesses.add(day, [f.purpose, f.decision, f.org, f.accessor], n);
        for (const rule of f.alerts) this.accessAlerts.add(day, [rule, f.org], n);
        return;
      case 'bill':
        this.billed.add(day, [f.period, f.building, f.grid], n, n * f.dueFen);
        this.paid.add(day, [f.period, f.building, f.grid], n, n * f.paidFen);
        for (const s of f.dunning) this.dunning.add(dayOf(s.at), [s.step, f.grid], n);
        if (n > 0 && f.open) this.openBills.set(f.id, f);
        else if (n < 0) this.openBills.delete(f.id);
        return;
    }
  }

  /** Every panel of the overview for the filter; `now` (ms) says which day is today. */
  overview(q: DashboardFilter, now: number): OverviewView {
    const from = dayOf(q.from);
    const to = dayOf(q.to);
    const ev: CubeFilter = [undefined, q.grid, undefined, q.department];
    const byCategory = this.events.query(from, to, ev, [0]);
    const byStatus = this.events.query(from, to, ev, [2]);
    const open = counts(byStatus).filter((c) => (EVENT_OPEN_STATUSES as readonly string[]).includes(c.key)).reduce((s, c) => s + c.n, 0);
    const sla = this.sla.query(from, to, [q.department, q.grid, undefined], [0, 2]);
    const depts = new Map<string, { met: number; missed: number }>();
    for (const [key, c] of sla) {
      const [org, outcome] = key.split('\u0000') as [string, 'met' | 'missed'];
      const d = depts.get(org) ?? { met: 0, missed: 0 };
      d[outcome] += c.n;
      depts.set(org, d);
    }
    const today = dayOf(now);
    const monthFirst = monthStart(monthOf(today));
    const flow = (cube: Cube, dim: number, openStatuses: (s: string) => boolean, where: CubeFilter) => {
      const byStatusAll = cube.query(dayOf(0), today, where, [1]);
      return {
        today: total(cube.query(today, today, where, [])),
        month: total(cube.query(monthFirst, today, where, [])),
        open: counts(byStatusAll).filter((c) => openStatuses(c.key)).reduce((s, c) => s + c.n, 0),
        byCat: counts(cube.query(from, to, where, [dim])),
        byStatus: counts(cube.query(from, to, where, [1])),
      };
    };
    const rp = flow(this.repairs, 0, (s) => (REPAIR_OPEN as readonly string[]).includes(s), [undefined, undefined, undefined]);
    const al = flow(this.alarms, 0, (s) => s !== 'resolved', [undefined, undefined, q.department]);
    const pay = this.payments.query(from, to, [undefined, undefined], [0, 1]);
    const progs = new Map<string, { budgetFen: number; instructedFen: number; paidFen: number; failedFen: number; payments: number }>();
    const prog = (p: string) => {
      let v = progs.get(p);
      if (v === undefined) progs.set(p, (v = { budgetFen: 0, instructedFen: 0, paidFen: 0, failedFen: 0, payments: 0 }));
      return v;
    };
    for (const b of this.budgets.values()) if (b.at === null || (b.at >= q.from && b.at <= q.to)) prog(b.programme).budgetFen += b.budgetFen;
    for (const [key, c] of pay) {
      const [p, status] = key.split('\u0000') as [string, string];
      const v = prog(p);
      if (status !== 'blocked') v.instructedFen += c.sum;
      if (status === 'paid') v.paidFen += c.sum;
      if (status === 'failed' || status === 'reissued') v.failedFen += c.sum;
      v.payments += c.n;
    }
    const acc = this.accesses.query(from, to, [undefined, undefined, undefined, undefined], [0, 1]);
    const byPurpose = new Map<string, { n: number; sum: number }>();
    let denied = 0;
    for (const [key, c] of acc) {
      const [purpose, decision] = key.split('\u0000') as [string, string];
      const p = byPurpose.get(purpose) ?? { n: 0, sum: 0 };
      p.n += c.n;
      byPurpose.set(purpose, p);
      if (decision !== 'allowed') denied += c.n;
    }
    return {
      from: q.from, to: q.to, height: this.height,
      panels: {
        events: { total: total(byCategory), open, byCategory: counts(byCategory), byGrid: counts(this.events.query(from, to, ev, [1])), byStatus: counts(byStatus) },
        sla: {
          byDepartment: [...depts].map(([org, d]) => ({ org, ...d, rate: d.met + d.missed === 0 ? null : d.met / (d.met + d.missed) }))
            .sort((a, b) => (a.org < b.org ? -1 : 1)),
        },
        repairs: { today: rp.today, month: rp.month, open: rp.open, byCategory: rp.byCat, byStatus: rp.byStatus },
        alarms: { today: al.today, month: al.month, open: al.open, byClass: al.byCat, byStatus: al.byStatus },
        funds: { programmes: [...progs].map(([programme, v]) => ({ programme, ...v })).sort((a, b) => (a.programme < b.programme ? -1 : 1)) },
        privacy: { total: total(acc), denied, byPurpose: counts(byPurpose), alertsByRule: counts(this.accessAlerts.query(from, to, [undefined, undefined], [0])) },
        property: this.#property(q, now),
      },
    };
  }

  /**
   * Whether a bill is in arrears at `now`: open, and its due day (community time) is before today's.
   */
  static inArrears(f: BillFact, now: number): boolean {
    return f.open && dayOf(f.dueAt) < dayOf(now);
  }

  /** Arrears per building now (the map's colouring): unpaid fen of bills past due, and the units they are of. */
  arrearsByBuilding(now: number): Map<string, { arrearsFen: number; units: number }> {
    const units = new Map<string, Set<string>>();
    const out = new Map<string, { arrearsFen: number; units: number }>();
    for (const f of this.openBills.values()) {
      if (!DashboardModel.inArrears(f, now)) continue;
      const b = out.get(f.building) ?? { arrearsFen: 0, units: 0 };
      b.arrearsFen += f.dueFen - f.paidFen;
      out.set(f.building, b);
      let u = units.get(f.building);
      if (u === undefined) units.set(f.building, (u = new Set()));
      u.add(f.unit);
      b.units = u.size;
    }
    return out;
  }

  /**
   * Fee collection and arrears of the bills of the periods (months) the range touches (grid filter), per period and
   * building; dunning steps sent in the range.
   */
  #property(q: DashboardFilter, now: number): PropertyPanel {
    const from = monthStart(monthOf(dayOf(q.from)));
    const to = dayOf(q.to);
    const where: CubeFilter = [undefined, undefined, q.grid];
    type Row = { billedFen: number; paidFen: number; arrearsFen: number; bills: number; units: Set<string> };
    const row = (m: Map<string, Row>, k: string): Row => {
      let r = m.get(k);
      if (r === undefined) m.set(k, (r = { billedFen: 0, paidFen: 0, arrearsFen: 0, bills: 0, units: new Set() }));
      return r;
    };
    const months = new Map<string, Row>();
    const buildings = new Map<string, Row>();
    for (const [by, into] of [[0, months], [1, buildings]] as const) {
      for (const [k, c] of this.billed.query(from, to, where, [by])) {
        const r = row(into, k);
        r.billedFen += c.sum;
        r.bills += c.n;
      }
      for (const [k, c] of this.paid.query(from, to, where, [by])) row(into, k).paidFen += c.sum;
    }
    const allUnits = new Set<string>();
    // open bills are few (the arrears), so they are walked rather than counted
    for (const f of this.openBills.values()) {
      const d = dayOf(f.at);
      if (d < from || d > to || (q.grid !== undefined && f.grid !== q.grid) || !DashboardModel.inArrears(f, now)) continue;
      for (const r of [row(months, f.period), row(buildings, f.building)]) {
        r.arrearsFen += f.dueFen - f.paidFen;
        r.units.add(f.unit);
      }
      allUnits.add(f.unit);
    }
    const out = (m: Map<string, Row>, key: 'period' | 'building') => [...m].map(([k, r]) => ({
      [key]: k, billedFen: r.billedFen, paidFen: r.paidFen, arrearsFen: r.arrearsFen, bills: r.bills, unitsInArrears: r.units.size,
      rate: r.billedFen === 0 ? null : r.paidFen / r.billedFen,
    }));
    const byMonth = out(months, 'period').sort((a, b) => (a.period! < b.period! ? -1 : 1)) as PropertyPanel['byMonth'];
    const byBuilding = out(buildings, 'building').sort((a, b) => b.arrearsFen - a.arrearsFen || (a.building! < b.building! ? -1 : 1)) as PropertyPanel['byBuilding'];
    const sum = (k: 'billedFen' | 'paidFen' | 'arrearsFen') => byMonth.reduce((s, r) => s + r[k], 0);
    const billedFen = sum('billedFen');
    const paidFen = sum('paidFen');
    return {
      billedFen, paidFen, arrearsFen: sum('arrearsFen'), rate: billedFen === 0 ? null : paidFen / billedFen, unitsInArrears: allUnits.size,
      dunning: counts(this.dunning.query(from, to, [undefined, q.grid], [0])), byMonth, byBuilding,
    };
  }

  /**
   * The records behind a figure: the panel's entities in the filter's range (and grid / department where the panel
   * has them) whose `dim` is `value`, newest first, at most `limit`.
   */
  records(panel: string, dim: string | undefined, value: string | undefined, q: DashboardFilter, limit = DASHBOARD_RECORDS_MAX, now = q.to): RecordsView {
    const kind = ({ events: 'event', sla: 'event', repairs: 'repair', alarms: 'alarm', funds: 'payment', privacy: 'access', property: 'bill' } as const)[panel as 'events'];
    const fields = (f: Fact): Record<string, string | number> => fieldsOf(f as Exclude<Fact, BudgetFact>);
    const match = (f: Exclude<Fact, BudgetFact>): boolean => {
      if (q.grid !== undefined && (f.kind === 'event' || f.kind === 'bill') && f.grid !== q.grid) return false;
      if (q.department !== undefined && f.kind === 'event' && panel !== 'sla' && f.department !== q.department) return false;
      if (panel === 'sla' && f.kind === 'event') {
        const parts = f.sla.filter((s) => s.at >= q.from && s.at <= q.to && (dim !== 'org' || s.org === value) && (dim !== 'outcome' || (s.met ? 'met' : 'missed') === value));
        return parts.length > 0;
      }
      if (dim === undefined || value === undefined) return true;
      if (dim === 'alert' && f.kind === 'access') return f.alerts.includes(value);
      if (dim === 'open') return String((f as { open?: boolean }).open) === value;
      if (f.kind === 'bill' && dim === 'arrears') return String(DashboardModel.inArrears(f, now)) === value;
      if (f.kind === 'bill' && dim === 'arrearsBuilding') return f.building === value && DashboardModel.inArrears(f, now);
      if (f.kind === 'bill' && dim === 'dunning') return f.dunning.some((s) => s.step === value);
      return String((f as unknown as Record<string, unknown>)[dim]) === value;
    };
    const e = this.#kinds[kind] as Entities<Exclude<Fact, BudgetFact>>;
    const out: RecordRef[] = [];
    let n = 0;
    if (panel === 'sla') {
      // handled in the range: the report may be older, so every event is a candidate
      for (const f of e.byId.values()) if (match(f)) {
        n++;
        if (out.length < limit) out.push(ref(f, fields(f)));
      }
      out.sort((a, b) => b.at - a.at);
    } else {
      // whole days, as the counters count; the events' total comes from the counters, so the walk stops at the limit
      // bills: of the periods (months) the range touches
      const fromDay = panel === 'property' ? monthStart(monthOf(dayOf(q.from))) : dayOf(q.from);
      const toDay = dayOf(q.to);
      const counted = panel === 'events' ? this.#eventsTotal(dim, value, q) : undefined;
      const grid = panel === 'events' ? (dim === 'grid' ? value : q.grid) : undefined;
      const byDay = (grid === undefined ? e.byDay : (this.#eventsByGrid.get(grid) ?? new Map())) as Map<number, Map<string, Exclude<Fact, BudgetFact>>>;
      const days = [...byDay.keys()].filter((d) => d >= fromDay && d <= toDay).sort((a, b) => b - a);
      for (const d of days) {
        if (counted !== undefined && out.length >= limit) break;
        const inDay: Exclude<Fact, BudgetFact>[] = [];
        for (const f of byDay.get(d)!.values()) if (match(f)) inDay.push(f);
        n += inDay.length;
        if (out.length < limit) for (const f of inDay.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1))) if (out.length < limit) out.push(ref(f, fields(f)));
      }
      if (counted !== undefined) n = counted;
    }
    return { panel, dim: dim ?? null, value: value ?? null, total: n, records: out };
  }

  /** How many events the counters hold for a click-through on a counted dimension (undefined: another dimension). */
  #eventsTotal(dim: string | undefined, value: string | undefined, q: DashboardFilter): number | undefined {
    const at = dim === undefined ? -1 : (EVENT_DIMS as readonly string[]).indexOf(dim);
    if (at === undefined || (dim !== undefined && at < 0)) return undefined;
    const filter: (string | undefined)[] = [undefined, q.grid, undefined, q.department];
    if (dim !== undefined && (at === 1 || at === 3)) {
      if (filter[at] !== undefined && filter[at] !== value) return 0;
      filter[at] = value;
    }
    const by = dim === undefined || at === 1 || at === 3 ? 2 : at;
    const m = this.events.query(dayOf(q.from), dayOf(q.to), filter, [by]);
    if (dim === undefined || at === 1 || at === 3) return total(m);
    return m.get(value ?? '')?.n ?? 0;
  }
}

export function fieldsOf(f: Exclude<Fact, BudgetFact>): Record<string, string | number> {
  switch (f.kind) {
    case 'event': return { category: f.category, grid: f.grid, building: f.building, status: f.status, department: f.department };
    case 'repair': return { category: f.category, building: f.building, status: f.status, org: f.org };
    case 'alarm': return { class: f.class, building: f.building, status: f.status, org: f.org };
    case 'payment': return { programme: f.programme, status: f.status, amountFen: f.amountFen };
    case 'access': return { purpose: f.purpose, decision: f.decision, org: f.org, accessor: f.accessor, alerts: f.alerts.join(',') };
    case 'bill': return {
      unit: f.unit, period: f.period, building: f.building, grid: f.grid, status: f.status, dueFen: f.dueFen, paidFen: f.paidFen,
      dunning: f.dunning.map((s) => s.step).join(','),
    };
  }
}

export const ref = (f: Exclude<Fact, BudgetFact>, fields: Record<string, string | number>): RecordRef => ({
  kind: f.kind, id: f.id, at: f.at, fields, tx: f.tx, lastTx: f.kind === 'access' ? f.tx : f.lastTx,
});
