/**
 * The devices service for this node's signed-in staff: registering devices (credentials shown once), their health,
 * rules, the alarm board, acknowledging and resolving; and the escalation job. Each alarm action is decided first by
 * the core's checkAlarmTransition with the user's role (404 / 409 / 403, nothing submitted), then submitted signed by
 * this organisation and answered once committed. docs/spec/devices.md
 */
import {
  CONDITION_CODES,
  DEVICE_CLASSES,
  DEVICE_CLASS_CODES,
  MachiError,
  alarmEventKey,
  alarmRecord,
  alarmTimers,
  checkAlarmTransition,
  checkRuleSetting,
  conditionInfo,
  deviceErrorCode,
  deviceRecord,
  devicesOfOrg,
  escalationDue,
  openAlarms,
  ruleFor,
  ruleRecord,
  type AlarmRecord,
  type DeviceClass,
  type DeviceCredential,
  type DeviceLocationKind,
  type DeviceSetRulePayload,
  type EffectiveRule,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import type { OrgSubmitter } from '../../node/org-tx.js';
import type { AlarmEngine } from './alarms.js';
import { readingsTopic } from './broker.js';
import { newDeviceSecret } from './credentials.js';
import type { Ingest } from './ingest.js';
import type { DeviceHealth, DeviceStore } from './store.js';

/** How often the escalation job runs, ms. */
export const DEVICES_ESCALATION_INTERVAL_MS = 15_000;
/** Leader notices kept (newest), at most. */
export const DEVICES_NOTICES_MAX = 1000;

export interface RegisterBody {
  device: string;
  class: DeviceClass;
  location: { kind: DeviceLocationKind; code: string };
  /** the building its work orders go to (default: the location's code when it is a building) */
  building?: string;
  /** an Ed25519 public key (base64url): the device keeps its own private key; absent: a secret is made and shown once */
  publicKey?: string;
  signedMessages?: boolean;
}

export interface Registered {
  device: string;
  txHash: string;
  /** shown once: only its hash is kept (on the ledger) */
  secret?: string;
  mqtt: { url: string; username: string; topic: string };
}

export type RuleBody = Omit<DeviceSetRulePayload, 'class' | 'condition' | 'by'>;

/** A leader is told: an acknowledgement or a resolution SLA missed. */
export interface Notice {
  alarm: string;
  kind: 'ack-missed' | 'resolve-missed';
  leader: string | null;
  onDutyRole: string;
  at: number;
}

export type DeviceView = { device: string; class: DeviceClass; location: { kind: string; code: string }; building: string | null; credential: 'secret' | 'ed25519'; signedMessages: boolean; registeredAt: number; retired: boolean; alarms: number; lastAlarm: string | null; lastAlarmAt: number | null; health: Omit<DeviceHealth, 'device'> };

const STATUS_ERRORS = (status: 404 | 409 | 403) => deviceErrorCode(status);

export interface DevicesServiceOptions {
  node: MachiNode;
  submitter: OrgSubmitter;
  store: DeviceStore;
  ingest: Ingest;
  engine: AlarmEngine;
  job: Principal;
  mqttUrl: () => string;
  log: (line: string) => void;
}

export class DevicesService {
  readonly #o: DevicesServiceOptions;
  readonly #notices: Notice[] = [];
  readonly #noticed = new Set<string>();
  #running = false;
  /** the chain's organisation ids (genesis) */
  readonly #orgIds: readonly string[];

  constructor(o: DevicesServiceOptions) {
    this.#o = o;
    this.#orgIds = o.node.genesis.orgs.map((x) => x.id);
  }

  get #read() {
    return (k: string): string | undefined => this.#o.node.store.read(k);
  }
  get #scan() {
    return (prefix: string, limit: number): [string, string][] => this.#o.node.store.scan(prefix, limit);
  }

  async #submit(type: string, payload: Record<string, unknown>): Promise<string> {
    const rc = await this.#o.submitter.submit(type, payload);
    if (rc.code !== undefined) throw new MachiError('DEVICE_CONFLICT', rc.message ?? rc.code);
    return rc.hash;
  }

  async register(p: Principal, b: RegisterBody): Promise<Registered> {
    const building = b.building ?? (b.location.kind === 'building' ? b.location.code : undefined);
    if (deviceRecord(this.#read, b.device) !== undefined) throw new MachiError('DEVICE_CONFLICT', `device ${b.device} is registered already`);
    const made = b.publicKey === undefined ? newDeviceSecret() : undefined;
    const credential: DeviceCredential = made === undefined ? { kind: 'ed25519', publicKey: b.publicKey! } : { kind: 'secret', hash: made.hash };
    if (b.signedMessages === true && credential.kind !== 'ed25519') throw new MachiError('REQUEST_INVALID', 'only a device with an Ed25519 key can sign its messages');
    const txHash = await this.#submit('device.register', { device: b.device, class: b.class, location: b.location, credential, signedMessages: b.signedMessages === true, by: p.actor });
    if (building !== undefined) this.#o.store.setBuilding(b.device, building);
    this.#o.ingest.invalidate(b.device);
    return {
      device: b.device,
      txHash,
      ...(made === undefined ? {} : { secret: made.secret }),
      mqtt: { url: this.#o.mqttUrl(), username: b.device, topic: readingsTopic(p.org, b.device) },
    };
  }

  async retire(p: Principal, device: string): Promise<{ device: string; txHash: string }> {
    const d = deviceRecord(this.#read, device);
    if (d === undefined || d.org !== p.org) throw new MachiError('DEVICE_NOT_FOUND', `no device ${device} of ${p.org}`);
    const txHash = await this.#submit('device.retire', { device, by: p.actor });
    this.#o.ingest.invalidate(device);
    return { device, txHash };
  }

  list(p: Principal): DeviceView[] {
    this.#o.store.flush();
    return devicesOfOrg(this.#read, this.#scan, p.org).map((d) => {
      const { device: _d, ...health } = this.#o.store.peekHealth(d.device);
      return {
        device: d.device, class: d.class, location: d.location, building: this.#o.store.building(d.device) ?? null, credential: d.credential.kind,
        signedMessages: d.signedMessages, registeredAt: d.registeredAt, retired: d.retiredAt !== undefined, alarms: d.alarms,
        lastAlarm: d.lastAlarm ?? null, lastAlarmAt: d.lastAlarmAt ?? null, health,
      };
    });
  }

  /** Every class and condition with the rule an alarm of the organisation would take now. */
  rules(p: Principal): { class: DeviceClass; condition: string; name: string; configured: boolean; rule: EffectiveRule }[] {
    return DEVICE_CLASS_CODES.flatMap((cls) => Object.keys(DEVICE_CLASSES[cls].conditions).map((condition) => ({
      class: cls, condition, name: conditionInfo(cls, condition)!.name,
      configured: ruleRecord(this.#read, p.org, cls, condition) !== undefined,
      rule: ruleFor(this.#read, p.org, cls, condition, this.#orgIds)!,
    })));
  }

  async setRule(p: Principal, cls: DeviceClass, condition: string, b: RuleBody): Promise<{ txHash: string }> {
    if (!CONDITION_CODES.includes(condition)) throw new MachiError('DEVICE_NOT_FOUND', `no condition ${condition}`);
    const invalid = checkRuleSetting({ ...b, class: cls, condition }, p.org, this.#orgIds);
    if (invalid !== null) throw new MachiError('REQUEST_INVALID', invalid);
    const payload = { ...b, class: cls, condition, by: p.actor };
    return { txHash: await this.#submit('device.set_rule', payload) };
  }

  /** The open alarms the caller's organisation sees, with timers, most severe first. */
  board(p: Principal, now = this.#o.node.clock()) {
    return openAlarms(this.#read, this.#scan, p.org, now).map((a) => this.#withEvent(a));
  }

  /** The event a dangerous alarm reported to the command centre (events/by-alarm/<alarm>), if any. */
  eventOf(alarm: string): string | undefined {
    const v = this.#read(alarmEventKey(alarm));
    return v === undefined ? undefined : (JSON.parse(v) as string);
  }

  #withEvent<A extends { alarm: string }>(a: A): A & { event?: string } {
    const event = this.eventOf(a.alarm);
    return event === undefined ? a : { ...a, event };
  }

  alarm(p: Principal, alarm: string, now = this.#o.node.clock()) {
    const r = alarmRecord(this.#read, alarm);
    if (r === undefined || !(r.org === p.org || r.escalatedTo.includes(p.org))) throw new MachiError('DEVICE_NOT_FOUND', `no alarm ${alarm}`);
    return this.#withEvent({ ...r, timers: alarmTimers(r, now) });
  }

  async act(p: Principal, alarm: string, action: 'acknowledge' | 'resolve'): Promise<AlarmRecord> {
    const r = alarmRecord(this.#read, alarm);
    const c = checkAlarmTransition(r, action, { org: p.org, role: p.role }, {}, this.#o.node.clock());
    if (!c.ok) throw new MachiError(STATUS_ERRORS(c.status), c.status === 404 ? `no alarm ${alarm}` : c.reason);
    await this.#submit(`device.${action}`, { alarm, by: p.actor });
    this.#o.engine.forgetIfClosed(alarm);
    return alarmRecord(this.#read, alarm)!;
  }

  /** Leader notices, newest last. */
  notices(): Notice[] {
    return [...this.#notices];
  }

  /**
   * One pass of the escalation job over this organisation's own open alarms: records each escalation level due, and
   * tells the rule's leader once when an acknowledgement or the resolution SLA is missed. Returns the alarms escalated.
   */
  async escalatePass(now = this.#o.node.clock()): Promise<string[]> {
    if (this.#running) return [];
    this.#running = true;
    const done: string[] = [];
    try {
      for (const r of openAlarms(this.#read, this.#scan, this.#o.node.self.id, now)) {
        if (r.org !== this.#o.node.self.id) continue;
        if (escalationDue(r, now) > 0 && (await this.#o.engine.escalate(r.alarm).catch(() => false))) done.push(r.alarm);
        for (const kind of ['ack-missed', 'resolve-missed'] as const) {
          const missed = kind === 'ack-missed' ? r.timers.ackMissed : r.timers.resolveMissed;
          if (!missed || this.#noticed.has(`${r.alarm}/${kind}`)) continue;
          this.#noticed.add(`${r.alarm}/${kind}`);
          this.#notices.push({ alarm: r.alarm, kind, leader: r.rule.leader, onDutyRole: r.rule.onDutyRole, at: now });
          if (this.#notices.length > DEVICES_NOTICES_MAX) this.#notices.shift();
          this.#o.log(`devices: alarm ${r.alarm} (${r.device} ${r.condition}): ${kind === 'ack-missed' ? 'acknowledgement' : 'resolution SLA'} missed; leader told`);
        }
      }
    } finally {
      this.#running = false;
    }
    return done;
  }

  startEscalation(intervalMs = DEVICES_ESCALATION_INTERVAL_MS): () => void {
    const timer = setInterval(() => {
      if (!this.#o.node.closed) void this.escalatePass().catch((e: unknown) => this.#o.log(`devices: escalation pass failed: ${(e as Error).message}`));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
