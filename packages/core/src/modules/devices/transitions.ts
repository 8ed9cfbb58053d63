/**
 * The alarm state machine as one table, and the pure rules over alarms: the effective rule of a device class and
 * condition, who may act, when an escalation level is due, the timers. The API calls `checkAlarmTransition` with the
 * user's role; the handlers call it without (the ledger knows the signing organisation, not roles).
 * docs/spec/devices.md#alarm-state-machine
 */
import type { Role } from '../../foundation/roles.js';
import { hasOrg, type OrgIds } from '../../foundation/state.js';
import { LIFT_RESCUE_MINUTES_MAX, conditionInfo, type AlarmAction, type AlarmStatus, type DeviceClass } from './catalogue.js';
import { DEVICES_ACKS_MAX, DEVICES_ESCALATION_LEVEL_MAX, DEVICES_MINUTE_MS, type AlarmRecord, type EffectiveRule, type EscalationStep, type RuleRecord } from './types.js';

/** Staff of the owner organisation who register devices and set rules. */
export const DEVICE_ADMIN_ROLES = ['property-staff'] as const satisfies readonly Role[];
/** Who may acknowledge and resolve an alarm (of the owner, or of an organisation it was escalated to). */
export const ALARM_HANDLER_ROLES = ['property-staff', 'dispatcher', 'maintenance-worker', 'utility-staff', 'official'] as const satisfies readonly Role[];

/**
 * - `owner`: the device's owner organisation (its node: raise, repeat, clear, link; the escalation job: escalate);
 * - `handler`: staff (ALARM_HANDLER_ROLES) of the owner or of an organisation the alarm was escalated to.
 */
export type AlarmActorRule = 'owner' | 'handler';

export interface AlarmTransitionRule {
  /** the statuses the action is allowed from; empty for `raise` (no open alarm for the device and condition) */
  from: readonly AlarmStatus[];
  /** the status after; null = unchanged */
  to: AlarmStatus | null;
  who: AlarmActorRule;
}

export const ALARM_TRANSITIONS = {
  raise: { from: [], to: 'raised', who: 'owner' },
  repeat: { from: ['raised', 'acknowledged', 'resolved'], to: null, who: 'owner' },
  acknowledge: { from: ['raised', 'acknowledged'], to: 'acknowledged', who: 'handler' },
  // and only once the next level is due (escalationDue)
  escalate: { from: ['raised', 'acknowledged'], to: null, who: 'owner' },
  clear: { from: ['raised', 'acknowledged', 'resolved'], to: null, who: 'owner' },
  resolve: { from: ['acknowledged'], to: 'resolved', who: 'handler' },
  link: { from: ['raised', 'acknowledged', 'resolved'], to: null, who: 'owner' },
} as const satisfies Record<AlarmAction, AlarmTransitionRule>;

export const nextAlarmStatus = (status: AlarmStatus, action: AlarmAction): AlarmStatus => ALARM_TRANSITIONS[action].to ?? status;

/** Open: it holds its device and condition (more readings are the same alarm) until resolved and cleared. */
export const isAlarmOpen = (r: Pick<AlarmRecord, 'status' | 'active'>): boolean => r.status !== 'resolved' || r.active;

export interface AlarmActing {
  org: string;
  /** undefined: the ledger's view */
  role?: Role | undefined;
}

export type AlarmCheck = { ok: true } | { ok: false; status: 404 | 409 | 403; reason: string };
const OK: AlarmCheck = { ok: true };
const conflict = (reason: string): AlarmCheck => ({ ok: false, status: 409, reason });
const forbidden = (reason: string): AlarmCheck => ({ ok: false, status: 403, reason });

/** Organisations whose staff handle the alarm: the owner and every organisation it was escalated to. */
export const alarmOrgs = (r: AlarmRecord): string[] => [r.org, ...r.escalatedTo.filter((o) => o !== r.org)];

/**
 * The escalation level due at `now`, or 0: the next level n (1-based) of the alarm's ladder, if its time has come
 * (raisedAt + afterMinutes) and it is still needed — level 1 after 0 minutes always (a dangerous class goes to the
 * other organisation whatever the owner does), level 1 later only if the owner has not acknowledged, level n ≥ 2 only
 * if the organisation of level n − 1 has not. Nothing once resolved.
 */
export function escalationDue(r: AlarmRecord, now: number): number {
  if (r.status === 'resolved') return 0;
  const next = r.level + 1;
  const step = r.rule.escalation[next - 1];
  if (step === undefined || next > DEVICES_ESCALATION_LEVEL_MAX) return 0;
  if (now < r.raisedAt + step.afterMinutes * DEVICES_MINUTE_MS) return 0;
  const acked = (org: string): boolean => r.acks.some((a) => a.org === org);
  if (next === 1) return step.afterMinutes === 0 || !acked(r.org) ? 1 : 0;
  return acked(r.escalatedTo[next - 2]!) ? 0 : next;
}

export interface AlarmInput {
  /** escalate: the level asked for */
  level?: number;
  /** repeat: the new total */
  count?: number;
}

/**
 * Whether `acting` may apply `action` to alarm `r` now. `r` undefined: 404 (except `raise`, checked by the handler
 * against the device). 409 when the status does not allow it, 403 when the organisation or role may not.
 */
export function checkAlarmTransition(r: AlarmRecord | undefined, action: AlarmAction, acting: AlarmActing, input: AlarmInput, now: number): AlarmCheck {
  if (r === undefined) return action === 'raise' ? OK : { ok: false, status: 404, reason: 'no such alarm' };
  if (action === 'raise') return conflict(`alarm ${r.alarm} exists`);
  const rule = ALARM_TRANSITIONS[action];
  if (!(rule.from as readonly AlarmStatus[]).includes(r.status)) return conflict(`alarm ${r.alarm} is ${r.status}: ${action} is not allowed`);
  if (!isAlarmOpen(r)) return conflict(`alarm ${r.alarm} is closed`);
  if (rule.who === 'owner' && acting.org !== r.org) return forbidden(`only ${r.org}, the device's owner, may ${action} alarm ${r.alarm}`);
  if (rule.who === 'handler') {
    if (!alarmOrgs(r).includes(acting.org)) return forbidden(`${acting.org} is neither the owner of alarm ${r.alarm} nor escalated to`);
    if (acting.role !== undefined && !(ALARM_HANDLER_ROLES as readonly Role[]).includes(acting.role)) return forbidden(`a ${acting.role} may not ${action} alarms`);
  }
  switch (action) {
    case 'acknowledge':
      if (r.acks.some((a) => a.org === acting.org)) return conflict(`${acting.org} has already acknowledged alarm ${r.alarm}`);
      if (r.acks.length >= DEVICES_ACKS_MAX) return conflict(`alarm ${r.alarm} has every acknowledgement it can hold`);
      return OK;
    case 'escalate': {
      const due = escalationDue(r, now);
      if (due === 0) return conflict(`no escalation of alarm ${r.alarm} is due`);
      if (input.level !== undefined && input.level !== due) return conflict(`alarm ${r.alarm} escalates to level ${due}, not ${input.level}`);
      return OK;
    }
    case 'repeat':
      return input.count !== undefined && input.count <= r.count ? conflict(`alarm ${r.alarm} has counted ${r.count} readings already`) : OK;
    case 'clear':
      return r.active ? OK : conflict(`alarm ${r.alarm} is cleared already`);
    case 'link':
      return r.workOrder === undefined ? OK : conflict(`alarm ${r.alarm} is linked to ${r.workOrder} already`);
    default:
      return OK;
  }
}

/**
 * The rule an alarm of `cls`/`condition` raised by `org` takes: the organisation's setting, else the catalogue
 * default with its escalation organisations that exist in this chain (the first of each step's candidates). Undefined
 * if the class does not report the condition.
 */
export function effectiveRule(cls: DeviceClass, condition: string, configured: RuleRecord | undefined, orgIds: OrgIds): EffectiveRule | undefined {
  const info = conditionInfo(cls, condition);
  if (info === undefined) return undefined;
  if (configured !== undefined) {
    return {
      severity: configured.severity,
      action: configured.action,
      onDutyRole: configured.onDutyRole,
      leader: configured.leader,
      ackMinutes: configured.ackMinutes,
      resolveMinutes: configured.resolveMinutes,
      escalation: configured.escalation.map((s) => ({ org: s.org, afterMinutes: s.afterMinutes })),
      threshold: configured.threshold,
      dangerous: info.dangerous,
    };
  }
  const escalation: EscalationStep[] = [];
  for (const step of info.escalation) {
    const org = step.orgs.find((o) => hasOrg(orgIds, o));
    if (org !== undefined) escalation.push({ org, afterMinutes: step.afterMinutes });
  }
  return {
    severity: info.severity,
    action: info.action,
    onDutyRole: 'property-staff',
    leader: null,
    ackMinutes: info.ackMinutes,
    resolveMinutes: info.resolveMinutes,
    escalation,
    threshold: info.threshold,
    dangerous: info.dangerous,
  };
}

/**
 * The rule settings the schema cannot check: the condition is one of the class's, a threshold only (and always) for a
 * threshold condition, escalation steps in increasing time to distinct organisations other than the signer's, a
 * dangerous condition escalated at once, lift entrapment resolved within LIFT_RESCUE_MINUTES_MAX, the acknowledgement
 * due no later than the resolution. Returns why not, or null.
 */
export function checkRuleSetting(p: { class: DeviceClass; condition: string; ackMinutes: number; resolveMinutes: number; escalation: readonly EscalationStep[]; threshold?: number | undefined }, signer: string, orgIds: OrgIds): string | null {
  const info = conditionInfo(p.class, p.condition);
  if (info === undefined) return `a ${p.class} device does not report ${p.condition}`;
  if ((info.threshold === null) !== (p.threshold === undefined)) return info.threshold === null ? `${p.condition} takes no threshold` : `${p.condition} needs a threshold`;
  if (p.ackMinutes > p.resolveMinutes) return 'the acknowledgement cannot be due after the resolution';
  if (p.condition === 'entrapment' && p.resolveMinutes > LIFT_RESCUE_MINUTES_MAX) return `a lift rescue must arrive within ${LIFT_RESCUE_MINUTES_MAX} minutes`;
  const orgs = p.escalation.map((s) => s.org);
  const stranger = orgs.find((o) => !hasOrg(orgIds, o));
  if (stranger !== undefined) return `${stranger} is not an organisation of this chain`;
  if (orgs.includes(signer)) return 'an alarm does not escalate to its own organisation';
  if (new Set(orgs).size !== orgs.length) return 'each organisation is named once in an escalation';
  if (p.escalation.some((s, i) => i > 0 && s.afterMinutes <= p.escalation[i - 1]!.afterMinutes)) return 'escalation steps come in increasing time';
  if (info.dangerous && (p.escalation.length === 0 || p.escalation[0]!.afterMinutes !== 0)) return `${p.condition} is dangerous: it escalates to another organisation at once`;
  return null;
}

/** The timers of an alarm at `now`. */
export interface AlarmTimers {
  ackDueAt: number;
  resolveDueAt: number;
  ackMissed: boolean;
  resolveMissed: boolean;
  /** the next escalation: its level, organisation and time; null if none is left */
  nextEscalation: { level: number; org: string; at: number } | null;
}

export function alarmTimers(r: AlarmRecord, now: number): AlarmTimers {
  const step = r.status === 'resolved' ? undefined : r.rule.escalation[r.level];
  return {
    ackDueAt: r.ackDueAt,
    resolveDueAt: r.resolveDueAt,
    ackMissed: r.acks.length === 0 && now > r.ackDueAt,
    resolveMissed: r.status !== 'resolved' && now > r.resolveDueAt,
    nextEscalation: step === undefined ? null : { level: r.level + 1, org: step.org, at: r.raisedAt + step.afterMinutes * DEVICES_MINUTE_MS },
  };
}
