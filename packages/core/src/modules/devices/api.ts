/**
 * The devices module's client contract: what its HTTP API (`/v1/devices…`) shows, as types the node's response
 * schemas (packages/node/src/modules/devices/schemas.ts) produce, so the web app names them from `@machi/core`.
 * Pure types. docs/spec/devices.md#the-node-ingest
 */
import type { AlarmStatus, DeviceClass, DeviceLocationKind, DeviceSeverity } from './catalogue.js';
import type { AlarmAck, AlarmStep, EffectiveRule } from './types.js';
import type { AlarmTimers } from './transitions.js';

/** A device's health on its owner's node (private: not on the ledger). */
export interface DeviceHealthView {
  lastSeen: number | null;
  battery: number | null;
  messages: number;
  errors: number;
  dropped: number;
  flagged: number;
  refused: number;
}

/** `GET /v1/devices`: one device. */
export interface DeviceView {
  device: string;
  class: DeviceClass;
  location: { kind: DeviceLocationKind; code: string };
  building: string | null;
  credential: 'secret' | 'ed25519';
  signedMessages: boolean;
  registeredAt: number;
  retired: boolean;
  alarms: number;
  lastAlarm: string | null;
  lastAlarmAt: number | null;
  health: DeviceHealthView;
}

/** `GET /v1/devices`. */
export interface DeviceList {
  devices: DeviceView[];
  /** CONNECTs refused for unknown devices */
  refusedUnknown: number;
  /** the broker devices connect to */
  mqtt: string;
}

/** `POST /v1/devices`: what registering takes. */
export interface DeviceRegisterBody {
  device: string;
  class: DeviceClass;
  location: { kind: DeviceLocationKind; code: string };
  building?: string;
  publicKey?: string;
  signedMessages?: boolean;
}

/** `POST /v1/devices` answers: the secret only here, once (only its SHA-256 is kept). */
export interface DeviceRegistered {
  device: string;
  txHash: string;
  secret?: string;
  mqtt: { url: string; username: string; topic: string };
}

/** `GET /v1/devices/rules`: the organisation's effective rule per class and condition. */
export interface DeviceRuleView {
  class: DeviceClass;
  condition: string;
  name: string;
  /** set by the organisation (else the catalogue default) */
  configured: boolean;
  rule: EffectiveRule;
}
export interface DeviceRuleList {
  rules: DeviceRuleView[];
}

/** `PUT /v1/devices/rules/:class/:condition`. */
export interface DeviceRuleBody {
  severity: DeviceSeverity;
  action: EffectiveRule['action'];
  onDutyRole: EffectiveRule['onDutyRole'];
  leader: string;
  ackMinutes: number;
  resolveMinutes: number;
  escalation: { org: string; afterMinutes: number }[];
  threshold?: number;
}

/** An alarm as the board shows it: its ledger record with timers at the answer's `now`. */
export interface AlarmView {
  alarm: string;
  device: string;
  class: DeviceClass;
  condition: string;
  org: string;
  location: { kind: DeviceLocationKind; code: string };
  status: AlarmStatus;
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
  level: number;
  escalatedTo: string[];
  clearedAt?: number;
  resolvedAt?: number;
  workOrder?: string;
  /** a dangerous alarm's event at the command centre (events module, reporterKind `device`) */
  event?: string;
  steps: AlarmStep[];
  timers?: AlarmTimers;
}

/** `GET /v1/devices/alarms`: the open alarms the organisation sees (own and escalated to it), most severe first. */
export interface AlarmBoard {
  org: string;
  now: number;
  alarms: AlarmView[];
}

/** `GET /v1/devices/notices`: a leader told of a missed acknowledgement or SLA. */
export interface AlarmNotice {
  alarm: string;
  kind: string;
  leader: string | null;
  onDutyRole: string;
  at: number;
}
export interface AlarmNotices {
  notices: AlarmNotice[];
}

/** One event of `GET /v1/devices/alarms/events` (Server-Sent Events): an alarm state change, once committed. */
export interface AlarmEvent {
  alarm: string;
  action: 'raise' | 'repeat' | 'acknowledge' | 'escalate' | 'clear' | 'resolve' | 'link';
  device: string;
  condition: string;
  severity: DeviceSeverity;
  status: AlarmStatus;
  active: boolean;
  level: number;
  height: number;
  txHash: string;
}
