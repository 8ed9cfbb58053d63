/**
 * What the repairs API shows: a request for a given caller (the private part only to those who may read it), its
 * timeline with proofs, the lists (similar, board, jobs, mine), the service levels, a request's photos. The shapes are
 * the module's client contract (core modules/repairs/api.ts).
 */
import {
  CATEGORIES,
  MachiError,
  isOpenStatus,
  isOverdue,
  openRequestsInBuilding,
  slaTable,
  timeline,
  type MyRequests,
  type RepairCategory,
  type RequestRecord,
  type RequestView,
  type SlaEntry,
  type SlaView,
  type Timeline,
  type WorkerList,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { WorkerCards } from './cards.js';
import type { RepairsContext } from './context.js';
import type { BoardQuery } from './schemas.js';

/** A category's service level as shown, for one organisation. */
export function slaView(c: RepairsContext, e: SlaEntry, viewer?: Principal): SlaView {
  const cat = CATEGORIES[e.category];
  const v: SlaView = {
    category: e.category, name: cat.name, defaultPriority: cat.defaultPriority,
    slaHours: { urgent: e.slaHours.urgent, normal: e.slaHours.normal }, defaultSlaHours: { urgent: e.defaultSlaHours.urgent, normal: e.defaultSlaHours.normal },
    configured: e.configured !== null,
  };
  if (e.configured !== null) {
    v.at = e.configured.at;
    v.txHash = e.configured.txHash;
    v.by = e.configured.by;
    const name = viewer !== undefined && viewer.org === e.configured.org ? c.usernameOf(viewer.org, e.configured.by) : undefined;
    if (name !== undefined) v.byUsername = name;
  }
  return v;
}

export class RepairViews {
  readonly #c: RepairsContext;
  readonly #cards: WorkerCards;

  constructor(c: RepairsContext, cards: WorkerCards) {
    this.#c = c;
    this.#cards = cards;
  }

  /**
   * Every category's service level for `org` (default: this node's, whose SLAs apply to every request reported
   * through it), in catalogue order: its setting where it made one, else the catalogue's.
   */
  slaTable(org = this.#c.node.self.id, viewer?: Principal): SlaView[] {
    return slaTable(this.#c.read, org).map((e) => slaView(this.#c, e, viewer));
  }

  /** A photo of a request, to those who may read the request's private part. */
  photo(p: Principal, request: string, hash: string): { type: string; bytes: Buffer } {
    const r = this.#c.record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    if (!r.steps.some((s) => s.photoHashes?.includes(hash) === true)) throw new MachiError('NOT_FOUND', `request ${request} has no photo ${hash}`);
    if (!this.#c.mayReadPrivate(p, r)) throw new MachiError('REPAIR_FORBIDDEN', `only the reporter, staff of ${r.org} and the assigned worker see the photos of ${request}`);
    const held = this.#c.store.photo(hash);
    if (held === undefined) throw new MachiError('NOT_FOUND', `photo ${hash} is not held on this node`);
    return held;
  }

  /** The API's view of a request for `p` at `now`. */
  view(p: Principal, r: RequestRecord, now = this.#c.node.clock()): RequestView {
    const v: RequestView = {
      request: r.request,
      category: r.category,
      categoryName: CATEGORIES[r.category].name,
      priority: r.priority,
      status: r.status,
      open: isOpenStatus(r.status),
      location: { kind: r.location.kind, building: r.location.building },
      org: r.org,
      reporter: r.reporter,
      createdAt: r.createdAt,
      updatedAt: r.steps[r.steps.length - 1]?.at ?? r.createdAt,
      slaDueAt: r.slaDueAt,
      overdue: isOverdue(r, now),
      escalation: r.escalation,
      followers: r.followers.length,
      descriptionHash: r.descriptionHash,
      photos: r.steps.flatMap((s) => s.photoHashes ?? []),
      yours: p.actor === r.reporter && p.org === r.org,
      following: r.followers.includes(p.actor),
    };
    if (r.worker !== undefined && r.workerOrg !== undefined) {
      v.worker = r.worker;
      v.workerOrg = r.workerOrg;
      // the account name is for staff of the worker's organisation; residents see what the worker card shares
      const name = r.workerOrg === p.org && p.role !== 'resident' ? this.#c.usernameOf(p.org, r.worker) : undefined;
      if (name !== undefined) v.workerUsername = name;
      const card = r.workerOrg === this.#c.node.self.id && this.#c.maySeeWorker(p, r) ? this.#cards.workerCard(r.workerOrg, r.worker) : undefined;
      if (card !== undefined) v.workerCard = card;
    }
    if (r.rating !== undefined) v.rating = r.rating;
    if (this.#c.mayReadPrivate(p, r)) this.#addPrivate(v, r);
    return v;
  }

  #addPrivate(v: RequestView, r: RequestRecord): void {
    const notes = this.#c.store.notes(r.request);
    const d = notes.find((n) => n.kind === 'description' && n.hash === r.descriptionHash);
    if (d !== undefined) {
      v.description = d.text;
      v.descriptionSalt = d.salt;
      if (d.unit !== undefined) v.unit = d.unit;
    }
    // only texts whose hash the ledger recorded (a refused or pending step's text is not shown)
    const recorded = new Set(r.steps.flatMap((s) => [s.commentHash, s.reasonHash]).filter((h): h is string => h !== undefined));
    const others = notes.filter((n) => n.kind !== 'description' && recorded.has(n.hash));
    if (others.length > 0) v.notes = others.map(({ kind, text, hash, salt, at }) => ({ kind, text, hash, salt, at }));
  }

  get(p: Principal, request: string): RequestView {
    const r = this.#c.record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    return this.view(p, r);
  }

  /** Each step with the status it led to and a proof bundle of its transaction (verifyBundle with the genesis). */
  timeline(request: string): Timeline {
    const r = this.#c.record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    return { request, status: r.status, steps: timeline(r).map((s) => ({ ...s, proof: this.#c.node.proof(s.txHash) ?? null })) };
  }

  /** Open requests of a building (optionally one category): offer "follow" instead of a duplicate. */
  similar(p: Principal, building: string, category?: RepairCategory): RequestView[] {
    const now = this.#c.node.clock();
    return openRequestsInBuilding(this.#c.read, this.#c.scan, building, category === undefined ? {} : { category }).map((r) => this.view(p, r, now));
  }

  /** The dispatcher's board: open requests of the caller's organisation, most urgent (earliest SLA) first. */
  board(p: Principal, filter: BoardQuery = {}): RequestView[] {
    const now = this.#c.node.clock();
    const list = this.#c.openRequests(filter.category).filter((r) => filter.building === undefined || r.location.building === filter.building);
    return list.filter((r) => r.org === p.org).sort((a, b) => a.slaDueAt - b.slaDueAt).map((r) => this.view(p, r, now));
  }

  /** A worker's open jobs. */
  jobs(p: Principal): RequestView[] {
    const now = this.#c.node.clock();
    return uniqueRequests([...this.#c.openRequests(), ...this.#c.openRequestsInBuildings()]).filter((r) => r.worker === p.actor && r.workerOrg === p.org).map((r) => this.view(p, r, now));
  }

  /** Requests the caller reported on this node (newest first) and open requests they follow. */
  mine(p: Principal): MyRequests {
    const now = this.#c.node.clock();
    const reported = this.#c.store.requestsOfUser(p.userId).map((id) => this.#c.record(id)).filter((r): r is RequestRecord => r !== undefined);
    const following = this.#c.openRequestsInBuildings().filter((r) => r.followers.includes(p.actor));
    return { reported: reported.map((r) => this.view(p, r, now)), following: following.map((r) => this.view(p, r, now)) };
  }

  /** The maintenance workers of the caller's organisation (to assign). */
  workers(p: Principal): WorkerList['workers'] {
    return this.#c.accounts.listUsers(p.org).filter((u) => u.role === 'maintenance-worker').map((u) => ({ username: u.username, displayName: u.displayName }));
  }

  /** Every request on the ledger (at most `limit` read), newest first: for Open311 queries. */
  all(limit: number): RequestRecord[] {
    return this.#c.scan('repairs/request/', limit).map(([, v]) => JSON.parse(v) as RequestRecord).sort((a, b) => b.createdAt - a.createdAt);
  }

  description(r: RequestRecord): string | undefined {
    return this.#c.store.notes(r.request).find((n) => n.kind === 'description' && n.hash === r.descriptionHash)?.text;
  }
}

/** The requests of `list`, each once (first seen kept). */
function uniqueRequests(list: readonly RequestRecord[]): RequestRecord[] {
  const seen = new Set<string>();
  return list.filter((r) => !seen.has(r.request) && seen.add(r.request) !== undefined);
}
