/**
 * DEMO ONLY — on the street office's node: the demo community's six buildings (1号楼 … 6号楼, the repairs module's
 * b1–b3 and the events grids' b1–b6) in the standard address register, with invented positions, and a few units of
 * 1号楼. Idempotent: what is registered already is left alone.
 */
import { addressRecord } from '@machi/core';
import type { AuthOptions } from '../../auth/plugin.js';
import { demoPrincipal } from '../../auth/demo.js';
import type { AddressesService } from './service.js';

/** The demo community's buildings: codes, names, positions (microdegrees; b1–b3 as the repairs demo's). */
export const DEMO_ADDRESSES: readonly { code: string; name: string; latE6: number; longE6: number }[] = [
  { code: 'b1', name: '1号楼', latE6: 31_230_100, longE6: 121_450_100 },
  { code: 'b2', name: '2号楼', latE6: 31_230_600, longE6: 121_450_700 },
  { code: 'b3', name: '3号楼', latE6: 31_231_100, longE6: 121_451_300 },
  { code: 'b4', name: '4号楼', latE6: 31_231_600, longE6: 121_451_900 },
  { code: 'b5', name: '5号楼', latE6: 31_232_100, longE6: 121_452_500 },
  { code: 'b6', name: '6号楼', latE6: 31_232_600, longE6: 121_453_100 },
];
/** A few units of 1号楼 (public codes; who lives there stays in the vault). */
const DEMO_UNITS = [['b1-u0101', '1号楼1单元101室'], ['b1-u0102', '1号楼1单元102室'], ['b1-u1203', '1号楼2单元1203室'],
  // property services' demo register (modules/property/seed.ts)
  ['b2-u0101', '2号楼1单元101室'], ['b2-u0102', '2号楼1单元102室'], ['b2-u0201', '2号楼1单元201室'], ['b2-u0202', '2号楼1单元202室']] as const;

export async function seedAddresses(service: AddressesService, auth: AuthOptions): Promise<string[]> {
  if (service.node.self.id !== 'street-office') return [];
  const official = demoPrincipal(auth.accounts, auth.secret, 'street-office', 'zhou.official');
  if (official === undefined) return [];
  // the buildings in one block: the repairs nodes switch from their demo list to the register in one step
  let made = await service.registerBuildings(official, DEMO_ADDRESSES.map((b) => ({ code: b.code, kind: 'building' as const, name: b.name, position: { latE6: b.latE6, longE6: b.longE6 } })));
  for (const [code, name] of DEMO_UNITS) {
    if (addressRecord(service.read, code) !== undefined) continue;
    await service.register(official, { code, kind: 'unit', parent: code.slice(0, code.indexOf('-')), name });
    made += 1;
  }
  return made === 0 ? [] : [`demo addresses: ${DEMO_ADDRESSES.length} buildings and ${DEMO_UNITS.length} units in the standard address register`];
}
