/**
 * The `address.*` transaction types: strict payload schemas (codes, a bounded public display name with no long digit
 * runs, integer microdegrees, pseudonyms) and deterministic handlers that re-check the register against the state and
 * the signing organisation. docs/spec/addresses.md#transactions
 */
import { MachiError } from '../../errors.js';
import type { HandlerContext, StateAccess, TxType } from '../../state/registry.js';
import { ACTOR_PATTERN, closedObject, enumString, integerIn, type JsonSchema } from '../../foundation/patterns.js';
import { checkAddressChange, checkAddressPayload, checkAddressRegister, checkAddressRetire, type AddressCheck } from './checks.js';
import {
  ADDRESS_CODE_CHARS_MAX,
  ADDRESS_CODE_PATTERN,
  ADDRESS_KINDS,
  ADDRESS_LAT_E6_MAX,
  ADDRESS_LONG_E6_MAX,
  ADDRESS_NAME_CHARS_MAX,
  ADDRESS_NAME_PATTERN,
  addressKey,
  buildingIndexKey,
  unitIndexKey,
  type AddressPayload,
  type AddressRecord,
  type AddressRegisterPayload,
  type AddressRetirePayload,
  type AddressUpdatePayload,
} from './types.js';

export const addressCode: JsonSchema = { type: 'string', pattern: ADDRESS_CODE_PATTERN, minLength: 1, maxLength: ADDRESS_CODE_CHARS_MAX };
export const addressName: JsonSchema = { type: 'string', pattern: ADDRESS_NAME_PATTERN, minLength: 1, maxLength: ADDRESS_NAME_CHARS_MAX };
export const addressPosition: JsonSchema = closedObject(['latE6', 'longE6'], {
  latE6: integerIn(-ADDRESS_LAT_E6_MAX, ADDRESS_LAT_E6_MAX),
  longE6: integerIn(-ADDRESS_LONG_E6_MAX, ADDRESS_LONG_E6_MAX),
});
const actor: JsonSchema = { type: 'string', pattern: ACTOR_PATTERN };

function reject(why: string): never {
  throw new MachiError('HANDLER_REJECTED', why);
}
const must = (c: AddressCheck): void => {
  if (!c.ok) reject(c.reason);
};
const read = (state: StateAccess, code: string): AddressRecord | undefined => state.get(addressKey(code)) as AddressRecord | undefined;

/** Writes a record and its index entry (the index value is the status, so a list shows it without a read). */
function save(state: StateAccess, r: AddressRecord): void {
  state.set(addressKey(r.code), r);
  state.set(r.kind === 'building' ? buildingIndexKey(r.code) : unitIndexKey(r.parent!, r.code), r.status);
}

const changed = (ctx: HandlerContext, r: AddressRecord, by: string): AddressRecord => ({ ...r, updatedAt: ctx.time, by, txHash: ctx.txHash });

export const addressRegister: TxType<AddressRegisterPayload> = {
  type: 'address.register',
  schema: closedObject(['code', 'kind', 'name', 'by'], { code: addressCode, kind: enumString(ADDRESS_KINDS), parent: addressCode, name: addressName, position: addressPosition, by: actor }),
  handle(ctx, p) {
    const invalid = checkAddressPayload(p);
    if (invalid !== null) reject(invalid);
    const parent = p.parent === undefined ? undefined : read(ctx.state, p.parent);
    must(checkAddressRegister(read(ctx.state, p.code), parent, p, { org: ctx.org.id }));
    save(ctx.state, {
      code: p.code, kind: p.kind, parent: p.parent ?? null, name: p.name, position: p.position === undefined ? null : { ...p.position },
      org: ctx.org.id, status: 'active', units: 0, activeUnits: 0, registeredAt: ctx.time, updatedAt: ctx.time, by: p.by, txHash: ctx.txHash,
    });
    if (parent !== undefined) save(ctx.state, { ...parent, units: parent.units + 1, activeUnits: parent.activeUnits + 1 });
  },
};

export const addressUpdate: TxType<AddressUpdatePayload> = {
  type: 'address.update',
  schema: {
    ...closedObject(['code', 'by'], { code: addressCode, name: addressName, position: { anyOf: [addressPosition, { type: 'null' }] }, by: actor }),
    minProperties: 3,
  },
  handle(ctx, p) {
    const r = read(ctx.state, p.code);
    must(checkAddressChange(r, p.code, { org: ctx.org.id }));
    save(ctx.state, {
      ...changed(ctx, r!, p.by),
      ...(p.name === undefined ? {} : { name: p.name }),
      ...(p.position === undefined ? {} : { position: p.position === null ? null : { ...p.position } }),
    });
  },
};

export const addressRetire: TxType<AddressRetirePayload> = {
  type: 'address.retire',
  schema: closedObject(['code', 'by'], { code: addressCode, by: actor }),
  handle(ctx, p) {
    const r = read(ctx.state, p.code);
    must(checkAddressRetire(r, p.code, { org: ctx.org.id }));
    save(ctx.state, { ...changed(ctx, r!, p.by), status: 'retired' });
    if (r!.parent !== null) {
      const parent = read(ctx.state, r!.parent);
      if (parent !== undefined) save(ctx.state, { ...parent, activeUnits: Math.max(0, parent.activeUnits - 1) });
    }
  },
};

export const addressesTypes: readonly TxType<AddressPayload>[] = [addressRegister, addressUpdate, addressRetire] as readonly TxType<never>[];
