/**
 * The escalation job of a command centre's node: for each open major event of this organisation, a department that
 * missed its acknowledgement (or, for any event, its handling deadline) is escalated to its leader with
 * `event.escalate`, one level per pass, visible to all on the ledger. The job acts as the centre's staff under its own
 * pseudonym. docs/spec/events.md#api
 */
import { EVENTS_ESCALATION_LEVEL_MAX, ackMissed, handlingOverdue, openEventsOfOrg, type EventActResult } from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import { EVENTS_LIST_MAX, type EventsService } from './service.js';

/** How often the escalation job looks for missed acknowledgements and deadlines, ms. */
export const EVENTS_ESCALATION_INTERVAL_MS = 30_000;
/** The shortest interval MACHI_EVENTS_ESCALATION_MS may set, ms. */
export const EVENTS_ESCALATION_INTERVAL_MS_MIN = 1000;

/**
 * The job's interval on a node: MACHI_EVENTS_ESCALATION_MS when set (tests that move the clocks on and wait for an
 * escalation shorten it; at least EVENTS_ESCALATION_INTERVAL_MS_MIN), else EVENTS_ESCALATION_INTERVAL_MS.
 */
export function escalationIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.MACHI_EVENTS_ESCALATION_MS);
  return env.MACHI_EVENTS_ESCALATION_MS === undefined || env.MACHI_EVENTS_ESCALATION_MS === '' || !Number.isFinite(v)
    ? EVENTS_ESCALATION_INTERVAL_MS
    : Math.max(EVENTS_ESCALATION_INTERVAL_MS_MIN, v);
}
/** The job's user id: its pseudonym is derived like a staff user's (LedgerActors). */
export const EVENTS_ESCALATION_JOB_USER_ID = 'events-escalation-job';

export class EventEscalationJob {
  readonly #s: EventsService;
  #running = false;

  constructor(service: EventsService) {
    this.#s = service;
  }

  #job(): Principal {
    const org = this.#s.node.self.id;
    return { userId: EVENTS_ESCALATION_JOB_USER_ID, username: EVENTS_ESCALATION_JOB_USER_ID, org, role: 'dispatcher', actor: this.#s.actors.of(org, EVENTS_ESCALATION_JOB_USER_ID, 'dispatcher') };
  }

  /**
   * One pass: every open event whose command centre is this node's organisation; a part that missed its
   * acknowledgement and is not yet escalated, or one past its handling deadline and escalated less than once per
   * missed deadline level, goes one level up. Failures are logged and retried on the next pass.
   */
  async escalate(now = this.#s.node.clock()): Promise<EventActResult[]> {
    if (this.#running) return [];
    this.#running = true;
    const done: EventActResult[] = [];
    try {
      this.#s.store.prune(now);
      const org = this.#s.node.self.id;
      for (const r of openEventsOfOrg(this.#s.read, this.#s.scan, org, { limit: EVENTS_LIST_MAX, statuses: ['dispatched'] })) {
        if (r.centre !== org) continue;
        for (const a of r.assignments) {
          // a missed acknowledgement: level 1; a missed handling deadline: one level more (at most the highest)
          const due = Math.min(EVENTS_ESCALATION_LEVEL_MAX, (ackMissed(a, now) ? 1 : 0) + (handlingOverdue(a, now) ? 1 : 0));
          if (a.escalation >= due) continue;
          try {
            done.push(await this.#s.escalate(this.#job(), r.event, a.org, now));
            this.#s.log(`events: ${a.org} ${ackMissed(a, now) && a.escalation === 0 ? 'missed its acknowledgement of' : 'is overdue on'} ${r.event}; escalated to level ${a.escalation + 1}`);
          } catch (e) {
            this.#s.log(`events: escalating ${a.org} on ${r.event} failed: ${(e as Error).message}`);
          }
        }
      }
    } finally {
      this.#running = false;
    }
    return done;
  }

  start(intervalMs = EVENTS_ESCALATION_INTERVAL_MS): () => void {
    const timer = setInterval(() => {
      if (!this.#s.node.closed) void this.escalate().catch((e: unknown) => this.#s.log(`events: escalation pass failed: ${(e as Error).message}`));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
