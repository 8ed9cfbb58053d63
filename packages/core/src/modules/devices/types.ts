/**
 * Payloads, state records, limits, id patterns and state keys of the devices module. docs/spec/devices.md
 *
 * Payloads are type aliases (not interfaces) so that they are assignable to the registry's generic payload record.
 */
import type { Role } from '../../foundation/roles.js';
import type { AlarmAction, AlarmStatus, CredentialKind, DeviceClass, DeviceLocationKind, DeviceSeverity, RuleAction } from './catalogue.js';

// ---------------------------------------------------------------------------------------------------------------------
// Limits (named, unit last)
// ---------------------------------------------------------------------------------------------------------------------

/** Device ids and location codes. */
export const DEVICES_ID_CHARS_MAX = 48;
export const DEVICES_CODE_CHARS_MAX = 32;
/** Levels of one escalation ladder (level 1 = the first other organisation). */
export const DEVICES_ESCALATION_LEVEL_MAX = 3;
/** Shortest and longest SLA a rule may give, minutes (acknowledgement and resolution; 7 days). */
export const DEVICES_SLA_MINUTES_MIN = 1;
export const DEVICES_SLA_MINUTES_MAX = 7 * 24 * 60;
/** Latest escalation step a rule may set, minutes after the alarm was raised. */
export const DEVICES_ESCALATE_AFTER_MINUTES_MAX = 24 * 60;
/** How far before the block a first reading may be, ms (a device that was offline reports late: 24 h). */
export const DEVICES_READING_AGE_MS_MAX = 24 * 60 * 60 * 1000;
/** How far after the block time a reading may claim to be, ms (device clocks drift). */
export const DEVICES_READING_AHEAD_MS_MAX = 5 * 60 * 1000;
/** Readings one alarm counts, at most (a repeat's count). */
export const DEVICES_ALARM_COUNT_MAX = 1_000_000_000;
/** Acknowledgements one alarm records (the owner and every escalated organisation, once each). */
export const DEVICES_ACKS_MAX = 1 + DEVICES_ESCALATION_LEVEL_MAX;
/** Most entries a query reads with one prefix scan. */
export const DEVICES_QUERY_ITEMS_MAX = 1000;
/**
 * Steps one alarm record keeps. Consecutive repeats are one step (the last); past the limit the oldest repeat or
 * clear step is dropped (a flapping sensor), never the raise nor a person's or an organisation's step. Every
 * transaction stays on the ledger either way.
 */
export const DEVICES_STEPS_MAX = 100;
/** A threshold's bounds (ppm, kPa, …). */
export const DEVICES_THRESHOLD_MAX = 1_000_000;

export const DEVICES_MINUTE_MS = 60 * 1000;

// ---------------------------------------------------------------------------------------------------------------------
// Id patterns
// ---------------------------------------------------------------------------------------------------------------------

/**
 * A device id chosen by the property staff: lowercase ASCII starting with a letter; no `/`, `+` or `#`, so that it
 * is one MQTT topic level and one state-key segment.
 */
export const DEVICE_ID_PATTERN = '^[a-z][a-z0-9-]*$';
/** `al_` + 32 hex (random, chosen by the owner's node). */
export const ALARM_ID_PATTERN = '^al_[0-9a-f]{32}$';
/** A building, common-area or standard address code (as the events module's codes). */
export const DEVICE_CODE_PATTERN = '^[a-z0-9][a-z0-9-]*$';
/** An Ed25519 public key, base64url without padding (32 bytes). */
export const DEVICE_PUBLIC_KEY_PATTERN = '^[A-Za-z0-9_-]{43}$';

// ---------------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------------

export type DeviceLocation = {
  kind: DeviceLocationKind;
  code: string;
};

/** `secret`: SHA-256 hex of the device's secret; `ed25519`: its public key. Never the secret itself. */
export type DeviceCredential = { kind: Extract<CredentialKind, 'secret'>; hash: string } | { kind: Extract<CredentialKind, 'ed25519'>; publicKey: string };

export type DeviceRegisterPayload = {
  device: string;
  class: DeviceClass;
  location: DeviceLocation;
  credential: DeviceCredential;
  /** every message must be signed with the ed25519 key (only with an ed25519 credential) */
  signedMessages: boolean;
  by: string;
};

export type DeviceRetirePayload = {
  device: string;
  by: string;
};

export type EscalationStep = {
  /** a genesis organisation */
  org: string;
  /** minutes after the alarm was raised (0: at once) */
  afterMinutes: number;
};

export type DeviceSetRulePayload = {
  class: DeviceClass;
  condition: string;
  severity: DeviceSeverity;
  action: RuleAction;
  /** the on-duty staff role told first, and their leader's pseudonym (told of a missed SLA) */
  onDutyRole: Role;
  leader: string;
  ackMinutes: number;
  resolveMinutes: number;
  /** level 1, 2, …: increasing afterMinutes */
  escalation: EscalationStep[];
  /** for a threshold condition: the value that raises it (above for gas, below for pressure) */
  threshold?: number;
  by: string;
};

export type AlarmRaisePayload = {
  alarm: string;
  device: string;
  condition: string;
  /** the device's time of the first reading (ms) */
  firstReadingAt: number;
  /** the reading is far from the node's clock (kept, flagged) */
  clockSuspect: boolean;
  by: string;
};

export type AlarmRepeatPayload = {
  alarm: string;
  /** readings of the condition so far, the new total (> the recorded count: repeats may be coalesced) */
  count: number;
  lastReadingAt: number;
  by: string;
};

export type AlarmActorPayload = {
  alarm: string;
  by: string;
};

export type AlarmEscalatePayload = {
  alarm: string;
  level: number;
  by: string;
};

export type AlarmClearPayload = {
  alarm: string;
  /** the device's time of the normal reading */
  normalAt: number;
  by: string;
};

export type AlarmResolvePayload = {
  alarm: string;
  by: string;
};

export type AlarmLinkPayload = {
  alarm: string;
  /** the repairs work order it opened: `rq_…` (case reference `repair:rq_…`) */
  workOrder: string;
  by: string;
};

export type DevicePayload =
  | DeviceRegisterPayload
  | DeviceRetirePayload
  | DeviceSetRulePayload
  | AlarmRaisePayload
  | AlarmRepeatPayload
  | AlarmActorPayload
  | AlarmEscalatePayload
  | AlarmClearPayload
  | AlarmResolvePayload
  | AlarmLinkPayload;

// ---------------------------------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------------------------------

export type DeviceRecord = {
  device: string;
  class: DeviceClass;
  location: DeviceLocation;
  /** the owner organisation: it alone registers, retires and raises the device's alarms */
  org: string;
  credential: DeviceCredential;
  signedMessages: boolean;
  registeredAt: number;
  registeredBy: string;
  retiredAt?: number;
  /** on-chain health: alarms raised, and the last one */
  alarms: number;
  lastAlarm?: string;
  lastAlarmAt?: number;
  txHash: string;
};

/** A rule as an alarm takes it (the organisation's setting or the catalogue default, at raise). */
export type EffectiveRule = {
  severity: DeviceSeverity;
  action: RuleAction;
  onDutyRole: Role;
  /** null: the catalogue default (no leader named) */
  leader: string | null;
  ackMinutes: number;
  resolveMinutes: number;
  escalation: EscalationStep[];
  threshold: number | null;
  dangerous: boolean;
};

export type RuleRecord = Omit<DeviceSetRulePayload, 'threshold'> & { org: string; threshold: number | null; at: number; txHash: string };

export type AlarmAck = { org: string; actor: string; at: number };

export type AlarmStep = {
  action: AlarmAction;
  at: number;
  org: string;
  actor: string;
  txHash: string;
  level?: number;
  count?: number;
  workOrder?: string;
};

export type AlarmRecord = {
  alarm: string;
  device: string;
  class: DeviceClass;
  condition: string;
  /** the device's owner organisation */
  org: string;
  location: DeviceLocation;
  status: AlarmStatus;
  /** the device still reports the condition */
  active: boolean;
  rule: EffectiveRule;
  firstReadingAt: number;
  lastReadingAt: number;
  clockSuspect: boolean;
  count: number;
  raisedAt: number;
  ackDueAt: number;
  resolveDueAt: number;
  acks: AlarmAck[];
  /** escalation level reached (0: none) and the organisations escalated to, in level order */
  level: number;
  escalatedTo: string[];
  clearedAt?: number;
  resolvedAt?: number;
  workOrder?: string;
  steps: AlarmStep[];
};

// ---------------------------------------------------------------------------------------------------------------------
// State keys
// ---------------------------------------------------------------------------------------------------------------------

export const DEVICES_PREFIX = 'devices/';
export const deviceKey = (device: string): string => `devices/device/${device}`;
export const orgDevicePrefix = (org: string): string => `devices/org/${org}/`;
export const orgDeviceKey = (org: string, device: string): string => `${orgDevicePrefix(org)}${device}`;
export const rulePrefix = (org: string): string => `devices/rule/${org}/`;
export const ruleKey = (org: string, cls: string, condition: string): string => `${rulePrefix(org)}${cls}/${condition}`;
export const alarmKey = (alarm: string): string => `devices/alarm/${alarm}`;
/** device + condition → the open alarm's id (the ledger's de-duplication) */
export const openConditionKey = (device: string, condition: string): string => `devices/open/${device}/${condition}`;
/** the open alarms an organisation sees (its own, and those escalated to it) → status */
export const openAlarmOrgPrefix = (org: string): string => `devices/open-org/${org}/`;
export const openAlarmOrgKey = (org: string, alarm: string): string => `${openAlarmOrgPrefix(org)}${alarm}`;
