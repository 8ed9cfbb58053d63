/**
 * What every part of the repairs service shares: the node's state reads, the private store, the accounts, and the
 * rules of who sees what of a request (its private part, its worker).
 */
import { MANAGER_ROLES, isOpenStatus, openRequestsInBuilding, requestRecord, type RepairCategory, type RequestRecord, type Role } from '@machi/core';
import type { AccountStore } from '../../auth/accounts.js';
import { LedgerActors, type Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import type { RepairStore } from './store.js';
import { DEMO_BUILDINGS } from './buildings.js';

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
  /**
   * the building codes this organisation serves (reports elsewhere are refused), or where to read them on each use
   * (the address register: index.ts); default the demo community's
   */
  buildings?: readonly string[] | (() => readonly string[]);
}

/** Index entries read per building (one scan each) where other organisations' requests matter. */
export const REPAIRS_OPEN_PER_BUILDING_MAX = 1000;
/** This organisation's requests not yet finished, read at most (the board, the jobs, the SLA job). */
export const REPAIRS_OWN_OPEN_MAX = 10_000;
/** Nothing more can happen to a request in these. */
const FINISHED_STATUSES: readonly string[] = ['confirmed', 'cancelled'];
/** Open requests one resident may have reported at once (a flood of reports blinds the board and the SLA job). */
export const REPAIRS_OPEN_REPORTS_PER_USER_MAX = 10;

export class RepairsContext {
  readonly node: MachiNode;
  readonly store: RepairStore;
  readonly submitter: OrgSubmitter;
  readonly accounts: AccountStore;
  readonly secret: Uint8Array;
  /** the actors users appear as in this module's transactions */
  readonly actors: LedgerActors;
  readonly subjects: SubjectLinks | undefined;
  readonly log: (line: string) => void;
  readonly #buildings: () => readonly string[];
  /** actor → user name, per organisation (rebuilt on a miss) */
  readonly #names = new Map<string, Map<string, string>>();

  constructor(o: RepairsServiceOptions) {
    this.node = o.node;
    this.store = o.store;
    this.submitter = o.submitter;
    this.accounts = o.accounts;
    this.secret = o.secret;
    this.actors = new LedgerActors(o.secret, o.node.genesis.rules, 'repairs');
    this.subjects = o.subjects;
    this.log = o.log ?? (() => {});
    const b = o.buildings ?? DEMO_BUILDINGS.map((x) => x.code);
    this.#buildings = typeof b === 'function' ? b : () => b;
  }

  /** The building codes this organisation serves, now. */
  get buildings(): readonly string[] {
    return this.#buildings();
  }

  /**
   * This organisation's open requests (`category`: only those), read from its own list of the requests reported
   * through this node — not from the shared per-building index, where any organisation may write (issue 11.4: 1,100
   * requests signed by another member at one building pushed the real ones off the board). Requests found confirmed
   * or cancelled are marked so, and not read again.
   */
  openRequests(category?: RepairCategory): RequestRecord[] {
    const out: RequestRecord[] = [];
    for (const id of this.store.unfinishedRequests(REPAIRS_OWN_OPEN_MAX)) {
      const r = this.record(id);
      if (r === undefined) continue; // reported, not committed yet (or refused: its note is removed)
      if (FINISHED_STATUSES.includes(r.status)) this.store.markFinished(id);
      else if (isOpenStatus(r.status) && (category === undefined || r.category === category)) out.push(r);
    }
    return out;
  }

  /** Open requests in this organisation's buildings, any organisation's (workers of ours may be on another's). */
  openRequestsInBuildings(): RequestRecord[] {
    return this.buildings.flatMap((b) => openRequestsInBuilding(this.read, this.scan, b, { limit: REPAIRS_OPEN_PER_BUILDING_MAX }));
  }

  read = (key: string): string | undefined => this.node.store.read(key);
  scan = (prefix: string, limit: number): [string, string][] => this.node.store.scan(prefix, limit);
  record = (request: string): RequestRecord | undefined => requestRecord(this.read, request);

  usernameOf(org: string, actor: string): string | undefined {
    const cached = this.#names.get(org)?.get(actor);
    if (cached !== undefined) return cached;
    const names = new Map(this.accounts.listUsers(org).map((u) => [this.actors.of(org, u.id, u.role), u.username]));
    this.#names.set(org, names);
    return names.get(actor);
  }

  /** The reporter, staff of the request's organisation and the assigned worker read its private part. */
  mayReadPrivate(p: Principal, r: RequestRecord): boolean {
    if (p.org === r.org && (p.actor === r.reporter || (MANAGER_ROLES as readonly Role[]).includes(p.role))) return true;
    return r.worker !== undefined && p.actor === r.worker && p.org === r.workerOrg;
  }

  /** Who sees the worker card of a request: those who may read its private part, and residents following it. */
  maySeeWorker(p: Principal, r: RequestRecord): boolean {
    return this.mayReadPrivate(p, r) || (p.org === r.org && r.followers.includes(p.actor));
  }
}
