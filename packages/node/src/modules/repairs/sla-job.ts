/**
 * The SLA escalation job: records `repair.escalate` for this organisation's overdue requests, one level per SLA period
 * overdue, as the organisation's own staff under the job's pseudonym; also deletes stale uploads.
 */
import { REPAIRS_ESCALATION_LEVEL_MAX, isOverdue, slaPeriodMs, type ActResult, type RequestRecord } from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { RepairCommands } from './commands.js';
import type { RepairsContext } from './context.js';

/** How often the SLA escalation job looks for overdue requests, ms. */
export const REPAIRS_ESCALATION_INTERVAL_MS = 30_000;
/** The escalation job's user id: its pseudonym is derived like a user's (LedgerActors). */
export const SLA_JOB_USER_ID = 'sla-escalation-job';

/**
 * A request's escalation level due at `now`: 1 once overdue, one more per further SLA period, at most 3. The period is
 * the SLA the current one began with (slaPeriodMs: the organisation's setting or the catalogue's, as it was then).
 */
export function escalationLevelDue(r: RequestRecord, now: number): number {
  if (!isOverdue(r, now)) return 0;
  return Math.min(REPAIRS_ESCALATION_LEVEL_MAX, 1 + Math.floor((now - r.slaDueAt) / slaPeriodMs(r)));
}

export class SlaEscalationJob {
  readonly #c: RepairsContext;
  readonly #commands: RepairCommands;
  #running = false;

  constructor(c: RepairsContext, commands: RepairCommands) {
    this.#c = c;
    this.#commands = commands;
  }

  /** The job acts as this organisation's staff, under its own pseudonym. */
  #job(): Principal {
    const org = this.#c.node.self.id;
    return { userId: SLA_JOB_USER_ID, username: SLA_JOB_USER_ID, org, role: 'property-staff', actor: this.#c.actors.of(org, SLA_JOB_USER_ID, 'property-staff') };
  }

  /**
   * One pass of the job: for each open request of this organisation whose escalation level due (escalationLevelDue)
   * is above its current level, records `repair.escalate` one level up. Also deletes stale uploads. Returns what it
   * recorded; failures are logged and retried on the next pass.
   */
  async escalateOverdue(now = this.#c.node.clock()): Promise<ActResult[]> {
    if (this.#running) return [];
    this.#running = true;
    const done: ActResult[] = [];
    try {
      this.#c.store.prune(now);
      const org = this.#c.node.self.id;
      for (const r of this.#c.openRequests()) {
        if (r.org !== org || (r.escalation?.level ?? 0) >= escalationLevelDue(r, now)) continue;
        try {
          done.push(await this.#commands.escalate(this.#job(), r.request, now));
          this.#c.log(`repairs: ${r.request} is overdue, escalated to level ${(r.escalation?.level ?? 0) + 1}`);
        } catch (e) {
          this.#c.log(`repairs: escalating ${r.request} failed: ${(e as Error).message}`);
        }
      }
    } finally {
      this.#running = false;
    }
    return done;
  }

  /** Runs escalateOverdue every `intervalMs`; returns the stop function. */
  start(intervalMs = REPAIRS_ESCALATION_INTERVAL_MS): () => void {
    const timer = setInterval(() => {
      if (!this.#c.node.closed) void this.escalateOverdue().catch((e: unknown) => this.#c.log(`repairs: escalation pass failed: ${(e as Error).message}`));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
