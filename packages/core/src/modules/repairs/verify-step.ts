/**
 * Checks one timeline step as an API showed it against the ledger, with the genesis file alone: the step's proof
 * bundle must verify (signed transaction, RFC 9162 inclusion in the log, commit certificate of the block), and every
 * field the step shows must be what that transaction recorded. Used by the web app in the browser (the "verified"
 * mark on each step) and by anyone holding a timeline and a genesis file. docs/spec/repairs.md#verifying-a-timeline
 */
import { sameJson, verifyShownBundle, type BundleVerdict } from '../../bundle.js';
import type { RepairStep } from './types.js';
import { isAction, type RepairStatus } from './catalogue.js';
import { nextStatus } from './transitions.js';

export type StepVerdict =
  | { ok: true; verdict: BundleVerdict }
  /** `field` names what failed: a bundle field (`bundle.tx.sig`, …) or a step field (`step.cause`, …) */
  | { ok: false; field: string; reason: string };

/** Which payload field carries the actor of each action (create: reporter; assign/cancel/escalate: by; …). */
const ACTOR_FIELD: Record<RepairStep['action'], string> = {
  create: 'reporter',
  assign: 'by',
  accept: 'worker',
  arrive: 'worker',
  diagnose: 'worker',
  start: 'worker',
  finish: 'worker',
  confirm: 'reporter',
  reopen: 'reporter',
  cancel: 'by',
  escalate: 'by',
};

/** The step fields copied from the payload under the same name. */
const SAME_NAME = ['worker', 'workerOrg', 'cause', 'parts', 'photoHashes', 'rating', 'commentHash', 'reasonHash', 'level'] as const;

/**
 * Verifies `step` of request `request` against its `proof` bundle and the genesis. Never throws: a bundle that does not
 * verify, or a step that says something its transaction did not record, is `{ ok: false, field, reason }`.
 */
export function verifyTimelineStep(request: string, step: RepairStep, proof: unknown, genesis: unknown): StepVerdict {
  const checked = verifyShownBundle(step, proof, genesis, 'step');
  if (!checked.ok) return checked;
  const { verdict } = checked;
  const b = proof as { tx: { type: string; payload: Record<string, unknown> }; header: { time: number } };
  const payload = b.tx.payload;
  const mismatch = (field: string, shown: unknown, recorded: unknown): StepVerdict => ({
    ok: false,
    field: `step.${field}`,
    reason: `the step shows ${JSON.stringify(shown)}, the ledger recorded ${JSON.stringify(recorded)}`,
  });
  if (step.txHash !== verdict.txHash) return mismatch('txHash', step.txHash, verdict.txHash);
  // a string first: `{"toString": 1}` (valid JSON) cannot be put in a template
  if (typeof step.action !== 'string' || b.tx.type !== `repair.${step.action}`) return mismatch('action', step.action, b.tx.type.replace(/^repair\./, ''));
  if (payload.request !== request) return mismatch('request', request, payload.request);
  if (step.at !== b.header.time) return mismatch('at', step.at, b.header.time);
  const actorField = ACTOR_FIELD[step.action];
  if (actorField === undefined) return { ok: false, field: 'step.action', reason: `unknown action ${JSON.stringify(step.action)}` };
  if (step.actor !== payload[actorField]) return mismatch('actor', step.actor, payload[actorField]);
  const shown = step as unknown as Record<string, unknown>;
  for (const f of SAME_NAME) {
    // a field the transaction does not carry must not be shown; one it carries must be shown as recorded
    // (`worker` of worker steps is the actor, not a detail: those payloads carry it and the step does not repeat it)
    if (f === 'worker' && actorField === 'worker') continue;
    if (shown[f] === undefined && payload[f] === undefined) continue;
    if (f === 'photoHashes' && shown[f] === undefined && Array.isArray(payload[f]) && (payload[f] as unknown[]).length === 0) continue;
    if (!sameJson(shown[f], payload[f])) return mismatch(f, shown[f], payload[f]);
  }
  return { ok: true, verdict };
}

/**
 * A whole timeline as an API showed it: each step by verifyTimelineStep, and the status shown beside each step must be
 * the one the recorded actions lead to (from `received`, by the transition table). One verdict per step, in order.
 * What it cannot see: steps the API left out (the request record's own proof would be needed for that).
 */
export function verifyTimeline(request: string, steps: readonly unknown[], genesis: unknown): StepVerdict[] {
  let status: RepairStatus = 'received';
  return steps.map((s) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return { ok: false, field: 'step', reason: 'the step is not a JSON object' };
    const { proof, status: shown, ...step } = s as Record<string, unknown>;
    const v = verifyTimelineStep(request, step as unknown as RepairStep, proof, genesis);
    if (typeof step.action === 'string' && isAction(step.action)) status = nextStatus(status, step.action);
    if (!v.ok) return v;
    if (shown !== undefined && shown !== status) return { ok: false, field: 'step.status', reason: `the step shows ${JSON.stringify(shown)}, the recorded steps lead to ${JSON.stringify(status)}` };
    return v;
  });
}
