/**
 * The marks of an event's timeline: the core's verifyEventTimeline, run here against the chain's genesis file. Each
 * verdict names the organisation that signed the step's transaction (`signer`): a department's step is shown as
 * signed by that department only when its own key signed it.
 */
import { verifyEventTimeline, type EventTimelineStep } from '@machi/core';
import { loadGenesis, unprovable, type Mark } from '../../verify/ledger';

export type StepMark = Mark & { signer?: string };

export async function verifyEventSteps(event: string, steps: readonly EventTimelineStep[]): Promise<StepMark[]> {
  let genesis: unknown;
  try {
    genesis = await loadGenesis();
  } catch (e) {
    return steps.map(() => ({ state: 'failed', field: 'genesis', reason: String(e) }));
  }
  await new Promise((r) => setTimeout(r, 0));
  return verifyEventTimeline(event, steps, genesis).map((v, i) => unprovable(steps[i]!.proof) ?? (v.ok
    ? { state: 'verified', height: v.verdict.height, signedBy: v.verdict.signedBy, signer: v.signer }
    : { state: 'failed', field: v.field, reason: v.reason }));
}
