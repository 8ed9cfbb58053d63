/**
 * The member set of a chain at a height, from its state (the consortium module's keys) and its genesis: what the
 * executor, the chain verifier and the node ask. No imports beyond types, so chain.ts can use it. docs/spec/consensus.md#membership
 */
import type { Org } from '../../genesis.js';
import type { StateRead } from '../../foundation/state.js';

/** A change takes effect this many heights after the block that approved it (that block's height + 2). */
export const SET_CHANGE_DELAY_HEIGHTS = 2;
/** The organisations of the chain from a height on: `epoch` counts the changes since genesis (0 = the genesis set). */
export interface MemberSet {
  epoch: number;
  /** the first height this set signs and whose transactions it may sign */
  from: number;
  orgs: Org[];
}

/** State keys. */
export const CONSORTIUM_SET_KEY = 'consortium/set';
export const CONSORTIUM_NEXT_KEY = 'consortium/next';
export const consortiumProposalKey = (id: string): string => `consortium/proposals/${id}`;
export const consortiumCheckpointKey = (height: number, org: string): string => `consortium/checkpoints/${String(height).padStart(12, '0')}/${org}`;

export function genesisSet(orgs: readonly Org[]): MemberSet {
  return { epoch: 0, from: 1, orgs: orgs.map((o) => ({ ...o })) };
}

/**
 * The member set that holds at `height`, from the committed state (`read`) and the genesis organisations: the
 * approved next set once its height is reached, else the current one, else the genesis set.
 */
export function memberSetAt(genesisOrgs: readonly Org[], read: StateRead, height: number): MemberSet {
  const next = read(CONSORTIUM_NEXT_KEY);
  if (next !== undefined) {
    const n = JSON.parse(next) as MemberSet;
    if (height >= n.from) return n;
  }
  const cur = read(CONSORTIUM_SET_KEY);
  return cur === undefined ? genesisSet(genesisOrgs) : (JSON.parse(cur) as MemberSet);
}

