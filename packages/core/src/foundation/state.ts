/**
 * How queries read the committed state: a key reader and a prefix scan (the node's state store provides both; tests
 * use maps). Values are canonical JSON text, as stored.
 */

/** The committed value of a key, or undefined. */
export type StateRead = (key: string) => string | undefined;
/** Entries whose key starts with `prefix`, in key order, at most `limit`. */
export type StateScan = (prefix: string, limit: number) => readonly (readonly [string, string])[];

/** The parsed value of a stored JSON text, or undefined. */
export const parseState = <T>(text: string | undefined): T | undefined => (text === undefined ? undefined : (JSON.parse(text) as T));

/** The organisations of a chain, in whichever collection the caller has. */
export type OrgIds = ReadonlySet<string> | ReadonlyMap<string, unknown> | readonly string[];

export const hasOrg = (orgIds: OrgIds, org: string): boolean =>
  Array.isArray(orgIds) ? orgIds.includes(org) : (orgIds as ReadonlySet<string>).has(org);
