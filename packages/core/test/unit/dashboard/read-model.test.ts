/**
 * The dashboard's read model (docs/spec/dashboard.md): counters follow an entity's latest fact; ranges, filters and
 * click-through agree with a naive count over the facts; each analytic finds a planted anomaly and leaves a normal
 * period alone.
 */
import { describe, expect, it } from 'vitest';
import { DashboardModel, analytics, baselineOf, billFact, dayOf, type AccessFact, type BillRecord, type EventFact, type PaymentFact } from '../../../src/index.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 4); // 12:00 in the community
const hex = (n: number, w = 32): string => n.toString(16).padStart(w, '0');

function event(n: number, at: number, over: Partial<EventFact> = {}): EventFact {
  return {
    kind: 'event', id: `ev_${hex(n)}`, at, category: 'road-damage', grid: `g${n % 3}`, building: `b${n % 5}`, status: 'closed', open: false,
    department: 'roads-dept', sla: [{ org: 'roads-dept', at: at + 3_600_000, met: n % 4 !== 0 }], tx: hex(n, 64), lastTx: hex(n + 1, 64), ...over,
  };
}
const access = (n: number, at: number, actor: string, alerts: string[] = []): AccessFact => ({
  kind: 'access', id: `acc_${hex(n)}`, at, org: 'street-office', accessor: `street-office/${actor}`, purpose: 'welfare-assessment', decision: 'allowed', alerts, tx: hex(n, 64),
});
const payment = (n: number, at: number, amountFen: number, status = 'paid'): PaymentFact => ({
  kind: 'payment', id: `fp_${hex(n)}`, at, programme: 'elderly', amountFen, status, tx: hex(n, 64), lastTx: hex(n + 7, 64),
});

/** 9 weeks of history: `perDay` events a day in every grid × (road-damage, litter), accesses and payments each day. */
function normalDistrict(): DashboardModel {
  const m = new DashboardModel();
  let n = 1;
  for (let d = 62; d >= 0; d--) {
    const at = NOW - d * DAY;
    for (let i = 0; i < 6; i++) m.apply(event(n++, at - i * 60_000, { category: i % 2 === 0 ? 'road-damage' : 'litter' }));
    for (let i = 0; i < 4 + (d % 3); i++) m.apply(access(n++, at - i * 60_000, `clerk${i % 2}`));
    m.apply(payment(n++, at, 50_000 + (d % 5) * 1000));
  }
  return m;
}

describe('read model', () => {
  it('replaces an entity’s fact: a status change moves its count, applying twice changes nothing', () => {
    const m = new DashboardModel();
    const e = event(1, NOW, { status: 'dispatched', open: true });
    m.apply(e);
    m.apply(e);
    const q = { from: NOW - DAY, to: NOW };
    expect(m.overview(q, NOW).panels.events).toMatchObject({ total: 1, open: 1, byStatus: [{ key: 'dispatched', n: 1 }] });
    expect(m.openByBuilding.get(e.building)?.events).toBe(1);
    m.apply({ ...e, status: 'closed', open: false });
    expect(m.overview(q, NOW).panels.events).toMatchObject({ total: 1, open: 0, byStatus: [{ key: 'closed', n: 1 }] });
    expect(m.openByBuilding.get(e.building)?.events).toBe(0);
  });

  it('ranges, grid and department filters and click-through agree with a naive count', () => {
    const m = new DashboardModel();
    const facts: EventFact[] = [];
    // 400 days, several a day, across month ends: the month table and the edge days must add up
    for (let n = 0; n < 2000; n++) {
      const f = event(n, NOW - Math.floor(n * 0.2) * DAY - (n % 7) * 3_600_000, { department: n % 2 === 0 ? 'roads-dept' : 'city-mgmt' });
      facts.push(f);
      m.apply(f);
    }
    for (const [from, to] of [[NOW - 400 * DAY, NOW], [NOW - 95 * DAY, NOW - 33 * DAY], [NOW - 2 * DAY, NOW]] as const) {
      for (const grid of [undefined, 'g1']) for (const department of [undefined, 'city-mgmt']) {
        const want = facts.filter((f) => dayOf(f.at) >= dayOf(from) && dayOf(f.at) <= dayOf(to) && (grid === undefined || f.grid === grid) && (department === undefined || f.department === department));
        const got = m.overview({ from, to, grid, department }, NOW).panels.events;
        expect(got.total).toBe(want.length);
        expect(got.byGrid.find((c) => c.key === 'g1')?.n ?? 0).toBe(want.filter((f) => f.grid === 'g1').length);
        const inside = want.filter((f) => f.grid === 'g1'); // whole days, as the counters count
        const recs = m.records('events', 'grid', 'g1', { from, to, grid, department });
        expect(recs.total).toBe(inside.length);
        expect(recs.records.map((r) => r.tx).sort()).toEqual(inside.sort((a, b) => b.at - a.at).slice(0, 200).map((f) => f.tx).sort());
        const cat = m.records('events', 'category', 'road-damage', { from, to, grid, department });
        expect(cat.total).toBe(want.filter((f) => f.category === 'road-damage').length);
      }
    }
    const sla = m.overview({ from: NOW - 400 * DAY, to: NOW + DAY }, NOW).panels.sla.byDepartment.find((d) => d.org === 'roads-dept')!;
    const parts = facts.flatMap((f) => f.sla).filter((s) => s.org === 'roads-dept');
    expect(sla.met).toBe(parts.filter((s) => s.met).length);
    expect(sla.missed).toBe(parts.filter((s) => !s.met).length);
  });
});

describe('property: fee collection and arrears', () => {
  const local = (y: number, mo: number, d: number): number => Date.UTC(y, mo - 1, d) - 8 * 3_600_000; // 00:00 in the community
  let seq = 0;
  /** a bill of `dueFen`, paid `paid` (one payment each), with the dunning steps given, due at `dueAt` */
  const bill = (unit: string, building: string, period: string, dueFen: number, dueAt: number, paid: number[] = [], dunning: [string, number][] = []): BillRecord => {
    const [y, mo] = period.split('-').map(Number) as [number, number];
    const paidFen = paid.reduce((a, b) => a + b, 0);
    return {
      unit, period, building, owner: null, lines: [], dueFen, paidFen, status: paidFen === dueFen ? 'paid' : 'open', dueAt,
      issuedAt: local(y, mo, 1) + 3_600_000, payments: paid.map((amountFen, i) => ({ amountFen, reference: `r${seq++}`, at: local(y, mo, 10 + i), txHash: hex(seq++, 64) })),
      dunning: dunning.map(([step, at]) => ({ step: step as 'reminder', at, txHash: hex(seq++, 64) })), txHash: hex(seq++, 64),
    };
  };
  const grid = (building: string): string => (building === 'b1' ? 'g1' : 'g2');
  const due = { '2026-10': local(2026, 11, 15), '2026-11': local(2026, 12, 1), '2026-12': local(2027, 1, 15) } as const;
  // b1 (grid g1): u1 pays everything, u2 pays half of October and nothing since (dunned); b2 (grid g2): u3 skips November
  const records = [
    ...(['2026-10', '2026-11', '2026-12'] as const).map((p) => bill('b1-u1', 'b1', p, 10_000, due[p], [10_000])),
    bill('b1-u2', 'b1', '2026-10', 20_000, due['2026-10'], [5_000], [['reminder', local(2026, 11, 20)], ['written-demand', local(2026, 12, 5)]]),
    bill('b1-u2', 'b1', '2026-11', 20_000, due['2026-11'], [], [['reminder', local(2026, 12, 3)]]),
    bill('b1-u2', 'b1', '2026-12', 20_000, due['2026-12']),
    bill('b2-u3', 'b2', '2026-10', 5_000, due['2026-10'], [5_000]),
    bill('b2-u3', 'b2', '2026-11', 5_000, due['2026-11']),
    bill('b2-u3', 'b2', '2026-12', 5_000, due['2026-12'], [5_000]),
  ];
  const q = { from: local(2026, 10, 1), to: NOW };

  it('counts billed, paid and arrears per month and building, units in arrears and dunning steps, exactly', () => {
    const m = new DashboardModel();
    for (const r of records) m.apply(billFact(r, grid(r.building)));
    for (const r of records) m.apply(billFact(r, grid(r.building))); // twice: nothing changes
    const p = m.overview(q, NOW).panels.property;
    expect(p).toMatchObject({ billedFen: 105_000, paidFen: 45_000, arrearsFen: 40_000, unitsInArrears: 2 });
    expect(p.rate).toBeCloseTo(45 / 105, 12);
    expect(p.dunning).toEqual([{ key: 'reminder', n: 2 }, { key: 'written-demand', n: 1 }]);
    expect(p.byMonth.map((r) => [r.period, r.billedFen, r.paidFen, r.arrearsFen, r.bills, r.unitsInArrears])).toEqual([
      ['2026-10', 35_000, 20_000, 15_000, 3, 1],
      ['2026-11', 35_000, 10_000, 25_000, 3, 2],
      ['2026-12', 35_000, 15_000, 0, 3, 0], // not yet due: no arrears
    ]);
    expect(p.byBuilding.map((r) => [r.building, r.billedFen, r.paidFen, r.arrearsFen, r.unitsInArrears])).toEqual([['b1', 90_000, 35_000, 35_000, 1], ['b2', 15_000, 10_000, 5_000, 1]]);
    // the grid filter; a range of November only
    expect(m.overview({ ...q, grid: 'g2' }, NOW).panels.property).toMatchObject({ billedFen: 15_000, paidFen: 10_000, arrearsFen: 5_000, unitsInArrears: 1, dunning: [] });
    expect(m.overview({ from: local(2026, 11, 1), to: local(2026, 11, 30) }, NOW).panels.property).toMatchObject({ billedFen: 35_000, arrearsFen: 25_000, unitsInArrears: 2 });
    // a range counts the periods (months) it touches: mid-November to now is November and December
    expect(m.overview({ from: local(2026, 11, 15), to: NOW }, NOW).panels.property.byMonth.map((r) => r.period)).toEqual(['2026-11', '2026-12']);
    expect(m.records('property', 'period', '2026-11', { from: local(2026, 11, 15), to: NOW }).total).toBe(3);
    // the map: arrears per building now
    expect([...m.arrearsByBuilding(NOW)].sort()).toEqual([['b1', { arrearsFen: 35_000, units: 1 }], ['b2', { arrearsFen: 5_000, units: 1 }]]);
    // click-through: the bills behind the arrears, with the bill's transaction and its latest step's
    const behind = m.records('property', 'arrears', 'true', q, 200, NOW);
    expect(behind.total).toBe(3);
    expect(behind.records.map((r) => r.id).sort()).toEqual(['b1-u2/2026-10', 'b1-u2/2026-11', 'b2-u3/2026-11']);
    const oct = behind.records.find((r) => r.id === 'b1-u2/2026-10')!;
    expect(oct.tx).toBe(records[3]!.txHash);
    expect(oct.lastTx).toBe(records[3]!.dunning[1]!.txHash);
    expect(oct.fields).toMatchObject({ building: 'b1', grid: 'g1', dueFen: 20_000, paidFen: 5_000, dunning: 'reminder,written-demand' });
    expect(m.records('property', 'building', 'b2', q).total).toBe(3);
    expect(m.records('property', 'arrearsBuilding', 'b1', q, 200, NOW).records.map((r) => r.id).sort()).toEqual(['b1-u2/2026-10', 'b1-u2/2026-11']);
    expect(m.records('property', 'dunning', 'reminder', q).total).toBe(2);
  });

  it('a payment moves the bill out of arrears; a bill due earlier today is not yet in arrears', () => {
    const m = new DashboardModel();
    for (const r of records) m.apply(billFact(r, grid(r.building)));
    const nov = records[4]!;
    m.apply(billFact({ ...nov, paidFen: 20_000, status: 'paid', payments: [{ amountFen: 20_000, reference: 'late', at: NOW - 3_600_000, txHash: hex(999, 64) }] }, 'g1'));
    const p = m.overview(q, NOW).panels.property;
    expect(p).toMatchObject({ paidFen: 65_000, arrearsFen: 20_000, unitsInArrears: 2 });
    expect(p.byMonth[1]).toMatchObject({ paidFen: 30_000, arrearsFen: 5_000, unitsInArrears: 1 });
    expect(m.records('property', 'period', '2026-11', q).records.find((r) => r.id === 'b1-u2/2026-11')?.lastTx).toBe(hex(999, 64));
    m.apply(billFact({ ...records[5]!, dueAt: NOW - 3_600_000 }, 'g1'));
    expect(m.overview(q, NOW).panels.property.arrearsFen).toBe(20_000);
    expect(m.overview(q, NOW + DAY).panels.property.arrearsFen).toBe(40_000);
  });
});

describe('analytics', () => {
  it('a normal period raises nothing', () => {
    expect(analytics(normalDistrict(), NOW).alerts).toEqual([]);
  });

  it('finds a planted surge of events in one grid × category, with its baseline and records', () => {
    const m = normalDistrict();
    for (let i = 0; i < 30; i++) m.apply(event(900_000 + i, NOW - (i % 5) * DAY - 1000, { category: 'illegal-parking', grid: 'g2' }));
    const alerts = analytics(m, NOW).alerts;
    expect(alerts.map((a) => [a.kind, a.subject])).toEqual([['events', 'g2/illegal-parking']]);
    const a = alerts[0]!;
    expect(a.observed).toBe(30);
    expect(a.baseline.mean).toBe(0);
    expect(a.records).toHaveLength(20);
    expect(a.records.every((r) => r.fields.category === 'illegal-parking' && r.fields.grid === 'g2')).toBe(true);
  });

  it('finds an accessor reading far more than their own baseline, and not the others', () => {
    const m = normalDistrict();
    for (let i = 0; i < 60; i++) m.apply(access(800_000 + i, NOW - 2 * DAY - i * 1000, 'clerk1', ['volume']));
    const alerts = analytics(m, NOW).alerts;
    expect(alerts.map((a) => [a.kind, a.subject])).toEqual([['access', 'street-office/clerk1']]);
    expect(alerts[0]!.observed).toBeGreaterThan(alerts[0]!.threshold);
    expect(alerts[0]!.baseline.windows).toHaveLength(8);
    expect(m.overview({ from: NOW - 7 * DAY, to: NOW }, NOW).panels.privacy.alertsByRule).toEqual([{ key: 'volume', n: 60 }]);
  });

  it('finds one payment far above its programme’s median', () => {
    const m = normalDistrict();
    m.apply(payment(700_000, NOW - DAY, 2_000_000));
    const alerts = analytics(m, NOW).alerts;
    expect(alerts.map((a) => [a.kind, a.subject, a.observed])).toEqual([['payment', `fp_${hex(700_000)}`, 2_000_000]]);
    expect(alerts[0]!.records[0]!.tx).toBe(hex(700_000, 64));
  });

  it('the threshold needs both sigmas and a minimum excess', () => {
    expect(baselineOf([10, 10, 10, 10]).threshold).toBe(15);
    expect(baselineOf([0, 20, 0, 20]).threshold).toBe(40);
  });
});
