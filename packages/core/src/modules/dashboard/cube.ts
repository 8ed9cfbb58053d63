/**
 * Pre-aggregated counters: a count and a sum per day and per month, for each declared *view* — the dimensions a
 * query groups by and the dimensions it may filter on. Each record is added to every view under every combination of
 * its filter values and "any", so a query reads one small table per month (whole months in the range) or per day
 * (the edge days) and never scans cells it does not need. Dimension values are interned to small integers and keys
 * are mixed-radix numbers: no string building on the hot path. Pure: no clock, no I/O.
 * docs/spec/dashboard.md#read-models
 */
import { assert } from '../../assert.js';
import { DASHBOARD_DAY_MS, DASHBOARD_DIM_VALUES_MAX, DASHBOARD_TZ_OFFSET_MS } from './types.js';

/** Day number (community local time) of a block time, ms. */
export const dayOf = (ms: number): number => Math.floor((ms + DASHBOARD_TZ_OFFSET_MS) / DASHBOARD_DAY_MS);
/** `YYYY-MM-DD` of a day number. */
export const dayCode = (day: number): string => new Date(day * DASHBOARD_DAY_MS).toISOString().slice(0, 10);
/** Month number (year × 12 + month − 1) of a day number. */
export function monthOf(day: number): number {
  const d = new Date(day * DASHBOARD_DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}
/** First day number of a month number. */
export const monthStart = (month: number): number => Date.UTC(Math.floor(month / 12), month % 12, 1) / DASHBOARD_DAY_MS;

export type Cell = { n: number; sum: number };
/** Radix of a key digit: a value id + 1 (0 = "any" in a filter key). */
const R = DASHBOARD_DIM_VALUES_MAX + 1;

/** One dimension's values, interned; past the limit every new value counts as `(other)`. */
class Dictionary {
  readonly values: string[] = [];
  readonly #ids = new Map<string, number>();
  id(v: string): number {
    let id = this.#ids.get(v);
    if (id !== undefined) return id;
    if (this.values.length === DASHBOARD_DIM_VALUES_MAX - 1 && v !== '(other)') return this.id('(other)');
    id = this.values.length;
    this.values.push(v);
    this.#ids.set(v, id);
    return id;
  }
  find(v: string): number | undefined {
    return this.#ids.get(v);
  }
}

/** A view: the dimensions (indexes) a query groups by, and those it may filter on (one value each, or any). */
export type CubeView = { by: readonly number[]; filter: readonly number[] };
/** A query's filter: per dimension, one value or undefined (any). */
export type CubeFilter = readonly (string | undefined)[];

type Table = Map<number, Map<number, Map<number, Cell>>>; // period → filter key → group key → cell

export class Cube {
  readonly dims: readonly string[];
  readonly views: readonly CubeView[];
  readonly #dicts: Dictionary[];
  readonly #days: Table = new Map();
  readonly #months: Table = new Map();
  readonly #monthCache = new Map<number, number>();
  readonly #ids: number[];

  constructor(dims: readonly string[], views: readonly CubeView[]) {
    assert(dims.length >= 1 && dims.length <= 6, 'a cube has 1 to 6 dimensions');
    for (const v of views) assert(v.by.length + v.filter.length <= 4, 'a view keys at most 4 dimensions (exact integer keys)');
    this.dims = dims;
    this.views = views;
    this.#dicts = dims.map(() => new Dictionary());
    this.#ids = dims.map(() => 0);
  }

  #month(day: number): number {
    let m = this.#monthCache.get(day);
    if (m === undefined) {
      m = monthOf(day);
      this.#monthCache.set(day, m);
    }
    return m;
  }

  /** Adds `n` (−1 to take away) and `sum` to every view's cells of `day` × `values`. */
  add(day: number, values: readonly string[], n: number, sum = 0): void {
    const ids = this.#ids;
    for (let i = 0; i < values.length; i++) ids[i] = this.#dicts[i]!.id(values[i]!);
    const month = this.#month(day);
    const dayTable = table(this.#days, day);
    const monthTable = table(this.#months, month);
    for (let vi = 0; vi < this.views.length; vi++) {
      const v = this.views[vi]!;
      let group = 0;
      for (const d of v.by) group = group * R + ids[d]! + 1;
      const combos = 1 << v.filter.length;
      for (let mask = 0; mask < combos; mask++) {
        let fk = vi;
        for (let j = 0; j < v.filter.length; j++) fk = fk * R + ((mask >> j) & 1 ? ids[v.filter[j]!]! + 1 : 0);
        bump(dayTable, fk, group, n, sum);
        bump(monthTable, fk, group, n, sum);
      }
    }
  }

  /**
   * Counts and sums over days [fromDay, toDay], grouped by the dimensions `by` (indexes, in that order), of the cells
   * `filter` keeps. Group keys are the values joined by `\u0000` ('' when `by` is empty). A view must group by `by`
   * exactly and allow filtering on every dimension the filter names.
   */
  query(fromDay: number, toDay: number, filter: CubeFilter, by: readonly number[]): Map<string, Cell> {
    const named = filter.flatMap((v, i) => (v === undefined ? [] : [i]));
    const vi = this.views.findIndex((v) => v.by.length === by.length && v.by.every((d, i) => d === by[i]) && named.every((d) => v.filter.includes(d)));
    assert(vi >= 0, `no view of ${this.dims.join('×')} by ${by.join(',')} filtering ${named.join(',')}`);
    const view = this.views[vi]!;
    let fk = vi;
    for (const d of view.filter) {
      const v = filter[d];
      if (v === undefined) {
        fk = fk * R;
        continue;
      }
      const id = this.#dicts[d]!.find(v);
      if (id === undefined) return new Map();
      fk = fk * R + id + 1;
    }
    const groups = new Map<number, Cell>();
    const take = (cells: Map<number, Cell> | undefined): void => {
      if (cells === undefined) return;
      for (const [g, c] of cells) {
        const had = groups.get(g);
        if (had === undefined) groups.set(g, { n: c.n, sum: c.sum });
        else {
          had.n += c.n;
          had.sum += c.sum;
        }
      }
    };
    let day = fromDay;
    while (day <= toDay) {
      const m = this.#month(day);
      const next = monthStart(m + 1);
      if (day === monthStart(m) && next - 1 <= toDay) {
        take(this.#months.get(m)?.get(fk));
        day = next;
      } else {
        take(this.#days.get(day)?.get(fk));
        day++;
      }
    }
    const out = new Map<string, Cell>();
    for (const [g, c] of groups) {
      if (c.n === 0 && c.sum === 0) continue;
      const parts: string[] = new Array<string>(by.length);
      let rest = g;
      for (let i = by.length - 1; i >= 0; i--) {
        const digit = rest % R;
        rest = (rest - digit) / R;
        parts[i] = this.#dicts[by[i]!]!.values[digit - 1]!;
      }
      out.set(parts.join('\u0000'), c);
    }
    return out;
  }
}

function table(t: Table, at: number): Map<number, Map<number, Cell>> {
  let byFilter = t.get(at);
  if (byFilter === undefined) t.set(at, (byFilter = new Map()));
  return byFilter;
}

function bump(byFilter: Map<number, Map<number, Cell>>, fk: number, group: number, n: number, sum: number): void {
  let cells = byFilter.get(fk);
  if (cells === undefined) byFilter.set(fk, (cells = new Map()));
  const c = cells.get(group);
  if (c === undefined) cells.set(group, { n, sum });
  else {
    c.n += n;
    c.sum += sum;
  }
}
