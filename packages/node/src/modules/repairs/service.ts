/**
 * The repairs service for this node's signed-in users: one object over its parts, so that routes, Open311 and the
 * demo seed have one thing to call. Commands (commands.ts), the SLA escalation job (sla-job.ts), worker cards
 * (cards.ts) and views (views.ts) share one context (context.ts). docs/spec/repairs.md#api
 */
import type { ActResult, PhotoUploaded, RepairCategory, RequestRecord, RequestView, SlaSet, SlaView, StaffCardBody, Timeline, MyRequests, WorkerList } from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import { WorkerCards } from './cards.js';
import { RepairCommands, type AssignListener } from './commands.js';
import { RepairsContext, type RepairsServiceOptions } from './context.js';
import type { BoardQuery, ConfirmBody, DiagnoseBody, FinishBody, ReopenBody, ReportBody, SlaBody } from './schemas.js';
import { SlaEscalationJob } from './sla-job.js';
import type { StaffCard } from './store.js';
import { RepairViews } from './views.js';

export type { RepairsServiceOptions, SubjectLinks } from './context.js';
export type { AssignListener, AssignedWorker } from './commands.js';
export type { ReportBody, SlaBody } from './schemas.js';
export { REPAIRS_ESCALATION_INTERVAL_MS, SLA_JOB_USER_ID, escalationLevelDue } from './sla-job.js';

export class RepairsService {
  readonly #context: RepairsContext;
  readonly #commands: RepairCommands;
  readonly #job: SlaEscalationJob;
  readonly #cards: WorkerCards;
  readonly #views: RepairViews;

  /** Every caller's principal acts here with its repairs actor (LedgerActors). */
  #in = (p: Principal): Principal => this.#context.actors.in(p);

  constructor(o: RepairsServiceOptions) {
    this.#context = new RepairsContext(o);
    this.#commands = new RepairCommands(this.#context);
    this.#job = new SlaEscalationJob(this.#context, this.#commands);
    this.#cards = new WorkerCards(this.#context);
    this.#views = new RepairViews(this.#context, this.#cards);
  }

  // ---- commands ---------------------------------------------------------------------------------------------------
  report = (p: Principal, b: ReportBody): Promise<ActResult> => this.#commands.report(this.#in(p), b);
  follow = (p: Principal, request: string): Promise<ActResult> => this.#commands.follow(this.#in(p), request);
  assign = (p: Principal, request: string, workerUsername: string): Promise<ActResult> => this.#commands.assign(this.#in(p), request, workerUsername);
  step = (p: Principal, request: string, action: 'accept' | 'arrive' | 'start'): Promise<ActResult> => this.#commands.step(this.#in(p), request, action);
  diagnose = (p: Principal, request: string, b: DiagnoseBody): Promise<ActResult> => this.#commands.diagnose(this.#in(p), request, b);
  finish = (p: Principal, request: string, b: FinishBody): Promise<ActResult> => this.#commands.finish(this.#in(p), request, b);
  confirm = (p: Principal, request: string, b: ConfirmBody): Promise<ActResult> => this.#commands.confirm(this.#in(p), request, b);
  reopen = (p: Principal, request: string, b: ReopenBody): Promise<ActResult> => this.#commands.reopen(this.#in(p), request, b);
  cancel = (p: Principal, request: string): Promise<ActResult> => this.#commands.cancel(this.#in(p), request);
  escalate = (p: Principal, request: string, now?: number): Promise<ActResult> => this.#commands.escalate(this.#in(p), request, now);
  setSla = (p: Principal, category: RepairCategory, b: SlaBody): Promise<SlaSet> => this.#commands.setSla(this.#in(p), category, b);
  uploadPhoto = (p: Principal, bytes: Buffer): PhotoUploaded => this.#commands.uploadPhoto(this.#in(p), bytes);
  /** Another module's step after each assignment committed here (property: the licence covering the job). */
  onAssigned = (l: AssignListener): void => this.#commands.onAssigned(l);

  // ---- the SLA escalation job -------------------------------------------------------------------------------------
  escalateOverdue = (now?: number): Promise<ActResult[]> => this.#job.escalateOverdue(now);
  startEscalation = (intervalMs?: number): (() => void) => this.#job.start(intervalMs);

  // ---- worker cards -----------------------------------------------------------------------------------------------
  staffCard = (p: Principal, username: string): StaffCard => this.#cards.staffCard(this.#in(p), username);
  setStaffCard = (p: Principal, username: string, card: StaffCardBody): StaffCard => this.#cards.setStaffCard(this.#in(p), username, card);
  workerPhoto = (p: Principal, request: string): { type: string; bytes: Buffer } => this.#cards.workerPhoto(this.#in(p), request);

  // ---- views ------------------------------------------------------------------------------------------------------
  view = (p: Principal, r: RequestRecord, now?: number): RequestView => this.#views.view(this.#in(p), r, now);
  get = (p: Principal, request: string): RequestView => this.#views.get(this.#in(p), request);
  timeline = (request: string): Timeline => this.#views.timeline(request);
  similar = (p: Principal, building: string, category?: RepairCategory): RequestView[] => this.#views.similar(this.#in(p), building, category);
  board = (p: Principal, filter?: BoardQuery): RequestView[] => this.#views.board(this.#in(p), filter);
  jobs = (p: Principal): RequestView[] => this.#views.jobs(this.#in(p));
  mine = (p: Principal): MyRequests => this.#views.mine(this.#in(p));
  workers = (p: Principal): WorkerList['workers'] => this.#views.workers(this.#in(p));
  slaTable = (org?: string, viewer?: Principal): SlaView[] => this.#views.slaTable(org, viewer === undefined ? undefined : this.#in(viewer));
  photo = (p: Principal, request: string, hash: string): { type: string; bytes: Buffer } => this.#views.photo(this.#in(p), request, hash);
  all = (limit: number): RequestRecord[] => this.#views.all(limit);
  record = (request: string): RequestRecord | undefined => this.#context.record(request);
  /** Whether `p` may read the private part of `r` (Open311 shows the description only then). */
  mayReadPrivate = (p: Principal, r: RequestRecord): boolean => this.#context.mayReadPrivate(this.#in(p), r);
  /** The actor `p` appears as in this module's transactions. */
  actorOf = (p: Principal): string => this.#in(p).actor;
  description = (r: RequestRecord): string | undefined => this.#views.description(r);
}
