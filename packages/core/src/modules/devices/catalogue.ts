/**
 * The catalogues of the devices module: device classes (Home Assistant's binary-sensor names where they exist, plus
 * lift controllers, fire-pump pressure and meters), the conditions each reports, their default rules (severity,
 * action, SLAs, escalation), severities, actions and the alarm state machine's codes. Everything a payload says is a
 * code from here — no free text on the ledger. docs/spec/devices.md#catalogue
 */
import type { RepairCategory } from '../repairs/catalogue.js';

export const DEVICE_SEVERITIES = ['warning', 'major', 'critical'] as const;
export type DeviceSeverity = (typeof DEVICE_SEVERITIES)[number];

/** `work-order`: the alarm opens a repairs work order (repair:rq_…); `notify`: on-duty staff are told, nothing opens. */
export const RULE_ACTIONS = ['work-order', 'notify'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** A device's location: a building code, a common-area code (gate, garage, pump room) or a standard address code. */
export const DEVICE_LOCATION_KINDS = ['building', 'common-area', 'address'] as const;
export type DeviceLocationKind = (typeof DEVICE_LOCATION_KINDS)[number];

/**
 * How a device proves itself: `secret`: the SHA-256 of a password it presents at MQTT CONNECT (the secret is shown
 * once and never stored); `ed25519`: its public key (it signs a challenge-free CONNECT password and may sign messages).
 */
export const CREDENTIAL_KINDS = ['secret', 'ed25519'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/**
 * Where a default rule escalates to: a genesis organisation id, used only if the chain has it (as the events
 * module's default departments). `lift-maintenance` is the contracted lift company; `lift-maintenance-2` the
 * nearest other one (the 96333 platform's fallback).
 */
export interface DefaultEscalation {
  orgs: readonly string[];
  afterMinutes: number;
}

export interface ConditionInfo {
  name: string;
  severity: DeviceSeverity;
  action: RuleAction;
  ackMinutes: number;
  resolveMinutes: number;
  /**
   * dangerous: lift entrapment, gas, fire/smoke — escalated to another organisation at once (level 1 after 0
   * minutes) whatever the owner does
   */
  dangerous: boolean;
  /** the default escalation ladder (level 1, 2, …), organisations that exist in the chain only */
  escalation: readonly DefaultEscalation[];
  /** a number the reading is compared with (gas ppm above, pressure kPa below); null: a boolean condition */
  threshold: number | null;
}

export interface DeviceClassInfo {
  name: string;
  /** the repairs category of the work orders its alarms open */
  repairCategory: RepairCategory;
  conditions: Readonly<Record<string, ConditionInfo>>;
}

const FIRE_BRIGADE = ['fire-brigade', 'police'];
const GAS_COMPANY = ['gas-company', 'utilities'];

/** The 30-minute rescue rule for lift entrapment (Shanghai): no rule may give more. */
export const LIFT_RESCUE_MINUTES_MAX = 30;

export const DEVICE_CLASSES = {
  moisture: {
    name: 'Water leak (moisture) sensor',
    repairCategory: 'burst-pipe',
    conditions: {
      leak: { name: 'Water leak detected', severity: 'major', action: 'work-order', ackMinutes: 10, resolveMinutes: 120, dangerous: false, escalation: [], threshold: null },
    },
  },
  smoke: {
    name: 'Smoke detector',
    repairCategory: 'other',
    conditions: {
      smoke: { name: 'Smoke detected', severity: 'critical', action: 'work-order', ackMinutes: 2, resolveMinutes: 60, dangerous: true, escalation: [{ orgs: FIRE_BRIGADE, afterMinutes: 0 }], threshold: null },
    },
  },
  gas: {
    name: 'Gas detector',
    repairCategory: 'other',
    conditions: {
      'gas-high': { name: 'Gas above threshold', severity: 'critical', action: 'work-order', ackMinutes: 2, resolveMinutes: 60, dangerous: true, escalation: [{ orgs: GAS_COMPANY, afterMinutes: 0 }, { orgs: FIRE_BRIGADE, afterMinutes: 10 }], threshold: 50 },
    },
  },
  'carbon-monoxide': {
    name: 'Carbon monoxide detector',
    repairCategory: 'other',
    conditions: {
      'co-high': { name: 'Carbon monoxide above threshold', severity: 'critical', action: 'work-order', ackMinutes: 2, resolveMinutes: 60, dangerous: true, escalation: [{ orgs: FIRE_BRIGADE, afterMinutes: 0 }], threshold: 50 },
    },
  },
  door: {
    name: 'Access door',
    repairCategory: 'door-lock',
    conditions: {
      'door-forced': { name: 'Door forced open', severity: 'major', action: 'notify', ackMinutes: 5, resolveMinutes: 60, dangerous: false, escalation: [{ orgs: ['police'], afterMinutes: 15 }], threshold: null },
      'door-held': { name: 'Door held open', severity: 'warning', action: 'notify', ackMinutes: 15, resolveMinutes: 120, dangerous: false, escalation: [], threshold: null },
    },
  },
  lift: {
    name: 'Lift controller',
    repairCategory: 'lift',
    conditions: {
      // the contracted lift company at once; if it has not acknowledged within 5 minutes, the nearest other one
      entrapment: { name: 'Person trapped in lift', severity: 'critical', action: 'work-order', ackMinutes: 2, resolveMinutes: LIFT_RESCUE_MINUTES_MAX, dangerous: true, escalation: [{ orgs: ['lift-maintenance'], afterMinutes: 0 }, { orgs: ['lift-maintenance-2', 'fire-brigade'], afterMinutes: 5 }], threshold: null },
      'lift-fault': { name: 'Lift out of service', severity: 'major', action: 'work-order', ackMinutes: 15, resolveMinutes: 240, dangerous: false, escalation: [{ orgs: ['lift-maintenance'], afterMinutes: 30 }], threshold: null },
    },
  },
  'fire-pump': {
    name: 'Fire-pump pressure sensor',
    repairCategory: 'other',
    conditions: {
      'pressure-low': { name: 'Fire-main pressure low', severity: 'critical', action: 'work-order', ackMinutes: 10, resolveMinutes: 240, dangerous: false, escalation: [{ orgs: FIRE_BRIGADE, afterMinutes: 60 }], threshold: 300 },
    },
  },
  meter: {
    name: 'Utility meter',
    repairCategory: 'other',
    conditions: {
      'meter-tamper': { name: 'Meter tampered with', severity: 'warning', action: 'notify', ackMinutes: 60, resolveMinutes: 24 * 60, dangerous: false, escalation: [], threshold: null },
    },
  },
} as const satisfies Record<string, DeviceClassInfo>;
export type DeviceClass = keyof typeof DEVICE_CLASSES;
export const DEVICE_CLASS_CODES = Object.keys(DEVICE_CLASSES) as DeviceClass[];

/** Every condition code of every class (a condition belongs to one class). */
export const CONDITION_CODES = DEVICE_CLASS_CODES.flatMap((c) => Object.keys(DEVICE_CLASSES[c].conditions));

export const isDeviceClass = (v: unknown): v is DeviceClass => typeof v === 'string' && Object.hasOwn(DEVICE_CLASSES, v);

/** The catalogue entry of `condition` for `cls`, or undefined if the class does not report it. */
export function conditionInfo(cls: DeviceClass, condition: string): ConditionInfo | undefined {
  const conditions: Readonly<Record<string, ConditionInfo>> = DEVICE_CLASSES[cls].conditions;
  return Object.hasOwn(conditions, condition) ? conditions[condition] : undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// Alarm state machine
// ---------------------------------------------------------------------------------------------------------------------

/**
 * The handling status of an alarm: `raised` (nobody has acknowledged), `acknowledged`, `resolved` (staff finished).
 * Apart from it, `active` says whether the device still reports the condition (`clear` sets it false, `repeat` true
 * again). An alarm is open — it holds its device and condition, so that more readings are the same alarm — until it
 * is both resolved and cleared.
 */
export const ALARM_STATUSES = ['raised', 'acknowledged', 'resolved'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

/** One per `device.<action>` alarm transaction type. */
export const ALARM_ACTIONS = ['raise', 'repeat', 'acknowledge', 'escalate', 'clear', 'resolve', 'link'] as const;
export type AlarmAction = (typeof ALARM_ACTIONS)[number];
