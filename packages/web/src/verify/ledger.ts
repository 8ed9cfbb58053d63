/**
 * The "verified" mark of a record a page shows with its proof bundle: the core's own checks (transaction signature,
 * RFC 9162 inclusion, commit certificate; then every shown field against the recorded transaction), run here in the
 * browser against the chain's genesis file. No second implementation: this is @machi/core, bundled. Modules with
 * their own record shapes (a repair's timeline) build on `loadGenesis` and `Mark`.
 */
import { verifyShownRecord } from '@machi/core';

let genesisPromise: Promise<unknown> | null = null;

/** The genesis file, fetched once per page load. */
export function loadGenesis(): Promise<unknown> {
  genesisPromise ??= fetch('/v1/genesis').then((r) => {
    if (!r.ok) throw new Error(`genesis: ${r.status}`);
    return r.json() as Promise<unknown>;
  });
  return genesisPromise;
}

export type Mark = { state: 'checking' } | { state: 'verified'; height: number; signedBy: string[] } | { state: 'failed'; field: string; reason: string };

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
    const v = verifyShownRecord(it.record, it.proof, genesis, txType);
    marks.push(v.ok ? { state: 'verified', height: v.verdict.height, signedBy: v.verdict.signedBy } : { state: 'failed', field: v.field, reason: v.reason });
  }
  return marks;
}
