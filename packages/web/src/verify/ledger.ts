/**
 * The "verified" mark of a record a page shows with its proof bundle: the core's own checks (transaction signature,
 * RFC 9162 inclusion, commit certificate; then every shown field against the recorded transaction), run here in the
 * browser against the chain's genesis file. No second implementation: this is @machi/core, bundled. Modules with
 * their own record shapes (a repair's timeline) build on `loadGenesis` and `Mark`.
 *
 * A record may come without its proof: a node that joined from a snapshot cannot prove a transaction at or before the
 * snapshot's height until it has fetched that history (docs/spec/membership.md#history) — the API shows the record
 * with `proof: null` and the proof route answers 503 HISTORY_INCOMPLETE. Its mark is `unavailable` (nothing was
 * checked, nothing failed), not `failed`: every other problem is `failed`.
 */
import { verifyShownRecord } from '@machi/core';
import { ApiError } from '../api';

let genesisPromise: Promise<unknown> | null = null;

/** The genesis file, fetched once per page load. */
export function loadGenesis(): Promise<unknown> {
  genesisPromise ??= fetch('/v1/genesis').then((r) => {
    if (!r.ok) throw new Error(`genesis: ${r.status}`);
    return r.json() as Promise<unknown>;
  });
  return genesisPromise;
}

/** Tests only: the next loadGenesis fetches again (the in-process tests share this module between files). */
export function forgetGenesis(): void {
  genesisPromise = null;
}

export type Mark =
  | { state: 'checking' }
  | { state: 'verified'; height: number; signedBy: string[] }
  | { state: 'failed'; field: string; reason: string }
  /** not provable on the node that served the record yet (history below its snapshot not fetched): neither verified nor failed */
  | { state: 'unavailable'; reason: string };

/** The mark of a record shown without a proof bundle (`proof: null` or absent), else undefined: check the bundle. */
export function unprovable(proof: unknown): Mark | undefined {
  return proof === null || proof === undefined ? { state: 'unavailable', reason: 'no proof bundle: this node has not fetched that part of the history yet' } : undefined;
}

/** The mark of a proof fetch that answered 503 HISTORY_INCOMPLETE, else undefined (any other error is a failure). */
export function historyIncomplete(e: unknown): Mark | undefined {
  return e instanceof ApiError && e.status === 503 && e.code === 'HISTORY_INCOMPLETE' ? { state: 'unavailable', reason: `HISTORY_INCOMPLETE: ${e.message}` } : undefined;
}

/** Marks for records an API shows with their proof bundles (access records…): the core's verifyShownRecord. */
export async function verifyRecords(items: readonly { record: unknown; proof?: unknown }[], txType: string): Promise<Mark[]> {
  let genesis: unknown;
  try {
    genesis = await loadGenesis();
  } catch (e) {
    return items.map(() => ({ state: 'failed', field: 'genesis', reason: String(e) }));
  }
  const marks: Mark[] = [];
  for (const it of items) {
    await new Promise((r) => setTimeout(r, 0));
    const none = unprovable(it.proof);
    if (none !== undefined) {
      marks.push(none);
      continue;
    }
    const v = verifyShownRecord(it.record, it.proof, genesis, txType);
    marks.push(v.ok ? { state: 'verified', height: v.verdict.height, signedBy: v.verdict.signedBy } : { state: 'failed', field: v.field, reason: v.reason });
  }
  return marks;
}
