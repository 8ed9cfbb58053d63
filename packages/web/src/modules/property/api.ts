/** Property calls beyond a plain get/post, and the money format. Types are the core's records. */
import { verifyShownBundle, type ProofBundle } from '@machi/core';
import { loadGenesis, type Mark } from '../../verify/ledger';

export type Proved<T> = T & { proof: unknown };

/** Fen as yuan with two decimals (integer arithmetic: no floating point on money). */
export function yuan(fen: number): string {
  const f = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}¥${Math.floor(f / 100).toLocaleString('en')}.${String(f % 100).padStart(2, '0')}`;
}

/** A yuan amount typed by staff ("223.75") as integer fen, or null when it is not one. */
export function fenOf(text: string): number | null {
  const m = /^\s*([0-9]{1,10})(?:\.([0-9]{1,2}))?\s*$/.exec(text);
  return m === null ? null : Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** dm² as m² with two decimals. */
export const m2 = (dm2: number): string => `${Math.floor(dm2 / 100)}.${String(dm2 % 100).padStart(2, '0')} m²`;

/**
 * The "verified" mark of a shown step: its proof bundle checked here against the genesis (signature, inclusion,
 * commit certificate), then that it proves this transaction and that it is a property step.
 */
export async function verifySteps(items: readonly { txHash: string; proof: unknown }[]): Promise<Mark[]> {
  let genesis: unknown;
  try {
    genesis = await loadGenesis();
  } catch (e) {
    return items.map(() => ({ state: 'failed', field: 'genesis', reason: String(e) }));
  }
  return items.map((s) => {
    const c = verifyShownBundle(s, s.proof, genesis, 'step');
    if (!c.ok) return { state: 'failed', field: c.field, reason: c.reason };
    if (c.verdict.txHash !== s.txHash) return { state: 'failed', field: 'txHash', reason: `the bundle proves ${c.verdict.txHash}` };
    if (!(s.proof as ProofBundle).tx.type.startsWith('property.')) return { state: 'failed', field: 'tx.type', reason: 'not a property step' };
    return { state: 'verified', height: c.verdict.height, signedBy: c.verdict.signedBy };
  });
}
