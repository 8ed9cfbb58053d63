/**
 * Pure queries over the address register, through a key reader and a prefix scan (values are canonical JSON text).
 * docs/spec/addresses.md#queries
 */
import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';
import {
  ADDRESSES_QUERY_ITEMS_MAX,
  BUILDINGS_INDEX_PREFIX,
  addressKey,
  unitsPrefix,
  type AddressKind,
  type AddressRecord,
} from './types.js';

export function addressRecord(read: StateRead, code: string): AddressRecord | undefined {
  return parse<AddressRecord>(read(addressKey(code)));
}

export interface AddressQuery {
  kind?: AddressKind;
  /** only the units of this building */
  parent?: string;
  /** retired ones too (default: active only) */
  retired?: boolean;
  limit?: number;
}

const codesUnder = (scan: StateScan, prefix: string, limit: number): string[] => scan(prefix, limit).map(([k]) => k.slice(prefix.length));

/** Registered buildings, in code order (active only unless `retired`). */
export function buildingsOf(read: StateRead, scan: StateScan, o: { retired?: boolean; limit?: number } = {}): AddressRecord[] {
  return records(read, codesUnder(scan, BUILDINGS_INDEX_PREFIX, o.limit ?? ADDRESSES_QUERY_ITEMS_MAX), o.retired === true);
}

/** A building's units, in code order (active only unless `retired`). */
export function unitsOf(read: StateRead, scan: StateScan, building: string, o: { retired?: boolean; limit?: number } = {}): AddressRecord[] {
  return records(read, codesUnder(scan, unitsPrefix(building), o.limit ?? ADDRESSES_QUERY_ITEMS_MAX), o.retired === true);
}

/** The register by a query: buildings, or the units of one building, or buildings then every building's units. */
export function listAddresses(read: StateRead, scan: StateScan, q: AddressQuery = {}): AddressRecord[] {
  const limit = Math.min(q.limit ?? ADDRESSES_QUERY_ITEMS_MAX, ADDRESSES_QUERY_ITEMS_MAX);
  const o = { retired: q.retired === true, limit };
  if (q.parent !== undefined) return q.kind === 'building' ? [] : unitsOf(read, scan, q.parent, o);
  const buildings = buildingsOf(read, scan, { retired: true, limit });
  const shown = buildings.filter((b) => o.retired || b.status === 'active');
  if (q.kind === 'building') return shown;
  const units = buildings.flatMap((b) => unitsOf(read, scan, b.code, o));
  return (q.kind === 'unit' ? units : [...shown, ...units]).slice(0, limit);
}

function records(read: StateRead, codes: readonly string[], retired: boolean): AddressRecord[] {
  const out: AddressRecord[] = [];
  for (const c of codes) {
    const r = addressRecord(read, c);
    if (r !== undefined && (retired || r.status === 'active')) out.push(r);
  }
  return out;
}
