/**
 * Pre-aggregated counters: a count and a sum per (day × dimension values), kept per day and per month, so a query over
 * any range reads whole months from the month table and only the edge days from the day table. Dimension values are
 * interned to small integers and a key is their mixed-radix number (DASHBOARD_DIM_VALUES_MAX per dimension): no string
 * building on the hot path. Pure: no clock, no I/O. docs/spec/dashboard.md#read-models
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

type Cell = { n: number; sum: number };

/** One dimension's values, interned; past the limit every new value counts as `(other)`. */
class Dictionary {
  readonly values: string[] = [];
  readonly #ids = new Map<string, number>();
  id(v: string): number {
    let id = this.#ids.get(v);
    if (id !== undefined) return id;
    if (this.values.length === DASHBOARD_DIM_VALUES_MAX - 1) return this.id('(other)');
    id = this.values.length;
    this.values.push(v);
    this.#ids.set(v, id);
    return id;
  }
  find(v: string): number | undefined {
    return this.#ids.get(v);
  }
}

/** What a query keeps: per dimension, undefined (any) or the set of values allowed. */
export type CubeFilter = readonly (ReadonlySet<string> | undefined)[];

export class Cube {
  readonly dims: readonly string[];
  readonly #dicts: Dictionary[];
  readonly #days = new Map<number, Map<number, Cell>>();
  readonly #months = new Map<number, Map<number, Cell>>();
  readonly #monthCache = new Map<number, number>();

  constructor(dims: readonly string[]) {
    assert(dims.length >= 1 && dims.length <= 5, 'a cube has 1 to 5 dimensions');
    this.dims = dims;
    this.#dicts = dims.map(() => new Dictionary());
  }

  #key(values: readonly string[]): number {
    let key = 0;
    for (let i = values.length - 1; i >= 0; i--) key = key * DASHBOARD_DIM_VALUES_MAX + this.#dicts[i]!.id(values[i]!);
    return key;
  }

  #month(day: number): number {
    let m = this.#monthCache.get(day);
    if (m === undefined) {
      m = monthOf(day);
      this.#monthCache.set(day, m);
    }
    return m;
  }

  /** Adds `n` (−1 to take away) and `sum` to the cell of `day` × `values`. */
  add(day: number, values: readonly string[], n: number, sum = 0): void {
    const key = this.#key(values);
    bump(this.#days, day, key, n, sum);
    bump(this.#months, this.#month(day), key, n, sum);
  }

  /**
   * Counts and sums over days [fromDay, toDay], grouped by the dimensions `by` (indexes), of the cells `filter` keeps.
   * Group keys are the values joined by `\u0000`.
   */
  query(fromDay: number, toDay: number, filter: CubeFilter, by: readonly number[]): Map<string, Cell> {
    const allowed = this.#allowed(filter);
    const groups = new Map<number, Cell>();
    const take = (cells: Map<number, Cell> | undefined): void => {
      if (cells === undefined) return;
      for (const [key, c] of cells) {
        if (c.n === 0 && c.sum === 0) continue;
        let rest = key;
        let group = 0;
        let ok = true;
        let mult = 1;
        for (let i = 0; i < this.dims.length; i++) {
          const v = rest % DASHBOARD_DIM_VALUES_MAX;
          rest = (rest - v) / DASHBOARD_DIM_VALUES_MAX;
          const a = allowed[i];
          if (a !== undefined && !a.has(v)) {
            ok = false;
            break;
          }
          if (by.includes(i)) {
            group += v * mult;
            mult *= DASHBOARD_DIM_VALUES_MAX;
          }
        }
        if (!ok) continue;
        const g = groups.get(group);
        if (g === undefined) groups.set(group, { n: c.n, sum: c.sum });
        else {
          g.n += c.n;
          g.sum += c.sum;
        }
      }
    };
    let day = fromDay;
    while (day <= toDay) {
      const m = this.#month(day);
      const start = monthStart(m);
      const next = monthStart(m + 1);
      if (day === start && next - 1 <= toDay) {
        take(this.#months.get(m));
        day = next;
      } else {
        take(this.#days.get(day));
        day++;
      }
    }
    const out = new Map<string, Cell>();
    for (const [group, c] of groups) {
      if (c.n === 0 && c.sum === 0) continue;
      const parts: string[] = [];
      let rest = group;
      for (const i of [...by].sort((a, b) => a - b)) {
        const v = rest % DASHBOARD_DIM_VALUES_MAX;
        rest = (rest - v) / DASHBOARD_DIM_VALUES_MAX;
        parts[by.indexOf(i)] = this.#dicts[i]!.values[v]!;
      }
      out.set(parts.join('\u0000'), c);
    }
    return out;
  }

  /** Per dimension: the interned ids a filter allows (an unknown value allows nothing). */
  #allowed(filter: CubeFilter): (Set<number> | undefined)[] {
    return this.dims.map((_, i) => {
      const f = filter[i];
      if (f === undefined) return undefined;
      const ids = new Set<number>();
      for (const v of f) {
        const id = this.#dicts[i]!.find(v);
        if (id !== undefined) ids.add(id);
      }
      return ids;
    });
  }
}

function bump(table: Map<number, Map<number, Cell>>, at: number, key: number, n: number, sum: number): void {
  let cells = table.get(at);
  if (cells === undefined) table.set(at, (cells = new Map()));
  const c = cells.get(key);
  if (c === undefined) cells.set(key, { n, sum });
  else {
    c.n += n;
    c.sum += sum;
  }
}
