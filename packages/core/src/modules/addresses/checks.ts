/**
 * The pure checks of the address register: the node runs them before signing (with the caller's role) and the
 * handlers run them again against the state (without a role: the ledger does not know roles). 404 / 409 / 403.
 * docs/spec/addresses.md#rules
 */
import type { AddressRecord, AddressRegisterPayload } from './types.js';
import { ADDRESS_REGISTRAR_ROLES, ADDRESS_UNITS_PER_BUILDING_MAX } from './types.js';

export type AddressCheck = { ok: true } | { ok: false; status: 404 | 409 | 403; reason: string };

/** Who acts: the signing organisation and, on the node, the caller's role. */
export type AddressActing = { org: string; role?: string };

const OK: AddressCheck = { ok: true };
const no = (status: 404 | 409 | 403, reason: string): AddressCheck => ({ ok: false, status, reason });

function roleOk(a: AddressActing): AddressCheck {
  if (a.role !== undefined && !(ADDRESS_REGISTRAR_ROLES as readonly string[]).includes(a.role)) return no(403, `role ${a.role} may not change the address register`);
  return OK;
}

/**
 * Registering: a registrar role (403); the code never used before, even retired (409); a unit's parent an active
 * building (404 if none, 409 if a unit or retired) with fewer than ADDRESS_UNITS_PER_BUILDING_MAX units (409).
 */
export function checkAddressRegister(existing: AddressRecord | undefined, parent: AddressRecord | undefined, p: Pick<AddressRegisterPayload, 'code' | 'kind' | 'parent'>, a: AddressActing): AddressCheck {
  const role = roleOk(a);
  if (!role.ok) return role;
  if (existing !== undefined) return no(409, `address code ${p.code} is already registered${existing.status === 'retired' ? ' (retired; codes are never reused)' : ''}`);
  if (p.kind === 'unit') {
    if (parent === undefined) return no(404, `no building ${String(p.parent)} in the register`);
    if (parent.kind !== 'building') return no(409, `${parent.code} is a unit, not a building`);
    if (parent.status !== 'active') return no(409, `building ${parent.code} is retired`);
    if (parent.units >= ADDRESS_UNITS_PER_BUILDING_MAX) return no(409, `building ${parent.code} has ${parent.units} units, the most allowed`);
  }
  return OK;
}

/** Updating or retiring: the address exists (404), is active (409) and was defined by the acting organisation (403). */
export function checkAddressChange(existing: AddressRecord | undefined, code: string, a: AddressActing): AddressCheck {
  const role = roleOk(a);
  if (!role.ok) return role;
  if (existing === undefined) return no(404, `no address ${code} in the register`);
  if (existing.org !== a.org) return no(403, `address ${code} was defined by ${existing.org}`);
  if (existing.status !== 'active') return no(409, `address ${code} is retired`);
  return OK;
}

/** Retiring: as updating, and a building none of its units active (409). */
export function checkAddressRetire(existing: AddressRecord | undefined, code: string, a: AddressActing): AddressCheck {
  const c = checkAddressChange(existing, code, a);
  if (!c.ok) return c;
  if (existing!.activeUnits > 0) return no(409, `building ${code} still has ${existing!.activeUnits} active units: retire them first`);
  return OK;
}

/** The payload shape rules a schema cannot say (400): a unit names a parent, a building does not. */
export function checkAddressPayload(p: Pick<AddressRegisterPayload, 'kind' | 'parent' | 'code'>): string | null {
  if (p.kind === 'unit' && p.parent === undefined) return `unit ${p.code} must name its building (parent)`;
  if (p.kind === 'building' && p.parent !== undefined) return `building ${p.code} has no parent`;
  if (p.parent === p.code) return `${p.code} cannot be its own parent`;
  return null;
}
