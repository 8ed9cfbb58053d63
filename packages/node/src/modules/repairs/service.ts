/**
 * Repair requests for this node's signed-in users. Every transition is decided first by the core's pure
 * `checkTransition` (404 / 409 REPAIR_CONFLICT / 403 REPAIR_FORBIDDEN, nothing written) and `checkRepairPayload`
 * (400); only then are the private texts stored and an org-signed transaction submitted, and the answer waits for its
 * commit. Texts and photos stay in this organisation's private store (store.ts); the ledger gets their hashes.
 * docs/spec/repairs.md#api
 */
import { randomBytes } from 'node:crypto';
import {
  CATEGORIES,
  MANAGER_ROLES,
  MachiError,
  REPAIRS_ESCALATION_LEVEL_MAX,
  checkRepairPayload,
  checkSlaSetting,
  checkTransition,
  effectiveSla,
  isOpenStatus,
  isOverdue,
  nextStatus,
  openRequests,
  openRequestsInBuilding,
  requestRecord,
  slaPeriodMs,
  slaTable,
  timeline,
  type ProofBundle,
  type RepairAction,
  type RepairCategory,
  type RepairCause,
  type RepairPartLine,
  type RepairPriority,
  type RepairStatus,
  type RequestRecord,
  type Role,
  type SlaEntry,
  type SlaHours,
  type TimelineEntry,
} from '@machi/core';
import type { AccountStore } from '../../auth/accounts.js';
import { actorOf, type Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { REPAIRS_UPLOADS_PENDING_MAX, imageTypeOf, newSalt, noteHash, type NoteKind, type RepairStore, type StaffCard, type StaffCardInput } from './store.js';

/** How often the SLA escalation job looks for overdue requests, ms. */
export const REPAIRS_ESCALATION_INTERVAL_MS = 30_000;
/** The escalation job's user id: its pseudonym is actorOf(org, this, secret), like a user's. */
export const SLA_JOB_USER_ID = 'sla-escalation-job';

const hex32 = (): string => randomBytes(16).toString('hex');

/** Where the subject id of a resident's own record is found (the privacy vault). */
export interface SubjectLinks {
  subjectOfUser(userId: string): string | undefined;
}

export interface RepairsServiceOptions {
  node: MachiNode;
  store: RepairStore;
  submitter: OrgSubmitter;
  accounts: AccountStore;
  /** the node's auth secret: salts the pseudonyms of workers named by user name */
  secret: Uint8Array;
  subjects?: SubjectLinks;
  log?: (line: string) => void;
}

export interface ActResult {
  request: string;
  action: RepairAction;
  /** the request's status after the transaction */
  status: RepairStatus;
  txHash: string;
  height: number;
}

export interface ReportBody {
  category: RepairCategory;
  /** default: the category's default priority */
  priority?: RepairPriority;
  location: { kind: 'home' | 'common'; building: string };
  description: string;
  /** the exact unit (kept off the ledger) */
  unit?: string;
  /** hashes of photos this user uploaded (POST /v1/repairs/photos) */
  photos?: string[];
}

export interface PrivateNote {
  kind: NoteKind;
  text: string;
  hash: string;
  salt: string;
  at: number;
}

/** A request as the API shows it. The private part only to those who may read it, on the node that holds it. */
export interface RequestView {
  request: string;
  category: RepairCategory;
  categoryName: string;
  priority: RepairPriority;
  status: RepairStatus;
  open: boolean;
  location: { kind: string; building: string };
  org: string;
  reporter: string;
  worker?: string;
  workerOrg?: string;
  /** the worker's user name, when the worker is of the caller's organisation */
  workerUsername?: string;
  /**
   * what the worker's organisation shares about the worker, when it is this node's: the name, the work phone, and
   * `photo: true` when it shares a photo (GET /v1/repairs/:request/worker-photo)
   */
  workerCard?: WorkerCardView;
  createdAt: number;
  updatedAt: number;
  slaDueAt: number;
  overdue: boolean;
  escalation: { level: number; at: number; overdueMs: number } | null;
  followers: number;
  rating?: number;
  descriptionHash: string;
  /** every photo hash the steps recorded, in order */
  photos: string[];
  /** the caller reported it / follows it */
  yours: boolean;
  following: boolean;
  description?: string;
  descriptionSalt?: string;
  unit?: string;
  notes?: PrivateNote[];
}

export interface WorkerCardView {
  name?: string;
  phone?: string;
  photo?: true;
}

export type TimelineStep = TimelineEntry & { proof: ProofBundle | null };

/** A category's service level as the API shows it, for one organisation. */
export interface SlaView {
  category: RepairCategory;
  name: string;
  defaultPriority: RepairPriority;
  /** what applies to the organisation's new requests and reopens */
  slaHours: SlaHours;
  /** the catalogue's */
  defaultSlaHours: SlaHours;
  /** the organisation has set it (else the default applies) */
  configured: boolean;
  /** when configured: the block time of the setting, its transaction, who set it (pseudonym; user name if of the caller's organisation) */
  at?: number;
  txHash?: string;
  by?: string;
  byUsername?: string;
}

export interface SlaBody {
  urgentHours: number;
  normalHours: number;
}

/** What a transition records: its payload, and the private writes to make once it is admitted (returning their undo). */
interface Step {
  payload: Record<string, unknown>;
  write?: () => () => void;
}

/**
 * A request's escalation level due at `now`: 1 once overdue, one more per further SLA period, at most 3. The period is
 * the SLA the current one began with (slaPeriodMs: the organisation's setting or the catalogue's, as it was then).
 */
export function escalationLevelDue(r: RequestRecord, now: number): number {
  if (!isOverdue(r, now)) return 0;
  return Math.min(REPAIRS_ESCALATION_LEVEL_MAX, 1 + Math.floor((now - r.slaDueAt) / slaPeriodMs(r)));
}

const STATUS_ERRORS = { 404: 'NOT_FOUND', 403: 'REPAIR_FORBIDDEN', 409: 'REPAIR_CONFLICT' } as const;

export class RepairsService {
  readonly #node: MachiNode;
  readonly #store: RepairStore;
  readonly #submitter: OrgSubmitter;
  readonly #accounts: AccountStore;
  readonly #secret: Uint8Array;
  readonly #subjects: SubjectLinks | undefined;
  readonly #log: (line: string) => void;
  /** one transition at a time per request on this node, so each is checked against the state the previous left */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** actor → user name, per organisation (rebuilt on a miss) */
  readonly #names = new Map<string, Map<string, string>>();
  #escalating = false;

  constructor(o: RepairsServiceOptions) {
    this.#node = o.node;
    this.#store = o.store;
    this.#submitter = o.submitter;
    this.#accounts = o.accounts;
    this.#secret = o.secret;
    this.#subjects = o.subjects;
    this.#log = o.log ?? (() => {});
  }

  #read = (key: string): string | undefined => this.#node.store.read(key);
  #scan = (prefix: string, limit: number): [string, string][] => this.#node.store.scan(prefix, limit);
  #record = (request: string): RequestRecord | undefined => requestRecord(this.#read, request);

  // ---- the one path of every transition ---------------------------------------------------------------------------

  #serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => {});
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return run;
  }

  /** checkTransition, as a typed error: 404 NOT_FOUND, 409 REPAIR_CONFLICT, 403 REPAIR_FORBIDDEN. */
  #admit(request: string, record: RequestRecord | undefined, action: RepairAction, p: Principal, now?: number): void {
    const c = checkTransition(record, action, { actor: p.actor, role: p.role, org: p.org }, now);
    if (c.ok) return;
    throw new MachiError(STATUS_ERRORS[c.status], c.status === 404 ? `no repair request ${request}` : c.reason);
  }

  /** Photos named by a step must have been uploaded here by the same user (a hash seen on the ledger is no licence). */
  #checkPhotos(p: Principal, photos: readonly string[]): void {
    for (const h of photos) {
      if (!this.#store.uploadedBy(h, p.userId)) throw new MachiError('REQUEST_INVALID', `photo ${h} was not uploaded by you: POST it to /v1/repairs/photos first`);
    }
  }

  /**
   * The one path of every transition: checkTransition, then `build` (the payload, and the private writes to make),
   * checkRepairPayload, the private writes, `repair.<action>` signed by this organisation, the commit. A refused
   * transaction (admission or handler) leaves nothing private behind; a commit timeout keeps it, since the
   * transaction may still commit.
   */
  #transition(p: Principal, request: string, action: RepairAction, build: (r: RequestRecord | undefined) => Step, now?: number): Promise<ActResult> {
    return this.#serial(request, async () => {
      const before = this.#record(request);
      this.#admit(request, before, action, p, now);
      const { payload, write } = build(before);
      const invalid = checkRepairPayload(action, payload as never, this.#node.genesis.orgs.map((o) => o.id));
      if (invalid !== null) throw new MachiError('REQUEST_INVALID', invalid);
      const undo = write?.();
      let tx: { txHash: string; height: number };
      try {
        tx = await this.#commit(`repair.${action}`, payload);
      } catch (e) {
        if (!(e instanceof MachiError && e.code === 'COMMIT_TIMEOUT')) undo?.();
        throw e;
      }
      const status = this.#record(request)?.status ?? nextStatus(before?.status ?? 'received', action);
      return { request, action, status, ...tx };
    });
  }

  async #commit(type: string, payload: Record<string, unknown>): Promise<{ txHash: string; height: number }> {
    const r = await this.#submitter.submit(type, payload);
    if (r.code !== undefined) throw new MachiError('HANDLER_REJECTED', `${r.message ?? r.code} (recorded with no effect in tx ${r.hash})`);
    return { txHash: r.hash, height: r.height! };
  }

  /** A text of `request` to keep off the ledger: its hash for the payload, and the write (returning its undo). */
  #note(p: Principal, request: string, kind: NoteKind, text: string, unit?: string): { hash: string; write: () => () => void } {
    const salt = newSalt();
    const at = this.#node.clock();
    return {
      hash: noteHash(salt, text),
      write: () => {
        const hash = this.#store.putNote({ request, kind, text, salt, unit, userId: p.userId, at });
        return () => this.#store.deleteNote(request, kind, hash);
      },
    };
  }

  /** The private writes of a step: its note (if any), and its photos marked as part of the request. */
  #writes(p: Principal, request: string, photos: readonly string[], note?: { write: () => () => void }): () => () => void {
    return () => {
      const undoNote = note?.write();
      this.#store.attach(request, photos, p.userId);
      return () => {
        undoNote?.();
        this.#store.detach(request, photos, p.userId);
      };
    };
  }

  // ---- transitions ------------------------------------------------------------------------------------------------

  /** A resident (or staff) reports a problem. */
  report(p: Principal, b: ReportBody): Promise<ActResult> {
    const request = `rq_${hex32()}`;
    const photos = b.photos ?? [];
    // the resident's record is linked only to a report for their home
    const subject = b.location.kind === 'home' && p.role === 'resident' ? this.#subjects?.subjectOfUser(p.userId) : undefined;
    return this.#transition(p, request, 'create', () => {
      this.#checkPhotos(p, photos);
      const description = this.#note(p, request, 'description', b.description, b.unit);
      return {
        payload: {
          request,
          category: b.category,
          priority: b.priority ?? CATEGORIES[b.category].defaultPriority,
          location: { kind: b.location.kind, building: b.location.building },
          descriptionHash: description.hash,
          photoHashes: photos,
          reporter: p.actor,
          ...(subject === undefined ? {} : { subject }),
        },
        write: this.#writes(p, request, photos, description),
      };
    });
  }

  follow(p: Principal, request: string): Promise<ActResult> {
    return this.#transition(p, request, 'follow', () => ({ payload: { request, follower: p.actor } }));
  }

  /** A dispatcher or staff member assigns (or reassigns) a maintenance worker of their organisation, by user name. */
  assign(p: Principal, request: string, workerUsername: string): Promise<ActResult> {
    return this.#transition(p, request, 'assign', () => {
      const w = this.#accounts.findUser(p.org, workerUsername);
      if (w === undefined || w.role !== 'maintenance-worker') throw new MachiError('REQUEST_INVALID', `${workerUsername} is not a maintenance worker of ${p.org}`);
      return { payload: { request, worker: actorOf(p.org, w.id, this.#secret), workerOrg: p.org, by: p.actor } };
    });
  }

  /** accept, arrive, start: the assigned worker moves the job on. */
  step(p: Principal, request: string, action: 'accept' | 'arrive' | 'start'): Promise<ActResult> {
    return this.#transition(p, request, action, () => ({ payload: { request, worker: p.actor } }));
  }

  diagnose(p: Principal, request: string, b: { cause: RepairCause; parts: RepairPartLine[]; photos?: string[] }): Promise<ActResult> {
    const photos = b.photos ?? [];
    return this.#transition(p, request, 'diagnose', () => {
      this.#checkPhotos(p, photos);
      const parts = b.parts.map(({ part, quantity }) => ({ part, quantity }));
      return { payload: { request, worker: p.actor, cause: b.cause, parts, photoHashes: photos }, write: this.#writes(p, request, photos) };
    });
  }

  finish(p: Principal, request: string, b: { photos?: string[] }): Promise<ActResult> {
    const photos = b.photos ?? [];
    return this.#transition(p, request, 'finish', () => {
      this.#checkPhotos(p, photos);
      return { payload: { request, worker: p.actor, photoHashes: photos }, write: this.#writes(p, request, photos) };
    });
  }

  /** The reporter confirms the work, with a rating and an optional comment (kept off the ledger, its hash on it). */
  confirm(p: Principal, request: string, b: { rating: number; comment?: string }): Promise<ActResult> {
    return this.#transition(p, request, 'confirm', () => {
      if (b.comment === undefined) return { payload: { request, reporter: p.actor, rating: b.rating } };
      const comment = this.#note(p, request, 'comment', b.comment);
      return { payload: { request, reporter: p.actor, rating: b.rating, commentHash: comment.hash }, write: comment.write };
    });
  }

  /** The reporter is not satisfied: the request is open again, with a reason (off the ledger, its hash on it). */
  reopen(p: Principal, request: string, b: { reason: string }): Promise<ActResult> {
    return this.#transition(p, request, 'reopen', () => {
      const reason = this.#note(p, request, 'reason', b.reason);
      return { payload: { request, reporter: p.actor, reasonHash: reason.hash }, write: reason.write };
    });
  }

  cancel(p: Principal, request: string): Promise<ActResult> {
    return this.#transition(p, request, 'cancel', () => ({ payload: { request, by: p.actor } }));
  }

  /** A manager escalates an overdue request by hand (the job does it on its own, see escalateOverdue). */
  escalate(p: Principal, request: string, now = this.#node.clock()): Promise<ActResult> {
    return this.#transition(p, request, 'escalate', (r) => ({ payload: { request, level: (r?.escalation?.level ?? 0) + 1, by: p.actor } }), now);
  }

  // ---- service levels per organisation -----------------------------------------------------------------------------

  #slaView(e: SlaEntry, viewer?: Principal): SlaView {
    const c = CATEGORIES[e.category];
    const v: SlaView = {
      category: e.category, name: c.name, defaultPriority: c.defaultPriority,
      slaHours: { urgent: e.slaHours.urgent, normal: e.slaHours.normal }, defaultSlaHours: { urgent: e.defaultSlaHours.urgent, normal: e.defaultSlaHours.normal },
      configured: e.configured !== null,
    };
    if (e.configured !== null) {
      v.at = e.configured.at;
      v.txHash = e.configured.txHash;
      v.by = e.configured.by;
      const name = viewer !== undefined && viewer.org === e.configured.org ? this.#usernameOf(viewer.org, e.configured.by) : undefined;
      if (name !== undefined) v.byUsername = name;
    }
    return v;
  }

  /**
   * Every category's service level for `org` (default: this node's, whose SLAs apply to every request reported
   * through it), in catalogue order: its setting where it made one, else the catalogue's.
   */
  slaTable(org = this.#node.self.id, viewer?: Principal): SlaView[] {
    return slaTable(this.#read, org).map((e) => this.#slaView(e, viewer));
  }

  /**
   * A dispatcher or staff member sets their organisation's SLA for a category (`repair.configure_sla`, signed by this
   * node's organisation — so only a user of it may): checkSlaSetting first (403 REPAIR_FORBIDDEN, 400 REQUEST_INVALID,
   * nothing recorded), then the transaction, answered after its commit. Requests already open keep their due time.
   */
  setSla(p: Principal, category: RepairCategory, b: SlaBody): Promise<SlaView & { height: number }> {
    const org = this.#node.self.id;
    return this.#serial(`sla:${category}`, async () => {
      const c = checkSlaSetting({ role: p.role, org: p.org }, org, b);
      if (!c.ok) throw new MachiError(c.status === 403 ? 'REPAIR_FORBIDDEN' : 'REQUEST_INVALID', c.reason);
      const tx = await this.#commit('repair.configure_sla', { category, urgentHours: b.urgentHours, normalHours: b.normalHours, by: p.actor });
      return { ...this.#slaView(effectiveSla(this.#read, org, category), p), height: tx.height };
    });
  }

  // ---- the SLA escalation job -------------------------------------------------------------------------------------

  /** The job acts as this organisation's staff, under its own pseudonym. */
  #job(): Principal {
    const org = this.#node.self.id;
    return { userId: SLA_JOB_USER_ID, username: SLA_JOB_USER_ID, org, role: 'property-staff', actor: actorOf(org, SLA_JOB_USER_ID, this.#secret) };
  }

  /**
   * One pass of the job: for each open request of this organisation whose escalation level due (escalationLevelDue)
   * is above its current level, records `repair.escalate` one level up. Also deletes stale uploads. Returns what it
   * recorded; failures are logged and retried on the next pass.
   */
  async escalateOverdue(now = this.#node.clock()): Promise<ActResult[]> {
    if (this.#escalating) return [];
    this.#escalating = true;
    const done: ActResult[] = [];
    try {
      this.#store.prune(now);
      const org = this.#node.self.id;
      for (const r of openRequests(this.#read, this.#scan)) {
        if (r.org !== org || (r.escalation?.level ?? 0) >= escalationLevelDue(r, now)) continue;
        try {
          done.push(await this.escalate(this.#job(), r.request, now));
          this.#log(`repairs: ${r.request} is overdue, escalated to level ${(r.escalation?.level ?? 0) + 1}`);
        } catch (e) {
          this.#log(`repairs: escalating ${r.request} failed: ${(e as Error).message}`);
        }
      }
    } finally {
      this.#escalating = false;
    }
    return done;
  }

  /** Runs escalateOverdue every `intervalMs`; returns the stop function. */
  startEscalation(intervalMs = REPAIRS_ESCALATION_INTERVAL_MS): () => void {
    const timer = setInterval(() => {
      if (!this.#node.closed) void this.escalateOverdue().catch((e: unknown) => this.#log(`repairs: escalation pass failed: ${(e as Error).message}`));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  // ---- photos -----------------------------------------------------------------------------------------------------

  /** Stores an uploaded image (type by magic bytes); returns its content hash, to name in a report or a step. */
  uploadPhoto(p: Principal, bytes: Buffer): { hash: string; type: string; bytes: number } {
    const type = imageTypeOf(bytes);
    if (type === undefined) throw new MachiError('REPAIR_PHOTO_UNSUPPORTED', 'a photo must be a PNG, JPEG or WebP image (checked by its first bytes)');
    if (this.#store.pendingUploads(p.userId) >= REPAIRS_UPLOADS_PENDING_MAX) {
      throw new MachiError('REPAIR_CONFLICT', `you have ${REPAIRS_UPLOADS_PENDING_MAX} photos not yet part of a request; use them or wait a day`);
    }
    return { hash: this.#store.putPhoto(p.userId, bytes, type, this.#node.clock()), type, bytes: bytes.length };
  }

  /** A photo of a request, to those who may read the request's private part. */
  photo(p: Principal, request: string, hash: string): { type: string; bytes: Buffer } {
    const r = this.#record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    if (!r.steps.some((s) => s.photoHashes?.includes(hash) === true)) throw new MachiError('NOT_FOUND', `request ${request} has no photo ${hash}`);
    if (!this.#mayReadPrivate(p, r)) throw new MachiError('REPAIR_FORBIDDEN', `only the reporter, staff of ${r.org} and the assigned worker see the photos of ${request}`);
    const held = this.#store.photo(hash);
    if (held === undefined) throw new MachiError('NOT_FOUND', `photo ${hash} is not held on this node`);
    return held;
  }

  // ---- reads ------------------------------------------------------------------------------------------------------

  /** Who sees the worker card of a request: those who may read its private part, and residents following it. */
  #maySeeWorker(p: Principal, r: RequestRecord): boolean {
    return this.#mayReadPrivate(p, r) || (p.org === r.org && r.followers.includes(p.actor));
  }

  #mayReadPrivate(p: Principal, r: RequestRecord): boolean {
    if (p.org === r.org && (p.actor === r.reporter || (MANAGER_ROLES as readonly Role[]).includes(p.role))) return true;
    return r.worker !== undefined && p.actor === r.worker && p.org === r.workerOrg;
  }

  #usernameOf(org: string, actor: string): string | undefined {
    const cached = this.#names.get(org)?.get(actor);
    if (cached !== undefined) return cached;
    const names = new Map(this.#accounts.listUsers(org).map((u) => [actorOf(org, u.id, this.#secret), u.username]));
    this.#names.set(org, names);
    return names.get(actor);
  }

  /** A shared card photo: the card names it, shares it, and this node holds it. */
  #sharedPhoto(username: string, card: StaffCard): { type: string; bytes: Buffer } | undefined {
    if (!card.share.photo || card.photo === undefined) return undefined;
    const held = this.#store.staffCardPhoto(username);
    return held?.hash === card.photo ? held : undefined;
  }

  /** What the worker's organisation shares about a worker of this node (empty when it shares nothing). */
  #workerCard(org: string, actor: string): WorkerCardView | undefined {
    const username = this.#usernameOf(org, actor);
    if (username === undefined) return undefined;
    const user = this.#accounts.findUser(org, username);
    const card = this.#store.staffCard(username);
    return {
      ...(card.share.name && user !== undefined ? { name: user.displayName } : {}),
      ...(card.share.phone && card.phone !== undefined ? { phone: card.phone } : {}),
      ...(this.#sharedPhoto(username, card) !== undefined ? { photo: true as const } : {}),
    };
  }

  /**
   * Sets what residents see of a worker of the caller's organisation on their jobs. A `photo` must be one the caller
   * uploaded (POST /v1/repairs/photos), or the card's current one (400 otherwise); the card keeps its own copy.
   */
  setStaffCard(p: Principal, username: string, card: StaffCardInput): StaffCard {
    const user = this.#accounts.findUser(p.org, username);
    if (user === undefined || user.role !== 'maintenance-worker') throw new MachiError('NOT_FOUND', `no maintenance worker ${username} in ${p.org}`);
    if (card.photo !== undefined && this.#store.staffCardPhoto(username)?.hash !== card.photo && !this.#store.uploadedBy(card.photo, p.userId)) {
      throw new MachiError('REQUEST_INVALID', `photo ${card.photo} was not uploaded by you: POST it to /v1/repairs/photos first`);
    }
    this.#store.setStaffCard(username, card, this.#node.clock(), p.userId);
    return this.#store.staffCard(username);
  }

  /**
   * The photo of a request's worker, to whoever may view the request (as `workerCard` in its view), when the
   * worker's card on this node shares one; 404 otherwise.
   */
  workerPhoto(p: Principal, request: string): { type: string; bytes: Buffer } {
    const r = this.#record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    const none = (): MachiError => new MachiError('NOT_FOUND', `request ${request} has no worker photo to show`);
    if (r.worker === undefined || r.workerOrg !== this.#node.self.id || !this.#maySeeWorker(p, r)) throw none();
    const username = this.#usernameOf(r.workerOrg, r.worker);
    if (username === undefined) throw none();
    const photo = this.#sharedPhoto(username, this.#store.staffCard(username));
    if (photo === undefined) throw none();
    return photo;
  }

  staffCard(p: Principal, username: string): StaffCard {
    const user = this.#accounts.findUser(p.org, username);
    if (user === undefined || user.role !== 'maintenance-worker') throw new MachiError('NOT_FOUND', `no maintenance worker ${username} in ${p.org}`);
    return this.#store.staffCard(username);
  }

  /** The API's view of a request for `p` at `now`. */
  view(p: Principal, r: RequestRecord, now = this.#node.clock()): RequestView {
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
      const name = r.workerOrg === p.org && p.role !== 'resident' ? this.#usernameOf(p.org, r.worker) : undefined;
      if (name !== undefined) v.workerUsername = name;
      const card = r.workerOrg === this.#node.self.id && this.#maySeeWorker(p, r) ? this.#workerCard(r.workerOrg, r.worker) : undefined;
      if (card !== undefined) v.workerCard = card;
    }
    if (r.rating !== undefined) v.rating = r.rating;
    if (this.#mayReadPrivate(p, r)) this.#addPrivate(v, r);
    return v;
  }

  #addPrivate(v: RequestView, r: RequestRecord): void {
    const notes = this.#store.notes(r.request);
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
    const r = this.#record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    return this.view(p, r);
  }

  /** Each step with the status it led to and a proof bundle of its transaction (verifyBundle with the genesis). */
  timeline(request: string): { request: string; status: RepairStatus; steps: TimelineStep[] } {
    const r = this.#record(request);
    if (r === undefined) throw new MachiError('NOT_FOUND', `no repair request ${request}`);
    return { request, status: r.status, steps: timeline(r).map((s) => ({ ...s, proof: this.#node.proof(s.txHash) ?? null })) };
  }

  /** Open requests of a building (optionally one category): offer "follow" instead of a duplicate. */
  similar(p: Principal, building: string, category?: RepairCategory): RequestView[] {
    const now = this.#node.clock();
    return openRequestsInBuilding(this.#read, this.#scan, building, category === undefined ? {} : { category }).map((r) => this.view(p, r, now));
  }

  /** The dispatcher's board: open requests of the caller's organisation, most urgent (earliest SLA) first. */
  board(p: Principal, filter: { building?: string; category?: RepairCategory } = {}): RequestView[] {
    const now = this.#node.clock();
    const list = filter.building === undefined
      ? openRequests(this.#read, this.#scan, filter.category === undefined ? {} : { category: filter.category })
      : openRequestsInBuilding(this.#read, this.#scan, filter.building, filter.category === undefined ? {} : { category: filter.category });
    return list.filter((r) => r.org === p.org).sort((a, b) => a.slaDueAt - b.slaDueAt).map((r) => this.view(p, r, now));
  }

  /** A worker's open jobs. */
  jobs(p: Principal): RequestView[] {
    const now = this.#node.clock();
    return openRequests(this.#read, this.#scan).filter((r) => r.worker === p.actor && r.workerOrg === p.org).map((r) => this.view(p, r, now));
  }

  /** Requests the caller reported on this node (newest first) and open requests they follow. */
  mine(p: Principal): { reported: RequestView[]; following: RequestView[] } {
    const now = this.#node.clock();
    const reported = this.#store.requestsOfUser(p.userId).map((id) => this.#record(id)).filter((r): r is RequestRecord => r !== undefined);
    const following = openRequests(this.#read, this.#scan).filter((r) => r.followers.includes(p.actor));
    return { reported: reported.map((r) => this.view(p, r, now)), following: following.map((r) => this.view(p, r, now)) };
  }

  /** The maintenance workers of the caller's organisation (to assign). */
  workers(p: Principal): { username: string; displayName: string }[] {
    return this.#accounts.listUsers(p.org).filter((u) => u.role === 'maintenance-worker').map((u) => ({ username: u.username, displayName: u.displayName }));
  }

  /** Every request on the ledger (at most `limit` read), newest first: for Open311 queries. */
  all(limit: number): RequestRecord[] {
    return this.#scan('repairs/request/', limit).map(([, v]) => JSON.parse(v) as RequestRecord).sort((a, b) => b.createdAt - a.createdAt);
  }

  record(request: string): RequestRecord | undefined {
    return this.#record(request);
  }

  /** Whether `p` may read the private part of `r` (Open311 shows the description only then). */
  mayReadPrivate(p: Principal, r: RequestRecord): boolean {
    return this.#mayReadPrivate(p, r);
  }

  description(r: RequestRecord): string | undefined {
    return this.#store.notes(r.request).find((n) => n.kind === 'description' && n.hash === r.descriptionHash)?.text;
  }
}
