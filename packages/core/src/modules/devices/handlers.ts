/**
 * The `device.*` transaction types: strict payload schemas (ids, codes, hashes, public keys, pseudonyms — no free
 * text, never a device secret) and deterministic handlers. Only alarm state changes are recorded, never readings. Each
 * alarm handler re-checks the transition (transitions.ts) against the state and the signing organisation and takes
 * every time from the block. docs/spec/devices.md#transactions
 */
import { MachiError } from '../../errors.js';
import { ID_CHARS_MAX } from '../../limits.js';
import { ROLES } from '../../foundation/roles.js';
import type { HandlerContext, StateAccess, TxType } from '../../state/registry.js';
import { ACTOR_PATTERN, HASH_HEX_PATTERN, ORG_ID_PATTERN, closedObject, enumString, integerIn, patternString, type JsonSchema } from '../../foundation/patterns.js';
import { requestKey, REQUEST_ID_PATTERN, type RequestRecord } from '../repairs/types.js';
import { CONDITION_CODES, DEVICE_CLASS_CODES, DEVICE_LOCATION_KINDS, DEVICE_SEVERITIES, RULE_ACTIONS, conditionInfo, type AlarmAction } from './catalogue.js';
import { checkAlarmTransition, checkRuleSetting, effectiveRule, isAlarmOpen, nextAlarmStatus, type AlarmInput } from './transitions.js';
import {
  ALARM_ID_PATTERN,
  DEVICES_ALARM_COUNT_MAX,
  DEVICES_CODE_CHARS_MAX,
  DEVICES_ESCALATE_AFTER_MINUTES_MAX,
  DEVICES_ESCALATION_LEVEL_MAX,
  DEVICES_ID_CHARS_MAX,
  DEVICES_MINUTE_MS,
  DEVICES_READING_AGE_MS_MAX,
  DEVICES_READING_AHEAD_MS_MAX,
  DEVICES_SLA_MINUTES_MAX,
  DEVICES_SLA_MINUTES_MIN,
  DEVICES_STEPS_MAX,
  DEVICES_THRESHOLD_MAX,
  DEVICE_CODE_PATTERN,
  DEVICE_ID_PATTERN,
  DEVICE_PUBLIC_KEY_PATTERN,
  alarmKey,
  deviceKey,
  openConditionKey,
  openAlarmOrgKey,
  orgDeviceKey,
  ruleKey,
  type AlarmActorPayload,
  type AlarmClearPayload,
  type AlarmEscalatePayload,
  type AlarmLinkPayload,
  type AlarmRaisePayload,
  type AlarmRecord,
  type AlarmRepeatPayload,
  type AlarmResolvePayload,
  type AlarmStep,
  type DevicePayload,
  type DeviceRecord,
  type DeviceRegisterPayload,
  type DeviceRetirePayload,
  type DeviceSetRulePayload,
  type RuleRecord,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------------
// Schema pieces
// ---------------------------------------------------------------------------------------------------------------------

const actor = patternString(ACTOR_PATTERN);
const alarmId = patternString(ALARM_ID_PATTERN);
const deviceId: JsonSchema = { type: 'string', minLength: 1, maxLength: DEVICES_ID_CHARS_MAX, pattern: DEVICE_ID_PATTERN };
const orgId: JsonSchema = { type: 'string', pattern: ORG_ID_PATTERN, maxLength: ID_CHARS_MAX };
const code: JsonSchema = { type: 'string', minLength: 1, maxLength: DEVICES_CODE_CHARS_MAX, pattern: DEVICE_CODE_PATTERN };
const timeMs = integerIn(0, Number.MAX_SAFE_INTEGER);
const location = closedObject(['kind', 'code'], { kind: enumString(DEVICE_LOCATION_KINDS), code });
const credential: JsonSchema = {
  oneOf: [
    closedObject(['kind', 'hash'], { kind: { type: 'string', const: 'secret' }, hash: patternString(HASH_HEX_PATTERN) }),
    closedObject(['kind', 'publicKey'], { kind: { type: 'string', const: 'ed25519' }, publicKey: patternString(DEVICE_PUBLIC_KEY_PATTERN) }),
  ],
};
const slaMinutes = integerIn(DEVICES_SLA_MINUTES_MIN, DEVICES_SLA_MINUTES_MAX);
const escalation: JsonSchema = {
  type: 'array',
  maxItems: DEVICES_ESCALATION_LEVEL_MAX,
  items: closedObject(['org', 'afterMinutes'], { org: orgId, afterMinutes: integerIn(0, DEVICES_ESCALATE_AFTER_MINUTES_MAX) }),
};

// ---------------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------------

function reject(why: string): never {
  throw new MachiError('HANDLER_REJECTED', why);
}

const readDevice = (state: StateAccess, device: string): DeviceRecord | undefined => state.get(deviceKey(device)) as DeviceRecord | undefined;
const readAlarm = (state: StateAccess, alarm: string): AlarmRecord | undefined => state.get(alarmKey(alarm)) as AlarmRecord | undefined;

/** The alarm, if the signing organisation may apply `action` with `input` to it now. */
function admit(ctx: HandlerContext, action: AlarmAction, alarm: string, input: AlarmInput = {}): AlarmRecord {
  const r = readAlarm(ctx.state, alarm);
  const check = checkAlarmTransition(r, action, { org: ctx.org.id }, input, ctx.time);
  if (!check.ok) return reject(check.reason);
  return r!;
}

/** The organisations whose open-alarm index holds the alarm. */
const indexOrgs = (r: AlarmRecord): string[] => [...new Set([r.org, ...r.escalatedTo])];

/** Writes the alarm after `action` (a step, `changes`), and keeps its indexes in step with whether it is open. */
function advance(ctx: HandlerContext, r: AlarmRecord, action: AlarmAction, by: string, changes: Partial<AlarmRecord> = {}, detail: Partial<AlarmStep> = {}): AlarmRecord {
  const step: AlarmStep = { action, at: ctx.time, org: ctx.org.id, actor: by, txHash: ctx.txHash, ...detail };
  const next: AlarmRecord = { ...r, ...changes, status: nextAlarmStatus(r.status, action), steps: withStep(r.steps, step) };
  ctx.state.set(alarmKey(r.alarm), next);
  if (isAlarmOpen(next)) {
    for (const org of indexOrgs(next)) ctx.state.set(openAlarmOrgKey(org, next.alarm), next.status);
  } else {
    for (const org of indexOrgs(next)) ctx.state.delete(openAlarmOrgKey(org, next.alarm));
    ctx.state.delete(openConditionKey(next.device, next.condition));
  }
  return next;
}

/** The steps after `step`: consecutive repeats collapse into the last; at most DEVICES_STEPS_MAX (see there). */
export function withStep(steps: readonly AlarmStep[], step: AlarmStep): AlarmStep[] {
  const out = step.action === 'repeat' && steps.at(-1)?.action === 'repeat' ? [...steps.slice(0, -1), step] : [...steps, step];
  while (out.length > DEVICES_STEPS_MAX) {
    const i = out.findIndex((x) => x.action === 'repeat' || x.action === 'clear');
    if (i < 0) break;
    out.splice(i, 1);
  }
  return out;
}

/** The device, if it exists, is not retired and belongs to the signing organisation. */
function ownDevice(ctx: HandlerContext, device: string): DeviceRecord {
  const d = readDevice(ctx.state, device);
  if (d === undefined) return reject(`device ${device} is not registered`);
  if (d.org !== ctx.org.id) return reject(`device ${device} belongs to ${d.org}`);
  if (d.retiredAt !== undefined) return reject(`device ${device} is retired`);
  return d;
}

// ---------------------------------------------------------------------------------------------------------------------
// Devices and rules
// ---------------------------------------------------------------------------------------------------------------------

export const deviceRegister: TxType<DeviceRegisterPayload> = {
  type: 'device.register',
  schema: closedObject(['device', 'class', 'location', 'credential', 'signedMessages', 'by'], {
    device: deviceId, class: enumString(DEVICE_CLASS_CODES), location, credential, signedMessages: { type: 'boolean' }, by: actor,
  }),
  handle(ctx, p) {
    // ids are never reused, not even a retired device's: its alarms keep naming it
    if (readDevice(ctx.state, p.device) !== undefined) reject(`device ${p.device} is registered already`);
    if (p.signedMessages && p.credential.kind !== 'ed25519') reject('only a device with an ed25519 key can sign its messages');
    const record: DeviceRecord = {
      device: p.device,
      class: p.class,
      location: { kind: p.location.kind, code: p.location.code },
      org: ctx.org.id,
      credential: p.credential.kind === 'secret' ? { kind: 'secret', hash: p.credential.hash } : { kind: 'ed25519', publicKey: p.credential.publicKey },
      signedMessages: p.signedMessages,
      registeredAt: ctx.time,
      registeredBy: p.by,
      alarms: 0,
      txHash: ctx.txHash,
    };
    ctx.state.set(deviceKey(p.device), record);
    ctx.state.set(orgDeviceKey(ctx.org.id, p.device), p.class);
  },
};

export const deviceRetire: TxType<DeviceRetirePayload> = {
  type: 'device.retire',
  schema: closedObject(['device', 'by'], { device: deviceId, by: actor }),
  handle(ctx, p) {
    const d = ownDevice(ctx, p.device);
    // its open alarms stay open: they are handled to the end
    ctx.state.set(deviceKey(p.device), { ...d, retiredAt: ctx.time } satisfies DeviceRecord);
  },
};

export const deviceSetRule: TxType<DeviceSetRulePayload> = {
  type: 'device.set_rule',
  schema: closedObject(['class', 'condition', 'severity', 'action', 'onDutyRole', 'leader', 'ackMinutes', 'resolveMinutes', 'escalation', 'by'], {
    class: enumString(DEVICE_CLASS_CODES),
    condition: enumString(CONDITION_CODES),
    severity: enumString(DEVICE_SEVERITIES),
    action: enumString(RULE_ACTIONS),
    onDutyRole: enumString(ROLES),
    leader: actor,
    ackMinutes: slaMinutes,
    resolveMinutes: slaMinutes,
    escalation,
    threshold: integerIn(0, DEVICES_THRESHOLD_MAX),
    by: actor,
  }),
  handle(ctx, p) {
    const invalid = checkRuleSetting(p, ctx.org.id, ctx.orgsById);
    if (invalid !== null) reject(invalid);
    const record: RuleRecord = {
      class: p.class, condition: p.condition, severity: p.severity, action: p.action, onDutyRole: p.onDutyRole, leader: p.leader,
      ackMinutes: p.ackMinutes, resolveMinutes: p.resolveMinutes, escalation: p.escalation.map((s) => ({ org: s.org, afterMinutes: s.afterMinutes })),
      threshold: p.threshold ?? null, by: p.by, org: ctx.org.id, at: ctx.time, txHash: ctx.txHash,
    };
    ctx.state.set(ruleKey(ctx.org.id, p.class, p.condition), record);
  },
};

// ---------------------------------------------------------------------------------------------------------------------
// Alarms
// ---------------------------------------------------------------------------------------------------------------------

export const alarmRaise: TxType<AlarmRaisePayload> = {
  type: 'device.raise',
  schema: closedObject(['alarm', 'device', 'condition', 'firstReadingAt', 'clockSuspect', 'by'], {
    alarm: alarmId, device: deviceId, condition: enumString(CONDITION_CODES), firstReadingAt: timeMs, clockSuspect: { type: 'boolean' }, by: actor,
  }),
  handle(ctx, p) {
    const check = checkAlarmTransition(readAlarm(ctx.state, p.alarm), 'raise', { org: ctx.org.id }, {}, ctx.time);
    if (!check.ok) reject(check.reason);
    const d = ownDevice(ctx, p.device);
    if (conditionInfo(d.class, p.condition) === undefined) reject(`a ${d.class} device does not report ${p.condition}`);
    // the ledger's de-duplication: the same device and condition while an alarm is open is that alarm (a repeat)
    const open = ctx.state.get(openConditionKey(p.device, p.condition)) as string | undefined;
    if (open !== undefined) reject(`alarm ${open} is open for ${p.device} ${p.condition}: repeat it`);
    if (p.firstReadingAt < ctx.time - DEVICES_READING_AGE_MS_MAX || p.firstReadingAt > ctx.time + DEVICES_READING_AHEAD_MS_MAX) reject('the first reading is too far from the block time');
    const rule = effectiveRule(d.class, p.condition, ctx.state.get(ruleKey(d.org, d.class, p.condition)) as RuleRecord | undefined, ctx.orgsById)!;
    const record: AlarmRecord = {
      alarm: p.alarm, device: d.device, class: d.class, condition: p.condition, org: d.org, location: d.location,
      status: 'raised', active: true, rule,
      firstReadingAt: p.firstReadingAt, lastReadingAt: p.firstReadingAt, clockSuspect: p.clockSuspect, count: 1,
      raisedAt: ctx.time, ackDueAt: ctx.time + rule.ackMinutes * DEVICES_MINUTE_MS, resolveDueAt: ctx.time + rule.resolveMinutes * DEVICES_MINUTE_MS,
      acks: [], level: 0, escalatedTo: [],
      steps: [{ action: 'raise', at: ctx.time, org: ctx.org.id, actor: p.by, txHash: ctx.txHash, count: 1 }],
    };
    ctx.state.set(alarmKey(p.alarm), record);
    ctx.state.set(openConditionKey(p.device, p.condition), p.alarm);
    ctx.state.set(openAlarmOrgKey(d.org, p.alarm), record.status);
    ctx.state.set(deviceKey(d.device), { ...d, alarms: d.alarms + 1, lastAlarm: p.alarm, lastAlarmAt: ctx.time } satisfies DeviceRecord);
  },
};

export const alarmRepeat: TxType<AlarmRepeatPayload> = {
  type: 'device.repeat',
  schema: closedObject(['alarm', 'count', 'lastReadingAt', 'by'], { alarm: alarmId, count: integerIn(2, DEVICES_ALARM_COUNT_MAX), lastReadingAt: timeMs, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'repeat', p.alarm, { count: p.count });
    if (p.lastReadingAt < r.lastReadingAt) reject('a repeat does not go back in time');
    if (p.lastReadingAt > ctx.time + DEVICES_READING_AHEAD_MS_MAX) reject('the reading is too far ahead of the block time');
    // a reading of the condition after it cleared makes it active again
    advance(ctx, r, 'repeat', p.by, { count: p.count, lastReadingAt: p.lastReadingAt, active: true }, { count: p.count });
  },
};

export const alarmAcknowledge: TxType<AlarmActorPayload> = {
  type: 'device.acknowledge',
  schema: closedObject(['alarm', 'by'], { alarm: alarmId, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'acknowledge', p.alarm);
    advance(ctx, r, 'acknowledge', p.by, { acks: [...r.acks, { org: ctx.org.id, actor: p.by, at: ctx.time }] });
  },
};

export const alarmEscalate: TxType<AlarmEscalatePayload> = {
  type: 'device.escalate',
  schema: closedObject(['alarm', 'level', 'by'], { alarm: alarmId, level: integerIn(1, DEVICES_ESCALATION_LEVEL_MAX), by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'escalate', p.alarm, { level: p.level });
    const org = r.rule.escalation[p.level - 1]!.org;
    advance(ctx, r, 'escalate', p.by, { level: p.level, escalatedTo: [...r.escalatedTo, org] }, { level: p.level });
  },
};

export const alarmClear: TxType<AlarmClearPayload> = {
  type: 'device.clear',
  schema: closedObject(['alarm', 'normalAt', 'by'], { alarm: alarmId, normalAt: timeMs, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'clear', p.alarm);
    if (p.normalAt < r.firstReadingAt) reject('the normal reading comes before the alarm');
    advance(ctx, r, 'clear', p.by, { active: false, clearedAt: ctx.time });
  },
};

export const alarmResolve: TxType<AlarmResolvePayload> = {
  type: 'device.resolve',
  schema: closedObject(['alarm', 'by'], { alarm: alarmId, by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'resolve', p.alarm);
    advance(ctx, r, 'resolve', p.by, { resolvedAt: ctx.time });
  },
};

export const alarmLink: TxType<AlarmLinkPayload> = {
  type: 'device.link',
  schema: closedObject(['alarm', 'workOrder', 'by'], { alarm: alarmId, workOrder: patternString(REQUEST_ID_PATTERN), by: actor }),
  handle(ctx, p) {
    const r = admit(ctx, 'link', p.alarm);
    const order = ctx.state.get(requestKey(p.workOrder)) as RequestRecord | undefined;
    if (order === undefined) reject(`work order ${p.workOrder} does not exist (yet)`);
    if (order.org !== r.org) reject(`work order ${p.workOrder} is not ${r.org}'s`);
    advance(ctx, r, 'link', p.by, { workOrder: p.workOrder }, { workOrder: p.workOrder });
  },
};

/** The module's transaction types. */
export const devicesTypes: readonly TxType<DevicePayload>[] = [
  deviceRegister,
  deviceRetire,
  deviceSetRule,
  alarmRaise,
  alarmRepeat,
  alarmAcknowledge,
  alarmEscalate,
  alarmClear,
  alarmResolve,
  alarmLink,
] as readonly TxType<never>[] as readonly TxType<DevicePayload>[];
