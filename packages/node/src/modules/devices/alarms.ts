/**
 * The alarm engine of the owner's node: turns rule verdicts into alarm transactions, de-duplicated. One entry per
 * device and condition while its alarm is open; the decision "new alarm or the same one" is made synchronously when a
 * reading arrives, before anything is awaited, so readings milliseconds apart are one alarm (one `device.raise`, one
 * work order) with a count. Repeats are coalesced (one `device.repeat` with the new total at most every
 * DEVICES_REPEAT_FLUSH_MS); each entry's transactions go one at a time, in order. The ledger is the backstop: it
 * refuses a second raise for an open device and condition (another node, a restart), and the engine then adopts the
 * open alarm.
 *
 * A `work-order` alarm opens its work order once the raise is committed (through the repairs service, so that it is
 * on the dispatcher's board), then records `device.link`; a dangerous alarm is escalated at once
 * (docs/spec/devices.md#transactions).
 */
import { EventEmitter } from 'node:events';
import {
  DEVICES_READING_AGE_MS_MAX,
  DEVICES_READING_AHEAD_MS_MAX,
  DEVICE_CLASSES,
  alarmRecord,
  conditionInfo,
  escalationDue,
  isAlarmOpen,
  openAlarmOf,
  type AlarmRecord,
  type DeviceClass,
  type DeviceRecord,
  type EventCategory,
  type EventSeverity,
} from '@machi/core';

/**
 * The events category a dangerous alarm of a device class is reported as (docs/spec/devices.md#events): fire and smoke
 * to `fire`, gas and carbon monoxide to `gas-leak`. Other classes (a lift entrapment) stay with their escalation ladder.
 */
export const DEVICE_EVENT_CATEGORIES: Partial<Record<DeviceClass, EventCategory>> = { smoke: 'fire', gas: 'gas-leak', 'carbon-monoxide': 'gas-leak' };
/** An alarm's severity as an event's: critical → grave, major → serious, warning → minor. */
export const DEVICE_EVENT_SEVERITIES: Record<string, EventSeverity> = { critical: 'grave', major: 'serious', warning: 'minor' };
import type { Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import type { Repairs } from '../repairs/index.js';
import type { Events } from '../events/index.js';
import { hex32 } from '../../ids.js';
import type { DeviceStore } from './store.js';

/** Longest wait before counted repeats go on the ledger, ms. */
export const DEVICES_REPEAT_FLUSH_MS = 2_000;
/** Entries (open alarms being followed) kept at most; beyond it the oldest closed ones go first. */
export const DEVICES_ENTRIES_MAX = 100_000;

interface Entry {
  key: string;
  alarm: string;
  device: string;
  condition: string;
  /** readings counted (the ledger's count once `recorded` catches up) */
  count: number;
  recorded: number;
  active: boolean;
  lastReadingAt: number;
  /** the raise is committed (or the alarm was found open on the ledger) */
  raised: boolean;
  chain: Promise<void>;
  repeatTimer?: NodeJS.Timeout | undefined;
}

export interface EngineEvents {
  /** a work order was committed and linked: for the board's live view and the bench's latency */
  'work-order': [{ alarm: string; workOrder: string; firstReceivedAt: number; committedAt: number }];
  raised: [{ alarm: string; device: string; condition: string }];
  cleared: [{ alarm: string }];
  /** a dangerous alarm was reported as an event to the command centre */
  event: [{ alarm: string; event: string }];
}

export interface AlarmEngineOptions {
  node: MachiNode;
  submitter: OrgSubmitter;
  /** the repairs service (work orders); null: work-order alarms are raised but open nothing */
  repairs: Repairs['service'] | null;
  /** the events service (a dangerous alarm reported to the command centre); null: not reported */
  events?: Events['service'] | null;
  store: DeviceStore;
  /** the ingest job, as this organisation's staff (its pseudonym signs the alarm transactions) */
  job: Principal;
  log: (line: string) => void;
  repeatFlushMs?: number;
}

export class AlarmEngine extends EventEmitter<EngineEvents> {
  readonly #o: AlarmEngineOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #firstReceived = new Map<string, number>();
  #closed = false;

  constructor(o: AlarmEngineOptions) {
    super();
    this.#o = o;
  }

  get #read() {
    return (key: string): string | undefined => this.#o.node.store.read(key);
  }

  /** The alarm the engine follows for a device and condition (its id), if any. */
  following(device: string, condition: string): string | undefined {
    return this.#entries.get(`${device}/${condition}`)?.alarm;
  }

  /** Waits until every entry's transactions so far are done (tests, shutdown). */
  async settle(): Promise<void> {
    for (const e of this.#entries.values()) this.#flushRepeat(e);
    await Promise.all([...this.#entries.values()].map((e) => e.chain));
  }

  /** A verdict of a reading of `d` at `at` (device time, already sanitised) received at `receivedAt`. */
  onVerdict(d: DeviceRecord, condition: string, alarm: boolean, at: number, receivedAt: number, flagged: boolean): void {
    if (this.#closed) return;
    const key = `${d.device}/${condition}`;
    let e = this.#entries.get(key);
    if (e !== undefined && e.raised && this.#closedOnLedger(e.alarm)) {
      this.#forget(e);
      e = undefined;
    }
    if (e === undefined) {
      const open = openAlarmOf(this.#read, d.device, condition);
      if (open !== undefined) e = this.#adopt(key, open);
    }
    if (!alarm) {
      if (e !== undefined && e.active) {
        e.active = false;
        this.#flushRepeat(e);
        const entry = e;
        this.#enqueue(e, () => this.#clear(entry, at));
      }
      return;
    }
    if (e === undefined) {
      this.#newAlarm(key, d, condition, at, receivedAt, flagged);
      return;
    }
    e.count += 1;
    e.lastReadingAt = Math.max(e.lastReadingAt, at);
    if (!e.active) {
      // the condition is back before the alarm closed: the same alarm, active again (a repeat now)
      e.active = true;
      this.#flushRepeat(e);
    } else {
      this.#scheduleRepeat(e);
    }
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#entries.values()) clearTimeout(e.repeatTimer);
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  #closedOnLedger(alarm: string): boolean {
    const r = alarmRecord(this.#read, alarm);
    return r !== undefined && !isAlarmOpen(r);
  }

  #adopt(key: string, r: AlarmRecord): Entry {
    const e: Entry = { key, alarm: r.alarm, device: r.device, condition: r.condition, count: r.count, recorded: r.count, active: r.active, lastReadingAt: r.lastReadingAt, raised: true, chain: Promise.resolve() };
    this.#entries.set(key, e);
    return e;
  }

  #forget(e: Entry): void {
    clearTimeout(e.repeatTimer);
    if (this.#entries.get(e.key) === e) this.#entries.delete(e.key);
    this.#firstReceived.delete(e.alarm);
  }

  #enqueue(e: Entry, fn: () => Promise<void>): void {
    e.chain = e.chain.then(fn).catch((err: unknown) => this.#o.log(`devices: ${e.alarm}: ${(err as Error).message}`));
  }

  #scheduleRepeat(e: Entry): void {
    if (e.repeatTimer !== undefined) return;
    e.repeatTimer = setTimeout(() => this.#flushRepeat(e), this.#o.repeatFlushMs ?? DEVICES_REPEAT_FLUSH_MS);
    e.repeatTimer.unref();
  }

  #flushRepeat(e: Entry): void {
    clearTimeout(e.repeatTimer);
    e.repeatTimer = undefined;
    this.#enqueue(e, () => this.#repeat(e));
  }

  #newAlarm(key: string, d: DeviceRecord, condition: string, at: number, receivedAt: number, flagged: boolean): void {
    if (this.#entries.size >= DEVICES_ENTRIES_MAX) {
      this.#o.log(`devices: ${DEVICES_ENTRIES_MAX} alarms followed; ${d.device} ${condition} not raised`);
      return;
    }
    const now = this.#o.node.clock();
    // the ledger takes a first reading within its window only: outside it, the node's time, flagged
    const within = at >= now - DEVICES_READING_AGE_MS_MAX + 60_000 && at <= now + DEVICES_READING_AHEAD_MS_MAX - 60_000;
    const first = within ? at : receivedAt;
    const e: Entry = { key, alarm: `al_${hex32()}`, device: d.device, condition, count: 1, recorded: 0, active: true, lastReadingAt: first, raised: false, chain: Promise.resolve() };
    this.#entries.set(key, e);
    this.#firstReceived.set(e.alarm, receivedAt);
    this.#enqueue(e, () => this.#raise(e, d, first, flagged || !within));
  }

  async #raise(e: Entry, d: DeviceRecord, first: number, suspect: boolean): Promise<void> {
    const rc = await this.#o.submitter.submit('device.raise', { alarm: e.alarm, device: d.device, condition: e.condition, firstReadingAt: first, clockSuspect: suspect, by: this.#o.job.actor });
    if (rc.code !== undefined) {
      const open = openAlarmOf(this.#read, d.device, e.condition);
      if (open === undefined) {
        this.#forget(e);
        this.#o.log(`devices: raising ${d.device} ${e.condition} refused: ${rc.message ?? rc.code}`);
        return;
      }
      // raised elsewhere meanwhile: that alarm, with our readings counted on top
      this.#firstReceived.delete(e.alarm);
      Object.assign(e, { alarm: open.alarm, recorded: open.count, count: open.count + e.count, raised: true });
      this.#scheduleRepeat(e);
      return;
    }
    e.raised = true;
    e.recorded = 1;
    if (e.count > 1) this.#scheduleRepeat(e);
    this.emit('raised', { alarm: e.alarm, device: d.device, condition: e.condition });
    const r = alarmRecord(this.#read, e.alarm);
    if (r === undefined) return;
    // not on this entry's chain: repeats and clears need not wait for the work order
    void this.#afterRaise(r, d).catch((err: unknown) => this.#o.log(`devices: ${e.alarm}: ${(err as Error).message}`));
  }

  async #afterRaise(r: AlarmRecord, d: DeviceRecord): Promise<void> {
    const steps: Promise<unknown>[] = [];
    if (r.rule.action === 'work-order') steps.push(this.#workOrder(r, d));
    if (escalationDue(r, this.#o.node.clock()) > 0) steps.push(this.escalate(r.alarm));
    if (r.rule.dangerous && DEVICE_EVENT_CATEGORIES[d.class] !== undefined) steps.push(this.#reportEvent(r, d));
    await Promise.all(steps);
  }

  /**
   * A dangerous alarm (fire/smoke, gas) is reported to the command centre as an event (reporterKind `device`, at the
   * device's building): the major-event rule fans it out at once to every responsible department with acknowledgement
   * timers. The event names the alarm; the alarm's view finds the event (`events/by-alarm/<alarm>`).
   */
  async #reportEvent(r: AlarmRecord, d: DeviceRecord): Promise<void> {
    const events = this.#o.events ?? null;
    const category = DEVICE_EVENT_CATEGORIES[d.class];
    if (events === null || category === undefined) return;
    const building = this.#o.store.building(d.device) ?? (d.location.kind === 'building' ? d.location.code : undefined);
    if (building === undefined) {
      this.#o.log(`devices: ${d.device} has no building: alarm ${r.alarm} reported no event`);
      return;
    }
    const done = await events.reportFromDevice(this.#o.job.org, this.#o.job.actor, { alarm: r.alarm, category, severity: DEVICE_EVENT_SEVERITIES[r.rule.severity] ?? 'grave', building, observedAt: r.firstReadingAt });
    this.#o.log(`devices: alarm ${r.alarm} reported as event ${done.event} (${category})`);
    this.emit('event', { alarm: r.alarm, event: done.event });
  }

  /** Records the next escalation level of `alarm` if one is due now. */
  async escalate(alarm: string): Promise<boolean> {
    const r = alarmRecord(this.#read, alarm);
    if (r === undefined) return false;
    const level = escalationDue(r, this.#o.node.clock());
    if (level === 0) return false;
    const rc = await this.#o.submitter.submit('device.escalate', { alarm, level, by: this.#o.job.actor });
    if (rc.code !== undefined) return false;
    this.#o.log(`devices: alarm ${alarm} escalated to level ${level} (${r.rule.escalation[level - 1]!.org})`);
    return true;
  }

  async #workOrder(r: AlarmRecord, d: DeviceRecord): Promise<void> {
    const repairs = this.#o.repairs;
    if (repairs === null) return;
    const building = this.#o.store.building(d.device) ?? (d.location.kind === 'building' ? d.location.code : undefined);
    if (building === undefined) {
      this.#o.log(`devices: ${d.device} has no building: alarm ${r.alarm} opened no work order`);
      return;
    }
    const info = conditionInfo(d.class, r.condition);
    const cls = DEVICE_CLASSES[d.class];
    const description = `Alarm ${r.alarm}: ${info?.name ?? r.condition} (${r.rule.severity}) — ${cls.name} ${d.device} at ${d.location.kind} ${d.location.code}. Opened automatically by the device alarm.`;
    const result = await repairs.report(this.#o.job, {
      category: cls.repairCategory,
      priority: r.rule.severity === 'warning' ? 'normal' : 'urgent',
      location: { kind: 'common', building },
      description,
    });
    const committedAt = this.#o.node.clock();
    const rc = await this.#o.submitter.submit('device.link', { alarm: r.alarm, workOrder: result.request, by: this.#o.job.actor });
    if (rc.code !== undefined) this.#o.log(`devices: linking ${r.alarm} to ${result.request} refused: ${rc.message ?? rc.code}`);
    this.emit('work-order', { alarm: r.alarm, workOrder: result.request, firstReceivedAt: this.#firstReceived.get(r.alarm) ?? committedAt, committedAt });
    this.#firstReceived.delete(r.alarm);
  }

  async #repeat(e: Entry): Promise<void> {
    if (!e.raised || e.count <= e.recorded) return;
    const count = e.count;
    const now = this.#o.node.clock();
    const lastReadingAt = Math.min(e.lastReadingAt, now + DEVICES_READING_AHEAD_MS_MAX - 60_000);
    const rc = await this.#o.submitter.submit('device.repeat', { alarm: e.alarm, count, lastReadingAt, by: this.#o.job.actor });
    if (rc.code === undefined) e.recorded = Math.max(e.recorded, count);
    else if (this.#closedOnLedger(e.alarm)) this.#forget(e);
  }

  async #clear(e: Entry, at: number): Promise<void> {
    if (!e.raised) return;
    const r = alarmRecord(this.#read, e.alarm);
    if (r === undefined || !r.active) return;
    const normalAt = Math.max(at, r.firstReadingAt);
    const rc = await this.#o.submitter.submit('device.clear', { alarm: e.alarm, normalAt, by: this.#o.job.actor });
    if (rc.code !== undefined) {
      this.#o.log(`devices: clearing ${e.alarm} refused: ${rc.message ?? rc.code}`);
      return;
    }
    this.emit('cleared', { alarm: e.alarm });
    if (this.#closedOnLedger(e.alarm) && !e.active) this.#forget(e);
  }

  /** An alarm closed by staff (resolved after it cleared): stop following it. */
  forgetIfClosed(alarm: string): void {
    for (const e of this.#entries.values()) if (e.alarm === alarm && this.#closedOnLedger(alarm)) this.#forget(e);
  }
}
