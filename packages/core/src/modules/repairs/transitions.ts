/**
 * The request state machine as one explicit table, and the pure checks over it: `checkTransition` (the API, before
 * anything is recorded: 404 / 409 / 403) and `checkLedgerTransition` (the handlers, which know the signing org and the
 * payload's pseudonym but not the user's role). docs/spec/repairs.md#states-and-transitions
 */
import type { Role } from '../../foundation/roles.js';
import { OPEN_STATUSES, SLA_STATUSES, type RepairAction, type RepairStatus } from './catalogue.js';
import { REPAIRS_ESCALATION_LEVEL_MAX, REPAIRS_FOLLOWERS_MAX, REPAIRS_STEPS_MAX, type RequestRecord } from './types.js';

/** Who may report a request. */
export const REPORTER_ROLES = ['resident', 'property-staff'] as const satisfies readonly Role[];
/** Staff of the request's organisation who assign, cancel and escalate. */
export const MANAGER_ROLES = ['dispatcher', 'property-staff'] as const satisfies readonly Role[];
/** Who may follow a request (instead of filing a duplicate). */
export const FOLLOWER_ROLES = ['resident'] as const satisfies readonly Role[];

/**
 * - `reporter-role`: a user with a REPORTER_ROLES role (create);
 * - `manager`: a MANAGER_ROLES user of the request's organisation;
 * - `worker`: the assigned worker (pseudonym and organisation);
 * - `reporter`: the reporter (pseudonym and the request's organisation);
 * - `reporter-or-manager`: either;
 * - `follower`: a FOLLOWER_ROLES user, not the reporter, not already following.
 */
export type RepairActorRule = 'reporter-role' | 'manager' | 'worker' | 'reporter' | 'reporter-or-manager' | 'follower';

export interface TransitionRule {
  /** the statuses the action is allowed from; empty for `create` (the request must not exist) */
  from: readonly RepairStatus[];
  /** the status after the action; null = unchanged */
  to: RepairStatus | null;
  who: RepairActorRule;
}

export const TRANSITIONS = {
  create: { from: [], to: 'received', who: 'reporter-role' },
  assign: { from: ['received', 'assigned', 'en-route', 'reopened'], to: 'assigned', who: 'manager' },
  accept: { from: ['assigned'], to: 'en-route', who: 'worker' },
  arrive: { from: ['en-route'], to: 'on-site', who: 'worker' },
  diagnose: { from: ['on-site'], to: 'diagnosed', who: 'worker' },
  start: { from: ['diagnosed'], to: 'in-progress', who: 'worker' },
  finish: { from: ['in-progress'], to: 'done', who: 'worker' },
  confirm: { from: ['done'], to: 'confirmed', who: 'reporter' },
  reopen: { from: ['done'], to: 'reopened', who: 'reporter' },
  cancel: { from: ['received', 'assigned', 'en-route', 'reopened'], to: 'cancelled', who: 'reporter-or-manager' },
  follow: { from: OPEN_STATUSES, to: null, who: 'follower' },
  // and only past the SLA (checked with the time)
  escalate: { from: SLA_STATUSES, to: null, who: 'manager' },
} as const satisfies Record<RepairAction, TransitionRule>;

/** The status after `action` from `status` (assumes the transition is allowed). */
export function nextStatus(status: RepairStatus, action: RepairAction): RepairStatus {
  return TRANSITIONS[action].to ?? status;
}

/** Who wants to act: the user's pseudonym, role and organisation. */
export interface ActorInfo {
  actor: string;
  role: Role;
  org: string;
}

export type TransitionCheck = { ok: true } | { ok: false; status: 409 | 403 | 404; reason: string };

const OK: TransitionCheck = { ok: true };
const conflict = (reason: string): TransitionCheck => ({ ok: false, status: 409, reason });
const forbidden = (reason: string): TransitionCheck => ({ ok: false, status: 403, reason });

/** `role` undefined: the ledger's view, which has no roles (only pseudonyms and signing organisations). */
interface Acting {
  actor: string;
  org: string;
  role?: Role | undefined;
}

const roleIn = (roles: readonly Role[], a: Acting): boolean => a.role === undefined || roles.includes(a.role);
const isReporter = (r: RequestRecord, a: Acting): boolean => a.actor === r.reporter && a.org === r.org;
const isManager = (r: RequestRecord, a: Acting): boolean => a.org === r.org && roleIn(MANAGER_ROLES, a);
const isWorker = (r: RequestRecord, a: Acting): boolean => r.worker !== undefined && a.actor === r.worker && a.org === r.workerOrg;

function whoMayAct(r: RequestRecord, action: RepairAction, a: Acting): TransitionCheck {
  switch (TRANSITIONS[action].who) {
    case 'reporter-role':
      return roleIn(REPORTER_ROLES, a) ? OK : forbidden(`role ${String(a.role)} may not report a request`);
    case 'manager':
      return isManager(r, a) ? OK : forbidden(`only dispatchers or property staff of ${r.org} may ${action} request ${r.request}`);
    case 'worker':
      return isWorker(r, a) ? OK : forbidden(`only the assigned worker may ${action} request ${r.request}`);
    case 'reporter':
      return isReporter(r, a) ? OK : forbidden(`only the reporter may ${action} request ${r.request}`);
    case 'reporter-or-manager':
      return isReporter(r, a) || isManager(r, a) ? OK : forbidden(`only the reporter or staff of ${r.org} may ${action} request ${r.request}`);
    case 'follower':
      return roleIn(FOLLOWER_ROLES, a) ? OK : forbidden(`role ${String(a.role)} may not follow a request`);
  }
}

/** The conflicts that depend on more than the status: followers and limits. */
function stateRules(r: RequestRecord, action: RepairAction, a: Acting): TransitionCheck {
  if (action === 'follow') {
    if (isReporter(r, a)) return conflict(`the reporter already follows request ${r.request}`);
    if (r.followers.includes(a.actor)) return conflict(`already following request ${r.request}`);
    if (r.followers.length >= REPAIRS_FOLLOWERS_MAX) return conflict(`request ${r.request} has ${REPAIRS_FOLLOWERS_MAX} followers`);
    return OK;
  }
  if (action === 'escalate') {
    if ((r.escalation?.level ?? 0) >= REPAIRS_ESCALATION_LEVEL_MAX) return conflict(`request ${r.request} is already at the highest escalation level`);
  }
  if (r.steps.length >= REPAIRS_STEPS_MAX) return conflict(`request ${r.request} has ${REPAIRS_STEPS_MAX} steps`);
  return OK;
}

function evaluate(request: RequestRecord | undefined, action: RepairAction, a: Acting, now: number | undefined): TransitionCheck {
  const rule = TRANSITIONS[action];
  if (action === 'create') {
    if (request !== undefined) return conflict(`request ${request.request} already exists`);
    return roleIn(REPORTER_ROLES, a) ? OK : forbidden(`role ${String(a.role)} may not report a request`);
  }
  if (request === undefined) return { ok: false, status: 404, reason: 'no such request' };
  if (!(rule.from as readonly RepairStatus[]).includes(request.status)) {
    return conflict(`cannot ${action} request ${request.request}: it is ${request.status}`);
  }
  if (action === 'escalate' && now !== undefined && now <= request.slaDueAt) {
    return conflict(`request ${request.request} is not overdue: due at ${request.slaDueAt}`);
  }
  const who = whoMayAct(request, action, a);
  return who.ok ? stateRules(request, action, a) : who;
}

/**
 * Whether `actorInfo` may apply `action` to `request` (undefined = no such request) now. Pure; the API calls it before
 * recording anything. In order: 409 if `create` names an existing request, 404 if another action names none, 409 if
 * the status does not allow the action (or, for `escalate` with `now` given, the request is not past its SLA), 403 if
 * the actor may not, 409 for the remaining conflicts (already following, limits).
 *
 * `now` (ms): needed for `escalate` (without it the SLA part is left to the handler).
 */
export function checkTransition(request: RequestRecord | undefined, action: RepairAction, actorInfo: ActorInfo, now?: number): TransitionCheck {
  return evaluate(request, action, actorInfo, now);
}

/**
 * The same rules as the ledger can check them: `actor` is the payload's pseudonym, `org` the signing organisation,
 * `time` the block time; roles are not known on the ledger and are not checked.
 */
export function checkLedgerTransition(request: RequestRecord | undefined, action: RepairAction, signer: { actor: string; org: string }, time: number): TransitionCheck {
  return evaluate(request, action, { actor: signer.actor, org: signer.org }, time);
}
