/**
 * The "verified" mark of a funds step, an alert or a feed entry: its proof bundle checked in this browser against the
 * chain's genesis (the core's verifyShownBundle: signature, inclusion, commit certificate), then what the page shows
 * against the recorded transaction — its hash, that it is a `fund.*` transaction, the organisation whose key signed it,
 * the acting pseudonym (`by`) and the application or payment it is about.
 */
import { verifyShownBundle, type ProofBundle } from '@machi/core';
import { loadGenesis, unprovable, type Mark } from '../../verify/ledger';

/** What a page shows of one step: the transaction, the signing organisation; optionally its type, actor and subject id. */
export interface Shown {
  txHash: string;
  org: string;
  type?: string;
  actor?: string;
  /** the id the transaction must name (its application, payment, reissued payment, notice, receipt, reconciliation, person or programme) */
  about?: string;
  proof?: unknown;
}

type Genesis = { orgs: { id: string; publicKey: string }[] };

export function checkShown(s: Shown, genesis: unknown): Mark {
  const none = unprovable(s.proof);
  if (none !== undefined) return none;
  const checked = verifyShownBundle(s, s.proof, genesis, 'step');
  if (!checked.ok) return { state: 'failed', field: checked.field, reason: checked.reason };
  const { verdict } = checked;
  const tx = (s.proof as ProofBundle).tx;
  const payload = tx.payload as Record<string, unknown>;
  const fail = (field: string, reason: string): Mark => ({ state: 'failed', field, reason });
  if (verdict.txHash !== s.txHash) return fail('txHash', `the page shows ${s.txHash}, the bundle proves ${verdict.txHash}`);
  if (!tx.type.startsWith('fund.')) return fail('tx.type', `${tx.type} is not a funds step`);
  if (s.type !== undefined && s.type !== tx.type) return fail('type', `the page shows ${s.type}, the ledger recorded ${tx.type}`);
  const signer = (genesis as Genesis).orgs.find((o) => o.publicKey === tx.signer)?.id;
  if (signer !== s.org) return fail('org', `the page shows ${s.org}, ${signer ?? 'an unknown key'} signed`);
  if (s.actor !== undefined && payload.by !== s.actor) return fail('actor', 'the acting pseudonym differs from the ledger');
  const named = [
    payload.application, payload.payment, payload.of, payload.notice, payload.receipt, payload.reconciliation, payload.person,
    ...(tx.type === 'fund.define_programme' ? [payload.programme] : []), ...(Array.isArray(payload.applications) ? payload.applications : []),
  ];
  if (s.about !== undefined && !named.includes(s.about)) return fail('about', `the transaction is not about ${s.about}`);
  return { state: 'verified', height: verdict.height, signedBy: verdict.signedBy };
}

/** Marks for shown steps, computed a few at a time so the page stays responsive. */
export async function verifyShown(items: readonly Shown[]): Promise<Mark[]> {
  let genesis: unknown;
  try {
    genesis = await loadGenesis();
  } catch (e) {
    return items.map(() => ({ state: 'failed', field: 'genesis', reason: String(e) }));
  }
  const marks: Mark[] = [];
  for (const it of items) {
    if (marks.length % 8 === 0) await new Promise((r) => setTimeout(r, 0));
    marks.push(checkShown(it, genesis));
  }
  return marks;
}
