/**
 * The provenance module's client contract: the views its routes serve, and the export package of a preserved record
 * with its offline check (`verifyPreservedPackage`), which the public verification page runs in the browser — the
 * core's own proof checks, bundled, against the genesis the package carries. docs/spec/provenance.md#export-package
 */
import { verifyShownRecord, type ProofBundle } from '../../bundle.js';
import { genesisHash, parseGenesis } from '../../genesis.js';
import { isMachiError } from '../../errors.js';
import type { CustodyPayload, Holder, PreservePayload, TraceEvent, WorkStep } from './types.js';

export const PRESERVED_PACKAGE_FORMAT = 'machi.preserved-record-package.v1';

/** A ledger step as a page or a package shows it: the transaction's payload fields, its hash and height, its proof. */
export type Shown<P> = P & { txHash: string; height: number; time: number };

export interface PreservedView {
  record: Shown<PreservePayload>;
  org: string;
  holder: Holder;
  custody: Shown<CustodyPayload>[];
  /** the node keeps the file (encrypted) and you may download it */
  fileAvailable: boolean;
  proof?: ProofBundle;
  custodyProofs?: ProofBundle[];
}

export interface PreservedPackage {
  format: typeof PRESERVED_PACKAGE_FORMAT;
  /** plain-language steps for a court clerk */
  instructions: string[];
  /** the public verification page */
  verifyAt: string;
  /** SHA-256 of the file, hex */
  fileHash: string;
  /** the filing number: the preserving transaction's hash */
  filingNumber: string;
  organisation: { id: string; name: string };
  record: Shown<PreservePayload>;
  proof: ProofBundle;
  custody: { step: Shown<CustodyPayload>; proof: ProofBundle }[];
  /** the chain's genesis file: the package verifies against it with nothing else */
  genesis: unknown;
  /** SHA-256 of the genesis (compare it with the chain's published one) */
  genesisHash: string;
}

export type PackageVerdict =
  | { ok: true; filingNumber: string; height: number; blockTime: number; signedBy: string[]; org: string; custodySteps: number; genesisHash: string }
  | { ok: false; field: string; reason: string };

const fail = (field: string, reason: string): PackageVerdict => ({ ok: false, field, reason });

/**
 * Checks a preserved record's export package offline: the file's hash (when given) is the package's, the record
 * names that hash, the record and every custody step are what the ledger recorded (proof bundles against the
 * package's genesis), and the custody steps chain from the first holder. Never throws; a failure names the field.
 */
export function verifyPreservedPackage(pkg: unknown, fileHash?: string): PackageVerdict {
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) return fail('package', 'is not a JSON object');
  const p = pkg as Partial<PreservedPackage>;
  if (p.format !== PRESERVED_PACKAGE_FORMAT) return fail('format', `is not "${PRESERVED_PACKAGE_FORMAT}"`);
  let gHash: string;
  try {
    gHash = genesisHash(parseGenesis(p.genesis));
  } catch (e) {
    return fail('genesis', isMachiError(e) ? e.message : String(e));
  }
  if (p.genesisHash !== gHash) return fail('genesisHash', `the package's genesis hashes to ${gHash}`);
  if (fileHash !== undefined && p.fileHash !== fileHash) return fail('fileHash', `the file hashes to ${fileHash}, the package names ${String(p.fileHash)}`);
  if (typeof p.record !== 'object' || p.record === null) return fail('record', 'is missing');
  if (p.record.hash !== p.fileHash) return fail('record.hash', `is not the package's fileHash`);
  const v = verifyShownRecord(p.record, p.proof, p.genesis, 'provenance.preserve');
  if (!v.ok) return fail(v.field.replace(/^bundle\./, 'proof.'), v.reason);
  if (p.filingNumber !== v.verdict.txHash) return fail('filingNumber', `is not the preserving transaction ${v.verdict.txHash}`);
  // by the member set of its height (a key may have been rotated since the genesis)
  const signer = v.verdict.signer;
  if (p.organisation?.id !== signer) return fail('organisation', `the record was signed by ${signer}`);
  let holder: Holder = { org: signer, actor: p.record.capture.by };
  const steps = Array.isArray(p.custody) ? p.custody : [];
  for (const [i, c] of steps.entries()) {
    const s = verifyShownRecord(c?.step, c?.proof, p.genesis, 'provenance.custody');
    if (!s.ok) return fail(`custody[${i}].${s.field.replace(/^bundle\./, 'proof.').replace(/^record\./, 'step.')}`, s.reason);
    if (c.step.record !== p.record.record) return fail(`custody[${i}].step.record`, 'is another record');
    if (c.step.from.org !== holder.org || c.step.from.actor !== holder.actor) return fail(`custody[${i}].step.from`, 'is not the holder after the step before');
    holder = c.step.to;
  }
  return { ok: true, filingNumber: v.verdict.txHash, height: v.verdict.height, blockTime: (p.proof as ProofBundle).header.time, signedBy: v.verdict.signedBy, org: signer, custodySteps: steps.length, genesisHash: gHash };
}

export interface WorkView {
  hash: string;
  title: string;
  authors: string[];
  licence: string;
  owner: Holder;
  steps: (WorkStep & { proof?: ProofBundle })[];
}

export interface TraceEventView {
  event: Shown<Omit<TraceEvent, 'org' | 'txHash' | 'height' | 'time'>>;
  org: string;
  proof?: ProofBundle;
  /** declared erroneous by a later event */
  erroneous: boolean;
}

export interface TracedItemView {
  uri: string;
  gtin: string;
  serial: string;
  batch?: string;
  expiry?: string;
  installedAt?: string;
  replaced: boolean;
  lastInspection?: TraceEventView;
  events: TraceEventView[];
  scans: { total: number; places: number };
}

export interface ScanAnswer {
  item: TracedItemView;
  /** set when this scan looks like a copied code: the serial scanned where it is not installed, or after replacement */
  alert?: { kind: 'elsewhere' | 'replaced' | 'many-places'; message: string };
}

export interface ScanAlertView {
  id: number;
  gtin: string;
  serial: string;
  kind: string;
  place: string;
  at: number;
  scans: number;
}
