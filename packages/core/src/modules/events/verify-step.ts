/**
 * Checks one timeline step as an API showed it against the ledger, with the genesis file alone: the step's proof
 * bundle must verify (signed transaction, RFC 9162 inclusion, commit certificate), the step's organisation must be the
 * transaction's signer (so "each step signed by its department" is checked, not shown), and every field the step
 * shows that its transaction carries must be what it recorded. Fields derived from earlier state (a fan-out's
 * organisations, a flag's target, the status) need the event record's own proof; deadlines are checked where the
 * transaction fixes them. docs/spec/events.md#verifying-a-timeline
 */
import { sameJson, verifyShownBundle, type BundleVerdict } from '../../bundle.js';
import { isEventAction, isEventCategory, isSeverity, majorRule, type EventAction } from './catalogue.js';
import { EVENTS_MINUTE_MS, type EventStep } from './types.js';

export type EventStepVerdict =
  | { ok: true; verdict: BundleVerdict; signer: string }
  /** `field`: a bundle field (`bundle.tx.sig`, …) or a step field (`step.org`, …) */
  | { ok: false; field: string; reason: string };

/** The payload field that names the actor of each action. */
const ACTOR_FIELD: Record<EventAction, string> = {
  report: 'reporter',
  triage: 'by',
  dispatch: 'by',
  acknowledge: 'by',
  accept: 'by',
  handle: 'by',
  request_help: 'by',
  flag: 'by',
  answer_flag: 'by',
  close: 'by',
  send_back: 'by',
  escalate: 'by',
  rate: 'reporter',
};

/** Step fields copied from the payload under the same name. */
const SAME_NAME = ['photoHashes', 'decision', 'into', 'reason', 'result', 'step', 'kind', 'evidenceHashes', 'flag', 'answer', 'check', 'level', 'rating'] as const;

type Mismatch = { ok: false; field: string; reason: string };
const mismatch = (field: string, shown: unknown, recorded: unknown): Mismatch => ({
  ok: false,
  field: `step.${field}`,
  reason: `the step shows ${JSON.stringify(shown)}, the ledger recorded ${JSON.stringify(recorded)}`,
});

/** The departments a dispatch, send-back or help request fixed: each organisation, due at block time + its minutes. */
function fixedDepartments(action: EventAction, payload: Record<string, unknown>, at: number): { org: string; dueAt: number }[] | undefined {
  if (action === 'request_help') return [{ org: payload.to as string, dueAt: at + (payload.deadlineMinutes as number) * EVENTS_MINUTE_MS }];
  if (action !== 'dispatch' && action !== 'send_back') return undefined;
  return (payload.departments as { org: string; deadlineMinutes: number }[]).map((d) => ({ org: d.org, dueAt: at + d.deadlineMinutes * EVENTS_MINUTE_MS }));
}

/** A report's fan-out deadlines, as the major-event rule of its category and severity gives them. */
function fanOutMismatch(step: EventStep, payload: Record<string, unknown>, at: number): Mismatch | null {
  const shown = step.departments;
  if (shown === undefined) return null;
  const rule = isEventCategory(payload.category) && isSeverity(payload.severity) ? majorRule(payload.category, payload.severity) : null;
  if (rule === null) return mismatch('departments', shown, 'no fan-out (not a major event)');
  const want = { dueAt: at + rule.deadlineMinutes * EVENTS_MINUTE_MS, ackDueAt: at + rule.ackMinutes * EVENTS_MINUTE_MS };
  const bad = shown.find((d) => d.dueAt !== want.dueAt || d.ackDueAt !== want.ackDueAt);
  return bad === undefined ? null : mismatch('departments', bad, want);
}

/**
 * Verifies `step` of event `event` against its `proof` bundle and the genesis. Never throws: a bundle that does not
 * verify, or a step that says something its transaction did not record, is `{ ok: false, field, reason }`.
 */
export function verifyEventStep(event: string, step: EventStep, proof: unknown, genesis: unknown): EventStepVerdict {
  const checked = verifyShownBundle(step, proof, genesis, 'step');
  if (!checked.ok) return checked;
  const { verdict } = checked;
  const b = proof as { tx: { type: string; signer: string; payload: Record<string, unknown> }; header: { time: number } };
  const payload = b.tx.payload;
  // by the member set of its height (a department's key may have been rotated since the genesis)
  const signer = verdict.signer;
  if (step.txHash !== verdict.txHash) return mismatch('txHash', step.txHash, verdict.txHash);
  // an imported step (event.import): a legacy time the command centre recorded, not a step its department signed
  if (b.tx.type === 'event.import') return { ok: false, field: 'step.imported', reason: `an imported step: the previous system's time, recorded by ${signer} in event.import, not signed by ${String(step.org)}` };
  if (typeof step.action !== 'string' || !isEventAction(step.action) || b.tx.type !== `event.${step.action}`) return mismatch('action', step.action, b.tx.type.replace(/^event\./, ''));
  if (payload.event !== event) return mismatch('event', event, payload.event);
  if (step.at !== b.header.time) return mismatch('at', step.at, b.header.time);
  if (step.org !== signer) return mismatch('org', step.org, signer);
  const actorField = ACTOR_FIELD[step.action];
  if (step.actor !== payload[actorField]) return mismatch('actor', step.actor, payload[actorField]);
  const shown = step as unknown as Record<string, unknown>;
  for (const f of SAME_NAME) {
    if (shown[f] === undefined && payload[f] === undefined) continue;
    if (!sameJson(shown[f], payload[f])) return mismatch(f, shown[f], payload[f]);
  }
  if (step.action === 'request_help' && step.to !== payload.to) return mismatch('to', step.to, payload.to);
  if (step.action === 'escalate' && step.to !== payload.department) return mismatch('to', step.to, payload.department);
  const fixed = fixedDepartments(step.action, payload, b.header.time);
  if (fixed !== undefined && !sameJson(step.departments, fixed)) return mismatch('departments', step.departments, fixed);
  if (step.action === 'report') {
    const bad = fanOutMismatch(step, payload, b.header.time);
    if (bad !== null) return bad;
  }
  return { ok: true, verdict, signer };
}

/** A whole timeline as an API showed it (each entry a step with its `proof`): one verdict per step, in order. */
export function verifyEventTimeline(event: string, steps: readonly unknown[], genesis: unknown): EventStepVerdict[] {
  return steps.map((s) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return { ok: false, field: 'step', reason: 'the step is not a JSON object' };
    const { proof, index: _index, ...step } = s as Record<string, unknown>;
    return verifyEventStep(event, step as unknown as EventStep, proof, genesis);
  });
}
