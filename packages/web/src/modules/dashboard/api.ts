/** The dashboard's calls beyond a plain get: query strings of the filters, file exports, the live stream, a record's proof. */
import { verifyShownBundle, type DashboardFilter, type ProofBundle } from '@machi/core';
import { authHeaders, followStream, get } from '../../api';
import { historyIncomplete, loadGenesis, type Mark } from '../../verify/ledger';

export type Filter = Partial<DashboardFilter>;

export function qs(f: Filter & Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/** Downloads an export (CSV or Excel) of a panel, analytics or the records behind a figure. */
export async function download(params: Record<string, string | number | undefined>): Promise<void> {
  const res = await fetch(`/v1/dashboard/export${qs(params)}`, { headers: authHeaders() });
  if (!res.ok) throw new Error(`export: ${res.status}`);
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export';
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Calls `onHeight` whenever the node's read model has applied a new block. */
export function followHeights(onHeight: (e: { height: number; time: number; txs: number }) => void, onOpen: () => void, signal: AbortSignal): Promise<void> {
  return followStream('/v1/dashboard/stream', onHeight, onOpen, signal);
}

/** All string values of a payload (a transaction names its record's id somewhere in it). */
function strings(v: unknown, depth = 0): string[] {
  if (typeof v === 'string') return [v];
  if (depth > 3 || typeof v !== 'object' || v === null) return [];
  return Object.values(v).flatMap((x) => strings(x, depth + 1));
}

/**
 * A record's transaction with its proof bundle from the node, checked in this browser against the genesis (signature,
 * inclusion, commit certificate: the core's verifyBundle), and that the transaction is about the record shown.
 */
export async function proveRecord(tx: string, about?: string): Promise<{ mark: Mark; proof: ProofBundle | null }> {
  let proof: ProofBundle;
  try {
    proof = await get<ProofBundle>(`/v1/txs/${tx}/proof`);
  } catch (e) {
    return { mark: historyIncomplete(e) ?? { state: 'failed', field: 'proof', reason: String(e) }, proof: null };
  }
  const genesis = await loadGenesis();
  const checked = verifyShownBundle({ txHash: tx }, proof, genesis, 'record');
  if (!checked.ok) return { mark: { state: 'failed', field: checked.field, reason: checked.reason }, proof };
  if (checked.verdict.txHash !== tx) return { mark: { state: 'failed', field: 'txHash', reason: `the bundle proves ${checked.verdict.txHash}` }, proof };
  if (about !== undefined && !about.includes('/') && !strings(proof.tx.payload).includes(about)) {
    return { mark: { state: 'failed', field: 'about', reason: `the transaction does not name ${about}` }, proof };
  }
  return { mark: { state: 'verified', height: checked.verdict.height, signedBy: checked.verdict.signedBy }, proof };
}

export const yuan = (fen: number): string => (fen / 100).toLocaleString(undefined, { maximumFractionDigits: 0 });
