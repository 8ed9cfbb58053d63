/**
 * The standard address register (一标三实, 标准地址): public codes for buildings and units, their display names, an
 * optional position, and the organisation that defined them (the street office). Public data only: who lives at an
 * address, the housing and the units' occupants stay in the holder's vault, keyed by the address code.
 * docs/spec/addresses.md
 */

/** Every state key of the module starts with this. */
export const ADDRESSES_PREFIX = 'addresses/';

// ---------------------------------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------------------------------

/** Characters of an address code. */
export const ADDRESS_CODE_CHARS_MAX = 32;
/** Characters of a display name (`3号楼`, `3号楼2单元1203室`). */
export const ADDRESS_NAME_CHARS_MAX = 64;
/** Units one building may have registered (active or retired). */
export const ADDRESS_UNITS_PER_BUILDING_MAX = 2000;
/** Most entries a query reads with one prefix scan. */
export const ADDRESSES_QUERY_ITEMS_MAX = 5000;
/** Latitude bound, microdegrees. */
export const ADDRESS_LAT_E6_MAX = 90_000_000;
/** Longitude bound, microdegrees. */
export const ADDRESS_LONG_E6_MAX = 180_000_000;

// ---------------------------------------------------------------------------------------------------------------------
// Patterns and catalogues
// ---------------------------------------------------------------------------------------------------------------------

/**
 * An address code: lowercase ASCII starting with a letter (a bare phone or ID number cannot pass), no `/` (part of
 * state keys). The same shape as the events module's building codes, so a registered building is a grid's building.
 */
export const ADDRESS_CODE_PATTERN = '^[a-z][a-z0-9-]*$';
/**
 * A display name: printable, no `/`, and no run of six or more digits (a phone or ID number does not fit; `1203室`
 * does): each digit run at most 5 long, between single non-digits — no lookahead (API fuzzers generate from it) and
 * no ambiguous repetition (linear to match). Public: it is on the ledger for everyone.
 */
export const ADDRESS_NAME_PATTERN = '^[0-9]{0,5}(?:[^\\u0000-\\u001f\\u007f/0-9][0-9]{0,5})*$';

export const ADDRESS_KINDS = ['building', 'unit'] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];

export const ADDRESS_STATUSES = ['active', 'retired'] as const;
export type AddressStatus = (typeof ADDRESS_STATUSES)[number];

/** Roles that register, update and retire addresses (checked by the node, which knows the caller's role). */
export const ADDRESS_REGISTRAR_ROLES = ['official', 'dispatcher'] as const;

// ---------------------------------------------------------------------------------------------------------------------
// Payloads and records
// ---------------------------------------------------------------------------------------------------------------------

/** A position in integer microdegrees (WGS-84), so that the state holds no floating point. */
export type AddressPosition = { latE6: number; longE6: number };

/** `address.register`: a new code (never used before, even retired). A unit names its building. */
export type AddressRegisterPayload = {
  code: string;
  kind: AddressKind;
  /** a unit: its building's code (an active building); a building: absent */
  parent?: string;
  name: string;
  position?: AddressPosition;
  /** the registrar's pseudonym */
  by: string;
};

/** `address.update`: a new display name and/or position of an active address of the signing organisation. */
export type AddressUpdatePayload = {
  code: string;
  name?: string;
  /** null: remove the position */
  position?: AddressPosition | null;
  by: string;
};

/** `address.retire`: the code stays taken; a building with active units is not retired. */
export type AddressRetirePayload = { code: string; by: string };

export type AddressPayload = AddressRegisterPayload | AddressUpdatePayload | AddressRetirePayload;

/** `addresses/code/<code>` */
export type AddressRecord = {
  code: string;
  kind: AddressKind;
  parent: string | null;
  name: string;
  position: AddressPosition | null;
  /** the defining organisation (the street office): only it updates or retires the address */
  org: string;
  status: AddressStatus;
  /** a building: units ever registered under it (retired ones count: codes are never reused); a unit: 0 */
  units: number;
  /** a building: its active units (it is retired only when none); a unit: 0 */
  activeUnits: number;
  registeredAt: number;
  updatedAt: number;
  /** the pseudonym of the last registrar who changed it */
  by: string;
  /** the last transaction that changed it */
  txHash: string;
};

// ---------------------------------------------------------------------------------------------------------------------
// State keys
// ---------------------------------------------------------------------------------------------------------------------

export const addressKey = (code: string): string => `${ADDRESSES_PREFIX}code/${code}`;
/** index of buildings: `addresses/buildings/<code>` → status */
export const BUILDINGS_INDEX_PREFIX = `${ADDRESSES_PREFIX}buildings/`;
export const buildingIndexKey = (code: string): string => `${BUILDINGS_INDEX_PREFIX}${code}`;
/** index of a building's units: `addresses/units/<building>/<unit>` → status */
export const unitsPrefix = (building: string): string => `${ADDRESSES_PREFIX}units/${building}/`;
export const unitIndexKey = (building: string, unit: string): string => `${unitsPrefix(building)}${unit}`;
