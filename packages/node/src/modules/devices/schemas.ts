/**
 * What the devices routes take and show, as JSON schemas (response schemas list exactly what may leave: a device's
 * secret only in the registration answer, once).
 */
import {
  ALARM_ID_PATTERN,
  ALARM_STATUSES,
  CONDITION_CODES,
  DEVICES_CODE_CHARS_MAX,
  DEVICES_ESCALATE_AFTER_MINUTES_MAX,
  DEVICES_ESCALATION_LEVEL_MAX,
  DEVICES_ID_CHARS_MAX,
  DEVICES_SLA_MINUTES_MAX,
  DEVICES_SLA_MINUTES_MIN,
  DEVICES_THRESHOLD_MAX,
  DEVICE_CLASS_CODES,
  DEVICE_CODE_PATTERN,
  DEVICE_ID_PATTERN,
  DEVICE_LOCATION_KINDS,
  DEVICE_PUBLIC_KEY_PATTERN,
  DEVICE_SEVERITIES,
  ROLES,
  RULE_ACTIONS,
  ACTOR_PATTERN,
  ORG_ID_PATTERN,
} from '@machi/core';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const nullable = <T extends object>(s: T) => ({ anyOf: [s, { type: 'null' }] });
const en = (values: readonly string[]) => ({ type: 'string', enum: [...values] });
const obj = (properties: Record<string, unknown>, optional: readonly string[] = []) => ({
  type: 'object', additionalProperties: false, properties, required: Object.keys(properties).filter((k) => !optional.includes(k)),
});

export const deviceIdSchema = { type: 'string', minLength: 1, maxLength: DEVICES_ID_CHARS_MAX, pattern: DEVICE_ID_PATTERN };
const code = { type: 'string', minLength: 1, maxLength: DEVICES_CODE_CHARS_MAX, pattern: DEVICE_CODE_PATTERN };
const location = obj({ kind: en(DEVICE_LOCATION_KINDS), code });

export const deviceParam = obj({ device: deviceIdSchema });
export const alarmParam = obj({ alarm: { type: 'string', pattern: ALARM_ID_PATTERN } });
export const ruleParam = obj({ class: en(DEVICE_CLASS_CODES), condition: en(CONDITION_CODES) });

export const registerBody = obj({
  device: deviceIdSchema,
  class: en(DEVICE_CLASS_CODES),
  location,
  building: code,
  publicKey: { type: 'string', pattern: DEVICE_PUBLIC_KEY_PATTERN },
  signedMessages: bool,
}, ['building', 'publicKey', 'signedMessages']);

export const registeredSchema = obj({
  device: str, txHash: str, secret: { ...str, description: 'shown once; only its SHA-256 is kept' },
  mqtt: obj({ url: str, username: str, topic: str }),
}, ['secret']);

const escalation = { type: 'array', maxItems: DEVICES_ESCALATION_LEVEL_MAX, items: obj({ org: { type: 'string', pattern: ORG_ID_PATTERN }, afterMinutes: { type: 'integer', minimum: 0, maximum: DEVICES_ESCALATE_AFTER_MINUTES_MAX } }) };
const minutes = { type: 'integer', minimum: DEVICES_SLA_MINUTES_MIN, maximum: DEVICES_SLA_MINUTES_MAX };

export const ruleBody = obj({
  severity: en(DEVICE_SEVERITIES), action: en(RULE_ACTIONS), onDutyRole: en(ROLES), leader: { type: 'string', pattern: ACTOR_PATTERN },
  ackMinutes: minutes, resolveMinutes: minutes, escalation, threshold: { type: 'integer', minimum: 0, maximum: DEVICES_THRESHOLD_MAX },
}, ['threshold']);

const effectiveRule = obj({
  severity: str, action: str, onDutyRole: str, leader: nullable(str), ackMinutes: int, resolveMinutes: int,
  escalation: { type: 'array', items: obj({ org: str, afterMinutes: int }) }, threshold: nullable({ type: 'number' }), dangerous: bool,
});

export const rulesSchema = obj({ rules: { type: 'array', items: obj({ class: str, condition: str, name: str, configured: bool, rule: effectiveRule }) } });
export const txSchema = obj({ txHash: str });
export const retiredSchema = obj({ device: str, txHash: str });

const health = obj({ lastSeen: nullable(int), battery: nullable({ type: 'number' }), messages: int, errors: int, dropped: int, flagged: int, refused: int });
export const deviceListSchema = obj({
  devices: {
    type: 'array',
    items: obj({
      device: str, class: str, location: obj({ kind: str, code: str }), building: nullable(str), credential: str, signedMessages: bool, registeredAt: int,
      retired: bool, alarms: int, lastAlarm: nullable(str), lastAlarmAt: nullable(int), health,
    }),
  },
  refusedUnknown: int,
  mqtt: str,
});

const timers = obj({ ackDueAt: int, resolveDueAt: int, ackMissed: bool, resolveMissed: bool, nextEscalation: nullable(obj({ level: int, org: str, at: int })) });
export const alarmSchema = obj({
  alarm: str, device: str, class: str, condition: str, org: str, location: obj({ kind: str, code: str }), status: en(ALARM_STATUSES), active: bool,
  rule: effectiveRule, firstReadingAt: int, lastReadingAt: int, clockSuspect: bool, count: int, raisedAt: int, ackDueAt: int, resolveDueAt: int,
  acks: { type: 'array', items: obj({ org: str, actor: str, at: int }) }, level: int, escalatedTo: { type: 'array', items: str },
  clearedAt: int, resolvedAt: int, workOrder: str,
  // a dangerous alarm's event at the command centre (events module, reporterKind device)
  event: str,
  steps: { type: 'array', items: obj({ action: str, at: int, org: str, actor: str, txHash: str, level: int, count: int, workOrder: str }, ['level', 'count', 'workOrder']) },
  timers,
}, ['clearedAt', 'resolvedAt', 'workOrder', 'event', 'timers']);
export const boardSchema = obj({ org: str, now: int, alarms: { type: 'array', items: alarmSchema } });
export const noticesSchema = obj({ notices: { type: 'array', items: obj({ alarm: str, kind: str, leader: nullable(str), onDutyRole: str, at: int }) } });

export const readingBody = { type: 'object', maxProperties: 32 } as const;
export const ingestedSchema = obj({ outcome: str });
