/**
 * Property calls beyond a plain get/post, the money format, and the checks each page runs in this browser on what it
 * shows (proof bundles against the genesis, then the module's own rules recomputed). Types are the core's records.
 */
import {
  DISCLOSURE_ACCOUNTS, EMERGENCY_FIRST_TRANSFER_PCT_MAX, checkFieldCommitment, sameJson, sha256Hex, tenderCommitmentText, verifyShownBundle,
  type DisclosureAccount, type DisclosureLine, type DisclosureRecord, type FieldOpening, type ProofBundle, type TenderRecord,
} from '@machi/core';
import { get } from '../../api';
import { historyIncomplete, loadGenesis, unprovable, type Mark } from '../../verify/ledger';

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
    const none = unprovable(s.proof);
    if (none !== undefined) return none;
    const c = verifyShownBundle(s, s.proof, genesis, 'step');
    if (!c.ok) return { state: 'failed', field: c.field, reason: c.reason };
    if (c.verdict.txHash !== s.txHash) return { state: 'failed', field: 'txHash', reason: `the bundle proves ${c.verdict.txHash}` };
    if (!(s.proof as ProofBundle).tx.type.startsWith('property.')) return { state: 'failed', field: 'tx.type', reason: 'not a property step' };
    return { state: 'verified', height: c.verdict.height, signedBy: c.verdict.signedBy };
  });
}

/** A committed transaction's proof bundle, from any node (public). */
export const proofOf = (txHash: string): Promise<ProofBundle> => get<ProofBundle>(`/v1/txs/${txHash}/proof`);

type Checked = { ok: true; bundle: ProofBundle; mark: Mark } | { ok: false; mark: Mark };
const failed = (field: string, reason: string): { ok: false; mark: Mark } => ({ ok: false, mark: { state: 'failed', field, reason } });

/** A proof fetch that gave no bundle: its mark (unavailable for 503 HISTORY_INCOMPLETE, any other error failed). */
class NoBundle {
  constructor(readonly mark: Mark) {}
}

/**
 * A bundle checked against the genesis, then that it proves `txHash`, a transaction of `type`. No bundle (a record
 * shown with `proof: null`, a fetch answering HISTORY_INCOMPLETE) is unavailable, not failed.
 */
function checkBundle(proof: unknown, genesis: unknown, txHash: string, type: string): Checked {
  if (proof instanceof NoBundle) return { ok: false, mark: proof.mark };
  const none = unprovable(proof);
  if (none !== undefined) return { ok: false, mark: none };
  const c = verifyShownBundle({ txHash }, proof, genesis, 'step');
  if (!c.ok) return failed(c.field, c.reason);
  if (c.verdict.txHash !== txHash) return failed('txHash', `the bundle proves ${c.verdict.txHash}`);
  const bundle = proof as ProofBundle;
  if (bundle.tx.type !== type) return failed('tx.type', `is ${bundle.tx.type}, not ${type}`);
  return { ok: true, bundle, mark: { state: 'verified', height: c.verdict.height, signedBy: c.verdict.signedBy } };
}

/** The first of `fields` whose shown value differs from the recorded one, as a failed check. */
function differs(shown: Record<string, unknown>, recorded: Record<string, unknown>, fields: readonly string[]): { ok: false; mark: Mark } | undefined {
  const k = fields.find((f) => !sameJson(shown[f], recorded[f]));
  return k === undefined ? undefined : failed(`record.${k}`, `the page shows ${JSON.stringify(shown[k])}, the ledger recorded ${JSON.stringify(recorded[k])}`);
}

/**
 * A period's disclosure checked line by line in this browser: the bundle of its `property.disclose` (signature,
 * inclusion, commit certificate), each shown line against the line the transaction recorded, and the totals per
 * account recomputed here from the recorded lines (the handler's sums: docs/spec/property.md#transactions).
 */
export async function verifyDisclosure(d: Proved<DisclosureRecord>): Promise<{ lines: Mark[]; totals: Mark }> {
  const all = (m: Mark) => ({ lines: d.lines.map(() => m), totals: m });
  let genesis: unknown;
  try {
    genesis = await loadGenesis();
  } catch (e) {
    return all({ state: 'failed', field: 'genesis', reason: String(e) });
  }
  const c = checkBundle(d.proof, genesis, d.txHash, 'property.disclose');
  if (!c.ok) return all(c.mark);
  const p = c.bundle.tx.payload as { period: string; lines: DisclosureLine[] };
  if (p.period !== d.period) return all({ state: 'failed', field: 'record.period', reason: `the ledger recorded ${p.period}` });
  const lines = d.lines.map((l, i): Mark => (sameJson(l, p.lines[i])
    ? c.mark
    : { state: 'failed', field: `lines.${i}`, reason: `the page shows ${JSON.stringify(l)}, the ledger recorded ${JSON.stringify(p.lines[i] ?? null)}` }));
  if (p.lines.length !== d.lines.length) return { lines, totals: { state: 'failed', field: 'lines', reason: `the ledger recorded ${p.lines.length} lines, the page shows ${d.lines.length}` } };
  const sums = disclosureTotals(p.lines);
  const wrong = DISCLOSURE_ACCOUNTS.find((a) => !sameJson(sums[a], d.totals[a]));
  return { lines, totals: wrong === undefined ? c.mark : { state: 'failed', field: `totals.${wrong}`, reason: `the recorded lines sum to ${JSON.stringify(sums[wrong])}` } };
}

/** Income and spending per account, summed from the lines (integer fen). */
export function disclosureTotals(lines: readonly DisclosureLine[]): Record<DisclosureAccount, { incomeFen: number; spendingFen: number }> {
  const t = Object.fromEntries(DISCLOSURE_ACCOUNTS.map((a) => [a, { incomeFen: 0, spendingFen: 0 }])) as Record<DisclosureAccount, { incomeFen: number; spendingFen: number }>;
  for (const l of lines) t[l.account][l.kind === 'income' ? 'incomeFen' : 'spendingFen'] += l.amountFen;
  return t;
}

export type TenderMarks = { commits: Mark[]; reveals: (Mark | null)[]; opening: Mark | null };

/**
 * A tender checked in this browser from its transactions' bundles (fetched from the public proof route): each bid's
 * commitment as committed; each reveal's price and salt re-hashed here (SHA-256 of the commitment text) — equal to the
 * commitment: the bid is revealed at that price, else it counts as withdrawn (reveal-mismatch); and the opening record:
 * every bid not revealed withdrawn, the ranking recomputed (price, then commit time from the commit's certified block,
 * then bid id) and its winner.
 */
export async function verifyTender(t: TenderRecord & { proof?: unknown }, fetchProof: (txHash: string) => Promise<unknown> = proofOf): Promise<TenderMarks> {
  let genesis: unknown;
  const fetched = async (tx: string): Promise<unknown> => fetchProof(tx).catch((e: unknown) => new NoBundle(historyIncomplete(e) ?? { state: 'failed', field: 'proof', reason: String(e) }));
  try {
    genesis = await loadGenesis();
  } catch (e) {
    const m: Mark = { state: 'failed', field: 'genesis', reason: String(e) };
    return { commits: t.bids.map(() => m), reveals: t.bids.map((b) => (b.revealTx === null ? null : m)), opening: t.opened === null ? null : m };
  }
  const commits = await Promise.all(t.bids.map(async (b) => {
    const c = checkBundle(await fetched(b.commitTx), genesis, b.commitTx, 'property.tender_commit');
    if (!c.ok) return c;
    const p = c.bundle.tx.payload as Record<string, unknown>;
    return differs({ ...b, tender: t.tender }, p, ['tender', 'bid', 'bidder', 'commitment']) ?? { ...c, at: c.bundle.header.time };
  }));
  const reveals = await Promise.all(t.bids.map(async (b) => {
    if (b.revealTx === null) return null;
    const c = checkBundle(await fetched(b.revealTx), genesis, b.revealTx, 'property.tender_reveal');
    if (!c.ok) return c;
    const p = c.bundle.tx.payload as { tender: string; bid: string; priceFen: number; salt: string };
    if (p.tender !== t.tender || p.bid !== b.bid) return failed('record.bid', `the reveal is of ${p.tender}/${p.bid}`);
    const matches = sha256Hex(tenderCommitmentText(p.tender, p.bid, p.priceFen, p.salt)) === b.commitment;
    if (matches && (b.status !== 'revealed' || b.priceFen !== p.priceFen)) return failed('record.priceFen', `the reveal opens the commitment at ${p.priceFen} fen`);
    if (!matches && (b.status !== 'withdrawn' || b.withdrawnFor !== 'reveal-mismatch')) return failed('record.status', 'the reveal does not open the commitment: the bid counts as withdrawn');
    return c;
  }));
  let opening: Mark | null = null;
  if (t.opened !== null) {
    const c = checkBundle(t.proof ?? await fetched(t.opened.txHash), genesis, t.opened.txHash, 'property.tender_close');
    if (!c.ok) opening = c.mark;
    else if ((c.bundle.tx.payload as { tender: string }).tender !== t.tender) opening = { state: 'failed', field: 'record.tender', reason: 'the opening is of another tender' };
    else if ([...commits, ...reveals].some((m) => m?.mark.state === 'unavailable')) {
      // the ranking cannot be recomputed here without every bid's bundles
      opening = { state: 'unavailable', reason: 'bids not provable on this node yet' };
    } else {
      // the ranking from the bids this browser checked: revealed ones by price, commit time (certified), bid id
      const revealed = t.bids.flatMap((b, i) => {
        const cm = commits[i]!;
        return b.status === 'revealed' && cm.ok && reveals[i]?.ok === true ? [{ bid: b.bid, bidder: b.bidder, priceFen: b.priceFen!, at: (cm as { at: number }).at }] : [];
      }).sort((a, b) => a.priceFen - b.priceFen || a.at - b.at || (a.bid < b.bid ? -1 : 1)).map(({ bid, bidder, priceFen }) => ({ bid, bidder, priceFen }));
      const withdrawn = t.bids.filter((b) => b.status !== 'revealed').map((b) => b.bid).sort();
      if (!sameJson(revealed, t.opened.ranking)) opening = { state: 'failed', field: 'opened.ranking', reason: `recomputed here: ${JSON.stringify(revealed)}` };
      else if (!sameJson(withdrawn, [...t.opened.withdrawn].sort())) opening = { state: 'failed', field: 'opened.withdrawn', reason: `recomputed here: ${withdrawn.join(', ')}` };
      else if (t.opened.winner !== (revealed[0]?.bid ?? null)) opening = { state: 'failed', field: 'opened.winner', reason: `recomputed here: ${revealed[0]?.bid ?? 'none'}` };
      else opening = c.mark;
    }
  }
  return { commits: commits.map((c) => c.mark), reveals: reveals.map((r) => r?.mark ?? null), opening };
}

/** An emergency's largest first transfer: 60 % of the budget, rounded down to the fen. */
export function emergencyCapFen(budgetFen: number): number {
  return Math.floor((budgetFen * EMERGENCY_FIRST_TRANSFER_PCT_MAX) / 100);
}
/** The handler's exact rule for an emergency's first transfer: amount·100 ≤ budget·60. */
export const withinCap = (amountFen: number, budgetFen: number): boolean => BigInt(amountFen) * 100n <= BigInt(budgetFen) * BigInt(EMERGENCY_FIRST_TRANSFER_PCT_MAX);

/**
 * A granted read of an owner: the access record's bundle (`privacy.access`, signed by the reading organisation) and
 * the released fields against the owner's commitment, both checked here.
 */
export async function verifyOwnerRead(r: { txHash: string; fields: Record<string, string>; commitment: string; opening: unknown }): Promise<{ access: Mark; fields: boolean }> {
  const fields = r.commitment !== '' && checkFieldCommitment(r.commitment, r.fields, r.opening as FieldOpening);
  try {
    const c = checkBundle(await proofOf(r.txHash), await loadGenesis(), r.txHash, 'privacy.access');
    return { access: c.mark, fields };
  } catch (e) {
    return { access: historyIncomplete(e) ?? { state: 'failed', field: 'proof', reason: String(e) }, fields };
  }
}
