/**
 * The events service on a node: every step of an event, a grid worker's patrols and visits, and what the API shows.
 * Each step is decided first by the core's pure checks (`checkEventTransition`, `checkEventReport`, `checkGridWork`:
 * 404 / 409 / 403, nothing recorded) and `checkEventPayload` (400); only then is the transaction signed — with the key
 * of the caller's organisation, which for staff of a hosted department is that department's own key held by this
 * node (docs/decisions/0001-hosted-departments.md) — and the answer waits for its commit. docs/spec/events.md#api
 */
import { createHmac } from 'node:crypto';
import {
  DEPARTMENTS,
  DEPARTMENT_CODES,
  EVENT_CATEGORIES,
  EVENT_CATEGORY_CODES,
  EVENT_LOCATION_KINDS,
  EVENT_REJECT_REASONS,
  EVENT_RESULT_CODES,
  EVENT_SEVERITIES,
  EVENT_STATUSES,
  CHECK_RESULTS,
  FLAG_ANSWERS,
  FLAG_KINDS,
  HELP_REASONS,
  SEND_BACK_REASONS,
  VISIT_PURPOSES,
  MachiError,
  checkEventImport,
  checkEventPayload,
  checkEventReport,
  checkEventTransition,
  checkGridWork,
  checkGridDefinition,
  GRID_MANAGER_ROLES,
  buildingsOf,
  departmentMetrics,
  departmentOrgs,
  eventErrorCode,
  eventRecord,
  eventsOfOrg,
  gridRecord,
  gridWorkerMetrics,
  inbox,
  isEventOpen,
  ackMissed,
  handlingOverdue,
  openEventsInGrid,
  openEventsOfOrg,
  patrolsOf,
  reportsOf,
  visitsOf,
  eventsOfGrid,
  type Assignment,
  type DepartmentCode,
  type EventAction,
  type EventActResult,
  type EventActionInput,
  type EventBoard,
  type EventBoardQuery,
  type EventCatalogues,
  type EventCategory,
  type EventImportPayload,
  type EventSeverity,
  type EventRecord,
  type EventReportBody,
  type EventSummary,
  type EventTimeline,
  type EventView,
  type GridRecord,
  type GridView,
  type GridWorkResult,
  type GridDefineBody,
  type GridEntry,
  type ConfigResult,
  type GridWorkerRecord,
  type GridRecordView,
  type DepartmentRecordView,
  type MyEvents,
  type PartView,
  type PeriodQuery,
  type Role,
  type VisitBody,
} from '@machi/core';
import type { AccountStore } from '../../auth/accounts.js';
import { LedgerActors, type Principal } from '../../auth/principal.js';
import { HOUSEHOLD_TOKEN_KEY_INFO, domainKeyOf } from '../../auth/secret.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import { hex32 } from '../../ids.js';
import type { GridInfo } from './grids.js';
import { EVENTS_PHOTO_BYTES_MAX, EVENTS_UPLOADS_PENDING_MAX, newSalt, noteHash, type EventStore } from './store.js';

/** Entries read per list (board, inbox, my reports, a grid's events, a department's record). */
export const EVENTS_LIST_MAX = 1000;
/** Grids read when looking for a grid worker's own. */
export const EVENTS_GRIDS_MAX = 200;
/** The default period of a grid worker's record: the last 30 days, ms. */
export const EVENTS_RECORD_PERIOD_MS = 30 * 24 * 60 * 60 * 1000;
/** Roles that see a description on the node holding it, when their organisation is on the event. */
const STAFF_ROLES: readonly Role[] = ['official', 'dispatcher', 'property-staff', 'utility-staff', 'maintenance-worker'];

export interface EventsServiceOptions {
  node: MachiNode;
  store: EventStore;
  /** org id → the submitter signing with its key: this node's organisation and the members it hosts */
  signers: ReadonlyMap<string, OrgSubmitter>;
  accounts: AccountStore;
  /** the node's auth secret: salts pseudonyms and household tokens */
  secret: Uint8Array;
  grids: readonly GridInfo[];
  log?: (line: string) => void;
}

/** What a step records: its payload, the checks' input, and the private writes to make once admitted (returning their undo). */
interface Step {
  payload: Record<string, unknown>;
  input?: EventActionInput;
  write?: () => () => void;
}

/** Where a grid's names (defined through this node) are kept in the events store's meta table. */
const gridInfoKey = (grid: string): string => `grid_info:${grid}`;

const fail = (status: 404 | 409 | 403, reason: string): MachiError => new MachiError(eventErrorCode(status), reason);

export class EventsService {
  readonly node: MachiNode;
  readonly store: EventStore;
  readonly #signers: ReadonlyMap<string, OrgSubmitter>;
  readonly #accounts: AccountStore;
  readonly #secret: Uint8Array;
  /** the actors users appear as in this module (residents: their events actor on chains with context pseudonyms) */
  readonly actors: LedgerActors;
  /** the grids configured at start (the demo's); grids defined through the API since are in the store (gridInfoKey) */
  readonly #grids: readonly GridInfo[];
  readonly log: (line: string) => void;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(o: EventsServiceOptions) {
    this.node = o.node;
    this.store = o.store;
    this.#signers = o.signers;
    this.#accounts = o.accounts;
    this.#secret = o.secret;
    this.actors = new LedgerActors(o.secret, o.node.genesis.rules, 'events');
    this.#grids = o.grids;
    this.log = o.log ?? (() => {});
  }

  read = (key: string): string | undefined => this.node.store.read(key);
  scan = (prefix: string, limit: number): [string, string][] => this.node.store.scan(prefix, limit);
  readParsed = (key: string): unknown => {
    const v = this.read(key);
    return v === undefined ? undefined : JSON.parse(v);
  };
  get orgIds(): string[] {
    return this.node.genesis.orgs.map((o) => o.id);
  }
  /** The command centre of reports made through this node: the street office if the chain has one, else this organisation. */
  get centre(): string {
    return this.orgIds.includes('street-office') ? 'street-office' : this.node.self.id;
  }
  /** Organisations this node signs for: its own and the members it hosts. */
  get signingOrgs(): string[] {
    return [...this.#signers.keys()];
  }
  hosts(org: string): boolean {
    return org !== this.node.self.id && this.#signers.has(org);
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Steps
  // -------------------------------------------------------------------------------------------------------------------

  #serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => {});
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return run;
  }

  #submitter(p: Principal): OrgSubmitter {
    const s = this.#signers.get(p.org);
    if (s === undefined) throw fail(403, `this node does not sign for ${p.org}`);
    return s;
  }

  async #commit(p: Principal, type: string, payload: Record<string, unknown>): Promise<{ txHash: string; height: number }> {
    const invalid = checkEventPayload(type, payload as never, this.orgIds);
    if (invalid !== null) throw new MachiError('REQUEST_INVALID', invalid);
    const r = await this.#submitter(p).submit(type, payload);
    if (r.code !== undefined) throw new MachiError('HANDLER_REJECTED', `${r.message ?? r.code} (recorded with no effect in tx ${r.hash})`);
    return { txHash: r.hash, height: r.height! };
  }

  #checkPhotos(p: Principal, photos: readonly string[]): void {
    for (const h of photos) {
      if (!this.store.uploadedBy(h, p.userId)) throw new MachiError('REQUEST_INVALID', `photo ${h} was not uploaded by you: POST it to /v1/events/photos first`);
    }
  }

  #photoWrites(p: Principal, event: string, photos: readonly string[]): () => () => void {
    return () => {
      this.store.attach(event, photos, p.userId);
      return () => this.store.detach(event, photos, p.userId);
    };
  }

  /**
   * The one path of every step on an existing event: checkEventTransition with the caller's role, organisation and
   * pseudonym at the node's clock (nothing is signed if it refuses), the payload, checkEventPayload, the private
   * writes, `event.<action>` signed by the caller's organisation, the commit.
   */
  #step(p: Principal, event: string, action: EventAction, build: (r: EventRecord) => Step, now?: number): Promise<EventActResult> {
    return this.#serial(event, async () => {
      const before = eventRecord(this.read, event);
      const probe = before === undefined ? undefined : build(before);
      const into = action === 'triage' && typeof probe?.input?.into === 'string' ? eventRecord(this.read, probe.input.into) : undefined;
      const check = checkEventTransition(before, action, { actor: p.actor, role: p.role, org: p.org }, probe?.input ?? {}, { now: now ?? this.node.clock(), into });
      if (!check.ok) throw fail(check.status, check.status === 404 && before === undefined ? `no event ${event}` : check.reason);
      const { payload, write } = probe!;
      this.#submitter(p);
      const undo = write?.();
      let tx: { txHash: string; height: number };
      try {
        tx = await this.#commit(p, `event.${action}`, payload);
      } catch (e) {
        if (!(e instanceof MachiError && e.code === 'COMMIT_TIMEOUT')) undo?.();
        throw e;
      }
      return { event, action, status: eventRecord(this.read, event)?.status ?? before!.status, ...tx };
    });
  }

  /** A grid worker or a resident reports an event; the description stays here, its salted hash goes on the ledger. */
  async report(p: Principal, b: EventReportBody): Promise<EventActResult> {
    const event = `ev_${hex32()}`;
    const now = this.node.clock();
    const reporterKind = p.role === 'grid-worker' ? 'grid-worker' : 'resident';
    const observedAt = b.observedAt ?? now;
    const photos = b.photos ?? [];
    const first = checkEventTransition(undefined, 'report', { actor: p.actor, role: p.role, org: p.org });
    if (!first.ok) throw fail(first.status, first.reason);
    if (p.role === 'resident' && b.location.kind !== 'common-area') throw fail(409, 'a resident reports about a common area (a home is a repair request)');
    const where = checkEventReport(gridRecord(this.read, b.grid), { actor: p.actor, role: p.role, org: p.org }, { grid: b.grid, location: b.location, reporterKind, observedAt }, now);
    if (!where.ok) throw fail(where.status, where.reason);
    if (p.role === 'resident') {
      const info = this.grids.find((g) => g.grid === b.grid);
      if (info !== undefined && !info.commonAreas.some((a) => a.code === b.location.code)) throw fail(409, `${b.location.code} is not a common area of ${b.grid}`);
    }
    this.#checkPhotos(p, photos);
    this.#submitter(p);
    const salt = newSalt();
    const descriptionHash = noteHash(salt, b.description);
    const payload = {
      event, category: b.category, severity: b.severity, grid: b.grid, location: { kind: b.location.kind, code: b.location.code },
      descriptionHash, photoHashes: photos, reporter: p.actor, reporterKind, centre: this.centre, observedAt,
    };
    this.store.putNote({ event, hash: descriptionHash, salt, text: b.description, userId: p.userId, at: now });
    this.store.attach(event, photos, p.userId);
    let tx: { txHash: string; height: number };
    try {
      tx = await this.#commit(p, 'event.report', payload);
    } catch (e) {
      if (!(e instanceof MachiError && e.code === 'COMMIT_TIMEOUT')) {
        this.store.deleteNote(event);
        this.store.detach(event, photos, p.userId);
      }
      throw e;
    }
    return { event, action: 'report', status: eventRecord(this.read, event)?.status ?? 'reported', ...tx };
  }

  /**
   * The command centre imports a finished event from its previous system (`event.import`, its legacy timeline): the
   * description stays here as for a report; the reporter is an account of the caller's organisation (a grid worker)
   * or the caller. checkEventImport with the caller's role at the node's clock first (nothing is signed if it refuses).
   */
  async importEvent(p: Principal, b: EventImportBody): Promise<EventActResult> {
    const event = `ev_${hex32()}`;
    let reporter = p.actor;
    if (b.reporter !== undefined) {
      const u = this.#accounts.findUser(p.org, b.reporter);
      if (u === undefined) throw new MachiError('REQUEST_INVALID', `no account ${b.reporter} at ${p.org}`);
      reporter = this.actors.of(p.org, u.id, u.role);
    }
    const salt = newSalt();
    const payload: EventImportPayload = {
      event, category: b.category, severity: b.severity, grid: b.grid, location: { kind: b.location.kind, code: b.location.code },
      descriptionHash: noteHash(salt, b.description), reporter, reporterKind: b.reporterKind, observedAt: b.observedAt, reportedAt: b.reportedAt,
      departments: b.departments.map((d) => ({ ...d })), check: b.check, closedAt: b.closedAt, by: p.actor,
    };
    const check = checkEventImport(eventRecord(this.read, event), gridRecord(this.read, b.grid), { actor: p.actor, role: p.role, org: p.org }, payload, this.node.clock());
    if (!check.ok) throw fail(check.status, check.reason);
    this.#submitter(p);
    this.store.putNote({ event, hash: payload.descriptionHash, salt, text: b.description, userId: p.userId, at: this.node.clock() });
    let tx: { txHash: string; height: number };
    try {
      tx = await this.#commit(p, 'event.import', payload as unknown as Record<string, unknown>);
    } catch (e) {
      if (!(e instanceof MachiError && e.code === 'COMMIT_TIMEOUT')) this.store.deleteNote(event);
      throw e;
    }
    return { event, action: 'report', status: eventRecord(this.read, event)?.status ?? 'closed', ...tx };
  }

  /**
   * An organisation's device system reports a dangerous alarm of its own device (reporterKind `device`): at the
   * device's building, in the grid that has it, to this node's command centre, signed by `org` (this node or a member
   * it hosts) with the device job's pseudonym. The ledger checks the alarm is open, `org`'s, at that building, and
   * has no event yet. The description (kept here) names the alarm.
   */
  async reportFromDevice(org: string, actor: string, b: { alarm: string; category: EventCategory; severity: EventSeverity; building: string; observedAt: number }): Promise<EventActResult> {
    const grid = this.scan('events/grid/', EVENTS_LIST_MAX)
      .map(([, v]) => JSON.parse(v) as GridRecord)
      .find((g) => g.buildings.some((x) => x.building === b.building));
    if (grid === undefined) throw fail(409, `building ${b.building} is in no grid`);
    const event = `ev_${hex32()}`;
    const salt = newSalt();
    const description = `Device alarm ${b.alarm} at ${b.building}`;
    const payload = {
      event, category: b.category, severity: b.severity, grid: grid.grid, location: { kind: 'building', code: b.building },
      descriptionHash: noteHash(salt, description), photoHashes: [], reporter: actor, reporterKind: 'device', centre: this.centre,
      observedAt: Math.min(b.observedAt, this.node.clock()), alarm: b.alarm,
    };
    const signer = this.#signers.get(org);
    if (signer === undefined) throw fail(403, `this node does not sign for ${org}`);
    const invalid = checkEventPayload('event.report', payload as never, this.orgIds);
    if (invalid !== null) throw new MachiError('REQUEST_INVALID', invalid);
    this.store.putNote({ event, hash: payload.descriptionHash, salt, text: description, userId: actor, at: this.node.clock() });
    const r = await signer.submit('event.report', payload);
    if (r.code !== undefined) {
      this.store.deleteNote(event);
      throw new MachiError('HANDLER_REJECTED', `${r.message ?? r.code} (recorded with no effect in tx ${r.hash})`);
    }
    return { event, action: 'report', status: eventRecord(this.read, event)?.status ?? 'reported', txHash: r.hash, height: r.height! };
  }

  triage(p: Principal, event: string, b: { decision: 'accept' | 'merge' | 'reject'; into?: string; reason?: string }): Promise<EventActResult> {
    if (b.decision === 'merge' && (b.into === undefined || b.reason !== undefined)) return Promise.reject(new MachiError('REQUEST_INVALID', 'a merge names `into` and no reason'));
    if (b.decision === 'reject' && (b.reason === undefined || b.into !== undefined)) return Promise.reject(new MachiError('REQUEST_INVALID', 'a rejection names a `reason` and no `into`'));
    if (b.decision === 'accept' && (b.reason !== undefined || b.into !== undefined)) return Promise.reject(new MachiError('REQUEST_INVALID', 'an acceptance names neither `into` nor a reason'));
    return this.#step(p, event, 'triage', () => ({
      payload: { event, decision: b.decision, ...(b.into === undefined ? {} : { into: b.into }), ...(b.reason === undefined ? {} : { reason: b.reason }), by: p.actor },
      input: { decision: b.decision, ...(b.into === undefined ? {} : { into: b.into }) },
    }));
  }

  #knownOrgs(orgs: readonly string[]): void {
    const stranger = orgs.find((o) => !this.orgIds.includes(o));
    if (stranger !== undefined) throw new MachiError('REQUEST_INVALID', `${stranger} is not an organisation of this chain`);
  }

  dispatch(p: Principal, event: string, departments: { org: string; deadlineMinutes: number }[]): Promise<EventActResult> {
    this.#knownOrgs(departments.map((d) => d.org));
    return this.#step(p, event, 'dispatch', () => ({ payload: { event, departments, by: p.actor }, input: { departments } }));
  }

  sendBack(p: Principal, event: string, departments: { org: string; deadlineMinutes: number }[], reason: string): Promise<EventActResult> {
    this.#knownOrgs(departments.map((d) => d.org));
    return this.#step(p, event, 'send_back', () => ({ payload: { event, departments, reason, by: p.actor }, input: { departments } }));
  }

  close(p: Principal, event: string, check: string, photos: readonly string[] = []): Promise<EventActResult> {
    this.#checkPhotos(p, photos);
    return this.#step(p, event, 'close', () => ({ payload: { event, check, photoHashes: [...photos], by: p.actor }, write: this.#photoWrites(p, event, photos) }));
  }

  /** Escalates a department's part one level (the escalation job calls this too, with `now` its pass time). */
  escalate(p: Principal, event: string, department: string, now?: number): Promise<EventActResult> {
    return this.#step(p, event, 'escalate', (r) => {
      const level = (r.assignments.find((a) => a.org === department)?.escalation ?? 0) + 1;
      return { payload: { event, department, level, by: p.actor }, input: { department, level } };
    }, now);
  }

  acknowledge(p: Principal, event: string): Promise<EventActResult> {
    return this.#step(p, event, 'acknowledge', () => ({ payload: { event, by: p.actor } }));
  }

  accept(p: Principal, event: string): Promise<EventActResult> {
    return this.#step(p, event, 'accept', () => ({ payload: { event, by: p.actor } }));
  }

  handle(p: Principal, event: string, result: string, photos: readonly string[] = []): Promise<EventActResult> {
    this.#checkPhotos(p, photos);
    return this.#step(p, event, 'handle', () => ({ payload: { event, result, photoHashes: [...photos], by: p.actor }, write: this.#photoWrites(p, event, photos) }));
  }

  requestHelp(p: Principal, event: string, b: { to: string; reason: string; deadlineMinutes: number }): Promise<EventActResult> {
    this.#knownOrgs([b.to]);
    return this.#step(p, event, 'request_help', () => ({ payload: { event, to: b.to, reason: b.reason, deadlineMinutes: b.deadlineMinutes, by: p.actor }, input: { to: b.to } }));
  }

  flag(p: Principal, event: string, b: { step: number; kind: string; evidence?: string[] }): Promise<EventActResult> {
    const evidence = b.evidence ?? [];
    this.#checkPhotos(p, evidence);
    return this.#step(p, event, 'flag', () => ({ payload: { event, step: b.step, kind: b.kind, evidenceHashes: evidence, by: p.actor }, input: { step: b.step }, write: this.#photoWrites(p, event, evidence) }));
  }

  answerFlag(p: Principal, event: string, b: { flag: number; answer: string; evidence?: string[] }): Promise<EventActResult> {
    const evidence = b.evidence ?? [];
    this.#checkPhotos(p, evidence);
    return this.#step(p, event, 'answer_flag', () => ({ payload: { event, flag: b.flag, answer: b.answer, evidenceHashes: evidence, by: p.actor }, input: { flag: b.flag }, write: this.#photoWrites(p, event, evidence) }));
  }

  rate(p: Principal, event: string, rating: number): Promise<EventActResult> {
    return this.#step(p, event, 'rate', () => ({ payload: { event, reporter: p.actor, rating } }));
  }

  follow(p: Principal, event: string, on: boolean): { event: string; following: boolean; followers: number } {
    if (eventRecord(this.read, event) === undefined) throw fail(404, `no event ${event}`);
    if (on) this.store.follow(p.userId, event, this.node.clock());
    else this.store.unfollow(p.userId, event);
    return { event, following: on, followers: this.store.followers(event) };
  }

  uploadPhoto(p: Principal, bytes: Buffer): { hash: string; type: string; bytes: number } {
    if (bytes.length > EVENTS_PHOTO_BYTES_MAX) throw new MachiError('BODY_TOO_LARGE', `a photo may be at most ${EVENTS_PHOTO_BYTES_MAX} bytes`);
    this.store.prune(this.node.clock());
    if (this.store.pendingUploads(p.userId) >= EVENTS_UPLOADS_PENDING_MAX) {
      throw new MachiError('RATE_LIMITED', `you have ${EVENTS_UPLOADS_PENDING_MAX} photos not yet named in a report or step`);
    }
    const put = this.store.putPhoto(p.userId, bytes, this.node.clock());
    if (put === undefined) throw new MachiError('REPAIR_PHOTO_UNSUPPORTED', 'a photo must be a PNG, JPEG or WebP image (checked by its first bytes)');
    return put;
  }

  photo(event: string, hash: string): { type: string; bytes: Buffer } {
    const r = eventRecord(this.read, event);
    const photo = this.store.photo(event, hash);
    if (r === undefined || photo === undefined) throw fail(404, `no photo ${hash} of event ${event} on this node`);
    return photo;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Grid work
  // -------------------------------------------------------------------------------------------------------------------

  /** The household token of a unit (its standard address code) in a grid: never the code itself on the ledger. */
  householdToken(gridOrg: string, unit: string): string {
    return createHmac('sha256', domainKeyOf(this.#secret, HOUSEHOLD_TOKEN_KEY_INFO)).update(`${gridOrg}:${unit}`, 'utf8').digest('hex');
  }

  #gridWork(p: Principal, grid: string, building: string): GridRecord {
    const g = gridRecord(this.read, grid);
    const check = checkGridWork(g, { actor: p.actor, role: p.role, org: p.org }, { grid, building });
    if (!check.ok) throw fail(check.status, check.reason);
    return g!;
  }

  async patrol(p: Principal, grid: string, building: string): Promise<GridWorkResult> {
    this.#gridWork(p, grid, building);
    const tx = await this.#commit(p, 'event.patrol', { grid, building, worker: p.actor });
    return { grid, building, action: 'patrol', ...tx };
  }

  async visit(p: Principal, grid: string, b: VisitBody): Promise<GridWorkResult> {
    const g = this.#gridWork(p, grid, b.building);
    const households = [...new Set(b.units.map((u) => this.householdToken(g.org, u)))];
    const tx = await this.#commit(p, 'event.visit', { grid, building: b.building, worker: p.actor, households, purpose: b.purpose });
    return { grid, building: b.building, action: 'visit', households: households.length, ...tx };
  }

  /**
   * The community's grids as people name them: those configured at start, each replaced by (and followed by) the
   * grids defined through this node, whose names it keeps (`grid_info:<grid>` in the events store).
   */
  get grids(): readonly GridInfo[] {
    const out = [...this.#grids];
    for (const [, value] of this.scan('events/grid/', EVENTS_GRIDS_MAX)) {
      const g = JSON.parse(value) as GridRecord;
      const stored = this.store.meta.get(gridInfoKey(g.grid));
      if (stored === undefined) continue;
      const info = JSON.parse(stored) as GridInfo;
      const i = out.findIndex((x) => x.grid === g.grid);
      if (i >= 0) out[i] = info;
      else out.push(info);
    }
    return out;
  }

  /**
   * Defines (or redefines) a grid with its grid workers by user name (accounts of the caller's organisation): a
   * GRID_MANAGER_ROLES user (403), not a grid another organisation defined (403), each building an active building of
   * the standard address register once it has any (404 ADDRESS_NOT_FOUND), each worker an account of the caller's
   * organisation (400). Its names stay in this node's store.
   */
  async defineGrid(p: Principal, info: GridInfo): Promise<{ txHash: string; height: number }> {
    const check = checkGridDefinition(gridRecord(this.read, info.grid), { actor: p.actor, role: p.role, org: p.org });
    if (!check.ok) throw fail(check.status, check.reason);
    const registered = buildingsOf(this.read, this.scan);
    if (registered.length > 0) {
      const unknown = info.buildings.find((b) => !registered.some((r) => r.code === b.building));
      if (unknown !== undefined) throw new MachiError('ADDRESS_NOT_FOUND', `building ${unknown.building} is not in the standard address register`);
    }
    const workers = info.workers.map((username) => {
      const u = this.#accounts.findUser(p.org, username);
      if (u === undefined) throw new MachiError('REQUEST_INVALID', `no account ${username} at ${p.org}`);
      return this.actors.of(p.org, u.id, u.role);
    });
    const tx = await this.#commit(p, 'event.define_grid', { grid: info.grid, buildings: info.buildings.map((b) => ({ building: b.building, households: b.households })), workers, by: p.actor });
    this.store.meta.set(gridInfoKey(info.grid), JSON.stringify(info));
    return tx;
  }

  /** `PUT /v1/events/grids/:grid`: names for the buildings from the body, else from the address register. */
  defineGridFromBody(p: Principal, grid: string, b: GridDefineBody): Promise<ConfigResult> {
    const names = new Map(buildingsOf(this.read, this.scan).map((r) => [r.code, r.name]));
    const info: GridInfo = {
      grid, name: b.name,
      buildings: b.buildings.map((x) => ({ building: x.building, name: x.name ?? names.get(x.building) ?? x.building, households: x.households })),
      commonAreas: (b.commonAreas ?? []).map((a) => ({ code: a.code, name: a.name })),
      workers: [...b.workers],
    };
    return this.defineGrid(p, info).then((tx) => ({ grid, ...tx }));
  }

  /** Every grid on the ledger, with names and (for this node's organisation's grids) the workers' user names. */
  gridEntries(): GridEntry[] {
    const grids = this.grids;
    return this.scan('events/grid/', EVENTS_GRIDS_MAX).map(([, value]) => {
      const g = JSON.parse(value) as GridRecord;
      const info = grids.find((x) => x.grid === g.grid);
      return {
        grid: g.grid, ...(info === undefined ? {} : { name: info.name }), org: g.org, households: g.buildings.reduce((n, b) => n + b.households, 0),
        buildings: g.buildings.map((b) => {
          const name = info?.buildings.find((x) => x.building === b.building)?.name;
          return { building: b.building, ...(name === undefined ? {} : { name }), households: b.households };
        }),
        commonAreas: [...(info?.commonAreas ?? [])],
        workers: g.workers.length,
        workerNames: g.workers.map((w) => this.usernameOf(g.org, w)).filter((n): n is string => n !== undefined),
        definedAt: g.at, txHash: g.txHash,
      };
    });
  }

  /**
   * The command centre says which organisations stand for a department: a GRID_MANAGER_ROLES user of the command
   * centre (403); organisations of the chain (400).
   */
  async configureDepartment(p: Principal, department: DepartmentCode, orgs: readonly string[]): Promise<ConfigResult> {
    if (!(GRID_MANAGER_ROLES as readonly string[]).includes(p.role)) throw fail(403, `role ${p.role} may not configure departments`);
    if (p.org !== this.centre) throw fail(403, `only the command centre ${this.centre} configures its departments`);
    const tx = await this.#commit(p, 'event.configure_department', { department, orgs: [...orgs], by: p.actor });
    return { department, orgs: departmentOrgs(this.readParsed, this.centre, department, this.orgIds), ...tx };
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Views
  // -------------------------------------------------------------------------------------------------------------------

  orgName(org: string): string {
    return this.node.genesis.orgs.find((o) => o.id === org)?.name ?? org;
  }

  /** actor → user name, per organisation (rebuilt on a miss: accounts are added while the node runs) */
  readonly #names = new Map<string, Map<string, string>>();

  usernameOf(org: string, actor: string): string | undefined {
    const cached = this.#names.get(org)?.get(actor);
    if (cached !== undefined) return cached;
    const names = new Map(this.#accounts.listUsers(org).map((u) => [this.actors.of(org, u.id, u.role), u.username]));
    this.#names.set(org, names);
    return names.get(actor);
  }

  partView(r: EventRecord, a: Assignment, now: number): PartView {
    return {
      org: a.org, orgName: this.orgName(a.org), ...(a.department === undefined ? {} : { department: a.department }), via: a.via,
      ...(a.requestedBy === undefined ? {} : { requestedBy: a.requestedBy }), status: a.status,
      assignedAt: a.assignedAt, ackDueAt: a.ackDueAt, acknowledgedAt: a.acknowledgedAt, acceptedAt: a.acceptedAt, dueAt: a.dueAt, handledAt: a.handledAt,
      result: a.result, sentBack: a.sentBack, escalation: a.escalation,
      ackMissed: ackMissed(a, now), overdue: r.status === 'dispatched' && handlingOverdue(a, now),
    };
  }

  summary(p: Principal, r: EventRecord, now = this.node.clock()): EventSummary {
    const parts = r.assignments.map((a) => this.partView(r, a, now));
    const mine = parts.find((x) => x.org === p.org);
    return {
      event: r.event, category: r.category, categoryName: EVENT_CATEGORIES[r.category].name, severity: r.severity, major: r.major, status: r.status,
      open: isEventOpen(r.status), grid: r.grid, location: { kind: r.location.kind, code: r.location.code }, centre: r.centre, reporterKind: r.reporterKind,
      observedAt: r.observedAt, reportedAt: r.reportedAt, updatedAt: r.steps[r.steps.length - 1]?.at ?? r.reportedAt, closedAt: r.closedAt,
      parts, overdue: parts.some((x) => x.overdue), ackMissed: parts.some((x) => x.ackMissed),
      openFlags: r.flags.filter((f) => f.answer === null).length, rating: r.rating,
      yours: r.reporter === p.actor && r.reporterOrg === p.org, following: this.store.isFollowing(p.userId, r.event),
      ...(mine === undefined ? {} : { myPart: mine }),
      ...(r.imported === true ? { imported: true } : {}),
    };
  }

  #record(event: string): EventRecord {
    const r = eventRecord(this.read, event);
    if (r === undefined) throw fail(404, `no event ${event}`);
    return r;
  }

  /** The reporter, and staff of the command centre or of a department on the event, read the description (where it is held). */
  mayReadPrivate(p: Principal, r: EventRecord): boolean {
    if (r.reporter === p.actor && r.reporterOrg === p.org) return true;
    return STAFF_ROLES.includes(p.role) && (p.org === r.centre || r.assignments.some((a) => a.org === p.org));
  }

  get(p: Principal, event: string): EventView {
    const r = this.#record(event);
    const note = this.mayReadPrivate(p, r) ? this.store.note(event) : undefined;
    const photos: string[] = [];
    for (const s of r.steps) for (const h of [...(s.photoHashes ?? []), ...(s.evidenceHashes ?? [])]) if (!photos.includes(h)) photos.push(h);
    return {
      ...this.summary(p, r),
      reporter: r.reporter, reporterOrg: r.reporterOrg, descriptionHash: r.descriptionHash, photos,
      flags: r.flags.map((f, index) => ({ index, ...f })), mergedInto: r.mergedInto, duplicates: [...r.duplicates],
      followers: this.store.followers(event),
      ...(note === undefined || note.hash !== r.descriptionHash ? {} : { description: note.text, descriptionSalt: note.salt }),
    };
  }

  timeline(p: Principal, event: string): EventTimeline {
    const r = this.#record(event);
    const now = this.node.clock();
    return {
      event, status: r.status, now, parts: r.assignments.map((a) => this.partView(r, a, now)),
      steps: r.steps.map((s, index) => {
        const username = s.org === p.org ? this.usernameOf(s.org, s.actor) : undefined;
        return { index, ...s, ...(username === undefined ? {} : { actorUsername: username }), proof: this.node.proof(s.txHash) ?? null };
      }),
    } as EventTimeline;
  }

  board(p: Principal, q: EventBoardQuery): EventBoard {
    const now = this.node.clock();
    const rows = openEventsOfOrg(this.read, this.scan, p.org, { limit: EVENTS_LIST_MAX })
      .filter((r) => r.centre === p.org)
      .filter((r) => (q.status === undefined || r.status === q.status) && (q.major === undefined || r.major === q.major)
        && (q.grid === undefined || r.grid === q.grid) && (q.category === undefined || r.category === q.category))
      .map((r) => this.summary(p, r, now))
      .filter((s) => q.overdue === undefined || (s.overdue || s.ackMissed) === q.overdue);
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 50;
    return { events: rows.slice(offset, offset + limit), total: rows.length, offset, limit };
  }

  inbox(p: Principal): EventSummary[] {
    const now = this.node.clock();
    return inbox(this.read, this.scan, p.org, { limit: EVENTS_LIST_MAX }).map((r) => this.summary(p, r, now));
  }

  mine(p: Principal): MyEvents {
    const now = this.node.clock();
    const reported = reportsOf(this.read, this.scan, p.org, p.actor, { limit: EVENTS_LIST_MAX }).reverse().map((r) => this.summary(p, r, now));
    const following = this.store.follows(p.userId).flatMap((e) => {
      const r = eventRecord(this.read, e);
      return r === undefined ? [] : [this.summary(p, r, now)];
    });
    return { reported, following };
  }

  gridEvents(p: Principal, grid: string): EventSummary[] {
    if (gridRecord(this.read, grid) === undefined) throw fail(404, `no grid ${grid}`);
    const now = this.node.clock();
    return openEventsInGrid(this.read, this.scan, grid, { limit: EVENTS_LIST_MAX }).map((r) => this.summary(p, r, now));
  }

  #period(q: PeriodQuery = {}): { from: number; to: number } {
    const to = q.to ?? this.node.clock() + 1;
    return { from: q.from ?? to - EVENTS_RECORD_PERIOD_MS, to };
  }

  #workerRecord(g: GridRecord, worker: string, period: { from: number; to: number }): GridWorkerRecord {
    const m = gridWorkerMetrics(g, worker, { visits: visitsOf(this.scan, g.grid, period.from, period.to), patrols: patrolsOf(this.scan, g.grid, period.from, period.to), events: eventsOfGrid(this.read, this.scan, g.grid) }, period);
    const username = this.usernameOf(g.org, worker);
    const displayName = username === undefined ? undefined : this.#accounts.findUser(g.org, username)?.displayName;
    return { ...m, ...(username === undefined ? {} : { username }), ...(displayName === undefined ? {} : { displayName }) };
  }

  gridRecordView(grid: string, q: PeriodQuery = {}): GridRecordView {
    const g = gridRecord(this.read, grid);
    if (g === undefined) throw fail(404, `no grid ${grid}`);
    const period = this.#period(q);
    if (period.to <= period.from) throw new MachiError('REQUEST_INVALID', '`from` must be before `to`');
    return { grid, ...period, workers: g.workers.map((w) => this.#workerRecord(g, w, period)) };
  }

  /** The grids the caller works in: buildings, their last check-in and households visited by the caller (30 days). */
  myGrids(p: Principal): GridView[] {
    const period = this.#period();
    const out: GridView[] = [];
    for (const [, value] of this.scan('events/grid/', EVENTS_GRIDS_MAX)) {
      const g = JSON.parse(value) as GridRecord;
      if (g.org !== p.org || !g.workers.includes(p.actor)) continue;
      const info = this.grids.find((x) => x.grid === g.grid);
      const patrols = patrolsOf(this.scan, g.grid, period.from, period.to).filter((x) => x.worker === p.actor);
      const visits = visitsOf(this.scan, g.grid, period.from, period.to).filter((x) => x.worker === p.actor);
      out.push({
        grid: g.grid, ...(info === undefined ? {} : { name: info.name }), org: g.org, households: g.buildings.reduce((n, b) => n + b.households, 0),
        buildings: g.buildings.map((b) => {
          const name = info?.buildings.find((x) => x.building === b.building)?.name;
          const last = patrols.filter((x) => x.building === b.building).reduce<number | null>((m, x) => (m === null || x.at > m ? x.at : m), null);
          const seen = new Set(visits.filter((x) => x.building === b.building).flatMap((x) => x.households));
          return { building: b.building, ...(name === undefined ? {} : { name }), households: b.households, lastPatrolAt: last, householdsVisited: Math.min(seen.size, b.households) };
        }),
        commonAreas: [...(info?.commonAreas ?? [])],
        workers: g.workers.length,
        openEvents: openEventsInGrid(this.read, this.scan, g.grid, { limit: EVENTS_LIST_MAX }).length,
        mine: this.#workerRecord(g, p.actor, period),
      });
    }
    return out;
  }

  #departmentsOf(org: string): DepartmentCode[] {
    return DEPARTMENT_CODES.filter((d) => departmentOrgs(this.readParsed, this.centre, d, this.orgIds).includes(org));
  }

  departmentRecord(org: string): DepartmentRecordView {
    const o = this.node.genesis.orgs.find((x) => x.id === org);
    if (o === undefined) throw fail(404, `no organisation ${org}`);
    const now = this.node.clock();
    const m = departmentMetrics(eventsOfOrg(this.read, this.scan, org, { limit: EVENTS_LIST_MAX }), org, now);
    return { ...m, orgName: o.name, departments: this.#departmentsOf(org), hosted: this.hosts(org), validator: o.power > 0, now };
  }

  /** Every organisation that stands for a department (in this node's command centre's directory). */
  departmentRecords(): DepartmentRecordView[] {
    return this.node.genesis.orgs.filter((o) => this.#departmentsOf(o.id).length > 0).map((o) => this.departmentRecord(o.id));
  }

  catalogues(): EventCatalogues {
    return {
      categories: EVENT_CATEGORY_CODES.map((code) => {
        const c = EVENT_CATEGORIES[code];
        return { code, name: c.name, gbClass: c.gbClass, departments: [...c.departments], major: c.major === null ? null : { ...c.major } };
      }),
      departments: DEPARTMENT_CODES.map((code) => ({
        code, name: DEPARTMENTS[code].name,
        orgs: departmentOrgs(this.readParsed, this.centre, code, this.orgIds).map((org) => ({
          org, name: this.orgName(org), hosted: this.hosts(org), validator: (this.node.genesis.orgs.find((x) => x.id === org)?.power ?? 0) > 0,
        })),
      })),
      centre: this.centre,
      severities: [...EVENT_SEVERITIES], statuses: [...EVENT_STATUSES], locationKinds: [...EVENT_LOCATION_KINDS], rejectReasons: [...EVENT_REJECT_REASONS],
      resultCodes: [...EVENT_RESULT_CODES], helpReasons: [...HELP_REASONS], flagKinds: [...FLAG_KINDS], flagAnswers: [...FLAG_ANSWERS],
      checkResults: [...CHECK_RESULTS], sendBackReasons: [...SEND_BACK_REASONS], visitPurposes: [...VISIT_PURPOSES],
      grids: this.grids.map((g) => ({ grid: g.grid, name: g.name, buildings: g.buildings.map((b) => b.building), commonAreas: [...g.commonAreas] })),
    };
  }
}

/** `event.import` as the command centre gives it: the payload's fields, a description instead of its hash, a reporter account. */
export type EventImportBody = Omit<EventImportPayload, 'event' | 'descriptionHash' | 'reporter' | 'by'> & { description: string; reporter?: string };
