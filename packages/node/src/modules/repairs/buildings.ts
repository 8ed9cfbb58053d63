/**
 * The community's buildings: codes on the ledger, names as people write them, positions — the buildings of the
 * standard address register on the ledger (docs/spec/addresses.md), or a configured list while the register is empty —
 * and how an Open311 location (an address id, an address, a lat/long) names one.
 */
import { BUILDING_ID_PATTERN, buildingsOf, type StateRead, type StateScan } from '@machi/core';

/** A lat/long names a building within this distance of its recorded position, metres. */
export const OPEN311_BUILDING_RADIUS_M = 200;

/** A building of the community: its code on the ledger, its name as people write it, where it is. */
export interface BuildingInfo {
  code: string;
  name: string;
  /** absent: an address registered without a position (a lat/long never names it) */
  lat?: number;
  long?: number;
}

/** Where the buildings come from: read on every use (the register changes while the node runs). */
export type BuildingSource = () => readonly BuildingInfo[];

/** A fixed list or a source, as a source. */
export const buildingSource = (b: readonly BuildingInfo[] | BuildingSource): BuildingSource => (typeof b === 'function' ? b : () => b);

/**
 * The buildings this community serves: the active buildings of the standard address register on the ledger (their
 * codes, display names and positions), or `fallback` (the demo constant, or the node's configured list) while the
 * register has none.
 */
export function communityBuildings(read: StateRead, scan: StateScan, fallback: readonly BuildingInfo[]): readonly BuildingInfo[] {
  const registered = buildingsOf(read, scan);
  if (registered.length === 0) return fallback;
  return registered.map((r) => ({ code: r.code, name: r.name, ...(r.position === null ? {} : { lat: r.position.latE6 / 1e6, long: r.position.longE6 / 1e6 }) }));
}

/** The fictitious demo community (src/privacy/demo.ts: 1号楼 … 3号楼), at invented coordinates. */
export const DEMO_BUILDINGS: readonly BuildingInfo[] = [
  { code: 'b1', name: '1号楼', lat: 31.2301, long: 121.4501 },
  { code: 'b2', name: '2号楼', lat: 31.2306, long: 121.4507 },
  { code: 'b3', name: '3号楼', lat: 31.2311, long: 121.4513 },
];

const positioned = (b: BuildingInfo): b is BuildingInfo & { lat: number; long: number } => b.lat !== undefined && b.long !== undefined;

function metresBetween(a: { lat: number; long: number }, b: { lat: number; long: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLong = (b.long - a.long) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLong / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

/**
 * The building code an Open311 location names: `address_id` as a building code; `address_string` as a known
 * building's code or name, or "N号楼" / "N栋" / "building N" (→ `bN`, if known); else lat/long within
 * OPEN311_BUILDING_RADIUS_M of a known building. Undefined if none.
 */
export function buildingOf(loc: { address_id?: string; address_string?: string; lat?: number; long?: number }, buildings: readonly BuildingInfo[]): string | undefined {
  if (loc.address_id !== undefined) return new RegExp(BUILDING_ID_PATTERN).test(loc.address_id) && loc.address_id.length <= 16 ? loc.address_id : undefined;
  const known = (code: string): string | undefined => buildings.find((b) => b.code === code)?.code;
  const address = loc.address_string?.trim().toLowerCase();
  if (address !== undefined && address !== '') {
    const direct = known(address) ?? buildings.find((b) => address.includes(b.name.toLowerCase()))?.code;
    if (direct !== undefined) return direct;
    const n = /(\d{1,4})\s*(?:号楼|栋|幢|座)/.exec(address)?.[1] ?? /\b(?:building|bldg\.?|block|tower)\s*#?\s*(\d{1,4})\b/.exec(address)?.[1];
    if (n !== undefined) return known(`b${Number(n)}`);
  }
  if (loc.lat !== undefined && loc.long !== undefined) {
    const at = { lat: loc.lat, long: loc.long };
    const nearest = buildings.filter(positioned).sort((a, b) => metresBetween(a, at) - metresBetween(b, at))[0];
    if (nearest !== undefined && metresBetween(nearest, at) <= OPEN311_BUILDING_RADIUS_M) return nearest.code;
  }
  return undefined;
}
