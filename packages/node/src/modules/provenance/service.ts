/**
 * The provenance service on a node: preserving records (the organisation signs; a resident appears under a pseudonym
 * of that record alone), keeping files sealed on request, custody handovers, certificates and export packages,
 * copyright works, EPCIS capture of traced items, and the public scan counter with its copied-code alerts.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  CAPTURE_CLOCK_SKEW_MS_MAX, MachiError, isValidGtin, PRESERVED_PACKAGE_FORMAT, traceEventRefusal, deskActor, eventsInForce, genesisHash, itemStatus, parseDigitalLink, preservedRecord, tracedItem, workRecord,
  type CustodyPayload, type Holder, type PreservePayload, type PreservedKind, type PreservedPackage, type PreservedRecord, type PreservedView,
  type ProofBundle, type ScanAnswer, type Shown, type TraceEvent, type TraceEventView, type TracedItem, type TracedItemView, type WorkView,
  ITEMS_SCAN_PREFIX, PROVENANCE_PREFIX,
} from '@machi/core';
import { LedgerActors, moduleActorOf, type Principal } from '../../auth/principal.js';
import { domainKeyOf } from '../../auth/secret.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { capturePayloads, epcisDocument, epcisSchemaError } from './epcis.js';
import { certificatePdf } from './certificate.js';
import type { ProvenanceStore } from './store.js';

/** HKDF info label of the key authors' per-work pseudonyms are derived with. */
export const WORK_AUTHOR_KEY_INFO = 'machi/provenance/work-author/v1';
export const PROVENANCE_LIST_MAX = 200;
export const SCAN_ALERTS_LIST_MAX = 100;
/** Places in EPCIS are URIs; Machi's own are `urn:machi:place:{code}`. */
export const PLACE_URI_PREFIX = 'urn:machi:place:';
export const placeUri = (code: string): string => `${PLACE_URI_PREFIX}${code}`;
export const placeCode = (uri: string): string => (uri.startsWith(PLACE_URI_PREFIX) ? uri.slice(PLACE_URI_PREFIX.length) : uri);

export interface PreserveBody {
  hash: string;
  kind: PreservedKind;
  device: string;
  capturedAt: number;
  place?: string;
  label?: string;
  keepFile: boolean;
}

export interface ProvenanceOptions {
  node: MachiNode;
  submitter: OrgSubmitter;
  store: ProvenanceStore;
  secret: Uint8Array;
  /** the address the verification page and Digital Links point at */
  publicUrl: () => string;
}

const notFound = (code: 'PRESERVED_NOT_FOUND' | 'WORK_NOT_FOUND' | 'TRACE_NOT_FOUND', why: string): never => {
  throw new MachiError(code, why);
};

export class ProvenanceService {
  readonly actors: LedgerActors;
  readonly read: (key: string) => string | undefined;

  constructor(private readonly o: ProvenanceOptions) {
    this.actors = new LedgerActors(o.secret, o.node.genesis.rules, 'provenance');
    this.read = (k) => o.node.store.read(k);
  }

  get store(): ProvenanceStore {
    return this.o.store;
  }

  /** A user's pseudonym in one context (a record, a work): residents get one per context, staff their organisation's actor. */
  actorFor(p: Principal, context: string): string {
    return p.role === 'resident' ? moduleActorOf(p.org, p.userId, this.o.secret, `provenance:${context}`) : p.actor;
  }

  /** Whether `p` may act as `holder` of `context`: the person, or (staff) their organisation's desk. */
  mayHold(p: Principal, holder: Holder, context: string): boolean {
    if (holder.org !== p.org) return false;
    if (holder.actor === this.actorFor(p, context)) return true;
    return p.role !== 'resident' && holder.actor === deskActor(p.org);
  }

  private knownOrg(org: string): void {
    if (!this.o.node.genesis.orgs.some((g) => g.id === org)) throw new MachiError('REQUEST_INVALID', `${org} is not an organisation of this chain`);
  }

  private async submit(type: string, payload: object, conflict: 'PRESERVED_CONFLICT' | 'WORK_CONFLICT' | 'TRACE_CONFLICT'): Promise<{ txHash: string; height: number }> {
    const rc = await this.o.submitter.submit(type, payload as Record<string, unknown>);
    if (rc.code !== undefined) throw new MachiError(conflict, rc.message ?? rc.code);
    return { txHash: rc.hash, height: rc.height ?? 0 };
  }

  // -- preserved records --

  async preserve(p: Principal, b: PreserveBody): Promise<PreservedView> {
    // the handler's rule, checked first so that a refusal leaves nothing on the ledger
    if (b.capturedAt > this.o.node.clock() + CAPTURE_CLOCK_SKEW_MS_MAX) throw new MachiError('PRESERVED_CONFLICT', 'capturedAt is after the block time: data cannot be chained before it was captured');
    const record = `pr_${randomBytes(8).toString('hex')}`;
    const payload: PreservePayload = {
      record, hash: b.hash, kind: b.kind,
      capture: { by: this.actorFor(p, record), role: p.role, device: b.device, capturedAt: b.capturedAt, ...(b.place === undefined ? {} : { place: b.place }) },
      fileKept: b.keepFile,
    };
    await this.submit('provenance.preserve', payload, 'PRESERVED_CONFLICT');
    // the label and who made it stay off the ledger (a resident's matter is theirs)
    this.o.store.putNote(`record:${record}`, { label: b.label ?? '', org: p.org, userId: p.userId });
    return this.view(record, p);
  }

  private record(record: string): PreservedRecord {
    return preservedRecord(this.read, record) ?? notFound('PRESERVED_NOT_FOUND', `no preserved record ${record}`);
  }

  private isMaker(p: Principal, record: string): boolean {
    const n = this.o.store.getNote<{ org: string; userId: string }>(`record:${record}`);
    return n !== undefined && n.org === p.org && n.userId === p.userId;
  }

  private proofs(hashes: readonly string[]): ProofBundle[] {
    return hashes.map((h) => this.o.node.proof(h)).filter((b): b is ProofBundle => b !== undefined);
  }

  /** A preserved record with its custody and proofs (public: ledger data; the label only for its holder or maker). */
  view(record: string, p?: Principal): PreservedView & { label?: string } {
    const r = this.record(record);
    const shown: Shown<PreservePayload> = { record: r.record, hash: r.hash, kind: r.kind, capture: r.capture, fileKept: r.fileKept, txHash: r.txHash, height: r.height, time: r.time };
    const custody = r.custody.map((c) => ({ record: c.record, from: c.from, to: c.to, purpose: c.purpose, txHash: c.txHash, height: c.height, time: c.time }));
    const v: PreservedView & { label?: string } = { record: shown, org: r.org, holder: r.holder, custody, fileAvailable: false };
    const proof = this.o.node.proof(r.txHash);
    if (proof !== undefined) v.proof = proof;
    v.custodyProofs = this.proofs(r.custody.map((c) => c.txHash));
    if (p !== undefined && (this.mayHold(p, r.holder, record) || this.isMaker(p, record))) {
      v.fileAvailable = this.o.store.hasFile(record);
      v.label = this.o.store.getNote<{ label: string }>(`record:${record}`)?.label ?? '';
    }
    return v;
  }

  /** Records the user holds or made (newest first). */
  mine(p: Principal): (PreservedView & { label?: string })[] {
    const rows = this.o.node.store.scan(`${PROVENANCE_PREFIX}record/`, 10_000);
    const out: (PreservedView & { label?: string })[] = [];
    for (const [, raw] of rows) {
      const r = JSON.parse(raw) as PreservedRecord;
      if (this.mayHold(p, r.holder, r.record) || this.isMaker(p, r.record)) out.push(this.view(r.record, p));
    }
    return out.sort((a, b) => b.record.time - a.record.time).slice(0, PROVENANCE_LIST_MAX);
  }

  uploadFile(p: Principal, record: string, bytes: Buffer, media: string): { record: string; bytes: number } {
    const r = this.record(record);
    if (!this.mayHold(p, r.holder, record) && !this.isMaker(p, record)) throw new MachiError('PRESERVED_FORBIDDEN', 'you do not hold this record');
    if (!r.fileKept) throw new MachiError('PRESERVED_CONFLICT', 'the record was preserved without keeping its file');
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== r.hash) throw new MachiError('PRESERVED_CONFLICT', `the file hashes to ${hash}, the record to ${r.hash}`);
    this.o.store.putFile(record, bytes, media);
    return { record, bytes: bytes.length };
  }

  file(p: Principal, record: string): { bytes: Buffer; media: string } {
    const r = this.record(record);
    if (!this.mayHold(p, r.holder, record) && !this.isMaker(p, record)) throw new MachiError('PRESERVED_FORBIDDEN', 'you do not hold this record');
    return this.o.store.getFile(record) ?? notFound('PRESERVED_NOT_FOUND', 'the node does not keep this record\'s file');
  }

  async handOver(p: Principal, record: string, to: string, purpose: CustodyPayload['purpose']): Promise<PreservedView> {
    const r = this.record(record);
    if (!this.mayHold(p, r.holder, record)) throw new MachiError('PRESERVED_FORBIDDEN', 'only the current holder hands a record over');
    this.knownOrg(to);
    const payload: CustodyPayload = { record, from: r.holder, to: { org: to, actor: deskActor(to) }, purpose };
    await this.submit('provenance.custody', payload, 'PRESERVED_CONFLICT');
    return this.view(record, p);
  }

  verifyAddress(txHash: string): string {
    return `${this.o.publicUrl()}/verify/${txHash}`;
  }

  /**
   * The export package of the record a preserving transaction made; 404 when the transaction is not one; 503
   * HISTORY_INCOMPLETE when this node (joined from a snapshot) cannot prove it yet (its proof is in the package).
   */
  package(txHash: string): PreservedPackage {
    const proof = this.o.node.proof(txHash);
    if (proof === undefined) {
      const incomplete = this.o.node.proofIncomplete(txHash);
      if (incomplete !== undefined) throw incomplete;
    }
    if (proof === undefined || proof.tx.type !== 'provenance.preserve') return notFound('PRESERVED_NOT_FOUND', `${txHash} is not a committed preserved record's transaction`);
    const record = (proof.tx.payload as { record: string }).record;
    const r = this.record(record);
    if (r.txHash !== txHash) return notFound('PRESERVED_NOT_FOUND', `${txHash} did not make record ${record}`);
    const v = this.view(record);
    const genesis = this.o.node.genesis;
    const org = genesis.orgs.find((g) => g.id === r.org)!;
    const verifyAt = this.verifyAddress(txHash);
    return {
      format: PRESERVED_PACKAGE_FORMAT,
      instructions: [
        `1. Open ${verifyAt} (or any copy of the verification page) in a browser. Once it has loaded it works offline.`,
        '2. Drop the original file and this package on the page.',
        '3. The page computes the file\'s SHA-256 and compares it with "fileHash"; then it checks "proof" (the transaction, its inclusion in the ledger and the validators\' signatures) against "genesis", and each custody step the same way.',
        `4. Compare "genesisHash" (${genesisHash(genesis)}) with the chain\'s genesis hash published by the consortium. If any check fails the page names the field.`,
        '5. The filing number is the preserving transaction\'s hash; the time is the block\'s time, certified by the validators.',
      ],
      verifyAt,
      fileHash: r.hash,
      filingNumber: r.txHash,
      organisation: { id: org.id, name: org.name ?? org.id },
      record: v.record,
      proof: proof,
      custody: v.custody.map((step, i) => ({ step, proof: v.custodyProofs![i]! })),
      genesis,
      genesisHash: genesisHash(genesis),
    };
  }

  async certificate(txHash: string): Promise<Uint8Array> {
    return certificatePdf(this.package(txHash), this.o.node.genesis.chainId);
  }

  // -- copyright works --

  authorPseudonym(hash: string, name: string): string {
    return createHmac('sha256', domainKeyOf(this.o.secret, WORK_AUTHOR_KEY_INFO)).update(`${hash}:${name}`, 'utf8').digest('hex').slice(0, 32);
  }

  async registerWork(p: Principal, b: { hash: string; title: string; authors: string[]; licence: string }): Promise<WorkView> {
    if (workRecord(this.read, b.hash) !== undefined) throw new MachiError('WORK_CONFLICT', `work ${b.hash} is registered already`);
    const owner: Holder = { org: p.org, actor: this.actorFor(p, `work:${b.hash}`) };
    await this.submit('provenance.work.register', { hash: b.hash, title: b.title, authors: b.authors.map((a) => this.authorPseudonym(b.hash, a)), licence: b.licence, owner }, 'WORK_CONFLICT');
    this.o.store.putNote(`work:${b.hash}`, { authors: b.authors, org: p.org, userId: p.userId });
    return this.work(b.hash);
  }

  work(hash: string): WorkView {
    const w = workRecord(this.read, hash) ?? notFound('WORK_NOT_FOUND', `no work ${hash}`);
    return { hash: w.hash, title: w.title, authors: w.authors, licence: w.licence, owner: w.owner, steps: w.steps.map((s) => ({ ...s, ...(this.o.node.proof(s.txHash) === undefined ? {} : { proof: this.o.node.proof(s.txHash)! }) })) };
  }

  private ownWork(p: Principal, hash: string): Holder {
    const w = workRecord(this.read, hash) ?? notFound('WORK_NOT_FOUND', `no work ${hash}`);
    if (!this.mayHold(p, w.owner, `work:${hash}`)) throw new MachiError('WORK_CONFLICT', 'only the owner transfers or licenses a work');
    return w.owner;
  }

  async transferWork(p: Principal, hash: string, to: string): Promise<WorkView> {
    const from = this.ownWork(p, hash);
    this.knownOrg(to);
    await this.submit('provenance.work.transfer', { hash, from, to: { org: to, actor: deskActor(to) } }, 'WORK_CONFLICT');
    return this.work(hash);
  }

  async licenseWork(p: Principal, hash: string, b: { org: string; licence: string; until?: number }): Promise<WorkView> {
    const by = this.ownWork(p, hash);
    this.knownOrg(b.org);
    await this.submit('provenance.work.licence', { hash, by, licensee: { org: b.org, actor: deskActor(b.org) }, licence: b.licence, ...(b.until === undefined ? {} : { until: b.until }) }, 'WORK_CONFLICT');
    return this.work(hash);
  }

  // -- traced items --

  /** Takes in an EPCIS 2.0 capture document: schema first (400 with its message), then each item event on the ledger. */
  async capture(doc: unknown): Promise<{ events: { gtin: string; serial: string; eventId: string; txHash: string }[] }> {
    const err = epcisSchemaError(doc);
    if (err !== undefined) throw new MachiError('EPCIS_INVALID', `EPCIS 2.0 JSON schema: ${err}`);
    const payloads = capturePayloads(doc as Record<string, unknown>);
    // the ledger's rules on the whole document first (in order, as if each before were recorded): a refused
    // document leaves nothing on the ledger
    const items = new Map<string, TracedItem | undefined>();
    for (const [i, pl] of payloads.entries()) {
      const k = `${pl.gtin}/${pl.serial}`;
      const item = items.has(k) ? items.get(k) : tracedItem(this.read, pl.gtin, pl.serial);
      const refusal = traceEventRefusal(item, pl);
      if (refusal !== undefined) throw new MachiError('TRACE_CONFLICT', `event ${i + 1} (${pl.gtin}/${pl.serial}): ${refusal}`);
      const next: TracedItem = item === undefined ? { gtin: pl.gtin, serial: pl.serial, events: [] } : { ...item, events: [...item.events] };
      next.events.push({ ...pl, org: '', txHash: '', height: 0, time: 0 });
      items.set(k, next);
    }
    const out: { gtin: string; serial: string; eventId: string; txHash: string }[] = [];
    for (const pl of payloads) {
      const { txHash } = await this.submit('provenance.trace.event', pl, 'TRACE_CONFLICT');
      out.push({ gtin: pl.gtin, serial: pl.serial, eventId: pl.eventId, txHash });
    }
    return { events: out };
  }

  private item(gtin: string, serial: string): TracedItem {
    if (!isValidGtin(gtin)) throw new MachiError('DIGITAL_LINK_INVALID', `GTIN ${gtin} has a wrong check digit`);
    return tracedItem(this.read, gtin, serial) ?? notFound('TRACE_NOT_FOUND', `no traced item ${gtin}/${serial}`);
  }

  private eventView(e: TraceEvent, erroneous: ReadonlySet<string>): TraceEventView {
    const { org, ...event } = e;
    const proof = this.o.node.proof(e.txHash);
    return { event, org, erroneous: e.errorDeclaration === undefined && erroneous.has(e.eventId), ...(proof === undefined ? {} : { proof }) };
  }

  itemView(gtin: string, serial: string): TracedItemView {
    const item = this.item(gtin, serial);
    const erroneous = new Set(item.events.filter((e) => e.errorDeclaration !== undefined).map((e) => e.eventId));
    const status = itemStatus(item);
    const v: TracedItemView = {
      uri: `${this.o.publicUrl()}/01/${gtin}${item.batch === undefined ? '' : `/10/${encodeURIComponent(item.batch)}`}/21/${encodeURIComponent(serial)}`,
      gtin, serial, replaced: status.replaced,
      events: item.events.map((e) => this.eventView(e, erroneous)),
      scans: this.o.store.scans(gtin, serial),
    };
    if (item.batch !== undefined) v.batch = item.batch;
    if (item.expiry !== undefined) v.expiry = item.expiry;
    if (status.installedAt !== undefined) v.installedAt = placeCode(status.installedAt);
    if (status.lastInspection !== undefined) v.lastInspection = this.eventView(status.lastInspection, erroneous);
    return v;
  }

  itemEpcis(gtin: string, serial: string): Record<string, unknown> {
    return epcisDocument(this.item(gtin, serial), this.o.publicUrl());
  }

  items(): { gtin: string; serial: string; batch?: string; installedAt?: string; lastInspection?: number; replaced: boolean; events: number; scans: number }[] {
    return this.o.node.store.scan(ITEMS_SCAN_PREFIX, PROVENANCE_LIST_MAX).map(([, raw]) => {
      const item = JSON.parse(raw) as TracedItem;
      const s = itemStatus(item);
      return {
        gtin: item.gtin, serial: item.serial, ...(item.batch === undefined ? {} : { batch: item.batch }),
        ...(s.installedAt === undefined ? {} : { installedAt: placeCode(s.installedAt) }),
        ...(s.lastInspection === undefined ? {} : { lastInspection: s.lastInspection.eventTime }),
        replaced: s.replaced, events: eventsInForce(item).length, scans: this.o.store.scans(item.gtin, item.serial).total,
      };
    });
  }

  /** The item a Digital Link URI names (400 for a bad one, 404 for an unknown item). */
  lookup(uri: string): TracedItemView {
    const dl = parseDigitalLink(uri);
    if (!dl.ok) throw new MachiError('DIGITAL_LINK_INVALID', dl.reason);
    if (dl.link.serial === undefined) throw new MachiError('DIGITAL_LINK_INVALID', 'a traced item\'s Digital Link has a serial (/21/…)');
    return this.itemView(dl.link.gtin, dl.link.serial);
  }

  /**
   * A resident's scan: counted per serial and place; a scan where the item is not installed, of a replaced item, or a
   * serial seen at several places raises an alert (copied QR codes), kept for the property staff.
   */
  scan(uri: string, place: string | undefined, now: number): ScanAnswer {
    const item = this.lookup(uri);
    const count = this.o.store.countScan(item.gtin, item.serial, place ?? '', now);
    item.scans = count;
    let alert: ScanAnswer['alert'];
    if (item.replaced) alert = { kind: 'replaced', message: 'this serial was replaced: the code you scanned may be a copy' };
    else if (place !== undefined && item.installedAt !== undefined && place !== item.installedAt) alert = { kind: 'elsewhere', message: `this serial is installed at ${item.installedAt}, not at ${place}: the code may be a copy` };
    else if (count.places > 1) alert = { kind: 'many-places', message: `this serial was scanned at ${count.places} places: the code may be a copy` };
    if (alert !== undefined) this.o.store.addAlert({ gtin: item.gtin, serial: item.serial, kind: alert.kind, place: place ?? '', at: now, scans: count.total });
    return { item, ...(alert === undefined ? {} : { alert }) };
  }

  alerts(): ReturnType<ProvenanceStore['alerts']> {
    return this.o.store.alerts(SCAN_ALERTS_LIST_MAX);
  }
}
