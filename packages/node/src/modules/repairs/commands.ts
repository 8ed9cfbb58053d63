/**
 * The repairs commands: every transition of a request, an organisation's SLA setting, photo uploads. Each transition
 * is decided first by the core's pure `checkTransition` (404 / 409 REPAIR_CONFLICT / 403 REPAIR_FORBIDDEN, nothing
 * written) and `checkRepairPayload` (400); only then are the private texts stored and an org-signed transaction
 * submitted, and the answer waits for its commit. docs/spec/repairs.md#api
 */
import {
  CATEGORIES,
  MachiError,
  isOpenStatus,
  checkRepairPayload,
  checkSlaSetting,
  checkTransition,
  effectiveSla,
  nextStatus,
  type ActResult,
  type PhotoUploaded,
  type RepairAction,
  type RepairCategory,
  type RequestRecord,
  type SlaSet,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import { REPAIRS_OPEN_REPORTS_PER_USER_MAX, type RepairsContext } from './context.js';
import type { ConfirmBody, DiagnoseBody, FinishBody, ReopenBody, ReportBody, SlaBody } from './schemas.js';
import { REPAIRS_UPLOADS_PENDING_MAX, imageTypeOf, newSalt, noteHash, type NoteKind } from './store.js';
import { slaView } from './views.js';
import { hex32 } from '../../ids.js';


/** The worker an assignment named: account and repairs pseudonym. */
export interface AssignedWorker {
  userId: string;
  username: string;
  actor: string;
}
/** Told of each assignment committed at this node (the request as it is after it). */
export type AssignListener = (p: Principal, request: RequestRecord, worker: AssignedWorker) => Promise<unknown>;

/** What a transition records: its payload, and the private writes to make once it is admitted (returning their undo). */
interface Step {
  payload: Record<string, unknown>;
  write?: () => () => void;
}

const STATUS_ERRORS = { 404: 'NOT_FOUND', 403: 'REPAIR_FORBIDDEN', 409: 'REPAIR_CONFLICT' } as const;

export class RepairCommands {
  readonly #c: RepairsContext;
  /** one transition at a time per request on this node */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** reports each resident has on their way to the ledger (counted toward the open-report limit) */
  readonly #reporting = new Map<string, number>();

  constructor(c: RepairsContext) {
    this.#c = c;
  }

  /** One at a time per key, so each transition is checked against the state the previous left. */
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
      if (!this.#c.store.uploadedBy(h, p.userId)) throw new MachiError('REQUEST_INVALID', `photo ${h} was not uploaded by you: POST it to /v1/repairs/photos first`);
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
      const before = this.#c.record(request);
      this.#admit(request, before, action, p, now);
      const { payload, write } = build(before);
      const invalid = checkRepairPayload(action, payload as never, this.#c.node.genesis.orgs.map((o) => o.id));
      if (invalid !== null) throw new MachiError('REQUEST_INVALID', invalid);
      const undo = write?.();
      let tx: { txHash: string; height: number };
      try {
        tx = await this.#commit(`repair.${action}`, payload);
      } catch (e) {
        if (!(e instanceof MachiError && e.code === 'COMMIT_TIMEOUT')) undo?.();
        throw e;
      }
      const status = this.#c.record(request)?.status ?? nextStatus(before?.status ?? 'received', action);
      return { request, action, status, ...tx };
    });
  }

  async #commit(type: string, payload: Record<string, unknown>): Promise<{ txHash: string; height: number }> {
    const r = await this.#c.submitter.submit(type, payload);
    if (r.code !== undefined) throw new MachiError('HANDLER_REJECTED', `${r.message ?? r.code} (recorded with no effect in tx ${r.hash})`);
    return { txHash: r.hash, height: r.height! };
  }

  /** A text of `request` to keep off the ledger: its hash for the payload, and the write (returning its undo). */
  #note(p: Principal, request: string, kind: NoteKind, text: string, unit?: string): { hash: string; write: () => () => void } {
    const salt = newSalt();
    const at = this.#c.node.clock();
    return {
      hash: noteHash(salt, text),
      write: () => {
        const hash = this.#c.store.putNote({ request, kind, text, salt, unit, userId: p.userId, at });
        return () => this.#c.store.deleteNote(request, kind, hash);
      },
    };
  }

  /** The private writes of a step: its note (if any), and its photos marked as part of the request. */
  #writes(p: Principal, request: string, photos: readonly string[], note?: { write: () => () => void }): () => () => void {
    return () => {
      const undoNote = note?.write();
      this.#c.store.attach(request, photos, p.userId);
      return () => {
        undoNote?.();
        this.#c.store.detach(request, photos, p.userId);
      };
    };
  }

  /** A resident (or staff) reports a problem. */
  report(p: Principal, b: ReportBody): Promise<ActResult> {
    const request = `rq_${hex32()}`;
    const photos = b.photos ?? [];
    if (!this.#c.buildings.includes(b.location.building)) {
      return Promise.reject(new MachiError('REQUEST_INVALID', `building ${b.location.building} is not one this organisation serves (${this.#c.buildings.join(', ')})`));
    }
    if (p.role === 'resident') {
      // reports on their way to the ledger count too, so that parallel reports cannot pass the limit together
      const pending = this.#reporting.get(p.userId) ?? 0;
      const open = this.#c.store.requestsOfUser(p.userId).map((id) => this.#c.record(id)).filter((r) => r !== undefined && isOpenStatus(r.status)).length;
      if (open + pending >= REPAIRS_OPEN_REPORTS_PER_USER_MAX) {
        return Promise.reject(new MachiError('REPAIRS_LIMIT_REACHED', `you already have ${open + pending} open requests; follow or wait for them before reporting more`));
      }
      this.#reporting.set(p.userId, pending + 1);
      const done = (): void => {
        const left = (this.#reporting.get(p.userId) ?? 1) - 1;
        if (left > 0) this.#reporting.set(p.userId, left);
        else this.#reporting.delete(p.userId);
      };
      return this.#report(p, request, photos, b).finally(done);
    }
    return this.#report(p, request, photos, b);
  }

  #report(p: Principal, request: string, photos: readonly string[], b: ReportBody): Promise<ActResult> {
    // No subject id on the ledger: a resident's subject is the privacy module's pseudonym, and a request names a
    // building; together they would place the person (docs/spec/privacy.md#threat-model).
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
        },
        write: this.#writes(p, request, photos, description),
      };
    });
  }

  follow(p: Principal, request: string): Promise<ActResult> {
    return this.#transition(p, request, 'follow', () => ({ payload: { request, follower: p.actor } }));
  }

  /**
   * A dispatcher or staff member assigns (or reassigns) a maintenance worker of their organisation, by user name; once
   * committed, the listeners (`onAssigned`: property records the licence covering the job) run before the answer.
   */
  async assign(p: Principal, request: string, workerUsername: string): Promise<ActResult> {
    let worker: AssignedWorker | undefined;
    const r = await this.#transition(p, request, 'assign', () => {
      const w = this.#c.accounts.findUser(p.org, workerUsername);
      if (w === undefined || w.role !== 'maintenance-worker') throw new MachiError('REQUEST_INVALID', `${workerUsername} is not a maintenance worker of ${p.org}`);
      worker = { userId: w.id, username: w.username, actor: this.#c.actors.of(p.org, w.id, w.role) };
      return { payload: { request, worker: worker.actor, workerOrg: p.org, by: p.actor } };
    });
    const record = this.#c.record(request);
    for (const l of this.#assigned) {
      try {
        await l(p, record!, worker!);
      } catch (e) {
        this.#c.log(`repairs: after assigning ${request}: ${(e as Error).message}`);
      }
    }
    return r;
  }

  readonly #assigned: AssignListener[] = [];
  /** Runs `l` after each assignment committed here (its failure is logged: the assignment stands). */
  onAssigned(l: AssignListener): void {
    this.#assigned.push(l);
  }

  /** accept, arrive, start: the assigned worker moves the job on. */
  step(p: Principal, request: string, action: 'accept' | 'arrive' | 'start'): Promise<ActResult> {
    return this.#transition(p, request, action, () => ({ payload: { request, worker: p.actor } }));
  }

  diagnose(p: Principal, request: string, b: DiagnoseBody): Promise<ActResult> {
    const photos = b.photos ?? [];
    return this.#transition(p, request, 'diagnose', () => {
      this.#checkPhotos(p, photos);
      const parts = b.parts.map(({ part, quantity }) => ({ part, quantity }));
      return { payload: { request, worker: p.actor, cause: b.cause, parts, photoHashes: photos }, write: this.#writes(p, request, photos) };
    });
  }

  finish(p: Principal, request: string, b: FinishBody): Promise<ActResult> {
    const photos = b.photos ?? [];
    return this.#transition(p, request, 'finish', () => {
      this.#checkPhotos(p, photos);
      return { payload: { request, worker: p.actor, photoHashes: photos }, write: this.#writes(p, request, photos) };
    });
  }

  /** The reporter confirms the work, with a rating and an optional comment (kept off the ledger, its hash on it). */
  confirm(p: Principal, request: string, b: ConfirmBody): Promise<ActResult> {
    return this.#transition(p, request, 'confirm', () => {
      if (b.comment === undefined) return { payload: { request, reporter: p.actor, rating: b.rating } };
      const comment = this.#note(p, request, 'comment', b.comment);
      return { payload: { request, reporter: p.actor, rating: b.rating, commentHash: comment.hash }, write: comment.write };
    });
  }

  /** The reporter is not satisfied: the request is open again, with a reason (off the ledger, its hash on it). */
  reopen(p: Principal, request: string, b: ReopenBody): Promise<ActResult> {
    return this.#transition(p, request, 'reopen', () => {
      const reason = this.#note(p, request, 'reason', b.reason);
      return { payload: { request, reporter: p.actor, reasonHash: reason.hash }, write: reason.write };
    });
  }

  cancel(p: Principal, request: string): Promise<ActResult> {
    return this.#transition(p, request, 'cancel', () => ({ payload: { request, by: p.actor } }));
  }

  /** A manager escalates an overdue request by hand (the job does it on its own, see escalateOverdue). */
  escalate(p: Principal, request: string, now = this.#c.node.clock()): Promise<ActResult> {
    return this.#transition(p, request, 'escalate', (r) => ({ payload: { request, level: (r?.escalation?.level ?? 0) + 1, by: p.actor } }), now);
  }

  /**
   * A dispatcher or staff member sets their organisation's SLA for a category (`repair.configure_sla`, signed by this
   * node's organisation — so only a user of it may): checkSlaSetting first (403 REPAIR_FORBIDDEN, 400 REQUEST_INVALID,
   * nothing recorded), then the transaction, answered after its commit. Requests already open keep their due time.
   */
  setSla(p: Principal, category: RepairCategory, b: SlaBody): Promise<SlaSet> {
    const org = this.#c.node.self.id;
    return this.#serial(`sla:${category}`, async () => {
      const c = checkSlaSetting({ role: p.role, org: p.org }, org, b);
      if (!c.ok) throw new MachiError(c.status === 403 ? 'REPAIR_FORBIDDEN' : 'REQUEST_INVALID', c.reason);
      const tx = await this.#commit('repair.configure_sla', { category, urgentHours: b.urgentHours, normalHours: b.normalHours, by: p.actor });
      return { ...slaView(this.#c, effectiveSla(this.#c.read, org, category), p), height: tx.height };
    });
  }

  /** Stores an uploaded image (type by magic bytes); returns its content hash, to name in a report or a step. */
  uploadPhoto(p: Principal, bytes: Buffer): PhotoUploaded {
    const type = imageTypeOf(bytes);
    if (type === undefined) throw new MachiError('REPAIR_PHOTO_UNSUPPORTED', 'a photo must be a PNG, JPEG or WebP image (checked by its first bytes)');
    if (this.#c.store.pendingUploads(p.userId) >= REPAIRS_UPLOADS_PENDING_MAX) {
      throw new MachiError('REPAIR_CONFLICT', `you have ${REPAIRS_UPLOADS_PENDING_MAX} photos not yet part of a request; use them or wait a day`);
    }
    return { hash: this.#c.store.putPhoto(p.userId, bytes, type, this.#c.node.clock()), type, bytes: bytes.length };
  }
}
