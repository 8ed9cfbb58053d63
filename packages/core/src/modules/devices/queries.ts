/**
 * Pure queries over the devices state, through a key reader and a prefix scan (values are canonical JSON text, as
 * stored): devices and their on-chain health, rules, alarms, the open alarms an organisation sees with their timers.
 * docs/spec/devices.md#queries
 */
import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';
import type { OrgIds } from '../../foundation/state.js';
import type { DeviceClass } from './catalogue.js';
import { alarmTimers, effectiveRule, type AlarmTimers } from './transitions.js';
import {
  DEVICES_QUERY_ITEMS_MAX,
  alarmKey,
  deviceKey,
  openConditionKey,
  openAlarmOrgPrefix,
  orgDevicePrefix,
  ruleKey,
  rulePrefix,
  type AlarmRecord,
  type DeviceRecord,
  type EffectiveRule,
  type RuleRecord,
} from './types.js';

export const deviceRecord = (read: StateRead, device: string): DeviceRecord | undefined => parse<DeviceRecord>(read(deviceKey(device)));
export const alarmRecord = (read: StateRead, alarm: string): AlarmRecord | undefined => parse<AlarmRecord>(read(alarmKey(alarm)));
export const ruleRecord = (read: StateRead, org: string, cls: DeviceClass, condition: string): RuleRecord | undefined => parse<RuleRecord>(read(ruleKey(org, cls, condition)));

/** The open alarm of a device and condition, if any (the ledger's de-duplication key). */
export function openAlarmOf(read: StateRead, device: string, condition: string): AlarmRecord | undefined {
  const id = parse<string>(read(openConditionKey(device, condition)));
  return id === undefined ? undefined : alarmRecord(read, id);
}

/** The devices an organisation registered (retired ones too), in id order. */
export function devicesOfOrg(read: StateRead, scan: StateScan, org: string, limit = DEVICES_QUERY_ITEMS_MAX): DeviceRecord[] {
  const out: DeviceRecord[] = [];
  for (const [key] of scan(orgDevicePrefix(org), limit)) {
    const d = deviceRecord(read, key.slice(key.lastIndexOf('/') + 1));
    if (d !== undefined) out.push(d);
  }
  return out;
}

/** The rules an organisation set. */
export function rulesOfOrg(scan: StateScan, org: string, limit = DEVICES_QUERY_ITEMS_MAX): RuleRecord[] {
  return scan(rulePrefix(org), limit).map(([, v]) => JSON.parse(v) as RuleRecord);
}

/** The rule an alarm of `cls`/`condition` raised by `org` would take now (its setting or the catalogue default). */
export function ruleFor(read: StateRead, org: string, cls: DeviceClass, condition: string, orgIds: OrgIds): EffectiveRule | undefined {
  return effectiveRule(cls, condition, ruleRecord(read, org, cls, condition), orgIds);
}

export type AlarmWithTimers = AlarmRecord & { timers: AlarmTimers };

/**
 * The open alarms `org` sees — its own devices' and those escalated to it — with their timers at `now`, most severe
 * first, then oldest first.
 */
export function openAlarms(read: StateRead, scan: StateScan, org: string, now: number, limit = DEVICES_QUERY_ITEMS_MAX): AlarmWithTimers[] {
  const rank = { critical: 0, major: 1, warning: 2 } as const;
  const out: AlarmWithTimers[] = [];
  for (const [key] of scan(openAlarmOrgPrefix(org), limit)) {
    const r = alarmRecord(read, key.slice(key.lastIndexOf('/') + 1));
    if (r !== undefined) out.push({ ...r, timers: alarmTimers(r, now) });
  }
  return out.sort((a, b) => rank[a.rule.severity] - rank[b.rule.severity] || a.raisedAt - b.raisedAt || (a.alarm < b.alarm ? -1 : 1));
}
