/**
 * Each organisation's keys over the chain's life, from its member sets: the genesis set and every set a change brought
 * in (the sets `verifySetChanges` returns, or the node's set-change certificates' `set`s — the same sets consensus
 * runs on; nothing else is recorded). What a verifier of something an organisation signed outside the blocks (an
 * SD-JWT credential, a status list: docs/spec/identity.md#dids-and-keys) needs to pick the key in force at a height.
 * Pure. docs/spec/membership.md#key-history
 */
import type { MemberSet } from './set.js';

/** One key of an organisation and the heights it was in force: `from` up to `until` − 1 (`until` absent: still). */
export interface OrgKey {
  publicKey: string;
  /** the first height the organisation signed with it */
  from: number;
  /** the first height it no longer did (a rotation, or the organisation's removal took effect); absent while in force */
  until?: number;
}

/**
 * Each organisation's keys, oldest first, from `sets` in order (the genesis set first; a set not yet in force — an
 * approved change waiting for its height — included: its key's `from` is above the head). A key rotation closes the
 * old key at the new set's `from` and opens the new one there; a removal closes the key; an organisation added later
 * starts with the set that added it. An organisation's index in its list never changes: entries are only appended.
 */
export function orgKeyHistory(sets: readonly MemberSet[]): Map<string, OrgKey[]> {
  const history = new Map<string, OrgKey[]>();
  for (const set of sets) {
    const present = new Set<string>();
    for (const org of set.orgs) {
      present.add(org.id);
      const keys = history.get(org.id) ?? [];
      const last = keys[keys.length - 1];
      if (last !== undefined && last.until === undefined && last.publicKey === org.publicKey) continue;
      if (last !== undefined && last.until === undefined) last.until = set.from;
      keys.push({ publicKey: org.publicKey, from: set.from });
      history.set(org.id, keys);
    }
    for (const [id, keys] of history) {
      const last = keys[keys.length - 1]!;
      if (!present.has(id) && last.until === undefined) last.until = set.from;
    }
  }
  return history;
}

/** The key of `keys` (one organisation's history) in force at `height`, if any. */
export function orgKeyAt(keys: readonly OrgKey[], height: number): OrgKey | undefined {
  return keys.find((k) => k.from <= height && (k.until === undefined || height < k.until));
}
